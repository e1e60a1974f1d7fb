"""Alerts: the outbox written with each change, the dispatcher that delivers it, and the channels.

Public API: `enqueue_alerts`, `make_on_change`, `Dispatcher`, `deliver_pending`, `make_dispatch_job`,
`CHANNEL_TYPES`, `Channel`, `register_channel`, `validate_channel_options`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from monitor.alerts.channels import CHANNEL_TYPES, Channel, register_channel, validate_channel_options

__all__ = [
    "CHANNEL_TYPES",
    "Channel",
    "Dispatcher",
    "deliver_pending",
    "enqueue_alerts",
    "make_dispatch_job",
    "make_on_change",
    "register_channel",
    "validate_channel_options",
]


def __getattr__(name: str) -> Any:
    # Each part is imported when first asked for: the outbox and the dispatcher import the store, the
    # channels smtplib, email and their option models; `claimwatch check` only needs the outbox.
    if name in ("CHANNEL_TYPES", "Channel", "register_channel", "validate_channel_options"):
        from monitor.alerts import channels

        return getattr(channels, name)
    if name in ("enqueue_alerts", "make_on_change"):
        from monitor.alerts import outbox

        return getattr(outbox, name)
    if name in ("Dispatcher", "deliver_pending", "make_dispatch_job"):
        from monitor.alerts import dispatch

        return getattr(dispatch, name)
    raise AttributeError(name)
