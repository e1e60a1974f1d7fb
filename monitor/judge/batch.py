"""Batch mode: pending requests out as OpenAI Batch API request lines, answers in as result lines.

Request line (one per pending request; `custom_id` is the cache key):
    {"custom_id": KEY, "method": "POST", "url": "/v1/chat/completions", "body": {chat request}}
Result line (what the Batch API writes to its output file):
    {"id": ..., "custom_id": KEY, "response": {"status_code": 200, "body": {chat completion}},
     "error": null}

A result is imported into the cache when its status is 200 and its answer holds a JSON object; the
evidence check runs when the answer is used, against the texts, as for an answer from the model.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from monitor.errors import InputError, JudgeError
from monitor.judge import cache
from monitor.judge.backends import OpenAIJudge
from monitor.judge.evidence import parse_answer
from monitor.judge.prompt import PROMPT_VERSION
from monitor.judge.request import JudgeRequest
from monitor.store.tables import JudgeRequestRow

BATCH_URL = "/v1/chat/completions"


def request_line(request: JudgeRequest, backend: OpenAIJudge | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"model": request.model, "messages": request.messages()}
    if backend is not None:
        body["temperature"] = backend.config.temperature
        response_format = backend.response_format()
        if response_format is not None:
            body["response_format"] = response_format
    return {"custom_id": request.key, "method": "POST", "url": BATCH_URL, "body": body}


def export_lines(requests: Iterable[JudgeRequest], backend: OpenAIJudge | None = None) -> Iterator[str]:
    seen: set[str] = set()
    for request in requests:
        if request.key in seen:
            continue
        seen.add(request.key)
        yield json.dumps(request_line(request, backend), ensure_ascii=False)


@dataclass(slots=True)
class ImportReport:
    imported: int = 0
    already: int = 0  # the cache had an answer for that key
    unknown: int = 0  # imported, but no pending request has that key (an answer for another store?)
    refused: list[str] = field(default_factory=list)  # line: why


def _content(result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if result.get("error"):
        raise JudgeError(f"the batch reported an error: {json.dumps(result['error'])[:200]}")
    response = result.get("response")
    if not isinstance(response, dict):
        raise JudgeError("no 'response' object")
    status = response.get("status_code")
    if status != 200:
        raise JudgeError(f"status_code {status}")
    body = response.get("body")
    try:
        content = body["choices"][0]["message"]["content"]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        raise JudgeError("no choices[0].message.content in the response body") from None
    if not isinstance(content, str):
        raise JudgeError("the answer is not text")
    return content, body if isinstance(body, dict) else {}


def import_results(session: Session, lines: Iterable[str], source: str = "<results>") -> ImportReport:
    """Read Batch API result lines into the cache (see the module doc). Lines that are not results,
    report errors, or answer with junk are refused with a reason; nothing else is touched."""
    report = ImportReport()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            result = json.loads(line)
        except ValueError as exc:
            report.refused.append(f"{source}:{number}: not JSON ({exc})")
            continue
        if not isinstance(result, dict) or not isinstance(result.get("custom_id"), str):
            report.refused.append(f"{source}:{number}: no custom_id")
            continue
        key = result["custom_id"]
        try:
            content, body = _content(result)
            parse_answer(content)
        except JudgeError as exc:
            report.refused.append(f"{source}:{number}: {key[:12]}: {exc}")
            continue
        pending = session.exec(select(JudgeRequestRow).where(JudgeRequestRow.key == key)).first()
        reported = body.get("usage")
        usage: dict[str, Any] = reported if isinstance(reported, dict) else {}
        stored = cache.put_answer(
            session,
            key,
            model=pending.model if pending else str(body.get("model") or "unknown"),
            prompt_version=pending.prompt_version if pending else PROMPT_VERSION,
            content=content,
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            origin="import",
        )
        if not stored:
            report.already += 1
            continue
        report.imported += 1
        if pending is None:
            report.unknown += 1
    return report


def read_lines(path: Any) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: {exc}") from None
