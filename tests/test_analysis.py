"""Worker processes for a changed page's extraction and claims (issue 14.1): the same result as in
the checking process, a dead worker costs no page, and a whole pass stores exactly what it stored
without workers."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from httpserver import TestServer, article_html
from typer.testing import CliRunner

from monitor.analysis import AnalysisPool, analyse, normalize_text, text_hash
from monitor.cli import app
from monitor.errors import ExtractError

SAMPLE = Path(__file__).resolve().parents[1] / "monitor" / "samples" / "strike-policy"


def _page(name: str) -> bytes:
    text = (SAMPLE / name).read_text(encoding="utf-8")
    paragraphs = [p.replace("\n", " ") for p in text.split("\n\n") if p.strip()]
    return article_html("Strike policy", paragraphs).encode()


def test_a_worker_finds_what_the_checking_process_finds_and_a_dead_one_loses_nothing() -> None:
    body = _page("3-2024-05-31.txt")
    here = analyse(body, "text/html", "https://example.test/story", None)
    assert here.claims  # the sample holds stances: something to compare

    async def run() -> None:
        with ThreadPoolExecutor(1) as fallback:
            pool = AnalysisPool(1, [], None, fallback)
            try:
                first = await pool.analyse(body, "text/html", "https://example.test/story", None)
                assert first == here
                with pytest.raises(ExtractError):  # the page's own problem comes back as itself
                    await pool.analyse(b"\x00\x01\x02" * 400, "text/html", "https://example.test/bin", None)
                worker = next(iter(pool._executors[0]._processes.values()))  # type: ignore[union-attr]
                assert worker.pid != os.getpid()
                os.kill(worker.pid, signal.SIGKILL)
                worker.join(10)
                # The page in hand when a worker dies is analysed in this process; the next one starts
                # a new worker.
                again = await pool.analyse(body, "text/html", "https://example.test/story", None)
                assert again == here
                third = await pool.analyse(body, "text/html", "https://example.test/story", None)
                assert third == here and pool._executors[0] is not None
            finally:
                pool.close()

    asyncio.run(run())


def test_the_same_text_as_before_skips_the_claims() -> None:
    body = _page("1-2024-05-30-morning.txt")
    first = analyse(body, "text/html", "https://example.test/a", None)
    same = analyse(body, "text/html", "https://example.test/a", text_hash(normalize_text(first.article.text)))
    assert first.claims and same.claims is None and same.article == first.article


def _pass_tables(tmp_path: Path, server: TestServer, workers: int) -> dict[str, list[tuple[object, ...]]]:
    folder = tmp_path / f"workers-{workers}"
    folder.mkdir()
    lines = [
        'rules = "no-rules"',
        "[store]",
        f'url = "sqlite:///{folder / "c.db"}"',
        "[fetch]",
        "retries = 0",
    ]
    lines += ["[analysis]", f"workers = {workers}"]
    for n in range(4):
        lines += ["[[sources]]", f'name = "s{n}"', f'url = "{server.url(f"/s{n}")}"']
    config = folder / "claimwatch.toml"
    config.write_text("\n".join(lines) + "\n")
    runner = CliRunner()
    for version in ("1-2024-05-30-morning.txt", "2-2024-05-30-evening.txt", "3-2024-05-31.txt"):
        for n in range(4):
            server.page(f"/s{n}", _page(version))
        result = runner.invoke(app, ["check", "--config", str(config), "--no-alerts"])
        assert result.exit_code == 0, result.output
    db = sqlite3.connect(folder / "c.db")
    try:
        # Ids depend on which source finished first; what was stored is compared by page and content.
        return {
            "claims": sorted(
                db.execute(
                    "SELECT d.url, v.text_hash, c.idx, c.text, c.actor, c.stance, c.cue, c.proposition "
                    "FROM claims c JOIN versions v ON v.id = c.version_id "
                    "JOIN documents d ON d.id = v.document_id"
                ).fetchall()
            ),
            "changes": sorted(
                db.execute(
                    "SELECT d.url, c.kind, c.actor, c.topic, c.proposition, c.headline "
                    "FROM changes c LEFT JOIN documents d ON d.id = c.document_id"
                ).fetchall(),
                key=repr,
            ),
            "versions": sorted(
                db.execute(
                    "SELECT d.url, v.text_hash FROM versions v JOIN documents d ON d.id = v.document_id"
                ).fetchall()
            ),
        }
    finally:
        db.close()


def test_a_pass_with_workers_stores_what_one_without_stores(http_server: TestServer, tmp_path: Path) -> None:
    with_workers = _pass_tables(tmp_path, http_server, 2)
    without = _pass_tables(tmp_path, http_server, 0)
    assert with_workers["changes"], "the sample's versions move positions"
    assert len(with_workers["versions"]) == 12
    assert with_workers["claims"] == without["claims"]
    assert with_workers["versions"] == without["versions"]
    assert [c[1:] for c in with_workers["changes"]] == [c[1:] for c in without["changes"]]


def test_the_fork_server_preloads_modules_that_import() -> None:
    """multiprocessing skips a preload module that fails to import without a word: each must import
    (monitor.analysis_preload loads the engine's data once, for every worker to inherit)."""
    import importlib

    from monitor.analysis import FORKSERVER_PRELOAD

    for name in FORKSERVER_PRELOAD:
        importlib.import_module(name)


_KILLED_CHECKER = """
import asyncio, sys
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import forkserver
from monitor.analysis import AnalysisPool

async def run() -> None:
    pool = AnalysisPool(2, [], None, ThreadPoolExecutor(1))
    body = sys.stdin.buffer.read()
    pages = [pool.analyse(body, "text/html", f"https://example.test/{i}", None) for i in range(8)]
    await asyncio.gather(*pages)
    workers = [p for e in pool._executors if e is not None for p in e._processes]
    print(forkserver._forkserver._forkserver_pid, *workers, flush=True)
    await asyncio.sleep(120)

if __name__ == "__main__":
    asyncio.run(run())
"""


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_workers_end_when_the_checking_process_is_killed(tmp_path: Path) -> None:
    """kill -9 of a checking process (or the OOM killer) must not leave its analysis workers and their
    fork server waiting for work forever."""
    import subprocess
    import sys
    import time

    script = tmp_path / "checker.py"
    script.write_text(_KILLED_CHECKER)
    checker = subprocess.Popen(
        [sys.executable, str(script)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=False
    )
    assert checker.stdin is not None and checker.stdout is not None
    checker.stdin.write(_page("3-2024-05-31.txt"))
    checker.stdin.close()
    pids = [int(p) for p in checker.stdout.readline().split()]
    assert len(pids) >= 2 and all(_running(p) for p in pids), pids  # the fork server, its workers
    checker.send_signal(signal.SIGKILL)
    checker.wait(10)
    deadline = time.monotonic() + 15
    while any(_running(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in pids if _running(p)], "left running after the checking process died"
