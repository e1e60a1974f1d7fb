"""Retention and size: `claimwatch db prune --keep 180d` and `claimwatch db stats`.

Pruning drops what only the past versions themselves need: their full text and their extracted
claims. It keeps everything a user queries: every change (with its before and after sentences, in
its payload), every ledger observation (with its sentence), positions, alerts, and each version's row
(times and hashes), so `history`, `show`, `positions` and `alerts` answer as before. The latest
version of each document is never pruned, whatever its age: the next fetch is compared with it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlmodel import Session

from monitor.store.tables import (
    AlertRow,
    ChangeRow,
    ClaimRow,
    DocumentRow,
    ObservationRow,
    PositionRow,
    SourceRow,
    VersionRow,
)

__all__ = ["PruneReport", "database_size", "prunable_versions", "prune", "stats", "vacuum_database"]

_BATCH = 500  # versions per statement: bounded parameter lists on every database


@dataclass(slots=True)
class PruneReport:
    versions: int = 0  # versions whose text was dropped
    claims: int = 0  # claim rows deleted
    text_bytes: int = 0  # characters of version text dropped (about bytes for news text)


def _versions_to_prune(session: Session, before: datetime) -> list[int]:
    """Versions last current before `before`, with text still stored, that are not the latest
    version of their document."""
    versions = VersionRow.__table__  # type: ignore[attr-defined]
    latest = (
        select(versions.c.document_id, func.max(versions.c.id).label("latest_id"))
        .group_by(versions.c.document_id)
        .subquery()
    )
    moment = func.coalesce(versions.c.observed_at, versions.c.fetched_at)
    query = (
        select(versions.c.id)
        .join(latest, latest.c.document_id == versions.c.document_id)
        .where(and_(versions.c.id != latest.c.latest_id, moment < before, versions.c.text != ""))
        .order_by(versions.c.id)
    )
    return [row[0] for row in session.connection().execute(query)]


def prunable_versions(session: Session, before: datetime) -> PruneReport:
    """What `prune` would drop, without dropping it (`--dry-run`)."""
    ids = _versions_to_prune(session, before)
    report = PruneReport(versions=len(ids))
    conn = session.connection()
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        report.claims += conn.execute(
            select(func.count()).select_from(ClaimRow).where(ClaimRow.version_id.in_(chunk))  # type: ignore[attr-defined]
        ).scalar_one()
        report.text_bytes += conn.execute(
            select(func.coalesce(func.sum(func.length(VersionRow.text)), 0)).where(VersionRow.id.in_(chunk))  # type: ignore[union-attr]
        ).scalar_one()
    return report


def prune(session: Session, before: datetime) -> PruneReport:
    """Drop the text and the claims of versions current before `before` (but never a document's
    latest version). Changes, observations, positions and alerts are untouched. One transaction:
    the caller's session commits it."""
    report = prunable_versions(session, before)
    ids = _versions_to_prune(session, before)
    conn = session.connection()
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        conn.execute(delete(ClaimRow).where(ClaimRow.version_id.in_(chunk)))  # type: ignore[attr-defined]
        conn.execute(update(VersionRow).where(VersionRow.id.in_(chunk)).values(text=""))  # type: ignore[union-attr]
    return report


def vacuum_database(store: Any) -> None:
    """Give freed space back to the disk. SQLite's VACUUM cannot run inside a transaction (the
    store's engine always begins one), so it gets a plain connection that waits out a busy daemon."""
    if store.dialect == "sqlite":
        import sqlite3

        from monitor.store import BUSY_TIMEOUT_MS

        connection = sqlite3.connect(
            store.engine.url.database, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        try:
            connection.execute("VACUUM")
            # VACUUM writes the new file through the WAL: fold it back in, or the size on disk doubles.
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            connection.close()
    elif store.dialect == "postgresql":
        with store.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM")


def database_size(store: Any) -> int | None:
    """Bytes on disk: the SQLite file with its -wal and -shm files, or PostgreSQL's database size."""
    if store.dialect == "sqlite":
        database = store.engine.url.database
        if not database or database == ":memory:":
            return None
        path = Path(database)
        return sum(os.path.getsize(p) for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists())
    if store.dialect == "postgresql":
        with store.engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar_one())
    return None


def stats(store: Any) -> dict[str, Any]:
    """Row counts per table, pruned versions, the time span of the versions, and the size on disk."""
    tables = {
        "sources": SourceRow,
        "documents": DocumentRow,
        "versions": VersionRow,
        "claims": ClaimRow,
        "changes": ChangeRow,
        "observations": ObservationRow,
        "positions": PositionRow,
        "alerts": AlertRow,
    }
    with store.session(write=False) as session:
        conn = session.connection()
        counts = {
            name: conn.execute(select(func.count()).select_from(row)).scalar_one()
            for name, row in tables.items()
        }
        pruned = conn.execute(
            select(func.count()).select_from(VersionRow).where(VersionRow.text == "")
        ).scalar_one()
        moment = func.coalesce(VersionRow.observed_at, VersionRow.fetched_at)
        oldest, newest = conn.execute(select(func.min(moment), func.max(moment))).one()
        text_bytes = conn.execute(
            select(func.coalesce(func.sum(func.length(VersionRow.text)), 0))
        ).scalar_one()
    return {
        "database": store.url,
        "size_bytes": database_size(store),
        "rows": counts,
        "versions_pruned": pruned,
        "version_text_bytes": int(text_bytes),
        "oldest_version": _iso(oldest),
        "newest_version": _iso(newest),
    }


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite through a Core select of an expression: the stored string
        value = datetime.fromisoformat(value)
    from monitor.timeutil import ensure_utc

    return ensure_utc(value).isoformat()
