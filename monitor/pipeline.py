"""One fetched text -> version, claims, changes, ledger observations and queued alerts, in ONE transaction.

A crash anywhere inside `record_document` loses the whole fetch (it is fetched again next pass) or
keeps all of it; never a version without its changes, or a change without its alerts.

What happens to a text, in order:
1. the document (source, url) is found or created;
2. the same text as the latest version (by hash) stores nothing new: "unchanged";
3. a text that lost most of the previous version's text (under `min_text_ratio` of its length), or
   an empty one, is an extraction failure recorded on the document, not the removal of every claim:
   "failed";
4. otherwise the version and its claims are stored, the claims are diffed against the previous
   version's stored claims, the ledger files the observations, and every change row is handed to
   `on_change(session, row)` (the alerts outbox) inside the same transaction: "new" or "changed".
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import bindparam, insert
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from monitor.analysis import normalize_text, text_hash
from monitor.ledger import Provenance, change_row, insert_changes, observe
from monitor.model import Change, ChangeSide, Claim, Quantity
from monitor.redact import redact_url
from monitor.store import Store
from monitor.store.tables import ChangeRow, ClaimRow, DocumentRow, SourceRow, VersionRow
from monitor.timeutil import ensure_utc, utcnow

OnChange = Callable[[Session, ChangeRow], object]
_CLAIMS = ClaimRow.__table__  # type: ignore[attr-defined]  # Core: claims are written and read in bulk
Status = Literal["new", "changed", "unchanged", "failed"]


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    status: Status
    source_id: int
    document_id: int
    version_id: int | None = None
    change_ids: tuple[int, ...] = ()
    changes: tuple[Change, ...] = ()  # version changes then ledger shifts, as stored
    error: str | None = None


# A page's title is a label, not content: one of 940 KB was stored with every version of its page.
MAX_TITLE_CHARS = 500


def bounded_title(title: str | None) -> str | None:
    """`title` cut to MAX_TITLE_CHARS (at a word when there is one near the end), marked with "…"."""
    if title is None or len(title) <= MAX_TITLE_CHARS:
        return title
    cut = title[: MAX_TITLE_CHARS - 1]
    space = cut.rfind(" ")
    if space > MAX_TITLE_CHARS - 80:
        cut = cut[:space]
    return cut.rstrip() + "…"


def ensure_source(
    session: Session, name: str, *, type: str | None = None, location: str | None = None
) -> SourceRow:
    """The source named `name`, created (type "page" for a URL, else "file") when it does not exist."""
    row = session.exec(select(SourceRow).where(SourceRow.name == name)).first()
    if row is not None:
        return row
    location = redact_url(location or name)
    if type is None:
        type = "page" if location.startswith(("http://", "https://")) else "file"
    row = SourceRow(name=name, type=type, location=location, tags=[])
    session.add(row)
    session.flush()
    return row


# The statements run for every recorded text, built once: each use only binds values (building a
# statement and its cache key costs about as much as running it on SQLite).
_LATEST_VERSION = (
    select(VersionRow)
    .where(VersionRow.document_id == bindparam("_document"))
    .order_by(col(VersionRow.fetched_at).desc(), col(VersionRow.id).desc())
    .limit(1)
)
_DOCUMENT_FOR_UPDATE = (
    select(DocumentRow)
    .where(DocumentRow.source_id == bindparam("_source"), DocumentRow.url == bindparam("_url"))
    .with_for_update()
)
_STORED_CLAIMS = (
    core_select(_CLAIMS)
    .where(_CLAIMS.c.version_id == bindparam("_version"))
    .order_by(_CLAIMS.c.idx, _CLAIMS.c.id)
)
_INSERT_CLAIMS = insert(_CLAIMS)
_QUANTITY_FIELDS = tuple(f.name for f in dataclasses.fields(Quantity))


def latest_version(session: Session, document_id: int) -> VersionRow | None:
    return session.exec(_LATEST_VERSION, params={"_document": document_id}).first()


def claim_values(claim: Claim, version_id: int) -> dict[str, Any]:
    """The `claims` row of a claim, as column values (see `insert_claims`)."""
    return {
        "version_id": version_id,
        "idx": claim.index,
        "text": claim.text,
        "start": claim.start,
        "end": claim.end,
        "actor": claim.actor,
        "actor_text": claim.actor_text,
        "stance": claim.stance,
        "cue": claim.cue,
        "proposition": claim.proposition,
        "topic": claim.topic,
        "qualifiers": list(claim.qualifiers),
        "attribution": claim.attribution,
        "background": claim.background,
        "numbers": [{name: getattr(q, name) for name in _QUANTITY_FIELDS} for q in claim.numbers],
        "confidence": claim.confidence,
    }


def claim_row(claim: Claim, version_id: int) -> ClaimRow:
    return ClaimRow(**claim_values(claim, version_id))


def insert_claims(session: Session, claims: list[Claim], version_id: int) -> None:
    """Store a version's claims with one multi-row INSERT (no ORM objects: building ~35 ClaimRow
    objects per version and flushing them cost about as much as extracting the claims)."""
    if claims:
        session.connection().execute(_INSERT_CLAIMS, [claim_values(c, version_id) for c in claims])


def row_claim(row: Any) -> Claim:
    """A stored claim (a ClaimRow, or a row of `claims` columns) -> Claim."""
    return Claim(
        text=row.text,
        start=row.start,
        end=row.end,
        index=row.idx,
        actor=row.actor,
        actor_text=row.actor_text,
        stance=row.stance,
        cue=row.cue,
        proposition=row.proposition,
        topic=row.topic,
        qualifiers=tuple(row.qualifiers),
        attribution=row.attribution,
        numbers=tuple(Quantity(**q) for q in row.numbers),
        background=row.background,
        confidence=row.confidence,
    )


def stored_claims(session: Session, version_id: int) -> list[Claim]:
    """A stored version's claims in order, read as plain rows (Core; no ORM objects)."""
    return [row_claim(row) for row in session.connection().execute(_STORED_CLAIMS, {"_version": version_id})]


def _with_provenance(
    side: ChangeSide | None, source: str, url: str, observed_at: datetime
) -> ChangeSide | None:
    if side is None:
        return None
    return dataclasses.replace(side, source=source, url=url, observed_at=ensure_utc(observed_at).isoformat())


def _lock_document(
    session: Session, source_id: int, url: str, title: str | None, published_at: datetime | None
) -> DocumentRow:
    """The document row, created if new and locked until the transaction ends.

    Two writers of one document (two workers on PostgreSQL, or `ingest` beside the daemon) must not both
    read the same "latest version" and both store the next one: the row lock makes the second wait, and
    its read of the latest version then sees the first one's commit. SQLite needs no lock (writes start
    with BEGIN IMMEDIATE); SQLAlchemy leaves FOR UPDATE out there.
    """
    params = {"_source": source_id, "_url": url}
    document = session.exec(_DOCUMENT_FOR_UPDATE, params=params).first()
    if document is not None:
        return document
    postgres = session.get_bind().dialect.name == "postgresql"
    try:
        # On PostgreSQL another writer may create the same document at the same moment: the unique
        # (source, url) constraint refuses one of them, inside a savepoint so the transaction goes on.
        with session.begin_nested() if postgres else contextlib.nullcontext():
            session.add(DocumentRow(source_id=source_id, url=url, title=title, published_at=published_at))
            session.flush()
    except IntegrityError:
        pass
    document = session.exec(_DOCUMENT_FOR_UPDATE, params=params).first()
    assert document is not None
    return document


def _fail(document: DocumentRow, source: SourceRow, now: datetime, reason: str) -> RecordOutcome:
    document.last_checked_at = now
    document.last_error = reason
    document.consecutive_failures += 1
    assert source.id is not None and document.id is not None
    return RecordOutcome("failed", source.id, document.id, error=reason)


def record_version(
    session: Session,
    *,
    source: SourceRow | str,
    url: str,
    text: str,
    raw: bytes | None = None,
    title: str | None = None,
    published_at: datetime | None = None,
    fetched_at: datetime | None = None,
    on_change: OnChange | None = None,
    gazetteer: Any = None,
    min_text_ratio: float = 0.3,
    judge: Any = None,
    claims: list[Claim] | None = None,
) -> RecordOutcome:
    """`record_document` inside a session the caller owns (and commits), e.g. with its own updates.

    `claims`: the claims of `normalize_text(text)` when they were extracted elsewhere (a worker
    process, `monitor.analysis`); None: extracted here."""
    from monitor.claims import extract_claims
    from monitor.diff import diff_claims

    now = utcnow()
    fetched_at = ensure_utc(fetched_at) if fetched_at else now
    published_at = ensure_utc(published_at) if published_at else None
    url = redact_url(url)  # credentials in a URL are never stored (they stay in the config)
    title = bounded_title(title)
    if isinstance(source, str):
        source_row = ensure_source(session, source, location=url)
    else:
        found = session.get(SourceRow, source.id) if source.id is not None else None
        source_row = found or ensure_source(session, source.name, type=source.type, location=source.location)
    assert source_row.id is not None

    document = _lock_document(session, source_row.id, url, title, published_at)
    assert document.id is not None
    session.add(document)

    body = normalize_text(text)
    digest = text_hash(body)
    previous = latest_version(session, document.id)
    if previous is not None and previous.text_hash == digest:
        document.last_checked_at = now
        document.last_error = None
        document.consecutive_failures = 0
        return RecordOutcome("unchanged", source_row.id, document.id, version_id=previous.id)
    if not body.strip():
        return _fail(document, source_row, now, "extraction failed: no text")
    if previous is not None and len(body) < min_text_ratio * len(previous.text):
        return _fail(
            document,
            source_row,
            now,
            f"extraction failed: kept {len(body)} of {len(previous.text)} characters "
            f"(under {min_text_ratio:.0%} of the previous version); version not stored",
        )

    # Observed time: a first version's publication time; a later version's fetch time, unless the page
    # declares a publication time newer than the previous version's (an explicit update stamp).
    if previous is None:
        observed_at = published_at or fetched_at
    else:
        prior = ensure_utc(previous.observed_at or previous.fetched_at)
        observed_at = published_at if published_at and published_at > prior else fetched_at
    version = VersionRow(
        document_id=document.id,
        fetched_at=fetched_at,
        published_at=published_at,
        observed_at=observed_at,
        raw_hash=hashlib.sha256(raw).hexdigest() if raw is not None else digest,
        text_hash=digest,
        title=title,
        text=body,
    )
    session.add(version)
    session.flush()
    assert version.id is not None

    if claims is None:
        claims = extract_claims(body, gazetteer=gazetteer)
    insert_claims(session, claims, version.id)

    where = Provenance(source=source_row, document=document, version=version, observed_at=observed_at)
    version_changes: list[tuple[Change, ChangeRow]] = []
    rejected: list[Change] = []
    if previous is not None:
        assert previous.id is not None
        before_at = previous.observed_at or previous.fetched_at
        found = diff_claims(stored_claims(session, previous.id), claims)
        if judge is not None:
            # Reads the cache only (the model was asked before this transaction, by `judge.prepare`);
            # a miss keeps the engine's changes (judged_by "rules") and queues the pair.
            judged = judge.apply(
                session,
                previous.text,
                body,
                found,
                document_id=document.id,
                old_version_id=previous.id,
                new_version_id=version.id,
            )
            found, rejected = judged.changes, judged.rejected
        for change in found + rejected:
            change = dataclasses.replace(
                change,
                before=_with_provenance(change.before, source_row.name, url, before_at),
                after=_with_provenance(change.after, source_row.name, url, observed_at),
            )
            row = change_row(change, where, origin="version", old_version_id=previous.id)
            version_changes.append((change, row))
    # The ledger stores the version's change rows before its own (ids: version changes first); a
    # version without stance claims gives it nothing to do, and they are stored here.
    ledger_rows = observe(session, claims, where, version_changes=version_changes)
    insert_changes(session, [row for _, row in version_changes])

    if judge is not None and ledger_rows:
        judge.note_ledger(session, ledger_rows, body, document_id=document.id, new_version_id=version.id)
    rows: list[ChangeRow] = [row for _, row in version_changes] + ledger_rows
    if on_change is not None:
        for row in rows:
            # A candidate the judge rejected is kept as evidence (and keeps the ledger from reporting
            # it again) but alerts nobody.
            if row.payload.get("judge_verdict") != "rejected":
                on_change(session, row)

    document.title = title or document.title
    if published_at and document.published_at is None:
        document.published_at = published_at
    document.last_checked_at = now
    document.last_error = None
    document.consecutive_failures = 0
    source_row.last_changed_at = now
    session.add(source_row)
    changes = tuple(change for change, _ in version_changes if change not in rejected) + tuple(
        Change.from_dict(row.payload) for row in ledger_rows
    )
    return RecordOutcome(
        "new" if previous is None else "changed",
        source_row.id,
        document.id,
        version_id=version.id,
        change_ids=tuple(row.id for row in rows if row.id is not None),
        changes=changes,
    )


def record_document(
    store: Store,
    *,
    source: SourceRow | str,
    url: str,
    text: str,
    raw: bytes | None = None,
    title: str | None = None,
    published_at: datetime | None = None,
    fetched_at: datetime | None = None,
    on_change: OnChange | None = None,
    gazetteer: Any = None,
    min_text_ratio: float = 0.3,
    judge: Any = None,
) -> RecordOutcome:
    """Record one fetched text of the document (`source`, `url`) in one transaction. See the module doc.

    `source` is a stored SourceRow or a name (created as a "page"/"file" source when unknown).
    `on_change(session, change_row)` is called for every stored change (version and ledger), after the
    row has its id and before the commit: the place where the alerts outbox enqueues deliveries.
    `min_text_ratio` is `config.articles.min_text_ratio`. `judge` (a `monitor.judge.service.Judge`)
    is asked about the pair first, outside the transaction (see `prejudge`).
    """
    if judge is not None:
        prejudge(store, judge, source=source, url=url, text=text, gazetteer=gazetteer)
    with store.session() as session:
        return record_version(
            session,
            source=source,
            url=url,
            text=text,
            raw=raw,
            title=title,
            published_at=published_at,
            fetched_at=fetched_at,
            on_change=on_change,
            gazetteer=gazetteer,
            min_text_ratio=min_text_ratio,
            judge=judge,
        )


_LATEST_TEXT = (
    core_select(VersionRow.text)  # type: ignore[call-overload]
    .join(DocumentRow, DocumentRow.id == VersionRow.document_id)  # type: ignore[arg-type]
    .join(SourceRow, SourceRow.id == DocumentRow.source_id)  # type: ignore[arg-type]
    .where(SourceRow.name == bindparam("_source"), DocumentRow.url == bindparam("_url"))
    .order_by(col(VersionRow.fetched_at).desc(), col(VersionRow.id).desc())
    .limit(1)
)


def latest_text(session: Session, source: str, url: str) -> str | None:
    """The latest stored text of the document (`source` by name, `url`), or None."""
    return session.connection().execute(_LATEST_TEXT, {"_source": source, "_url": url}).scalar()


def prejudge(
    store: Store, judge: Any, *, source: SourceRow | str, url: str, text: str, gazetteer: Any
) -> None:
    """Ask the judge about (latest stored version, `text`) before the version's transaction, so the
    transaction itself only reads the answer from the cache. Never raises for the model's sake."""
    from monitor.diff import diff_texts

    name = source if isinstance(source, str) else source.name
    with store.session(write=False) as session:
        old = latest_text(session, name, url)
    new = normalize_text(text)
    if old is None or old == new or not new.strip():
        return
    judge.prepare(old, new, diff_texts(old, new, gazetteer=gazetteer))
