"""Content-Encoding decoding with a cap on the *decoded* size, in small steps.

Why our own: the HTTP library inflates each raw chunk through every encoding layer at once, and the
size cap could only be checked afterwards. A 1.8 KB body sent as `Content-Encoding: gzip, gzip`
inflated to 2.1 GB inside one call (and blocked the event loop for seconds). Here every layer
inflates at most `_STEP` bytes per call (zlib's `max_length`), hands them on at once, and every
layer's running output is checked against the cap, so memory stays within a few steps and the work
stops as soon as any layer's output is over `max_bytes`.

Supported: `gzip` (also `x-gzip`, several members), `deflate` (zlib-wrapped, or raw as some servers
send it), `identity`; several layers in the order the header lists them. The fetcher asks for no
other encoding; a response using one anyway fails with a clear error.
"""

from __future__ import annotations

import zlib
from typing import Any

__all__ = ["ACCEPT_ENCODING", "BodyTooLarge", "BoundedDecoder", "DecodeFailed", "UnsupportedEncoding"]

ACCEPT_ENCODING = "gzip, deflate"
_STEP = 64 * 1024  # bytes one layer may produce per call
_GZIP = zlib.MAX_WBITS | 16
_ZLIB = zlib.MAX_WBITS
_RAW = -zlib.MAX_WBITS


class BodyTooLarge(Exception):
    """The body, decoded, is over the cap."""


class DecodeFailed(Exception):
    """The compressed body is corrupt."""


class UnsupportedEncoding(Exception):
    """A Content-Encoding the fetcher did not ask for and cannot decode."""


class _Layer:
    __slots__ = ("encoding", "member", "obj", "produced", "started", "trailing")

    def __init__(self, encoding: str):
        self.encoding = encoding
        self.obj: Any = zlib.decompressobj(_GZIP if encoding == "gzip" else _ZLIB)
        self.produced = 0
        self.started = False  # this stream (or gzip member) has produced or consumed something
        self.member = 0  # gzip members seen
        self.trailing = False  # after the last member: the rest is ignored

    def step(self, data: bytes) -> bytes:
        """Inflate at most `_STEP` bytes out of `data` (+ what is pending); the rest stays queued."""
        if self.trailing:
            return b""
        if self.obj.eof:
            if self.encoding != "gzip" or not data:
                return b""
            self.obj = zlib.decompressobj(_GZIP)  # the next gzip member
            self.member += 1
            self.started = False
        try:
            out = self.obj.decompress(data, _STEP)
        except zlib.error as exc:
            if self.encoding == "deflate" and not self.started:
                # "deflate" without the zlib wrapper, as some servers send it: start again raw.
                self.obj = zlib.decompressobj(_RAW)
                self.started = True
                return self.step(data)
            if self.member and not self.started:
                self.trailing = True  # padding after a complete gzip body, as some servers send
                return b""
            raise DecodeFailed(f"{self.encoding}: {exc}") from None
        self.started = True
        return out

    @property
    def pending(self) -> bytes:
        if self.trailing:
            return b""
        if self.obj.eof:
            return bytes(self.obj.unused_data) if self.encoding == "gzip" else b""
        return bytes(self.obj.unconsumed_tail)


class BoundedDecoder:
    """Feed raw body chunks; get decoded bytes; raises `BodyTooLarge` as soon as any layer's output
    (or the raw body) passes `limit`."""

    def __init__(self, encodings: list[str], limit: int):
        self.limit = limit
        self.raw = 0
        self.size = 0
        layers: list[_Layer] = []
        # Content-Encoding lists the encodings in the order they were applied: undo the last first.
        for name in reversed(encodings):
            name = name.strip().lower()
            if name in ("", "identity"):
                continue
            if name == "x-gzip":
                name = "gzip"
            if name not in ("gzip", "deflate"):
                raise UnsupportedEncoding(f"unsupported content encoding {name!r}")
            layers.append(_Layer(name))
        self._layers = layers
        self._out: list[bytes] = []

    def feed(self, chunk: bytes) -> None:
        self.raw += len(chunk)
        if self.raw > self.limit:
            raise BodyTooLarge(f"body exceeds {self.limit} bytes")
        self._push(0, chunk)

    def finish(self) -> bytes:
        for index in range(len(self._layers)):
            self._push(index, b"")
        for layer in self._layers:
            # A stream cut short is accepted as browsers do, as long as it gave something; a header
            # followed by garbage gives nothing and is an error, not an "empty body".
            if not layer.obj.eof and not layer.produced and layer.started:
                raise DecodeFailed(f"{layer.encoding}: the compressed body ends before any data")
        return b"".join(self._out)

    def _push(self, index: int, data: bytes) -> None:
        if index == len(self._layers):
            self.size += len(data)
            if self.size > self.limit:
                raise BodyTooLarge(f"body exceeds {self.limit} bytes (decoded)")
            if data:
                self._out.append(data)
            return
        layer = self._layers[index]
        while True:
            out = layer.step(data)
            data = layer.pending
            if out:
                layer.produced += len(out)
                if layer.produced > self.limit:
                    raise BodyTooLarge(f"body exceeds {self.limit} bytes (decoded)")
                self._push(index + 1, out)
            if not data and len(out) < _STEP:
                return
