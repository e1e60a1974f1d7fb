"""Source sync, leases, the process lock and the daemon with the real APScheduler (short intervals)."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from httpserver import TestServer, article_html
from sqlmodel import select

from monitor.checker import BUSY, SKIPPED, Checker, sync_sources
from monitor.config import Config, FetchConfig, SchedulerConfig, SourceConfig
from monitor.errors import StoreError
from monitor.scheduler import Daemon, ProcessLock, lock_path_for
from monitor.store import Store
from monitor.store.tables import SourceRow, VersionRow
from monitor.timeutil import utcnow

QUICK = FetchConfig(retries=0, timeout=timedelta(seconds=2), connect_timeout=timedelta(seconds=1))


def page(n: int, extra: str = "") -> str:
    return article_html(
        f"Item {n}",
        [
            f"The harbour board said on Tuesday it still opposed proposal {n}, its chair told reporters "
            "after the meeting in the town hall.",
            f"The board will meet again next month to look at the figures once more. {extra}".strip(),
        ],
    )


def rows(store: Store) -> dict[str, SourceRow]:
    with store.session(write=False) as session:
        return {row.name: row for row in session.exec(select(SourceRow)).all()}


def version_count(store: Store) -> int:
    with store.session(write=False) as session:
        return len(session.exec(select(VersionRow.id)).all())


def test_sync_creates_updates_and_disables(store: Store) -> None:
    config = Config(
        sources=(
            SourceConfig(name="a", url="http://127.0.0.1:9/a", tags=("x",)),
            SourceConfig(name="b", url="http://127.0.0.1:9/b", interval=timedelta(minutes=5)),
        )
    )
    with store.session() as session:
        sync_sources(session, config)
    found = rows(store)
    assert set(found) == {"a", "b"} and found["b"].interval_seconds == 300 and found["a"].tags == ["x"]
    with store.session() as session:
        row = session.exec(select(SourceRow).where(SourceRow.name == "a")).one()
        row.etag = '"old"'
        session.add(row)
    moved = Config(sources=(SourceConfig(name="a", url="http://127.0.0.1:9/elsewhere", enabled=False),))
    with store.session() as session:
        sync_sources(session, moved)
    found = rows(store)
    assert found["a"].location.endswith("/elsewhere") and found["a"].etag is None and not found["a"].enabled
    assert not found["b"].enabled  # no longer configured: kept (with its history) but disabled


def test_leases_let_exactly_one_worker_check_a_source(http_server: TestServer, store: Store) -> None:
    http_server.page("/p", page(1))
    http_server.route("/slow", page(2), delay=1.0)
    config = Config(
        sources=(
            SourceConfig(name="p", url=http_server.url("/p")),
            SourceConfig(name="slow", url=http_server.url("/slow")),
        ),
        fetch=QUICK,
    )

    async def scenario() -> dict[str, Any]:
        async with (
            Checker(config, store, owner="host-a:1:aaaa") as one,
            Checker(config, store, owner="host-b:2:bbbb") as two,
        ):
            await one.db(one.sync)
            # Both workers go for the same due source at once: one checks it, the other finds it taken.
            first, second = await asyncio.gather(
                one.check_one("slow", due_only=True), two.check_one("slow", due_only=True)
            )
            # Right after, it is not due any more for either of them.
            again = await two.check_one("slow", due_only=True)
            # A forced check (claimwatch check) ignores due times.
            forced = await two.check_one("p", due_only=False)
            return {
                "statuses": sorted([first.status, second.status]),
                "again": again.status,
                "forced": forced.status,
            }

    result = asyncio.run(asyncio.wait_for(scenario(), 30))
    assert result["statuses"] == [BUSY, "new"]
    assert result["again"] == SKIPPED
    assert result["forced"] == "new"
    assert http_server.hits["/slow"] == 1
    assert all(row.lease_owner is None for row in rows(store).values())


def test_an_expired_lease_is_taken_over(http_server: TestServer, store: Store) -> None:
    http_server.page("/p", page(3))
    config = Config(sources=(SourceConfig(name="p", url=http_server.url("/p")),), fetch=QUICK)
    with store.session() as session:
        sync_sources(session, config)
        row = session.exec(select(SourceRow)).one()
        row.lease_owner, row.lease_until = "dead-host:999999:cafe", utcnow() - timedelta(seconds=1)
        session.add(row)

    async def scenario() -> str:
        async with Checker(config, store) as checker:
            return (await checker.check_one("p", due_only=True)).status

    assert asyncio.run(scenario()) == "new"


def test_process_lock_refuses_a_second_holder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'claimwatch.db'}"
    path = lock_path_for(url)
    assert path == (tmp_path / "data" / "claimwatch.db.lock").resolve()
    assert lock_path_for("sqlite:///:memory:") is None
    assert lock_path_for("postgresql://u@127.0.0.1/db") is None
    with ProcessLock(path, "claimwatch.db"):
        assert path.read_text().strip() == str(os.getpid())
        with pytest.raises(
            StoreError, match=rf"another claimwatch daemon \(pid {os.getpid()}\) is already running"
        ):
            ProcessLock(path, "claimwatch.db").acquire()
    with ProcessLock(path, "claimwatch.db"):  # released: free again
        pass


def test_daemon_runs_jobs_on_short_intervals_and_stops_cleanly(
    http_server: TestServer, store: Store, tmp_path: Path
) -> None:
    http_server.page("/a", page(10))
    http_server.page("/b", page(11))
    config = Config(
        sources=(
            SourceConfig(name="a", url=http_server.url("/a"), interval=timedelta(seconds=1)),
            SourceConfig(name="b", url=http_server.url("/b"), interval=timedelta(seconds=1)),
            SourceConfig(name="off", url=http_server.url("/off"), enabled=False),
        ),
        fetch=QUICK,
        scheduler=SchedulerConfig(
            jitter=0.1, startup_spread=timedelta(seconds=0.5), shutdown_grace=timedelta(seconds=3)
        ),
        rules=tmp_path / "no-rules",
    )

    async def scenario() -> Daemon:
        daemon = Daemon(config, store)
        runner = asyncio.create_task(daemon.run())
        await asyncio.sleep(2.0)
        http_server.page("/a", page(10, "Now the board has changed its mind."))
        await asyncio.sleep(2.0)
        daemon.stop("test")
        await asyncio.wait_for(runner, 10)
        return daemon

    daemon = asyncio.run(asyncio.wait_for(scenario(), 30))
    assert daemon.checks >= 4
    assert 2 <= http_server.hits["/a"] <= 6 and http_server.hits["/b"] >= 2
    assert "/off" not in http_server.hits
    found = rows(store)
    assert found["a"].last_status in ("changed", "not modified") and found["a"].last_changed_at is not None
    assert version_count(store) == 3  # a twice, b once
    assert all(row.lease_owner is None for row in found.values())


def test_daemon_once_checks_everything_and_returns(
    http_server: TestServer, store: Store, tmp_path: Path
) -> None:
    http_server.page("/a", page(20))
    http_server.route("/down", status=500)
    config = Config(
        sources=(
            SourceConfig(name="a", url=http_server.url("/a"), interval=timedelta(hours=1)),
            SourceConfig(name="down", url=http_server.url("/down")),
        ),
        fetch=QUICK,
        rules=tmp_path / "no-rules",
    )
    daemon = Daemon(config, store, once=True)
    asyncio.run(asyncio.wait_for(daemon.run(), 30))
    [report] = daemon.passes
    assert {r.name: r.status for r in report.results} == {"a": "new", "down": "error"}


def test_reload_follows_the_config(http_server: TestServer, store: Store, tmp_path: Path) -> None:
    http_server.page("/a", page(30))
    http_server.page("/b", page(31))
    config_file = tmp_path / "claimwatch.toml"

    def write(*names: str) -> None:
        sources = "".join(
            f'[[sources]]\nname = "{n}"\nurl = "{http_server.url("/" + n)}"\ninterval = "1h"\n' for n in names
        )
        config_file.write_text(f'rules = "no-rules"\n[scheduler]\nstartup_spread = "0s"\n{sources}')

    from monitor.config import load_config

    write("a")

    async def scenario() -> tuple[list[str], list[str]]:
        daemon = Daemon(load_config(config_file), store, config_path=config_file)
        runner = asyncio.create_task(daemon.run())
        await asyncio.sleep(0.5)
        before = sorted(job.id for job in daemon._source_jobs())
        write("b")
        await daemon.reload()
        await asyncio.sleep(0.5)
        after = sorted(job.id for job in daemon._source_jobs())
        daemon.stop()
        await asyncio.wait_for(runner, 10)
        return before, after

    before, after = asyncio.run(asyncio.wait_for(scenario(), 30))
    assert before == ["source:a"] and after == ["source:b"]
    found = rows(store)
    assert found["b"].enabled and not found["a"].enabled
    assert http_server.hits.get("/b") == 1


def test_rules_holder_uses_the_configs_gazetteers_and_follows_a_reload(tmp_path: Path) -> None:
    """Rule actors resolve through the config's own gazetteer files in the live path (as in
    `rules test`), and a reload takes a new rules folder and new channels from the new config."""
    from monitor.config import parse_config
    from monitor.model import Change, ChangeKind, ChangeSide
    from monitor.rules import MatchContext
    from monitor.scheduler import RulesHolder

    (tmp_path / "mine.toml").write_text(
        '[[org]]\nname = "Eastbrook City Council"\naliases = ["Eastbrook council"]\n', encoding="utf-8"
    )
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "council.toml").write_text(
        '[[rule]]\nid = "council"\nactors = ["Eastbrook council"]\nchannels = ["console"]\n', encoding="utf-8"
    )
    config_path = tmp_path / "claimwatch.toml"
    config_path.write_text('actors = ["mine.toml"]\n[channels.console]\ntype = "console"\n', encoding="utf-8")
    holder = RulesHolder(parse_config(config_path))
    change = Change(
        kind=ChangeKind.STANCE_SHIFT,
        actor="Eastbrook City Council",
        topic="bus lane",
        before=ChangeSide(text="The council opposed the bus lane.", stance="oppose"),
        after=ChangeSide(text="The council approved the bus lane.", stance="support"),
    )
    assert [r.id for r in holder.current().match(change, MatchContext())] == ["council"]

    # The new config names a channel the old one lacked; the rule that uses it loads on reload.
    (rules / "desk.toml").write_text(
        '[[rule]]\nid = "desk"\nkinds = ["stance_shift"]\nchannels = ["desk"]\n', encoding="utf-8"
    )
    config_path.write_text(
        'actors = ["mine.toml"]\n[channels.console]\ntype = "console"\n'
        '[channels.desk]\ntype = "console"\nstream = "stderr"\n',
        encoding="utf-8",
    )
    holder.reload(parse_config(config_path))
    assert sorted(r.id for r in holder.current().match(change, MatchContext())) == ["council", "desk"]


def test_a_feed_with_nothing_due_is_not_due_not_unchanged(
    http_server: TestServer, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 13.2: a daemon job that found neither the feed nor any article due said `unchanged`."""
    from email.utils import format_datetime

    from httpserver import rss

    http_server.page("/art", page(50))
    published = format_datetime(utcnow(), usegmt=True)
    http_server.page("/feed", rss([(http_server.url("/art"), "Art", published)]), "application/rss+xml")
    config = Config(
        sources=(
            SourceConfig(name="wire", type="feed", url=http_server.url("/feed"), interval=timedelta(hours=1)),
        ),
        fetch=QUICK,
        rules=Path("/nonexistent-rules"),
    )

    async def scenario() -> tuple[str, str]:
        async with Checker(config, store) as checker:
            await checker.db(checker.sync)
            first = await checker.check_one("wire")
            later = await checker.check_one("wire", due_only=True)
            return first.status, later.status

    hits = dict(http_server.hits)
    with caplog.at_level("INFO", logger="monitor.checker"):
        first, later = asyncio.run(asyncio.wait_for(scenario(), 30))
    assert first == "new" and later == SKIPPED
    assert http_server.hits["/feed"] == hits.get("/feed", 0) + 1 and http_server.hits["/art"] == 1
    assert "wire: not due" in caplog.text and "wire: unchanged" not in caplog.text
    row = rows(store)["wire"]
    assert row.last_status == "new" and row.lease_owner is None  # the last real check's word stands


def test_daemon_start_caps_stored_next_checks_at_the_new_intervals(store: Store) -> None:
    config = Config(
        sources=(SourceConfig(name="a", url="http://127.0.0.1:9/a", interval=timedelta(minutes=1)),)
    )
    far = utcnow() + timedelta(hours=5)
    with store.session() as session:
        sync_sources(session, config)
        row = session.exec(select(SourceRow).where(SourceRow.name == "a")).one()
        row.next_check_at = far
        session.add(row)

    async def scenario() -> int:
        async with Checker(config, store) as checker:
            return await checker.db(checker.cap_next_checks)

    assert asyncio.run(scenario()) == 1
    stored = rows(store)["a"].next_check_at
    assert stored is not None
    from monitor.timeutil import ensure_utc

    assert ensure_utc(stored) <= utcnow() + timedelta(minutes=1)
