"""The store: one engine per database URL, sessions that commit or roll back, migrations on open.

SQLite (the default) runs in WAL mode with a busy timeout, foreign keys on and `synchronous=NORMAL`.
Write sessions begin with `BEGIN IMMEDIATE`, so a transaction that reads and then writes never fails
half-way with "database is locked" because another process wrote in between; read sessions begin a
plain deferred transaction and never wait for a writer. PostgreSQL is reached through psycopg 3
(`postgresql://`, `postgres://` and `postgresql+psycopg://` URLs are all accepted).

`open_store(url)` applies pending alembic migrations (under an advisory lock on PostgreSQL, inside an
immediate transaction on SQLite, so concurrent starts do not race) and refuses a database stamped with
a revision this code does not know, which is what a newer claimwatch leaves behind.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from monitor.errors import StoreError
from monitor.quickstore import BUSY_TIMEOUT_MS as BUSY_TIMEOUT_MS

__all__ = ["Store", "StoreInfo", "normalize_url", "open_store"]

_IMMEDIATE = "claimwatch_immediate"


def normalize_url(url: str) -> str:
    """Accept the spellings people write for PostgreSQL and point them at psycopg 3."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True, slots=True)
class StoreInfo:
    url: str  # with the password masked
    dialect: str
    revision: str | None
    head: str


class Store:
    """An engine plus the session factory every part of claimwatch uses."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.dialect: str = engine.dialect.name
        # Same pool, but transactions begin IMMEDIATE on SQLite (see module docstring).
        self._write_engine = engine.execution_options(**{_IMMEDIATE: True})

    @contextlib.contextmanager
    def session(self, *, write: bool = True) -> Iterator[Session]:
        """A session that commits when the block ends normally and rolls back when it raises.

        `write=False` is for queries: on SQLite it starts a deferred transaction (no writer lock).
        Objects stay usable after the commit (`expire_on_commit=False`).
        """
        bind = self._write_engine if write else self.engine
        session = Session(bind=bind, expire_on_commit=False)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def info(self) -> StoreInfo:
        from monitor.store.migrate import current_revision, head_revision

        with self.engine.connect() as conn:
            revision = current_revision(conn)
        return StoreInfo(url=self.url, dialect=self.dialect, revision=revision, head=head_revision())

    def upgrade(self) -> str:
        """Apply pending migrations; returns the revision the database is now at."""
        from monitor.store.migrate import upgrade

        return upgrade(self.engine, self._write_engine)

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"


def _create_private(path: Path) -> None:
    """A new database file is created owner-only (0600): it holds everything claimwatch saw. SQLite
    gives its -wal and -shm files the database file's mode. An existing file keeps its mode."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise StoreError(f"cannot create {path}: {exc.strerror or exc}") from None
    os.close(fd)


def _sqlite_engine(url: str) -> Engine:
    parsed = make_url(url)
    database = parsed.database or ""
    memory = database in ("", ":memory:") or database.startswith("file::memory:")
    kwargs: dict[str, Any] = {}
    if memory:
        # One connection for the whole process, or every connection would see its own empty database.
        kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        path = Path(database).expanduser()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the directory for {path}: {exc.strerror or exc}") from None
        _create_private(path)
        parsed = parsed.set(database=str(path))
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    engine = create_engine(parsed, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Take transaction control from the sqlite3 module; `_on_begin` emits BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            if not memory:
                _enable_wal(cursor)
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _enable_wal(cursor: sqlite3.Cursor) -> None:
    """Switch to WAL (a persistent setting: a no-op once the file is in WAL mode).

    Switching needs the database to itself, and SQLite answers "database is locked" at once, without
    the busy handler, while another process is creating the same new file (several daemons or CLI
    calls starting together): retry for as long as the busy timeout would have waited.
    """
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _postgres_engine(url: str) -> Engine:
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def create_store_engine(url: str) -> Engine:
    url = normalize_url(url)
    try:
        backend = make_url(url).get_backend_name()
    except SQLAlchemyError as exc:
        raise StoreError(f"not a database URL: {url!r} ({exc})") from None
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "postgresql":
        return _postgres_engine(url)
    raise StoreError(f"unsupported database {backend!r}: use sqlite:///PATH or postgresql://...")


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Open the database at `url`, applying pending migrations unless `migrate` is False.

    Raises StoreError when the database is unreachable or at a revision this version does not know.
    """
    store = Store(create_store_engine(url))
    try:
        if migrate:
            store.upgrade()
        else:
            with store.engine.connect():
                pass
    except DBAPIError as exc:
        store.close()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(f"cannot open the database {store.url}: {reason}") from None
    except StoreError:
        store.close()
        raise
    return store
