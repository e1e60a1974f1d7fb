"""Read a document given on the command line (a file, plain text or HTML, or an http(s) URL), with one
clear error when unusable."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.errors import ExtractError, FetchError, InputError

if TYPE_CHECKING:
    from monitor.config import FetchConfig

_HTML_HINT = re.compile(rb"^\s*(?:<!doctype html|<html|<head|<body|<article|<div|<p[\s>])", re.IGNORECASE)
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}


def looks_like_html(path: Path, body: bytes) -> bool:
    return path.suffix.lower() in HTML_SUFFIXES or bool(_HTML_HINT.match(body[:2048].lstrip(b"\xef\xbb\xbf")))


# What one document may weigh when read from a file: the fetcher's default `max_bytes`. Reading stops
# there, so `ingest /dev/zero` (or a FIFO, or a huge log) fails at once instead of filling memory.
DEFAULT_MAX_BYTES = 5_000_000


def read_bytes(path: Path, limit: int = DEFAULT_MAX_BYTES) -> bytes:
    """The file's bytes, or an InputError naming the file: missing, a directory, unreadable, or more
    than `limit` bytes (never read past `limit`)."""
    try:
        with path.open("rb") as handle:
            body = handle.read(limit + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(body) > limit:
        raise InputError(f"{path}: larger than {limit} bytes (the limit is [fetch] max_bytes)")
    return body


def read_document(path: Path) -> tuple[str, str | None]:
    """Return (article text, title) of a plain-text or HTML file.

    Decoding and extraction are the fetcher's own (`monitor.extract`), so a file reads the same here
    as through `ingest` or a `file` source. Raises InputError (exit status 2) for a missing, unreadable,
    empty, binary or undecodable file, naming the file and the problem in one line.
    """
    from monitor.extract import extract_article

    body = read_bytes(path)
    if not body.strip():
        raise InputError(f"{path}: file is empty")
    content_type = "text/html" if looks_like_html(path, body) else "text/plain"
    try:
        article = extract_article(body, content_type, path.resolve().as_uri())
    except ExtractError as exc:
        raise InputError(f"{path}: {exc}") from None
    if not article.text.strip():
        raise InputError(f"{path}: no article text found")
    return article.text, article.title


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def fetch_url(url: str, settings: FetchConfig) -> tuple[bytes, str | None]:
    """One GET through the daemon's own fetcher (same limits, content types, retries, address
    policy): (body, content type). Raises FetchError naming the URL."""
    import asyncio

    from monitor.sources.fetch import Fetcher

    async def get() -> tuple[bytes, str | None]:
        async with Fetcher(settings) as fetcher:
            result = await fetcher.fetch(url)
        return result.body, result.content_type

    try:
        return asyncio.run(get())
    except FetchError as exc:
        from monitor.redact import redact_url

        shown = redact_url(url)  # the URL's credentials are never printed
        message = str(exc).replace(url, shown) if url in str(exc) else f"{shown}: {exc}"
        raise FetchError(message, transient=exc.transient, status=exc.status) from None


def read_text(value: str, settings: FetchConfig) -> tuple[str, str | None]:
    """(article text, title) of a file or an http(s) URL given on the command line. A URL that
    cannot be fetched or holds no article text is an InputError too (exit status 2), like a file."""
    if not is_url(value):
        return read_document(Path(value))
    from monitor.extract import extract_article

    try:
        body, content_type = fetch_url(value, settings)
        article = extract_article(body, content_type, value)
    except (FetchError, ExtractError) as exc:
        message = str(exc) if value in str(exc) else f"{value}: {exc}"
        raise InputError(message) from None
    if not article.text.strip():
        raise InputError(f"{value}: no article text found")
    return article.text, article.title
