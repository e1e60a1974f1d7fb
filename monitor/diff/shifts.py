"""Stance shifts: the same actor, the same topic, a different stance.

Claims are compared per actor, not per aligned sentence, so the rule works for two versions of one
article and for two outlets' reports of one story alike. For each actor, the current stance claims of
both versions (not background, not a third party's claim, with a topic) are grouped by topic
similarity. In each group, a shift needs a stance that the old version held and the new one no longer
states, and a stance the new version states that the old one did not: "oppose" -> "support". A stance
still present on both sides blocks nothing and proves nothing, so history repeated in a new version,
a hedge next to a firm position, or an extra paraphrase do not make a shift; only a stance that
disappeared and another that appeared do.
"""

from __future__ import annotations

from collections import defaultdict

from monitor.claims.topics import topic_similarity, topic_stems
from monitor.model import Change, ChangeKind, ChangeSide, Claim

TOPIC_THRESHOLD = 0.5
QUALIFIER_TOPIC_THRESHOLD = 0.34


class _Groups:
    """Union-find over claim positions."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def side_of(claim: Claim, qualifiers: tuple[str, ...] | None = None) -> ChangeSide:
    return ChangeSide(
        text=claim.text,
        stance=claim.stance,
        qualifiers=claim.qualifiers if qualifiers is None else qualifiers,
        cue=claim.cue,
        actor_text=claim.actor_text,
        attribution=claim.attribution,
        start=claim.start,
        end=claim.end,
    )


# A hedge next to a firm position ("still opposed ..., though Blinken hinted that could change") is a
# signal, not the position: it counts for less when choosing which stance was given up.
UNDECIDED_WEIGHT = 0.6


def _weights(claims: list[Claim]) -> dict[str, float]:
    weights: dict[str, float] = defaultdict(float)
    for claim in claims:
        factor = UNDECIDED_WEIGHT if claim.stance == "undecided" else 1.0
        weights[claim.stance or ""] += claim.confidence * factor
    return weights


def _best(claims: list[Claim], stance: str) -> Claim:
    chosen = [c for c in claims if c.stance == stance]
    return max(chosen, key=lambda c: (c.confidence, -c.index))


def stance_shifts(old: list[Claim], new: list[Claim]) -> list[Change]:
    old_current = [c for c in old if c.has_stance and c.topic]
    new_current = [c for c in new if c.has_stance and c.topic]
    actors = sorted({c.actor for c in old_current if c.actor} & {c.actor for c in new_current if c.actor})
    changes: list[Change] = []
    main_subject = _lead_concepts(old) & _lead_concepts(new) if actors else frozenset()
    for actor in actors:
        before = [c for c in old_current if c.actor == actor]
        after = [c for c in new_current if c.actor == actor]
        items = before + after
        stems = [topic_stems(c.topic) for c in items]
        groups = _Groups(len(items))
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                if topic_similarity(stems[i], stems[j]) >= TOPIC_THRESHOLD:
                    groups.union(i, j)
        clusters: dict[int, tuple[list[Claim], list[Claim]]] = defaultdict(lambda: ([], []))
        for i, claim in enumerate(items):
            side = 0 if i < len(before) else 1
            clusters[groups.find(i)][side].append(claim)
        _pair_on_main_subject(clusters, main_subject)
        found: dict[tuple[str, str], Change] = {}
        for old_claims, new_claims in clusters.values():
            if not old_claims or not new_claims:
                continue
            old_weights = _weights(old_claims)
            new_weights = _weights(new_claims)
            gone = {s: w for s, w in old_weights.items() if s not in new_weights}
            came = {s: w for s, w in new_weights.items() if s not in old_weights}
            if not gone or not came:
                continue
            from_stance = max(gone, key=lambda s: gone[s])
            to_stance = max(came, key=lambda s: came[s])
            was = _best(old_claims, from_stance)
            now = _best(new_claims, to_stance)
            cluster_stems = frozenset().union(*(topic_stems(c.topic) for c in new_claims))
            qualifiers = _qualifiers(actor, to_stance, new_claims, new, cluster_stems)
            share = came[to_stance] / sum(new_weights.values())
            confidence = min(was.confidence, now.confidence) * (0.7 + 0.3 * share)
            change = Change(
                kind=ChangeKind.STANCE_SHIFT,
                actor=actor,
                topic=_shared_topic(was.topic, now.topic),
                proposition=now.proposition or was.proposition,
                before=side_of(was),
                after=side_of(now, qualifiers),
                confidence=confidence,
            )
            key = (from_stance, to_stance)
            if key not in found or found[key].confidence < change.confidence:
                found[key] = change
        changes.extend(found.values())
    return changes


LEAD_SENTENCES = 2


def _lead_concepts(claims: list[Claim]) -> frozenset[str]:
    """Stems of the story's main subject: the topics of its first sentences (headline and lead)."""
    indexes = sorted({c.index for c in claims})[:LEAD_SENTENCES]
    return frozenset().union(*(topic_stems(c.topic) for c in claims if c.index in indexes))


def _pair_on_main_subject(
    clusters: dict[int, tuple[list[Claim], list[Claim]]], main_subject: frozenset[str]
) -> None:
    """One question worded two ways: when an actor's stances fall into exactly one topic group in each
    version ("did not say which way he was leaning on the measure" / "vetoed HB 3021") and both groups
    touch the story's main subject (concepts shared by both versions' headline and lead), they are one
    topic. With more than one group on either side nothing is merged: the topics really differ."""
    if not main_subject:
        return
    olds = [k for k, (o, n) in clusters.items() if o]
    news = [k for k, (o, n) in clusters.items() if n]
    if len(olds) != 1 or len(news) != 1 or olds[0] == news[0]:
        return
    old_claims, _ = clusters[olds[0]]
    _, new_claims = clusters[news[0]]
    objects: list[set[str]] = []
    for group in (old_claims, new_claims):
        stems = frozenset().union(*(topic_stems(c.topic) for c in group))
        if not stems & main_subject:
            return
        objects.append({w for w in stems if w[:1] == "@"})
    if objects[0] and objects[1] and not objects[0] & objects[1]:
        return  # about two different actors' things ("Bulgaria's entry", "Romania's entry")
    clusters[olds[0]][1].extend(new_claims)
    del clusters[news[0]]


def _qualifiers(
    actor: str, stance: str, cluster: list[Claim], new: list[Claim], cluster_stems: frozenset[str]
) -> tuple[str, ...]:
    """The new stance's limits: its own claims' qualifiers, then those of the actor's elaborations
    (sentences where the actor speaks on the same topic without a stance word: "provided they ...")."""
    out: list[str] = []
    for claim in cluster:
        if claim.stance == stance:
            out += [q for q in claim.qualifiers if q not in out]
    for claim in new:
        if claim.actor == actor and claim.stance is None and not claim.background and claim.qualifiers:
            stems = topic_stems(claim.topic)
            if (
                len(stems & cluster_stems) >= 2
                or topic_similarity(stems, cluster_stems) >= QUALIFIER_TOPIC_THRESHOLD
            ):
                out += [q for q in claim.qualifiers if q not in out]
    return tuple(out)


def _shared_topic(a: str, b: str) -> str:
    a_stems = topic_stems(a)
    shared = [w for w in b.split() if topic_stems(w) & a_stems]
    # "@romania" marks whose thing the topic is about (see extract._object_actors); shown as "romania"
    return " ".join(w.lstrip("@") for w in (shared or b.split()))
