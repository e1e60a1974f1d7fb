"""Run the installed claimwatch as a user would: a subprocess, in a folder of the test's, with no
CLAIMWATCH_ variable of the caller's environment leaking in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def claimwatch(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMWATCH_")}
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )
