"""A real HTTP server on 127.0.0.1 that speaks the parts of Slack's Web API claimwatch uses.

Not a mock of our code: the real slack-sdk `WebClient` talks to it over TCP (its `base_url` points
here). It implements `chat.postMessage`, `conversations.history` (with message metadata) and
`conversations.list`, records every request, and can be told to misbehave for a while: answer 429
with a Retry-After header, answer 500, or accept a message and then hold the response (so a client
can be killed between "Slack accepted it" and "we marked it sent").

Also `SmtpServer`: aiosmtpd on 127.0.0.1 that keeps every message it receives and can be stopped
("the mail server is down") and started again on the same port.
"""

from __future__ import annotations

import email
import email.policy
import itertools
import json
import socket
import threading
import time
import zlib
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "xoxb-test-token"


@dataclass
class Posted:
    channel: str
    ts: str
    body: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.body.get("text", ""))

    @property
    def blocks(self) -> list[dict[str, Any]]:
        return list(self.body.get("blocks") or [])

    @property
    def thread_ts(self) -> str | None:
        return self.body.get("thread_ts")

    @property
    def alert_key(self) -> str | None:
        meta = self.body.get("metadata") or {}
        return (meta.get("event_payload") or {}).get("alert_key")

    def all_text(self) -> str:
        return self.text + "\n" + json.dumps(self.blocks, ensure_ascii=False)


@dataclass
class SlackState:
    posted: list[Posted] = field(default_factory=list)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # Scripted failures for chat.postMessage, consumed in order: ("429", retry_after) | ("500", None).
    failures: list[tuple[str, float | None]] = field(default_factory=list)
    fail_until: float = 0.0  # monotonic time until which every postMessage answers `fail_mode`
    fail_mode: tuple[str, float | None] = ("500", None)
    hold_after_accept: float = 0.0  # seconds to wait after recording a message, before answering
    accepted: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


def channel_id(name: str) -> str:
    if name[:1] in "CGD" and name[1:].isalnum() and name.upper() == name:
        return name
    return "C" + format(zlib.crc32(name.lstrip("#").encode()) % 10**9, "09d")


class SlackServer:
    def __init__(self) -> None:
        self.state = SlackState()
        self._ts = itertools.count(1)
        state = self.state
        server_self = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                path = urlsplit(self.path).path
                params: dict[str, Any] = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                ctype = self.headers.get("Content-Type", "")
                if raw and "json" in ctype:
                    params.update(json.loads(raw))
                elif raw:
                    params.update({k: v[0] for k, v in parse_qs(raw.decode()).items()})
                method = path.rsplit("/", 1)[-1]
                with state.lock:
                    state.requests.append((method, params))
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    return self._json(200, {"ok": False, "error": "invalid_auth"})
                if method == "chat.postMessage":
                    return server_self._post_message(self, params)
                if method == "conversations.history":
                    return server_self._history(self, params)
                if method == "conversations.list":
                    names = sorted({p.body.get("channel", "") for p in state.posted} | {"#desk-alerts"})
                    channels = [{"id": channel_id(n), "name": n.lstrip("#")} for n in names]
                    return self._json(
                        200, {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}
                    )
                return self._json(404, {"ok": False, "error": "unknown_method"})

            do_GET = do_POST

            def _json(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/api/"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # --- behaviour -------------------------------------------------------------------------------

    def _failure(self) -> tuple[str, float | None] | None:
        with self.state.lock:
            if self.state.failures:
                return self.state.failures.pop(0)
            if time.monotonic() < self.state.fail_until:
                return self.state.fail_mode
        return None

    def _post_message(self, handler: Any, params: dict[str, Any]) -> None:
        failure = self._failure()
        if failure is not None:
            kind, retry_after = failure
            if kind == "429":
                return handler._json(
                    429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(int(retry_after or 1))}
                )
            handler.send_response(500)
            handler.send_header("Content-Length", "21")
            handler.end_headers()
            handler.wfile.write(b"Internal Server Error")
            return None
        if not params.get("channel"):
            return handler._json(200, {"ok": False, "error": "channel_not_found"})
        ts = f"{int(time.time())}.{next(self._ts):06d}"
        posted = Posted(channel=channel_id(str(params["channel"])), ts=ts, body=params)
        with self.state.lock:
            self.state.posted.append(posted)
            hold = self.state.hold_after_accept
        self.state.accepted.set()
        if hold:
            time.sleep(hold)
        return handler._json(
            200, {"ok": True, "channel": posted.channel, "ts": ts, "message": {"text": posted.text}}
        )

    def _history(self, handler: Any, params: dict[str, Any]) -> None:
        channel = str(params.get("channel", ""))
        oldest = float(params.get("oldest") or 0)
        with_meta = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        with self.state.lock:
            messages = [p for p in self.state.posted if p.channel == channel and float(p.ts) >= oldest - 1e-6]
        out = []
        for p in reversed(messages):
            item: dict[str, Any] = {"type": "message", "ts": p.ts, "text": p.text}
            if with_meta and p.body.get("metadata"):
                item["metadata"] = p.body["metadata"]
            out.append(item)
        return handler._json(200, {"ok": True, "messages": out, "has_more": False})

    # --- control ---------------------------------------------------------------------------------

    def fail_next(self, count: int, kind: str = "500", retry_after: float | None = None) -> None:
        with self.state.lock:
            self.state.failures.extend([(kind, retry_after)] * count)

    def fail_for(self, seconds: float, kind: str = "500", retry_after: float | None = None) -> None:
        with self.state.lock:
            self.state.fail_until = time.monotonic() + seconds
            self.state.fail_mode = (kind, retry_after)

    def recover(self) -> None:
        with self.state.lock:
            self.state.fail_until = 0.0
            self.state.failures.clear()

    @property
    def posted(self) -> list[Posted]:
        with self.state.lock:
            return list(self.state.posted)

    def calls(self, method: str) -> list[dict[str, Any]]:
        with self.state.lock:
            return [p for m, p in self.state.requests if m == method]

    def start(self) -> SlackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    """aiosmtpd on 127.0.0.1, keeping what it receives; `stop()` then `start()` is an outage."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str], bytes]] = []
        self._controller: Any = None

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller

        server = self

        class Handler:
            async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
                data = envelope.original_content or envelope.content
                server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), data))
                server.messages.append(email.message_from_bytes(data, policy=email.policy.default))  # type: ignore[arg-type]
                return "250 OK"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None
