"""Defects 3 and 8 (issue 12): leases of dead workers, and leases that ran out during a slow check.

3. A killed `claimwatch check` left its sources leased for the whole lease: a running daemon and the
   next `check` found them "busy". A lease whose owner is a process of this host that is gone is now
   taken over by whoever runs next; a live owner's lease is still respected.
8. A check slower than its lease lost the source to a second worker, which fetched the page the first
   one was still fetching. The lease is now renewed while the check runs."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from datetime import timedelta
from typing import Any

from httpserver import TestServer, article_html
from sqlmodel import select

from monitor.checker import BUSY, Checker, sync_sources
from monitor.config import Config, FetchConfig, SchedulerConfig, SourceConfig
from monitor.store import Store
from monitor.store.tables import SourceRow
from monitor.timeutil import utcnow

QUICK = FetchConfig(retries=0, timeout=timedelta(seconds=5), connect_timeout=timedelta(seconds=1))
PAGE = article_html("Port", ["The port authority said on Monday it still opposed the plan, its chair said."])


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _lease(store: Store, config: Config, owner: str, until: timedelta) -> None:
    with store.session() as session:
        sync_sources(session, config)
        for row in session.exec(select(SourceRow)).all():
            row.lease_owner, row.lease_until = owner, utcnow() + until
            session.add(row)


def test_a_dead_local_owners_lease_is_taken_over_at_once(http_server: TestServer, store: Store) -> None:
    http_server.page("/p", PAGE)
    config = Config(sources=(SourceConfig(name="p", url=http_server.url("/p")),), fetch=QUICK)
    # What a `claimwatch check` killed mid-pass leaves: its lease, 15 minutes long, on this host.
    _lease(store, config, f"{socket.gethostname()}:{_dead_pid()}:0badf00d", timedelta(minutes=15))

    async def scenario() -> str:
        async with Checker(config, store) as checker:
            return (await checker.check_one("p", due_only=True)).status

    assert asyncio.run(scenario()) == "new"
    assert http_server.hits["/p"] == 1


def test_a_live_owners_lease_is_respected(http_server: TestServer, store: Store) -> None:
    http_server.page("/p", PAGE)
    config = Config(sources=(SourceConfig(name="p", url=http_server.url("/p")),), fetch=QUICK)
    _lease(store, config, "another-host:4242:cafe", timedelta(minutes=15))  # cannot be seen from here

    async def scenario() -> str:
        async with Checker(config, store) as checker:
            return (await checker.check_one("p")).status

    assert asyncio.run(scenario()) == BUSY
    assert http_server.hits.get("/p", 0) == 0


def test_a_check_longer_than_its_lease_keeps_the_source(http_server: TestServer, store: Store) -> None:
    http_server.route("/slow", PAGE, delay=2.5)
    config = Config(
        sources=(SourceConfig(name="slow", url=http_server.url("/slow")),),
        fetch=QUICK,
        scheduler=SchedulerConfig(lease=timedelta(seconds=1)),
    )

    async def scenario() -> dict[str, Any]:
        async with (
            Checker(config, store, owner="host-a:1:aaaa") as one,
            Checker(config, store, owner="host-b:2:bbbb") as two,
        ):
            await one.db(one.sync)
            first = asyncio.create_task(one.check_one("slow"))
            await asyncio.sleep(1.6)  # past the first lease: only a renewal keeps it
            second = await two.check_one("slow")
            return {"first": (await first).status, "second": second.status}

    result = asyncio.run(asyncio.wait_for(scenario(), 30))
    assert result == {"first": "new", "second": BUSY}
    assert http_server.hits["/slow"] == 1
