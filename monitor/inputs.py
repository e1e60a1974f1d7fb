"""Read a document given on the command line: plain text or HTML, with one clear error when unusable."""

from __future__ import annotations

import re
from pathlib import Path

from monitor.errors import ExtractError, InputError

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
