"""The hostile network: 37 kinds of bad response (tests/faults/faultkit.py) and one good page, read in
one `claimwatch check`, a real process. Each failure stays on its own source with a reason (never
"internal error"), the good source is recorded, nothing reaches a non-loopback address, and the
process's peak memory stays bounded (read from the kernel, not timed)."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from faultkit import HostileServer, run_measured

PEAK_LIMIT_MB = 250

# What each kind must say (a substring of its error); None: it must be read and recorded.
EXPECTED: dict[str, str | None] = {
    "/status-500": "HTTP 500",
    "/status-404": "HTTP 404",
    "/status-429": "HTTP 429",
    "/status-204": "HTTP 204",
    "/redirect-loop": "too many redirects",
    "/redirect-chain": "too many redirects",
    "/redirect-javascript": "redirected to an unusable URL",
    "/redirect-data": "redirected to an unusable URL",
    "/redirect-metadata": "refused: 169.254.169.254 is at the non-public address",
    "/redirect-nat64": "refused",
    "/redirect-no-location": "without a usable Location",
    "/redirect-bad-port": "bad URL: invalid port 99999",
    "/bomb-gzip-gzip": "body exceeds",
    "/bomb-deflate": "body exceeds",
    "/corrupt-gzip": "cannot decode the compressed body",
    "/encoding-br": "unsupported content encoding 'br'",
    "/huge-declared": "body exceeds",
    "/huge-chunked": "body exceeds",
    "/truncated": "",
    "/bad-chunked": "",
    "/garbage-status": "",
    "/header-flood": "",
    "/only-100-continue": "",
    "/close-at-once": "",
    "/never-answer": "timed out",
    "/drip-headers": "timed out",
    "/binary-as-html": "",
    "/image": "unexpected content type 'image/png'",
    "/empty-200": "",
    "/no-text": "no article text",
    "/unknown-charset": None,
    "/invalid-utf8": None,
    "/deep-json-ld": None,
    "/huge-title": None,
    "/feed-broken": "",
    "/feed-huge": "the feed lists 5000 entries; the newest 20 are tracked",
    "/feed-javascript-links": "refused: 169.254.169.254",
    "/good": None,
}


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    server = HostileServer().start()
    try:
        yield server
    finally:
        server.stop()


def _config(tmp_path: Path, server: HostileServer) -> Path:
    lines = [
        'rules = "no-rules"',
        "[store]",
        f'url = "sqlite:///{tmp_path / "cw.db"}"',
        "[fetch]",
        "retries = 0",
        'timeout = "1s"',
        'connect_timeout = "1s"',
        "max_redirects = 2",
        "[articles]",
        "max_per_feed = 20",
    ]
    for n, path in enumerate(EXPECTED):
        kind = "feed" if path.startswith("/feed") else "page"
        lines += ["[[sources]]", f'name = "s{n:02d}"', f'type = "{kind}"', f'url = "{server.url(path)}"']
    config = tmp_path / "claimwatch.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


def test_bad_responses_stay_on_their_sources(hostile: HostileServer, tmp_path: Path) -> None:
    assert len(EXPECTED) - 1 >= 30 and set(EXPECTED) <= set(hostile.responses)  # 30+ bad, one good
    config = _config(tmp_path, hostile)
    env = {k: v for k, v in os.environ.items() if k not in ("CLAIMWATCH_DATABASE_URL", "CLAIMWATCH_CONFIG")}
    command = [sys.executable, "-m", "monitor", "check", "--config", str(config), "--format", "json"]
    code, out, err, peak = run_measured([*command, "--no-alerts"], env, limit=120)
    assert code == 1, err  # some sources failed: said so, and nothing else went wrong
    assert "Traceback" not in err, err
    results = {s["name"]: s for s in json.loads(out)[0]["sources"]}
    paths = list(EXPECTED)
    for name, result in results.items():
        path = paths[int(name[1:])]
        expected = EXPECTED[path]
        error = result["error"] or ""
        assert "internal error" not in error, (path, error)
        if expected is None:
            assert result["status"] in ("new", "changed"), (path, result)
        else:
            assert expected in error, (path, result)
            if path not in ("/feed-huge", "/feed-javascript-links"):  # feeds: their articles' errors
                assert result["status"] in ("error", "extraction failed"), (path, result)
    with sqlite3.connect(tmp_path / "cw.db") as db:
        titles = [row[0] for row in db.execute("SELECT title FROM versions")]
        assert max(len(t or "") for t in titles) <= 500
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    print(f"check over {len(EXPECTED)} hostile sources: peak RSS {peak:.0f} MB")
    assert peak < PEAK_LIMIT_MB, f"peak RSS {peak:.0f} MB"
