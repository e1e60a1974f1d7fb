"""`claimwatch alerts`: list deliveries by status; `alerts retry ID` / `--dead` requeue failed ones;
`alerts deliver` sends what is due now."""

from enum import StrEnum
from typing import Annotated, Any

import typer

from monitor.cli._common import (
    ConfigOption,
    FormatOption,
    OutputFormat,
    app,
    console,
    emit,
    get_config,
    handle_errors,
    require_secrets,
)
from monitor.errors import InputError
from monitor.timeutil import ensure_utc, utcnow

alerts_app = typer.Typer(help="List alert deliveries; requeue failed ones; deliver what is due.")
app.add_typer(alerts_app, name="alerts")


class Status(StrEnum):
    pending = "pending"
    sent = "sent"
    dead = "dead"
    held = "held"
    suppressed = "suppressed"


def _when(moment: Any) -> str:
    """ISO 8601, UTC, to the second: 2026-12-04T09:26:52Z."""
    return ensure_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


@alerts_app.callback(invoke_without_command=True)
@handle_errors
def list_alerts(
    ctx: typer.Context,
    status: Annotated[
        Status | None, typer.Option("--status", "-s", help="Only alerts in this state.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many, newest first.")] = 50,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List alert deliveries, newest first: pending, sent, dead (gave up), held (digest or waiting for
    sources), suppressed (cooldown)."""
    if ctx.invoked_subcommand is not None:
        return
    from sqlmodel import select

    from monitor.store import open_store
    from monitor.store.tables import AlertRow, ChangeRow

    settings = get_config(config)
    store = open_store(settings.database_url)
    try:
        with store.session(write=False) as session:
            query = select(AlertRow, ChangeRow).join(
                ChangeRow, AlertRow.change_id == ChangeRow.id, isouter=True
            )
            if status is not None:
                query = query.where(AlertRow.status == status.value)
            rows = session.exec(query.order_by(AlertRow.id.desc()).limit(max(1, limit))).all()  # type: ignore[union-attr]
    finally:
        store.close()
    out = []
    for alert, change in rows:
        response = alert.response or {}
        if change is not None:
            headline = change.headline
        else:
            headline = f"digest of {len(response.get('members', []))} alert(s)"
        when = alert.sent_at if alert.status == "sent" else alert.next_attempt_at
        out.append(
            {
                "id": alert.id,
                "status": alert.status,
                "channel": alert.channel,
                "rule": alert.rule_id,
                "severity": alert.severity,
                "change_id": alert.change_id,
                "attempts": alert.attempts,
                "created": _when(alert.created_at),
                "when": _when(when),
                "last_error": alert.last_error,
                "headline": headline,
                "key": alert.key,
                "ref": response.get("ref"),
            }
        )
    columns = [
        "id",
        "status",
        "channel",
        "rule",
        "severity",
        "change_id",
        "attempts",
        "when",
        "headline",
        "last_error",
    ]
    if fmt is not OutputFormat.table:
        columns = [*columns, "created", "key", "ref"]
    emit(out, fmt, columns, json_key="alerts", title="alerts", empty="no alerts")


@alerts_app.command("retry")
@handle_errors
def retry(
    alert_id: Annotated[int | None, typer.Argument(help="The alert to requeue.", show_default=False)] = None,
    dead: Annotated[bool, typer.Option("--dead", help="Requeue every dead alert.")] = False,
    config: ConfigOption = None,
) -> None:
    """Put a dead (or suppressed) alert back in the queue with fresh attempts; the daemon, or
    `claimwatch alerts deliver`, sends it. Pending, held and sent alerts are refused, and so are
    members of a digest: retry the digest alert, which sends them together."""
    from sqlalchemy import or_, update

    from monitor.store import open_store
    from monitor.store.tables import AlertRow

    if (alert_id is None) == (not dead):
        raise InputError("give an alert ID or --dead (not both)")
    settings = get_config(config)
    store = open_store(settings.database_url)
    now = utcnow()
    values = {
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "lease_owner": None,
        "lease_until": None,
        "last_error": None,
    }
    # Never take an alert from a dispatcher that holds it: it may be sending it right now.
    lease_free = or_(AlertRow.lease_until.is_(None), AlertRow.lease_until < now)  # type: ignore[union-attr]
    # Members of a digest go out with their digest alert, never one by one.
    not_a_member = or_(AlertRow.digest_key.is_(None), AlertRow.change_id.is_(None))  # type: ignore[union-attr]
    try:
        with store.session() as session:
            if alert_id is not None:
                row = session.get(AlertRow, alert_id)
                if row is None:
                    raise InputError(f"no alert with id {alert_id}")
                _check_retryable(session, row)
                query = update(AlertRow).where(
                    AlertRow.id == alert_id,
                    AlertRow.status.in_(RETRYABLE),  # type: ignore[attr-defined]
                    not_a_member,
                    lease_free,
                )
            else:
                query = update(AlertRow).where(AlertRow.status == "dead", not_a_member, lease_free)
            count = session.exec(query.values(**values).execution_options(synchronize_session=False)).rowcount
            if alert_id is not None and count != 1:
                raise InputError(f"alert {alert_id} changed while it was being requeued; look at it again")
    finally:
        store.close()
    console.print(
        f"requeued {count} alert(s); the daemon sends them, or run `claimwatch alerts deliver`", markup=False
    )


RETRYABLE = ("dead", "suppressed")


def _check_retryable(session: Any, row: Any) -> None:
    """Refuse, saying why, to requeue an alert that is not dead or suppressed, or is in a digest."""
    from sqlmodel import select

    from monitor.store.tables import AlertRow

    if row.status == "sent":
        raise InputError(f"alert {row.id} was already sent; it is not sent twice")
    if row.status == "held":
        raise InputError(f"alert {row.id} is held (digest or waiting for sources); it goes out by itself")
    if row.status == "pending":
        raise InputError(
            f"alert {row.id} is pending: it is queued already, and a dispatcher may be sending it right "
            "now; only dead or suppressed alerts can be requeued"
        )
    if row.status not in RETRYABLE:
        raise InputError(f"alert {row.id} is {row.status}; only dead or suppressed alerts can be requeued")
    if row.digest_key is not None and row.change_id is not None:
        digests = session.exec(
            select(AlertRow).where(AlertRow.digest_key == row.digest_key, AlertRow.change_id.is_(None))  # type: ignore[union-attr]
        ).all()
        mine = [d for d in digests if row.id in ((d.response or {}).get("members") or [])]
        if mine:
            digest = mine[0]
            raise InputError(
                f"alert {row.id} is part of digest alert {digest.id} ({digest.status}); it goes out with "
                f"that digest, not on its own: `claimwatch alerts retry {digest.id}`"
            )
        raise InputError(f"alert {row.id} is part of a digest; it goes out with that digest, not on its own")
    if row.lease_until is not None and ensure_utc(row.lease_until) > utcnow():
        raise InputError(f"alert {row.id} is held by a dispatcher right now; try again in a moment")


@alerts_app.command("deliver")
@handle_errors
def deliver(
    wait: Annotated[
        float, typer.Option("--wait", help="Wait up to this many seconds for retries due soon.")
    ] = 30,
    config: ConfigOption = None,
) -> None:
    """Send every due alert now (what the daemon does every `alerts.dispatch_every`)."""
    from monitor.alerts.dispatch import deliver_pending
    from monitor.store import open_store

    settings = get_config(config)
    require_secrets(settings)
    store = open_store(settings.database_url)
    try:
        report = deliver_pending(settings, store, max_wait=wait)
    finally:
        store.close()
    console.print(report.summary(), markup=False)
    for line in report.errors:
        console.print(f"  {line}", markup=False)
    if report.dead:
        raise typer.Exit(1)
