"""Defect 1 (issue 12): a decompression bomb. 1.8 KB sent as `Content-Encoding: gzip, gzip` inflates to
1 GiB; the fetcher must stop at `max_bytes` of *decoded* bytes with its memory bounded.

The fetch runs in a child process whose peak RSS is read from the kernel (`wait4`), under an address
space limit of 1 GiB so that a regression fails fast instead of eating the machine."""

from __future__ import annotations

import asyncio
import gzip
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from httpserver import TestServer

from monitor.config import FetchConfig
from monitor.errors import FetchError
from monitor.sources import Fetcher
from monitor.sources._decode import BodyTooLarge, BoundedDecoder

BOMB = (Path(__file__).parent / "data" / "bomb-1gb.gz.gz").read_bytes()
PEAK_LIMIT_MB = 200

CHILD = r"""
import asyncio, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from monitor.config import FetchConfig
from monitor.errors import FetchError
from monitor.sources import Fetcher

async def main(url):
    async with Fetcher(FetchConfig(retries=0)) as fetcher:
        try:
            result = await fetcher.fetch(url)
            print("fetched", len(result.body))
        except FetchError as exc:
            print("refused:", exc)

asyncio.run(main(sys.argv[1]))
"""


def _peak_of_child(args: list[str]) -> tuple[int, str, float]:
    """Run a child; its exit status, its stdout and its peak RSS in MB (from the kernel)."""
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, out, usage.ru_maxrss / 1024


def test_double_gzip_bomb_is_refused_with_bounded_memory(http_server: TestServer) -> None:
    http_server.route(
        "/bomb", BOMB, gzip=False, content_type="text/html", headers={"Content-Encoding": "gzip, gzip"}
    )
    code, out, peak = _peak_of_child([sys.executable, "-c", CHILD, http_server.url("/bomb")])
    assert code == 0, out
    assert "refused: body exceeds 5000000 bytes" in out, out
    assert peak < PEAK_LIMIT_MB, f"peak RSS {peak:.0f} MB"


def test_layers_are_capped_one_by_one() -> None:
    # Every layer's output is held to the cap, not only the last one's.
    decoder = BoundedDecoder(["gzip", "gzip"], 100_000)
    with pytest.raises(BodyTooLarge):
        decoder.feed(BOMB)
    small = gzip.compress(gzip.compress(b"<p>fine</p>" * 100))
    decoder = BoundedDecoder(["gzip", "gzip"], 100_000)
    decoder.feed(small)
    assert decoder.finish() == b"<p>fine</p>" * 100


def test_encodings_decode_like_a_browser() -> None:
    text = b"<html><p>" + b"words " * 50_000 + b"</p></html>"
    members = gzip.compress(text[:1000]) + gzip.compress(text[1000:])
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    cases = {
        ("gzip",): gzip.compress(text),
        ("x-gzip",): gzip.compress(text),
        ("deflate",): zlib.compress(text),
        ("identity",): text,
        ("gzip", "deflate"): zlib.compress(gzip.compress(text)),
    }
    for encodings, body in cases.items():
        decoder = BoundedDecoder(list(encodings), 10_000_000)
        for start in range(0, len(body), 1000):
            decoder.feed(body[start : start + 1000])
        assert decoder.finish() == text, encodings
    decoder = BoundedDecoder(["gzip"], 10_000_000)
    decoder.feed(members + b"\0\0\0\0")  # two members, then padding some servers add
    assert decoder.finish() == text
    decoder = BoundedDecoder(["deflate"], 10_000_000)
    decoder.feed(raw_deflate.compress(text) + raw_deflate.flush())  # deflate without its zlib header
    assert decoder.finish() == text


def test_unknown_or_corrupt_encoding_is_a_clear_error(http_server: TestServer) -> None:
    http_server.route("/br", b"\x1b\x00\x00", gzip=False, headers={"Content-Encoding": "br"})
    http_server.route("/corrupt", b"\x1f\x8b\x08garbage", gzip=False, headers={"Content-Encoding": "gzip"})
    asyncio.run(_fetch_both(http_server))


async def _fetch_both(http_server: TestServer) -> None:
    async with Fetcher(FetchConfig(retries=0)) as fetcher:
        with pytest.raises(FetchError, match="unsupported content encoding 'br'"):
            await fetcher.fetch(http_server.url("/br"))
        with pytest.raises(FetchError, match="cannot decode the compressed body"):
            await fetcher.fetch(http_server.url("/corrupt"))
