"""User gazetteer files (the config's `actors`): a malformed one names the file, the line and the reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from monitor.claims import load_gazetteer
from monitor.errors import GazetteerError

SAMPLE = Path(__file__).resolve().parents[1] / "monitor" / "samples" / "strike-policy"


def _gazetteer(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('[[org]]\nname = "Northwind Rail"\naliases = [\n', 3, "TOML syntax error"),
        ('[[org]]\naliases = ["Northwind"]\n', 1, "needs a non-empty string `name`"),
        (
            '[[org]]\nname = "Northwind Rail"\n\n[[person]]\nname = "Ada Brook"\nalias = ["Brook"]\n',
            6,
            "'alias'",
        ),
        ('[[org]]\nname = "Northwind Rail"\naliases = ["Northwind", 7]\n', 3, "list of non-empty strings"),
        ('[[org]]\nname = "Northwind Rail"\nkind = "company"\n', 3, "kind must be one of"),
        ('[[org]]\nname = "Northwind Rail"\n[[person]]\nname = "Ada Brook"\nfor = 3\n', 5, "`for`"),
        ('[[orgs]]\nname = "Northwind Rail"\n', 1, "unknown table [orgs]"),
        ('[grammar]\ntitle = ["Dame"]\n', 2, "unknown key 'title'"),
    ],
)
def test_a_malformed_entry_is_reported_with_its_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = _gazetteer(tmp_path, text)
    with pytest.raises(GazetteerError) as caught:
        load_gazetteer([path])
    assert caught.value.line == line, str(caught.value)
    assert str(caught.value).startswith(f"{path}:{line}:")
    assert words in str(caught.value)


def test_a_good_file_still_loads_with_every_key(tmp_path: Path) -> None:
    path = _gazetteer(
        tmp_path,
        '[grammar]\ntitles = ["Dame"]\n'
        '[[country]]\nname = "Freedonia"\ncapital = "Fredville"\ncities = ["Port Groucho"]\n'
        'demonym = ["Freedonian"]\n'
        '[[org]]\nname = "Northwind Rail"\naliases = "Northwind"\nroles = ["operator"]\nkind = "org"\n'
        '[[person]]\nname = "Ada Brook"\nfor = "Northwind Rail"\n',
    )
    gaz = load_gazetteer([path])
    assert gaz.resolve("Fredville") == "Freedonia"
    assert gaz.resolve("Northwind") == "Northwind Rail"
    assert gaz.stance_actor("Ada Brook") == "Northwind Rail"
    # a city places a dateline in its country, but does not stand for the country's government
    assert gaz.dateline_country("Port Groucho") == "Freedonia"
    assert gaz.resolve("Port Groucho") is None


def test_the_cli_refuses_a_broken_gazetteer_with_one_line(tmp_path: Path) -> None:
    _gazetteer(tmp_path, '[[org]]\nname = "Northwind Rail"\naliases = ["Northwind", 7]\n')
    config = tmp_path / "claimwatch.toml"
    config.write_text('actors = ["mine.toml"]\n')
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "diff", "--config", str(config),
         str(SAMPLE / "1-2024-05-30-morning.txt"), str(SAMPLE / "3-2024-05-31.txt")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert f"{tmp_path / 'mine.toml'}:3:" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_refuses_to_start_with_a_broken_gazetteer(tmp_path: Path) -> None:
    _gazetteer(tmp_path, '[[person]]\nname = "Ada Brook"\nfor = ""\n')
    config = tmp_path / "claimwatch.toml"
    config.write_text(
        'actors = ["mine.toml"]\n[store]\nurl = "sqlite:///store.db"\n'
        f'[[sources]]\nname = "sample"\ntype = "file"\npath = "{SAMPLE / "1-2024-05-30-morning.txt"}"\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "check", "--config", str(config), "--no-alerts"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"{tmp_path / 'mine.toml'}:3:" in result.stderr
    assert "Traceback" not in result.stderr
