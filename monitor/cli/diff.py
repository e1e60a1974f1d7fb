"""`claimwatch diff OLD NEW`: the claim-level differ on two files or URLs."""

import json
import re
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from monitor.cli._common import ConfigOption, app, console, get_config, handle_errors
from monitor.errors import ClaimwatchError, InputError
from monitor.inputs import read_text

if TYPE_CHECKING:
    from rich.text import Text


class DiffFormat(StrEnum):
    text = "text"
    json = "json"


_MARKERS = re.compile(r"\[-(.*?)-\]|\{\+(.*?)\+\}", re.DOTALL)
_KIND_STYLE = {
    "stance_shift": "bold red",
    "qualifier_changed": "bold yellow",
    "number_changed": "bold magenta",
    "attribution_changed": "bold cyan",
}


def colourise(report: str) -> "Text":
    """Colour a plain report: word-diff markers and the headline of each change."""
    from rich.text import Text

    out = Text()
    for line in report.splitlines(keepends=True):
        style = next((s for kind, s in _KIND_STYLE.items() if line.startswith(kind)), None)
        if style:
            out.append(line, style=style)
            continue
        position = 0
        for match in _MARKERS.finditer(line):
            out.append(line[position : match.start()])
            if match.group(1) is not None:
                out.append(match.group(1), style="red strike")
            else:
                out.append(match.group(2), style="green underline")
            position = match.end()
        out.append(line[position:])
    return out


@app.command()
@handle_errors
def diff(
    old: Annotated[
        str,
        typer.Argument(
            help="The older version: a plain-text or HTML file, or an http(s) URL.", show_default=False
        ),
    ],
    new: Annotated[
        str,
        typer.Argument(
            help="The newer version: a plain-text or HTML file, or an http(s) URL.", show_default=False
        ),
    ],
    fmt: Annotated[
        DiffFormat, typer.Option("--format", "-f", help="text (readable) or json.")
    ] = DiffFormat.text,
    all_kinds: Annotated[
        bool, typer.Option("--all", help="Text format: also list added, removed and reworded claims.")
    ] = False,
    judge: Annotated[
        bool,
        typer.Option(
            "--judge",
            help="Have the judge model (the config's judge section) confirm (verify) or find (full) "
            "shifts; cached; the engine's result stands, the request queued, when it cannot answer.",
        ),
    ] = False,
    cache_only: Annotated[
        bool, typer.Option("--cache-only", help="With --judge: use cached (imported) answers; ask nobody.")
    ] = False,
    require_answer: Annotated[
        bool,
        typer.Option(
            "--require-answer",
            help="With --judge: exit 1 when the judge gave no answer, instead of printing the engine's "
            "result (for evaluations).",
        ),
    ] = False,
    judge_mode: Annotated[
        str | None,
        typer.Option(
            "--judge-mode",
            help="With --judge: verify or full (default: the config's judge mode).",
            show_default=False,
        ),
    ] = None,
    exit_code: Annotated[
        bool,
        typer.Option(
            "--exit-code",
            help="Exit 1 when a stance shift was found, 0 when none (like `git diff --exit-code`).",
        ),
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Compare two versions of a story claim by claim: who changed position, which numbers moved."""
    from monitor.claims import load_gazetteer
    from monitor.diff import diff_texts
    from monitor.diff.report import render_text
    from monitor.model import KIND_ORDER

    settings = get_config(config, announce=False)
    old_text, _ = read_text(old, settings.fetch)
    new_text, _ = read_text(new, settings.fetch)
    gazetteer = load_gazetteer([settings.resolve(p) for p in settings.actors])
    changes = sorted(diff_texts(old_text, new_text, gazetteer=gazetteer), key=lambda c: KIND_ORDER[c.kind])
    verdict = None
    if judge:
        verdict = _judge(settings, old_text, new_text, changes, cache_only=cache_only, mode=judge_mode)
        changes = sorted(verdict.changes, key=lambda c: KIND_ORDER[c.kind])
        if require_answer and not verdict.judged and verdict.key is not None:
            raise ClaimwatchError(f"the judge gave no answer ({verdict.error}); the request is queued")
    elif cache_only or judge_mode or require_answer:
        raise InputError("--cache-only, --judge-mode and --require-answer go with --judge")
    if fmt is DiffFormat.json:
        out: dict[str, object] = {"changes": [c.to_dict() for c in changes]}
        if verdict is not None:
            out["judge"] = {
                "judged": verdict.judged,
                "judged_by": settings.judge.model if verdict.judged and settings.judge else "rules",
                "rejected": [c.to_dict() for c in verdict.rejected],
                "pending": not verdict.judged and verdict.key is not None,
                "error": verdict.error,
            }
        sys.stdout.write(json.dumps(out, indent=2, ensure_ascii=False))
        sys.stdout.write("\n")
        _exit_for_shifts(changes, exit_code)
        return
    minor = {"claim_added", "claim_removed", "claim_reworded"}
    shown = changes if all_kinds else [c for c in changes if c.kind not in minor]
    hidden = len(changes) - len(shown)
    report = render_text(shown) if shown else "No position shifts or number changes.\n"
    console.print(colourise(report), end="")
    if hidden:
        console.print(
            f"\n({hidden} added, removed or reworded claims not shown; --all lists them)", style="dim"
        )
    if verdict is not None:
        console.print(_judge_note(verdict, settings), style="dim", markup=False)
    _exit_for_shifts(changes, exit_code)


def _judge(
    settings: Any, old: str, new: str, changes: list[Any], *, cache_only: bool, mode: str | None
) -> Any:
    from monitor.cli.judge import ModeOption, open_judge

    if mode is not None and mode not in ("verify", "full"):
        raise InputError(f"--judge-mode: {mode!r} is neither verify nor full")
    judge = open_judge(settings, ModeOption(mode) if mode else None)
    try:
        return judge.judge_texts(old, new, changes, cache_only=cache_only)
    finally:
        judge.close()
        judge.store.close()


def _judge_note(verdict: Any, settings: Any) -> str:
    if verdict.judged:
        rejected = f"; {len(verdict.rejected)} engine candidate(s) rejected" if verdict.rejected else ""
        return f"\njudged by {settings.judge.model}{rejected}"
    if verdict.key is None:
        return "\nnothing for the judge to check: the engine's result (judged by rules)"
    return f"\nnot judged ({verdict.error}): the engine's result (judged by rules); the request is queued"


def _exit_for_shifts(changes: list[Any], wanted: bool) -> None:
    if wanted and any(change.kind == "stance_shift" for change in changes):
        raise typer.Exit(1)
