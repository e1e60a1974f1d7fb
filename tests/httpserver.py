"""A real HTTP/1.1 server on 127.0.0.1 (ephemeral port) for fetch, source and daemon tests.

Routes are set at runtime and can change between passes; each route may misbehave on purpose:

    server = TestServer().start()
    server.page("/a", "<html>...</html>")                      # 200, ETag, Last-Modified, 304 when matching
    server.route("/down", status=500)                          # always 500
    server.route("/slow", body="late", delay=3)                # answers after 3 s
    server.route("/flaky", body="ok", fail_first=2)            # 503 twice, then 200
    server.route("/huge", stream=10_000_000)                   # 10 MB, chunked, no Content-Length
    server.route("/loop", status=302, headers={"Location": "/loop"})
    server.hits["/a"]                                          # how many requests it served

Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-response (timeouts, body caps) are what several tests do on purpose.
        return


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0  # seconds before the response starts
    fail_first: int = 0  # answer 503 this many times first
    fail_status: int = 503
    retry_after: str | None = None  # sent with the failures
    stream: int = 0  # send this many bytes chunked, without Content-Length
    gzip: bool = True  # compress when the client accepts gzip
    served: int = 0


class TestServer:
    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self.log: list[tuple[str, int, dict[str, str]]] = []  # (path, status, request headers)
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_GET(self) -> None:
                server._handle(self)

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- lifecycle ------------------------------------------------------------------------------------

    def start(self) -> TestServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # -- routes ---------------------------------------------------------------------------------------

    def route(self, path: str, body: str | bytes = b"", **options: Any) -> Route:
        data = body.encode() if isinstance(body, str) else body
        route = Route(body=data, **options)
        with self.lock:
            self.routes[path] = route
        return route

    def page(
        self,
        path: str,
        body: str | bytes,
        content_type: str = "text/html; charset=utf-8",
        *,
        validators: bool = True,
        **options: Any,
    ) -> Route:
        """A well-behaved page: ETag and Last-Modified derived from the body, 304 when they match."""
        data = body.encode() if isinstance(body, str) else body
        etag = last_modified = None
        if validators:
            etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
            last_modified = formatdate(time.time(), usegmt=True)
        return self.route(
            path, data, content_type=content_type, etag=etag, last_modified=last_modified, **options
        )

    # -- serving --------------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            route = self.routes.get(path)
            if route is not None:
                route.served += 1
                failing = route.served <= route.fail_first
            else:
                failing = False
        if route is None:
            self._send(request, path, headers, 404, b"not found", {"Content-Type": "text/plain"})
            return
        if route.delay:
            time.sleep(route.delay)
        if failing:
            extra = {"Content-Type": "text/plain"}
            if route.retry_after is not None:
                extra["Retry-After"] = route.retry_after
            self._send(request, path, headers, route.fail_status, b"try again later", extra)
            return
        extra: dict[str, str] = dict(route.headers)
        if route.content_type:
            extra["Content-Type"] = route.content_type
        if route.etag:
            extra["ETag"] = route.etag
        if route.last_modified:
            extra["Last-Modified"] = route.last_modified
        if route.status == 200 and route.etag and headers.get("if-none-match") == route.etag:
            self._send(request, path, headers, 304, b"", {"ETag": route.etag})
            return
        if route.stream:
            self._stream(request, path, headers, route, extra)
            return
        body = route.body
        if route.gzip and "gzip" in headers.get("accept-encoding", "") and len(body) > 64:
            body = gzip.compress(body)
            extra["Content-Encoding"] = "gzip"
        self._send(request, path, headers, route.status, body, extra)

    def _send(
        self,
        request: BaseHTTPRequestHandler,
        path: str,
        headers: dict[str, str],
        status: int,
        body: bytes,
        extra: dict[str, str],
    ) -> None:
        with self.lock:
            self.log.append((path, status, headers))
        try:
            request.send_response(status)
            for key, value in extra.items():
                request.send_header(key, value)
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            if body:
                request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _stream(
        self,
        request: BaseHTTPRequestHandler,
        path: str,
        headers: dict[str, str],
        route: Route,
        extra: dict[str, str],
    ) -> None:
        with self.lock:
            self.log.append((path, route.status, headers))
        chunk = b"<p>" + b"x" * 65_530 + b"</p>"
        try:
            request.send_response(route.status)
            for key, value in extra.items():
                request.send_header(key, value)
            request.send_header("Transfer-Encoding", "chunked")
            request.end_headers()
            sent = 0
            while sent < route.stream:
                piece = chunk[: min(len(chunk), route.stream - sent)]
                request.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                sent += len(piece)
            request.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        request.close_connection = True


def rss(items: list[tuple[str, str, str | None]], title: str = "Test feed") -> str:
    """RSS 2.0 with (link, title, pubDate RFC 822 or None) items."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{title}</title><link>http://127.0.0.1/</link><description>feed for tests</description>",
    ]
    for link, item_title, published in items:
        parts.append(f"<item><title>{item_title}</title><link>{link}</link>")
        if published:
            parts.append(f"<pubDate>{published}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts)


def atom(entries: list[tuple[str, str, str | None]], title: str = "Test Atom feed") -> str:
    """Atom 1.0 with (href, title, updated ISO 8601 or None) entries."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{title}</title><id>urn:test:feed</id><updated>2024-05-31T10:00:00Z</updated>",
    ]
    for n, (href, entry_title, updated) in enumerate(entries):
        parts.append(f'<entry><title>{entry_title}</title><id>urn:test:{n}</id><link href="{href}"/>')
        parts.append(f"<updated>{updated or '2024-05-31T10:00:00Z'}</updated></entry>")
    parts.append("</feed>")
    return "\n".join(parts)


def article_html(title: str, paragraphs: list[str], published: str | None = None) -> str:
    """A news page with furniture around the article (nav, cookie banner, related links, footer)."""
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Test Gazette</title>
<meta property="og:title" content="{title}">{meta}</head>
<body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
<li><a href="/business">Business</a></li><li><a href="/login">Log in</a></li></ul></nav></header>
<div class="cookies">This site uses cookies. <button>OK</button></div>
<main><article><h1>{title}</h1>
{body}
</article>
<aside><h2>Most read</h2><ul><li><a href="/x">Another story entirely</a></li>
<li><a href="/y">Yet another headline</a></li></ul></aside></main>
<footer><p>Copyright Test Gazette. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>
"""
