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
from typing import Any, Protocol, TypeVar

from rapidfuzz import fuzz
from sqlalchemy import bindparam, insert, inspect, text, update
from sqlalchemy import select as select_core
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session

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
# Core tables and prebuilt statements (only values are bound per version; no ORM objects are built).
_OBSERVATIONS = ObservationRow.__table__  # type: ignore[attr-defined]
_POSITIONS = PositionRow.__table__  # type: ignore[attr-defined]
_SOURCES = SourceRow.__table__  # type: ignore[attr-defined]
_DOCUMENTS = DocumentRow.__table__  # type: ignore[attr-defined]
_POSITION_COLUMNS = (
    "id",
    "actor",
    "topic",
    "stance",
    "proposition",
    "qualifiers",
    "since",
    "last_observed_at",
    "observation_id",
    "last_change_id",
)
_POSITIONS_OF = (
    select_core(*(_POSITIONS.c[name] for name in _POSITION_COLUMNS))
    .where(_POSITIONS.c.actor.in_(bindparam("_actors", expanding=True)))
    .order_by(_POSITIONS.c.actor, _POSITIONS.c.id)
)
_INSERT_POSITION = insert(_POSITIONS)
_UPDATE_POSITION = (
    update(_POSITIONS)
    .where(_POSITIONS.c.id == bindparam("_id"))
    .values(
        {
            name: bindparam(f"_{name}", type_=_POSITIONS.c[name].type)
            for name in _POSITION_COLUMNS
            if name not in ("id", "actor", "topic")
        }
    )
)
_INSERT_OBSERVATION = insert(_OBSERVATIONS)
_CHANGES = ChangeRow.__table__  # type: ignore[attr-defined]
_CHANGE_COLUMNS = tuple(column.name for column in _CHANGES.columns if column.name != "id")
_INSERT_CHANGE = insert(_CHANGES)
_PREVIOUS_OBSERVATIONS = (
    select_core(_OBSERVATIONS, _SOURCES.c.name.label("_source"), _DOCUMENTS.c.url.label("_url"))
    .select_from(
        _OBSERVATIONS.outerjoin(_SOURCES, _SOURCES.c.id == _OBSERVATIONS.c.source_id).outerjoin(
            _DOCUMENTS, _DOCUMENTS.c.id == _OBSERVATIONS.c.document_id
        )
    )
    .where(_OBSERVATIONS.c.id.in_(bindparam("_ids", expanding=True)))
)
_ADVISORY_NAMESPACE = 0x6C6467  # "ldg": first key of the per-actor pg_advisory_xact_lock


_WORD = re.compile(r"[a-z0-9]+")


@dataclass(slots=True)
class _Position:
    """A `positions` row as the ledger reads and rewrites it."""

    id: int
    actor: str
    topic: str
    stance: str
    proposition: str
    qualifiers: list[str]
    since: datetime
    last_observed_at: datetime
    observation_id: int | None
    last_change_id: int | None


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


class _HasTopic(Protocol):
    topic: str


_P = TypeVar("_P", bound=_HasTopic)


def match_topic(topic: str, candidates: Sequence[_P]) -> _P | None:
    """The position among `candidates` (one actor's) whose topic is `topic` or close enough to it."""
    best: _P | None = None
    best_score = TOPIC_MATCH_THRESHOLD
    for position in candidates:
        if position.topic == topic:
            return position
        score = topic_similarity(topic, position.topic)
        if score >= best_score and (best is None or score > best_score):
            best, best_score = position, score
    return best


def _lock_actor(session: Session, actor: str) -> None:
    """PostgreSQL only: the actor's transaction-level advisory lock."""
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


def _previous_sides(session: Session, ids: set[int]) -> dict[int, tuple[ChangeSide, Any]]:
    """The observations that established positions about to move, with their source names and
    document URLs, in one query."""
    found: dict[int, tuple[ChangeSide, Any]] = {}
    for row in session.connection().execute(_PREVIOUS_OBSERVATIONS, {"_ids": sorted(ids)}):
        side = ChangeSide(
            text=row.text,
            stance=row.stance,
            qualifiers=tuple(row.qualifiers),
            cue=row.cue,
            source=row._source,
            url=row._url,
            observed_at=ensure_utc(row.observed_at).isoformat(),
        )
        found[row.id] = (side, row)
    return found


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

    `version_changes` are the (change, row) pairs the version differ produced for this version, used
    to avoid reporting a shift twice; rows without an id yet are stored here (before ours, so their
    ids come first). The returned rows are stored and attached to the session (they have ids).

    The version's work is planned in memory and written with prebuilt Core statements (the change
    rows stay ORM objects, attached to the session, for `on_change`): one query for every actor's
    positions, an INSERT per new position, one query for the observations that moving positions leave
    behind, an INSERT per change row (`insert_changes`), the observations in claim order (an id is
    asked for only where a position will point), and one executemany UPDATE of the positions.
    """
    observed_at = ensure_utc(where.observed_at)
    by_actor: dict[str, list[Claim]] = {}
    for claim in claims:
        if claim.has_stance and claim.topic and claim.actor:
            by_actor.setdefault(claim.actor, []).append(claim)
    if not by_actor:
        return []
    version_shifts = [(c, r) for c, r in version_changes if c.kind is ChangeKind.STANCE_SHIFT]
    actors = sorted(by_actor)
    with session.no_autoflush:  # flushes happen where ids are needed, nowhere else
        conn = session.connection()
        if conn.dialect.name == "postgresql":
            for actor in actors:  # in a fixed order, before anything of theirs is read
                _lock_actor(session, actor)
        known: dict[str, list[_Position]] = {actor: [] for actor in actors}
        for row in conn.execute(_POSITIONS_OF, {"_actors": actors}):
            known[row.actor].append(_Position(*row))

        # 1. Each claim's position; a topic no position of its actor matches starts a new one.
        filed: list[tuple[Claim, _Position]] = []  # per actor (sorted), in claim order
        groups: dict[int, tuple[_Position, list[Claim]]] = {}  # by id(position), first claim first
        for actor in actors:
            for claim in by_actor[actor]:
                position = match_topic(claim.topic, known[actor])
                if position is None:
                    position = _new_position(conn, actor, claim, observed_at)
                    known[actor].append(position)
                filed.append((claim, position))
                groups.setdefault(id(position), (position, []))[1].append(claim)

        # 2. What each position does with the version's stance, and the shifts it records.
        plans = [_plan(position, group, observed_at, version_shifts) for position, group in groups.values()]
        wanted = {plan.position.observation_id for plan in plans if plan.moves and plan.row is None}
        previous = _previous_sides(session, {i for i in wanted if i is not None}) if wanted else {}
        new_rows: list[ChangeRow] = []
        for plan in plans:
            if plan.moves and plan.row is None:
                before = previous.get(plan.position.observation_id) if plan.position.observation_id else None
                plan.row = _shift_row(plan, before, where)
                new_rows.append(plan.row)
        # Ids for the change rows, the version differ's first, then ours.
        insert_changes(session, [row for _, row in version_changes] + new_rows)

        # 3. The observations, in claim order; the one stating a position's stance gets its id back.
        by_position = {id(plan.position): plan for plan in plans}
        values: list[dict[str, Any]] = []
        stating: list[_Plan | None] = []
        stated: set[int] = set()
        for claim, position in filed:
            plan = by_position[id(position)]
            states = claim is plan.claim and id(plan) not in stated  # its first occurrence only
            if states:
                stated.add(id(plan))
            values.append(
                {
                    "actor": position.actor,
                    "topic": claim.topic,
                    "stance": claim.stance or "",
                    "proposition": claim.proposition,
                    "qualifiers": list(claim.qualifiers),
                    "cue": claim.cue,
                    "text": claim.text,
                    "observed_at": observed_at,
                    "source_id": where.source.id,
                    "document_id": where.document.id,
                    "version_id": where.version.id,
                    "position_id": position.id,
                    "confidence": claim.confidence,
                    "change_id": plan.row.id if states and plan.moves and plan.row is not None else None,
                }
            )
            stating.append(plan if states else None)
        for plan, obs_id in zip(stating, _insert_observations(session, values, stating), strict=True):
            if plan is not None:
                plan.observation_id = obs_id

        # 4. The positions, after the observations and changes they point at.
        updates = [_apply(plan, observed_at) for plan in plans if plan.outcome != "ignore"]
        if updates:
            conn.execute(_UPDATE_POSITION, updates)
    return new_rows


def insert_changes(session: Session, rows: Sequence[ChangeRow]) -> None:
    """Store the change rows that have no id yet, in order. A new (transient) row is written with one
    prebuilt INSERT and then attached to the session as if it had been loaded (an ORM flush cost about
    three times as much per row); a row already added to the session is flushed instead."""
    conn = None
    for row in rows:
        if row.id is not None:
            continue
        if not inspect(row).transient:
            session.flush()
            continue
        conn = conn or session.connection()
        values = {name: getattr(row, name) for name in _CHANGE_COLUMNS}
        row.id = conn.execute(_INSERT_CHANGE, values).inserted_primary_key[0]
        make_transient_to_detached(row)
        session.add(row)


def _new_position(conn: Any, actor: str, claim: Claim, observed_at: datetime) -> _Position:
    """A position started by this version's claim (established by the version's stance in `_apply`)."""
    position = _Position(
        id=0,
        actor=actor,
        topic=claim.topic,
        stance=claim.stance or "",
        proposition=claim.proposition,
        qualifiers=list(claim.qualifiers),
        since=observed_at,
        last_observed_at=observed_at,
        observation_id=None,
        last_change_id=None,
    )
    values = {name: getattr(position, name) for name in _POSITION_COLUMNS if name != "id"}
    position.id = conn.execute(_INSERT_POSITION, values).inserted_primary_key[0]
    return position


@dataclass(slots=True)
class _Plan:
    """What one version does to one position: `claim` states the version's stance on it."""

    position: _Position
    claim: Claim
    outcome: str  # "establish" (created by this version), "ignore", "confirm" or "move"
    row: ChangeRow | None = None  # for a move: the shift (the version differ's, or ours once built)
    observation_id: int | None = None  # the stating observation, once stored

    @property
    def moves(self) -> bool:
        return self.outcome == "move"


def _plan(
    position: _Position,
    claims: list[Claim],
    observed_at: datetime,
    version_shifts: Sequence[tuple[Change, ChangeRow]],
) -> _Plan:
    claim = _representative(claims)
    stance = claim.stance or ""
    if position.observation_id is None:  # created just now by this version: established, no change
        return _Plan(position, claim, "establish")
    last = ensure_utc(position.last_observed_at)
    if observed_at < last or (observed_at == last and stance != position.stance):
        return _Plan(position, claim, "ignore")  # older (or simultaneous and contrary) evidence
    if stance == position.stance:
        return _Plan(position, claim, "confirm")
    reported = _already_reported(version_shifts, position.actor, position.topic, position.stance, stance)
    return _Plan(position, claim, "move", row=reported)


def _shift_row(plan: _Plan, previous: tuple[ChangeSide, Any] | None, where: Provenance) -> ChangeRow:
    """The ledger's own stance_shift row for a position that moves (not yet flushed)."""
    position, claim = plan.position, plan.claim
    before = previous[0] if previous else ChangeSide(text="", stance=None)
    after = _side_from_claim(claim, where)
    change = Change(
        kind=ChangeKind.STANCE_SHIFT,
        before=before,
        after=after,
        actor=position.actor,
        topic=position.topic,
        proposition=claim.proposition or position.proposition,
        confidence=min(claim.confidence, previous[1].confidence if previous else 1.0),
        word_diff=_word_diff(before.text, after.text),
        extra={"origin": "ledger"},
    )
    old_version = previous[1].version_id if previous else None
    return change_row(change, where, origin="ledger", old_version_id=old_version)


def _insert_observations(
    session: Session, values: list[dict[str, Any]], stating: Sequence[object | None]
) -> list[int | None]:
    """INSERT the observations in order: runs of rows nobody points at as one executemany, each
    stating row on its own to learn its id. Returns the ids of the stating rows (None elsewhere)."""
    conn = session.connection()
    statement = _INSERT_OBSERVATION
    ids: list[int | None] = [None] * len(values)
    run: list[dict[str, Any]] = []
    for index, (row, plan) in enumerate(zip(values, stating, strict=True)):
        if plan is None:
            run.append(row)
            continue
        if run:
            conn.execute(statement, run)
            run = []
        ids[index] = conn.execute(statement, row).inserted_primary_key[0]
    if run:
        conn.execute(statement, run)
    return ids


def _apply(plan: _Plan, observed_at: datetime) -> dict[str, Any]:
    """Move the position as the plan says; returns the parameters of its UPDATE."""
    position, claim = plan.position, plan.claim
    if plan.outcome == "establish":
        position.stance = claim.stance or ""
        position.qualifiers = list(claim.qualifiers)
        position.proposition = claim.proposition
        position.observation_id = plan.observation_id
    elif plan.outcome == "confirm":
        position.last_observed_at = observed_at
        position.observation_id = plan.observation_id
        if claim.qualifiers:
            position.qualifiers = list(claim.qualifiers)
    elif plan.outcome == "move":
        assert plan.row is not None
        position.stance = claim.stance or ""
        position.since = observed_at
        position.last_observed_at = observed_at
        position.observation_id = plan.observation_id
        position.qualifiers = list(claim.qualifiers)
        position.proposition = claim.proposition or position.proposition
        position.last_change_id = plan.row.id
    return {
        f"_{name}": getattr(position, name) for name in _POSITION_COLUMNS if name not in ("actor", "topic")
    }


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
