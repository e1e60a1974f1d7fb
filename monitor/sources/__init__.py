"""Sources: what claimwatch reads (pages, RSS/Atom feeds, local files) and the async fetcher.

`SOURCE_TYPES` maps a config `type` to its class; `Fetcher` does the HTTP work for all of them.
"""

from __future__ import annotations

from monitor.sources.fetch import Fetcher, FetchResult, host_of
from monitor.sources.types import (
    SOURCE_TYPES,
    FeedEntry,
    FeedSource,
    FileSource,
    PageSource,
    SourceRun,
    SourceType,
    make_source,
    parse_feed,
    register,
)

__all__ = [
    "SOURCE_TYPES",
    "FeedEntry",
    "FeedSource",
    "FetchResult",
    "Fetcher",
    "FileSource",
    "PageSource",
    "SourceRun",
    "SourceType",
    "host_of",
    "make_source",
    "parse_feed",
    "register",
]
