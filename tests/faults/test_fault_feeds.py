"""Defect 5 (issue 12): no cap on a feed. 50,000 entries became 50,000 tracked articles, re-checked
for 14 days, and their fetches queued ahead of every other source. Now the newest `max_per_feed`
entries are tracked (the cut is reported on the source), and one feed's articles take at most a
quarter of the fetch slots."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from httpserver import TestServer, article_html, rss
from sqlmodel import select

from monitor.checker import Checker, check_sources
from monitor.config import ArticlesConfig, Config, FetchConfig, SourceConfig
from monitor.store import Store
from monitor.store.tables import DocumentRow, SourceRow

QUICK = FetchConfig(retries=0, timeout=timedelta(seconds=5), connect_timeout=timedelta(seconds=1))


def _story(n: int) -> str:
    return article_html(
        f"Story {n}", [f"The council said on Monday it still opposed plan {n}, its leader said."]
    )


def test_a_huge_feed_is_cut_to_its_newest_entries(http_server: TestServer, store: Store) -> None:
    now = datetime.now(UTC)
    items = [
        (f"/a/{n}", f"Entry {n}", format_datetime(now - timedelta(minutes=n), usegmt=True))
        for n in range(300)
    ]
    items.reverse()  # oldest first in the file: the cut must go by date, not by position
    http_server.page("/feed.xml", rss(items), "application/rss+xml")
    for n in range(300):
        http_server.page(f"/a/{n}", _story(n))
    config = Config(
        sources=(SourceConfig(name="big", type="feed", url=http_server.url("/feed.xml")),),
        fetch=QUICK,
        articles=ArticlesConfig(max_per_feed=20),
    )
    [result] = asyncio.run(check_sources(config, store)).results
    with store.session(write=False) as session:
        urls = set(session.exec(select(DocumentRow.url)).all())
        row = session.exec(select(SourceRow)).one()
    assert urls == {http_server.url(f"/a/{n}") for n in range(20)}  # the 20 newest
    assert result.new_articles == 20 and result.ok
    message = "the feed lists 300 entries; the newest 20 are tracked (articles.max_per_feed)"
    assert result.error == message and row.last_error == message


def test_a_feeds_articles_leave_room_for_other_sources(http_server: TestServer, store: Store) -> None:
    now = datetime.now(UTC)
    items = [
        (f"/a/{n}", f"Entry {n}", format_datetime(now - timedelta(minutes=n), usegmt=True)) for n in range(30)
    ]
    http_server.page("/feed.xml", rss(items), "application/rss+xml")
    for n in range(30):
        http_server.route(f"/a/{n}", _story(n), delay=0.1)
    http_server.page("/page", _story(99))
    config = Config(
        sources=(
            SourceConfig(name="feed", type="feed", url=http_server.url("/feed.xml")),
            SourceConfig(name="page", url=http_server.url("/page")),
        ),
        fetch=FetchConfig(retries=0, concurrency=4, per_host_concurrency=4),
    )

    async def scenario() -> None:
        async with Checker(config, store) as checker:
            await checker.db(checker.sync)
            feed = asyncio.create_task(checker.check_one("feed"))
            while sum(1 for path, *_ in http_server.log if path.startswith("/a/")) < 2:
                await asyncio.sleep(0.02)  # the feed's articles are being fetched: now the page is due
            await checker.check_one("page")
            await feed

    asyncio.run(asyncio.wait_for(scenario(), 60))
    paths = [path for path, *_ in http_server.log]
    after_page = [p for p in paths[paths.index("/page") + 1 :] if p.startswith("/a/")]
    # Before: all 30 article fetches queued for the 4 slots ahead of it; the page came last.
    assert len(after_page) >= 20, paths
