"""extract_article: HTML -> article text (boilerplate gone, paragraphs kept), title, date; text; errors."""

from __future__ import annotations

import codecs
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.errors import ExtractError
from monitor.extract import extract_article, is_html

FIXTURES = Path(__file__).parent / "fixtures" / "html"


def test_news_page_keeps_the_article_and_drops_the_furniture() -> None:
    article = extract_article((FIXTURES / "news-article.html").read_bytes(), "text/html; charset=utf-8")
    assert article.title == "Harbour council delays vote on ferry fares"
    assert article.published == datetime(2024, 5, 30, 9, 15, tzinfo=UTC)
    text = article.text
    assert "still opposed any increase before the summer timetable" in text
    assert "The committee will meet again on 6 June." in text
    for furniture in (
        "cookies",
        "Subscribe",
        "newsletter",
        "All rights reserved",
        "Related stories",
        "Privacy",
    ):
        assert furniture not in text
    # One paragraph per block, separated by blank lines, none of them broken inside.
    paragraphs = text.split("\n\n")
    assert len(paragraphs) >= 5
    assert all("\n" not in p for p in paragraphs)
    assert any(p.startswith("Councillor Idris Powell, who chairs") for p in paragraphs)


def test_legacy_charset_json_ld_date_lists_and_comments() -> None:
    body = (FIXTURES / "live-blog-jsonld.html").read_bytes()
    assert b"\xe9" in body  # windows-1252, declared only in a <meta> tag
    article = extract_article(body, "text/html")
    assert article.title == "Minister says the bridge will reopen in autumn"
    assert article.published == datetime(2024, 3, 12, 15, 40, tzinfo=UTC)  # +01:00 -> UTC
    assert "café owners on the east bank" in article.text
    assert "\u201cWe were promised spring,\u201d" in article.text
    assert "- Lorries over 7.5 tonnes: not before 2025" in article.text
    assert "Reader1" not in article.text  # comments dropped
    assert "vouchers" not in article.text  # the advert box


def test_html_is_sniffed_without_a_content_type() -> None:
    body = (FIXTURES / "news-article.html").read_bytes()
    assert is_html(body)
    assert extract_article(body).title == "Harbour council delays vote on ferry fares"
    # ... and recognised by the URL's suffix even when it starts with a comment.
    assert is_html(b"<!-- saved page -->\n" + b" " * 5000 + b"<p>x</p>", None, "file:///tmp/page.html")


def test_plain_text_passes_through() -> None:
    text = "First paragraph about the vote.\r\n\r\nSecond paragraph: the council said no.\r\n"
    article = extract_article(text.encode(), "text/plain")
    assert article.text == "First paragraph about the vote.\n\nSecond paragraph: the council said no."
    assert article.title is None and article.published is None


def test_plain_text_charsets_and_boms() -> None:
    latin1 = "Café owners lost most of their trade.".encode("latin-1")
    assert (
        extract_article(latin1, "text/plain; charset=ISO-8859-1").text
        == "Café owners lost most of their trade."
    )
    utf16 = codecs.BOM_UTF16_LE + "Ça marche, dit le maire.".encode("utf-16-le")
    assert extract_article(utf16, "text/plain").text == "Ça marche, dit le maire."
    bom8 = codecs.BOM_UTF8 + "Grüße aus Köln.".encode()
    assert extract_article(bom8).text == "Grüße aus Köln."


def test_undecodable_text_is_a_clear_error() -> None:
    with pytest.raises(ExtractError, match="not valid UTF-8"):
        extract_article("Café in latin-1 without a declared charset.".encode("latin-1"), "text/plain")
    with pytest.raises(ExtractError, match="not valid ascii"):
        extract_article("naïve".encode(), "text/plain; charset=us-ascii")


@pytest.mark.parametrize(
    "body",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        b"%PDF-1.7\n" + bytes(range(1, 32)) * 40,
        b"text with a NUL \x00 byte in it",
    ],
)
def test_binary_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(ExtractError, match="binary"):
        extract_article(body, "text/html")


@pytest.mark.parametrize("body", [b"", b"   \n\t  "])
def test_empty_bodies_are_refused(body: bytes) -> None:
    with pytest.raises(ExtractError, match="empty"):
        extract_article(body)


def test_broken_html_is_read_leniently() -> None:
    body = (
        b"<html><body><div><p>The council kept its objection to the fare rise on Monday evening, "
        b"its chair said <b>after a <i>long meeting</div></p><p>Members will vote again in June, "
        b"when the operator's figures <a href='x'>should be in"
    )
    article = extract_article(body, "text/html")
    assert "kept its objection to the fare rise" in article.text
    assert "Members will vote again in June" in article.text


def test_html_without_article_text_is_an_error() -> None:
    with pytest.raises(ExtractError, match="no article text"):
        extract_article(
            b"<html><head><title>x</title></head><body><nav><a href='/'>Home</a></nav></body></html>"
        )
    with pytest.raises(ExtractError):
        extract_article(b"<<<>>><div><</div>", "text/html")


def test_large_page_is_fast() -> None:
    """A 1.5 MB page (300 KB of article, the rest scripts and navigation) in well under a second."""
    article = "\n".join(
        f"<p>Paragraph {n}: the committee heard evidence from the operator and from residents of the "
        f"outer islands, who said the morning crossing was the only way to reach the hospital.</p>"
        for n in range(1500)
    )
    script = "<script>window.__STATE__ = " + '{"k": "' + "v" * 1_000_000 + '"}</script>'
    nav = "<nav>" + "".join(f"<a href='/s/{n}'>Section {n}</a>" for n in range(3000)) + "</nav>"
    body = (
        f"<html><head><title>Long</title>{script}</head><body>{nav}<article>{article}</article></body></html>"
    )
    extract_article(
        b"<html><body><p>warm-up: imports and caches are loaded once.</p></body></html>", "text/html"
    )
    started = time.perf_counter()
    result = extract_article(body.encode(), "text/html")
    elapsed = time.perf_counter() - started
    assert "Paragraph 1499:" in result.text
    assert "Section 17" not in result.text
    assert elapsed < 3.0, f"took {elapsed:.2f}s"
