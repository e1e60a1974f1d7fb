"""The judge's records in the store: answers (the cache), requests still to ask, events (stats).

Functions take a session the caller owns, so a request queued by the pipeline is written in the same
transaction as the version and changes it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from monitor.judge.request import JudgeRequest
from monitor.store.tables import JudgeAnswerRow, JudgeEventRow, JudgeRequestRow
from monitor.timeutil import utcnow

# Outcomes of asking the model; `cache_hit` is an answer served without asking.
ASKED_OUTCOMES = ("ok", "junk", "rate_limited", "server_error", "timeout", "unreachable", "refused", "error")


def get_answer(session: Session, key: str) -> JudgeAnswerRow | None:
    return session.get(JudgeAnswerRow, key)


def put_answer(
    session: Session,
    key: str,
    *,
    model: str,
    prompt_version: str,
    content: str,
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    origin: str = "api",
) -> bool:
    """Store an answer unless one is stored for `key` already (the first answer wins); True if new."""
    if session.get(JudgeAnswerRow, key) is not None:
        return False
    session.add(
        JudgeAnswerRow(
            key=key,
            model=model,
            prompt_version=prompt_version,
            content=content,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            origin=origin,
        )
    )
    session.flush()
    return True


def record_event(
    session: Session,
    model: str,
    outcome: str,
    *,
    key: str | None = None,
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    detail: str | None = None,
) -> None:
    session.add(
        JudgeEventRow(
            model=model,
            outcome=outcome,
            key=key,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            detail=detail[:2000] if detail else None,
        )
    )


def usage_since(session: Session, model: str, since: datetime) -> tuple[int, int]:
    """Requests sent to `model` since `since`, and the tokens they used (prompt + completion)."""
    row = session.exec(
        select(
            func.count(),
            func.coalesce(func.sum(JudgeEventRow.prompt_tokens + JudgeEventRow.completion_tokens), 0),
        ).where(
            JudgeEventRow.model == model,
            col(JudgeEventRow.outcome).in_(ASKED_OUTCOMES),
            col(JudgeEventRow.at) >= since,
        )
    ).one()
    return int(row[0]), int(row[1])


def queue_request(
    session: Session,
    request: JudgeRequest,
    *,
    error: str | None = None,
    wait: timedelta = timedelta(0),
    document_id: int | None = None,
    old_version_id: int | None = None,
    new_version_id: int | None = None,
) -> JudgeRequestRow:
    """Keep `request` to be asked again later (once per key and version pair)."""
    key = request.key
    existing = session.exec(
        select(JudgeRequestRow).where(
            JudgeRequestRow.key == key,
            JudgeRequestRow.new_version_id == new_version_id
            if new_version_id is not None
            else col(JudgeRequestRow.new_version_id).is_(None),
            JudgeRequestRow.status == "pending",
        )
    ).first()
    if existing is not None:
        return existing
    row = JudgeRequestRow(
        key=key,
        model=request.model,
        prompt_version=request.prompt_version,
        mode=request.mode,
        request=request.body,
        last_error=error,
        next_attempt_at=utcnow() + wait,
        document_id=document_id,
        old_version_id=old_version_id,
        new_version_id=new_version_id,
    )
    session.add(row)
    session.flush()
    return row


def settle_unversioned(session: Session, key: str) -> None:
    """Mark done the pending requests for `key` that belong to no stored version pair (left by
    `diff --judge` or `judge export --cases`): their answer has just been used."""
    for row in session.exec(
        select(JudgeRequestRow).where(
            JudgeRequestRow.key == key,
            JudgeRequestRow.status == "pending",
            col(JudgeRequestRow.new_version_id).is_(None),
        )
    ).all():
        row.status, row.last_error = "done", None
        session.add(row)


def pending_requests(
    session: Session, *, due_only: bool = True, limit: int | None = None
) -> list[JudgeRequestRow]:
    query = select(JudgeRequestRow).where(JudgeRequestRow.status == "pending")
    if due_only:
        query = query.where(col(JudgeRequestRow.next_attempt_at) <= utcnow())
    query = query.order_by(col(JudgeRequestRow.next_attempt_at), col(JudgeRequestRow.id))
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query).all())


@dataclass(frozen=True, slots=True)
class JudgeStats:
    requests: int  # sent to a model
    answered: int
    prompt_tokens: int
    completion_tokens: int
    cache_hits: int
    rejections: int  # findings refused by the evidence check
    failures: dict[str, int]  # by outcome: rate_limited, server_error, timeout, junk, over_budget, ...
    pending: int
    gave_up: int
    cached_answers: int
    imported_answers: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "answered": self.answered,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cache_hits": self.cache_hits,
            "rejections": self.rejections,
            "failures": dict(self.failures),
            "pending": self.pending,
            "gave_up": self.gave_up,
            "cached_answers": self.cached_answers,
            "imported_answers": self.imported_answers,
        }


def stats(session: Session, *, since: datetime | None = None) -> JudgeStats:
    query = select(
        JudgeEventRow.outcome,
        func.count(),
        func.coalesce(func.sum(JudgeEventRow.prompt_tokens), 0),
        func.coalesce(func.sum(JudgeEventRow.completion_tokens), 0),
    ).group_by(JudgeEventRow.outcome)
    if since is not None:
        query = query.where(col(JudgeEventRow.at) >= since)
    by_outcome = {outcome: (int(n), int(p), int(c)) for outcome, n, p, c in session.exec(query).all()}
    asked = {k: v for k, v in by_outcome.items() if k in ASKED_OUTCOMES}
    requests = {
        status: int(n)
        for status, n in session.exec(
            select(JudgeRequestRow.status, func.count()).group_by(JudgeRequestRow.status)
        ).all()
    }
    answers = {
        origin: (int(n), int(r or 0))
        for origin, n, r in session.exec(
            select(
                JudgeAnswerRow.origin, func.count(), func.coalesce(func.sum(JudgeAnswerRow.rejections), 0)
            ).group_by(JudgeAnswerRow.origin)
        ).all()
    }
    return JudgeStats(
        requests=sum(n for n, _, _ in asked.values()),
        answered=asked.get("ok", (0, 0, 0))[0],
        prompt_tokens=sum(p for _, p, _ in asked.values()),
        completion_tokens=sum(c for _, _, c in asked.values()),
        cache_hits=by_outcome.get("cache_hit", (0, 0, 0))[0],
        rejections=sum(r for _, r in answers.values()),
        # every way a request went without an answer, asked (timeout, 429, ...) or not (over_budget)
        failures={k: v[0] for k, v in sorted(by_outcome.items()) if k not in ("ok", "cache_hit")},
        pending=requests.get("pending", 0),
        gave_up=requests.get("failed", 0),
        cached_answers=sum(n for n, _ in answers.values()),
        imported_answers=answers.get("import", (0, 0))[0],
    )
