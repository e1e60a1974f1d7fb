"""The `claimwatch` command line: one obvious job per command, `--format` everywhere it prints data.

Each group of commands lives in its own module and registers itself on `app`; this module holds what
they share: the `--config` option, `--format` output (table, json, csv) and one-line errors.
"""

from __future__ import annotations

import sys

from monitor.cli._common import app, console, err_console  # noqa: F401  (re-exported for submodules)
from monitor.errors import ClaimwatchError

# Command modules register on `app` when imported; keep this list in the order of `--help`.
from monitor.cli import diff as _diff  # noqa: E402,F401,I001
from monitor.cli import daemon as _daemon  # noqa: E402,F401
from monitor.cli import history as _history  # noqa: E402,F401
from monitor.cli import rules as _rules  # noqa: E402,F401
from monitor.cli import alerts as _alerts  # noqa: E402,F401


def main() -> None:
    try:
        app(standalone_mode=True)
    except ClaimwatchError as exc:  # raised outside a command (rare): same one-line form
        err_console.print(f"claimwatch: error: {exc}", markup=False, highlight=False)
        sys.exit(exc.exit_code)
