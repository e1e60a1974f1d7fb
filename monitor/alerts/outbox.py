"""The outbox: alert rows written in the same transaction as the change that triggered them.

`enqueue_alerts(session, ruleset, change_row)` is what the pipeline calls (through `on_change`) while
the change is being stored: either the change and its alerts are committed together, or neither is.
Each alert has a unique key (change, rule, channel), so nothing can be queued twice.

What a matching rule produces, per channel (decided by `plan_alerts`, shared with the `rules test`
replay so the dry run and the live path agree):

- `pending`: to be sent by the dispatcher;
- `suppressed`: the rule already alerted on this actor+topic within its `cooldown` (kept, visible);
- `held` with a `digest_key`: collected for the rule's `digest` window, sent as one message when the
  window closes;
- `held` without a digest key: waiting until `min_sources` independent sources report the new stance
  (re-checked by the dispatcher; `suppressed` if that does not happen within `min_sources_within`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, or_
from sqlmodel import Session, select

from monitor.model import Change
from monitor.rules import MatchContext, Rule, RuleSet, RuleWatcher
from monitor.store.tables import AlertRow, ChangeRow, MuteRow, ObservationRow, PositionRow, SourceRow
from monitor.timeutil import ensure_utc, format_duration, utcnow

log = logging.getLogger(__name__)

PENDING, SENT, DEAD, HELD, SUPPRESSED = "pending", "sent", "dead", "held", "suppressed"
STATUSES = (PENDING, SENT, DEAD, HELD, SUPPRESSED)
# How often a rule waiting for corroboration looks at the ledger again.
CORROBORATION_RECHECK = timedelta(minutes=1)


def alert_key(change_id: int | None, rule_id: str, channel: str) -> str:
    return f"change:{change_id}:{rule_id}:{channel}"


def thread_key(change: Change, document_id: int | None = None) -> str:
    """Actor + topic: the alerts that belong in one Slack thread and share one cooldown."""
    if change.actor:
        return f"{change.actor}|{change.topic or change.proposition or change.counts or ''}".casefold()
    # No actor (e.g. a changed casualty count): the document and what the number counts.
    return f"doc:{document_id}|{change.counts or change.topic or ''}".casefold()


def digest_window(moment: datetime, window: timedelta) -> tuple[datetime, datetime]:
    """The fixed window (aligned to the epoch) containing `moment`."""
    size = max(1, int(window.total_seconds()))
    start_ts = int(ensure_utc(moment).timestamp()) // size * size
    start = datetime.fromtimestamp(start_ts, tz=ensure_utc(moment).tzinfo)
    return start, start + timedelta(seconds=size)


def digest_key(rule_id: str, channel: str, window_start: datetime) -> str:
    return f"{rule_id}|{channel}|{ensure_utc(window_start):%Y%m%dT%H%M%SZ}"


class AlertHistory(Protocol):
    """What planning needs to know about the past: earlier alerts (cooldown) and the ledger (sources)."""

    def last_alert(self, rule_id: str, channel: str, thread: str, since: datetime) -> datetime | None: ...

    def sources_reporting(
        self, change: Change, change_row: ChangeRow, since: datetime, until: datetime
    ) -> int: ...


@dataclass
class PlannedAlert:
    rule: Rule
    channel: str
    key: str
    status: str
    reason: str
    thread_key: str
    next_attempt_at: datetime | None = None
    digest_key: str | None = None
    response: dict[str, Any] = field(default_factory=dict)


def plan_alerts(
    rules: Iterable[Rule],
    change: Change,
    change_row: ChangeRow,
    history: AlertHistory,
    now: datetime,
) -> list[PlannedAlert]:
    """For each matching rule and each of its channels: what the outbox should hold. Pure given `history`."""
    plans: list[PlannedAlert] = []
    thread = thread_key(change, change_row.document_id)
    for rule in rules:
        corroboration: tuple[int, datetime] | None = None
        if rule.min_sources > 1 and change.actor and change.topic and change.after and change.after.stance:
            since = _stance_since(change, change_row, rule)
            found = history.sources_reporting(change, change_row, since, now)
            if found < rule.min_sources:
                corroboration = (found, since)
        for channel in rule.channels:
            key = alert_key(change_row.id, rule.id, channel)
            plan = PlannedAlert(rule, channel, key, PENDING, "send", thread, next_attempt_at=now)
            if rule.cooldown is not None:
                last = history.last_alert(rule.id, channel, thread, now - rule.cooldown)
                if last is not None:
                    plan.status, plan.next_attempt_at = SUPPRESSED, None
                    plan.reason = f"cooldown {_fmt(rule.cooldown)}: alerted on this at {last:%Y-%m-%d %H:%M}Z"
                    plans.append(plan)
                    continue
            if corroboration is not None:
                found, since = corroboration
                plan.status, plan.next_attempt_at = HELD, now + CORROBORATION_RECHECK
                plan.reason = f"waiting for sources: {found} of {rule.min_sources}"
                plan.response = waiting_info(change, rule, since, found)
                plans.append(plan)
                continue
            if rule.digest is not None:
                start, end = digest_window(now, rule.digest)
                plan.status, plan.next_attempt_at = HELD, end
                plan.digest_key = digest_key(rule.id, channel, start)
                plan.response = {"digest_seconds": int(rule.digest.total_seconds())}
                plan.reason = f"digest {_fmt(rule.digest)}: sent with others at {end:%Y-%m-%d %H:%M}Z"
            plans.append(plan)
    return plans


def waiting_info(change: Change, rule: Rule, since: datetime, found: int) -> dict[str, Any]:
    assert change.after is not None
    return {
        "waiting": "sources",
        "min_sources": rule.min_sources,
        "found": found,
        "actor": change.actor,
        "topic": change.topic,
        "stance": change.after.stance,
        "since": since.isoformat(),
        "expires": (since + 2 * rule.min_sources_within).isoformat(),
        "digest_seconds": int(rule.digest.total_seconds()) if rule.digest else None,
    }


def _stance_since(change: Change, change_row: ChangeRow, rule: Rule) -> datetime:
    """From when a report of the new stance counts as corroboration: `min_sources_within` before the
    change was observed. Reports until `min_sources_within` after it count too (the wait)."""
    moment = change_row.observed_at or change_row.detected_at or utcnow()
    return ensure_utc(moment) - rule.min_sources_within


def _fmt(delta: timedelta) -> str:
    return format_duration(delta)


# --- the store side ------------------------------------------------------------------------------


class StoreHistory:
    """`AlertHistory` backed by the database (inside the caller's transaction)."""

    def __init__(self, session: Session):
        self.session = session

    def last_alert(self, rule_id: str, channel: str, thread: str, since: datetime) -> datetime | None:
        query = select(func.max(AlertRow.created_at)).where(
            AlertRow.rule_id == rule_id,
            AlertRow.channel == channel,
            AlertRow.thread_key == thread,
            AlertRow.created_at >= since,
            or_(
                AlertRow.status.in_([PENDING, SENT, DEAD]),
                (AlertRow.status == HELD) & AlertRow.digest_key.is_not(None),
            ),
        )
        found = self.session.exec(query).one()
        return ensure_utc(found) if found is not None else None

    def sources_reporting(
        self, change: Change, change_row: ChangeRow, since: datetime, until: datetime
    ) -> int:
        assert change.after is not None and change.actor and change.topic
        return count_sources(
            self.session,
            change.actor,
            change.topic,
            change.after.stance or "",
            since,
            until,
            extra_source=change_row.source_id,
        )


def count_sources(
    session: Session,
    actor: str,
    topic: str,
    stance: str,
    since: datetime,
    until: datetime,
    extra_source: int | None = None,
) -> int:
    """Distinct sources whose observations give `actor` the `stance` on `topic` between since and until.

    Observations filed under the (actor, topic) ledger position count too, whatever their own wording
    of the topic. A source is the configured source; observations without one count per document.
    """
    position = session.exec(
        select(PositionRow.id).where(PositionRow.actor == actor, PositionRow.topic == topic)
    ).first()
    same_question = (ObservationRow.actor == actor) & (ObservationRow.topic == topic)
    if position is not None and hasattr(ObservationRow, "position_id"):
        same_question = same_question | (ObservationRow.position_id == position)  # type: ignore[operator]
    rows = session.exec(
        select(ObservationRow.source_id, ObservationRow.document_id).where(
            same_question,
            ObservationRow.stance == stance,
            ObservationRow.observed_at >= since,
            ObservationRow.observed_at <= until,
        )
    ).all()
    keys = {("s", s) if s is not None else ("d", d) for s, d in rows}
    if extra_source is not None:
        keys.add(("s", extra_source))
    return len(keys)


def match_context(session: Session, change_row: ChangeRow) -> MatchContext:
    if change_row.source_id is None:
        return MatchContext()
    source = session.get(SourceRow, change_row.source_id)
    if source is None:
        return MatchContext()
    return MatchContext(source=source.name, tags=frozenset(source.tags or ()))


def enqueue_alerts(
    session: Session,
    ruleset: RuleSet | None,
    change_row: ChangeRow,
    context: MatchContext | None = None,
    *,
    now: datetime | None = None,
) -> list[AlertRow]:
    """Queue the alerts `change_row` triggers, in the caller's transaction. Returns the rows added.

    The change row must have its id (flush first). Calling this twice for one change adds nothing the
    second time (the keys exist).
    """
    if ruleset is None or not len(ruleset):
        return []  # no rules: nothing to match, and no reason to look up the change's context
    if change_row.id is None:
        session.flush()
    change = Change.from_dict(change_row.payload) if change_row.payload else _change_from_row(change_row)
    context = context if context is not None else match_context(session, change_row)
    matched = ruleset.match(change, context) if ruleset is not None else []
    if not matched:
        return []
    now = ensure_utc(now or utcnow())
    plans = plan_alerts(matched, change, change_row, StoreHistory(session), now)
    existing = set(session.exec(select(AlertRow.key).where(AlertRow.key.in_([p.key for p in plans]))).all())
    mutes = active_mutes(session, now)
    rows: list[AlertRow] = []
    for plan in plans:
        if plan.key in existing:
            continue
        muted = mutes.get(("rule", plan.rule.id)) or (
            context.source and mutes.get(("source", context.source))
        )
        if muted:
            # Recorded, visible (`alerts --status suppressed`), never sent; `alerts retry` can send it.
            what = f"rule {plan.rule.id}" if ("rule", plan.rule.id) in mutes else f"source {context.source}"
            plan.status, plan.next_attempt_at, plan.digest_key = SUPPRESSED, None, None
            plan.reason = f"muted: {what} until {muted.isoformat()}"
        row = AlertRow(
            key=plan.key,
            change_id=change_row.id,
            rule_id=plan.rule.id,
            channel=plan.channel,
            severity=plan.rule.severity,
            status=plan.status,
            created_at=now,
            next_attempt_at=plan.next_attempt_at,
            thread_key=plan.thread_key,
            digest_key=plan.digest_key,
            last_error=plan.reason if plan.status == SUPPRESSED else None,
            response=plan.response,
        )
        session.add(row)
        rows.append(row)
        if (
            plan.rule.min_sources > 1
            and plan.status != SUPPRESSED
            and (plan.status != HELD or plan.digest_key is not None)
        ):
            _supersede_waiting(session, plan, now)
    if rows:
        session.flush()
        log.info(
            "change %s: %s", change_row.id, ", ".join(f"{r.rule_id}->{r.channel} {r.status}" for r in rows)
        )
    return rows


def active_mutes(session: Session, now: datetime) -> dict[tuple[str, str], datetime]:
    """(kind, name) -> until, for the mutes still running at `now` (a handful of rows)."""
    rows = session.exec(select(MuteRow).where(MuteRow.until > now)).all()
    return {(row.kind, row.name): ensure_utc(row.until) for row in rows}


def _supersede_waiting(session: Session, plan: PlannedAlert, now: datetime) -> None:
    """An alert that goes out (or into a digest) replaces one still waiting for corroboration."""
    waiting = session.exec(
        select(AlertRow).where(
            AlertRow.rule_id == plan.rule.id,
            AlertRow.channel == plan.channel,
            AlertRow.thread_key == plan.thread_key,
            AlertRow.status == HELD,
            AlertRow.digest_key.is_(None),  # type: ignore[union-attr]
        )
    ).all()
    for row in waiting:
        row.status = SUPPRESSED
        row.next_attempt_at = None
        row.last_error = f"superseded by {plan.key}"
        session.add(row)


def _change_from_row(row: ChangeRow) -> Change:
    from monitor.model import ChangeKind

    return Change(
        kind=ChangeKind(row.kind),
        actor=row.actor,
        topic=row.topic,
        proposition=row.proposition,
        confidence=row.confidence,
    )


def make_on_change(
    rules: RuleWatcher | Callable[[], RuleSet | None] | RuleSet,
) -> Callable[[Session, ChangeRow], list[AlertRow]]:
    """The `on_change(session, change_row)` hook for the pipeline.

    `rules` is a RuleSet, a callable returning the current one (e.g. `lambda: watcher.rules`), or a
    `RuleWatcher`: then a changed rule file is re-read before the change is matched (a broken one
    keeps the last good rules), so edits take effect without a SIGHUP.
    """

    def on_change(session: Session, change_row: ChangeRow) -> list[AlertRow]:
        if isinstance(rules, RuleWatcher):
            rules.check()
            ruleset: RuleSet | None = rules.rules
        elif isinstance(rules, RuleSet):
            ruleset = rules
        else:
            ruleset = rules()
        return enqueue_alerts(session, ruleset, change_row)

    return on_change


# --- replay (claimwatch rules test) --------------------------------------------------------------


@dataclass
class ReplayRow:
    change_id: int | None
    when: datetime
    rule: str
    channel: str
    severity: str
    outcome: str  # send | digest | suppressed | waiting | uncorroborated
    reason: str
    headline: str
    source: str | None


class ReplayHistory(StoreHistory):
    """Cooldown state from the replay itself; corroboration from the stored ledger."""

    def __init__(self, session: Session):
        super().__init__(session)
        self.sent: dict[tuple[str, str, str], list[datetime]] = {}

    def last_alert(self, rule_id: str, channel: str, thread: str, since: datetime) -> datetime | None:
        times = [t for t in self.sent.get((rule_id, channel, thread), []) if t >= since]
        return max(times) if times else None


def replay(
    session: Session,
    ruleset: RuleSet,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ReplayRow]:
    """Run stored changes (oldest first) through the rules as the live path would; nothing is written."""
    query = select(ChangeRow)
    if since is not None:
        query = query.where(ChangeRow.detected_at >= since)
    if until is not None:
        query = query.where(ChangeRow.detected_at <= until)
    history = ReplayHistory(session)
    sources: dict[int, MatchContext] = {}
    out: list[ReplayRow] = []
    for row in session.exec(query.order_by(ChangeRow.detected_at, ChangeRow.id)).all():
        change = Change.from_dict(row.payload) if row.payload else _change_from_row(row)
        source_key = row.source_id or 0
        if source_key not in sources:
            sources[source_key] = match_context(session, row)
        context = sources[source_key]
        matched = ruleset.match(change, context)
        if not matched:
            continue
        now = ensure_utc(row.detected_at)
        for plan in plan_alerts(matched, change, row, history, now):
            outcome, reason = plan.status, plan.reason
            if plan.status == PENDING:
                outcome = "send"
            elif plan.status == HELD and plan.digest_key:
                outcome = "digest"
            elif plan.status == HELD:
                # Would later sources corroborate it within the rule's window? Look ahead in the ledger.
                since_at = _stance_since(change, row, plan.rule)
                until_at = since_at + 2 * plan.rule.min_sources_within
                found = history.sources_reporting(change, row, since_at, until_at)
                if found >= plan.rule.min_sources:
                    outcome, reason = "send", f"corroborated later by {found} sources"
                else:
                    outcome, reason = "uncorroborated", f"only {found} of {plan.rule.min_sources} sources"
            if outcome in ("send", "digest"):
                history.sent.setdefault((plan.rule.id, plan.channel, plan.thread_key), []).append(now)
            out.append(
                ReplayRow(
                    row.id,
                    now,
                    plan.rule.id,
                    plan.channel,
                    plan.rule.severity,
                    outcome,
                    reason,
                    row.headline or change.headline,
                    context.source,
                )
            )
    return out
