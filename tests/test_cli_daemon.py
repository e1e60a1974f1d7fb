"""`claimwatch run / check / sources` end to end: CLI output, a real daemon subprocess stopped by
SIGTERM mid-pass, and a second daemon on the same SQLite file refused."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from httpserver import TestServer, article_html
from typer.testing import CliRunner

from monitor.cli import app


def page(n: int) -> str:
    return article_html(
        f"Report {n}",
        [
            f"The port authority said on Wednesday it still opposed the expansion plan {n}, "
            "its director told the regional assembly.",
            "The authority will publish its own figures before the next hearing in the spring.",
        ],
    )


def write_config(tmp_path: Path, server: TestServer, names: list[str], **scheduler: str) -> Path:
    lines = [
        'rules = "no-rules"',
        "[store]",
        f'url = "sqlite:///{tmp_path / "claimwatch.db"}"',
        "[fetch]",
        "retries = 0",
        'timeout = "5s"',
        "[scheduler]",
        *(f'{key} = "{value}"' for key, value in scheduler.items()),
    ]
    for name in names:
        lines += ["[[sources]]", f'name = "{name}"', f'url = "{server.url("/" + name)}"', 'interval = "1h"']
    path = tmp_path / "claimwatch.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def env() -> dict[str, str]:
    out = dict(os.environ)  # the installed claimwatch: editable sources, or the compiled build in CI
    out.pop("CLAIMWATCH_DATABASE_URL", None)
    out.pop("CLAIMWATCH_CONFIG", None)
    return out


def daemon(config: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "--config", str(config), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
        cwd=config.parent,
    )


def wait_for(condition, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_check_then_sources(http_server: TestServer, tmp_path: Path) -> None:
    http_server.page("/good", page(1))
    http_server.route("/bad", status=500)
    config = write_config(tmp_path, http_server, ["good", "bad"])
    runner = CliRunner()
    result = runner.invoke(app, ["check", "--config", str(config), "--format", "json", "--no-alerts"])
    assert result.exit_code == 1, result.output  # one source failed
    report = json.loads(result.stdout)[0]
    statuses = {s["name"]: (s["status"], s["error"]) for s in report["sources"]}
    assert statuses["good"] == ("new", None)
    assert statuses["bad"][0] == "error" and "HTTP 500" in statuses["bad"][1]

    result = runner.invoke(app, ["check", "good", "--config", str(config), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [s["status"] for s in json.loads(result.stdout)[0]["sources"]] == ["not modified"]

    result = runner.invoke(app, ["sources", "--config", str(config), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)["sources"]}
    assert rows["good"]["last_status"] == "not modified" and rows["good"]["last_change"] is not None
    assert rows["bad"]["consecutive_failures"] == 1 and "HTTP 500" in rows["bad"]["last_error"]
    assert rows["bad"]["next_check"] is not None and rows["good"]["enabled"] is True

    result = runner.invoke(app, ["sources", "--config", str(config), "--format", "csv"])
    assert result.stdout.splitlines()[0].startswith("name,type,location,enabled,last_check,last_change")

    result = runner.invoke(app, ["check", "nope", "--config", str(config)])
    assert result.exit_code == 2 and "unknown source(s): nope" in result.stderr


def test_run_once(http_server: TestServer, tmp_path: Path) -> None:
    http_server.page("/a", page(2))
    config = write_config(tmp_path, http_server, ["a"])
    proc = daemon(config, "--once")
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "pass done: 1 source(s) checked, 1 new version(s)" in err
    assert http_server.hits["/a"] == 1


def test_sigterm_mid_pass_keeps_every_stored_version(http_server: TestServer, tmp_path: Path) -> None:
    fast = [f"fast{n}" for n in range(6)]
    slow = [f"slow{n}" for n in range(3)]
    for n, name in enumerate(fast):
        http_server.page(f"/{name}", page(10 + n))
    for n, name in enumerate(slow):
        http_server.page(f"/{name}", page(20 + n), delay=1.5)
    config = write_config(tmp_path, http_server, fast + slow, startup_spread="0s", shutdown_grace="10s")
    proc = daemon(config)
    try:
        # Mid-pass: the slow pages have been asked for but not answered yet.
        wait_for(lambda: all(http_server.hits.get(f"/{name}") for name in slow))
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "SIGTERM: stopping" in err and "daemon stopped" in err

    db = sqlite3.connect(tmp_path / "claimwatch.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        stored = {
            url.rsplit("/", 1)[1]
            for (url,) in db.execute("SELECT d.url FROM versions v JOIN documents d ON d.id = v.document_id")
        }
        served = {path.lstrip("/") for path, status, _ in http_server.log if status == 200}
        assert served == set(fast + slow)
        assert stored == served  # everything fetched was stored, the slow ones included (within the grace)
        assert db.execute("SELECT count(*) FROM sources WHERE lease_owner IS NOT NULL").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM sources WHERE last_status = 'new'").fetchone() == (9,)
    finally:
        db.close()


def test_sigterm_abandons_checks_past_the_grace(http_server: TestServer, tmp_path: Path) -> None:
    http_server.page("/quick", page(30))
    http_server.page("/stuck", page(31), delay=8)
    config = write_config(
        tmp_path, http_server, ["quick", "stuck"], startup_spread="0s", shutdown_grace="0.5s"
    )
    proc = daemon(config)
    try:
        wait_for(lambda: http_server.hits.get("/stuck") and http_server.hits.get("/quick"))
        # On a loaded machine /quick's claim pipeline can take a while: signal only once it is stored,
        # so that exactly the slow check is in flight.
        wait_for(lambda: _stored_urls(tmp_path / "claimwatch.db") >= {"quick"}, timeout=30)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert took < 6 and "abandoning 1 check(s)" in err  # the stuck page would take 8 s
    db = sqlite3.connect(tmp_path / "claimwatch.db")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        urls = [
            u for (u,) in db.execute("SELECT d.url FROM versions v JOIN documents d ON d.id = v.document_id")
        ]
        assert [u.rsplit("/", 1)[1] for u in urls] == ["quick"]
        # The abandoned source was given back: the next daemon may check it at once.
        assert db.execute("SELECT count(*) FROM sources WHERE lease_owner IS NOT NULL").fetchone() == (0,)
    finally:
        db.close()


def test_second_daemon_on_the_same_sqlite_file_is_refused(http_server: TestServer, tmp_path: Path) -> None:
    http_server.page("/a", page(40))
    config = write_config(tmp_path, http_server, ["a"], startup_spread="0s")
    first = daemon(config)
    try:
        wait_for(lambda: http_server.hits.get("/a"))
        second = daemon(config)
        _out, err = second.communicate(timeout=30)
        assert second.returncode != 0
        assert f"another claimwatch daemon (pid {first.pid}) is already running" in err
        assert "claimwatch.db.lock" in err
        assert "Traceback" not in err
        # `claimwatch check` is not a daemon: it may still run a pass beside it.
        check = subprocess.run(
            [sys.executable, "-m", "monitor", "check", "--config", str(config), "--format", "json"],
            capture_output=True,
            text=True,
            env=env(),
            timeout=60,
            check=False,
        )
        assert check.returncode == 0, check.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=30)
    assert first.returncode == 0


@pytest.mark.parametrize("command", ["run", "check", "sources"])
def test_every_command_takes_config(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "--config" in result.stdout


def _stored_urls(db_path: Path) -> set[str]:
    """Last path segment of every document with a stored version (empty while the DB is not there)."""
    if not db_path.exists():
        return set()
    db = sqlite3.connect(db_path, timeout=5)
    try:
        rows = db.execute("SELECT d.url FROM versions v JOIN documents d ON d.id = v.document_id").fetchall()
    except sqlite3.OperationalError:  # tables not created yet
        return set()
    finally:
        db.close()
    return {url.rsplit("/", 1)[1] for (url,) in rows}


def test_run_follows_a_shorter_interval_than_check_stored(http_server: TestServer, tmp_path: Path) -> None:
    """Issue 13.2: after `check` stored a next check an hour away, `run` with a 1 s interval waited out
    the hour (logging "unchanged" every second without a request). A config change caps stored next
    checks at now + the new interval."""
    http_server.page("/a", page(40))
    # no start-up spread: with the default (first checks at random within 30 s) the wait below raced it
    config = write_config(tmp_path, http_server, ["a"], startup_spread="0s")  # interval 1h
    result = CliRunner().invoke(app, ["check", "--config", str(config), "--no-alerts"])
    assert result.exit_code == 0, result.output
    assert http_server.hits["/a"] == 1
    config.write_text(config.read_text().replace('interval = "1h"', 'interval = "1s"'))
    http_server.page("/a", page(41))
    proc = daemon(config, "--no-alerts")
    try:
        wait_for(lambda: http_server.hits["/a"] >= 3, timeout=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    assert "brought forward" in err
    assert "a: unchanged" not in err  # a job that made no request never says "unchanged"
    db = sqlite3.connect(tmp_path / "claimwatch.db")
    assert db.execute("SELECT count(*) FROM versions").fetchone()[0] == 2  # the edit was seen


def test_check_and_sources_report_feed_entries_too_old_to_track(
    http_server: TestServer, tmp_path: Path
) -> None:
    """Issue 13.3: entries older than retire_after were dropped with `unchanged, 0 documents` and no hint."""
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    from httpserver import rss

    old = format_datetime(datetime.now(UTC) - timedelta(days=30), usegmt=True)
    items = [(http_server.url(f"/old{n}"), f"Old {n}", old) for n in range(4)]
    http_server.page("/feed", rss(items), "application/rss+xml")
    config = tmp_path / "claimwatch.toml"
    config.write_text(
        f'rules = "no-rules"\n[store]\nurl = "sqlite:///{tmp_path / "c.db"}"\n[fetch]\nretries = 0\n'
        f'[[sources]]\nname = "wire"\ntype = "feed"\nurl = "{http_server.url("/feed")}"\n'
    )
    runner = CliRunner()
    result = runner.invoke(app, ["check", "--config", str(config), "--format", "json", "--no-alerts"])
    assert result.exit_code == 0, result.output
    [wire] = json.loads(result.stdout)[0]["sources"]
    assert wire["untracked_entries"] == 4 and wire["note"] == "4 entries older than 14d not tracked"

    table = runner.invoke(app, ["check", "--config", str(config), "--format", "csv", "--no-alerts"])
    assert "not modified" in table.stdout  # the feed was not read again (304): its last count stands
    assert "4 entries older than 14d not tracked" in table.stdout
    listed = runner.invoke(app, ["sources", "--config", str(config), "--format", "csv"])
    assert "4 entries older than 14d not tracked" in listed.stdout
    rows = json.loads(runner.invoke(app, ["sources", "--config", str(config), "--format", "json"]).stdout)
    assert rows["sources"][0]["untracked_entries"] == 4
    assert not any(f"/old{n}" in http_server.hits for n in range(4))


def test_run_once_exits_1_when_a_source_failed_like_check(http_server: TestServer, tmp_path: Path) -> None:
    """Issue 13.5: `run --once` exited 0 when sources failed while `check` exited 1."""
    http_server.page("/a", page(60))
    http_server.route("/down", status=500)
    config = write_config(tmp_path, http_server, ["a", "down"])
    proc = daemon(config, "--once", "--no-alerts")
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert "pass done: 2 source(s) checked, 1 new version(s), 0 change(s), 1 error(s)" in err


def test_check_exits_1_when_a_source_is_busy_with_another_worker(
    http_server: TestServer, tmp_path: Path
) -> None:
    """Issue 12.10: `check` exited 0 when a source was skipped because another worker held it."""
    http_server.page("/a", page(61))
    http_server.page("/b", page(62))
    config = write_config(tmp_path, http_server, ["a", "b"])
    runner = CliRunner()
    assert runner.invoke(app, ["check", "--config", str(config), "--no-alerts"]).exit_code == 0
    db = sqlite3.connect(tmp_path / "claimwatch.db")
    with db:
        db.execute(
            "UPDATE sources SET lease_owner = 'elsewhere:1:x', lease_until = '2999-01-01 00:00:00.000000' "
            "WHERE name = 'b'"
        )
    db.close()
    result = runner.invoke(app, ["check", "--config", str(config), "--no-alerts", "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)[0]
    assert {s["name"]: s["status"] for s in report["sources"]} == {"a": "not modified", "b": "busy"}
    assert report["busy"] == 1 and report["incomplete"] == 1
    table = runner.invoke(app, ["check", "--config", str(config), "--no-alerts"])
    assert table.exit_code == 1 and "1 busy (being checked by another worker)" in table.stdout


def test_check_exits_1_when_every_article_of_a_feed_failed(http_server: TestServer, tmp_path: Path) -> None:
    """Issue 12.10: a feed that read fine but whose articles all failed was `unchanged`, exit 0."""
    from httpserver import rss

    http_server.route("/gone1", status=404)
    http_server.route("/gone2", status=404)
    http_server.page(
        "/feed",
        rss([(http_server.url("/gone1"), "One", None), (http_server.url("/gone2"), "Two", None)]),
        "application/rss+xml",
    )
    config = tmp_path / "claimwatch.toml"
    config.write_text(
        f'rules = "no-rules"\n[store]\nurl = "sqlite:///{tmp_path / "c.db"}"\n[fetch]\nretries = 0\n'
        f'[[sources]]\nname = "wire"\ntype = "feed"\nurl = "{http_server.url("/feed")}"\n'
    )
    result = CliRunner().invoke(app, ["check", "--config", str(config), "--no-alerts", "--format", "json"])
    assert result.exit_code == 1, result.output
    [wire] = json.loads(result.stdout)[0]["sources"]
    assert wire["status"] == "error" and wire["error"].startswith("all 2 article(s) failed; first: HTTP 404")
    listed = json.loads(
        CliRunner().invoke(app, ["sources", "--config", str(config), "--format", "json"]).stdout
    )
    assert listed["sources"][0]["consecutive_failures"] == 1


def test_check_to_a_pipe_lists_what_changed_or_failed_and_all_lists_every_row(
    http_server: TestServer, tmp_path: Path
) -> None:
    """Issue 14.3: to a pipe (cron) `check` printed a row per source, thousands of quiet lines."""
    for n, name in enumerate(["quiet1", "quiet2", "moved"]):
        http_server.page("/" + name, page(70 + n))
    http_server.route("/down", status=500)
    config = write_config(tmp_path, http_server, ["quiet1", "quiet2", "moved", "down"])

    def check(*extra: str, quiet: bool = False) -> subprocess.CompletedProcess[str]:
        command = ["-q", "check"] if quiet else ["check"]
        return subprocess.run(
            [sys.executable, "-m", "monitor", *command, "--config", str(config), "--no-alerts", *extra],
            capture_output=True,  # stdout is a pipe, as under cron
            text=True,
            env=env() | {"COLUMNS": "200"},
            cwd=tmp_path,
            timeout=120,
        )

    first = check()
    assert first.returncode == 1, first.stderr
    assert all(name in first.stdout for name in ("quiet1", "quiet2", "moved", "down"))  # all new or failed
    assert "quiet source(s) not listed" not in first.stdout

    http_server.page("/moved", page(99))
    second = check()
    assert second.returncode == 1, second.stderr
    listed = {name for name in ("quiet1", "quiet2", "moved", "down") if name in second.stdout}
    assert listed == {"moved", "down"}
    assert second.stdout.rstrip().splitlines()[-1] == (
        "4 source(s) checked, 1 new version(s), 1 change(s), 1 error(s); "
        "2 quiet source(s) not listed (--all lists every one)"
    )

    every = check("--all")
    assert all(name in every.stdout for name in ("quiet1", "quiet2", "moved", "down"))
    assert (
        every.stdout.rstrip().splitlines()[-1]
        == "4 source(s) checked, 0 new version(s), 0 change(s), 1 error(s)"
    )

    exported = json.loads(check("--format", "json").stdout)[0]  # JSON: every source, as before
    assert [s["name"] for s in exported["sources"]] == ["quiet1", "quiet2", "moved", "down"]
    assert len(check("--format", "csv").stdout.strip().splitlines()) == 5  # CSV: a header and every row

    http_server.page("/down", page(80))
    quiet = check(quiet=True)
    assert quiet.returncode == 0, quiet.stderr
    assert "down" in quiet.stdout and "quiet1" not in quiet.stdout and "checked" not in quiet.stdout


def test_check_on_a_terminal_lists_every_row(http_server: TestServer, tmp_path: Path) -> None:
    import pty

    http_server.page("/calm", page(90))
    config = write_config(tmp_path, http_server, ["calm"])
    assert CliRunner().invoke(app, ["check", "--config", str(config), "--no-alerts"]).exit_code == 0
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "check", "--config", str(config), "--no-alerts"],
        stdout=follower,
        stderr=subprocess.DEVNULL,
        env=env() | {"COLUMNS": "200", "TERM": "dumb"},
        cwd=tmp_path,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=120) == 0
    shown = b"".join(chunks).decode()
    assert "calm" in shown and "modified" in shown and "not listed" not in shown  # a quiet row, shown
