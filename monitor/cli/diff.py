"""`claimwatch diff OLD NEW`: the claim-level differ on two files or URLs."""

from __future__ import annotations

import json
import re
import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.text import Text

from monitor.cli._common import ConfigOption, app, console, get_config, handle_errors
from monitor.inputs import read_text
from monitor.model import KIND_ORDER


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


def colourise(report: str) -> Text:
    """Colour a plain report: word-diff markers and the headline of each change."""
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

    settings = get_config(config, announce=False)
    old_text, _ = read_text(old, settings.fetch)
    new_text, _ = read_text(new, settings.fetch)
    gazetteer = load_gazetteer([settings.resolve(p) for p in settings.actors])
    changes = sorted(diff_texts(old_text, new_text, gazetteer=gazetteer), key=lambda c: KIND_ORDER[c.kind])
    if fmt is DiffFormat.json:
        sys.stdout.write(
            json.dumps({"changes": [c.to_dict() for c in changes]}, indent=2, ensure_ascii=False)
        )
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
    _exit_for_shifts(changes, exit_code)


def _exit_for_shifts(changes: list[Any], wanted: bool) -> None:
    if wanted and any(change.kind == "stance_shift" for change in changes):
        raise typer.Exit(1)
