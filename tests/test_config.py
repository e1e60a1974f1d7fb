"""Config discovery, validation and file:line errors, through the loader and the real CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config import default_config, find_config, load_config, parse_config
from monitor.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "claimwatch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_is_valid() -> None:
    config = parse_config(REPO / "config.example.toml")
    assert {s.name for s in config.sources} >= {"ap-world", "nato-live", "desk-notes"}
    assert config.channels["desk-slack"].type == "slack"
    assert config.source("ap-world").interval == timedelta(minutes=15)
    assert config.articles.recheck[0].every == timedelta(minutes=15)


def test_relative_paths_resolve_against_the_config_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'rules = "my-rules"\n[[sources]]\nname = "notes"\ntype = "file"\npath = "notes.txt"\n',
    )
    config = parse_config(path)
    assert config.rules_path == tmp_path / "my-rules"
    assert config.resolve(config.source("notes").path) == tmp_path / "notes.txt"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[fetch]\ntimeout = "soon"\n', 2, "not a duration"),
        (
            '[[sources]]\nname = "a"\nurl = "https://x.test/"\n\n[[sources]]\nname = "b"\nintervall = "5m"\n'
            'url = "https://y.test/"\n',
            7,
            "unknown key 'intervall'",
        ),
        ('[[sources]]\nname = "a"\ntype = "page"\n', 1, "needs 'url'"),
        ('[[sources]]\nname = "a"\nurl = "ftp://x.test/"\n', 1, "http:// or https://"),
        ("[store\nurl = 1\n", 1, "TOML syntax error"),
        (
            '[[sources]]\nname = "a"\nurl = "https://x.test/"\n[[sources]]\nname = "a"\nurl = "https://x.test/"\n',
            None,
            "two sources are named 'a'",
        ),
        ('[channels.desk]\ntype = "carrier-pigeon"\n', 2, "carrier-pigeon"),
        ('[alerts]\nlease = "0s"\n', 2, "must be longer than 0s"),
        ("[fetch]\ntimeout = 0\n", 2, "must be longer than 0s"),
        (
            '[articles]\nrecheck = [{ age = "2d", every = "1h" }, { age = "6h", every = "15m" }]\n',
            1,
            "increasing age",
        ),
    ],
)
def test_broken_config_names_file_line_and_reason(
    tmp_path: Path, text: str, line: int | None, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        parse_config(path)
    message = str(caught.value)
    assert str(path) in message
    assert words in message
    if line is not None:
        assert f"{path}:{line}:" in message


def test_discovery_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CLAIMWATCH_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert find_config(None) is None
    assert load_config(None) == default_config()
    local = write(tmp_path, "")
    assert find_config(None) == Path("claimwatch.toml")
    other = tmp_path / "other.toml"
    other.write_text("", encoding="utf-8")
    monkeypatch.setenv("CLAIMWATCH_CONFIG", str(other))
    assert find_config(None) == other
    assert find_config(local) == local


def test_database_url_environment_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[store]\nurl = "sqlite:///from-file.db"\n')
    monkeypatch.delenv("CLAIMWATCH_DATABASE_URL", raising=False)
    # relative to the config file, like every path in it, whatever the working directory
    assert parse_config(path).database_url == f"sqlite:///{tmp_path / 'from-file.db'}"
    monkeypatch.setenv("CLAIMWATCH_DATABASE_URL", "sqlite:///from-env.db")
    assert parse_config(path).database_url == "sqlite:///from-env.db"


def test_default_store_lives_in_the_user_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CLAIMWATCH_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_config().database_url == f"sqlite:///{tmp_path / 'data' / 'claimwatch' / 'claimwatch.db'}"


def test_cli_refuses_to_start_on_a_broken_config(tmp_path: Path) -> None:
    path = write(tmp_path, "[fetch]\nconcurrency = 0\n")
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "sources", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"{path}:2:" in result.stderr and "greater than 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_example_config_documents_every_option() -> None:
    """Every key the loader accepts appears (set or commented out) in config.example.toml."""
    import re

    from monitor.config import (
        AlertsConfig,
        ArticlesConfig,
        FetchConfig,
        SchedulerConfig,
        SourceConfig,
        StoreConfig,
    )

    text = (REPO / "config.example.toml").read_text(encoding="utf-8")
    models = (StoreConfig, FetchConfig, ArticlesConfig, SchedulerConfig, AlertsConfig, SourceConfig)
    missing = [
        f"{model.__name__}.{name}"
        for model in models
        for name in model.model_fields
        if not re.search(rf"^#?\s*{name}\s*=", text, re.MULTILINE)
    ]
    assert missing == []


def test_absolute_and_memory_sqlite_urls_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAIMWATCH_DATABASE_URL", raising=False)
    for url in ("sqlite:////var/lib/claimwatch/cw.db", "sqlite://", "postgresql://u@db.example/cw"):
        assert parse_config(write(tmp_path, f'[store]\nurl = "{url}"\n')).database_url == url
