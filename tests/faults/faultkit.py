"""Hostile peers for the fault suite, all on 127.0.0.1 (ephemeral ports).

`DripServer`: accepts connections, reads the request (unless `speak_first`), then answers one byte
every `every` seconds until `release()` (a peer that never quite answers: per-read timeouts never
fire)."""

from __future__ import annotations

import socket
import threading


class DripServer:
    def __init__(
        self, every: float = 0.3, *, speak_first: bool = False, payload: bytes | None = None
    ) -> None:
        self.every = every
        self.payload = payload or b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Slow: " + b"." * 100_000
        self.speak_first = speak_first  # drip at once (an SMTP greeting), not after reading a request
        self.connections = 0
        self._released = threading.Event()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> DripServer:
        self._thread.start()
        return self

    def release(self) -> None:
        self._released.set()
        self._sock.close()

    def _accept(self) -> None:
        while not self._released.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        answer = self.payload
        with conn:
            try:
                if not self.speak_first:
                    conn.recv(65536)
                for byte in answer:
                    if self._released.wait(self.every):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:
                return


# --- a hostile HTTP server: every path misbehaves in its own way ----------------------------------------

BOMB_PATH = __import__("pathlib").Path(__file__).parent / "data" / "bomb-1gb.gz.gz"


def _gzip(data: bytes) -> bytes:
    import gzip

    return gzip.compress(data)


def _deflate_bomb() -> bytes:
    import zlib

    packer = zlib.compressobj(9)
    return b"".join(packer.compress(bytes(1 << 20)) for _ in range(64)) + packer.flush()  # 64 MiB of zeros


def _page(title: str, text: str) -> bytes:
    return (
        f"<html><head><title>{title}</title></head><body><article><p>{text}</p></article></body></html>"
    ).encode()


GOOD = _page(
    "Council", "The council said on Monday it still opposed the harbour plan, its leader told reporters."
)


def _response(status: str, headers: list[tuple[str, str]], body: bytes, *, length: bool = True) -> bytes:
    head = [f"HTTP/1.1 {status}"] + [f"{k}: {v}" for k, v in headers]
    if length:
        head.append(f"Content-Length: {len(body)}")
    head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


HTML = ("Content-Type", "text/html; charset=utf-8")


def hostile_responses(port: int) -> dict[str, bytes | str]:
    """path -> the raw bytes sent back (or a behaviour: "close", "silent", "drip")."""
    me = f"http://127.0.0.1:{port}"
    deep_json = '{"a":' * 5000 + "1" + "}" * 5000
    many_entries = "".join(f"<item><title>t{n}</title><link>{me}/good?{n}</link></item>" for n in range(5000))
    return {
        "/status-500": _response("500 Internal Server Error", [HTML], b"oops"),
        "/status-404": _response("404 Not Found", [HTML], b"gone"),
        "/status-429": _response("429 Too Many Requests", [HTML, ("Retry-After", "86400")], b"slow down"),
        "/status-204": _response("204 No Content", [], b""),
        "/redirect-loop": _response("302 Found", [("Location", "/redirect-loop")], b""),
        "/redirect-chain": _response("302 Found", [("Location", "/redirect-chain-2")], b""),
        "/redirect-chain-2": _response("302 Found", [("Location", "/redirect-chain-3")], b""),
        "/redirect-chain-3": _response("302 Found", [("Location", "/redirect-chain")], b""),
        "/redirect-javascript": _response("302 Found", [("Location", "javascript:alert(1)")], b""),
        "/redirect-data": _response("301 Moved", [("Location", "data:text/html,<p>x</p>")], b""),
        "/redirect-metadata": _response("302 Found", [("Location", "http://169.254.169.254/latest/")], b""),
        "/redirect-nat64": _response("302 Found", [("Location", "http://[64:ff9b::a9fe:a9fe]/")], b""),
        "/redirect-no-location": _response("302 Found", [HTML], b""),
        "/redirect-bad-port": _response("302 Found", [("Location", "http://127.0.0.1:99999/")], b""),
        "/bomb-gzip-gzip": _response(
            "200 OK", [HTML, ("Content-Encoding", "gzip, gzip")], BOMB_PATH.read_bytes()
        ),
        "/bomb-deflate": _response("200 OK", [HTML, ("Content-Encoding", "deflate")], _deflate_bomb()),
        "/corrupt-gzip": _response(
            "200 OK", [HTML, ("Content-Encoding", "gzip")], b"\x1f\x8b\x08\x00garbage"
        ),
        "/encoding-br": _response("200 OK", [HTML, ("Content-Encoding", "br")], b"\x1b\x00\x00\x00"),
        "/huge-declared": _response("200 OK", [HTML, ("Content-Length", "999999999999")], b"x", length=False),
        "/huge-chunked": "huge-chunked",
        "/truncated": _response("200 OK", [HTML, ("Content-Length", "100000")], GOOD, length=False),
        "/bad-chunked": _response(
            "200 OK", [HTML, ("Transfer-Encoding", "chunked")], b"zz\r\nhello\r\n", length=False
        ),
        "/garbage-status": b"HELLO THERE\r\n\r\n",
        "/header-flood": _response("200 OK", [HTML, ("X-Flood", "y" * 1_000_000)], GOOD),
        "/only-100-continue": b"HTTP/1.1 100 Continue\r\n\r\n",
        "/close-at-once": "close",
        "/never-answer": "silent",
        "/drip-headers": "drip",
        "/binary-as-html": _response("200 OK", [HTML], bytes(range(256)) * 64),
        "/image": _response("200 OK", [("Content-Type", "image/png")], b"\x89PNG\r\n\x1a\n" + bytes(500)),
        "/empty-200": _response("200 OK", [HTML], b""),
        "/no-text": _response("200 OK", [HTML], b"<html><body><nav><a href='/'>Home</a></nav></body></html>"),
        "/unknown-charset": _response("200 OK", [("Content-Type", "text/html; charset=klingon")], GOOD),
        "/invalid-utf8": _response("200 OK", [HTML], GOOD.replace(b"council", b"counc\xff\xfeil")),
        "/deep-json-ld": _response(
            "200 OK",
            [HTML],
            GOOD.replace(
                b"</head>", f'<script type="application/ld+json">{deep_json}</script></head>'.encode()
            ),
        ),
        "/huge-title": _response(
            "200 OK", [HTML], _page("Word " * 200_000, "The council still opposed the plan.")
        ),
        "/feed-broken": _response(
            "200 OK", [("Content-Type", "application/rss+xml")], b"<rss><channel><item>"
        ),
        "/feed-huge": _response(
            "200 OK",
            [("Content-Type", "application/rss+xml")],
            (
                '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                f"{many_entries}</channel></rss>"
            ).encode(),
        ),
        "/feed-javascript-links": _response(
            "200 OK",
            [("Content-Type", "application/rss+xml")],
            b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            b"<item><title>x</title><link>javascript:alert(1)</link></item>"
            b"<item><title>y</title><link>http://169.254.169.254/meta</link></item></channel></rss>",
        ),
        "/good": _response("200 OK", [HTML], GOOD),
    }


class HostileServer:
    """One response per path (see `hostile_responses`), on 127.0.0.1, raw bytes on a raw socket."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self.responses = hostile_responses(self.port)
        self.hits: dict[str, int] = {}
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> HostileServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._sock.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                request = conn.recv(65536).decode("latin-1")
                path = request.split(" ", 2)[1].split("?", 1)[0] if request.count(" ") >= 2 else "/"
                self.hits[path] = self.hits.get(path, 0) + 1
                answer = self.responses.get(path, _response("404 Not Found", [HTML], b"no"))
                if answer == "close":
                    return
                if answer == "silent":
                    self._stopped.wait(30)
                    return
                if answer == "drip":
                    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"." * 1000:
                        if self._stopped.wait(0.2):
                            return
                        conn.sendall(bytes([byte]))
                    return
                if answer == "huge-chunked":
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
                    )
                    piece = b"<p>" + b"x" * 65_000 + b"</p>"
                    for _ in range(2000):  # 130 MB, unless the client hangs up first
                        conn.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    return
                assert isinstance(answer, bytes)
                conn.sendall(answer)
            except OSError:
                return


def run_measured(args: list[str], env: dict[str, str], *, limit: float) -> tuple[int, str, str, float]:
    """Run a child to its end (killed after `limit` seconds): exit status, stdout, stderr, and its peak
    resident memory in MB as the kernel counted it (wait4)."""
    import os
    import subprocess
    import tempfile

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(args, stdout=out, stderr=err, text=True, env=env)
        killer = threading.Timer(limit, proc.kill)
        killer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return proc.returncode, out.read(), err.read(), usage.ru_maxrss / 1024
