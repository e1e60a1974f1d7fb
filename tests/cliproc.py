"""Run the installed claimwatch as a user would: a subprocess, in a folder of the test's, with no
CLAIMWATCH_ variable of the caller's environment leaking in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def claimwatch(
    *args: str, cwd: Path, home: Path | None = None, drop: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """`home`: run with an empty user config and data dir there; `drop`: more variables to leave out
    ("COLUMNS", so a table's width is the default's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMWATCH_") and k not in drop}
    if home is not None:
        env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / "data"))
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )
