"""`claimwatch judge stats|export|import|run`: the LLM judge's bill, its batch mode, its queue."""

import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from monitor.cli._common import (
    ConfigOption,
    FormatOption,
    OutputFormat,
    app,
    emit,
    get_config,
    handle_errors,
)
from monitor.errors import InputError
from monitor.timeutil import parse_moment

if TYPE_CHECKING:  # pydantic's config models: imported by the commands that load a config
    from monitor.config import Config, JudgeConfig

judge_app = typer.Typer(
    help="The optional LLM judge: what it cost, batch export/import, the pairs waiting for it.",
    no_args_is_help=True,
)
app.add_typer(judge_app, name="judge")


class ModeOption(StrEnum):
    verify = "verify"
    full = "full"


def judge_config(settings: "Config", mode: ModeOption | None = None) -> "JudgeConfig":
    """The config's `[judge]`, with `mode` overridden when given; InputError when there is none."""
    if settings.judge is None:
        where = f" ({settings.path})" if settings.path else ""
        raise InputError(f"no [judge] section in the config{where}: see README 'The LLM judge'")
    return replace_mode(settings.judge, mode)


def replace_mode(config: "JudgeConfig", mode: ModeOption | None) -> "JudgeConfig":
    return config.model_copy(update={"mode": str(mode)}) if mode is not None else config


def open_judge(settings: "Config", mode: ModeOption | None = None) -> Any:
    from monitor.cli.history import _open
    from monitor.judge.service import Judge

    config = judge_config(settings, mode)
    return Judge(config, _open(settings))


@judge_app.command("stats")
@handle_errors
def stats(
    since: Annotated[
        str | None,
        typer.Option("--since", help="Count from this date or age (7d, 2024-05-30).", show_default=False),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Requests sent, tokens used, cache hits, refused findings, failures and the queue."""
    from monitor.cli.history import _open
    from monitor.judge import cache

    settings = get_config(config)
    since_at: datetime | None = parse_moment(since) if since else None
    store = _open(settings)
    try:
        with store.session(write=False) as session:
            figures = cache.stats(session, since=since_at)
    finally:
        store.close()
    data = figures.to_dict()
    if fmt is OutputFormat.json:
        emit([data], fmt, [], json_key=None)
        return
    rows = [{"what": key, "value": value} for key, value in data.items() if key != "failures"]
    rows += [{"what": f"failed: {outcome}", "value": n} for outcome, n in data["failures"].items()]
    emit(rows, fmt, ["what", "value"], title="judge")


def _case_dirs(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder of cases")
    cases = sorted(p for p in folder.iterdir() if (p / "old.txt").is_file() and (p / "new.txt").is_file())
    if not cases:
        raise InputError(f"{folder}: no case folders holding old.txt and new.txt")
    return cases


@judge_app.command("export")
@handle_errors
def export(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the JSONL here (a new file; default: stdout).", show_default=False
        ),
    ] = None,
    cases: Annotated[
        Path | None,
        typer.Option(
            "--cases",
            help="Build the requests of every case folder (old.txt, new.txt) here "
            "first, queued like the requests `diff --judge` leaves; export only those.",
            show_default=False,
        ),
    ] = None,
    mode: Annotated[
        ModeOption | None,
        typer.Option("--mode", help="verify or full (default: the config's judge mode).", show_default=False),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Pending requests as OpenAI Batch API request lines (JSONL; custom_id = the cache key)."""
    from monitor.claims import load_gazetteer
    from monitor.diff import diff_texts
    from monitor.inputs import read_document
    from monitor.judge import cache
    from monitor.judge.backends import OpenAIJudge
    from monitor.judge.batch import export_lines
    from monitor.judge.request import JudgeRequest

    settings = get_config(config)
    if output is not None and output.exists():
        raise InputError(f"{output}: exists already; claimwatch does not overwrite files")
    judge = open_judge(settings, mode)
    requests: list[JudgeRequest] = []
    try:
        if cases is not None:
            gazetteer = load_gazetteer([settings.resolve(p) for p in settings.actors])
            for case in _case_dirs(cases):
                old, _ = read_document(case / "old.txt")
                new, _ = read_document(case / "new.txt")
                request = judge.build(old, new, diff_texts(old, new, gazetteer=gazetteer))
                if request is None:
                    continue
                with judge.store.session() as session:
                    if cache.get_answer(session, request.key) is None:
                        cache.queue_request(session, request, error="exported for a batch")
                        requests.append(request)
        else:
            with judge.store.session(write=False) as session:
                rows = cache.pending_requests(session, due_only=False)
            requests = [
                JudgeRequest(model=r.model, mode=r.mode, body=r.request, prompt_version=r.prompt_version)  # type: ignore[arg-type]
                for r in rows
            ]
        backend = judge.backend if isinstance(judge.backend, OpenAIJudge) else None
        lines = list(export_lines(requests, backend))
    finally:
        judge.close()
        judge.store.close()
    text = "".join(line + "\n" for line in lines)
    if output is None:
        sys.stdout.write(text)
    else:
        try:
            with output.open("x", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise InputError(f"{output}: {exc}") from None
    print(f"{len(lines)} request(s) exported", file=sys.stderr)


@judge_app.command("import")
@handle_errors
def import_(
    results: Annotated[Path, typer.Argument(help="A Batch API result file (JSONL).", show_default=False)],
    fmt: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Read Batch API result lines into the answer cache; later runs use them."""
    from monitor.cli.history import _open
    from monitor.judge.batch import import_results, read_lines

    settings = get_config(config)
    lines = read_lines(results)
    store = _open(settings)
    try:
        with store.session() as session:
            report = import_results(session, lines, source=str(results))
    finally:
        store.close()
    for reason in report.refused:
        print(f"refused {reason}", file=sys.stderr)
    row = {
        "imported": report.imported,
        "already_cached": report.already,
        "no_pending_request": report.unknown,
        "refused": len(report.refused),
    }
    emit([row], fmt, list(row), json_key="import")


@judge_app.command("run")
@handle_errors
def run(
    cache_only: Annotated[
        bool, typer.Option("--cache-only", help="Apply answers already cached (imported); ask nobody.")
    ] = False,
    fmt: FormatOption = OutputFormat.table,
    config: ConfigOption = None,
) -> None:
    """Judge the queued pairs that are due now; apply the answers to their stored changes and alert."""
    from monitor.cli.history import alert_hook, deliver_alerts

    settings = get_config(config)
    judge = open_judge(settings)
    try:
        counts = judge.judge_pending(on_change=alert_hook(settings), cache_only=cache_only)
        deliver_alerts(settings, judge.store)
    finally:
        judge.close()
        judge.store.close()
    emit([counts], fmt, list(counts), json_key="judge")
