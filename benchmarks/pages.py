"""Benchmark fixtures shared by bench_check.py and bench_memory.py: news pages and a local HTTP server.

Pages are written here from templates (our own words, no real outlet's text): ~800 words of a made-up
news story per page, with page furniture (navigation, related links, footer) around the article.
Version 1 of page N differs from version 0 in claim-bearing sentences: a stance verb flips and a
figure moves.

The server (`serve`) is a threaded HTTP/1.1 server on 127.0.0.1 with keep-alive, gzip, ETag and
Last-Modified, honouring If-None-Match (first) and If-Modified-Since. A control request
`GET /_state?changed=K&validators=1` makes pages 0..K-1 serve version 1 (with a newer ETag and
Last-Modified); `validators=0` makes it ignore conditional headers (a server without 304 support).
"""

from __future__ import annotations

import email.utils
import gzip
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ACTORS = ["Germany", "France", "the United States", "the United Kingdom", "Poland", "Italy", "Spain"]
CITIES = ["Eastbrook", "Northvale", "Westmere", "Southport", "Lakeside", "Hillcrest", "Riverton"]
PEOPLE = ["Maria Okafor", "Daniel Reyes", "Anna Lindqvist", "Tomas Novak", "Priya Raman", "Jon Berg"]
TOPICS = [
    ("sending tanks to the eastern front", "tanks"),
    ("a ceasefire along the border", "ceasefire"),
    ("new sanctions on steel imports", "sanctions"),
    ("a congestion charge for the old town", "charge"),
    ("raising the fuel tax next year", "fuel tax"),
]

PARAGRAPHS = [
    "{city} officials met on Tuesday to weigh {topic}, and {person}, who chairs the committee, said "
    "the group would publish a short statement after the vote, which members expected later in the "
    "week. The meeting ran for more than three hours and was closed to the press for most of it.",
    "{actor} {stance} {topic}, its foreign minister said in a statement on Monday, adding that the "
    "decision had been taken after weeks of talks with partners. Officials said {number} troops were "
    "already stationed in the region and that no further deployment was planned before the summer.",
    "{person} said the plan was one option among several to cut costs, which have risen by {pct}% "
    "since 2019, according to the council's own figures. She said the council would publish a full "
    "consultation before any vote, and that residents would have at least six weeks to respond.",
    "The opposition criticised the timing of the announcement. Its spokesman said the government had "
    "failed to explain how the measure would be paid for, and that a cross-party review was needed "
    "before any money was spent. He said his party would table questions in parliament next week.",
    "Analysts said markets had largely expected the move. One economist at a regional bank said the "
    "effect on prices would be small in the short term but could grow if the measure were extended "
    "beyond the first year, as some ministers have suggested in recent interviews with local radio.",
    "Local traders were divided. The chair of the {city} Traders Association, {person2}, said at "
    "least {shops} shops depended on visitors from outside the city and warned that footfall could "
    "fall sharply. Others said quieter streets would bring more shoppers on foot and by bicycle.",
    "The government has said it will review the policy in {months} months. A report by the national "
    "audit office, published in March, found that similar schemes elsewhere had met most of their "
    "targets, although it noted that the evidence on their long-term effects was still limited.",
    "Residents who spoke to reporters outside the town hall gave mixed views. A retired teacher said "
    "she welcomed any step that made the streets safer for children, while a delivery driver said "
    "the rules were confusing and that nobody had told him what would change for his daily route.",
    "{actor2} said it was watching the talks closely and would not comment on a decision taken by "
    "another government. A spokeswoman said the two countries remained close partners and that "
    "ministers would meet again at the regional summit planned for the autumn in {city}.",
    "The committee's final report is due in {months} months. Until then, {person} said, the current "
    "arrangements would stay in place, and any change would be announced at least a month in "
    "advance so that businesses and families had time to prepare for what would follow.",
]

FURNITURE_TOP = (
    '<header><nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>'
    '<li><a href="/politics">Politics</a></li><li><a href="/business">Business</a></li>'
    '<li><a href="/sport">Sport</a></li></ul></nav>'
    '<div class="cookie-banner">We use cookies to improve your experience. <a href="/privacy">'
    "Learn more</a></div></header>\n"
)
FURNITURE_BOTTOM = (
    '<aside class="related"><h2>Related stories</h2><ul>'
    '<li><a href="/story/1">Council delays vote on parking fees</a></li>'
    '<li><a href="/story/2">Ministers meet ahead of summit</a></li>'
    '<li><a href="/story/3">Traders warn of quiet summer</a></li></ul></aside>\n'
    "<footer><p>Copyright 2025 The Benchmark Gazette. All rights reserved.</p>"
    '<p><a href="/about">About us</a> | <a href="/contact">Contact</a> | <a href="/terms">Terms</a></p>'
    "</footer>\n"
)


def page_html(n: int, version: int) -> bytes:
    """Page `n` (~800 words of article text), version 0 or 1 (stance verb and figures changed)."""
    rng = random.Random(n)
    actor, actor2 = rng.sample(ACTORS, 2)
    city = rng.choice(CITIES)
    person, person2 = rng.sample(PEOPLE, 2)
    topic, short = rng.choice(TOPICS)
    values = {
        "actor": actor[0].upper() + actor[1:],
        "actor2": actor2[0].upper() + actor2[1:],
        "city": city,
        "person": person,
        "person2": person2,
        "topic": topic,
        "stance": "opposes" if version == 0 else "now supports",
        "number": f"{rng.randrange(2, 40) * 500:,}" if version == 0 else f"{rng.randrange(41, 80) * 500:,}",
        "pct": rng.randrange(5, 30),
        "shops": rng.randrange(40, 300),
        "months": rng.randrange(3, 18),
    }
    order = list(range(2, len(PARAGRAPHS)))
    rng.shuffle(order)
    paragraphs = [PARAGRAPHS[0], PARAGRAPHS[1]] + [PARAGRAPHS[i] for i in order]
    # A second run of the body (varied) brings the article to ~800 words, like a long news story.
    extra = [PARAGRAPHS[i] for i in order[:5]]
    article = "".join(f"<p>{p.format(**values)}</p>\n" for p in paragraphs + extra)
    headline = f"{values['actor']} {'rejects' if version == 0 else 'backs'} {short} plan, officials say"
    published = "2025-03-03T09:00:00+00:00"
    modified = published if version == 0 else "2025-03-04T12:30:00+00:00"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{headline} | The Benchmark Gazette</title>"
        f'<meta property="og:title" content="{headline}">'
        f'<meta property="article:published_time" content="{published}">'
        f'<meta property="article:modified_time" content="{modified}">'
        "</head><body>\n"
        + FURNITURE_TOP
        + f'<main><article><h1>{headline}</h1><p class="byline">By {person2}, {city}</p>\n'
        + article
        + "</article></main>\n"
        + FURNITURE_BOTTOM
        + "</body></html>\n"
    ).encode()


def word_count(html: bytes) -> int:
    import re

    text = re.sub(rb"<[^>]+>", b" ", html)
    return len(text.split())


# ------------------------------------------------------------------------------------------ server


class _State:
    def __init__(self, pages: int):
        self.pages = pages
        self.changed = 0
        self.validators = True
        self.requests = 0
        self.not_modified = 0
        self.lock = threading.Lock()
        old = email.utils.formatdate(1_700_000_000, usegmt=True)  # Nov 2023: long before any pass
        self.bodies: dict[tuple[int, int], tuple[bytes, bytes, str, str]] = {}
        for n in range(pages):
            for version in (0, 1):
                html = page_html(n, version)
                self.bodies[(n, version)] = (html, gzip.compress(html, 6), f'"p{n}-v{version}"', old)
        self.new_stamp = old

    def set(self, changed: int, validators: bool) -> None:
        import time

        with self.lock:
            self.changed, self.validators = changed, validators
            stamp = email.utils.formatdate(time.time(), usegmt=True)
            for n in range(self.pages):
                html, gz, etag, _lm = self.bodies[(n, 1)]
                self.bodies[(n, 1)] = (html, gz, etag, stamp)


def make_handler(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body leave at once (no 40 ms delayed-ACK stall)

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/_state":
                query = parse_qs(parts.query)
                state.set(int(query.get("changed", ["0"])[0]), query.get("validators", ["1"])[0] == "1")
                self._send(200, b"ok", {"Content-Type": "text/plain"})
                return
            if parts.path == "/_stats":
                body = f"{state.requests} {state.not_modified}".encode()
                self._send(200, body, {"Content-Type": "text/plain"})
                return
            if not parts.path.startswith("/page/"):
                self._send(404, b"not found", {"Content-Type": "text/plain"})
                return
            try:
                n = int(parts.path.removeprefix("/page/").split(".")[0])
            except ValueError:
                n = -1
            if not 0 <= n < state.pages:
                self._send(404, b"not found", {"Content-Type": "text/plain"})
                return
            with state.lock:
                state.requests += 1
                version = 1 if n < state.changed else 0
                validators = state.validators
            html, gz, etag, modified = state.bodies[(n, version)]
            headers = {"Content-Type": "text/html; charset=utf-8"}
            if validators:
                headers["ETag"] = etag
                headers["Last-Modified"] = modified
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                fresh = False
                if inm is not None:
                    fresh = etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
                elif ims:
                    try:
                        since = email.utils.parsedate_to_datetime(ims)
                        fresh = email.utils.parsedate_to_datetime(modified) <= since
                    except (TypeError, ValueError):
                        fresh = False
                if fresh:
                    with state.lock:
                        state.not_modified += 1
                    self._send(304, b"", headers)
                    return
            if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                headers["Content-Encoding"] = "gzip"
                self._send(200, gz, headers)
            else:
                self._send(200, html, headers)

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", "0" if status == 304 else str(len(body)))
            self._headers_buffer.append(b"\r\n")
            if status != 304:
                self._headers_buffer.append(body)
            self.wfile.write(b"".join(self._headers_buffer))  # one write: head and body together
            self._headers_buffer = []

    return Handler


def serve(pages: int, port_file: str | None = None) -> None:
    """Serve `pages` pages on 127.0.0.1 (an ephemeral port, written to `port_file`) until killed."""
    state = _State(pages)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    server.daemon_threads = True
    server.request_queue_size = 128
    port = server.server_address[1]
    if port_file:
        with open(port_file + ".tmp", "w") as fh:
            fh.write(str(port))
        import os

        os.replace(port_file + ".tmp", port_file)
    else:
        print(port, flush=True)
    server.serve_forever(poll_interval=0.2)


if __name__ == "__main__":
    import sys

    number = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    html = page_html(number, int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    print(html.decode())
    print(word_count(html), "words", len(html), "bytes", file=sys.stderr)
