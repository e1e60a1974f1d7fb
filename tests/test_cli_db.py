"""`claimwatch db prune --keep AGE` and `claimwatch db stats`, through the real CLI (issue 13)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from cliproc import claimwatch

SAMPLE = Path(__file__).resolve().parents[1] / "monitor" / "samples" / "strike-policy"


def test_prune_drops_old_versions_text_and_claims_and_keeps_every_change(tmp_path: Path, db_url: str) -> None:
    (tmp_path / "claimwatch.toml").write_text(f'rules = "none"\n[store]\nurl = "{db_url}"\n')
    story = tmp_path / "story.txt"
    for name, published in (
        ("1-2024-05-30-morning.txt", "2024-05-30T08:00"),
        ("2-2024-05-30-evening.txt", "2024-05-30T19:00"),
        ("3-2024-05-31.txt", "2024-05-31T14:00"),
    ):
        shutil.copyfile(SAMPLE / name, story)
        done = claimwatch("ingest", "story.txt", "--source", "wire", "--published", published, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    before = json.loads(claimwatch("db", "stats", "--format", "json", cwd=tmp_path).stdout)
    assert before["rows"]["versions"] == 3 and before["versions_pruned"] == 0 and before["size_bytes"] > 0
    history_before = json.loads(
        claimwatch("history", "--format", "json", "--limit", "500", cwd=tmp_path).stdout
    )
    timeline_before = claimwatch("positions", "--timeline", "--format", "json", cwd=tmp_path).stdout

    dry = claimwatch("db", "prune", "--keep", "30d", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0 and "would drop the text of 2 version(s)" in dry.stdout
    assert json.loads(claimwatch("db", "stats", "-f", "json", cwd=tmp_path).stdout)["versions_pruned"] == 0

    pruned = claimwatch("db", "prune", "--keep", "30d", "--vacuum", cwd=tmp_path)
    assert pruned.returncode == 0, pruned.stderr
    assert "dropped the text of 2 version(s)" in pruned.stdout and "database size:" in pruned.stderr
    after = json.loads(claimwatch("db", "stats", "--format", "json", cwd=tmp_path).stdout)
    assert after["versions_pruned"] == 2 and after["rows"]["versions"] == 3
    assert 0 < after["rows"]["claims"] < before["rows"]["claims"]
    assert after["rows"]["changes"] == before["rows"]["changes"]
    assert after["rows"]["observations"] == before["rows"]["observations"]
    assert after["version_text_bytes"] < before["version_text_bytes"]
    # Everything a user queries answers as before: changes with both sentences, the ledger.
    assert (
        json.loads(claimwatch("history", "--format", "json", "--limit", "500", cwd=tmp_path).stdout)
        == history_before
    )
    assert claimwatch("positions", "--timeline", "--format", "json", cwd=tmp_path).stdout == timeline_before
    shift = next(c for c in history_before["changes"] if c["kind"] == "stance_shift")
    shown = claimwatch("show", str(shift["id"]), cwd=tmp_path)
    assert shown.returncode == 0 and shift["before"]["text"][:40] in shown.stdout
    # The latest version was kept: the same text again is "unchanged", not a new version.
    again = claimwatch("ingest", "story.txt", "--source", "wire", "--format", "json", cwd=tmp_path)
    assert json.loads(again.stdout)["ingested"][0]["status"] == "unchanged"


def test_prune_refuses_a_bad_age(tmp_path: Path) -> None:
    (tmp_path / "claimwatch.toml").write_text('[store]\nurl = "sqlite:///cw.db"\n')
    for keep in ("soon", "0s"):
        result = claimwatch("db", "prune", "--keep", keep, cwd=tmp_path)
        assert result.returncode == 2 and result.stderr.startswith("claimwatch: error: --keep:"), (
            result.stderr
        )
