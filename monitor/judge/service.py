"""The judge at work: ask (or read the cache), check, merge; and never stall or lose anything.

Three ways in:
- `judge_texts` (`claimwatch diff --judge`): the changes between two texts, judged now if the model
  answers (or the cache has the answer), else the engine's, with the request kept as pending.
- `prepare` then `apply` (the daemon, `check`, `ingest`): `prepare` asks the model BEFORE the
  version's transaction (a network call never holds a database lock) and caches the answer; `apply`,
  inside the transaction, only reads the cache. A miss (model away, slow, 429, 500, junk, over the
  budget) leaves the engine's changes standing as `judged_by = "rules"` and queues the pair.
- `judge_pending` (the daemon's judge job, `claimwatch judge run`): asks again for queued pairs and
  applies the answer to the stored changes: confirmed ones name the model, rejected ones are marked
  (their alerts, already queued, stand), changes the model found are added and alerted, once, in
  the same transaction that marks the request done.

After a failure the model is left alone for the server's Retry-After, else `judge.retry_after`: a
model that is down costs one timeout, not one per changed page.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from monitor.config import JudgeConfig
from monitor.errors import JudgeError
from monitor.judge import cache
from monitor.judge.backends import JudgeBackend, make_backend
from monitor.judge.evidence import AnswerError, check_answer, parse_answer
from monitor.judge.merge import RULES, Judged, mark_rules, merge
from monitor.judge.request import JudgeRequest, build_request, candidate_id
from monitor.model import Change
from monitor.store import Store
from monitor.store.tables import ChangeRow, DocumentRow, JudgeRequestRow, SourceRow, VersionRow
from monitor.timeutil import ensure_utc, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # a pair whose request failed this often is given up (`failed`, listed in stats)


@dataclass(slots=True)
class Verdict:
    """What stands for one pair: the changes (each with `judged_by`), the rejected candidates, and
    whether an answer was used (`judged`) or the engine's result stands (`error` says why)."""

    changes: list[Change]
    rejected: list[Change] = field(default_factory=list)
    judged: bool = False
    key: str | None = None
    error: str | None = None


class Judge:
    """The configured judge over one store. Thread-safe: checks of many sources share one."""

    def __init__(self, config: JudgeConfig, store: Store, backend: JudgeBackend | None = None):
        self.config = config
        self.store = store
        self.backend = backend or make_backend(config)
        self._lock = threading.Lock()
        self._resting_until: datetime | None = None
        self._failures: dict[str, JudgeError] = {}

    @property
    def who(self) -> str:
        """What a change's `judged_by` says when this judge decided it: the model's name."""
        return self.config.model

    def close(self) -> None:
        self.backend.close()

    def build(self, old: str, new: str, changes: list[Change]) -> JudgeRequest | None:
        return build_request(
            old,
            new,
            changes,
            model=self.config.model,
            mode=self.config.mode,
            max_chars=self.config.max_request_chars,
        )

    # -- asking ------------------------------------------------------------------------------------

    def _rest(self, seconds: float) -> None:
        with self._lock:
            until = utcnow() + timedelta(seconds=seconds)
            if self._resting_until is None or until > self._resting_until:
                self._resting_until = until

    def resting(self) -> bool:
        with self._lock:
            return self._resting_until is not None and utcnow() < self._resting_until

    def _check_budget(self, session: Session, request: JudgeRequest) -> None:
        limits = (self.config.max_requests_per_hour, self.config.max_tokens_per_hour)
        if limits == (None, None):
            return
        requests, tokens = cache.usage_since(session, request.model, utcnow() - timedelta(hours=1))
        if self.config.max_requests_per_hour is not None and requests >= self.config.max_requests_per_hour:
            raise JudgeError(
                f"over the budget of {self.config.max_requests_per_hour} requests an hour",
                outcome="over_budget",
            )
        if self.config.max_tokens_per_hour is not None and (
            tokens + request.estimated_tokens() > self.config.max_tokens_per_hour
        ):
            raise JudgeError(
                f"over the budget of {self.config.max_tokens_per_hour} tokens an hour", outcome="over_budget"
            )

    def answer(self, request: JudgeRequest, *, cache_only: bool = False) -> str | None:
        """The answer's text: from the cache, else (unless `cache_only`) from the model, cached then.
        Raises JudgeError when the model gives none now; None on a cache-only miss."""
        key = request.key
        with self.store.session() as session:
            row = cache.get_answer(session, key)
            if row is not None:
                cache.record_event(session, request.model, "cache_hit", key=key)
                return row.content
        if cache_only:
            return None
        if self.resting():
            raise JudgeError("the model failed a moment ago; not asking again yet", outcome="resting")
        try:
            with self.store.session() as session:
                self._check_budget(session, request)
            try:
                completion = self.backend.complete(request)
            except JudgeError:
                raise
            except Exception as exc:  # whatever a client library throws, the pass goes on
                log.exception("judge: the %s backend failed unexpectedly", self.config.type)
                raise JudgeError(f"the judge failed: {type(exc).__name__}: {exc}", outcome="error") from None
            parse_answer(completion.content)  # junk is never cached
        except JudgeError as exc:
            if exc.outcome != "over_budget":
                self._rest(
                    exc.retry_after
                    if exc.retry_after is not None
                    else self.config.retry_after.total_seconds()
                )
            with self.store.session() as session:
                cache.record_event(session, request.model, exc.outcome, key=key, detail=str(exc))
            log.warning("judge: %s (%s); the engine's result stands", exc, request.model)
            raise
        try:
            with self.store.session() as session:
                cache.put_answer(
                    session,
                    key,
                    model=request.model,
                    prompt_version=request.prompt_version,
                    content=completion.content,
                    prompt_tokens=completion.prompt_tokens,
                    completion_tokens=completion.completion_tokens,
                )
        except IntegrityError:
            pass  # another worker stored an answer for the same key meanwhile: the first one wins
        with self.store.session() as session:
            cache.record_event(
                session,
                request.model,
                "ok",
                key=key,
                prompt_tokens=completion.prompt_tokens,
                completion_tokens=completion.completion_tokens,
            )
        return completion.content

    def _use(
        self, session: Session, request: JudgeRequest, content: str, old: str, new: str, changes: list[Change]
    ) -> Judged:
        """Check `content` against the texts and merge it with the engine's changes."""
        holders = [str(h) for h in request.body.get("holders", [])]
        checked = check_answer(
            parse_answer(content),
            old=old,
            new=new,
            candidate_ids=request.candidate_ids,
            holders=holders,
            mode=request.mode,
        )
        row = cache.get_answer(session, request.key)
        if row is not None and row.rejections is None:
            row.rejections = len(checked.rejections)
            session.add(row)
        return merge(changes, checked, old=old, new=new, who=self.who, holders=holders)

    def _wait_after(self, error: JudgeError | None) -> timedelta:
        if error is not None and error.retry_after is not None:
            return timedelta(seconds=error.retry_after)
        return self.config.retry_after

    # -- claimwatch diff --judge -----------------------------------------------------------------------

    def judge_texts(self, old: str, new: str, changes: list[Change], *, cache_only: bool = False) -> Verdict:
        request = self.build(old, new, changes)
        if request is None:
            return Verdict(mark_rules(changes))
        error: JudgeError | None = None
        try:
            content = self.answer(request, cache_only=cache_only)
        except JudgeError as exc:
            content, error = None, exc
        if content is not None:
            try:
                with self.store.session() as session:
                    judged = self._use(session, request, content, old, new, changes)
                    cache.settle_unversioned(session, request.key)
                return Verdict(judged.changes, judged.rejected, judged=True, key=request.key)
            except AnswerError as exc:  # an imported answer that is junk
                error = exc
        with self.store.session() as session:
            cache.queue_request(
                session,
                request,
                error=str(error) if error else "not in the cache",
                wait=self._wait_after(error),
            )
        return Verdict(
            mark_rules(changes), key=request.key, error=str(error) if error else "not in the cache"
        )

    # -- the pipeline ----------------------------------------------------------------------------------

    def prepare(self, old: str, new: str, changes: list[Change]) -> None:
        """Ask the model about a pair before its transaction; never raises (the pair is queued by
        `apply` when no answer came)."""
        request: JudgeRequest | None = None
        try:
            request = self.build(old, new, changes)
            if request is None:
                return
            self.answer(request)
        except JudgeError as exc:
            if request is not None:
                self._failures[request.key] = exc
        except Exception:  # a bug here must not cost the version: the engine's result stands
            log.exception("judge: preparing a pair failed")

    def apply(
        self,
        session: Session,
        old: str,
        new: str,
        changes: list[Change],
        *,
        document_id: int | None,
        old_version_id: int | None,
        new_version_id: int | None,
    ) -> Judged:
        """Inside the version's transaction: the cached answer applied, or the pair queued."""
        try:
            request = self.build(old, new, changes)
        except Exception:
            log.exception("judge: building a request failed; the engine's result stands")
            return Judged(changes=mark_rules(changes))
        if request is None:
            return Judged(changes=mark_rules(changes))
        error = self._failures.pop(request.key, None)
        row = cache.get_answer(session, request.key)
        if row is not None:
            try:
                return self._use(session, request, row.content, old, new, changes)
            except AnswerError as exc:
                error = exc
        cache.queue_request(
            session,
            request,
            error=str(error) if error else "no answer yet",
            wait=self._wait_after(error),
            document_id=document_id,
            old_version_id=old_version_id,
            new_version_id=new_version_id,
        )
        return Judged(changes=mark_rules(changes))

    def note_ledger(
        self,
        session: Session,
        rows: list[ChangeRow],
        new: str,
        *,
        document_id: int | None,
        new_version_id: int,
    ) -> None:
        """Ledger shifts (an actor's stance moved across documents) depend on the ledger as this
        transaction finds it, so they cannot be asked about beforehand: each is judged from the cache
        when an answer is there (a rejected one then alerts nobody), else queued and judged after it
        was recorded and alerted. The request holds the earlier observation's sentence as the older
        text and this version as the newer one."""
        for row in rows:
            if "judged_by" not in row.payload:
                row.payload = {**row.payload, "judged_by": RULES}
                session.add(row)
            if row.kind != "stance_shift":
                continue
            try:
                change = Change.from_dict(row.payload)
                if change.before is None or not change.before.text:
                    continue
                request = self.build(change.before.text, new, [change])
                if request is None:
                    continue
                answer = cache.get_answer(session, request.key)
                if answer is not None:
                    try:
                        judged = self._use(
                            session, request, answer.content, change.before.text, new, [change]
                        )
                        _mark_rows(session, {candidate_id(change): row}, judged)
                        continue
                    except AnswerError:
                        pass
                cache.queue_request(
                    session,
                    request,
                    error="a ledger shift is judged after it is recorded",
                    document_id=document_id,
                    new_version_id=new_version_id,
                )
            except Exception:  # the judge is optional: the ledger's change stands as the engine's
                log.exception("judge: noting a ledger shift failed")

    # -- judged again later ------------------------------------------------------------------------------

    def judge_pending(
        self,
        on_change: Callable[[Session, ChangeRow], object] | None = None,
        *,
        limit: int = 100,
        cache_only: bool = False,
    ) -> dict[str, int]:
        """Ask again for the queued pairs that are due; apply each answer where it belongs."""
        counts = {"judged": 0, "failed": 0, "waiting": 0}
        now = utcnow()
        with self.store.session(write=False) as session:
            # every pending request: one whose answer is cached (imported) is applied at no cost,
            # whenever it was due; the others are asked only when due
            queued = [
                (row.id, row.key, row.next_attempt_at is None or ensure_utc(row.next_attempt_at) <= now)
                for row in cache.pending_requests(session, due_only=False)
            ]
            cached = {key for _, key, _ in queued if cache.get_answer(session, key) is not None}
        due = [i for i, key, is_due in queued if key in cached or (is_due and not cache_only)][:limit]
        counts["waiting"] = len(queued) - len(due)
        for request_id in due:
            with self.store.session(write=False) as session:
                row = session.get(JudgeRequestRow, request_id)
                if row is None or row.status != "pending":
                    continue
                request = JudgeRequest(
                    model=row.model,
                    mode=row.mode,  # type: ignore[arg-type]
                    body=row.request,
                    prompt_version=row.prompt_version,
                )
            if row.key not in cached and self.resting():
                counts["waiting"] += 1
                continue
            try:
                content = self.answer(request, cache_only=cache_only or row.key in cached)
                if content is None:
                    counts["waiting"] += 1
                    continue
                with self.store.session() as session:
                    # locked (PostgreSQL; SQLite writes one at a time): two workers never apply one answer
                    row = session.exec(
                        select(JudgeRequestRow).where(JudgeRequestRow.id == request_id).with_for_update()
                    ).first()
                    if row is None or row.status != "pending":
                        continue  # another worker applied it meanwhile
                    if row.new_version_id is not None:
                        self._apply_late(session, row, request, content, on_change)
                    row.status, row.last_error = "done", None
                    session.add(row)
                counts["judged"] += 1
            except JudgeError as exc:
                counts["failed"] += 1
                with self.store.session() as session:
                    row = session.get(JudgeRequestRow, request_id)
                    if row is not None and row.status == "pending":
                        row.attempts += 1
                        row.last_error = str(exc)
                        row.next_attempt_at = utcnow() + self._wait_after(exc)
                        if row.attempts >= MAX_ATTEMPTS:
                            row.status = "failed"
                        session.add(row)
        return counts

    def _apply_late(
        self,
        session: Session,
        row: JudgeRequestRow,
        request: JudgeRequest,
        content: str,
        on_change: Callable[[Session, ChangeRow], object] | None,
    ) -> None:
        from monitor.ledger import Provenance, change_row, insert_changes

        new_version = session.get(VersionRow, row.new_version_id)
        if new_version is None:
            return
        if row.old_version_id is None:  # a ledger shift (`note_ledger`): verdicts only
            ledger = session.exec(
                select(ChangeRow).where(
                    ChangeRow.new_version_id == new_version.id, ChangeRow.origin == "ledger"
                )
            ).all()
            by_id = {candidate_id(Change.from_dict(r.payload)): r for r in ledger}
            old = "\n".join(c.get("before_quote") or "" for c in request.body.get("candidates", []))
            changes = [Change.from_dict(r.payload) for r in ledger]
            _mark_rows(session, by_id, self._use(session, request, content, old, new_version.text, changes))
            return
        old_version = session.get(VersionRow, row.old_version_id)
        if old_version is None:
            return
        stored = list(
            session.exec(
                select(ChangeRow)
                .where(ChangeRow.new_version_id == new_version.id, ChangeRow.origin == "version")
                .order_by(col(ChangeRow.id))
            ).all()
        )
        by_candidate = {candidate_id(Change.from_dict(r.payload)): r for r in stored}
        changes = [Change.from_dict(r.payload) for r in stored]
        judged = self._use(session, request, content, old_version.text, new_version.text, changes)
        _mark_rows(session, by_candidate, judged)
        if not judged.found:
            return
        document = session.get(DocumentRow, new_version.document_id)
        assert document is not None
        source = session.get(SourceRow, document.source_id)
        assert source is not None
        observed_at = ensure_utc(new_version.observed_at or new_version.fetched_at)
        before_at = ensure_utc(old_version.observed_at or old_version.fetched_at).isoformat()
        where = Provenance(source=source, document=document, version=new_version, observed_at=observed_at)
        rows = []
        for change in judged.found:
            change = _with_sources(change, source.name, document.url, before_at, observed_at.isoformat())
            rows.append(change_row(change, where, origin="version", old_version_id=old_version.id))
        insert_changes(session, rows)
        if on_change is not None:
            for new_row in rows:
                on_change(session, new_row)


def _mark_rows(session: Session, by_candidate: dict[str, ChangeRow], judged: Judged) -> None:
    """Write the model's verdicts into the stored changes they are about."""
    for change in judged.changes + judged.rejected:
        stored_row = by_candidate.get(candidate_id(change))
        if stored_row is None or change.extra.get("judged_by", RULES) == RULES:
            continue
        payload = dict(stored_row.payload)
        payload["judged_by"] = change.extra["judged_by"]
        if change.extra.get("judge_verdict"):
            payload["judge_verdict"] = change.extra["judge_verdict"]
        stored_row.payload = payload
        session.add(stored_row)


def _with_sources(change: Change, source: str, url: str, before_at: str, after_at: str) -> Change:
    import dataclasses

    def side(value: Any, at: str) -> Any:
        return (
            dataclasses.replace(value, source=source, url=url, observed_at=at) if value is not None else None
        )

    return dataclasses.replace(
        change, before=side(change.before, before_at), after=side(change.after, after_at)
    )
