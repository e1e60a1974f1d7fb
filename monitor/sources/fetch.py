"""The async fetcher: one shared HTTP client, polite to each host, strict about limits.

- One `AsyncClient` (HTTP/1.1 keep-alive) shared by every request of a pass; gzip and deflate bodies
  are decoded here in small steps with the size cap applied to the decoded bytes (`_decode.py`), so
  a decompression bomb stops at `max_bytes` instead of filling memory.
- Conditional GET: pass the stored `etag` / `last_modified`; a 304 gives `not_modified=True`.
- Politeness: at most `concurrency` requests in flight overall, `per_host_concurrency` per host, and
  `per_host_delay` between the starts of two requests to one host.
- Limits: connect and read timeouts plus an overall deadline per attempt, `max_redirects`, a body cap
  enforced while streaming (the download stops as soon as it is exceeded), an allowed content-type list.
- Addresses (`private_addresses`): by default a request may reach a loopback, private or link-local
  address only on a connection to the source's own host (`origin`), and only when every address DNS
  gives for that host is non-public. A public page or feed cannot redirect or link the fetcher into
  the local network (cloud metadata endpoints, admin pages), nor can a host that publishes one extra
  private record. The transport decides per connection, on the address it is about to connect to.
- Transient failures (connect errors, timeouts, dropped connections, 408/425/429/5xx) are retried
  `retries` times with exponential backoff and jitter; a server's Retry-After is honoured up to
  `retry_after_max`. Everything else fails at once with a `FetchError` saying why.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from monitor.config import FetchConfig
from monitor.errors import FetchError
from monitor.redact import redact_url
from monitor.sources._decode import (
    ACCEPT_ENCODING,
    BodyTooLarge,
    BoundedDecoder,
    DecodeFailed,
    UnsupportedEncoding,
)
from monitor.sources._http import http
from monitor.sources._transport import ALLOW_PRIVATE, AddressPolicy, AddressRefused, Http11Transport

__all__ = ["FetchResult", "Fetcher", "host_of"]

log = logging.getLogger(__name__)

TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_ACCEPT = (
    "text/html,application/xhtml+xml;q=0.9,application/rss+xml;q=0.9,application/atom+xml;q=0.9,"
    "application/xml;q=0.8,text/xml;q=0.8,text/plain;q=0.7,*/*;q=0.1"
)


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str
    final_url: str
    status: int
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    not_modified: bool
    elapsed: float  # seconds, all attempts included
    attempts: int = 1
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@lru_cache(maxsize=16384)  # every request asks; a daemon re-reads the same URLs for months
def host_of(url: str) -> str:
    parts = urlsplit(url)
    return (parts.hostname or "").lower() + (f":{parts.port}" if parts.port else "")


@lru_cache(maxsize=16384)
def _origin_host(origin: str) -> str:
    """The host of a source's URL, as the transport compares it (lower case, no brackets)."""
    return (urlsplit(origin).hostname or "").lower()


class _HostGate:
    """Per-host concurrency plus a minimum delay between request starts."""

    __slots__ = ("delay", "lock", "next_start", "semaphore")

    def __init__(self, concurrency: int, delay: float):
        self.semaphore = asyncio.Semaphore(concurrency)
        self.lock = asyncio.Lock()
        self.delay = delay
        self.next_start = 0.0

    async def wait_turn(self) -> None:
        if self.delay <= 0:
            return
        async with self.lock:
            now = time.monotonic()
            if self.next_start > now:
                await asyncio.sleep(self.next_start - now)
            self.next_start = time.monotonic() + self.delay


class Fetcher:
    """Fetch URLs politely. Use as `async with Fetcher(config) as fetcher: await fetcher.fetch(url)`."""

    def __init__(self, config: FetchConfig, *, transport: Any = None, rng: random.Random | None = None):
        self.config = config
        self._rng = rng or random.Random()
        read = config.timeout.total_seconds()
        connect = config.connect_timeout.total_seconds()
        self._deadline = read + connect  # one attempt, end to end: a slow drip cannot hold on forever
        if transport is None:
            # Our own HTTP/1.1 keep-alive transport (see _transport.py): the library's default one
            # cost several times more CPU per request than everything else in a 304 check.
            # Connections in use are bounded by the gates below; idle ones by `concurrency`.
            transport = Http11Transport(max_keepalive=config.concurrency, keepalive_expiry=30.0)
        self._client = http.AsyncClient(
            timeout=http.Timeout(read, connect=connect, pool=None),
            follow_redirects=True,
            max_redirects=config.max_redirects,
            headers={"User-Agent": config.user_agent, "Accept": _ACCEPT, "Accept-Encoding": ACCEPT_ENCODING},
            trust_env=False,
            transport=transport,
        )
        self._global = asyncio.Semaphore(config.concurrency)
        self._hosts: dict[str, _HostGate] = {}
        self._types = tuple(t.lower() for t in config.content_types)

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    def _gate(self, host: str) -> _HostGate:
        gate = self._hosts.get(host)
        if gate is None:
            gate = self._hosts[host] = _HostGate(
                self.config.per_host_concurrency, self.config.per_host_delay.total_seconds()
            )
        return gate

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        content_types: tuple[str, ...] | None = None,
        origin: str | None = None,
    ) -> FetchResult:
        """GET `url` (conditionally when `etag`/`last_modified` are given). Raises `FetchError`.

        `origin` is the configured URL that led here (a feed for its articles); it decides whether the
        request may reach a non-public address (`private_addresses`). Default: `url` itself.
        """
        extensions = {ALLOW_PRIVATE: self._address_policy(origin or url)}
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        allowed = tuple(t.lower() for t in content_types) if content_types is not None else self._types
        started = time.monotonic()
        attempts = 1 + self.config.retries
        gate = self._gate(host_of(url))
        for attempt in range(1, attempts + 1):
            try:
                async with gate.semaphore:
                    await gate.wait_turn()
                    async with self._global:
                        async with asyncio.timeout(self._deadline):
                            result = await self._once(url, headers, allowed, extensions)
                return _with(result, elapsed=time.monotonic() - started, attempts=attempt)
            except TimeoutError:
                error = FetchError(f"timed out after {self._deadline:g}s", transient=True)
            except FetchError as exc:
                error = exc
            except http.HTTPError as exc:
                error = _translate(exc, self.config)
            except http.InvalidURL as exc:  # not an HTTPError: a Location such as "javascript:..."
                error = _bad_url(url, exc)
            if not error.transient or attempt == attempts:
                if attempt > 1:
                    error = FetchError(
                        f"{error} (after {attempt} attempts)", transient=error.transient, status=error.status
                    )
                raise error
            delay = self._backoff(attempt, getattr(error, "retry_after", None))
            log.debug("retrying %s in %.2fs after: %s", redact_url(url), delay, error)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        base = self.config.retry_backoff.total_seconds() * (2 ** (attempt - 1))
        delay = base * self._rng.uniform(0.5, 1.5)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.config.retry_after_max.total_seconds()))
        return delay

    def _address_policy(self, origin: str) -> AddressPolicy:
        """Which non-public addresses requests made for `origin` may reach (see `_transport`)."""
        policy = self.config.private_addresses
        if policy != "source":
            return policy == "allow"
        return _origin_host(origin)

    async def _once(
        self, url: str, headers: dict[str, str], allowed: tuple[str, ...], extensions: dict[str, Any]
    ) -> FetchResult:
        limit = self.config.max_bytes
        async with self._client.stream("GET", url, headers=headers, extensions=extensions) as response:
            status = response.status_code
            final_url = str(response.url)
            etag = response.headers.get("ETag")
            modified = response.headers.get("Last-Modified")
            content_type = response.headers.get("Content-Type")
            if status == 304:
                return FetchResult(url, final_url, status, b"", content_type, etag, modified, True, 0.0)
            if status >= 400 or status < 200 or status in (204, 205):
                raise _status_error(response)
            if status >= 300:  # a 3xx that was not followed (no Location): nothing to read
                raise FetchError(f"HTTP {status} without a usable Location header", status=status)
            mime = (content_type or "").split(";", 1)[0].strip().lower()
            if mime and allowed and mime not in allowed:
                raise FetchError(f"unexpected content type {mime!r}", status=status)
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise FetchError(f"body exceeds {limit} bytes (Content-Length {declared})", status=status)
            # Raw bytes, decoded here in small bounded steps (see _decode.py): the library's decoder
            # inflates a whole chunk through every layer before a cap could be checked.
            try:
                decoder = BoundedDecoder(
                    response.headers.get_list("Content-Encoding", split_commas=True), limit
                )
                async for chunk in response.aiter_raw():
                    decoder.feed(chunk)
                body = decoder.finish()
            except BodyTooLarge as exc:
                raise FetchError(str(exc), status=status) from None
            except (DecodeFailed, UnsupportedEncoding) as exc:
                raise FetchError(f"cannot decode the compressed body: {exc}", status=status) from None
            return FetchResult(url, final_url, status, body, content_type, etag, modified, False, 0.0)


def _with(result: FetchResult, *, elapsed: float, attempts: int) -> FetchResult:
    return FetchResult(
        result.url,
        result.final_url,
        result.status,
        result.body,
        result.content_type,
        result.etag,
        result.last_modified,
        result.not_modified,
        elapsed,
        attempts,
        result.fetched_at,
    )


def _status_error(response: Any) -> FetchError:
    status = response.status_code
    reason = getattr(response, "reason_phrase", "") or ""
    error = FetchError(
        f"HTTP {status} {reason}".rstrip(), transient=status in TRANSIENT_STATUSES, status=status
    )
    retry_after = _retry_after(response.headers.get("Retry-After"))
    if retry_after is not None:
        error.retry_after = retry_after  # type: ignore[attr-defined]
    return error


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds or an HTTP date -> seconds to wait (None when absent or unreadable)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _bad_url(url: str, exc: Exception) -> FetchError:
    """An unusable URL: the one asked for, or (when that one is fine) where a redirect pointed."""
    try:
        http.URL(url)
    except (http.InvalidURL, TypeError, ValueError):
        return FetchError(f"bad URL: {exc}")
    return FetchError(f"redirected to an unusable URL ({exc})")


def _translate(exc: Exception, config: FetchConfig) -> FetchError:
    """An HTTP library exception -> FetchError with a short reason and the right `transient` flag."""
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, AddressRefused):
        return FetchError(
            f"refused: {detail} (this source may not reach private addresses; see [fetch] private_addresses)"
        )
    if isinstance(exc, http.TooManyRedirects):
        return FetchError(f"too many redirects (more than {config.max_redirects})")
    if isinstance(exc, http.ConnectTimeout):
        return FetchError(
            f"connect timed out after {config.connect_timeout.total_seconds():g}s", transient=True
        )
    if isinstance(exc, http.TimeoutException):
        return FetchError(f"timed out after {config.timeout.total_seconds():g}s", transient=True)
    if isinstance(exc, http.ConnectError):
        return FetchError(f"cannot connect: {detail}", transient=True)
    if isinstance(exc, http.DecodingError):
        return FetchError(f"cannot decode the compressed body: {detail}")
    if isinstance(exc, http.UnsupportedProtocol | http.InvalidURL):
        return FetchError(f"bad URL: {detail}")
    if isinstance(exc, http.RemoteProtocolError | http.ReadError | http.WriteError | http.NetworkError):
        return FetchError(f"connection failed: {detail}", transient=True)
    return FetchError(f"request failed: {detail}")
