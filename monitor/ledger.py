"""The position ledger: each actor's stance on each topic over time, across documents and outlets.

Rules (also in docs/store.md):

- An *observation* is a claim with an actor and a stance that is not background. Its time is the
  version's observed time (publication time, else fetch time).
- Topics are matched per actor: the exact topic key first, else the most similar known topic of that
  actor by rapidfuzz `token_set_ratio` >= TOPIC_MATCH_THRESHOLD. A topic matching none starts a new
  position, *established* by its first observation (no change is recorded for it).
- One version states one stance per position. When its claims disagree, a decided stance (support,
  oppose) outranks "undecided" (a hint that a stated position could change does not replace it);
  among the rest the stance with the larger summed confidence wins, the earliest in the text on a tie
  (news copy leads with the newest development). Its most confident claim is the evidence.
- The established stance moves only on an observation strictly newer than the latest observation
  already filed for the position. An older one (ingested late) or one at the same instant is kept in
  the timeline but never moves the position, so late copy cannot flip it backwards.
- A move records a `stance_shift` change (origin "ledger") from the last established stance to the new
  one, unless the version differ already reported the same actor/topic/from/to for this version; then
  the position points at that change instead, so one shift is never reported twice.
- On PostgreSQL the ledger takes a transaction-level advisory lock per actor, so concurrent workers
  cannot both create or move the same position.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz
from sqlalchemy import text
from sqlmodel import Session, select

from monitor.model import Change, ChangeKind, ChangeSide, Claim
from monitor.store.tables import ChangeRow, DocumentRow, ObservationRow, PositionRow, SourceRow, VersionRow
from monitor.timeutil import ensure_utc, utcnow

# Two topic keys of one actor are the same question when rapidfuzz's token_set_ratio over their
# normalised forms (see `topic_tokens`) is at least this (0-100). The claim engine already gives
# paraphrases one key; this absorbs what is left ("strike inside Russia with US weapons" ~ "strike
# Russian territory with Western weapons": 92) while keeping apart questions that share words but not
# their subject ("send tanks to Ukraine" / "send fighter jets to Ukraine": 77; "ceasefire in Gaza" /
# "ceasefire in Ukraine": 67). Figures in docs/store.md.
TOPIC_MATCH_THRESHOLD = 85.0
_STEM = 5  # characters kept of each word: Russia/Russian, strike/strikes/striking, weapon/weapons
_STOPWORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "into",
        "inside",
        "on",
        "onto",
        "at",
        "by",
        "for",
        "from",
        "with",
        "within",
        "over",
        "across",
        "against",
        "about",
        "and",
        "or",
        "its",
        "their",
        "his",
        "her",
        "it",
        "this",
        "that",
        "be",
        "is",
        "are",
        "was",
        "were",
        "use",
        "using",
    }
)
_ADVISORY_NAMESPACE = 0x6C6467  # "ldg": first key of the per-actor pg_advisory_xact_lock


_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a version came from: filled into every observation and change side."""

    source: SourceRow
    document: DocumentRow
    version: VersionRow
    observed_at: datetime


def topic_tokens(topic: str) -> str:
    """A topic key reduced to its content words, each cut to a short stem, for fuzzy comparison."""
    words = _WORD.findall(topic.lower().replace("_", " "))
    return " ".join(w[:_STEM] for w in words if w not in _STOPWORDS)


def topic_similarity(a: str, b: str) -> float:
    if a == b:
        return 100.0
    return fuzz.token_set_ratio(topic_tokens(a), topic_tokens(b))


def match_topic(topic: str, candidates: Sequence[PositionRow]) -> PositionRow | None:
    """The position among `candidates` (one actor's) whose topic is `topic` or close enough to it."""
    best: PositionRow | None = None
    best_score = TOPIC_MATCH_THRESHOLD
    for position in candidates:
        if position.topic == topic:
            return position
        score = topic_similarity(topic, position.topic)
        if score >= best_score and (best is None or score > best_score):
            best, best_score = position, score
    return best


def _lock_actor(session: Session, actor: str) -> None:
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        key = zlib.crc32(actor.encode()) - 2**31  # a signed int4
        session.exec(  # type: ignore[call-overload]
            text("SELECT pg_advisory_xact_lock(:ns, :key)").bindparams(ns=_ADVISORY_NAMESPACE, key=key)
        )


def _side_from_claim(claim: Claim, where: Provenance) -> ChangeSide:
    return ChangeSide(
        text=claim.text,
        stance=claim.stance,
        qualifiers=claim.qualifiers,
        cue=claim.cue,
        actor_text=claim.actor_text,
        attribution=claim.attribution,
        start=claim.start,
        end=claim.end,
        source=where.source.name,
        url=where.document.url,
        observed_at=ensure_utc(where.observed_at).isoformat(),
    )


def _side_from_observation(session: Session, obs: ObservationRow) -> ChangeSide:
    source = session.get(SourceRow, obs.source_id) if obs.source_id is not None else None
    document = session.get(DocumentRow, obs.document_id) if obs.document_id is not None else None
    return ChangeSide(
        text=obs.text,
        stance=obs.stance,  # type: ignore[arg-type]
        qualifiers=tuple(obs.qualifiers),
        cue=obs.cue,
        source=source.name if source else None,
        url=document.url if document else None,
        observed_at=ensure_utc(obs.observed_at).isoformat(),
    )


def _already_reported(
    version_shifts: Sequence[tuple[Change, ChangeRow]], actor: str, topic: str, before: str, after: str
) -> ChangeRow | None:
    for change, row in version_shifts:
        if (
            change.actor == actor
            and change.before is not None
            and change.after is not None
            and change.before.stance == before
            and change.after.stance == after
            and topic_similarity(change.topic or "", topic) >= TOPIC_MATCH_THRESHOLD
        ):
            return row
    return None


def _representative(claims: list[Claim]) -> Claim:
    """The claim that states the version's stance on one position (rules in the module docstring)."""
    decided = [c for c in claims if c.stance != "undecided"] or claims
    weight: dict[str | None, float] = {}
    first: dict[str | None, int] = {}
    for order, claim in enumerate(sorted(decided, key=lambda c: (c.start, c.index))):
        weight[claim.stance] = weight.get(claim.stance, 0.0) + claim.confidence
        first.setdefault(claim.stance, order)
    stance = max(weight, key=lambda s: (weight[s], -first[s]))
    return min((c for c in decided if c.stance == stance), key=lambda c: (-c.confidence, c.start, c.index))


def observe(
    session: Session,
    claims: Sequence[Claim],
    where: Provenance,
    *,
    version_changes: Sequence[tuple[Change, ChangeRow]] = (),
) -> list[ChangeRow]:
    """File the stance claims of one version as observations; move positions; return new shift rows.

    `version_changes` are the (change, stored row) pairs the version differ produced for this version,
    used to avoid reporting a shift twice. The returned rows are added and flushed (they have ids).
    """
    observed_at = ensure_utc(where.observed_at)
    by_actor: dict[str, list[Claim]] = {}
    for claim in claims:
        if claim.has_stance and claim.topic and claim.actor:
            by_actor.setdefault(claim.actor, []).append(claim)
    version_shifts = [(c, r) for c, r in version_changes if c.kind is ChangeKind.STANCE_SHIFT]
    new_rows: list[ChangeRow] = []
    for actor in sorted(by_actor):
        _lock_actor(session, actor)
        known = list(session.exec(select(PositionRow).where(PositionRow.actor == actor)).all())
        grouped: dict[int, tuple[PositionRow, list[tuple[Claim, ObservationRow]]]] = {}
        for claim in by_actor[actor]:
            position = match_topic(claim.topic, known)
            if position is None:
                position = PositionRow(
                    actor=actor,
                    topic=claim.topic,
                    stance=claim.stance or "",
                    proposition=claim.proposition,
                    qualifiers=list(claim.qualifiers),
                    since=observed_at,
                    last_observed_at=observed_at,
                )
                session.add(position)
                session.flush()
                known.append(position)
            obs = ObservationRow(
                actor=actor,
                topic=claim.topic,
                stance=claim.stance or "",
                proposition=claim.proposition,
                qualifiers=list(claim.qualifiers),
                cue=claim.cue,
                text=claim.text,
                observed_at=observed_at,
                source_id=where.source.id,
                document_id=where.document.id,
                version_id=where.version.id,
                position_id=position.id,
                confidence=claim.confidence,
            )
            session.add(obs)
            assert position.id is not None
            grouped.setdefault(position.id, (position, []))[1].append((claim, obs))
        session.flush()
        for position, filed in grouped.values():
            row = _update_position(session, position, filed, where, version_shifts)
            if row is not None:
                new_rows.append(row)
    return new_rows


def _update_position(
    session: Session,
    position: PositionRow,
    filed: list[tuple[Claim, ObservationRow]],
    where: Provenance,
    version_shifts: Sequence[tuple[Change, ChangeRow]],
) -> ChangeRow | None:
    claim = _representative([c for c, _ in filed])
    obs = next(o for c, o in filed if c is claim)
    observed_at = ensure_utc(where.observed_at)
    stance = claim.stance or ""
    if position.observation_id is None:  # created just now by this version: established, no change
        position.stance = stance
        position.qualifiers = list(claim.qualifiers)
        position.proposition = claim.proposition
        position.observation_id = obs.id
        session.add(position)
        return None
    last = ensure_utc(position.last_observed_at)
    if observed_at < last or (observed_at == last and stance != position.stance):
        return None  # older (or simultaneous and contrary) evidence never moves the position
    if stance == position.stance:
        position.last_observed_at = observed_at
        position.observation_id = obs.id
        if claim.qualifiers:
            position.qualifiers = list(claim.qualifiers)
        session.add(position)
        return None
    before_stance = position.stance
    reported = _already_reported(version_shifts, position.actor, position.topic, before_stance, stance)
    row = reported
    if row is None:
        previous = session.get(ObservationRow, position.observation_id)
        before = _side_from_observation(session, previous) if previous else ChangeSide(text="", stance=None)
        after = _side_from_claim(claim, where)
        change = Change(
            kind=ChangeKind.STANCE_SHIFT,
            before=before,
            after=after,
            actor=position.actor,
            topic=position.topic,
            proposition=claim.proposition or position.proposition,
            confidence=min(claim.confidence, previous.confidence if previous else 1.0),
            word_diff=_word_diff(before.text, after.text),
            extra={"origin": "ledger"},
        )
        old_version = previous.version_id if previous else None
        row = change_row(change, where, origin="ledger", old_version_id=old_version)
        session.add(row)
        session.flush()
    position.stance = stance
    position.since = observed_at
    position.last_observed_at = observed_at
    position.observation_id = obs.id
    position.qualifiers = list(claim.qualifiers)
    position.proposition = claim.proposition or position.proposition
    position.last_change_id = row.id
    obs.change_id = row.id
    session.add(position)
    session.add(obs)
    return None if reported is not None else row


def change_row(change: Change, where: Provenance, *, origin: str, old_version_id: int | None) -> ChangeRow:
    """A stored change for `change`, found in (or, for the ledger, moved by) the version `where`."""
    return ChangeRow(
        kind=str(change.kind),
        actor=change.actor,
        topic=change.topic,
        proposition=change.proposition,
        confidence=change.confidence,
        headline=change.headline[:500],
        origin=origin,
        detected_at=utcnow(),
        observed_at=ensure_utc(where.observed_at),
        source_id=where.source.id,
        document_id=where.document.id,
        old_version_id=old_version_id,
        new_version_id=where.version.id,
        payload=change.to_dict(),
    )


def _word_diff(old: str, new: str) -> tuple[tuple[int, str], ...]:
    if not old or not new:
        return ()
    from monitor.diff import word_diff

    return tuple(word_diff(old, new))
