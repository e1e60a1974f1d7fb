"""Read-side queries: change history, one change, positions and their timeline, source status.

Every function takes an open session and returns rows or plain dicts; the CLI formats them. `history`
is the hot one: it filters and sorts on `changes.observed_at` (newest first, id breaking ties) with an
index for each filter it offers, so a limited query stays in the milliseconds over millions of rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from monitor.errors import InputError
from monitor.model import ChangeKind
from monitor.patterns import PatternError, PatternTimeout, compile_pattern
from monitor.redact import redact_url
from monitor.store.tables import ChangeRow, DocumentRow, ObservationRow, PositionRow, SourceRow, TopicRow
from monitor.timeutil import ensure_utc

_REGEX_HINT = re.compile(r"[|^$()\[\]*+?\\{}]")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def canonical_actor(name: str, gazetteer: Any = None) -> str:
    """The canonical actor for a name a user typed ("Washington" -> "United States").

    Uses the claim engine's gazetteer when it knows the name; otherwise the name as written.
    """
    name = name.strip()
    if gazetteer is None:
        try:
            from monitor.claims import load_gazetteer
        except ImportError:
            return name
        gazetteer = load_gazetteer()
    resolved = gazetteer.resolve(name)
    return resolved if resolved else name


def _iso(moment: datetime | None) -> str | None:
    return ensure_utc(moment).isoformat() if moment is not None else None


def topic_matcher(pattern: str) -> Callable[[str], bool]:
    """Case-insensitive substring test, or a Python regular expression when the pattern uses regex
    syntax. Matching happens in Python on every backend, so `\\b`, `(?P<name>...)` and the rest mean the
    same on SQLite and PostgreSQL (whose own `~*` dialect differs) and the same as in rule files."""
    if _REGEX_HINT.search(pattern):
        try:
            compiled = compile_pattern(pattern)
        except PatternError as exc:
            raise InputError(f"--topic: not a valid regular expression: {pattern!r} ({exc})") from None

        def matches(text: str) -> bool:
            try:
                return compiled.search(text) is not None
            except PatternTimeout as exc:
                raise InputError(f"--topic: {exc}") from None

        return matches
    needle = pattern.casefold()
    return lambda text: needle in text.casefold()


def source_id(session: Session, name: str) -> int:
    found = session.exec(select(SourceRow.id).where(SourceRow.name == name)).first()
    if found is None:
        raise InputError(f"no source named {name!r}")
    return found


# A topic pattern matching at most this many topics is read topic by topic through the
# (topic, observed_at) index and merged; more topics than that are common enough to find by walking
# the newest changes.
PER_TOPIC_MAX = 32


def matching_topics(session: Session, pattern: str) -> list[str]:
    """The known change topics that `pattern` matches (substring, or regex; case-insensitive)."""
    # The topics table holds each distinct topic once: small enough to filter here.
    matches = topic_matcher(pattern)
    return [topic for topic in session.exec(select(TopicRow.topic)).all() if matches(topic)]


def history(
    session: Session,
    *,
    actor: str | None = None,
    topic: str | None = None,
    kinds: Iterable[str] = (),
    source: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = 50,
    gazetteer: Any = None,
) -> list[ChangeRow]:
    """Changes matching every filter given, newest (by observed time) first.

    `topic` matches the change's topic key (substring, or a regex when it uses regex syntax).
    """
    query = select(ChangeRow)
    if actor:
        wanted = canonical_actor(actor, gazetteer).lower()
        query = query.where(func.lower(ChangeRow.actor) == wanted)
    kinds = [str(ChangeKind(kind)) for kind in kinds]
    if len(kinds) == 1:
        query = query.where(ChangeRow.kind == kinds[0])
    elif kinds:
        query = query.where(col(ChangeRow.kind).in_(kinds))
    if source:
        query = query.where(ChangeRow.source_id == source_id(session, source))
    if since is not None:
        query = query.where(col(ChangeRow.observed_at) >= ensure_utc(since))
    if until is not None:
        query = query.where(col(ChangeRow.observed_at) < ensure_utc(until))
    query = query.order_by(col(ChangeRow.observed_at).desc(), col(ChangeRow.id).desc())
    if limit is not None:
        query = query.limit(limit)
    if not topic:
        return list(session.exec(query).all())
    topics = matching_topics(session, topic)
    if len(topics) > PER_TOPIC_MAX:
        # Wrapped in coalesce so no planner reads every change of all those topics through the topic
        # index and sorts them: it walks the newest changes (by the other filters' index) instead.
        return list(session.exec(query.where(func.coalesce(ChangeRow.topic, "").in_(topics))).all())
    merged = [row for t in topics for row in session.exec(query.where(ChangeRow.topic == t)).all()]
    merged.sort(
        key=lambda row: (ensure_utc(row.observed_at) if row.observed_at else _EPOCH, row.id), reverse=True
    )
    return merged[:limit] if limit is not None else merged


def get_change(session: Session, change_id: int) -> ChangeRow | None:
    return session.get(ChangeRow, change_id)


def source_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(SourceRow.id, SourceRow.name).where(col(SourceRow.id).in_(wanted))).all()
    return {row_id: name for row_id, name in rows if row_id is not None}


def change_record(row: ChangeRow, names: dict[int, str]) -> dict[str, Any]:
    """The JSON of one stored change: `Change.to_dict()` plus id, times, origin and source(s)."""
    out: dict[str, Any] = {"id": row.id}
    out.update(row.payload)
    out.setdefault("judged_by", "rules")  # stored before the judge existed, or without one
    for key in ("before", "after"):  # rows stored before URLs were redacted on the way in
        side = out.get(key)
        if isinstance(side, dict) and side.get("url"):
            out[key] = {**side, "url": redact_url(side["url"])}
    out["origin"] = row.origin
    out["detected_at"] = _iso(row.detected_at)
    out["observed_at"] = _iso(row.observed_at)
    source = names.get(row.source_id) if row.source_id is not None else None
    out["source"] = source
    sides = [side.get("source") for side in (row.payload.get("before"), row.payload.get("after")) if side]
    out["sources"] = list(dict.fromkeys(s for s in [*sides, source] if s))
    return out


def change_records(session: Session, rows: Sequence[ChangeRow]) -> list[dict[str, Any]]:
    names = source_names(session, (row.source_id for row in rows))
    return [change_record(row, names) for row in rows]


def positions(
    session: Session, *, actor: str | None = None, topic: str | None = None, gazetteer: Any = None
) -> list[PositionRow]:
    """The current position of each actor on each topic, by actor then most recently moved."""
    query = select(PositionRow)
    if actor:
        query = query.where(func.lower(PositionRow.actor) == canonical_actor(actor, gazetteer).lower())
    query = query.order_by(col(PositionRow.actor), col(PositionRow.since).desc(), col(PositionRow.id))
    rows = list(session.exec(query).all())
    if topic:
        matches = topic_matcher(topic)
        rows = [row for row in rows if matches(row.topic) or matches(row.proposition)]
    return rows


def position_record(row: PositionRow) -> dict[str, Any]:
    return {
        "actor": row.actor,
        "topic": row.topic,
        "stance": row.stance,
        "qualifiers": list(row.qualifiers),
        "proposition": row.proposition,
        "since": _iso(row.since),
        "last_observed_at": _iso(row.last_observed_at),
        "last_change_id": row.last_change_id,
    }


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    observation: ObservationRow
    position: PositionRow
    source: str | None
    url: str | None

    def record(self) -> dict[str, Any]:
        obs = self.observation
        return {
            "observed_at": _iso(obs.observed_at),
            "actor": self.position.actor,
            "topic": self.position.topic,
            "proposition": self.position.proposition,
            "stance": obs.stance,
            "moved": obs.change_id is not None,
            "change_id": obs.change_id,
            "qualifiers": list(obs.qualifiers),
            "cue": obs.cue,
            "text": obs.text,
            "source": self.source,
            "url": redact_url(self.url) if self.url else None,
        }


def timeline(
    session: Session,
    *,
    actor: str | None = None,
    topic: str | None = None,
    limit: int | None = None,
    gazetteer: Any = None,
) -> list[TimelineEntry]:
    """Every observation filed under the matching positions, oldest first: how each position moved."""
    matched = {p.id: p for p in positions(session, actor=actor, topic=topic, gazetteer=gazetteer)}
    if not matched:
        return []
    query = (
        select(ObservationRow, SourceRow.name, DocumentRow.url)
        .join(SourceRow, col(SourceRow.id) == ObservationRow.source_id, isouter=True)
        .join(DocumentRow, col(DocumentRow.id) == ObservationRow.document_id, isouter=True)
        .where(col(ObservationRow.position_id).in_(list(matched)))
        .order_by(col(ObservationRow.observed_at), col(ObservationRow.id))
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        TimelineEntry(obs, matched[obs.position_id], name, url)
        for obs, name, url in session.exec(query).all()
        if obs.position_id is not None
    ]


def source_status(session: Session) -> list[SourceRow]:
    """Every source with its fetch state, by name."""
    return list(session.exec(select(SourceRow).order_by(col(SourceRow.name))).all())
