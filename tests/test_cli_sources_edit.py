"""`claimwatch sources add/remove/enable/disable` edit the config file in place, through the CLI: the
rest of the file is kept as written, a broken result is refused, the previous file is kept as .bak."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from cliproc import claimwatch

CONFIG = """\
# my desk: comments and layout must survive every edit
rules = "none"  # no rules yet

[store]
url = "sqlite:///cw.db"

[[sources]]
name = "wire"  # the wire
url = "http://127.0.0.1:9/a"
interval = "5m"

[[sources]]
name = "blog"
url = "http://127.0.0.1:9/b"

[channels.console]
type = "console"
"""


def sources(folder: Path) -> dict[str, dict[str, object]]:
    listed = json.loads(claimwatch("sources", "--format", "json", cwd=folder).stdout)["sources"]
    return {row["name"]: row for row in listed}


def test_add_disable_enable_remove_keep_the_rest_of_the_file(tmp_path: Path) -> None:
    config = tmp_path / "claimwatch.toml"
    config.write_text(CONFIG)
    added = claimwatch(
        "sources",
        "add",
        "feedy",
        "http://127.0.0.1:9/feed.xml",
        "--type",
        "feed",
        "--tag",
        "eu",
        cwd=tmp_path,
    )
    assert added.returncode == 0, added.stderr
    assert "added source feedy" in added.stdout and "SIGHUP" in added.stdout
    assert (tmp_path / "claimwatch.toml.bak").read_text() == CONFIG  # the previous file, kept
    assert config.read_text().startswith(CONFIG)  # appended: not one byte of the user's text changed
    found = sources(tmp_path)
    assert found["feedy"]["type"] == "feed" and found["feedy"]["enabled"] is True

    assert claimwatch("sources", "disable", "wire", cwd=tmp_path).returncode == 0
    assert sources(tmp_path)["wire"]["enabled"] is False
    assert claimwatch("sources", "enable", "wire", cwd=tmp_path).returncode == 0
    assert sources(tmp_path)["wire"]["enabled"] is True
    assert claimwatch("sources", "remove", "blog", cwd=tmp_path).returncode == 0
    text = config.read_text()
    parsed = tomllib.loads(text)
    assert [s["name"] for s in parsed["sources"]] == ["wire", "feedy"]
    assert parsed["sources"][0]["interval"] == "5m" and parsed["channels"]["console"]["type"] == "console"
    for kept in (
        "# my desk: comments and layout must survive every edit",
        "# no rules yet",
        'name = "wire"  # the wire',
    ):
        assert kept in text
    assert len(list(tmp_path.glob("claimwatch.toml.bak*"))) == 4  # one per edit, none overwritten


def test_bad_edits_are_refused_and_change_nothing(tmp_path: Path) -> None:
    config = tmp_path / "claimwatch.toml"
    config.write_text(CONFIG)
    for args, words in (
        (["add", "wire", "http://127.0.0.1:9/c"], "already exists"),
        (["add", "new", "http://127.0.0.1:9/c", "--interval", "soon"], "not a duration"),
        (["add", "new", "not-a-url"], "needs an http(s) URL"),
        (["add", "bad name!", "http://127.0.0.1:9/c"], "would not load"),
        (["remove", "nope"], "unknown source: nope"),
        (["disable", "nope"], "unknown source: nope"),
    ):
        result = claimwatch("sources", *args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("claimwatch: error:") and words in result.stderr, (
            args,
            result.stderr,
        )
    assert config.read_text() == CONFIG
    assert not list(tmp_path.glob("claimwatch.toml.bak*")) and not list(tmp_path.glob(".claimwatch.toml.*"))
