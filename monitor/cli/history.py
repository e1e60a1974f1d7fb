"""`claimwatch ingest`, `history`, `show`, `positions` and `db upgrade`: feed the store by hand and ask it
what changed, who moved, and since when."""

import json
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import typer

from monitor.cli._common import (
    ConfigOption,
    FormatOption,
    OutputFormat,
    app,
    console,
    emit,
    err_console,
    get_config,
    handle_errors,
    require_secrets,
)
from monitor.errors import ExtractError, InputError
from monitor.redact import redact_url
from monitor.timeutil import ensure_utc, parse_moment, utcnow

if TYPE_CHECKING:  # SQLAlchemy (the store) and pydantic (the config): imported by the commands using them
    from monitor.config import Config
    from monitor.store import Store

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _moment(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_moment(value)
    except ValueError as exc:
        raise InputError(f"{option}: {exc}") from None


def _short(moment: Any) -> str:
    """ISO 8601 to the minute, UTC (`2026-12-04T09:26Z`): the tables' form of a time."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return ensure_utc(moment).strftime("%Y-%m-%dT%H:%MZ")


def _gazetteer(config: "Config") -> Any:
    from monitor.claims import load_gazetteer

    return load_gazetteer([config.resolve(p) for p in config.actors])


def _open(config: "Config") -> "Store":
    from monitor.store import open_store

    return open_store(config.database_url)


# --- ingest -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Input:
    url: str  # the document's identity: the URL, or the file's file:// URI
    body: bytes
    content_type: str | None
    default_source: str
    source_type: str


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def _fetch(url: str, config: "Config") -> _Input:
    """One GET through the daemon's own fetcher: the same limits, content types, retries and errors."""
    from monitor.inputs import fetch_url

    body, content_type = fetch_url(url, config.fetch)
    return _Input(url, body, content_type, urlsplit(url).hostname or "web", "page")


def _read(value: str, limit: int) -> _Input:
    from monitor.inputs import read_bytes

    path = Path(value)
    body = read_bytes(path, limit)
    resolved = path.resolve()
    return _Input(resolved.as_uri(), body, None, path.stem, "file")


def _judge(config: "Config", store: "Store") -> Any:
    """The LLM judge when the config has `[judge]`, else None."""
    if config.judge is None:
        return None
    from monitor.judge.service import Judge

    return Judge(config.judge, store)


def alert_hook(config: "Config") -> Any:
    """The pipeline's `on_change` hook: queue the alerts the rules ask for, as the daemon does."""
    from monitor.scheduler import RulesHolder, make_on_change_hook

    return make_on_change_hook(RulesHolder(config))


def deliver_alerts(config: "Config", store: "Store") -> int:
    """Send what this ingest queued before exiting; the daemon retries anything left over.
    Returns how many alerts gave up (dead)."""
    from monitor.alerts.dispatch import deliver_pending

    return deliver_pending(config, store).dead


@app.command()
@handle_errors
def ingest(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Files (text or HTML) or http(s) URLs, oldest first.", show_default=False),
    ],
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            "-s",
            help="Source name (default: the file name, or the URL's host).",
            show_default=False,
        ),
    ] = None,
    published: Annotated[
        str | None,
        typer.Option(
            "--published",
            help="Publication time of these documents (2024-05-31, 2024-05-31T09:04).",
            show_default=False,
        ),
    ] = None,
    no_alerts: Annotated[
        bool, typer.Option("--no-alerts", help="Queue the alerts but send none (a daemon sends them later).")
    ] = False,
    fmt: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Add documents by hand: each becomes a version; changes, positions and alerts follow as in a pass."""
    from monitor.extract import extract_article
    from monitor.model import KIND_ORDER
    from monitor.pipeline import ensure_source, record_version

    settings = get_config(config)
    if not no_alerts:
        require_secrets(settings)
    published_at = _moment(published, "--published")
    # Read and fetch everything first: a missing file or a dead URL stops the command before it stores.
    items = [
        _fetch(value, settings) if _is_url(value) else _read(value, settings.fetch.max_bytes)
        for value in inputs
    ]
    articles = []
    for value, item in zip(inputs, items, strict=True):
        try:
            articles.append(extract_article(item.body, item.content_type, item.url))
        except ExtractError as exc:
            raise InputError(f"{value}: {exc}") from None
    gazetteer = _gazetteer(settings)
    on_change = alert_hook(settings)
    store = _open(settings)
    judge = _judge(settings, store)
    rows: list[dict[str, Any]] = []
    try:
        for value, item, article in zip(inputs, items, articles, strict=True):
            name = source or item.default_source
            if judge is not None:
                from monitor.pipeline import prejudge

                prejudge(store, judge, source=name, url=item.url, text=article.text, gazetteer=gazetteer)
            with store.session() as session:
                configured = next((s for s in settings.sources if s.name == name), None)
                source_row = ensure_source(
                    session,
                    name,
                    type=configured.type if configured else item.source_type,
                    location=configured.location if configured else value,
                )
                outcome = record_version(
                    session,
                    source=source_row,
                    url=item.url,
                    text=article.text,
                    raw=item.body,
                    title=article.title,
                    published_at=published_at or article.published,
                    fetched_at=utcnow(),
                    on_change=on_change,
                    gazetteer=gazetteer,
                    min_text_ratio=settings.articles.min_text_ratio,
                    judge=judge,
                )
            kinds = Counter(change.kind for change in outcome.changes)
            rows.append(
                {
                    "input": redact_url(value),
                    "source": name,
                    "status": outcome.status,
                    "version_id": outcome.version_id,
                    "changes": len(outcome.changes),
                    "kinds": ", ".join(
                        f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda kv: KIND_ORDER[kv[0]])
                    ),
                    "change_ids": list(outcome.change_ids),
                    "error": outcome.error,
                }
            )
        if judge is not None:
            judge.judge_pending(on_change=on_change)  # pairs queued earlier that are due again
        dead = 0 if no_alerts else deliver_alerts(settings, store)
    finally:
        if judge is not None:
            judge.close()
        store.close()
    emit(rows, fmt, ["input", "source", "status", "changes", "kinds", "error"], json_key="ingested")
    # Exit status: the rule every command follows (README "Exit status").
    if dead:
        err_console.print(
            f"{dead} alert(s) could not be delivered: claimwatch alerts --status dead", markup=False
        )
    if dead or any(row["status"] == "failed" for row in rows):
        raise typer.Exit(1)


# --- history ------------------------------------------------------------------------------------------


def _kinds(values: list[str] | None) -> list[str]:
    from monitor.model import ChangeKind

    out: list[str] = []
    for value in values or ():
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            try:
                out.append(str(ChangeKind(part)))
            except ValueError:
                known = ", ".join(k.value for k in ChangeKind)
                raise InputError(f"--kind: unknown change kind {part!r} (one of: {known})") from None
    return out


def _summary(record: dict[str, Any]) -> str:
    before, after = record.get("before") or {}, record.get("after") or {}
    if record["kind"] == "stance_shift":
        text = f"{before.get('stance')} -> {after.get('stance')}"
        if after.get("qualifiers"):
            text += f" ({'; '.join(after['qualifiers'])})"
        return text
    if record["kind"] == "number_changed":
        return f"{before.get('value')} -> {after.get('value')}"
    if record["kind"] == "qualifier_changed":
        was = "; ".join(before.get("qualifiers") or []) or "none"
        now = "; ".join(after.get("qualifiers") or []) or "none"
        return f"{was} -> {now}"
    side = after or before
    text = str(side.get("text", ""))
    return text if len(text) <= 120 else text[:119] + "…"  # the table's cell; CSV and JSON keep it all


# Every field of a change, flat: what `history --format csv` exports (nothing cut short).
HISTORY_CSV_COLUMNS = [
    "id",
    "observed_at",
    "detected_at",
    "kind",
    "origin",
    "actor",
    "topic",
    "proposition",
    "counts",
    "change",
    "confidence",
    "before_stance",
    "after_stance",
    "before_value",
    "after_value",
    "before_qualifiers",
    "after_qualifiers",
    "before_cue",
    "after_cue",
    "before_text",
    "after_text",
    "before_source",
    "after_source",
    "before_url",
    "after_url",
    "before_observed_at",
    "after_observed_at",
    "sources",
    "judged_by",
]


def _csv_record(record: dict[str, Any]) -> dict[str, Any]:
    flat = {key: record.get(key) for key in HISTORY_CSV_COLUMNS}
    flat["change"] = _summary(record) if record["kind"] in _SUMMARISED else None
    for side in ("before", "after"):
        values = record.get(side) or {}
        for key in ("stance", "value", "qualifiers", "cue", "text", "source", "url", "observed_at"):
            flat[f"{side}_{key}"] = values.get(key)
    flat["sources"] = record.get("sources")
    flat["judged_by"] = _judged(record)
    return flat


_SUMMARISED = {"stance_shift", "number_changed", "qualifier_changed"}


def _judged(record: dict[str, Any]) -> str:
    """Who judged a change: "rules" (the engine alone) or the model; "rejected by" when the model
    refused the engine's candidate (kept as evidence, never alerted)."""
    who = str(record.get("judged_by") or "rules")
    return f"rejected by {who}" if record.get("judge_verdict") == "rejected" else who


@app.command()
@handle_errors
def history(
    actor: Annotated[
        str | None,
        typer.Option("--actor", "-a", help="Actor, by name or alias (Washington).", show_default=False),
    ] = None,
    topic: Annotated[
        str | None,
        typer.Option(
            "--topic", "-t", help="Words in the topic, or a regular expression.", show_default=False
        ),
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            "-k",
            help="Change kind (repeat, or comma-separate): stance_shift, ...",
            show_default=False,
        ),
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", "-s", help="Source name.", show_default=False)
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="From this date or age (2024-05-30, 7d, 12h).", show_default=False),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Before this date or age.", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many changes.")] = 50,
    fmt: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """What changed, newest first: position shifts, moved numbers, edited claims."""
    from monitor.quickstore import has_no_changes

    settings = get_config(config)
    kinds = _kinds(kind)
    since_at, until_at = _moment(since, "--since"), _moment(until, "--until")
    gazetteer = _gazetteer(settings) if actor else None
    records: list[dict[str, Any]] = []
    # A store without a single change answers "none" whatever the filters (a --topic pattern is still
    # checked the normal way): that needs neither SQLAlchemy nor the table models (issue 14).
    if topic or not has_no_changes(settings.database_url, source=source):
        from monitor.store import queries

        store = _open(settings)
        try:
            with store.session(write=False) as session:
                rows = queries.history(
                    session,
                    actor=actor,
                    topic=topic,
                    kinds=kinds,
                    source=source,
                    since=since_at,
                    until=until_at,
                    limit=limit,
                    gazetteer=gazetteer,
                )
                records = queries.change_records(session, rows)
        finally:
            store.close()
    if fmt is OutputFormat.json:
        emit(records, fmt, [], json_key="changes")
        return
    if fmt is OutputFormat.csv:
        emit([_csv_record(r) for r in records], fmt, HISTORY_CSV_COLUMNS)
        return
    table = [
        {
            "id": r["id"],
            "observed": _short(r["observed_at"]) if fmt is OutputFormat.table else r["observed_at"],
            "kind": r["kind"],
            "actor": r.get("actor"),
            "topic": r.get("topic") or r.get("counts"),
            "change": _summary(r),
            "source": ", ".join(r["sources"]),
            "judged_by": _judged(r),
        }
        for r in records
    ]
    columns = ["id", "observed", "kind", "actor", "topic", "change", "source", "judged_by"]
    if fmt is OutputFormat.table and all(row["judged_by"] == "rules" for row in table):
        columns.pop()  # no judge in play: the table keeps its width (CSV always has the column)
    emit(
        table,
        fmt,
        columns,
        empty="No changes match.",
    )


# --- show ---------------------------------------------------------------------------------------------


class ShowFormat(StrEnum):
    text = "text"
    json = "json"


def _side_lines(label: str, side: dict[str, Any] | None) -> list[str]:
    if not side:
        return [f"{label}: (none)"]
    head = [side.get("stance"), side.get("value") and f"value {side['value']}"]
    lines = [f"{label}: " + ", ".join(str(h) for h in head if h) if any(head) else f"{label}:"]
    lines.append(f"  text:       {side.get('text', '')}")
    for key, name in (
        ("cue", "cue words"),
        ("qualifiers", "qualifiers"),
        ("attribution", "attributed"),
        ("source", "source"),
        ("url", "url"),
        ("observed_at", "observed"),
    ):
        value = side.get(key)
        if value:
            shown = "; ".join(value) if isinstance(value, list) else value
            lines.append(f"  {name + ':':<11} {shown}")
    return lines


@app.command()
@handle_errors
def show(
    change_id: Annotated[
        int, typer.Argument(help="A change id from `claimwatch history`.", show_default=False)
    ],
    fmt: Annotated[
        ShowFormat, typer.Option("--format", "-f", help="text (readable) or json.")
    ] = ShowFormat.text,
    config: ConfigOption = None,
) -> None:
    """One change with its evidence: both sentences, sources, cue words, qualifiers and the word diff."""
    from monitor.cli.diff import colourise
    from monitor.diff import render_word_diff, word_diff
    from monitor.store import queries

    settings = get_config(config)
    store = _open(settings)
    try:
        with store.session(write=False) as session:
            row = queries.get_change(session, change_id)
            if row is None:
                raise InputError(f"no change with id {change_id}")
            (record,) = queries.change_records(session, [row])
            headline = row.headline
    finally:
        store.close()
    if fmt is ShowFormat.json:
        sys.stdout.write(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        return
    lines = [f"{record['kind']}  #{record['id']}: {headline}"]
    for key in ("actor", "topic", "proposition", "counts"):
        if record.get(key):
            lines.append(f"{key + ':':<12} {record[key]}")
    lines.append(f"{'confidence:':<12} {record.get('confidence')}")
    how = (
        "the position ledger (across documents)" if record["origin"] == "ledger" else "comparing two versions"
    )
    lines.append(f"{'found by:':<12} {how}")
    lines.append(f"{'judged by:':<12} {_judged(record)}")
    lines.append(f"{'observed:':<12} {record['observed_at']}   detected: {record['detected_at']}")
    lines.append("")
    lines += _side_lines("before", record.get("before"))
    lines += _side_lines("after", record.get("after"))
    before, after = record.get("before") or {}, record.get("after") or {}
    pairs = [(op, words) for op, words in record.get("word_diff") or ()]
    if not pairs and before.get("text") and after.get("text"):
        pairs = word_diff(before["text"], after["text"])
    if pairs:
        lines += ["", "word diff:", "  " + render_word_diff(pairs)]
    report = "\n".join(lines) + "\n"
    if console.is_terminal:
        console.print(colourise(report), end="")
    else:
        sys.stdout.write(report)


# --- positions ----------------------------------------------------------------------------------------


class PositionsFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


@app.command()
@handle_errors
def positions(
    actor: Annotated[
        str | None, typer.Option("--actor", "-a", help="Actor, by name or alias.", show_default=False)
    ] = None,
    topic: Annotated[
        str | None,
        typer.Option(
            "--topic", "-t", help="Words in the topic, or a regular expression.", show_default=False
        ),
    ] = None,
    timeline: Annotated[
        bool, typer.Option("--timeline", help="Every observation over time, and where the position moved.")
    ] = False,
    fmt: Annotated[
        PositionsFormat,
        typer.Option(
            "--format",
            "-f",
            help="Output format; html: the timeline as one self-contained page (implies --timeline).",
        ),
    ] = PositionsFormat.table,
    config: ConfigOption = None,
) -> None:
    """Each actor's current stance on each topic, and when it last moved.

    `--timeline --format html > page.html` draws who moved: per actor and topic, support / undecided /
    oppose lanes over time, one mark per observation coloured by source, the shifts marked, and the
    evidence under each chart. The page needs no network to open.
    """
    from monitor.store import queries

    if fmt is PositionsFormat.html:
        timeline = True
    settings = get_config(config)
    gazetteer = _gazetteer(settings) if actor else None
    store = _open(settings)
    try:
        with store.session(write=False) as session:
            if timeline:
                records = [
                    e.record()
                    for e in queries.timeline(session, actor=actor, topic=topic, gazetteer=gazetteer)
                ]
            else:
                records = [
                    queries.position_record(p)
                    for p in queries.positions(session, actor=actor, topic=topic, gazetteer=gazetteer)
                ]
    finally:
        store.close()
    if fmt is PositionsFormat.html:
        from monitor.timeline_page import render_timeline_page

        wanted = ", ".join(f"{k} {v!r}" for k, v in (("actor", actor), ("topic", topic)) if v)
        page = render_timeline_page(records, subtitle=wanted)
        sys.stdout.buffer.write(page.encode("utf-8"))
        sys.stdout.flush()
        return
    out_fmt = OutputFormat(fmt.value)
    if out_fmt is OutputFormat.json:
        emit(records, out_fmt, [], json_key="timeline" if timeline else "positions")
        return
    short = out_fmt is OutputFormat.table
    if timeline:
        rows = [
            {
                **r,
                "observed_at": _short(r["observed_at"]) if short else r["observed_at"],
                "moved": f"shift #{r['change_id']}" if r["moved"] else "",
            }
            for r in records
        ]
        columns = ["observed_at", "actor", "topic", "stance", "moved", "qualifiers", "source", "text"]
    else:
        rows = [
            {
                **r,
                "since": _short(r["since"]) if short else r["since"],
                "last_observed_at": _short(r["last_observed_at"]) if short else r["last_observed_at"],
            }
            for r in records
        ]
        columns = ["actor", "topic", "stance", "qualifiers", "since", "last_observed_at", "last_change_id"]
    emit(rows, out_fmt, columns, empty="No positions recorded yet.")


# --- db -----------------------------------------------------------------------------------------------


@db_app.command("upgrade")
@handle_errors
def db_upgrade(config: ConfigOption = None) -> None:
    """Apply pending schema migrations (claimwatch also does this on start) and print the revision."""
    settings = get_config(config)
    from rich.markup import escape

    from monitor.store import open_store

    store = open_store(settings.database_url, migrate=False)
    try:
        before = store.info().revision
        revision = store.upgrade()
        url = store.url
    finally:
        store.close()
    if before == revision:
        console.print(f"database {escape(url)} is at revision {revision} (up to date)")
    else:
        console.print(f"database {escape(url)} upgraded from {before or 'empty'} to revision {revision}")
