"""Stance shifts: the same actor, the same topic, a different stance.

Claims are compared per actor, not per aligned sentence, so the rule works for two versions of one
article and for two outlets' reports of one story alike. For each actor, the current stance claims of
both versions (not background, not a third party's claim, with a topic) are grouped into questions
(`questions.py`). On each question, a shift needs a stance that the old version held and the new one no longer
states, and a stance the new version states that the old one did not: "oppose" -> "support". A stance
still present on both sides blocks nothing and proves nothing, so history repeated in a new version,
a hedge next to a firm position, or an extra paraphrase do not make a shift; only a stance that
disappeared and another that appeared do.
"""

from __future__ import annotations

from collections import defaultdict

from monitor.claims.topics import topic_similarity, topic_stems
from monitor.diff.questions import Question, Story, questions
from monitor.model import Change, ChangeKind, ChangeSide, Claim

QUALIFIER_TOPIC_THRESHOLD = 0.34
# A question joined only because one holder of the story has nothing else to pair (questions.py, rule 4)
# is right about half the time on the development corpus: its shifts carry less confidence, so a rule
# file can ask for more (`min_confidence`).
HOLDER_LINK_WEIGHT = 0.8


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


# The share of a side's weight that makes a stance its clear majority, fitted on the development corpus
# (0.5-0.75 tried: at 2/3 or below, two statements against one are a majority and noise cases alert).
DOMINANCE = 0.7


def _dominant_move(old: dict[str, float], new: dict[str, float]) -> tuple[str, str] | None:
    """The stance that dominated the old statements and the one that dominates the new, when they differ
    and each is the clear majority of its side while weak on the other: one stray statement
    ("demanded that the money ...") does not hide a move from a veto to its withdrawal."""
    old_total, new_total = sum(old.values()), sum(new.values())
    was = max(old, key=lambda s: old[s])
    now = max(new, key=lambda s: new[s])
    if was == now:
        return None
    if old[was] / old_total < DOMINANCE or new[now] / new_total < DOMINANCE:
        return None
    if old.get(now, 0.0) / old_total >= 1 - DOMINANCE or new.get(was, 0.0) / new_total >= 1 - DOMINANCE:
        return None
    return was, now


def _best(claims: list[Claim], stance: str) -> Claim:
    chosen = [c for c in claims if c.stance == stance]
    return max(chosen, key=lambda c: (c.confidence, -c.index))


def stance_shifts(old: list[Claim], new: list[Claim]) -> list[Change]:
    """The shifts between two versions' claims, each holder named one way across both
    (`one_name_per_holder`, which diff_claims applies once for shifts and numbers alike)."""
    old_current = [c for c in old if c.has_stance and c.topic]
    new_current = [c for c in new if c.has_stance and c.topic]
    actors = sorted({c.actor for c in old_current if c.actor} & {c.actor for c in new_current if c.actor})
    changes: list[Change] = []
    story = Story.of(old, new) if actors else None
    for actor in actors:
        assert story is not None
        before = [c for c in old_current if c.actor == actor]
        after = [c for c in new_current if c.actor == actor]
        found: dict[tuple[str, str], Change] = {}
        for question in questions(before, after, story):
            change = _shift(actor, question, new)
            if change is None or change.before is None or change.after is None:
                continue
            key = (str(change.before.stance), str(change.after.stance))
            if key not in found or found[key].confidence < change.confidence:
                found[key] = change
        changes.extend(found.values())
    return changes


def _shift(actor: str, question: Question, new: list[Claim]) -> Change | None:
    """The holder's shift on one question: a stance the old version held and the new one no longer
    states, and a stance the new version states that the old one did not."""
    if not question.old or not question.new:
        return None
    old_weights = _weights(question.old)
    new_weights = _weights(question.new)
    gone = {s: w for s, w in old_weights.items() if s not in new_weights}
    came = {s: w for s, w in new_weights.items() if s not in old_weights}
    if gone and came:
        from_stance = max(gone, key=lambda s: gone[s])
        to_stance = max(came, key=lambda s: came[s])
    else:
        moved = _dominant_move(old_weights, new_weights)
        if moved is None:
            return None
        from_stance, to_stance = moved
    if question.linked_by == "holder" and "undecided" not in (from_stance, to_stance):
        return None  # the holder rule joins an open question to its answer, not two firm stances
    was = _best(question.old, from_stance)
    now = _best(question.new, to_stance)
    qualifiers = _qualifiers(actor, to_stance, question.new, new, question.stems)
    share = new_weights[to_stance] / sum(new_weights.values())
    confidence = min(was.confidence, now.confidence) * (0.7 + 0.3 * share)
    if question.linked_by == "holder":
        confidence *= HOLDER_LINK_WEIGHT
    return Change(
        kind=ChangeKind.STANCE_SHIFT,
        actor=actor,
        topic=_shared_topic(was.topic, now.topic),
        proposition=now.proposition or was.proposition,
        before=side_of(was),
        after=side_of(now, qualifiers),
        confidence=confidence,
        extra={"linked_by": question.linked_by},
    )


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
