"""`claimwatch demo`, the README's main-job command, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def claimwatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args], capture_output=True, text=True, timeout=300
    )


def test_demo_plays_the_sample_and_leaves_a_queryable_store(tmp_path: Path) -> None:
    result = claimwatch("demo", "--dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "version 3 of 3" in out
    assert "United States: oppose -> support" in out and "Germany: oppose -> support" in out
    assert "claimwatch alert" in out, "the console channel printed the alerts"

    config = str(tmp_path / "claimwatch.toml")
    shifts = json.loads(
        claimwatch("history", "--kind", "stance_shift", "--format", "json", "--config", config).stdout
    )["changes"]
    assert sorted(c["actor"] for c in shifts) == ["Germany", "United States"]
    us = next(c for c in shifts if c["actor"] == "United States")
    assert any("Kharkiv" in q for q in us["after"]["qualifiers"])

    positions = json.loads(
        claimwatch("positions", "--actor", "Washington", "--format", "json", "--config", config).stdout
    )["positions"]
    assert {p["stance"] for p in positions if "strike" in p["topic"]} == {"support"}

    alerts = json.loads(claimwatch("alerts", "--format", "json", "--config", config).stdout)["alerts"]
    assert len(alerts) == 2 and {a["status"] for a in alerts} == {"sent"}

    # Playing it again in the same folder starts over: the same two alerts, not the reverse shifts.
    again = claimwatch("demo", "--dir", str(tmp_path))
    assert again.returncode == 0, again.stderr
    alerts = json.loads(claimwatch("alerts", "--format", "json", "--config", config).stdout)["alerts"]
    assert len(alerts) == 2 and {a["status"] for a in alerts} == {"sent"}
