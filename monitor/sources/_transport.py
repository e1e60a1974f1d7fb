"""A lean HTTP/1.1 transport for the fetcher: asyncio streams + h11, under the HTTP library's client.

Why: the default transport (httpcore over anyio) costs ~1.5-2.5 ms of CPU per request on the
development machine, most of it pool bookkeeping (every pooled connection's expiry is checked on
every request through anyio's `extra_attributes`) and anyio/sniffio layers; the whole pass over
1,000 unchanged pages was dominated by it. This transport does one thing: GET-style HTTP/1.1
requests over keep-alive connections kept per (scheme, host, port), parsed by h11 (the same parser
httpcore uses). ~0.2 ms per request; the client above it (redirects, decoding, cookies, the
`Response` API) is unchanged. See docs/decisions.md ("HTTP transport").

What it does and does not do:
- HTTP/1.1 only (the fetcher never asked for HTTP/2); http and https (TLS context built on first use,
  the HTTP library's own default: certifi); no proxies (the fetcher sets `trust_env=False`).
- Timeouts from the request's `timeout` extension: connect, read (per socket read) and write.
- Addresses (the `ALLOW_PRIVATE` extension): the host is resolved here and only the addresses the
  request's policy allows are connected to, so a refused address never sees a TCP or TLS handshake.
- Idle connections are reused newest first, dropped after `keepalive_expiry` seconds or when the
  server has closed them; at most `max_keepalive` idle connections are kept in all.
- A request on a reused connection that the server closed before answering (a keep-alive race) is
  sent once more on a new connection, as browsers do; only for requests without a body.
- The number of connections in use is bounded by the caller (the fetcher's concurrency gates).
- Errors are the HTTP library's exceptions (`ConnectError`, `ConnectTimeout`, `ReadTimeout`,
  `ReadError`, `WriteError`, `RemoteProtocolError`, `UnsupportedProtocol`), as from its own transport.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import time
from collections.abc import AsyncIterator
from functools import lru_cache
from typing import Any

import h11

from monitor.sources._http import http

__all__ = ["Http11Transport"]

_READ_SIZE = 64 * 1024
_MAX_HEAD = 64 * 1024  # h11's limit on the size of a response head
_Key = tuple[bytes, bytes, int]  # (scheme, host, port)

# A request's `extensions` key saying which non-public addresses it may reach (see `AddressPolicy`).
ALLOW_PRIVATE = "claimwatch.allow_private"
# True: any address. False: public addresses only. A host name (lower case): public addresses, and
# non-public ones for a connection to that very host when every address DNS gives for it is non-public
# (the source's own host is on the local network). Absent: any address (the transport used alone).
AddressPolicy = bool | str

_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix: IPv4 in the last 32 bits
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: local-use, never public


class AddressRefused(http.ConnectError):
    """The peer is a loopback, private, link-local or otherwise non-public address and the request may
    not reach one: a public page or feed redirecting (or linking) into the local network."""


@lru_cache(maxsize=4096)  # asked for every connection; a pass meets few addresses
def is_public(address: str) -> bool:
    """Whether `address` (an IP literal) is a public internet address. IPv6 forms that carry an IPv4
    address (mapped, compatible, NAT64, 6to4, Teredo) are judged by that IPv4 address."""
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return False
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            ip = embedded
    return ip.is_global and not ip.is_multicast


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # the client's address
    if int(ip) >> 32 == 0 and int(ip) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(ip))
    return None


def usable_addresses(host: str, addresses: list[str], policy: AddressPolicy) -> list[str]:
    """Of the addresses DNS gave for `host`, the ones a connection under `policy` may use, in order.
    Raises `AddressRefused` when none may be used: nothing has been connected to yet."""
    if policy is True:
        return addresses
    if not addresses:
        return []
    internal_origin = isinstance(policy, str) and host == policy and not any(map(is_public, addresses))
    if internal_origin:
        return addresses
    allowed = [address for address in addresses if is_public(address)]
    if not allowed:
        raise AddressRefused(f"{host} is at the non-public address {addresses[0]}")
    return allowed


def _peer_allowed(host: str, peer: str, policy: AddressPolicy) -> bool:
    """May a pooled connection to `host` at `peer` serve a request under `policy`? A non-public peer
    means the host was wholly non-public when the connection was made (see `usable_addresses`)."""
    return policy is True or is_public(peer) or (isinstance(policy, str) and host == policy)


class _Connection:
    __slots__ = ("h11", "idle_since", "key", "peer", "reader", "reused", "writer")

    def __init__(self, key: _Key, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.key = key
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=_MAX_HEAD)
        self.idle_since = 0.0
        self.reused = False
        peer = writer.get_extra_info("peername")
        self.peer: str = str(peer[0]) if peer else ""  # the address actually connected to

    def usable(self, now: float, expiry: float) -> bool:
        """Still fit for a new request: not expired, not closed or half-closed by the server."""
        return now - self.idle_since < expiry and not self.reader.at_eof() and not self.writer.is_closing()

    def close(self) -> None:
        self.writer.close()


class _Retry(Exception):
    """The server closed a reused connection before answering: send the request again."""


class Http11Transport(http.AsyncBaseTransport):
    """An `AsyncBaseTransport` for `AsyncClient(transport=...)`. See the module docstring."""

    def __init__(
        self,
        *,
        max_keepalive: int = 64,
        keepalive_expiry: float = 30.0,
        verify: bool | ssl.SSLContext = True,
    ):
        self._idle: dict[_Key, list[_Connection]] = {}
        self._idle_count = 0
        self._max_keepalive = max_keepalive
        self._expiry = keepalive_expiry
        self._verify = verify
        self._ssl: ssl.SSLContext | None = verify if isinstance(verify, ssl.SSLContext) else None
        self._closed = False

    # -- pool -------------------------------------------------------------------------------------------

    def _ssl_context(self) -> ssl.SSLContext:
        if self._ssl is None:
            make = getattr(http, "create_ssl_context", None)
            if make is not None:
                self._ssl = make(verify=self._verify)
            else:  # pragma: no cover - a library version without the helper
                self._ssl = ssl.create_default_context()
                if not self._verify:
                    self._ssl.check_hostname = False
                    self._ssl.verify_mode = ssl.CERT_NONE
        return self._ssl

    def _take_idle(self, key: _Key) -> _Connection | None:
        idle = self._idle.get(key)
        now = time.monotonic()
        while idle:
            conn = idle.pop()
            self._idle_count -= 1
            if conn.usable(now, self._expiry):
                conn.reused = True
                return conn
            conn.close()
        return None

    def _put_idle(self, conn: _Connection) -> None:
        if self._closed or self._idle_count >= self._max_keepalive:
            conn.close()
            return
        conn.idle_since = time.monotonic()
        self._idle.setdefault(conn.key, []).append(conn)
        self._idle_count += 1

    async def _connect(
        self, key: _Key, request: Any, timeouts: dict[str, Any], policy: AddressPolicy
    ) -> _Connection:
        """Resolve, keep the addresses `policy` allows, then connect to the first that answers: the
        decision is made on the very address connected to, before any TCP (or TLS) is opened."""
        scheme, host, port = key
        secure = scheme == b"https"
        name = host.decode("ascii")
        try:
            async with asyncio.timeout(timeouts.get("connect")):
                addresses = await _resolve(name, port)
                last: BaseException | None = None
                for address in usable_addresses(name.lower(), addresses, policy):
                    try:
                        reader, writer = await asyncio.open_connection(
                            address,
                            port,
                            ssl=self._ssl_context() if secure else None,
                            server_hostname=name if secure else None,
                            limit=_READ_SIZE,
                        )
                        return _Connection(key, reader, writer)
                    except (OSError, ssl.SSLError) as exc:
                        last = exc
                raise last or OSError(f"{name} has no address")
        except AddressRefused as exc:
            exc.request = request
            raise
        except TimeoutError:
            raise http.ConnectTimeout("timed out while connecting", request=request) from None
        except (OSError, ssl.SSLError) as exc:
            raise http.ConnectError(str(exc) or type(exc).__name__, request=request) from None

    # -- one request ------------------------------------------------------------------------------------

    async def handle_async_request(self, request: Any) -> Any:
        if self._closed:
            raise RuntimeError("the transport is closed")
        url = request.url
        scheme = url.raw_scheme
        if scheme not in (b"http", b"https"):
            raise http.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}", request=request)
        port = url.port or (443 if scheme == b"https" else 80)
        if not 0 < port < 65536:  # a redirect may say anything; connect() would raise OverflowError
            raise http.UnsupportedProtocol(f"invalid port {port} in {url.host}:{port}", request=request)
        key: _Key = (scheme, url.raw_host, port)
        timeouts = request.extensions.get("timeout") or {}
        headers = request.headers
        framed = "content-length" in headers or "transfer-encoding" in headers
        body = [part async for part in request.stream] if framed else None
        # New connections are made only to addresses the policy allows; a pooled one is checked again
        # (it may have been made for a request of another source).
        policy: AddressPolicy = request.extensions.get(ALLOW_PRIVATE, True)
        conn = self._take_idle(key)
        if conn is not None and not _peer_allowed(url.host.lower(), conn.peer, policy):
            self._put_idle(conn)  # the connection is fine for requests that may reach it
            raise AddressRefused(f"{url.host} is at the non-public address {conn.peer}", request=request)
        if conn is None:
            conn = await self._connect(key, request, timeouts, policy)
        try:
            return await self._exchange(conn, request, timeouts, body)
        except _Retry:
            conn = await self._connect(key, request, timeouts, policy)
            return await self._exchange(conn, request, timeouts, body)

    async def _exchange(
        self, conn: _Connection, request: Any, timeouts: dict[str, Any], body: list[bytes] | None
    ) -> Any:
        try:
            event = h11.Request(
                method=request.method, target=request.url.raw_path, headers=request.headers.raw
            )
            data = conn.h11.send(event) or b""
            if body:
                data += b"".join(conn.h11.send(h11.Data(data=part)) or b"" for part in body if part)
            data += conn.h11.send(h11.EndOfMessage()) or b""
            try:
                conn.writer.write(data)
                if conn.writer.transport.get_write_buffer_size():
                    async with asyncio.timeout(timeouts.get("write")):
                        await conn.writer.drain()
            except TimeoutError:
                raise http.WriteTimeout("timed out while sending the request", request=request) from None
            except OSError as exc:
                if conn.reused and body is None:
                    raise _Retry from None
                raise http.WriteError(str(exc) or type(exc).__name__, request=request) from None
            while True:
                event = await _next_event(conn, request, timeouts.get("read"), first=True)
                if isinstance(event, h11.Response):
                    break  # informational (1xx) responses are skipped
        except BaseException:
            conn.close()
            raise
        return http.Response(
            status_code=event.status_code,
            headers=event.headers.raw_items(),
            stream=_Body(self, conn, request, timeouts.get("read")),
            extensions={
                "http_version": b"HTTP/" + event.http_version,
                "reason_phrase": event.reason,
            },
        )

    async def aclose(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()
        self._idle_count = 0


async def _resolve(host: str, port: int) -> list[str]:
    """The addresses of `host` (itself when it is an address), in the resolver's order, no repeats."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for info in infos:
        seen.setdefault(str(info[4][0]), None)
    return list(seen)


async def _next_event(
    conn: _Connection, request: Any, read_timeout: float | None, *, first: bool = False
) -> Any:
    """The next h11 event, reading from the socket as needed; errors become the library's exceptions."""
    while True:
        try:
            event = conn.h11.next_event()
        except h11.RemoteProtocolError as exc:
            raise http.RemoteProtocolError(str(exc), request=request) from None
        if event is not h11.NEED_DATA:
            return event
        try:
            async with asyncio.timeout(read_timeout):
                data = await conn.reader.read(_READ_SIZE)
        except TimeoutError:
            raise http.ReadTimeout("timed out while reading the response", request=request) from None
        except OSError as exc:
            if first and conn.reused and conn.h11.their_state is h11.SEND_RESPONSE:
                raise _Retry from None
            raise http.ReadError(str(exc) or type(exc).__name__, request=request) from None
        if not data and first and conn.reused and conn.h11.their_state is h11.SEND_RESPONSE:
            raise _Retry  # closed by the server while idle, nothing answered: safe to resend
        try:
            conn.h11.receive_data(data)
        except h11.RemoteProtocolError as exc:
            raise http.RemoteProtocolError(str(exc), request=request) from None
        if not data and conn.h11.their_state is h11.SEND_RESPONSE:
            raise http.RemoteProtocolError("Server disconnected without sending a response.", request=request)


class _Body(http.AsyncByteStream):
    """The response body, read as it is iterated; the connection goes back to the pool when the whole
    response was read and both sides may go on, and is closed otherwise."""

    def __init__(self, transport: Http11Transport, conn: _Connection, request: Any, read_timeout: Any):
        self._transport = transport
        self._conn: _Connection | None = conn
        self._request = request
        self._timeout = read_timeout

    async def __aiter__(self) -> AsyncIterator[bytes]:
        conn = self._conn
        if conn is None:
            return
        try:
            while True:
                event = await _next_event(conn, self._request, self._timeout)
                if isinstance(event, h11.Data):
                    yield bytes(event.data)
                elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                    break
        except BaseException:
            if self._conn is conn:  # not handed back to the pool meanwhile (by `aclose`)
                self._conn = None
                conn.close()
            raise
        await self.aclose()

    async def aclose(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        state = conn.h11
        # What is already buffered may complete the response (a 304's or a 204's end, a short body
        # read in one go): then the connection can be reused. Nothing more is read from the socket.
        try:
            while state.their_state is h11.SEND_BODY:
                if state.next_event() is h11.NEED_DATA:
                    break
        except h11.RemoteProtocolError:
            pass
        if state.our_state is h11.DONE and state.their_state is h11.DONE:
            state.start_next_cycle()
            self._transport._put_idle(conn)
        else:
            conn.close()
