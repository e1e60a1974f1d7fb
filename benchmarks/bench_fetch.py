"""Fetch benchmark: httpx vs httpx2 against a local HTTP/1.1 server on 127.0.0.1.

Each library runs in its own child process (so imports and event loops do not mix), with one shared
`AsyncClient` and keep-alive, the way `monitor.sources.fetch.Fetcher` uses it. The server is a small
asyncio protocol server in a third process, serving a ~20 KB HTML page (gzip-compressed when the
client asks), so the server is not the bottleneck.

    python -m venv .bench/venv && .bench/venv/bin/pip install httpx==0.28.1 httpx2
    .bench/venv/bin/python benchmarks/bench_fetch.py                 # default scenarios
    .bench/venv/bin/python benchmarks/bench_fetch.py --requests 1000 --concurrency 1000 --repeat 5

`--fetcher PYTHON` additionally times claimwatch's own Fetcher on each library PYTHON can import
(PYTHON needs pydantic and platformdirs too: `.bench/venv/bin/pip install pydantic platformdirs`).
Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PARAGRAPH = (
    "<p>The committee met again on Tuesday to weigh the proposal, and its chair said the group "
    "would publish a short statement after the vote, which members expected later in the week.</p>\n"
)
PAGE = (
    "<!doctype html><html><head><title>Bench page</title></head><body><article>\n"
    + PARAGRAPH * 100
    + "</article></body></html>\n"
).encode()
PAGE_GZ = gzip.compress(PAGE, 6)


# --------------------------------------------------------------------------------------- server


class _Http(asyncio.Protocol):
    """Just enough HTTP/1.1: GET with keep-alive, gzip when accepted, 304 on a matching ETag."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            lower = head.lower()
            if b'if-none-match: "bench"' in lower:
                self.transport.write(
                    b'HTTP/1.1 304 Not Modified\r\nETag: "bench"\r\nContent-Length: 0\r\n\r\n'
                )
                continue
            body, extra = (PAGE_GZ, b"Content-Encoding: gzip\r\n") if b"gzip" in lower else (PAGE, b"")
            self.transport.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                b'ETag: "bench"\r\n'
                + extra
                + b"Content-Length: "
                + str(len(body)).encode()
                + b"\r\n\r\n"
                + body
            )


def serve(port_file: str) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_Http, "127.0.0.1", 0, backlog=4096, reuse_address=True)
        port = server.sockets[0].getsockname()[1]
        Path(port_file).write_text(str(port))
        await asyncio.Future()

    asyncio.run(main())


def start_server(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    port_file = tmp / "port"
    port_file.unlink(missing_ok=True)
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port_file)])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if port_file.exists() and port_file.read_text():
            port = int(port_file.read_text())
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return proc, port
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("benchmark server did not start")


# --------------------------------------------------------------------------------------- client


def run_client(lib: str, url: str, requests: int, concurrency: int, conditional: bool) -> dict[str, float]:
    mod = __import__(lib)

    async def main() -> dict[str, float]:
        limits = mod.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        headers = {"If-None-Match": '"bench"'} if conditional else {}
        async with mod.AsyncClient(limits=limits, timeout=mod.Timeout(60.0), trust_env=False) as client:
            # Warm-up outside the timing: imports, first connection.
            await client.get(url)
            sem = asyncio.Semaphore(concurrency)
            failures = 0
            nbytes = 0

            async def one() -> None:
                nonlocal failures, nbytes
                async with sem:
                    try:
                        async with client.stream("GET", url, headers=headers) as response:
                            async for chunk in response.aiter_bytes():
                                nbytes += len(chunk)
                            if response.status_code not in (200, 304):
                                failures += 1
                    except Exception:
                        failures += 1

            start = time.perf_counter()
            await asyncio.gather(*(one() for _ in range(requests)))
            wall = time.perf_counter() - start
        return {"wall": wall, "failures": failures, "bytes": nbytes}

    return asyncio.run(main())


def run_fetcher(lib: str, url: str, requests: int, concurrency: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from datetime import timedelta

    import monitor.sources._http as switch

    switch.http = __import__(lib)  # what the one-line switch in monitor/sources/_http.py would do

    from monitor.config import FetchConfig
    from monitor.sources._http import http
    from monitor.sources.fetch import Fetcher

    async def main() -> dict[str, float]:
        config = FetchConfig(
            concurrency=concurrency,
            per_host_concurrency=concurrency,
            per_host_delay=timedelta(0),
            timeout=timedelta(seconds=60),
        )
        async with Fetcher(config) as fetcher:
            await fetcher.fetch(url)
            start = time.perf_counter()
            results = await asyncio.gather(
                *(fetcher.fetch(url) for _ in range(requests)), return_exceptions=True
            )
            wall = time.perf_counter() - start
        failures = sum(1 for r in results if isinstance(r, BaseException))
        return {"wall": wall, "failures": failures, "bytes": 0, "lib": http.__name__}

    return asyncio.run(main())


def child(argv: list[str]) -> None:
    kind, url, requests, concurrency, conditional = argv
    if kind.startswith("fetcher:"):
        result = run_fetcher(kind.split(":", 1)[1], url, int(requests), int(concurrency))
    else:
        result = run_client(kind, url, int(requests), int(concurrency), conditional == "1")
    sys.stdout.write(json.dumps(result) + "\n")


def measure(python: str, kind: str, url: str, requests: int, concurrency: int, conditional: bool) -> dict:
    out = subprocess.run(
        [
            python,
            __file__,
            "--child",
            kind,
            url,
            str(requests),
            str(concurrency),
            "1" if conditional else "0",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{kind} under {python} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def version_of(python: str, lib: str) -> str | None:
    out = subprocess.run(
        [python, "-c", f"import {lib}; print({lib}.__version__)"], capture_output=True, text=True
    )
    return out.stdout.strip() if out.returncode == 0 else None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, nargs="*", default=None)
    parser.add_argument("--concurrency", type=int, nargs="*", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--python", default=sys.executable, help="interpreter with httpx and httpx2 installed"
    )
    parser.add_argument(
        "--fetcher", default=None, help="also time claimwatch's Fetcher under this interpreter"
    )
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = parser.parse_args()

    scenarios: list[tuple[int, int, bool]]
    if args.requests or args.concurrency:
        reqs = args.requests or [1000]
        concs = args.concurrency or [1000]
        scenarios = [(r, c, False) for r in reqs for c in concs]
    else:
        scenarios = [(1000, 1000, False), (1000, 64, False), (1000, 64, True), (2000, 8, False)]

    libs = [lib for lib in ("httpx", "httpx2") if version_of(args.python, lib)]
    if not libs:
        raise SystemExit(f"neither httpx nor httpx2 importable by {args.python}")
    tmp = ROOT / ".bench"
    tmp.mkdir(exist_ok=True)
    server, port = start_server(tmp)
    url = f"http://127.0.0.1:{port}/page"
    rows: list[dict] = []
    try:
        for requests, concurrency, conditional in scenarios:
            kinds = [(args.python, lib) for lib in libs]
            if args.fetcher and not conditional:
                kinds += [(args.fetcher, f"fetcher:{lib}") for lib in libs if version_of(args.fetcher, lib)]
            walls: dict[str, list[float]] = {kind: [] for _, kind in kinds}
            failures: dict[str, int] = {kind: 0 for _, kind in kinds}
            for _ in range(args.repeat):  # interleave libraries so drift hits both alike
                for python, kind in kinds:
                    result = measure(python, kind, url, requests, concurrency, conditional)
                    walls[kind].append(result["wall"])
                    failures[kind] += int(result["failures"])
            for _, kind in kinds:
                median = statistics.median(walls[kind])
                rows.append(
                    {
                        "client": kind.replace("fetcher:", "claimwatch Fetcher on "),
                        "version": version_of(args.python, kind.removeprefix("fetcher:")),
                        "requests": requests,
                        "concurrency": concurrency,
                        "mode": "304" if conditional else "200 gzip",
                        "median_s": round(median, 3),
                        "best_s": round(min(walls[kind]), 3),
                        "req_per_s": round(requests / median),
                        "failures": failures[kind],
                    }
                )
    finally:
        server.terminate()
        server.wait(5)

    header = "| client | version | requests | concurrency | response | median s | best s | req/s | failures |"
    print(header)
    print("|" + "---|" * 9)
    for r in rows:
        print(
            f"| {r['client']} | {r['version']} | {r['requests']} | {r['concurrency']} | {r['mode']} | "
            f"{r['median_s']} | {r['best_s']} | {r['req_per_s']} | {r['failures']} |"
        )
    print(
        f"\n{args.repeat} runs each, median reported; python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, server in a separate process on 127.0.0.1"
    )
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(sys.argv[2])
    elif len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
    else:
        main()
