"""Hostile peers for the fault suite, all on 127.0.0.1 (ephemeral ports).

`DripServer`: accepts connections, reads the request, then answers one byte every `every` seconds
until `release()` (a receiver that never quite answers: per-read timeouts never fire)."""

from __future__ import annotations

import socket
import threading


class DripServer:
    def __init__(self, every: float = 0.3) -> None:
        self.every = every
        self.connections = 0
        self._released = threading.Event()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}/hook"

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
        answer = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Slow: " + b"." * 100_000
        with conn:
            try:
                conn.recv(65536)
                for byte in answer:
                    if self._released.wait(self.every):
                        return
                    conn.sendall(bytes([byte]))
            except OSError:
                return
