"""One check pass: for each due (or named) source, fetch, extract, record; keep each source's health.

`check_sources(config, store, names=None, progress=None) -> PassReport` is the whole pass; the daemon
(`monitor.scheduler`) keeps one `Checker` alive and calls `Checker.check_one(name, due_only=True)` from
each source's job.

How work is split:
- network I/O runs on the event loop through one shared `Fetcher` (politeness and limits live there);
- extraction (trafilatura) runs in a small thread pool, so it overlaps with the downloads;
- every database access runs on ONE store thread, in order. Each recorded document is one
  transaction (`monitor.pipeline.record_version` plus the document's fetch state), so a stop or a
  crash loses at most the fetch in flight, never half of one. A cancelled check's transaction, once
  started, still completes: `Checker.aclose()` waits for the store thread to drain.

Several workers may share one PostgreSQL database: a worker claims a source with an atomic
`UPDATE ... WHERE lease expired` before checking it, so each due source is checked by exactly one
worker per interval, and a dead worker's claim expires after `scheduler.lease`.

Why one module of ~1,000 lines: the claim, the check, the lease renewal and the finishing UPDATE of
a source share one store thread, one batch and the same prepared statements; they are kept together
so the "one transaction per document, one lease per source" argument reads in one place.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Boolean, and_, bindparam, case, or_, update
from sqlalchemy import select as select_core
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col, select

from monitor.analysis import Analysis, AnalysisPool, default_workers
from monitor.config import Config, SourceConfig
from monitor.errors import ClaimwatchError, ExtractError, FetchError, InputError
from monitor.redact import redact_url, with_credentials
from monitor.sources import Fetcher, FetchResult, make_source
from monitor.sources.types import FeedEntry
from monitor.store import Store
from monitor.store.tables import DocumentRow, SourceRow, VersionRow
from monitor.timeutil import ensure_utc, format_duration, utcnow

__all__ = [
    "Checker",
    "OnChange",
    "PassReport",
    "SourceResult",
    "article_interval",
    "check_sources",
    "sync_sources",
    "untracked_note",
    "worker_id",
]

log = logging.getLogger(__name__)

T = TypeVar("T")
# Core tables for the per-check bookkeeping statements (no ORM objects on the hot path).
_SOURCES = SourceRow.__table__  # type: ignore[attr-defined]
_DOCUMENTS = DocumentRow.__table__  # type: ignore[attr-defined]
_VERSIONS = VersionRow.__table__  # type: ignore[attr-defined]


def _param(name: str, column: Any) -> Any:
    return bindparam(name, type_=column.type)


def _lease_free() -> Any:
    """The source's lease can be taken: nobody holds it, it ran out, we hold it, or its holder is
    seen to be dead (`_dead`: its owner id; NULL, matching nothing, otherwise)."""
    t = _SOURCES
    return or_(
        t.c.lease_owner.is_(None),
        t.c.lease_until < _param("_now", t.c.lease_until),
        t.c.lease_owner == bindparam("_owner"),
        t.c.lease_owner == bindparam("_dead"),
    )


def _conditional_get_state() -> list[Any]:
    """What a claim returns: the source's id and its conditional-GET and failure state."""
    t = _SOURCES
    return [
        t.c.id,
        t.c.etag,
        t.c.last_modified,
        t.c.next_check_at,
        t.c.consecutive_failures,
        t.c.untracked_entries,
    ]


def _claim_statement(due: bool) -> Any:
    """UPDATE the source's lease WHERE it is free (and, with `due`, the source is due) RETURNING its
    conditional-GET state. Built once; every claim only binds values."""
    t = _SOURCES
    conditions = [t.c.name == bindparam("_name"), _lease_free()]
    if due:
        conditions.append(
            or_(t.c.next_check_at.is_(None), t.c.next_check_at <= _param("_due_by", t.c.next_check_at))
        )
    return (
        update(t)
        .where(and_(*conditions))
        .values(lease_owner=bindparam("_owner"), lease_until=_param("_until", t.c.lease_until))
        .returning(*_conditional_get_state())
    )


def _claim_many_statement() -> Any:
    """`_claim_statement(False)` for several sources at once (`_names`), RETURNING each won one's name
    first: the claims one batch holds, in one statement (see `Checker._run_ops`)."""
    t = _SOURCES
    return (
        update(t)
        .where(and_(t.c.name.in_(bindparam("_names", expanding=True)), _lease_free()))
        .values(lease_owner=bindparam("_owner"), lease_until=_param("_until", t.c.lease_until))
        .returning(t.c.name, *_conditional_get_state())
    )


def _finish_statement() -> Any:
    """UPDATE a checked source's health and release our own lease (another worker may have taken an
    expired one over). Columns a check leaves alone keep their value through CASE."""
    t = _SOURCES
    mine = t.c.lease_owner == bindparam("_owner")
    failed = bindparam("_failed", type_=Boolean)
    fresh = bindparam("_fresh", type_=Boolean)
    checked = bindparam("_checked", type_=Boolean)
    return (
        update(t)
        .where(t.c.id == bindparam("_id"))
        .values(
            last_checked_at=_param("_started", t.c.last_checked_at),
            next_check_at=case((checked, _param("_next", t.c.next_check_at)), else_=t.c.next_check_at),
            last_status=bindparam("_status"),
            last_error=bindparam("_error"),
            consecutive_failures=case((failed, t.c.consecutive_failures + 1), else_=0),
            last_success_at=case(
                (failed, t.c.last_success_at), else_=_param("_started2", t.c.last_success_at)
            ),
            etag=case((fresh, bindparam("_etag")), else_=t.c.etag),
            last_modified=case((fresh, bindparam("_last_modified")), else_=t.c.last_modified),
            lease_owner=case((mine, None), else_=t.c.lease_owner),
            lease_until=case((mine, None), else_=t.c.lease_until),
        )
    )


def _latest_raw_statement() -> Any:
    """The id of the document (source, url) and its latest version's `raw_hash` and `text_hash`."""
    documents, versions = _DOCUMENTS, _VERSIONS
    return (
        select_core(documents.c.id, versions.c.raw_hash, versions.c.text_hash)
        .join(versions, versions.c.document_id == documents.c.id)
        .where(documents.c.source_id == bindparam("_source"), documents.c.url == bindparam("_url"))
        .order_by(versions.c.fetched_at.desc(), versions.c.id.desc())
        .limit(1)
    )


def _document_checked_statement() -> Any:
    """A document read again with the same body: checked now, healthy."""
    t = _DOCUMENTS
    return (
        update(t)
        .where(t.c.id == bindparam("_id"))
        .values(last_checked_at=_param("_now", t.c.last_checked_at), last_error=None, consecutive_failures=0)
    )


def _source_state_statement() -> Any:
    """The source's conditional-GET state moves on."""
    t = _SOURCES
    return (
        update(t)
        .where(t.c.id == bindparam("_id"))
        .values(etag=bindparam("_etag"), last_modified=bindparam("_last_modified"))
    )


_STATEMENTS: dict[str, Any] = {}


def _statement(key: str) -> Any:
    statement = _STATEMENTS.get(key)
    if statement is None:
        builder = {
            "claim": lambda: _claim_statement(False),
            "claim-due": lambda: _claim_statement(True),
            "claim-many": _claim_many_statement,
            "finish": _finish_statement,
            "latest-raw": _latest_raw_statement,
            "document-checked": _document_checked_statement,
            "source-state": _source_state_statement,
        }[key]
        statement = _STATEMENTS[key] = builder()
    return statement


OnChange = Callable[[Session, Any], object]
Progress = Callable[["SourceResult"], object]

# Status words stored in SourceRow.last_status and shown by `claimwatch sources`.
NEW, CHANGED, UNCHANGED, NOT_MODIFIED, FAILED, ERROR, SKIPPED, BUSY = (
    "new",
    "changed",
    "unchanged",
    "not modified",
    "extraction failed",
    "error",
    "not due",
    "busy",
)


@dataclass(slots=True)
class SourceResult:
    name: str
    type: str
    status: str
    error: str | None = None
    documents: int = 0  # documents read (a page: 1; a feed: the articles checked)
    new_versions: int = 0
    changes: int = 0
    failed_documents: int = 0
    new_articles: int = 0
    untracked_entries: int = 0  # feed entries too old to track (older than articles.retire_after)
    note: str | None = None
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status not in (ERROR, FAILED)

    @property
    def complete(self) -> bool:
        """Everything this check was asked to do was done: the source was read (not failed, not
        held by another worker) and none of its documents failed. `check` exits 1 otherwise."""
        return self.ok and self.status != BUSY and not self.failed_documents

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "status": self.status,
            "documents": self.documents,
            "new_versions": self.new_versions,
            "changes": self.changes,
            "new_articles": self.new_articles,
            "failed_documents": self.failed_documents,
            "untracked_entries": self.untracked_entries,
            "error": self.error,
            "note": self.note,
            "elapsed": round(self.elapsed, 3),
        }


@dataclass(slots=True)
class PassReport:
    started_at: datetime
    finished_at: datetime | None = None
    results: list[SourceResult] = field(default_factory=list)
    undelivered: int = 0  # alerts the pass's own delivery gave up on (dead); `check` exits 1

    @property
    def checked(self) -> int:
        return sum(1 for r in self.results if r.status not in (SKIPPED, BUSY))

    @property
    def errors(self) -> int:
        return sum(1 for r in self.results if not r.ok)

    @property
    def busy(self) -> int:
        return sum(1 for r in self.results if r.status == BUSY)

    @property
    def failed_documents(self) -> int:
        return sum(r.failed_documents for r in self.results)

    @property
    def incomplete(self) -> int:
        """Sources not fully checked: failed, busy elsewhere, or with failed articles (exit 1)."""
        return sum(1 for r in self.results if not r.complete)

    @property
    def new_versions(self) -> int:
        return sum(r.new_versions for r in self.results)

    @property
    def changes(self) -> int:
        return sum(r.changes for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "checked": self.checked,
            "errors": self.errors,
            "busy": self.busy,
            "failed_documents": self.failed_documents,
            "incomplete": self.incomplete,
            "undelivered": self.undelivered,
            "new_versions": self.new_versions,
            "changes": self.changes,
            "sources": [r.to_dict() for r in self.results],
        }


def worker_id() -> str:
    """Who holds a lease: host, process and a random part (a restarted process is a new worker)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def article_interval(config: Config, age: timedelta) -> timedelta | None:
    """How often an article of this age is re-checked; None when it is old enough to retire."""
    articles = config.articles
    if age >= articles.retire_after:
        return None
    for step in articles.recheck:
        if age < step.age:
            return step.every
    return articles.recheck[-1].every if articles.recheck else articles.retire_after


def job_interval(config: Config, source: SourceConfig) -> timedelta:
    """How often the daemon looks at a source: a feed also when one of its articles may be due."""
    if make_source(source).tracks_articles and config.articles.recheck:
        return min(source.interval, *(step.every for step in config.articles.recheck))
    return source.interval


def untracked_note(config: Config, untracked: int) -> str | None:
    """'4 entries older than 14d not tracked' (None for 0): what `check` and `sources` say about
    feed entries past `articles.retire_after`."""
    if not untracked:
        return None
    entries = "entry" if untracked == 1 else "entries"
    return f"{untracked} {entries} older than {format_duration(config.articles.retire_after)} not tracked"


def due_slack(config: Config, interval: timedelta) -> timedelta:
    """A job may fire up to `jitter` early; anything due by then counts as due now."""
    return interval * config.scheduler.jitter + timedelta(seconds=1)


# ------------------------------------------------------------------------------- source rows sync


def sync_sources(session: Session, config: Config) -> dict[str, SourceRow]:
    """Make the sources table match the config: create new rows, update changed ones, disable the
    rows of sources no longer configured (their history stays). Returns the configured rows by name."""
    rows = {row.name: row for row in session.exec(select(SourceRow)).all()}
    wanted: dict[str, SourceRow] = {}
    for source in config.sources:
        row = rows.get(source.name)
        interval = int(source.interval.total_seconds())
        location = redact_url(source.location)  # the URL's credentials stay in the config
        if row is None:
            row = SourceRow(
                name=source.name,
                type=source.type,
                location=location,
                tags=list(source.tags),
                enabled=source.enabled,
                interval_seconds=interval,
            )
            session.add(row)
        elif (
            row.type != source.type
            or row.location != location
            or row.enabled != source.enabled
            or row.interval_seconds != interval
            or row.tags != list(source.tags)
        ):  # only rows that differ are touched: a pass over 1,000 unchanged sources writes nothing
            if row.type != source.type or row.location != location:
                # A different thing to read: its conditional-GET state no longer applies.
                row.etag = row.last_modified = None
                row.next_check_at = None
            row.type, row.location, row.tags = source.type, location, list(source.tags)
            row.enabled, row.interval_seconds = source.enabled, interval
            session.add(row)
        wanted[source.name] = row
    for name, row in rows.items():
        if name not in wanted and row.enabled:
            row.enabled = False
            session.add(row)
    session.flush()
    return wanted


# ---------------------------------------------------------------------------------------- checker


@dataclass(slots=True)
class _Claimed:
    """A snapshot of the source row taken when the lease was won."""

    id: int
    etag: str | None
    last_modified: str | None
    next_check_at: datetime | None
    consecutive_failures: int
    untracked_entries: int


def _make_judge(config: Config, store: Store) -> Any:
    if config.judge is None:
        return None
    from monitor.judge.service import Judge

    return Judge(config.judge, store)


class Checker:
    """Checks sources; shares one Fetcher, one extraction pool and one store thread across passes."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        on_change: OnChange | None = None,
        owner: str | None = None,
        fetcher: Fetcher | None = None,
        gazetteer: Any = None,
    ):
        self.config = config
        self.store = store
        self.on_change = on_change
        self.owner = owner or worker_id()
        self.fetcher = fetcher or Fetcher(config.fetch)
        self.gazetteer = gazetteer if gazetteer is not None else _load_gazetteer(config)
        self.judge: Any = _make_judge(config, store)  # the LLM judge when [judge] is configured
        self._db = ThreadPoolExecutor(1, thread_name_prefix="claimwatch-store")
        self._cpu = ThreadPoolExecutor(
            max(2, min(4, os.cpu_count() or 2)), thread_name_prefix="claimwatch-extract"
        )
        self.analysis = AnalysisPool(
            default_workers() if config.analysis.workers is None else config.analysis.workers,
            [config.resolve(p) for p in config.actors],
            self.gazetteer,
            self._cpu,
        )
        self._closed = False
        self._index: tuple[Config, dict[str, SourceConfig]] | None = None
        self._batch: list[tuple[Callable[..., Any], tuple[Any, ...], asyncio.Future[Any]]] = []
        self._batch_lock = threading.Lock()
        self._batch_scheduled = False

    async def __aenter__(self) -> Checker:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the fetcher and wait until every started transaction has finished."""
        if self._closed:
            return
        self._closed = True
        if self.judge is not None:
            self.judge.close()
        try:
            await self.fetcher.aclose()
        finally:
            await asyncio.get_running_loop().run_in_executor(None, self._drain)

    def _drain(self) -> None:
        self.analysis.close()
        self._cpu.shutdown(wait=True, cancel_futures=True)
        self._db.shutdown(wait=True)

    def set_config(self, config: Config) -> None:
        """Take a reloaded config (fetch settings apply to the next Fetcher; kept simple on purpose).
        A changed `[judge]` takes effect at once; a check still asking the old judge finishes with it."""
        if config.judge != self.config.judge:
            self.judge = _make_judge(config, self.store)
        self.config = config

    async def db(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db, partial(func, *args, **kwargs))

    def batched(self, op: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Run `op(session, *args)` on the store thread in ONE transaction with every other batched
        operation queued meanwhile (the claims and source updates of concurrent checks): a pass over
        many sources commits once per batch instead of twice per source. Each operation is small and
        self-contained; if a batch fails, its operations are retried one transaction each, so a
        failure only reaches its own caller. Results arrive after the commit, all of a batch's at
        once (one wake-up of the event loop per batch, not one per operation)."""
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        with self._batch_lock:
            self._batch.append((op, args, done))
            if not self._batch_scheduled:
                self._batch_scheduled = True
                self._db.submit(self._run_batch)
        return done

    def _run_batch(self) -> None:
        with self._batch_lock:
            batch, self._batch = self._batch, []
            self._batch_scheduled = False
        outcomes: list[tuple[asyncio.Future[Any], BaseException | None, Any]] = []
        try:
            with self.store.session() as session:
                results = self._run_ops(session, batch)
            outcomes = [(done, None, result) for (_, _, done), result in zip(batch, results, strict=True)]
        except Exception as exc:
            if len(batch) == 1:
                outcomes = [(batch[0][2], exc, None)]
            else:
                for op, args, done in batch:  # one by one: only the failing operation fails
                    try:
                        with self.store.session() as session:
                            outcomes.append((done, None, op(session, *args)))
                    except Exception as error:
                        outcomes.append((done, error, None))
        by_loop: dict[asyncio.AbstractEventLoop, list[Any]] = {}
        for outcome in outcomes:
            by_loop.setdefault(outcome[0].get_loop(), []).append(outcome)
        for loop, delivered in by_loop.items():
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
                loop.call_soon_threadsafe(_deliver, delivered)

    def _run_ops(
        self, session: Session, batch: list[tuple[Callable[..., Any], tuple[Any, ...], Any]]
    ) -> list[Any]:
        """A batch's operations in one session, in order, except that its claims of sources checked
        whether due or not (`check`) run as ONE `UPDATE ... RETURNING` before the rest, and its
        finishing UPDATEs as one executemany where the first of them was. A batch's operations are
        about different sources (a source is checked by one task at a time, and its finish is queued
        only after its claim returned), so the order they run in within the transaction changes
        nothing. A source the shared claim did not win is claimed on its own (`_claim`: busy, new
        since the pass began, held by a dead process)."""
        claims = [args[0] for op, args, _ in batch if op == self._claim and not args[1]]
        won = self._claim_many(session, claims) if len(claims) > 1 else {}
        finishes = [args for op, args, _ in batch if op == self._finish]
        bulk_finish, finish_written = len(finishes) > 1, False
        results: list[Any] = []
        for op, args, _ in batch:
            if op == self._claim and not args[1] and args[0] in won:
                results.append(won[args[0]])
            elif op == self._finish and bulk_finish:
                if not finish_written:
                    params = [self._finish_params(*finish) for finish in finishes]
                    session.connection().execute(_statement("finish"), params)
                    finish_written = True
                results.append(None)
            else:
                results.append(op(session, *args))
        return results

    async def cpu(self, func: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._cpu, partial(func, *args))

    async def prejudge(self, source: str, url: str, text: str) -> None:
        """With a judge: ask it about this text and the document's latest version now, outside the
        transaction that will record it (which then reads the answer from the cache)."""
        if self.judge is None:
            return
        from monitor.pipeline import prejudge

        try:
            await asyncio.to_thread(
                prejudge, self.store, self.judge, source=source, url=url, text=text, gazetteer=self.gazetteer
            )
        except Exception:  # the judge is optional: the engine's result stands, the pair is queued
            log.exception("judging %s beforehand failed", url)

    def judge_pending(self) -> dict[str, int]:
        """Ask the judge again about the pairs it could not judge before (a blocking call)."""
        if self.judge is None:
            return {}
        counts: dict[str, int] = self.judge.judge_pending(on_change=self.on_change)
        if counts.get("judged"):
            log.info("judge: %d queued pair(s) judged", counts["judged"])
        return counts

    # -- the table side, run on the store thread ----------------------------------------------------

    def sync(self) -> None:
        with self.store.session() as session:
            sync_sources(session, self.config)

    def cap_next_checks(self) -> int:
        """Bring every stored next check forward to at most now + the configured interval (a feed's
        articles: now + their age's recheck step). A check stores `now + interval` as the next one,
        so after the interval was shortened (or `check` ran with a longer one) the daemon would
        otherwise wait out the old interval, finding the source "not due" on every job. Returns how
        many rows moved."""
        now = utcnow()
        moved = 0
        by_interval: dict[timedelta, list[str]] = {}
        feeds: list[str] = []
        for source in self.config.sources:
            if source.enabled:
                by_interval.setdefault(source.interval, []).append(source.name)
                if make_source(source).tracks_articles:
                    feeds.append(source.name)
        with self.store.session() as session:
            conn = session.connection()
            for interval, names in by_interval.items():
                cap = now + interval
                moved += conn.execute(
                    update(_SOURCES)
                    .where(_SOURCES.c.name.in_(names), _SOURCES.c.next_check_at > cap)
                    .values(next_check_at=cap)
                ).rowcount
            if feeds and self.config.articles.recheck:
                soonest = now + min(step.every for step in self.config.articles.recheck)
                rows = session.exec(
                    select(DocumentRow)
                    .join(SourceRow, col(SourceRow.id) == col(DocumentRow.source_id))
                    .where(
                        col(SourceRow.name).in_(feeds),
                        col(DocumentRow.retired).is_(False),
                        col(DocumentRow.next_check_at) > soonest,
                    )
                ).all()
                for row in rows:
                    every = article_interval(
                        self.config, now - ensure_utc(row.published_at or row.discovered_at)
                    )
                    assert row.next_check_at is not None
                    if every is not None and ensure_utc(row.next_check_at) > now + every:
                        row.next_check_at = now + every
                        session.add(row)
                        moved += 1
        return moved

    def release_stale_leases(self) -> int:
        """Forget leases held by dead processes of this host (a killed daemon's, say)."""
        freed = 0
        with self.store.session() as session:
            rows = session.exec(select(SourceRow).where(col(SourceRow.lease_owner).is_not(None))).all()
            for row in rows:
                if owner_is_dead(row.lease_owner or ""):
                    row.lease_owner, row.lease_until = None, None
                    session.add(row)
                    freed += 1
        return freed

    def source(self, name: str) -> SourceConfig:
        """The configured source named `name` (KeyError if none), through an index kept per config."""
        index = self._index
        if index is None or index[0] is not self.config:
            index = self._index = (self.config, {s.name: s for s in self.config.sources})
        return index[1][name]

    def _claim(self, session: Session, name: str, due_only: bool) -> _Claimed | str:
        """Win the source's lease with one `UPDATE ... WHERE free (and due) RETURNING` (Core, no ORM
        objects); run in a batch (see `batched`)."""
        now = utcnow()
        source = self.source(name)
        table = _SOURCES
        params: dict[str, Any] = {
            "_name": name,
            "_now": now,
            "_owner": self.owner,
            "_dead": None,
            "_until": now + self.config.scheduler.lease,
        }
        due = due_only and not make_source(source).tracks_articles
        if due:
            params["_due_by"] = now + due_slack(self.config, source.interval)
        claim = _statement("claim-due" if due else "claim")
        conn = session.connection()
        won = conn.execute(claim, params).first()
        if won is None:
            held = conn.execute(
                select(table.c.lease_owner, table.c.lease_until).where(table.c.name == name)
            ).first()
            if held is None:  # not in the table yet (added since the pass began)
                sync_sources(session, self.config)
                won = session.connection().execute(claim, params).first()
            elif held[0] and held[0] != self.owner and held[1] and ensure_utc(held[1]) >= now:
                if not owner_is_dead(held[0]):
                    return BUSY
                # Held by a process of this host that is gone (a killed `check`, say): take it over,
                # on the condition that it is still that dead owner's (one atomic UPDATE again).
                log.info("%s: taking over the lease of %s, which is no longer running", name, held[0])
                won = conn.execute(claim, {**params, "_dead": held[0]}).first()
                if won is None:
                    return BUSY
            if won is None:
                return SKIPPED
        return _Claimed(won[0], won[1], won[2], won[3], won[4], won[5])

    def _claim_many(self, session: Session, names: list[str]) -> dict[str, _Claimed]:
        """`_claim(session, name, False)` for each of `names` whose lease is free, in one statement;
        returns the ones won, by name."""
        now = utcnow()
        params = {
            "_names": sorted(set(names)),
            "_now": now,
            "_owner": self.owner,
            "_dead": None,
            "_until": now + self.config.scheduler.lease,
        }
        rows = session.connection().execute(_statement("claim-many"), params)
        return {row[0]: _Claimed(row[1], row[2], row[3], row[4], row[5], row[6]) for row in rows}

    async def _keep_lease(self, name: str, source_id: int) -> None:
        """While a check runs, push its lease forward every third of `scheduler.lease`: a slow check
        keeps its source, and a worker that stops renewing (dead, on any host) loses it within one
        lease. The renewal is the heartbeat other hosts see."""
        every = self.config.scheduler.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            try:
                kept = await self.batched(self._renew_lease, source_id)
            except Exception as exc:  # the database is away for a moment: try again next time
                log.warning("%s: could not renew the lease: %s", name, exc)
                continue
            if not kept:
                log.warning("%s: the lease passed to another worker during the check", name)
                return

    def _renew_lease(self, session: Session, source_id: int) -> bool:
        t = _SOURCES
        result = session.connection().execute(
            update(t)
            .where(t.c.id == source_id, t.c.lease_owner == self.owner)
            .values(lease_until=utcnow() + self.config.scheduler.lease)
        )
        return bool(result.rowcount)

    def _release(self, source_id: int) -> None:
        with self.store.session() as session:
            session.execute(
                update(SourceRow)
                .where(and_(SourceRow.id == source_id, SourceRow.lease_owner == self.owner))
                .values(lease_owner=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )

    def _give_back(self, session: Session, source_id: int) -> None:
        session.connection().execute(
            update(_SOURCES)
            .where(and_(_SOURCES.c.id == source_id, _SOURCES.c.lease_owner == self.owner))
            .values(lease_owner=None, lease_until=None)
        )

    def _finish(self, session: Session, run: _Run, error: str | None, started: datetime) -> None:
        """The check's outcome on the source row, and its lease given back: one UPDATE, batched."""
        session.connection().execute(_statement("finish"), self._finish_params(run, error, started))

    def _finish_params(self, run: _Run, error: str | None, started: datetime) -> dict[str, Any]:
        failed = error is not None
        return {
            "_id": run.claimed.id,
            "_owner": self.owner,
            "_started": started,
            "_started2": started,
            "_checked": run.source_checked,
            "_next": started + run.source.interval,
            "_failed": failed,
            "_status": (FAILED if run.status == FAILED else ERROR) if failed else run.status,
            "_error": error if failed else run.document_error_summary(),
            "_fresh": not failed and run.fresh_state,
            "_etag": run.new_etag,
            "_last_modified": run.new_last_modified,
        }

    # -- one source -----------------------------------------------------------------------------------

    async def check_one(self, name: str, *, due_only: bool = False) -> SourceResult:
        """Check one configured source now (or only if due). Never raises for a source's own failure."""
        source = self.source(name)
        started_clock = time.monotonic()
        started = utcnow()
        claimed = await self.batched(self._claim, name, due_only)
        if isinstance(claimed, str):
            log.info("%s: %s", name, claimed)  # "not due" or "busy": said as such, never "unchanged"
            return SourceResult(name, source.type, claimed, elapsed=time.monotonic() - started_clock)
        run = _Run(self, source, claimed, started, due_only)
        error: str | None = None
        renewer = asyncio.create_task(self._keep_lease(name, claimed.id))
        try:
            await make_source(source).check(run)
        except (FetchError, ExtractError) as exc:
            error = str(exc)
        except asyncio.CancelledError:
            # Abandoned (daemon stopping): give the source back; recorded documents are committed.
            with contextlib.suppress(RuntimeError):  # the store thread is already shut down
                self._db.submit(self._release, claimed.id)
            raise
        except ClaimwatchError as exc:
            error = str(exc)
        except DBAPIError as exc:  # a full disk, a database locked past the busy timeout: not a bug
            error = database_problem(exc)
        except Exception as exc:  # a bug must not stop the other sources; it is logged in full
            log.exception("checking %s failed unexpectedly", name)
            error = f"internal error: {type(exc).__name__}: {exc}"
        finally:
            renewer.cancel()
        if (
            error is None
            and run.failed_documents
            and run.failed_documents == run.documents
            and make_source(source).tracks_articles
        ):
            # Every article the feed led to failed: the source failed (an error, counted in its
            # consecutive failures), however well the feed itself read.
            error = f"all {run.documents} article(s) failed; first: {run.first_error}"
        if error is None and run.status == FAILED:
            error = run.first_error or "extraction failed"
        if error is None and run.idle:
            # A feed's job found neither the feed nor any article due: nothing was read, so the
            # source's health stays as its last real check left it; only the lease goes back.
            await asyncio.shield(self.batched(self._give_back, claimed.id))
            log.info("%s: %s (feed next due %s)", name, SKIPPED, claimed.next_check_at)
            return SourceResult(name, source.type, SKIPPED, elapsed=time.monotonic() - started_clock)
        await asyncio.shield(self.batched(self._finish, run, error, started))
        status = run.status if error is None else (FAILED if run.status == FAILED else ERROR)
        result = SourceResult(
            name=name,
            type=source.type,
            status=status,
            error=error if error is not None else run.document_error_summary(),
            documents=run.documents,
            new_versions=run.new_versions,
            changes=run.changes,
            failed_documents=run.failed_documents,
            new_articles=run.new_articles,
            untracked_entries=run.untracked_entries,
            note=untracked_note(self.config, run.untracked_entries),
            elapsed=time.monotonic() - started_clock,
        )
        level = logging.WARNING if error else logging.INFO
        log.log(level, "%s: %s%s", name, status, f" ({error})" if error else _summary(result))
        return result


def _deliver(outcomes: list[tuple[asyncio.Future[Any], BaseException | None, Any]]) -> None:
    """On the event loop: hand a batch's results (or errors) to the checks waiting for them."""
    for done, error, result in outcomes:
        if done.done():  # the waiting check was cancelled
            continue
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(result)


def _summary(result: SourceResult) -> str:
    parts = []
    if result.documents > 1:
        parts.append(f"{result.documents} documents")
    if result.new_articles:
        parts.append(f"{result.new_articles} new articles")
    if result.new_versions:
        parts.append(f"{result.new_versions} new versions")
    if result.changes:
        parts.append(f"{result.changes} changes")
    if result.failed_documents:
        parts.append(f"{result.failed_documents} failed")
    if result.note:
        parts.append(result.note)
    return f" ({', '.join(parts)})" if parts else ""


class _Run:
    """The `SourceRun` a source type works with during one check of one source."""

    def __init__(
        self, checker: Checker, source: SourceConfig, claimed: _Claimed, started: datetime, due_only: bool
    ):
        self.checker = checker
        self.config = checker.config
        self.source = source
        self.claimed = claimed
        self.started = started
        self.due_only = due_only
        self.status = UNCHANGED
        self.source_checked = False  # the source's own location was read (sets next_check_at)
        self.fresh_state = False  # new_etag/new_last_modified describe a body read in this check
        self.new_etag: str | None = None
        self.new_last_modified: str | None = None
        self.documents = 0
        self.new_versions = 0
        self.changes = 0
        self.failed_documents = 0
        self.new_articles = 0
        # Until the feed is read again (a 304 says nothing new), its last read's count stands.
        self.untracked_entries = claimed.untracked_entries
        self.first_error: str | None = None
        self.notes: list[str] = []

    @property
    def idle(self) -> bool:
        """Nothing was due: the source's own location was not read and no document was checked."""
        return self.due_only and not self.source_checked and self.documents == 0 and self.status == UNCHANGED

    # -- SourceRun -----------------------------------------------------------------------------------

    async def fetch(
        self, url: str, *, conditional: bool = True, content_types: tuple[str, ...] | None = None
    ) -> FetchResult:
        self.source_checked = True
        result = await self.checker.fetcher.fetch(
            url,
            etag=self.claimed.etag if conditional else None,
            last_modified=self.claimed.last_modified if conditional else None,
            content_types=content_types,
            origin=self.source.url or url,
        )
        if not result.not_modified:
            self.fresh_state = True
            self.new_etag, self.new_last_modified = result.etag, result.last_modified
        return result

    def note(self, message: str) -> None:
        log.warning("%s: %s", self.source.name, message)
        self.notes.append(message)

    def file_unchanged(self, stamp: str) -> bool:
        self.source_checked = True
        return self.claimed.etag == stamp

    def not_modified(self) -> None:
        if self.status == UNCHANGED:
            self.status = NOT_MODIFIED

    def feed_due(self) -> bool:
        if not self.due_only or self.claimed.next_check_at is None:
            return True
        slack = due_slack(self.config, self.source.interval)
        return ensure_utc(self.claimed.next_check_at) <= utcnow() + slack

    async def record(
        self,
        url: str,
        body: bytes,
        *,
        content_type: str | None = None,
        fetched_at: datetime | None = None,
        stamp: str | None = None,
    ) -> None:
        if stamp is not None:
            self.fresh_state = True
            self.new_etag, self.new_last_modified = stamp, None
        url = redact_url(url)  # the document's identity, as stored
        latest = await self.checker.batched(self._same_raw, url, hashlib.sha256(body).hexdigest())
        if latest is True:
            self._count("unchanged", 0, None, source_level=True)
            return
        analysis = await self.checker.analysis.analyse(body, content_type, url, latest or None)
        article = analysis.article
        await self.checker.prejudge(self.source.name, url, article.text)
        outcome = await self.checker.db(self._record_page, url, body, analysis, fetched_at or utcnow())
        self._count(outcome.status, len(outcome.changes), outcome.error, source_level=True)

    def _same_raw(self, session: Session, url: str, raw_hash: str) -> bool | str:
        """A body byte for byte the latest version's is "unchanged" without being extracted again:
        the document's check is noted (as `record_version` does for an unchanged text) and the
        source's conditional-GET state moves on: True. For any other body nothing is written and the
        latest version's text hash is returned ("" for a new document), so that a worker extracting
        the same text as before skips its claims."""
        conn = session.connection()
        row = conn.execute(_statement("latest-raw"), {"_source": self.claimed.id, "_url": url}).first()
        if row is None:
            return ""
        if row[1] != raw_hash:
            return str(row[2])
        conn.execute(_statement("document-checked"), {"_id": row[0], "_now": utcnow()})
        conn.execute(
            _statement("source-state"),
            {"_id": self.claimed.id, "_etag": self.new_etag, "_last_modified": self.new_last_modified},
        )
        return True

    def _record_page(self, url: str, body: bytes, analysis: Analysis, fetched_at: datetime) -> Any:
        from monitor.pipeline import record_version

        article = analysis.article
        with self.checker.store.session() as session:
            source_row = session.get(SourceRow, self.claimed.id)
            assert source_row is not None
            outcome = record_version(
                session,
                source=source_row,
                url=url,
                text=article.text,
                raw=body,
                title=article.title,
                published_at=article.published,
                fetched_at=fetched_at,
                on_change=self.checker.on_change,
                gazetteer=self.checker.gazetteer,
                min_text_ratio=self.config.articles.min_text_ratio,
                judge=self.checker.judge,
                claims=analysis.claims,
            )
            if outcome.status != "failed":
                # The conditional-GET state moves with the version it describes (same transaction).
                source_row.etag, source_row.last_modified = self.new_etag, self.new_last_modified
                session.add(source_row)
            return outcome

    async def track_articles(self, entries: list[FeedEntry]) -> None:
        added, self.untracked_entries = await self.checker.db(self._track, entries)
        self.new_articles += added

    def _track(self, entries: list[FeedEntry]) -> tuple[int, int]:
        """Track the entries not seen before; returns (added, too old to track). The count of old
        ones is kept on the source row, for `claimwatch sources`."""
        from monitor.pipeline import bounded_title

        now = utcnow()
        retire_after = self.config.articles.retire_after
        added = untracked = 0
        with self.checker.store.session() as session:
            known = set(
                session.exec(select(DocumentRow.url).where(DocumentRow.source_id == self.claimed.id)).all()
            )
            for entry in entries:
                url = redact_url(entry.url)  # a protected feed's links: fetched with the source's credentials
                if url in known:
                    continue
                if entry.published is not None and now - entry.published >= retire_after:
                    untracked += 1  # too old to be worth watching; said so, not silently dropped
                    continue
                known.add(url)
                session.add(
                    DocumentRow(
                        source_id=self.claimed.id,
                        url=url,
                        title=bounded_title(entry.title),
                        published_at=entry.published,
                        discovered_at=now,
                        next_check_at=now,
                    )
                )
                added += 1
            session.connection().execute(
                update(_SOURCES).where(_SOURCES.c.id == self.claimed.id).values(untracked_entries=untracked)
            )
        return added, untracked

    async def check_articles(self) -> None:
        due = await self.checker.db(self._due_articles)
        if not due:
            return
        # Fair to the other sources: one feed's articles take at most a quarter of the fetch slots, so
        # a feed with hundreds of due articles does not queue ahead of every other source's request.
        share = asyncio.Semaphore(max(1, self.config.fetch.concurrency // 4))

        async def one(doc_id: int, url: str, etag: str | None, last_modified: str | None) -> None:
            async with share:
                await self._check_article(doc_id, url, etag, last_modified)

        await asyncio.gather(*(one(*row) for row in due))

    def _due_articles(self) -> list[tuple[int, str, str | None, str | None]]:
        now = utcnow()
        slack = due_slack(self.config, job_interval(self.config, self.source))
        due: list[tuple[int, str, str | None, str | None]] = []
        with self.checker.store.session() as session:
            rows = session.exec(
                select(DocumentRow).where(
                    DocumentRow.source_id == self.claimed.id, col(DocumentRow.retired).is_(False)
                )
            ).all()
            for row in rows:
                age = now - ensure_utc(row.published_at or row.discovered_at)
                if article_interval(self.config, age) is None:
                    row.retired = True
                    row.next_check_at = None
                    session.add(row)
                    continue
                if (
                    self.due_only
                    and row.next_check_at is not None
                    and ensure_utc(row.next_check_at) > now + slack
                ):
                    continue
                assert row.id is not None
                due.append((row.id, row.url, row.etag, row.last_modified))
        return due

    async def _check_article(
        self, doc_id: int, url: str, etag: str | None, last_modified: str | None
    ) -> None:
        checked = utcnow()
        try:
            result = await self.checker.fetcher.fetch(
                with_credentials(url, self.source.url),
                etag=etag,
                last_modified=last_modified,
                origin=self.source.url or url,
            )
            if result.not_modified:
                await self.checker.db(self._article_state, doc_id, checked, None)
                self.documents += 1
                return
            analysis = await self.checker.analysis.analyse(result.body, result.content_type, url, None)
            await self.checker.prejudge(self.source.name, url, analysis.article.text)
            outcome = await self.checker.db(self._record_article, doc_id, url, result, analysis, checked)
        except (FetchError, ExtractError, DBAPIError) as exc:
            reason = database_problem(exc) if isinstance(exc, DBAPIError) else str(exc)
            with contextlib.suppress(DBAPIError):  # the database may still be unable to take it
                await self.checker.db(self._article_state, doc_id, checked, reason)
            self.documents += 1
            self._count("failed", 0, reason)
            return
        except Exception as exc:  # a bug or a database hiccup on one article must not sink its siblings
            log.exception("article %s failed unexpectedly", redact_url(url))
            error = f"internal error: {type(exc).__name__}: {exc}"
            with contextlib.suppress(Exception):
                await self.checker.db(self._article_state, doc_id, checked, error)
            self.documents += 1
            self._count("failed", 0, error)
            return
        self.documents += 1
        self._count(outcome.status, len(outcome.changes), outcome.error)

    def _next_article_check(self, row: DocumentRow, now: datetime) -> datetime | None:
        age = now - ensure_utc(row.published_at or row.discovered_at)
        every = article_interval(self.config, age)
        return now + every if every is not None else None

    def _article_state(self, doc_id: int, now: datetime, error: str | None) -> None:
        with self.checker.store.session() as session:
            row = session.get(DocumentRow, doc_id)
            if row is None:
                return
            row.last_checked_at = now
            row.next_check_at = self._next_article_check(row, now)
            row.retired = row.next_check_at is None
            if error is None:
                row.last_error, row.consecutive_failures = None, 0
            else:
                row.last_error = error
                row.consecutive_failures += 1
            session.add(row)

    def _record_article(
        self, doc_id: int, url: str, result: FetchResult, analysis: Analysis, now: datetime
    ) -> Any:
        from monitor.pipeline import record_version

        article = analysis.article
        with self.checker.store.session() as session:
            row = session.get(DocumentRow, doc_id)
            source_row = session.get(SourceRow, self.claimed.id)
            assert row is not None and source_row is not None
            outcome = record_version(
                session,
                source=source_row,
                url=url,
                text=article.text,
                raw=result.body,
                title=article.title or row.title,
                published_at=article.published or row.published_at,
                fetched_at=result.fetched_at,
                on_change=self.checker.on_change,
                gazetteer=self.checker.gazetteer,
                min_text_ratio=self.config.articles.min_text_ratio,
                judge=self.checker.judge,
                claims=analysis.claims,
            )
            row.last_checked_at = now
            row.next_check_at = self._next_article_check(row, now)
            row.retired = row.next_check_at is None
            if outcome.status != "failed":
                row.etag, row.last_modified = result.etag, result.last_modified
            session.add(row)
            return outcome

    # -- bookkeeping ----------------------------------------------------------------------------------

    def _count(self, status: str, changes: int, error: str | None, *, source_level: bool = False) -> None:
        if source_level:
            self.documents += 1
        if status in ("new", "changed"):
            self.new_versions += 1
            self.changes += changes
            if status == "changed" and self.status != FAILED:
                self.status = CHANGED
            elif self.status in (UNCHANGED, NOT_MODIFIED):
                self.status = NEW
        elif status == "failed":
            self.failed_documents += 1
            self.first_error = self.first_error or error
            if source_level:
                self.status = FAILED

    def document_error_summary(self) -> str | None:
        parts = list(self.notes)
        if self.failed_documents and self.status != FAILED:
            parts.append(
                f"{self.failed_documents} of {self.documents} articles failed; first: {self.first_error}"
            )
        return "; ".join(parts) or None


def owner_is_dead(owner: str) -> bool:
    """Whether a lease owner (`worker_id()`: host, pid, random part) is a process of this host that is
    no longer running. Owners on other hosts cannot be seen from here: their heartbeat is the lease
    renewal, so their leases run out within `scheduler.lease` of their death."""
    owner_host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    return owner_host == socket.gethostname() and pid.isdigit() and not _alive(int(pid))


def database_problem(exc: DBAPIError) -> str:
    """A database error as one line: what the database said, not the statement."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"cannot store: {reason[0] if reason else type(exc).__name__} (nothing of this check was kept)"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _load_gazetteer(config: Config) -> Any:
    if not config.actors:
        return None
    try:
        from monitor.claims import load_gazetteer
    except ImportError:  # the claims package is not there yet
        return None
    return load_gazetteer([config.resolve(p) for p in config.actors])


# ------------------------------------------------------------------------------------- one pass


def select_sources(config: Config, names: Sequence[str] | None) -> list[SourceConfig]:
    """The named sources (in the given order; unknown names are an error), else every enabled one."""
    if not names:
        return [s for s in config.sources if s.enabled]
    known = {s.name: s for s in config.sources}
    unknown = [n for n in names if n not in known]
    if unknown:
        listing = ", ".join(sorted(known)) or "none configured"
        raise InputError(f"unknown source(s): {', '.join(unknown)} (configured: {listing})")
    seen: dict[str, SourceConfig] = {}
    for name in names:
        seen.setdefault(name, known[name])
    return list(seen.values())


async def check_sources(
    config: Config,
    store: Store,
    names: Iterable[str] | None = None,
    progress: Progress | None = None,
    *,
    on_change: OnChange | None = None,
    due_only: bool = False,
    checker: Checker | None = None,
) -> PassReport:
    """Check the named sources (default: every enabled source) once, all concurrently within the
    fetch limits. One source's failure is recorded on it and never stops the others.

    `progress(result)` is called as each source finishes. `due_only` skips sources not yet due.
    """
    selected = select_sources(config, list(names) if names is not None else None)
    report = PassReport(started_at=utcnow())
    own = checker is None
    active = checker or Checker(config, store, on_change=on_change)
    try:
        await active.db(active.sync)
        limit = asyncio.Semaphore(max(16, config.fetch.concurrency * 2))

        async def one(source: SourceConfig) -> SourceResult:
            async with limit:
                result = await active.check_one(source.name, due_only=due_only)
            if progress is not None:
                progress(result)
            return result

        report.results = list(await asyncio.gather(*(one(s) for s in selected)))
        if own and active.judge is not None:
            await asyncio.to_thread(active.judge_pending)  # pairs queued earlier that are due again
    finally:
        if own:
            await active.aclose()
    report.finished_at = utcnow()
    return report
