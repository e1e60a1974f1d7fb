"""Source types against a real HTTP server: pages, feeds (articles tracked, re-checked, retired), files,
and every way a source can misbehave, each recorded on that source only."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from httpserver import TestServer, article_html, atom, rss
from sqlmodel import select

from monitor.checker import PassReport, article_interval, check_sources
from monitor.config import SAMPLES_DIR, ArticlesConfig, Config, FetchConfig, RecheckStep, SourceConfig
from monitor.errors import ExtractError
from monitor.sources import SOURCE_TYPES, FeedSource, FileSource, PageSource, make_source, parse_feed
from monitor.store import Store
from monitor.store.tables import DocumentRow, SourceRow, VersionRow

QUICK_FETCH = FetchConfig(retries=0, timeout=timedelta(seconds=1), connect_timeout=timedelta(seconds=1))


def story(n: int, extra: str = "") -> str:
    return article_html(
        f"Story {n}",
        [
            f"The regional council said on Monday that it still opposed the plan number {n} for the harbour, "
            "according to a statement released after the meeting.",
            "Members of the transport committee asked the operator for passenger figures before any vote.",
            f"A spokesperson said the committee would meet again next month. {extra}".strip(),
        ],
    )


def make_config(*sources: SourceConfig, **sections: Any) -> Config:
    return Config(sources=sources, fetch=sections.pop("fetch", QUICK_FETCH), **sections)


def check(config: Config, store: Store, names: list[str] | None = None) -> PassReport:
    return asyncio.run(asyncio.wait_for(check_sources(config, store, names), 60))


def by_name(report: PassReport) -> dict[str, Any]:
    return {r.name: r for r in report.results}


def source_row(store: Store, name: str) -> SourceRow:
    with store.session(write=False) as session:
        return session.exec(select(SourceRow).where(SourceRow.name == name)).one()


def versions(store: Store, url: str | None = None) -> list[VersionRow]:
    with store.session(write=False) as session:
        query = select(VersionRow).join(DocumentRow, DocumentRow.id == VersionRow.document_id)
        if url is not None:
            query = query.where(DocumentRow.url == url)
        return list(session.exec(query.order_by(VersionRow.id)).all())


def documents(store: Store, source: str) -> dict[str, DocumentRow]:
    with store.session(write=False) as session:
        rows = session.exec(
            select(DocumentRow)
            .join(SourceRow, SourceRow.id == DocumentRow.source_id)
            .where(SourceRow.name == source)
        ).all()
    return {row.url: row for row in rows}


# --- the registry and feed parsing ------------------------------------------------------------------


def test_source_types_are_registered_by_name() -> None:
    assert SOURCE_TYPES["page"] is PageSource
    assert SOURCE_TYPES["feed"] is FeedSource
    assert SOURCE_TYPES["file"] is FileSource
    assert isinstance(make_source(SourceConfig(name="x", type="feed", url="http://127.0.0.1/f")), FeedSource)
    assert FeedSource.tracks_articles and not PageSource.tracks_articles


def test_parse_rss_and_atom() -> None:
    items = [("/a/1", "One", "Fri, 31 May 2024 09:04:00 GMT"), ("http://127.0.0.1/a/2", "Two", None)]
    entries = parse_feed(rss(items).encode(), "application/rss+xml", "http://127.0.0.1/feed.xml")
    assert [e.url for e in entries] == ["http://127.0.0.1/a/1", "http://127.0.0.1/a/2"]
    assert entries[0].title == "One" and entries[0].published == datetime(2024, 5, 31, 9, 4, tzinfo=UTC)
    assert entries[1].published is None
    entries = parse_feed(atom([("http://127.0.0.1/b", "Bee", "2024-05-30T08:00:00Z")]).encode())
    assert [(e.url, e.title, e.published) for e in entries] == [
        ("http://127.0.0.1/b", "Bee", datetime(2024, 5, 30, 8, tzinfo=UTC))
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"<?xml version='1.0'?><rss><channel><item><title>cut off",
        b"<html><body><p>This is a web page, not a feed.</p></body></html>",
        b"\x00\x01\x02 not xml at all",
    ],
)
def test_broken_feeds_raise(body: bytes) -> None:
    with pytest.raises(ExtractError, match="feed"):
        parse_feed(body, "application/rss+xml")


def test_article_recheck_schedule() -> None:
    config = Config(
        articles=ArticlesConfig(
            recheck=(
                RecheckStep(age=timedelta(hours=6), every=timedelta(minutes=15)),
                RecheckStep(age=timedelta(days=2), every=timedelta(hours=1)),
            ),
            retire_after=timedelta(days=5),
        )
    )
    assert article_interval(config, timedelta(hours=1)) == timedelta(minutes=15)
    assert article_interval(config, timedelta(hours=7)) == timedelta(hours=1)
    assert article_interval(config, timedelta(days=3)) == timedelta(hours=1)  # past the steps: the last one
    assert article_interval(config, timedelta(days=5)) is None  # retired


# --- pages ------------------------------------------------------------------------------------------


def test_page_new_then_304_then_changed(http_server: TestServer, store: Store) -> None:
    route = http_server.page("/p", story(1))
    config = make_config(SourceConfig(name="p", url=http_server.url("/p")))
    first = by_name(check(config, store))["p"]
    assert (first.status, first.new_versions) == ("new", 1)
    row = source_row(store, "p")
    assert row.etag == route.etag and row.last_status == "new" and row.consecutive_failures == 0
    assert (
        row.last_checked_at is not None and row.next_check_at is not None and row.last_changed_at is not None
    )
    [version] = versions(store)
    assert version.title == "Story 1" and "still opposed the plan number 1" in version.text
    assert "All rights reserved" not in version.text

    assert by_name(check(config, store))["p"].status == "not modified"
    assert http_server.log[-1][1] == 304 and http_server.log[-1][2]["if-none-match"] == route.etag

    http_server.page("/p", story(1, "The vote is now set for the seventh of June."))
    changed = by_name(check(config, store))["p"]
    assert (changed.status, changed.new_versions) == ("changed", 1)
    assert len(versions(store)) == 2
    # Same text under a new ETag (a rebuilt page): no new version.
    http_server.page("/p", story(1, "The vote is now set for the seventh of June.") + "<!-- rebuilt -->")
    assert by_name(check(config, store))["p"].status == "unchanged"
    assert len(versions(store)) == 2


def test_misbehaving_pages_are_recorded_on_their_source_only(http_server: TestServer, store: Store) -> None:
    http_server.page("/good", story(2))
    http_server.route("/500", "oops", status=500, content_type="text/plain")
    http_server.route("/slow", story(3), delay=2.5)
    http_server.route("/huge", stream=20_000_000, gzip=False)
    http_server.route(
        "/binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR" + bytes(300), content_type="text/html"
    )
    http_server.route("/broken", b"<<<>>> <div><</div> <p", content_type="text/html")
    http_server.route("/loop", status=302, headers={"Location": "/loop"}, content_type=None)
    names = ["good", "500", "slow", "huge", "binary", "broken", "loop"]
    config = make_config(
        *(SourceConfig(name=n, url=http_server.url(f"/{n}")) for n in names),
        fetch=FetchConfig(retries=0, timeout=timedelta(seconds=0.5), max_bytes=1_000_000, max_redirects=3),
    )
    results = by_name(check(config, store))
    assert results["good"].status == "new"
    expected = {
        "500": "HTTP 500",
        "slow": "timed out",
        "huge": "body exceeds 1000000 bytes",
        "binary": "binary body",
        "broken": "no article text",
        "loop": "too many redirects",
    }
    for name, reason in expected.items():
        assert results[name].status == "error", name
        assert reason in (results[name].error or ""), (name, results[name].error)
        row = source_row(store, name)
        assert (
            row.last_status == "error" and reason in (row.last_error or "") and row.consecutive_failures == 1
        )
    assert source_row(store, "good").last_error is None
    assert len(versions(store)) == 1


def test_failures_count_up_then_recover(http_server: TestServer, store: Store) -> None:
    http_server.route("/flaky", "oops", status=503, content_type="text/plain")
    config = make_config(SourceConfig(name="flaky", url=http_server.url("/flaky")))
    for expected in (1, 2):
        assert by_name(check(config, store))["flaky"].status == "error"
        assert source_row(store, "flaky").consecutive_failures == expected
    http_server.page("/flaky", story(4))
    assert by_name(check(config, store))["flaky"].status == "new"
    row = source_row(store, "flaky")
    assert (row.consecutive_failures, row.last_error, row.last_status) == (0, None, "new")
    assert row.last_success_at is not None


def test_text_that_suddenly_shrinks_is_an_extraction_failure(http_server: TestServer, store: Store) -> None:
    long_story = article_html(
        "Long", [f"Paragraph {n} of the council report says the fare rise is opposed." for n in range(30)]
    )
    http_server.page("/p", long_story)
    config = make_config(SourceConfig(name="p", url=http_server.url("/p")))
    assert by_name(check(config, store))["p"].status == "new"
    http_server.page(
        "/p", article_html("Long", ["Paragraph 0 of the council report says the fare rise is opposed."])
    )
    result = by_name(check(config, store))["p"]
    assert result.status == "extraction failed" and "extraction failed" in (result.error or "")
    row = source_row(store, "p")
    assert row.last_status == "extraction failed" and row.consecutive_failures == 1
    assert len(versions(store)) == 1


# --- feeds ------------------------------------------------------------------------------------------


def test_feed_entries_become_tracked_articles(http_server: TestServer, store: Store) -> None:
    now = datetime.now(UTC)
    fresh = format_datetime(now - timedelta(hours=1), usegmt=True)
    stale = format_datetime(now - timedelta(days=30), usegmt=True)
    http_server.page("/a/1", story(11))
    http_server.page("/a/2", story(12))
    http_server.page("/a/old", story(13))
    items = [(http_server.url("/a/1"), "One", fresh), ("/a/2", "Two", None), ("/a/old", "Old", stale)]
    http_server.page("/feed.xml", rss(items), "application/rss+xml")
    config = make_config(SourceConfig(name="wire", type="feed", url=http_server.url("/feed.xml")))

    first = by_name(check(config, store))["wire"]
    assert (first.status, first.new_articles, first.new_versions, first.documents) == ("new", 2, 2, 2)
    docs = documents(store, "wire")
    assert set(docs) == {
        http_server.url("/a/1"),
        http_server.url("/a/2"),
    }  # the 30-day-old entry is not tracked
    assert "/a/old" not in http_server.hits
    one = docs[http_server.url("/a/1")]
    assert one.title == "Story 1" or one.title == "Story 11"
    assert one.next_check_at is not None and one.etag is not None
    # Fresh article: next check in 15 minutes (the first recheck step of the defaults).
    gap = one.next_check_at - one.last_checked_at
    assert timedelta(minutes=14) < gap <= timedelta(minutes=15)

    # Pass 2: the feed is unchanged (304), one article changed, one not (304).
    http_server.page("/a/2", story(12, "The operator has now supplied the figures."))
    second = by_name(check(config, store))["wire"]
    assert (second.status, second.new_versions, second.new_articles) == ("changed", 1, 0)
    assert len(versions(store, http_server.url("/a/2"))) == 2

    # Pass 3: the feed gains an entry (Atom this time); only the new article has news.
    http_server.page("/a/3", story(14))
    http_server.page(
        "/feed.xml",
        atom([(http_server.url("/a/3"), "Three", now.isoformat()), (http_server.url("/a/1"), "One", None)]),
        "application/atom+xml",
    )
    third = by_name(check(config, store))["wire"]
    assert (third.new_articles, third.new_versions) == (1, 1)
    assert len(documents(store, "wire")) == 3


def test_old_articles_retire(http_server: TestServer, store: Store) -> None:
    http_server.page("/a/1", story(21))
    published = format_datetime(datetime.now(UTC) - timedelta(days=3), usegmt=True)
    http_server.page("/feed", rss([(http_server.url("/a/1"), "One", published)]), "application/rss+xml")
    config = make_config(
        SourceConfig(name="wire", type="feed", url=http_server.url("/feed")),
        articles=ArticlesConfig(
            recheck=(RecheckStep(age=timedelta(days=1), every=timedelta(hours=1)),),
            retire_after=timedelta(days=4),
        ),
    )
    check(config, store)
    [doc] = documents(store, "wire").values()
    assert not doc.retired
    older = config.model_copy(
        update={"articles": config.articles.model_copy(update={"retire_after": timedelta(days=2)})}
    )
    hits = http_server.hits["/a/1"]
    check(older, store)
    [doc] = documents(store, "wire").values()
    assert doc.retired and doc.next_check_at is None
    assert http_server.hits["/a/1"] == hits  # a retired article is not fetched any more


def test_broken_feed_and_failing_articles(http_server: TestServer, store: Store) -> None:
    http_server.route(
        "/bad.xml", b"<?xml version='1.0'?><rss><channel><item><title>cut", content_type="application/rss+xml"
    )
    http_server.page("/ok", story(31))
    http_server.page(
        "/feed",
        rss([(http_server.url("/ok"), "ok", None), (http_server.url("/gone"), "gone", None)]),
        "application/rss+xml",
    )
    config = make_config(
        SourceConfig(name="bad", type="feed", url=http_server.url("/bad.xml")),
        SourceConfig(name="wire", type="feed", url=http_server.url("/feed")),
    )
    results = by_name(check(config, store))
    assert results["bad"].status == "error" and "feed" in (results["bad"].error or "")
    assert source_row(store, "bad").consecutive_failures == 1
    # One article of the good feed is missing (404): recorded on that article, the feed itself is fine.
    wire = results["wire"]
    assert wire.status == "new" and wire.failed_documents == 1 and wire.new_versions == 1
    row = source_row(store, "wire")
    assert row.consecutive_failures == 0 and "HTTP 404" in (row.last_error or "")
    gone = documents(store, "wire")[http_server.url("/gone")]
    assert gone.consecutive_failures == 1 and "HTTP 404" in (gone.last_error or "")


def test_tracked_articles_are_rechecked_while_their_feed_is_broken(
    http_server: TestServer, store: Store
) -> None:
    http_server.page("/a1", story(41))
    http_server.page("/feed", rss([(http_server.url("/a1"), "a1", None)]), "application/rss+xml")
    config = make_config(SourceConfig(name="wire", type="feed", url=http_server.url("/feed")))
    assert by_name(check(config, store))["wire"].status == "new"
    # The feed breaks; the article it listed is updated meanwhile.
    http_server.route("/feed", b"<rss><channel><item><title>cut", content_type="application/rss+xml")
    http_server.page("/a1", story(41, extra=" Officials later said the talks would resume on Monday."))
    result = by_name(check(config, store))["wire"]
    assert result.status == "error" and "feed" in (result.error or "")
    assert len(versions(store, http_server.url("/a1"))) == 2, "the tracked article was still checked"


# --- files ------------------------------------------------------------------------------------------


def test_file_source_reads_the_bundled_sample_offline(tmp_path: Path, store: Store) -> None:
    story_dir = SAMPLES_DIR / "strike-policy"
    files = sorted(story_dir.glob("[0-9]-*.txt"))
    assert len(files) == 3
    watched = tmp_path / "story.txt"
    shutil.copy(files[0], watched)
    config = make_config(SourceConfig(name="sample", type="file", path=watched))
    assert by_name(check(config, store))["sample"].status == "new"
    assert by_name(check(config, store))["sample"].status == "not modified"  # same size and mtime: not read
    for later in files[1:]:
        shutil.copy(later, watched)
        assert by_name(check(config, store))["sample"].status == "changed"
    assert len(versions(store)) == 3
    watched.unlink()
    result = by_name(check(config, store))["sample"]
    assert result.status == "error" and "no such file" in (result.error or "")


def test_a_source_refused_by_the_address_policy_fails_alone(http_server: TestServer, store: Store) -> None:
    """`private_addresses = "deny"` (a deployment that watches only public sites): a local page is
    refused and the refusal recorded on that source; the other sources of the pass go on."""
    http_server.page("/intranet", story(5))
    http_server.page("/feed.xml", rss([(http_server.url("/intranet"), "Local", None)]), "application/rss+xml")
    watched = SAMPLES_DIR / "strike-policy" / "1-2024-05-30-morning.txt"
    config = make_config(
        SourceConfig(name="intranet", url=http_server.url("/intranet")),
        SourceConfig(name="local-feed", type="feed", url=http_server.url("/feed.xml")),
        SourceConfig(name="sample", type="file", path=watched),
        fetch=FetchConfig(retries=2, timeout=timedelta(seconds=1), private_addresses="deny"),
    )
    results = by_name(check(config, store))
    assert results["sample"].status == "new"
    for name in ("intranet", "local-feed"):
        assert results[name].status == "error", name
        assert "non-public address 127.0.0.1" in (results[name].error or "")
        row = source_row(store, name)
        assert row.last_status == "error" and "private_addresses" in (row.last_error or "")
    assert "/intranet" not in http_server.hits and "/feed.xml" not in http_server.hits
    # the default policy lets a local source reach itself (the tests' servers are all local)
    allowed = make_config(SourceConfig(name="intranet", url=http_server.url("/intranet")))
    assert by_name(check(allowed, store))["intranet"].status == "new"


def test_named_sources_only_and_unknown_names(http_server: TestServer, store: Store) -> None:
    from monitor.errors import InputError

    http_server.page("/a", story(41))
    http_server.page("/b", story(42))
    config = make_config(
        SourceConfig(name="a", url=http_server.url("/a")),
        SourceConfig(name="b", url=http_server.url("/b"), enabled=False),
    )
    assert [r.name for r in check(config, store).results] == ["a"]  # disabled sources are skipped
    assert [r.name for r in check(config, store, ["b"]).results] == ["b"]  # ... unless named
    with pytest.raises(InputError, match="unknown source"):
        check(config, store, ["nope"])


@contextlib.contextmanager
def held(checker: Any) -> Iterator[None]:
    """Keep the checker's store thread busy for the block: what it queues goes in one batch."""
    release = threading.Event()
    checker._db.submit(release.wait, 10)
    try:
        yield
    finally:
        release.set()


def test_a_batch_claims_and_finishes_as_one_by_one_would(store: Store) -> None:
    """One batch's claims run as one UPDATE ... RETURNING and its finishes as one executemany (issue
    14): the same sources are won, the busy one stays busy, one added since the sync is synced and
    won, and the finished rows read as after one-by-one finishes."""
    from monitor.checker import BUSY, Checker, _Claimed, _Run

    sources = [SourceConfig(name=n, url=f"http://127.0.0.1:9/{n}") for n in ("a", "b", "c")]
    config = make_config(*sources)
    late = make_config(*sources, SourceConfig(name="d", url="http://127.0.0.1:9/d"))

    async def run() -> dict[str, Any]:
        checker = Checker(config, store, gazetteer=object())
        try:
            await checker.db(checker.sync)
            with store.session() as session:  # "b" is held by a live worker elsewhere
                row = session.exec(select(SourceRow).where(SourceRow.name == "b")).one()
                row.lease_owner = "elsewhere:1:x"
                row.lease_until = datetime.now(UTC) + timedelta(minutes=5)
                session.add(row)
            checker.set_config(late)  # "d": configured after the pass's sync
            names = ["a", "b", "c", "d"]
            with held(checker):  # everything below is queued before the store thread takes a batch
                claims = [checker.batched(checker._claim, n, False) for n in names]
            outcome = dict(zip(names, await asyncio.gather(*claims), strict=True))
            started = datetime.now(UTC)
            runs = [
                _Run(checker, checker.source(n), c, started, False)
                for n, c in outcome.items()
                if isinstance(c, _Claimed)
            ]
            for one in runs:
                one.status, one.source_checked = "not modified", True
            with held(checker):
                finishes = [checker.batched(checker._finish, one, None, started) for one in runs]
            await asyncio.gather(*finishes)
            return outcome
        finally:
            await checker.aclose()

    many: list[list[str]] = []
    real = Checker._claim_many

    def spy(self: Checker, session: Any, names: list[str]) -> Any:
        many.append(sorted(names))
        return real(self, session, names)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Checker, "_claim_many", spy)
        outcome = asyncio.run(run())
    assert many == [["a", "b", "c", "d"]], "the four claims went as one statement"
    assert outcome["b"] == BUSY
    assert all(isinstance(outcome[n], _Claimed) for n in ("a", "c", "d"))
    for name in ("a", "c", "d"):
        row = source_row(store, name)
        assert row.lease_owner is None and row.lease_until is None, "the finish gave the lease back"
        assert row.last_status == "not modified" and row.next_check_at is not None
    assert source_row(store, "b").lease_owner == "elsewhere:1:x"
