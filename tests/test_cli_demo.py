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


def claimwatch_in(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args], capture_output=True, text=True, timeout=300, cwd=cwd
    )


def test_demo_with_a_relative_dir_keeps_its_database_there_and_starts_over_cleanly(tmp_path: Path) -> None:
    """Issue 13.1: `--dir rel` put the database in rel/rel/, so the clean-up missed it and demos piled up."""
    for _ in range(2):
        result = claimwatch_in(tmp_path, "demo", "--dir", "rel")
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "rel" / "claimwatch.db").is_file()
    assert not (tmp_path / "rel" / "rel").exists()
    config = str(tmp_path / "rel" / "claimwatch.toml")
    alerts = json.loads(claimwatch("alerts", "--format", "json", "--config", config).stdout)["alerts"]
    assert len(alerts) == 2, "the second demo started over on its own database"
    shifts = json.loads(
        claimwatch("history", "--kind", "stance_shift", "--format", "json", "--config", config).stdout
    )["changes"]
    assert {(c["before"]["stance"], c["after"]["stance"]) for c in shifts} == {("oppose", "support")}


def test_demo_refuses_a_users_config_database_and_story(tmp_path: Path) -> None:
    """Issue 13.1: the demo overwrote a user's claimwatch.toml and deleted the database beside it."""
    user_config = 'rules = "mine"\n[store]\nurl = "sqlite:///claimwatch.db"\n'
    (tmp_path / "claimwatch.toml").write_text(user_config)
    (tmp_path / "claimwatch.db").write_bytes(b"a user's database")
    (tmp_path / "story.txt").write_text("my draft")
    (tmp_path / ".claimwatch-demo.json").write_text('{"mine": true}')  # a file of that name, not a demo's
    result = claimwatch("demo", "--dir", str(tmp_path))
    assert result.returncode == 2
    assert "claimwatch: error:" in result.stderr and "--force" in result.stderr
    assert "claimwatch.toml" in result.stderr and "claimwatch.db" in result.stderr
    assert (tmp_path / "claimwatch.toml").read_text() == user_config
    assert (tmp_path / "claimwatch.db").read_bytes() == b"a user's database"
    assert (tmp_path / "story.txt").read_text() == "my draft"
    assert (tmp_path / ".claimwatch-demo.json").read_text() == '{"mine": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".claimwatch-demo.json",
        "claimwatch.db",
        "claimwatch.toml",
        "story.txt",
    ]


def test_demo_refuses_its_own_config_once_the_user_edited_it(tmp_path: Path) -> None:
    assert claimwatch("demo", "--dir", str(tmp_path)).returncode == 0
    config = tmp_path / "claimwatch.toml"
    edited = config.read_text() + "\n# my own notes\n"
    config.write_text(edited)
    result = claimwatch("demo", "--dir", str(tmp_path))
    assert result.returncode == 2 and "claimwatch.toml" in result.stderr
    assert config.read_text() == edited


def test_demo_force_moves_a_users_files_aside_and_deletes_nothing(tmp_path: Path) -> None:
    (tmp_path / "claimwatch.toml").write_text("# mine\n")
    (tmp_path / "claimwatch.db").write_bytes(b"mine")
    (tmp_path / "claimwatch.toml.bak").write_text("# an older backup of mine\n")
    result = claimwatch("demo", "--dir", str(tmp_path), "--force")
    assert result.returncode == 0, result.stderr
    assert "moved" in result.stderr
    assert (tmp_path / "claimwatch.toml.bak").read_text() == "# an older backup of mine\n"
    assert (tmp_path / "claimwatch.toml.bak.1").read_text() == "# mine\n"
    assert (tmp_path / "claimwatch.db.bak").read_bytes() == b"mine"
    assert "United States: oppose -> support" in result.stdout
