"""A full disk and a locked database: a check that cannot write says so and loses nothing; the next
check stores everything, and the database stays intact.

The full disk is real for the process: `RLIMIT_FSIZE` (with SIGXFSZ ignored) makes every write past
the limit fail with EFBIG, as a full file system would with ENOSPC."""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from httpserver import TestServer, article_html

PAGES = 5


def _story(n: int) -> str:
    paragraphs = [
        f"The German government said on Wednesday it still opposed sending Taurus missiles {n} to Ukraine, "
        f"a spokesman told reporters in Berlin, paragraph {i}."
        for i in range(30)
    ]
    return article_html(f"Bulletin {n}", paragraphs)


def _config(tmp_path: Path, server: TestServer) -> Path:
    lines = [
        'rules = "no-rules"',
        "[store]",
        f'url = "sqlite:///{tmp_path / "cw.db"}"',
        "[fetch]",
        "retries = 0",
    ]
    for n in range(PAGES):
        lines += ["[[sources]]", f'name = "p{n}"', f'url = "{server.url(f"/p{n}")}"']
    config = tmp_path / "claimwatch.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


def _check(config: Path, *, file_limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if file_limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    env = {k: v for k, v in os.environ.items() if k not in ("CLAIMWATCH_DATABASE_URL", "CLAIMWATCH_CONFIG")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "monitor",
            "check",
            "--config",
            str(config),
            "--format",
            "json",
            "--no-alerts",
        ],
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=limit,
        timeout=120,
    )


def _versions(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return int(conn.execute("SELECT count(*) FROM versions").fetchone()[0])


def test_a_full_disk_loses_nothing(http_server: TestServer, tmp_path: Path) -> None:
    for n in range(PAGES):
        http_server.page(f"/p{n}", _story(n))
    config = _config(tmp_path, http_server)
    db = tmp_path / "cw.db"
    assert _check(config).returncode == 0  # the database exists, with its schema and the first versions
    for n in range(PAGES):
        http_server.page(f"/p{n}", _story(n).replace("still opposed", "had approved"))
    full = _check(config, file_limit=db.stat().st_size)  # not one more byte fits
    assert full.returncode == 1, full.stderr
    results = json.loads(full.stdout)[0]["sources"]
    failed = [s for s in results if s["status"] == "error"]
    assert failed and {s["status"] for s in results} <= {"error", "changed"}, full.stdout
    assert all("disk is full" in s["error"] or "disk I/O" in s["error"] for s in failed), failed
    assert "Traceback" not in full.stderr, full.stderr
    stored = _versions(db)  # intact, with what did fit
    assert PAGES <= stored < 2 * PAGES
    again = _check(config)  # room again: everything that could not be stored is read and stored now
    assert again.returncode == 0, again.stderr
    assert _versions(db) == 2 * PAGES


def test_a_locked_database_loses_nothing(http_server: TestServer, tmp_path: Path) -> None:
    for n in range(PAGES):
        http_server.page(f"/p{n}", _story(n))
    config = _config(tmp_path, http_server)
    db = tmp_path / "cw.db"
    assert _check(config).returncode == 0
    for n in range(PAGES):
        http_server.page(f"/p{n}", _story(n).replace("still opposed", "had approved"))
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")  # another program holds the database longer than the busy timeout
    try:
        locked = _check(config)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert locked.returncode == 1, locked.stderr
    assert "Traceback" not in locked.stderr, locked.stderr
    assert "claimwatch: error: database: database is locked" in locked.stderr
    assert _versions(db) == PAGES
    # Held for a moment only (within the busy timeout): the check waits and stores everything.
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(2.0, lambda: (holder.execute("ROLLBACK"), holder.close()))
    release.start()
    waited = _check(config)
    release.join()
    assert waited.returncode == 0, waited.stderr
    assert _versions(db) == 2 * PAGES
