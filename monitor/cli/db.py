"""`claimwatch db prune` and `claimwatch db stats`: retention and size (`db upgrade` is in history.py)."""

import json
import sys
from typing import Annotated, Any

import typer

from monitor.cli._common import (
    GLOBALS,
    ConfigOption,
    FormatOption,
    OutputFormat,
    console,
    emit,
    err_console,
    get_config,
    handle_errors,
)
from monitor.cli.history import db_app
from monitor.errors import InputError
from monitor.timeutil import parse_duration, utcnow


def _size(value: int | None) -> str:
    if value is None:
        return "unknown"
    size = float(value)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{value} B"


@db_app.command("prune")
@handle_errors
def db_prune(
    keep: Annotated[
        str,
        typer.Option(
            "--keep",
            help="Keep the text and claims of versions younger than this (180d, 26w).",
            show_default=False,
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be dropped; drop nothing.")
    ] = False,
    vacuum: Annotated[
        bool,
        typer.Option(
            "--vacuum", help="Then give the space back to the disk (SQLite VACUUM; needs no daemon)."
        ),
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Drop old versions' text and claims; every change, observation, position and alert stays.

    A document's latest version is kept whatever its age (the next fetch is compared with it).
    """
    from monitor.store import open_store
    from monitor.store.maintenance import database_size, prunable_versions, prune, vacuum_database

    try:
        age = parse_duration(keep)
    except ValueError as exc:
        raise InputError(f"--keep: {exc}") from None
    if age.total_seconds() <= 0:
        raise InputError("--keep: must be a positive age, e.g. 180d")
    before = utcnow() - age
    settings = get_config(config)
    store = open_store(settings.database_url)
    try:
        size_before = database_size(store)
        with store.session(write=not dry_run) as session:
            report = prunable_versions(session, before) if dry_run else prune(session, before)
        if vacuum and not dry_run:
            vacuum_database(store)
        size_after = database_size(store)
    finally:
        store.close()
    verb = "would drop" if dry_run else "dropped"
    console.print(
        f"{verb} the text of {report.versions} version(s) older than {keep} ({_size(report.text_bytes)}) "
        f"and {report.claims} claim(s); changes, observations, positions and alerts kept",
        markup=False,
        soft_wrap=True,
    )
    if not dry_run and not GLOBALS.quiet:
        note = "" if vacuum else " (run with --vacuum to give freed space back to the disk)"
        err_console.print(f"database size: {_size(size_before)} -> {_size(size_after)}{note}", markup=False)


@db_app.command("stats")
@handle_errors
def db_stats(config: ConfigOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """The database's size on disk, rows per table, pruned versions and the span of the versions."""
    from monitor.store import open_store
    from monitor.store.maintenance import stats

    settings = get_config(config)
    store = open_store(settings.database_url)
    try:
        found = stats(store)
    finally:
        store.close()
    if fmt is OutputFormat.json:
        sys.stdout.write(json.dumps(found, indent=2) + "\n")
        return
    rows: list[dict[str, Any]] = [
        {"what": "database", "value": found["database"]},
        {"what": "size on disk", "value": f"{_size(found['size_bytes'])} ({found['size_bytes']} bytes)"},
        *({"what": name, "value": count} for name, count in found["rows"].items()),
        {"what": "versions pruned", "value": found["versions_pruned"]},
        {"what": "version text", "value": _size(found["version_text_bytes"])},
        {"what": "oldest version", "value": found["oldest_version"]},
        {"what": "newest version", "value": found["newest_version"]},
    ]
    emit(rows, fmt, ["what", "value"], title="db stats")
