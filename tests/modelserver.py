"""A real OpenAI-compatible chat-completions server on 127.0.0.1 (ephemeral port) for judge tests.

It answers POST /v1/chat/completions the way OpenAI, vLLM, Ollama or llama.cpp's server do, and can
misbehave on purpose, per request, from a script of behaviours (then `default`):

    server = ModelServer(answer=lambda request: {...}).start()   # `request`: the JSON the judge sent
    server.script = ["429", "500"]          # the next two requests fail so, then `default`
    server.default = "answer"               # answer | 429 | 500 | slow | junk | broken | empty
    server.refuse_formats = {"json_schema"} # a server without JSON schemas: 400 naming response_format
    server.requests                         # every request body received (parsed JSON)
    server.base_url                         # http://127.0.0.1:PORT/v1

Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answerer = Callable[[dict[str, Any]], dict[str, Any]]


def confirm_all(request: dict[str, Any]) -> dict[str, Any]:
    """A stand-in that confirms every candidate and finds nothing else."""
    return {
        "candidates": [{"id": c["id"], "verdict": "confirm", "reason": "ok"} for c in request["candidates"]],
        "shifts": [],
        "numbers": [],
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # clients that time out and hang up are what some tests do on purpose


class ModelServer:
    def __init__(
        self, answer: Answerer = confirm_all, *, retry_after: str = "7", delay: float = 3.0, port: int = 0
    ):
        self.port = port  # 0: an ephemeral port; a given one: a model that comes back where it was
        self.answer = answer
        self.retry_after = retry_after
        self.delay = delay  # how long "slow" waits before answering
        self.default = "answer"
        self.refuse_formats: set[str] = set()  # response_format types answered with a 400
        self.script: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._httpd: _Server | None = None

    @property
    def base_url(self) -> str:
        assert self._httpd is not None
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def _behaviour(self) -> str:
        with self._lock:
            return self.script.pop(0) if self.script else self.default

    def start(self) -> ModelServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.endswith("/chat/completions"):
                    self._send(404, b'{"error": {"message": "not found"}}')
                    return
                with owner._lock:
                    owner.requests.append(body)
                    owner.headers.append({k.lower(): v for k, v in self.headers.items()})
                behaviour = owner._behaviour()
                asked = (body.get("response_format") or {}).get("type")
                if asked in owner.refuse_formats:  # a server without structured outputs
                    message = f"response_format type {asked!r} is not supported by this server"
                    self._send(
                        400, json.dumps({"error": {"message": message, "param": "response_format"}}).encode()
                    )
                    return
                if behaviour == "429":
                    error = {
                        "error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit"}
                    }
                    self._send(429, json.dumps(error).encode(), {"Retry-After": owner.retry_after})
                    return
                if behaviour == "500":
                    self._send(500, b'{"error": {"message": "internal error", "type": "server_error"}}')
                    return
                if behaviour == "broken":
                    self._send(200, b'{"id": "chatcmpl-1", "choices": [{"message": {"content": "{"')
                    return
                if behaviour == "slow":
                    time.sleep(owner.delay)
                request = json.loads(body["messages"][-1]["content"])
                if behaviour == "junk":
                    content = "Sure! Germany changed its mind, I believe. Anything else?"
                elif behaviour == "empty":
                    content = ""
                else:
                    content = json.dumps(owner.answer(request))
                completion = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "created": 1_700_000_000,
                    "model": body.get("model", "test-model"),
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": content},
                            "finish_reason": "stop",
                        }
                    ],
                    "usage": {"prompt_tokens": 1000, "completion_tokens": 50, "total_tokens": 1050},
                }
                self._send(200, json.dumps(completion).encode())

        self._httpd = _Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
