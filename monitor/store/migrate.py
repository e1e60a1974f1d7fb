"""Alembic, configured in code: the migrations ship inside the package and no alembic.ini is needed.

alembic itself is imported only when a database is not at `HEAD_REVISION` (an upgrade, a refusal) or
for `claimwatch db` details: every CLI start opens the store, and the common case (already at head)
is one `SELECT` on `alembic_version` (importing alembic and building a MigrationContext cost
~0.2 s of CPU per start).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from monitor.errors import StoreError
from monitor.quickstore import HEAD_REVISION as HEAD_REVISION

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# HEAD_REVISION, the newest revision in migrations/versions, lives in monitor.quickstore (which must not
# import SQLAlchemy); a test checks it equals alembic's head. Update it with every new migration.
# Any fixed 63-bit number: the key of the PostgreSQL advisory lock held while migrating.
MIGRATION_LOCK_KEY = 0x636C_6D77_6D69_6772


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def _scripts() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None, "no migrations shipped"
    return head


def known_revisions() -> set[str]:
    return {script.revision for script in _scripts().walk_revisions()}


def current_revision(conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def at_head(engine: Engine) -> bool:
    """True when the database is stamped with exactly `HEAD_REVISION`: one SELECT, no alembic.
    False for anything else (no version table yet, another revision, several heads), which then
    goes the slow way through alembic."""
    with engine.connect() as conn:
        try:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall()
        except DBAPIError:  # no alembic_version table (a new database): alembic decides
            return False
    return [row[0] for row in rows] == [HEAD_REVISION]


def _check_known(revision: str | None, url: str) -> None:
    if revision is not None and revision not in known_revisions():
        raise StoreError(
            f"the database {url} is at schema revision {revision!r}, which this claimwatch does not know "
            f"(newest known: {head_revision()!r}); it was probably upgraded by a newer claimwatch: "
            "upgrade claimwatch, or point it at another database"
        )


def upgrade(engine: Engine, write_engine: Engine) -> str:
    """Bring the schema to head; returns the revision. Safe when several processes start at once."""
    # Fast path, no lock, no alembic: already at head (every CLI call and daemon start, usually).
    if at_head(engine):
        return HEAD_REVISION
    url = engine.url.render_as_string(hide_password=True)
    head = head_revision()
    with engine.connect() as conn:
        revision = current_revision(conn)
    _check_known(revision, url)
    if revision == head:
        return head
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _lock_key()})
            conn.commit()
            try:
                with conn.begin():
                    _upgrade_locked(conn, url)
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _lock_key()})
                conn.commit()
    else:
        # SQLite: BEGIN IMMEDIATE takes the write lock; DDL is transactional, so a second process
        # waits here and then finds the schema at head.
        with write_engine.begin() as conn:
            _upgrade_locked(conn, url)
    return head


def _upgrade_locked(conn: Connection, url: str) -> None:
    revision = current_revision(conn)
    _check_known(revision, url)
    if revision != head_revision():
        from alembic import command

        command.upgrade(alembic_config(conn), "head")


def _lock_key() -> int:
    return MIGRATION_LOCK_KEY
