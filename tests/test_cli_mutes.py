"""`claimwatch sources mute/unmute`, `claimwatch rules mute/unmute/mutes` (issue 13), through the CLI:
a muted source's or rule's changes are still recorded, their alerts stored as suppressed, never sent."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from cliproc import claimwatch

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "monitor" / "samples" / "strike-policy"


def setup_desk(folder: Path) -> None:
    (folder / "claimwatch.toml").write_text(
        f'rules = "{REPO / "monitor" / "samples" / "rules"}"\n[store]\nurl = "sqlite:///cw.db"\n'
        '[channels.console]\ntype = "console"\nstream = "stderr"\n'
        '[[sources]]\nname = "wire"\ntype = "file"\npath = "story.txt"\n'
    )
    shutil.copyfile(SAMPLE / "1-2024-05-30-morning.txt", folder / "story.txt")
    first = claimwatch("check", cwd=folder)
    assert first.returncode == 0, first.stderr


def alerts(folder: Path) -> list[dict[str, object]]:
    return json.loads(claimwatch("alerts", "--format", "json", cwd=folder).stdout)["alerts"]


def test_a_muted_source_records_changes_but_sends_nothing(tmp_path: Path) -> None:
    setup_desk(tmp_path)
    muted = claimwatch("sources", "mute", "wire", "--for", "6h", cwd=tmp_path)
    assert muted.returncode == 0 and "alerts muted until" in muted.stdout, muted.stderr
    listed = json.loads(claimwatch("sources", "--format", "json", cwd=tmp_path).stdout)["sources"][0]
    assert listed["muted_until"] and "alerts muted until" in listed["note"]

    shutil.copyfile(SAMPLE / "3-2024-05-31.txt", tmp_path / "story.txt")
    checked = claimwatch("check", "--format", "json", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)[0]["changes"] >= 2  # recorded as ever
    assert "claimwatch alert" not in checked.stderr  # nothing reached the console channel
    found = alerts(tmp_path)
    assert found and {a["status"] for a in found} == {"suppressed"}
    assert all(str(a["last_error"]).startswith("muted: source wire until ") for a in found)

    back = claimwatch("sources", "unmute", "wire", cwd=tmp_path)
    assert back.returncode == 0 and "alerts on again" in back.stdout
    assert claimwatch("sources", "unmute", "wire", cwd=tmp_path).returncode == 2  # not muted any more
    shutil.copyfile(SAMPLE / "1-2024-05-30-morning.txt", tmp_path / "story.txt")
    again = claimwatch("check", cwd=tmp_path)
    assert again.returncode == 0 and "claimwatch alert" in again.stderr  # alerts flow again


def test_a_muted_rule_and_the_list_of_mutes(tmp_path: Path) -> None:
    setup_desk(tmp_path)
    assert claimwatch("rules", "mute", "no-such-rule", "--for", "2h", cwd=tmp_path).returncode == 2
    assert claimwatch("sources", "mute", "nope", "--for", "2h", cwd=tmp_path).returncode == 2
    bad = claimwatch("rules", "mute", "all-shifts", "--for", "soon", cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("claimwatch: error: --for:")
    assert claimwatch("rules", "mute", "all-shifts", "--for", "2h", cwd=tmp_path).returncode == 0
    mutes = json.loads(claimwatch("rules", "mutes", "--format", "json", cwd=tmp_path).stdout)["mutes"]
    assert [(m["kind"], m["name"]) for m in mutes] == [("rule", "all-shifts")]

    shutil.copyfile(SAMPLE / "3-2024-05-31.txt", tmp_path / "story.txt")
    assert claimwatch("check", cwd=tmp_path).returncode == 0
    by_rule: dict[str, set[object]] = {}
    for alert in alerts(tmp_path):
        by_rule.setdefault(str(alert["rule"]), set()).add(alert["status"])
    assert by_rule["all-shifts"] == {"suppressed"}  # muted
    assert by_rule.get("all-numbers", {"sent"}) <= {"sent"}  # the other rule was not
    assert claimwatch("rules", "unmute", "all-shifts", cwd=tmp_path).returncode == 0
    assert "nothing is muted" in claimwatch("rules", "mutes", cwd=tmp_path).stdout
