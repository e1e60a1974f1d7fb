"""Source types: `page`, `feed` and `file`, each a small class registered by name in `SOURCE_TYPES`.

A source type knows *what* to read and how; the check pass (`monitor.checker`) gives it a `SourceRun`
that does the rest: fetching politely, extracting and recording a document's text through the
pipeline, tracking feed articles in the store. Adding a type is one class:

    @register
    class SitemapSource(SourceType):
        name = "sitemap"
        async def check(self, run: SourceRun) -> None:
            result = await run.fetch(self.config.url, conditional=True)
            if not result.not_modified:
                await run.track_articles(parse_my_sitemap(result.body))
            await run.check_articles()
"""

from __future__ import annotations

import asyncio
import calendar
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, Protocol
from urllib.parse import urljoin

from monitor.config import Config, SourceConfig
from monitor.errors import ExtractError, FetchError
from monitor.sources.fetch import FetchResult

__all__ = [
    "SOURCE_TYPES",
    "FeedEntry",
    "FeedSource",
    "FileSource",
    "PageSource",
    "SourceRun",
    "SourceType",
    "make_source",
    "newest",
    "parse_feed",
    "register",
]

FEED_CONTENT_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
    "application/feed+json",  # refused later by feedparser with a clear message
    "text/plain",
    "text/html",  # some servers label feeds text/html; feedparser decides
)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    url: str
    title: str | None = None
    published: datetime | None = None


class SourceRun(Protocol):
    """What a source type can do during one check (implemented by the check pass)."""

    config: Config

    async def fetch(
        self, url: str, *, conditional: bool = True, content_types: tuple[str, ...] | None = None
    ) -> FetchResult:
        """Fetch the source's own URL; `conditional` uses (and afterwards stores) its ETag/Last-Modified."""
        ...

    def file_unchanged(self, stamp: str) -> bool:
        """True when a local file's stamp equals the stored one (then nothing needs reading)."""
        ...

    async def record(
        self,
        url: str,
        body: bytes,
        *,
        content_type: str | None = None,
        fetched_at: datetime | None = None,
        stamp: str | None = None,
    ) -> None:
        """Extract the body and record the text as the document at `url` (one version if it changed)."""
        ...

    def not_modified(self) -> None:
        """The server (or the file stamp) says nothing changed since the last check."""
        ...

    def feed_due(self) -> bool:
        """True when the feed document itself is due (articles may be due more often)."""
        ...

    def note(self, message: str) -> None:
        """Something the user should hear about that is not a failure (shown with the source's result)."""
        ...

    async def track_articles(self, entries: list[FeedEntry]) -> None:
        """Start tracking feed entries not seen before."""
        ...

    async def check_articles(self) -> None:
        """Fetch and record every tracked article that is due; retire the ones too old to watch."""
        ...


class SourceType(ABC):
    """One kind of source. Subclasses set `name` and implement `check`."""

    name: ClassVar[str]
    tracks_articles: ClassVar[bool] = False  # True: documents are discovered (feed), not fixed (page)

    def __init__(self, config: SourceConfig):
        self.config = config

    @abstractmethod
    async def check(self, run: SourceRun) -> None:
        """Read the source once; raise FetchError/ExtractError for a failure of the source itself."""


SOURCE_TYPES: dict[str, type[SourceType]] = {}


def register(cls: type[SourceType]) -> type[SourceType]:
    SOURCE_TYPES[cls.name] = cls
    return cls


def make_source(config: SourceConfig) -> SourceType:
    try:
        cls = SOURCE_TYPES[config.type]
    except KeyError:
        raise ValueError(
            f"unknown source type {config.type!r} (known: {', '.join(sorted(SOURCE_TYPES))})"
        ) from None
    return cls(config)


@register
class PageSource(SourceType):
    """One web page, one document: conditional GET, then extract and record."""

    name = "page"

    async def check(self, run: SourceRun) -> None:
        url = self.config.url
        assert url is not None
        result = await run.fetch(url, conditional=True)
        if result.not_modified:
            run.not_modified()
            return
        await run.record(url, result.body, content_type=result.content_type, fetched_at=result.fetched_at)


@register
class FileSource(SourceType):
    """A local file re-read each interval (skipped while its size and mtime are unchanged)."""

    name = "file"

    async def check(self, run: SourceRun) -> None:
        assert self.config.path is not None
        path = run.config.resolve(self.config.path)
        try:
            stat = await asyncio.to_thread(path.stat)
        except FileNotFoundError:
            raise FetchError(f"{path}: no such file") from None
        except OSError as exc:
            raise FetchError(f"{path}: cannot read ({exc.strerror or exc})") from None
        if not Path(path).is_file():
            raise FetchError(f"{path}: not a regular file")
        stamp = f"{stat.st_mtime_ns}-{stat.st_size}"
        if run.file_unchanged(stamp):
            run.not_modified()
            return
        limit = run.config.fetch.max_bytes
        try:
            body = await asyncio.to_thread(_read_capped, path, limit)
        except OSError as exc:
            raise FetchError(f"{path}: cannot read ({exc.strerror or exc})") from None
        if len(body) > limit:
            raise FetchError(f"{path}: larger than {limit} bytes (fetch.max_bytes)")
        await run.record(self.config.location, body, content_type=None, stamp=stamp)


@register
class FeedSource(SourceType):
    """An RSS or Atom feed: every entry becomes a tracked article, itself fetched as a page."""

    name = "feed"
    tracks_articles = True

    async def check(self, run: SourceRun) -> None:
        url = self.config.url
        assert url is not None
        try:
            if run.feed_due():
                result = await run.fetch(url, conditional=True, content_types=FEED_CONTENT_TYPES)
                if result.not_modified:
                    run.not_modified()
                else:
                    entries = await asyncio.to_thread(
                        parse_feed, result.body, result.content_type, result.final_url
                    )
                    cap = run.config.articles.max_per_feed
                    if len(entries) > cap:
                        run.note(
                            f"the feed lists {len(entries)} entries; the newest {cap} are tracked "
                            "(articles.max_per_feed)"
                        )
                        entries = newest(entries, cap)
                    await run.track_articles(entries)
        finally:
            # Articles already tracked keep their schedule while the feed itself is down or broken;
            # the feed's own error is still what the source reports.
            await run.check_articles()


def newest(entries: list[FeedEntry], count: int) -> list[FeedEntry]:
    """The `count` newest entries: dated ones by date, newest first; undated ones count as new (feeds
    list their newest first) and keep the feed's order."""
    order = sorted(
        range(len(entries)),
        key=lambda i: (entries[i].published is not None, -(entries[i].published or _EPOCH).timestamp(), i),
    )
    return [entries[i] for i in order[:count]]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _read_capped(path: Path, limit: int) -> bytes:
    """At most `limit` + 1 bytes of the file: enough to tell it is too big, never more."""
    with path.open("rb") as handle:
        return handle.read(limit + 1)


def parse_feed(body: bytes, content_type: str | None = None, base_url: str | None = None) -> list[FeedEntry]:
    """RSS/Atom bytes -> entries with absolute links. Raises ExtractError for something not a feed."""
    import feedparser

    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(
        body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        reason = f": {_short(problem)}" if problem else ""
        raise ExtractError(f"not a readable RSS or Atom feed{reason}")
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        link = entry.get("link") or _first_link(entry)
        if not link:
            continue
        url = urljoin(base_url or "", link.strip())
        if not url.startswith(("http://", "https://")) or url in seen:
            continue
        seen.add(url)
        entries.append(FeedEntry(url=url, title=(entry.get("title") or None), published=_entry_time(entry)))
    if parsed.get("bozo") and not entries:
        raise ExtractError(f"broken feed XML: {_short(parsed.get('bozo_exception'))}")
    return entries


def _first_link(entry: dict) -> str | None:
    for link in entry.get("links") or ():
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    return None


def _entry_time(entry: dict) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def _short(problem: object) -> str:
    text = str(problem or "unknown problem").strip().splitlines()
    return text[0][:200] if text else "unknown problem"
