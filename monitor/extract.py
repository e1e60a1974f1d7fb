"""Fetched bytes -> article text, title and publication time.

HTML goes through trafilatura tuned for precision (boilerplate, navigation, comments and related-story
boxes dropped), with one paragraph per block separated by a blank line, so the claim extractor sees the
article's own paragraphs. Plain text passes through. Binary or undecodable bodies raise `ExtractError`.

Speed: the page is parsed once with lxml; trafilatura runs in its fast mode (no fallback extractors)
and the publication date is read from the page's metadata first (a few XPath lookups) instead of
htmldate's extensive search. Only when the fast pass finds (almost) nothing do the slower fallback
extractors run.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from monitor.errors import ExtractError

__all__ = ["Article", "extract_article", "is_html"]


@dataclass(frozen=True, slots=True)
class Article:
    text: str
    title: str | None = None
    published: datetime | None = None


_HTML_TYPES = ("text/html", "application/xhtml+xml")
_HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
_HTML_SNIFF = re.compile(
    rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<article[\s>]|<meta\s|<title>|<div[\s>]|<p[\s>]",
    re.IGNORECASE,
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Control bytes that never occur in text (NUL is checked separately; \t \n \f \r and ESC are allowed).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
_SPACE = re.compile(r"[ \t\u00a0\u2009\u200a\u202f]+")
# A fast precise extraction shorter than this (characters) is retried with the fallback extractors.
_RETRY_BELOW = 200


def extract_article(body: bytes, content_type: str | None = None, url: str | None = None) -> Article:
    """Turn a fetched body into an `Article`.

    `content_type` is the HTTP Content-Type (with its charset, if any); without it, the body is sniffed
    and a URL ending in .html counts as HTML. Raises `ExtractError` for empty, binary or undecodable
    bodies and for HTML without any article text.
    """
    if not body or not body.strip():
        raise ExtractError("empty body")
    bom_encoding = _bom(body)
    if bom_encoding is None:
        _reject_binary(body)
    mime, charset = _parse_content_type(content_type)
    if is_html(body, mime, url):
        return _extract_html(body, bom_encoding or charset)
    text = _decode_text(body, bom_encoding or charset)
    return Article(text=_normalize_newlines(text))


def is_html(body: bytes, mime: str | None = None, url: str | None = None) -> bool:
    if mime in _HTML_TYPES:
        return True
    if mime == "text/plain":
        return False
    if url and url.lower().split("?", 1)[0].endswith(_HTML_SUFFIXES):
        return True
    head = body[:4096]
    return bool(_HTML_SNIFF.search(head))


# ------------------------------------------------------------------------------------- decoding


def _parse_content_type(content_type: str | None) -> tuple[str | None, str | None]:
    if not content_type:
        return None, None
    parts = [p.strip() for p in content_type.split(";")]
    mime = parts[0].lower() or None
    charset = None
    for part in parts[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    return mime, _known_codec(charset)


def _known_codec(name: str | bytes | None) -> str | None:
    if not name:
        return None
    if isinstance(name, bytes):
        name = name.decode("ascii", "ignore")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _bom(body: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return encoding
    return None


def _reject_binary(body: bytes) -> None:
    head = body[:8192]
    if b"\x00" in head:
        raise ExtractError("binary body (contains NUL bytes), expected HTML or text")
    controls = sum(head.count(bytes([c])) for c in _CONTROL)
    if controls > max(8, len(head) // 100):
        raise ExtractError("binary body (control bytes), expected HTML or text")


def _decode_text(body: bytes, encoding: str | None) -> str:
    """Plain text: BOM or declared charset, else UTF-8; anything else is a clear error."""
    if encoding:
        try:
            return body.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            raise ExtractError(f"body is not valid {encoding} (byte {exc.start})") from None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ExtractError(
            f"body is not valid UTF-8 (byte {exc.start}: {body[exc.start : exc.start + 1]!r}) "
            "and declares no charset"
        ) from None


def _decode_html(body: bytes, encoding: str | None) -> str:
    """HTML is decoded leniently: declared charset, <meta charset>, UTF-8, then windows-1252."""
    candidates: list[str] = []
    if encoding:
        candidates.append(encoding)
    meta = _META_CHARSET.search(body[:4096])
    if meta and (declared := _known_codec(meta.group(1))):
        candidates.append(declared)
    candidates.append("utf-8")
    for candidate in candidates:
        try:
            return body.decode(candidate).removeprefix("\ufeff")
        except UnicodeDecodeError:
            continue
    # Browsers fall back to windows-1252 for undeclared legacy pages; replace what it cannot map.
    return body.decode("cp1252", errors="replace")


def _normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")


# ------------------------------------------------------------------------------------------ HTML


def _extract_html(body: bytes, encoding: str | None) -> Article:
    import trafilatura
    from lxml import html as lxml_html

    markup = _decode_html(body, encoding)
    # lxml refuses str input that carries an XML encoding declaration; drop it, we decoded already.
    markup = re.sub(r"^\s*<\?xml[^>]*\?>", "", markup, count=1)
    try:
        tree = lxml_html.document_fromstring(markup)
    except Exception as exc:  # lxml raises ParserError / XMLSyntaxError on unusable markup
        raise ExtractError(f"unparseable HTML ({exc})") from None

    title = _meta_title(tree)
    published = _meta_published(tree)

    options: dict[str, Any] = {
        "favor_precision": True,
        "include_comments": False,
        "include_tables": False,
        "include_images": False,
        "include_links": False,
        "with_metadata": published is None or title is None,
        "date_extraction_params": {"extensive_search": False, "original_date": True},
    }
    document = trafilatura.bare_extraction(tree, fast=True, **options)
    text = _paragraphs(document)
    if len(text) < _RETRY_BELOW:
        # Rare slow path. trafilatura prunes the tree it is given, so parse again for the retry.
        fresh = lxml_html.document_fromstring(markup)
        retry = trafilatura.bare_extraction(fresh, fast=False, **options)
        retry_text = _paragraphs(retry)
        if len(retry_text) > len(text):
            document, text = retry, retry_text
    if not _has_words(text):
        raise ExtractError("no article text found in the HTML")
    if document is not None:
        title = title or _clean(getattr(document, "title", None)) or None
        if published is None:
            published = _parse_when(getattr(document, "date", None))
    return Article(text=text, title=title, published=published)


def _paragraphs(document: Any) -> str:
    """One paragraph per block of trafilatura's output tree, separated by blank lines."""
    if document is None:
        return ""
    body = getattr(document, "body", None)
    blocks: list[str] = []
    if body is not None and len(body):
        for element in body:
            if element.tag == "list":
                items = [_clean(" ".join(item.itertext())) for item in element]
                block = "\n".join(f"- {item}" for item in items if item)
            else:
                block = _clean(" ".join(element.itertext()))
            if block:
                blocks.append(block)
    elif getattr(document, "text", None):
        blocks = [_clean(line) for line in document.text.split("\n")]
    return "\n\n".join(b for b in blocks if b)


_WORD = re.compile(r"[^\W\d_]{2,}")


def _has_words(text: str) -> bool:
    """Anything worth calling article text: at least a few words, not stray markup."""
    return len(_WORD.findall(text[:2000])) >= 3


def _clean(text: str | None) -> str:
    if not text:
        return ""
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return " ".join(line for line in lines if line)


_TITLE_PATHS = (
    "//meta[@property='og:title']/@content",
    "//meta[@name='twitter:title']/@content",
    "//title/text()",
    "//h1//text()",
)
_DATE_PATHS = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@property='og:published_time']/@content",
    "//meta[@name='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//meta[@name='date' or @name='pubdate' or @name='publishdate' or @name='DC.date.issued']/@content",
    "//*[@itemprop='datePublished']/@datetime",
    "//article//time[@datetime]/@datetime",
)


def _meta_title(tree: Any) -> str | None:
    for path in _TITLE_PATHS:
        values = tree.xpath(path)
        if values:
            title = _clean(" ".join(str(v) for v in values) if path.endswith("//text()") else str(values[0]))
            if title:
                return title
    return None


def _meta_published(tree: Any) -> datetime | None:
    for path in _DATE_PATHS:
        for value in tree.xpath(path):
            when = _parse_when(str(value))
            if when is not None:
                return when
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        when = _json_ld_date(str(script))
        if when is not None:
            return when
    return None


def _json_ld_date(text: str) -> datetime | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested thousands deep, a hostile page
        return None
    stack: list[Any] = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            value = item.get("datePublished")
            if isinstance(value, str) and (when := _parse_when(value)):
                return when
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _parse_when(value: str | None) -> datetime | None:
    """An ISO date or datetime (as found in metadata) -> aware UTC datetime; None when unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)
