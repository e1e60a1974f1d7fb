"""Read a document given on the command line: plain text or HTML, with one clear error when unusable."""

from __future__ import annotations

import re
from pathlib import Path

from monitor.errors import ExtractError, InputError

_HTML_HINT = re.compile(rb"^\s*(?:<!doctype html|<html|<head|<body|<article|<div|<p[\s>])", re.IGNORECASE)
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}


def looks_like_html(path: Path, body: bytes) -> bool:
    return path.suffix.lower() in HTML_SUFFIXES or bool(_HTML_HINT.match(body[:2048].lstrip(b"\xef\xbb\xbf")))


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or an InputError naming the file: missing, a directory, unreadable."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def read_document(path: Path) -> tuple[str, str | None]:
    """Return (article text, title) of a plain-text or HTML file.

    Raises InputError (exit status 2) for a missing, unreadable, empty, binary or undecodable file,
    naming the file and the problem in one line.
    """
    body = read_bytes(path)
    if not body.strip():
        raise InputError(f"{path}: file is empty")
    if b"\x00" in body[:8192]:
        raise InputError(f"{path}: binary file (contains NUL bytes), expected text or HTML")
    if looks_like_html(path, body):
        from monitor.extract import extract_article

        try:
            article = extract_article(body, "text/html", path.as_uri())
        except ExtractError as exc:
            raise InputError(f"{path}: {exc}") from None
        if not article.text.strip():
            raise InputError(f"{path}: no article text found in the HTML")
        return article.text, article.title
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = body[exc.start : exc.start + 1]
        raise InputError(f"{path}: not valid UTF-8 text (byte {exc.start}: {bad!r})") from None
    return text, None
