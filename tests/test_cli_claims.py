"""`claimwatch claims FILE|URL`: the preview of what the engine reads, driven as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from httpserver import TestServer

SAMPLE = Path(__file__).resolve().parents[1] / "monitor" / "samples" / "strike-policy" / "3-2024-05-31.txt"


def claimwatch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args], capture_output=True, text=True, timeout=120
    )


def test_claims_shows_the_text_and_each_claims_holder_stance_proposition_and_cue() -> None:
    result = claimwatch("claims", str(SAMPLE), "--format", "json")
    assert result.returncode == 0, result.stderr
    preview = json.loads(result.stdout)
    assert "Kharkiv" in preview["text"]
    holders = {(c["holder"], c["stance"]) for c in preview["claims"] if not c["background"]}
    assert ("United States", "support") in holders and ("Germany", "support") in holders
    us = next(c for c in preview["claims"] if c["holder"] == "United States" and not c["background"])
    assert us["cue"] and us["proposition"] and us["sentence"] in preview["text"]

    table = claimwatch("claims", str(SAMPLE))
    assert table.returncode == 0, table.stderr
    assert "extracted text" in table.stdout and "United States: support" in table.stdout
    assert "cue:" in table.stdout and "on:" in table.stdout


def test_claims_reads_a_url_and_prints_article_text_as_written(
    http_server: TestServer, tmp_path: Path
) -> None:
    http_server.route(
        "/story",
        b"Germany said on Tuesday it still opposed the expansion plan, its spokesman told reporters. "
        b"Protesters carried [bold]banners[/bold] outside the town hall.",
        content_type="text/plain",
    )
    result = claimwatch("claims", http_server.url("/story"))
    assert result.returncode == 0, result.stderr
    assert "[bold]banners[/bold]" in result.stdout  # rich markup in an article is text
    assert "Germany: oppose" in result.stdout and "cue:      opposed" in result.stdout
    missing = claimwatch("claims", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2 and missing.stderr.startswith("claimwatch: error: ")
