"""The Fetcher against a real HTTP server on 127.0.0.1: conditional GET, limits, retries, politeness."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from httpserver import TestServer

from monitor.config import FetchConfig
from monitor.errors import FetchError
from monitor.sources import Fetcher, FetchResult

T = TypeVar("T")

FAST = {
    "retry_backoff": timedelta(seconds=0.05),
    "timeout": timedelta(seconds=5),
    "connect_timeout": timedelta(seconds=2),
}


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, 60))


def fetch(url: str, **options: Any) -> FetchResult:
    kwargs = {k: options.pop(k) for k in ("etag", "last_modified") if k in options}

    async def go() -> FetchResult:
        async with Fetcher(FetchConfig(**{**FAST, **options})) as fetcher:
            return await fetcher.fetch(url, **kwargs)

    return run(go())


def test_get_decodes_gzip_and_reports_validators(http_server: TestServer) -> None:
    route = http_server.page("/a", "<html><body><p>" + "hello " * 200 + "</p></body></html>")
    result = fetch(http_server.url("/a"))
    assert result.status == 200 and not result.not_modified
    assert result.body.startswith(b"<html><body><p>hello hello")
    assert result.content_type == "text/html; charset=utf-8"
    assert result.etag == route.etag and result.last_modified == route.last_modified
    assert result.final_url == http_server.url("/a")
    assert result.attempts == 1 and result.elapsed > 0
    _path, _status, headers = http_server.log[-1]
    assert "gzip" in headers["accept-encoding"]
    assert headers["user-agent"].startswith("claimwatch/")


def test_conditional_get_gives_not_modified(http_server: TestServer) -> None:
    route = http_server.page("/a", "<p>same</p>")
    result = fetch(http_server.url("/a"), etag=route.etag, last_modified=route.last_modified)
    assert result.status == 304 and result.not_modified and result.body == b""
    _path, status, headers = http_server.log[-1]
    assert status == 304
    assert headers["if-none-match"] == route.etag
    assert headers["if-modified-since"] == route.last_modified
    # A changed page answers 200 to the old validator.
    http_server.page("/a", "<p>different now</p>")
    assert fetch(http_server.url("/a"), etag=route.etag).status == 200


def test_server_errors_are_retried_then_reported(http_server: TestServer) -> None:
    http_server.route("/down", "broken", status=500, content_type="text/plain")
    with pytest.raises(FetchError) as caught:
        fetch(http_server.url("/down"), retries=2)
    assert caught.value.transient and caught.value.status == 500
    assert "HTTP 500" in str(caught.value) and "after 3 attempts" in str(caught.value)
    assert http_server.hits["/down"] == 3


def test_flaky_server_recovers_within_the_retries(http_server: TestServer) -> None:
    http_server.route("/flaky", "<p>finally</p>", fail_first=2)
    result = fetch(http_server.url("/flaky"), retries=2)
    assert result.status == 200 and result.attempts == 3
    assert [s for p, s, _ in http_server.log if p == "/flaky"] == [503, 503, 200]


def test_client_errors_are_not_retried(http_server: TestServer) -> None:
    with pytest.raises(FetchError, match="HTTP 404") as caught:
        fetch(http_server.url("/missing"), retries=3)
    assert not caught.value.transient
    assert http_server.hits["/missing"] == 1


def test_retry_after_is_honoured_up_to_the_cap(http_server: TestServer) -> None:
    http_server.route("/busy", "<p>ok</p>", fail_first=1, fail_status=429, retry_after="1")
    started = time.monotonic()
    assert fetch(http_server.url("/busy"), retries=1).status == 200
    assert time.monotonic() - started >= 0.9
    http_server.route("/busier", "<p>ok</p>", fail_first=1, fail_status=503, retry_after="3600")
    started = time.monotonic()
    assert fetch(http_server.url("/busier"), retries=1, retry_after_max=timedelta(seconds=0.2)).status == 200
    assert time.monotonic() - started < 5


def test_slow_response_times_out(http_server: TestServer) -> None:
    http_server.route("/slow", "<p>late</p>", delay=3)
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out") as caught:
        fetch(http_server.url("/slow"), timeout=timedelta(seconds=0.3), retries=0)
    assert caught.value.transient
    assert time.monotonic() - started < 2.5


def test_huge_body_is_cut_off_while_streaming(http_server: TestServer) -> None:
    http_server.route("/huge", stream=50_000_000, gzip=False)
    started = time.monotonic()
    with pytest.raises(FetchError, match="body exceeds 1000000 bytes") as caught:
        fetch(http_server.url("/huge"), max_bytes=1_000_000)
    assert not caught.value.transient
    assert time.monotonic() - started < 5  # stopped early, not after 50 MB
    # A declared Content-Length over the cap is refused before reading.
    http_server.route("/declared", b"x" * 200_000, content_type="text/plain", gzip=False)
    with pytest.raises(FetchError, match="body exceeds 100000 bytes"):
        fetch(http_server.url("/declared"), max_bytes=100_000)


def test_unexpected_content_type_is_refused(http_server: TestServer) -> None:
    http_server.route("/img", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, content_type="image/png")
    with pytest.raises(FetchError, match="unexpected content type 'image/png'"):
        fetch(http_server.url("/img"))


def test_redirects_are_followed_and_loops_stopped(http_server: TestServer) -> None:
    http_server.page("/new", "<p>moved here</p>")
    http_server.route("/old", status=301, headers={"Location": "/new"}, content_type=None)
    result = fetch(http_server.url("/old"))
    assert result.final_url == http_server.url("/new") and result.body == b"<p>moved here</p>"
    http_server.route("/loop-a", status=302, headers={"Location": "/loop-b"}, content_type=None)
    http_server.route("/loop-b", status=302, headers={"Location": "/loop-a"}, content_type=None)
    with pytest.raises(FetchError, match="too many redirects") as caught:
        fetch(http_server.url("/loop-a"), max_redirects=3)
    assert not caught.value.transient
    assert http_server.hits["/loop-a"] + http_server.hits["/loop-b"] == 4  # first try + 3 redirects


def test_connection_refused_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again at once: nothing listens there
    with pytest.raises(FetchError, match="cannot connect") as caught:
        fetch(f"http://127.0.0.1:{port}/", retries=1)
    assert caught.value.transient and "after 2 attempts" in str(caught.value)


def test_per_host_concurrency_and_delay(http_server: TestServer) -> None:
    http_server.route("/slow", "<p>x</p>", delay=0.3)
    http_server.route("/quick", "<p>x</p>")

    async def many(path: str, n: int, **options: Any) -> float:
        async with Fetcher(FetchConfig(**{**FAST, **options})) as fetcher:
            started = time.monotonic()
            await asyncio.gather(*(fetcher.fetch(http_server.url(path)) for _ in range(n)))
            return time.monotonic() - started

    # 6 requests of 0.3 s, two at a time against one host: three rounds.
    assert run(many("/slow", 6, per_host_concurrency=2)) >= 0.85
    # ... and all at once when the host allows it.
    assert run(many("/slow", 6, per_host_concurrency=6)) < 0.85
    # 4 quick requests with 0.2 s between starts: at least 0.6 s.
    assert run(many("/quick", 4, per_host_delay=timedelta(seconds=0.2))) >= 0.55
    # The global limit applies across hosts too.
    assert run(many("/slow", 4, concurrency=1, per_host_concurrency=4)) >= 1.15


def test_keep_alive_connections_are_reused_and_a_dropped_one_is_replaced() -> None:
    """The transport (monitor.sources._transport) keeps connections open across requests, also after
    a 304 and after a redirect; a reused connection the server drops without answering is replaced
    once, with no retry counted; a body left unread closes its connection instead of reusing it."""
    connections: list[int] = []  # requests answered per connection
    drop_second = False

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        index = len(connections)
        connections.append(0)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if drop_second and connections[index] == 1:
                    return  # closed while the client thinks it idle: the keep-alive race
                connections[index] += 1
                path = head.split(b" ", 2)[1]
                if path == b"/old":
                    writer.write(b"HTTP/1.1 301 Moved\r\nLocation: /page\r\nContent-Length: 0\r\n\r\n")
                elif b"if-none-match" in head.lower():
                    writer.write(b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\n\r\n')
                elif path == b"/image":
                    body = b"\x89PNG" + b"\x00" * 100_000
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n")
                    writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
                else:
                    body = b"<p>ok</p>"
                    writer.write(b'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nETag: "v1"\r\n')
                    writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def scenario() -> None:
        nonlocal drop_second
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        base = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        try:
            async with Fetcher(FetchConfig(**{**FAST, "retries": 0})) as fetcher:
                assert (await fetcher.fetch(base + "/page")).body == b"<p>ok</p>"
                assert (await fetcher.fetch(base + "/page", etag='"v1"')).not_modified
                assert (await fetcher.fetch(base + "/old")).final_url == base + "/page"
                assert (await fetcher.fetch(base + "/page")).status == 200
                assert connections == [5]  # one connection for all of it
                with pytest.raises(FetchError, match="unexpected content type"):
                    await fetcher.fetch(base + "/image")
                assert (await fetcher.fetch(base + "/page")).status == 200
                assert connections == [6, 1]  # the unread body's connection was not reused
                drop_second = True
                result = await fetcher.fetch(base + "/page")
                assert result.status == 200 and result.attempts == 1
                assert connections == [6, 1, 1]
        finally:
            server.close()
            await server.wait_closed()

    run(scenario())


# A public address literal: only ever classified, never connected to (no test leaves 127.0.0.1).
PUBLIC_ORIGIN = "http://93.184.215.14/feed.xml"


def test_a_public_origin_may_not_reach_a_private_address(http_server: TestServer) -> None:
    """A feed or page on the internet that links or redirects to 127.0.0.1 (or 10.x, 169.254.x: cloud
    metadata) is refused at once, not retried, with the reason; a local source may reach itself."""
    http_server.page("/admin", "<p>internal</p>")

    async def go(origin: str | None, **options: Any) -> FetchResult:
        async with Fetcher(FetchConfig(**{**FAST, **options})) as fetcher:
            return await fetcher.fetch(http_server.url("/admin"), origin=origin)

    with pytest.raises(FetchError, match=r"non-public address 127\.0\.0\.1") as caught:
        run(go(PUBLIC_ORIGIN, retries=2))
    assert not caught.value.transient and "private_addresses" in str(caught.value)
    assert http_server.hits.get("/admin", 0) == 0, "refused before any request was sent"
    assert run(go(None)).body == b"<p>internal</p>"  # the source's own URL is local: allowed
    assert run(go(http_server.url("/feed.xml"))).status == 200  # a local feed's own articles
    assert run(go(PUBLIC_ORIGIN, private_addresses="allow")).status == 200
    with pytest.raises(FetchError, match="non-public address"):
        run(go(None, private_addresses="deny"))


def test_a_redirect_into_the_local_network_is_refused(http_server: TestServer) -> None:
    http_server.page("/secret", "<p>secret</p>")
    http_server.route("/hop", status=302, headers={"Location": "/secret"}, content_type=None)

    async def go() -> FetchResult:
        async with Fetcher(FetchConfig(**FAST)) as fetcher:
            # the allowed request leaves a keep-alive connection to the server in the pool: a request
            # that may not reach private addresses must not ride on it either
            assert (await fetcher.fetch(http_server.url("/secret"))).status == 200
            return await fetcher.fetch(http_server.url("/hop"), origin=PUBLIC_ORIGIN)

    with pytest.raises(FetchError, match="non-public address"):
        run(go())
    assert http_server.hits["/secret"] == 1 and http_server.hits.get("/hop", 0) == 0


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True), ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.9", False), ("192.168.1.1", False),
        ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("::1", False),
        ("fe80::1%eth0", False), ("fd00::1", False), ("::ffff:127.0.0.1", False), ("224.0.0.1", False),
        ("not an address", False),
    ],
)  # fmt: skip
def test_public_addresses(address: str, public: bool) -> None:
    from monitor.sources._transport import is_public

    assert is_public(address) is public
