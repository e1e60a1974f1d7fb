"""`claimwatch diff` driven as a user runs it: a real subprocess, real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[1] / "monitor" / "samples" / "strike-policy"
OLD = SAMPLE / "1-2024-05-30-morning.txt"
NEW = SAMPLE / "3-2024-05-31.txt"


def claimwatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args], capture_output=True, text=True, timeout=120
    )


def test_json_output_has_the_scorer_shape_and_the_sample_shift() -> None:
    result = claimwatch("diff", str(OLD), str(NEW), "--format", "json")
    assert result.returncode == 0, result.stderr
    changes = json.loads(result.stdout)["changes"]
    shifts = {c["actor"]: c for c in changes if c["kind"] == "stance_shift"}
    us = shifts["United States"]
    assert (us["before"]["stance"], us["after"]["stance"]) == ("oppose", "support")
    assert any("Kharkiv" in q for q in us["after"]["qualifiers"])
    assert us["before"]["text"].startswith("The White House said")
    assert us["after"]["cue"], "the words that decided the stance are part of the evidence"
    assert shifts["Germany"]["after"]["stance"] == "support"
    kinds = [c["kind"] for c in changes]
    assert kinds.index("stance_shift") == 0, "shifts come first"


def test_text_output_is_readable_and_puts_shifts_first() -> None:
    result = claimwatch("diff", str(OLD), str(NEW))
    assert result.returncode == 0, result.stderr
    first = result.stdout.lstrip().splitlines()[0]
    assert "stance_shift" in first or "oppose -> support" in first
    assert "Kharkiv" in result.stdout


def test_noise_only_update_reports_no_shift() -> None:
    evening = SAMPLE / "2-2024-05-30-evening.txt"
    result = claimwatch("diff", str(OLD), str(evening), "--format", "json")
    assert result.returncode == 0, result.stderr
    kinds = {c["kind"] for c in json.loads(result.stdout)["changes"]}
    assert not kinds & {"stance_shift", "number_changed"}


def test_html_input_goes_through_extraction(tmp_path: Path) -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in NEW.read_text(encoding="utf-8").split("\n\n")[2:])
    page = tmp_path / "new.html"
    page.write_text(
        "<!doctype html><html><head><title>Kharkiv decision</title></head><body>"
        "<nav>Home | World | Sign in</nav><article>" + paragraphs + "</article>"
        "<footer>Copyright Example News</footer></body></html>",
        encoding="utf-8",
    )
    result = claimwatch("diff", str(OLD), str(page), "--format", "json")
    assert result.returncode == 0, result.stderr
    shifts = [c for c in json.loads(result.stdout)["changes"] if c["kind"] == "stance_shift"]
    assert "United States" in {c["actor"] for c in shifts}


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "no such file"),
        (b"", "file is empty"),
        (b"   \n\n", "file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("Caf\u00e9 au lait".encode("latin-1"), "not valid UTF-8"),
    ],
)
def test_unusable_input_is_one_clear_line_and_exit_2(
    tmp_path: Path, content: bytes | None, words: str
) -> None:
    path = tmp_path / "bad.txt"
    if content is not None:
        path.write_bytes(content)
    result = claimwatch("diff", str(OLD), str(path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0] and words in lines[0]
    assert result.stdout == ""


def test_directory_is_refused(tmp_path: Path) -> None:
    result = claimwatch("diff", str(tmp_path), str(NEW))
    assert result.returncode == 2
    assert "directory" in result.stderr


def test_utf16_text_reads_as_it_does_through_ingest(tmp_path: Path) -> None:
    copy = tmp_path / "new-utf16.txt"
    copy.write_text(NEW.read_text(encoding="utf-8"), encoding="utf-16")
    result = claimwatch("diff", str(OLD), str(copy), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "United States" in {c.get("actor") for c in json.loads(result.stdout)["changes"]}


def test_urls_are_fetched_not_mangled_into_paths(http_server) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: `diff http://...` became the path `http:/...` and was reported as a missing file."""
    http_server.route("/old", OLD.read_bytes(), content_type="text/plain; charset=utf-8")
    http_server.route("/new", NEW.read_bytes(), content_type="text/plain; charset=utf-8")
    result = claimwatch("diff", http_server.url("/old"), http_server.url("/new"), "--format", "json")
    assert result.returncode == 0, result.stderr
    shifts = [c["actor"] for c in json.loads(result.stdout)["changes"] if c["kind"] == "stance_shift"]
    assert "United States" in shifts
    mixed = claimwatch("diff", str(OLD), http_server.url("/new"))
    assert mixed.returncode == 0 and "United States: oppose -> support" in mixed.stdout
    http_server.route("/gone", status=404)
    missing = claimwatch("diff", http_server.url("/gone"), str(NEW))
    assert missing.returncode == 2
    assert missing.stderr.startswith("claimwatch: error: ") and http_server.url("/gone") in missing.stderr
    assert "HTTP 404" in missing.stderr and "no such file" not in missing.stderr


def test_exit_code_says_whether_a_shift_was_found() -> None:
    shifted = claimwatch("diff", str(OLD), str(NEW), "--exit-code")
    assert shifted.returncode == 1 and "stance_shift" in shifted.stdout
    as_json = claimwatch("diff", str(OLD), str(NEW), "--exit-code", "--format", "json")
    assert as_json.returncode == 1 and json.loads(as_json.stdout)["changes"]
    same = claimwatch("diff", str(OLD), str(OLD), "--exit-code")
    assert same.returncode == 0, same.stderr
    missing = claimwatch("diff", str(OLD), "no-such-file.txt", "--exit-code")
    assert missing.returncode == 2  # an error is never mistaken for "a shift was found"
