"""`claimwatch run`, `claimwatch check` and `claimwatch sources`: the daemon and its sources."""

import logging
import sys
from datetime import datetime
from typing import Annotated, Any, ClassVar

import typer

from monitor.cli._common import (
    GLOBALS,
    ConfigOption,
    FormatOption,
    OutputFormat,
    app,
    console,
    emit,
    err_console,
    get_config,
    handle_errors,
    print_line,
    require_secrets,
    startup,
)
from monitor.redact import redact_url
from monitor.timeutil import ensure_utc, utcnow

VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details too.")]


def setup_logging(verbose: bool = False, level: int = logging.INFO) -> None:
    """Daemon logs go to stderr as plain lines (journald / docker add their own timestamps too).
    `-v` (here or before the subcommand) adds debug details; `-q` keeps warnings and errors only."""
    verbose = verbose or GLOBALS.verbose
    if GLOBALS.quiet and not verbose:
        level = max(level, logging.WARNING)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    if _stderr_is_journal():
        handler.setFormatter(_JournalFormatter("%(name)s: %(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else level)
    # APScheduler logs every job run at INFO; trafilatura and httpx chatter at INFO/DEBUG.
    for noisy in ("apscheduler", "httpx", "httpcore", "trafilatura", "htmldate", "courlan"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _stderr_is_journal() -> bool:
    """systemd sets JOURNAL_STREAM=DEVICE:INODE when stderr is the journal (see systemd.exec(5))."""
    import os

    stream = os.environ.get("JOURNAL_STREAM", "")
    device, _, inode = stream.partition(":")
    if not (device.isdigit() and inode.isdigit()):
        return False
    try:
        stat = os.fstat(sys.stderr.fileno())
    except (OSError, ValueError):
        return False
    return (stat.st_dev, stat.st_ino) == (int(device), int(inode))


class _JournalFormatter(logging.Formatter):
    """`<PRIORITY>message` lines: journald keeps each record's level (journalctl -p warning) and adds
    the time itself, so no timestamp of ours."""

    _PRIORITY: ClassVar[dict[int, int]] = {
        logging.CRITICAL: 2,
        logging.ERROR: 3,
        logging.WARNING: 4,
        logging.INFO: 6,
        logging.DEBUG: 7,
    }

    def format(self, record: logging.LogRecord) -> str:
        priority = self._PRIORITY.get(record.levelno, 6 if record.levelno < logging.WARNING else 3)
        # Every line of a traceback carries the priority, or journald would file them as INFO.
        return "\n".join(f"<{priority}>{line}" for line in super().format(record).splitlines())


@app.command("run")
@handle_errors
def run_command(
    config: ConfigOption = None,
    once: Annotated[
        bool, typer.Option("--once", help="Do one pass over every enabled source and exit.")
    ] = False,
    no_alerts: Annotated[
        bool, typer.Option("--no-alerts", help="Queue the alerts but send none (a daemon sends them later).")
    ] = False,
    verbose: VerboseOption = False,
) -> None:
    """Run the monitor in the foreground: check each source on its interval, send alerts, log to stderr.

    SIGTERM or Ctrl-C stops cleanly; SIGHUP reloads the config and the rules. One daemon per SQLite
    database (a second one is refused); several may share a PostgreSQL database.
    """
    setup_logging(verbose)
    with startup():
        from monitor.scheduler import run_daemon

        settings = get_config(config, sources=True)
    if not no_alerts:
        require_secrets(settings)
    # The file actually read (also when found implicitly), so SIGHUP re-reads that same file.
    import asyncio

    daemon = asyncio.run(run_daemon(settings, config_path=settings.path, once=once, alerts=not no_alerts))
    if once and daemon.passes:
        report = daemon.passes[-1]
        logging.getLogger("monitor.cli").info("pass done: %s", _pass_summary(report))
        if report.incomplete:  # the same rule as `check`: see README "Exit status"
            raise typer.Exit(1)


SUMMARY_COLUMNS = ["name", "type", "status", "documents", "new_versions", "changes", "error", "note"]


@app.command("check")
@handle_errors
def check_command(
    sources: Annotated[
        list[str] | None, typer.Argument(help="Source names to check (default: every enabled source).")
    ] = None,
    config: ConfigOption = None,
    no_alerts: Annotated[
        bool, typer.Option("--no-alerts", help="Queue the alerts but send none (a daemon sends them later).")
    ] = False,
    fmt: FormatOption = OutputFormat.table,
    show_all: Annotated[
        bool,
        typer.Option(
            "--all",
            "-a",
            help="Print a row for every source, also to a pipe or file (where only new, changed and "
            "failed sources are printed by default).",
        ),
    ] = False,
    verbose: VerboseOption = False,
) -> None:
    """Check sources once, now (a progress bar on a terminal), then print what each one did.

    On a terminal the table has a row per source; to a pipe or a file (a cron job) only the sources
    with something new, changed or failed, then the summary line (`--all`: every row).
    Exit status 0 when every source was read, 1 when any failed, was busy in another worker's hands
    or had failed articles (the table says which), 2 for a bad config or argument.
    """
    verbose = verbose or GLOBALS.verbose
    setup_logging(verbose, logging.WARNING)
    if not verbose:  # each source's outcome is in the table; the log would repeat it
        logging.getLogger("monitor.checker").setLevel(logging.ERROR)
    with startup():
        import monitor.scheduler  # noqa: F401  (the store, the checker and the fetcher)

        settings = get_config(config, sources=True)
    if not no_alerts:
        require_secrets(settings)
    names = list(sources) if sources else None
    import asyncio

    report = asyncio.run(_check_with_progress(settings, names, alerts=not no_alerts))
    if fmt is OutputFormat.json:
        emit([report.to_dict()], fmt, SUMMARY_COLUMNS)
    elif fmt is OutputFormat.csv:  # an export: every row, always
        emit([r.to_dict() for r in report.results], fmt, SUMMARY_COLUMNS)
    else:
        _print_check_table(report, every_row=show_all or console.is_terminal)
    if report.undelivered:
        err_console.print(
            f"{report.undelivered} alert(s) could not be delivered: claimwatch alerts --status dead",
            markup=False,
        )
    if report.incomplete or report.undelivered:
        raise typer.Exit(1)


def _print_check_table(report: Any, *, every_row: bool) -> None:
    """The table of a pass and its summary line. Not `every_row` (stdout is a pipe or a file, as
    under cron): only the sources worth a look, so a pass over thousands of quiet sources prints a
    few lines, and printing stays cheap (rich's table cost 0.38 s per 1,000 rows)."""
    shown = report.results if every_row else [r for r in report.results if _worth_a_row(r)]
    if shown or not report.results:
        rows = [r.to_dict() for r in shown]
        emit(rows, OutputFormat.table, SUMMARY_COLUMNS, title="check", empty="no sources to check")
    if GLOBALS.quiet:
        return
    summary = _pass_summary(report)
    hidden = len(report.results) - len(shown)
    if hidden:
        summary += f"; {hidden} quiet source(s) not listed (--all lists every one)"
    print_line(console, summary, soft_wrap=True)


def _worth_a_row(result: Any) -> bool:
    """A source whose check found something (a new version, a change, a new article) or did not do
    all it was asked (failed, busy elsewhere, failed articles); not one that was merely unchanged."""
    return bool(result.new_versions or result.changes or result.new_articles or not result.complete)


def _pass_summary(report: Any) -> str:
    summary = (
        f"{report.checked} source(s) checked, {report.new_versions} new version(s), "
        f"{report.changes} change(s), {report.errors} error(s)"
    )
    if report.busy:
        summary += f", {report.busy} busy (being checked by another worker)"
    if report.failed_documents:
        summary += f", {report.failed_documents} article(s) failed"
    return summary


async def _check_with_progress(settings: Any, names: list[str] | None, *, alerts: bool) -> Any:
    from monitor.checker import select_sources
    from monitor.scheduler import check_once

    total = len(select_sources(settings, names))
    if not err_console.is_terminal or total == 0 or GLOBALS.quiet:
        return await check_once(settings, names, alerts=alerts)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("checking", total=total)

        def advance(result: Any) -> None:
            bar.update(task, advance=1, description=f"checked {result.name}")

        return await check_once(settings, names, progress=advance, alerts=alerts)


SOURCE_COLUMNS = [
    "name",
    "type",
    "location",
    "enabled",
    "last_check",
    "last_change",
    "last_status",
    "last_error",
    "consecutive_failures",
    "next_check",
    "note",
]


sources_app = typer.Typer(help="List the sources with their health; mute one's alerts for a while.")
app.add_typer(sources_app, name="sources")


@sources_app.callback(invoke_without_command=True)
@handle_errors
def sources_command(
    ctx: typer.Context, config: ConfigOption = None, fmt: FormatOption = OutputFormat.table
) -> None:
    """List the configured sources with their health: last check, change, status and error, next check."""
    if ctx.invoked_subcommand is not None:
        return
    from sqlmodel import select

    from monitor.alerts.outbox import active_mutes
    from monitor.store import open_store
    from monitor.store.tables import SourceRow

    settings = get_config(config, sources=True)
    store = open_store(settings.database_url)
    try:
        with store.session(write=False) as session:
            stored = {row.name: row for row in session.exec(select(SourceRow)).all()}
            mutes = active_mutes(session, utcnow())
    finally:
        store.close()
    # JSON and CSV are exports: full ISO 8601 times; the table says "5m ago" / "in 12m".
    json_out = fmt is OutputFormat.json
    iso_times = fmt is not OutputFormat.table
    rows: list[dict[str, Any]] = []
    for source in settings.sources:
        row = stored.pop(source.name, None)
        location = redact_url(source.location)  # credentials in a URL are never shown
        record = _source_record(
            source.name, source.type, location, source.enabled, row, json_out, iso_times=iso_times
        )
        rows.append(_with_note(record, settings, row, json_out, mutes.get(("source", source.name))))
    for name, row in sorted(stored.items()):  # checked once, no longer configured: history is kept
        record = _source_record(
            name, row.type, redact_url(row.location), False, row, json_out, removed=True, iso_times=iso_times
        )
        rows.append(_with_note(record, settings, row, json_out, mutes.get(("source", name))))
    emit(rows, fmt, SOURCE_COLUMNS, json_key="sources", title="sources", empty="no sources configured")


def _source_record(
    name: str,
    type_: str,
    location: str,
    enabled: bool,
    row: Any,
    json_out: bool,
    *,
    removed: bool = False,
    iso_times: bool = False,
) -> dict[str, Any]:
    def when(value: datetime | None) -> str | None:
        if value is None:
            return None
        value = ensure_utc(value)
        if json_out or iso_times:
            return value.isoformat()
        return _relative(value)

    return {
        "name": name,
        "type": type_,
        "location": location,
        "enabled": enabled if json_out else ("yes" if enabled else ("removed" if removed else "no")),
        "last_check": when(row.last_checked_at) if row else None,
        "last_change": when(row.last_changed_at) if row else None,
        "last_status": row.last_status if row else None,
        "last_error": row.last_error if row else None,
        "consecutive_failures": row.consecutive_failures if row else 0,
        "next_check": when(row.next_check_at) if row and enabled else None,
        **({"removed": True} if removed and json_out else {}),
    }


def _with_note(
    record: dict[str, Any], settings: Any, row: Any, json_out: bool, muted_until: datetime | None = None
) -> dict[str, Any]:
    from monitor.checker import untracked_note

    untracked = row.untracked_entries if row is not None else 0
    notes = [untracked_note(settings, untracked)]
    if muted_until is not None:
        notes.append(f"alerts muted until {muted_until.strftime('%Y-%m-%dT%H:%MZ')}")
    if json_out:
        record["untracked_entries"] = untracked
        record["muted_until"] = muted_until.isoformat() if muted_until else None
    record["note"] = "; ".join(n for n in notes if n) or None
    return record


def _relative(moment: datetime) -> str:
    """'5m ago' / 'in 12m' (the JSON output has the full UTC times)."""
    delta = (moment - utcnow()).total_seconds()
    seconds = int(abs(delta))
    span = f"{seconds}s"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            span = f"{seconds // size}{unit}"
            break
    return f"in {span}" if delta > 0 else f"{span} ago"
