"""The dispatcher: sends what the outbox holds, exactly once, retrying what failed.

One round (`Dispatcher.run_once`):

1. alerts waiting for corroboration (`held`, no digest key) look at the ledger again: enough sources
   -> `pending` (or into the rule's digest); window over -> `suppressed`;
2. digest windows that have closed become one `pending` digest alert each;
3. due `pending` alerts are claimed with a lease (one conditional UPDATE per row: it succeeds for
   exactly one dispatcher, on SQLite and PostgreSQL alike), sent one after another, and marked `sent`
   in their own transaction right after the channel accepted them. Right before each send the lease
   is renewed, again with one conditional UPDATE (still mine, not yet expired); an alert whose lease
   ran out while it waited in the batch may belong to another dispatcher by now and is skipped.
   A failure schedules a retry with exponential backoff and jitter (never sooner than a server's
   Retry-After); after `max_attempts`, on a permanent error, or when the alert's message cannot be
   built at all (a malformed stored change), the alert is `dead` and stays visible in
   `claimwatch alerts --status dead`.

A claimed alert whose lease ran out (its dispatcher was killed mid-send), or whose last attempt may
have reached the far end, is "in doubt": before sending it again the dispatcher asks the channel
whether it already arrived (Slack: the alert key in the message metadata, found via
conversations.history). See docs/decisions.md for what remains.

Why one module of ~770 lines: claiming, corroboration, digests, sending and settling all change the
same alert rows under the same lease rules; split apart, the exactly-once argument would have to be
read across files. The mechanics of one send (its thread and deadline) live in `sending.py`.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from monitor.alerts import render
from monitor.alerts.channels import Channel, ChannelOptionError, make_channel
from monitor.alerts.outbox import (
    CORROBORATION_RECHECK,
    DEAD,
    HELD,
    PENDING,
    SENT,
    SUPPRESSED,
    count_sources,
    digest_key,
    digest_window,
)
from monitor.alerts.sending import STOP_POLL, InFlight, in_doubt_error, in_thread, send_deadline
from monitor.config import AlertsConfig, ChannelConfig, Config
from monitor.errors import DeliveryError
from monitor.model import Change, ChangeSide
from monitor.store.tables import AlertRow, ChangeRow, DocumentRow, SourceRow, ThreadRow
from monitor.timeutil import ensure_utc, format_duration, utcnow

log = logging.getLogger(__name__)
SEVERITY_ORDER = {"info": 0, "warning": 1, "critical": 2}


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    promoted: int = 0  # corroborated, now on their way
    expired: int = 0  # never corroborated
    digests: int = 0  # digest alerts made from closed windows
    recovered: int = 0  # in-doubt alerts found already delivered (not sent again)
    errors: list[str] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        for name in ("sent", "retrying", "dead", "promoted", "expired", "digests", "recovered"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors.extend(other.errors)

    @property
    def worked(self) -> bool:
        return bool(
            self.sent
            or self.retrying
            or self.dead
            or self.promoted
            or self.expired
            or self.digests
            or self.recovered
        )

    def summary(self) -> str:
        parts = [f"{self.sent} sent"]
        for name in ("recovered", "retrying", "dead", "digests", "promoted", "expired"):
            value = getattr(self, name)
            if value:
                parts.append(f"{value} {name}")
        return "alerts: " + ", ".join(parts)


class Dispatcher:
    """Delivers due alerts from the outbox. Safe to run in several processes against one database."""

    def __init__(
        self,
        store: Any,
        channels: Mapping[str, ChannelConfig | Channel],
        settings: AlertsConfig | None = None,
        *,
        owner: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        batch: int = 50,
        rng: random.Random | None = None,
    ):
        self.store = store
        self.settings = settings or AlertsConfig()
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.clock = clock
        self.batch = batch
        self.rng = rng or random.Random()
        self._channel_configs = channels
        self._channels: dict[str, Channel] = {}
        self._lock = threading.Lock()  # one round at a time per dispatcher
        self._stop = threading.Event()

    @classmethod
    def from_config(cls, config: Config, store: Any, **kwargs: Any) -> Dispatcher:
        return cls(store, config.channels, config.alerts, **kwargs)

    @property
    def lease(self) -> timedelta:
        return getattr(self.settings, "lease", None) or timedelta(minutes=2)

    def _renew(self, alert_id: int) -> bool:
        """Extend this dispatcher's lease on an alert it is about to send, if it still holds it.

        The batch was leased at once, and its alerts are sent one after another: a lease can run out
        while an alert waits its turn, and another dispatcher may have claimed it since (and sent it).
        One conditional UPDATE, so the check and the extension are atomic. False: not ours any more.
        """
        now = self.clock()
        with self.store.session() as session:
            result = session.exec(
                update(AlertRow)
                .where(
                    AlertRow.id == alert_id,
                    AlertRow.status == PENDING,
                    AlertRow.lease_owner == self.owner,
                    AlertRow.lease_until > now,  # type: ignore[operator]
                )
                .values(lease_until=now + self.lease)
                .execution_options(synchronize_session=False)
            )
            return result.rowcount == 1

    # --- one round -------------------------------------------------------------------------------

    def run_once(self) -> DeliveryReport:
        with self._lock:
            report = DeliveryReport()
            if self._stop.is_set():
                return report
            self._recheck_corroboration(report)
            self._close_digests(report)
            self._deliver_all(self._claim(), report)
            return report

    def stop(self) -> None:
        """Stop soon (thread-safe): no new send starts; a send in flight is abandoned as "in doubt"
        (checked with the channel before it is sent again), so a stop never waits on a channel."""
        self._stop.set()

    # --- delivering: channels side by side, each send with a total deadline ------------------------

    def _deliver_all(self, claimed: list[tuple[int, bool, str]], report: DeliveryReport) -> None:
        """Send the claimed alerts, one channel's alerts in order, the channels side by side.

        Each send runs in a thread of its own and gets a total deadline (`send_deadline`): a channel
        that answers slowly, a byte at a time, holds up neither the other channels nor a shutdown.
        A send past its deadline is abandoned as "in doubt" (it may still arrive; the next attempt
        asks the channel first, and webhooks and emails repeat with the same key) and that channel
        gets nothing more this round. Every database access stays on this thread."""
        queues: dict[str, list[tuple[int, bool]]] = {}
        for alert_id, in_doubt, channel in claimed:
            queues.setdefault(channel, []).append((alert_id, in_doubt))
        flying: dict[Future[Any], InFlight] = {}

        def start_next(channel: str) -> None:
            queue = queues.get(channel)
            while queue and not self._stop.is_set():
                alert_id, in_doubt = queue.pop(0)
                flight = self._prepare(alert_id, in_doubt, report)
                if flight is not None:
                    flying[in_thread(flight.attempt, f"claimwatch-send-{channel}")] = flight
                    return

        for channel in list(queues):
            start_next(channel)
        while flying:
            now = time.monotonic()
            wait_for = min(f.deadline for f in flying.values()) - now
            done, _ = futures_wait(list(flying), timeout=max(0.0, min(wait_for, STOP_POLL)))
            for future in done:
                flight = flying.pop(future)
                self._settle(flight, future, report)
                start_next(flight.row.channel)
            now = time.monotonic()
            for future, flight in list(flying.items()):
                if self._stop.is_set() or now >= flight.deadline:
                    flying.pop(future)
                    why = (
                        "stopping: the send was abandoned"
                        if self._stop.is_set()
                        else f"no answer within {flight.limit:g}s (the send's total deadline)"
                    )
                    log.warning("alert %s on %s: %s", flight.row.key, flight.row.channel, why)
                    error = in_doubt_error(f"{flight.row.channel}: {why}")
                    self._failed(flight.row.id, error, report, was_in_doubt=True)  # type: ignore[arg-type]
                    # Its thread is still busy: the channel's other alerts wait for the next round.
                    self._unclaim(queues.pop(flight.row.channel, []))
        # Stopping: what was claimed and not started goes back, untouched, for the next dispatcher.
        self._unclaim([entry for queue in queues.values() for entry in queue])

    def _unclaim(self, entries: list[tuple[int, bool]]) -> None:
        """Give back alerts claimed this round but never attempted: no attempt is counted. An alert
        that was in doubt (taken over from a dispatcher that died) keeps its lease until it runs out,
        so that whoever takes it next still knows to look for an earlier delivery."""
        alert_ids = [alert_id for alert_id, in_doubt in entries if not in_doubt]
        if not alert_ids:
            return
        with self.store.session() as session:
            session.exec(
                update(AlertRow)
                .where(
                    AlertRow.id.in_(alert_ids),  # type: ignore[union-attr]
                    AlertRow.status == PENDING,
                    AlertRow.lease_owner == self.owner,
                )
                .values(lease_owner=None, lease_until=None, attempts=AlertRow.attempts - 1)
                .execution_options(synchronize_session=False)
            )

    # --- corroboration and digests ---------------------------------------------------------------

    def _recheck_corroboration(self, report: DeliveryReport) -> None:
        now = self.clock()
        with self.store.session() as session:
            rows = session.exec(
                select(AlertRow)
                .where(
                    AlertRow.status == HELD,
                    AlertRow.digest_key.is_(None),  # type: ignore[union-attr]
                    AlertRow.next_attempt_at <= now,
                )
                .order_by(AlertRow.id)
                .limit(self.batch)
            ).all()
            for row in rows:
                info = dict(row.response or {})
                if info.get("waiting") != "sources":
                    continue
                change = session.get(ChangeRow, row.change_id) if row.change_id else None
                since = ensure_utc(datetime.fromisoformat(info["since"]))
                expires = ensure_utc(datetime.fromisoformat(info["expires"]))
                found = count_sources(
                    session,
                    info["actor"],
                    info["topic"],
                    info["stance"],
                    since,
                    min(now, expires),
                    extra_source=change.source_id if change else None,
                )
                info["found"] = found
                if found >= int(info["min_sources"]):
                    info["corroborated_at"] = now.isoformat()
                    if info.get("digest_seconds"):
                        start, end = digest_window(now, timedelta(seconds=int(info["digest_seconds"])))
                        row.digest_key = digest_key(row.rule_id, row.channel, start)
                        row.next_attempt_at = end
                    else:
                        row.status, row.next_attempt_at = PENDING, now
                    report.promoted += 1
                elif now >= expires:
                    row.status, row.next_attempt_at = SUPPRESSED, None
                    need = info["min_sources"]
                    row.last_error = (
                        f"only {found} of {need} sources reported it before {expires:%Y-%m-%d %H:%M}Z"
                    )
                    report.expired += 1
                else:
                    row.next_attempt_at = now + CORROBORATION_RECHECK
                row.response = info
                session.add(row)

    def _close_digests(self, report: DeliveryReport) -> None:
        now = self.clock()
        with self.store.session(write=False) as session:
            keys = session.exec(
                select(AlertRow.digest_key)
                .where(
                    AlertRow.status == HELD,
                    AlertRow.digest_key.is_not(None),  # type: ignore[union-attr]
                    AlertRow.next_attempt_at <= now,
                )
                .distinct()
            ).all()
        for key in keys:
            try:
                with self.store.session() as session:
                    members = session.exec(
                        select(AlertRow)
                        .where(
                            AlertRow.status == HELD,
                            AlertRow.digest_key == key,
                            AlertRow.next_attempt_at <= now,
                        )
                        .order_by(AlertRow.id)
                    ).all()
                    if not members:
                        continue
                    first = members[0]
                    row = AlertRow(
                        key=f"digest:{key}:{first.id}",
                        change_id=None,
                        rule_id=first.rule_id,
                        channel=first.channel,
                        severity=max((m.severity for m in members), key=lambda s: SEVERITY_ORDER.get(s, 0)),
                        status=PENDING,
                        created_at=now,
                        next_attempt_at=now,
                        digest_key=key,
                        response={
                            "members": [m.id for m in members],
                            "window": (first.response or {}).get("digest_seconds"),
                        },
                    )
                    session.add(row)
                    for member in members:
                        member.next_attempt_at = None  # bundled: sent (or dead) with the digest alert
                        session.add(member)
                report.digests += 1
            except IntegrityError:
                log.debug("digest %s was made by another dispatcher", key)

    # --- claiming ---------------------------------------------------------------------------------

    def _claim(self) -> list[tuple[int, bool, str]]:
        """Lease due pending alerts. Returns (id, in_doubt, channel) for each alert this dispatcher now
        owns."""
        now = self.clock()
        claimed: list[tuple[int, bool, str]] = []
        with self.store.session() as session:
            candidates = session.exec(
                select(AlertRow.id, AlertRow.lease_owner, AlertRow.response, AlertRow.channel)
                .where(
                    AlertRow.status == PENDING,
                    or_(AlertRow.next_attempt_at.is_(None), AlertRow.next_attempt_at <= now),  # type: ignore[union-attr]
                    or_(AlertRow.lease_owner.is_(None), AlertRow.lease_until < now),  # type: ignore[union-attr]
                )
                .order_by(AlertRow.next_attempt_at, AlertRow.id)
                .limit(self.batch)
            ).all()
            for alert_id, old_owner, response, channel in candidates:
                owner_clause = (
                    AlertRow.lease_owner.is_(None) if old_owner is None else AlertRow.lease_owner == old_owner  # type: ignore[union-attr]
                )
                result = session.exec(
                    update(AlertRow)
                    .where(
                        AlertRow.id == alert_id,
                        AlertRow.status == PENDING,
                        owner_clause,
                        or_(AlertRow.lease_until.is_(None), AlertRow.lease_until < now),  # type: ignore[union-attr]
                    )
                    .values(
                        lease_owner=self.owner, lease_until=now + self.lease, attempts=AlertRow.attempts + 1
                    )
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:
                    # A lease left behind means its dispatcher died mid-attempt: outcome unknown.
                    in_doubt = old_owner is not None or bool((response or {}).get("in_doubt"))
                    claimed.append((alert_id, in_doubt, channel))
        return claimed

    # --- sending ----------------------------------------------------------------------------------

    def _channel(self, name: str) -> Channel:
        channel = self._channels.get(name)
        if channel is None:
            config = self._channel_configs.get(name)
            if config is None:
                raise DeliveryError(f"channel {name!r} is not in the config", transient=False)
            if isinstance(config, Channel):
                channel = config
            else:
                try:
                    channel = make_channel(name, config.type, config.options)
                except ChannelOptionError as exc:
                    raise DeliveryError(f"channel {name!r}: {exc}", transient=False) from None
            problem = lease_shortfall(self.lease, channel)
            if problem:
                log.warning("%s", problem)
            self._channels[name] = channel
        return channel

    def _prepare(self, alert_id: int, in_doubt: bool, report: DeliveryReport) -> InFlight | None:
        """Everything before the send that touches the database: the message, the thread, the lease
        renewed. None when there is nothing to send (the alert failed, or is no longer ours)."""
        key = f"#{alert_id}"
        try:
            with self.store.session(write=False) as session:
                row = session.get(AlertRow, alert_id)
                if row is None:
                    return None
                key = row.key
                message, members = build_message(session, row)
                thread_ref = None
                if row.thread_key and not members:
                    thread_ref = session.exec(
                        select(ThreadRow.ref).where(
                            ThreadRow.channel == row.channel, ThreadRow.thread_key == row.thread_key
                        )
                    ).first()
                # Only an in-doubt alert needs the channel's id (to look in its history).
                hints = {"channel_id": _known_channel_id(session, row.channel)} if in_doubt else {}
            channel = self._channel(row.channel)
        except DeliveryError as exc:
            self._failed(alert_id, exc, report, was_in_doubt=False)
            return None
        except OperationalError as exc:  # the database went away for a moment: try again later
            log.warning("alert %s: database error while preparing it: %s", key, exc)
            self._failed(alert_id, DeliveryError(f"database: {exc}"[:500]), report, was_in_doubt=in_doubt)
            return None
        except Exception as exc:  # a malformed stored change, a bug: this alert is dead, the rest go on
            log.exception("alert %s: cannot build its message", key)
            self._failed(
                alert_id,
                DeliveryError(f"cannot build the message: {type(exc).__name__}: {exc}", transient=False),
                report,
                was_in_doubt=in_doubt,
            )
            return None
        if not self._renew(alert_id):
            log.warning(
                "alert %s: its lease ran out before its turn and it may belong to another "
                "dispatcher now; not sending it",
                row.key,
            )
            return None
        limit = send_deadline(channel, in_doubt)
        since = ensure_utc(row.created_at) - timedelta(minutes=1)
        return InFlight(
            row,
            message,
            members,
            thread_ref,
            hints,
            channel,
            in_doubt,
            since,
            limit,
            time.monotonic() + limit,
        )

    def _settle(self, flight: InFlight, future: Future[Any], report: DeliveryReport) -> None:
        """After a finished send: mark it sent, or schedule its retry (on the round's thread)."""
        row = flight.row
        try:
            receipt, recovered = future.result(timeout=0)
        except DeliveryError as exc:
            self._failed(row.id, exc, report, was_in_doubt=flight.in_doubt and not flight.checked)  # type: ignore[arg-type]
            return
        except Exception as exc:  # a bug or an unexpected library error: retry, but say what it was
            log.error("alert %s: unexpected error from channel %s: %r", row.key, row.channel, exc)
            self._failed(
                row.id,  # type: ignore[arg-type]
                DeliveryError(f"{type(exc).__name__}: {exc}"),
                report,
                was_in_doubt=flight.in_doubt and not flight.checked,
            )
            return
        if recovered:
            log.warning("alert %s was already delivered (found it); not sending it again", row.key)
            report.recovered += 1
        else:
            report.sent += 1
        self._mark_sent(row, flight.members, receipt, flight.channel, flight.thread_ref)

    def _mark_sent(
        self, row: AlertRow, members: list[int], receipt: Any, channel: Channel, thread_ref: str | None
    ) -> None:
        now = self.clock()
        response = {k: v for k, v in (receipt.data or {}).items() if v is not None}
        if receipt.ref:
            response["ref"] = receipt.ref
        if members:
            response["members"] = members
        with self.store.session() as session:
            result = session.exec(
                update(AlertRow)
                .where(AlertRow.id == row.id, AlertRow.lease_owner == self.owner)
                .values(
                    status=SENT,
                    sent_at=now,
                    response=response,
                    last_error=None,
                    next_attempt_at=None,
                    lease_owner=None,
                    lease_until=None,
                )
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                log.warning("alert %s was delivered, but its lease had passed to another dispatcher", row.key)
            if members:
                session.exec(
                    update(AlertRow)
                    .where(AlertRow.id.in_(members))  # type: ignore[union-attr]
                    .values(status=SENT, sent_at=now, response={"digest_alert": row.id})
                    .execution_options(synchronize_session=False)
                )
            if channel.threads and row.thread_key and thread_ref is None and receipt.ref:
                try:
                    with session.begin_nested():
                        session.add(
                            ThreadRow(channel=row.channel, thread_key=row.thread_key, ref=receipt.ref)
                        )
                except IntegrityError:
                    pass  # another alert on this actor+topic started the thread first
        log.info("alert %s sent to %s", row.key, row.channel)

    def _failed(
        self, alert_id: int, error: DeliveryError, report: DeliveryReport, *, was_in_doubt: bool
    ) -> None:
        now = self.clock()
        with self.store.session() as session:
            row = session.get(AlertRow, alert_id)
            if row is None or row.lease_owner != self.owner:
                return
            attempts = row.attempts
            response = dict(row.response or {})
            response["in_doubt"] = bool(getattr(error, "in_doubt", False)) or was_in_doubt
            values: dict[str, Any] = {
                "lease_owner": None,
                "lease_until": None,
                "last_error": str(error)[:2000],
                "response": response,
            }
            if not error.transient or attempts >= self.settings.max_attempts:
                values.update(status=DEAD, next_attempt_at=None)
                report.dead += 1
                why = "permanent error" if not error.transient else f"{attempts} attempts"
                log.error("alert %s is dead after %s: %s", row.key, why, error)
                report.errors.append(f"{row.key}: dead: {error}")
                if row.change_id is None and response.get("members"):
                    session.exec(
                        update(AlertRow)
                        .where(AlertRow.id.in_(response["members"]))  # type: ignore[union-attr]
                        .values(status=DEAD, last_error=f"digest alert {row.id} is dead: {error}")
                        .execution_options(synchronize_session=False)
                    )
            else:
                delay = self.backoff(attempts, error.retry_after)
                values.update(next_attempt_at=now + delay)
                report.retrying += 1
                log.warning(
                    "alert %s: attempt %d failed (%s); next try in %.0fs",
                    row.key,
                    attempts,
                    error,
                    delay.total_seconds(),
                )
                report.errors.append(f"{row.key}: {error}")
            session.exec(
                update(AlertRow)
                .where(AlertRow.id == alert_id, AlertRow.lease_owner == self.owner)
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    def backoff(self, attempts: int, retry_after: float | None = None) -> timedelta:
        """Exponential backoff with jitter (half fixed, half random), capped; never below Retry-After."""
        base = self.settings.backoff.total_seconds() * (2 ** max(0, attempts - 1))
        base = min(base, self.settings.max_backoff.total_seconds())
        delay = base / 2 + self.rng.uniform(0, base / 2)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return timedelta(seconds=delay)

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()


def lease_shortfall(lease: timedelta, channel: Channel) -> str | None:
    """Why `lease` is too short for one send on `channel`, or None.

    The lease is renewed right before each send and must outlast it: a send still running when the
    lease runs out can be taken over (as "in doubt") by another dispatcher, which finds nothing in the
    channel yet and sends too. Some seconds of headroom cover the commits around the send.
    """
    found = channel.send_budget()
    if found is None:
        return None
    budget, how = found
    if lease.total_seconds() >= budget + LEASE_HEADROOM:
        return None
    return (
        f"alerts.lease ({format_duration(lease)}) is not comfortably longer than a send on channel "
        f"{channel.name!r} can take (up to {budget:g}s: {how}); a send that "
        f"slow may be taken over and delivered twice. Set alerts.lease to at least "
        f"{budget + LEASE_HEADROOM:g}s, or lower the channel's timeout."
    )


LEASE_HEADROOM = 10.0  # seconds on top of a channel's longest send


def _known_channel_id(session: Session, channel: str) -> str | None:
    """The channel id a channel's earlier deliveries reported (Slack answers with it)."""
    responses = session.exec(
        select(AlertRow.response)
        .where(AlertRow.channel == channel, AlertRow.status == SENT)
        .order_by(AlertRow.sent_at.desc())
        .limit(5)  # type: ignore[union-attr]
    ).all()
    for response in responses:
        if isinstance(response, dict) and response.get("channel"):
            return str(response["channel"])
    return None


def build_message(session: Session, row: AlertRow) -> tuple[render.AlertMessage, list[int]]:
    """The message for an alert row (and, for a digest, the ids of its member alerts)."""
    members: list[int] = []
    if row.change_id is not None:
        change_rows = [(row, session.get(ChangeRow, row.change_id))]
    else:
        members = [int(i) for i in (row.response or {}).get("members", [])]
        member_rows = session.exec(
            select(AlertRow).where(AlertRow.id.in_(members)).order_by(AlertRow.id)
        ).all()  # type: ignore[union-attr]
        change_rows = [
            (m, session.get(ChangeRow, m.change_id)) for m in member_rows if m.change_id is not None
        ]
    items = []
    for alert, change_row in change_rows:
        if change_row is None:
            continue
        items.append(_item(session, alert, change_row))
    if not items:
        raise DeliveryError(f"alert {row.key}: its change is gone from the store", transient=False)
    window = (row.response or {}).get("window")
    return (
        render.AlertMessage(
            key=row.key,
            items=tuple(items),
            rule_id=row.rule_id,
            severity=row.severity,
            digest_window=_window_label(window) if row.change_id is None else None,
            thread_key=row.thread_key,
        ),
        members,
    )


def _window_label(seconds: Any) -> str:
    try:
        return format_duration(timedelta(seconds=int(seconds)))
    except (TypeError, ValueError):
        return "window"


def _item(session: Session, alert: AlertRow, change_row: ChangeRow) -> render.AlertItem:
    change = Change.from_dict(change_row.payload) if change_row.payload else Change(kind=change_row.kind)  # type: ignore[arg-type]
    source = session.get(SourceRow, change_row.source_id) if change_row.source_id else None
    document = session.get(DocumentRow, change_row.document_id) if change_row.document_id else None
    source_name = source.name if source else None
    url = document.url if document and document.url.startswith(("http://", "https://")) else None

    def fill(side: ChangeSide | None) -> ChangeSide | None:
        if side is None:
            return None
        # Version changes: both sides come from the change's own document and source.
        if change_row.origin == "version":
            return replace(side, source=side.source or source_name, url=side.url or url)
        return side

    change = replace(change, before=fill(change.before), after=fill(change.after))
    return render.AlertItem(
        change=change,
        change_id=change_row.id,
        rule_id=alert.rule_id,
        severity=alert.severity,
        source=source_name,
    )


# --- entry points for the CLI and the daemon -----------------------------------------------------


def deliver_pending(
    config: Config,
    store: Any,
    *,
    max_wait: float = 30.0,
    dispatcher: Dispatcher | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """Send every due alert now (what `claimwatch ingest` / `check` triggered) before the command exits.

    Retries that fall due within `max_wait` seconds (a Slack Retry-After, a short backoff) are waited
    for; anything later, and digests whose window is still open, is left to the daemon.
    """
    dispatcher = dispatcher or Dispatcher.from_config(config, store)
    report = DeliveryReport()
    deadline = time.monotonic() + max_wait
    try:
        while True:
            round_report = dispatcher.run_once()
            report.add(round_report)
            if round_report.sent or round_report.digests or round_report.promoted or round_report.recovered:
                continue
            due = _next_pending(store)
            if due is None:
                break
            wait = (due - utcnow()).total_seconds()
            if time.monotonic() + max(0.0, wait) > deadline:
                break
            sleep(max(0.05, min(wait, 5.0)))
    finally:
        dispatcher.close()
    return report


def _next_pending(store: Any) -> datetime | None:
    with store.session(write=False) as session:
        found = session.exec(
            select(func.min(AlertRow.next_attempt_at)).where(AlertRow.status == PENDING)
        ).one()
    return ensure_utc(found) if found is not None else None


class DispatchJob:
    """What the daemon runs every `alerts.dispatch_every`: one round; errors are logged, not raised.
    `stop()` (from any thread) ends the round in progress without waiting on a channel."""

    def __init__(self, dispatcher: Dispatcher):
        self.dispatcher = dispatcher

    def __call__(self) -> DeliveryReport:
        try:
            report = self.dispatcher.run_once()
        except Exception:
            log.exception("alert dispatch round failed; trying again next round")
            return DeliveryReport()
        if report.worked:
            log.info(report.summary())
        return report

    def stop(self) -> None:
        self.dispatcher.stop()


def make_dispatch_job(config: Config, store: Any) -> DispatchJob:
    return DispatchJob(Dispatcher.from_config(config, store))
