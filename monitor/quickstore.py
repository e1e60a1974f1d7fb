"""A look into a SQLite store with the standard library alone, for read commands whose answer is known
without the ORM: `claimwatch history` on a store that holds no change prints "No changes match." and
should not pay for importing SQLAlchemy, SQLModel and the table models (~0.45 s of a 0.7 s start).

Everything here answers only when the answer is certain and the normal way would have had no side
effect: an existing SQLite file (no `:memory:`, no URL query or escapes), already in WAL mode and
stamped with exactly `HEAD_REVISION` (so `open_store` would neither create, convert nor migrate it).
In any other case, or on any sqlite3 error, it answers None and the caller takes the normal way,
which then does what it always did (creates, migrates, reports the error).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

# The newest revision in monitor/store/migrations/versions (re-exported by monitor.store.migrate; a test
# checks it equals alembic's head). Update it with every new migration.
HEAD_REVISION = "0003_13"
# How long a connection waits for a writer's lock (monitor.store uses it too; here, not there, because
# this module must not import SQLAlchemy).
BUSY_TIMEOUT_MS = 10_000

_PREFIX = "sqlite:///"


def sqlite_file(url: str) -> Path | None:
    """The existing database file of a plain `sqlite:///PATH` URL, else None."""
    url = url.strip()
    if not url.startswith(_PREFIX) or any(c in url for c in "?%#"):
        return None
    database = url[len(_PREFIX) :]
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database).expanduser()
    return path if path.is_file() else None


def has_no_changes(url: str, *, source: str | None = None) -> bool | None:
    """True when the store at `url` holds no change at all (and, with `source`, has that source: the
    normal way reports an unknown one); None when that cannot be told cheaply and for certain."""
    path = sqlite_file(url)
    if path is None:
        return None
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error:
        return None
    try:
        if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            return None
        connection.execute("BEGIN")  # one deferred read transaction, as a read session takes
        try:
            revisions = [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]
            if revisions != [HEAD_REVISION]:
                return None
            if source is not None:
                found = connection.execute("SELECT 1 FROM sources WHERE name = ?", (source,)).fetchone()
                if found is None:
                    return None
            return connection.execute("SELECT 1 FROM changes LIMIT 1").fetchone() is None
        finally:
            connection.execute("ROLLBACK")
    except sqlite3.Error:
        return None
    finally:
        connection.close()
