"""Exports hold whole data (issue 13): CSV with every field of a change and nothing cut short, ISO 8601
times in every output, and tables that break lines between words when written to a pipe or a file."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

import pytest
from cliproc import claimwatch as run_claimwatch

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "monitor" / "samples" / "strike-policy"
ISO_MINUTE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ")
ISO_SECOND = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
OLD_STYLE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")  # the space-separated form these replaced


def claimwatch(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_claimwatch(*args, cwd=cwd, drop=("COLUMNS",))


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample story ingested as three outlets, with the packaged rules alerting on the console."""
    folder = tmp_path_factory.mktemp("desk")
    (folder / "claimwatch.toml").write_text(
        f'rules = "{REPO / "monitor" / "samples" / "rules"}"\n[store]\nurl = "sqlite:///cw.db"\n'
        '[channels.console]\ntype = "console"\nstream = "stderr"\n'
        f'[[sources]]\nname = "story"\ntype = "file"\npath = "{SAMPLE / "3-2024-05-31.txt"}"\n'
    )
    for name, source, published in (
        ("1-2024-05-30-morning.txt", "afp", "2024-05-30T08:00"),
        ("2-2024-05-30-evening.txt", "reuters", "2024-05-30T19:00"),
        ("3-2024-05-31.txt", "ap", "2024-05-31T14:00"),
    ):
        result = claimwatch(
            "ingest", str(SAMPLE / name), "--source", source, "--published", published, cwd=folder
        )
        assert result.returncode == 0, result.stderr
    checked = claimwatch("check", "--no-alerts", cwd=folder)
    assert checked.returncode == 0, checked.stderr
    return folder


def test_history_csv_holds_every_field_uncut(desk: Path) -> None:
    result = claimwatch("history", "--format", "csv", cwd=desk)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    shift = next(r for r in rows if r["kind"] == "stance_shift" and r["actor"] == "United States")
    assert shift["after_text"].startswith("President Joe Biden has given Ukraine permission")
    assert shift["after_text"].endswith("U.S. officials said on Friday.")  # whole, well over 120 characters
    assert len(shift["after_text"]) > 150 and "…" not in shift["after_text"]
    assert shift["before_text"].startswith("The White House said")
    assert shift["after_url"].startswith("file://") and shift["after_url"].endswith("3-2024-05-31.txt")
    assert float(shift["confidence"]) > 0
    assert (shift["before_stance"], shift["after_stance"]) == ("oppose", "support")
    assert shift["observed_at"] == "2024-05-31T14:00:00+00:00" and shift["detected_at"].startswith("20")
    reworded = [r for r in rows if r["kind"] in ("claim_added", "claim_removed", "claim_reworded")]
    assert all(
        len(r["after_text"] or r["before_text"]) > 0 and "…" not in (r["after_text"] or "") for r in reworded
    )


def test_tables_and_lists_use_iso_8601_times(desk: Path) -> None:
    for args, pattern in (
        (["history"], ISO_MINUTE),
        (["positions"], ISO_MINUTE),
        (["positions", "--timeline"], ISO_MINUTE),
        (["alerts"], ISO_SECOND),
    ):
        result = claimwatch(*args, cwd=desk)
        assert result.returncode == 0, result.stderr
        assert pattern.search(result.stdout), (args, result.stdout)
        assert not OLD_STYLE.search(result.stdout), (args, result.stdout)
    sources = claimwatch("sources", "--format", "csv", cwd=desk)
    row = next(r for r in csv.DictReader(io.StringIO(sources.stdout)) if r["name"] == "story")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", row["last_check"]), row


def test_piped_tables_break_lines_between_words(desk: Path) -> None:
    result = claimwatch("history", cwd=desk)  # stdout is a pipe here, as in `| less` or `> file`
    assert result.returncode == 0, result.stderr
    cells = [cell.strip() for line in result.stdout.splitlines() for cell in line.split("│")]
    words = {w for cell in cells for w in cell.split()}
    for whole in ("stance_shift", "inside-russia", "cross-border", "2024-05-31T14:00Z", "United"):
        assert whole in words, result.stdout
    # No fragment of those words sits alone in a cell line, as a folded word would.
    assert not words & {"stance_sh", "ift", "inside-rus", "sia", "2024-05-3", "14:00Z"}, result.stdout
