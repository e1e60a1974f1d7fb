"""The `claimwatch` command line: one obvious job per command, `--format` everywhere it prints data.

Each group of commands lives in its own module and registers itself on `app` when imported; this
package holds what they share (`_common`): the `--config` option, `--format` output and error lines.
"""

import importlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli import _common
from monitor.cli._common import GLOBALS, ClickException, NoArgsIsHelpError, app, err_console
from monitor.errors import ClaimwatchError

# Imported in this order so that `claimwatch --help` lists the commands in it.
COMMAND_MODULES = (
    "diff",
    "claims",
    "demo",
    "daemon",
    "history",
    "db",
    "rules",
    "mutes",
    "sources_edit",
    "alerts",
    "judge",
)
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
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="Config file for the command (the command's own --config wins).",
            show_default=False,
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details too.")] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Warnings and errors only: no progress, logs or summaries.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            help="Print the version and the claim engine's build, then exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Watch news sources and get told when a position shifts, not merely when text changes."""
    GLOBALS.config, GLOBALS.verbose, GLOBALS.quiet = config, verbose, quiet


def main() -> None:
    """The `claimwatch` command: every error, usage errors included, as one `claimwatch: error:` line."""
    _common.OWN_PROCESS = True
    try:
        code = app(prog_name="claimwatch", standalone_mode=False)
    except NoArgsIsHelpError as exc:  # `claimwatch` or `claimwatch rules` alone: the help, as asked
        typer.echo(exc.ctx.get_help())
        sys.exit(0)
    except ClickException as exc:  # a usage error: the same one-line form as every other error
        where = exc.ctx.command_path if getattr(exc, "ctx", None) else "claimwatch"
        err_console.print(
            f"claimwatch: error: {exc.format_message()} (see `{where} --help`)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("claimwatch: error: aborted", markup=False, highlight=False)
        sys.exit(1)
    except ClaimwatchError as exc:  # raised outside a command (rare): same one-line form
        err_console.print(f"claimwatch: error: {exc}", markup=False, highlight=False)
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["app", "main"]
