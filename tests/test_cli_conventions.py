"""The command line's conventions (issue 13): global options before the subcommand, -h, -V, -q,
usage errors as one line, and what the built-in defaults mean when no config file is found. Run as
a user runs it: `python -m monitor` in a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cliproc import claimwatch


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere" / "desk.toml"
    path.parent.mkdir()
    path.write_text(
        '[store]\nurl = "sqlite:///desk.db"\n[[sources]]\nname = "wire"\nurl = "http://127.0.0.1:9/x"\n'
    )
    return path


def test_global_options_go_before_the_subcommand(tmp_path: Path, config: Path) -> None:
    result = claimwatch("--config", str(config), "history", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"changes": []}
    assert (config.parent / "desk.db").is_file()  # that config's database, not a default one
    listed = claimwatch("-c", str(config), "-q", "sources", "--format", "csv", cwd=tmp_path)
    assert listed.returncode == 0 and listed.stdout.splitlines()[1].startswith("wire,page,")
    assert listed.stderr == ""


def test_help_version_and_usage_errors(tmp_path: Path) -> None:
    helped = claimwatch("history", "-h", cwd=tmp_path)
    assert helped.returncode == 0 and "Usage: claimwatch history" in helped.stdout
    version = claimwatch("-V", cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("claimwatch ")
    for args, words in (
        (["history", "--bogus"], "No such option: --bogus"),
        (["diff"], "Missing argument"),
        (["history", "--format", "xml"], "'xml' is not one of"),
        (["nosuchcommand"], "No such command"),
    ):
        result = claimwatch(*args, cwd=tmp_path)
        assert result.returncode == 2, args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("claimwatch: error: ") and words in lines[0], (
            result.stderr
        )
        assert "╭" not in result.stderr and "Traceback" not in result.stderr


def test_without_a_config_file_the_defaults_and_the_database_are_named(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    result = claimwatch("sources", cwd=tmp_path, home=home)
    assert result.returncode == 0, result.stderr
    assert "no config file found" in result.stderr
    assert f"database sqlite:///{home / 'data' / 'claimwatch' / 'claimwatch.db'}" in result.stderr
    assert "warning: no sources configured" in result.stderr
    quiet = claimwatch("-q", "sources", cwd=tmp_path, home=home)
    assert quiet.returncode == 0 and quiet.stderr == ""
