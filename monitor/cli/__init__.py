"""The `claimwatch` command line: one obvious job per command, `--format` everywhere it prints data.

Each group of commands lives in its own module and registers itself on `app` when imported; this
package holds what they share (`_common`): the `--config` option, `--format` output and error lines.
"""

from __future__ import annotations

import importlib
import sys
from typing import Annotated

import typer

from monitor.cli import _common
from monitor.cli._common import app, err_console
from monitor.errors import ClaimwatchError

# Imported in this order so that `claimwatch --help` lists the commands in it.
COMMAND_MODULES = ("diff", "demo", "daemon", "history", "rules", "alerts", "judge")
for _name in COMMAND_MODULES:
    importlib.import_module(f"monitor.cli.{_name}")


def _print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version  # not at the top: 15 ms on every command's start-up

        from monitor.claims import engine_build

        build = "compiled with mypyc" if engine_build() == "compiled" else "pure Python"
        typer.echo(f"claimwatch {version('claimwatch')} (claim engine: {build})")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and the claim engine's build, then exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Watch news sources and get told when a position shifts, not merely when text changes."""


def main() -> None:
    _common.OWN_PROCESS = True
    try:
        app(standalone_mode=True)
    except ClaimwatchError as exc:  # raised outside a command (rare): same one-line form
        err_console.print(f"claimwatch: error: {exc}", markup=False, highlight=False)
        sys.exit(exc.exit_code)


__all__ = ["app", "main"]
