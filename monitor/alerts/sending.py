"""One alert send in a thread of its own, with a total deadline: what the dispatcher's round starts,
waits for and settles (`monitor.alerts.dispatch`). Kept apart so the round's bookkeeping and the
mechanics of a send (threads, deadlines) each read on their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.alerts import render
from monitor.alerts.channels import Channel
from monitor.errors import DeliveryError
from monitor.store.tables import AlertRow

__all__ = ["DEADLINE_HEADROOM", "STOP_POLL", "InFlight", "in_doubt_error", "in_thread", "send_deadline"]

STOP_POLL = 0.2  # seconds between looks at a stop request while sends are in flight
DEADLINE_HEADROOM = 2.0  # seconds on top of a channel's longest send before it is abandoned
DEFAULT_SEND_DEADLINE = 60.0  # for a channel that cannot say how long a send takes


def send_deadline(channel: Channel, in_doubt: bool) -> float:
    """The total time one delivery attempt on `channel` may take, however the far end drips."""
    found = channel.send_budget()
    budget = found[0] if found is not None else DEFAULT_SEND_DEADLINE
    # An in-doubt attempt first asks the channel whether the message arrived: up to a second send.
    return (2 * budget if in_doubt else budget) + DEADLINE_HEADROOM


@dataclass(slots=True)
class InFlight:
    """One alert being sent: what the send needs, and what is kept to settle it afterwards."""

    row: AlertRow
    message: render.AlertMessage
    members: list[int]
    thread_ref: str | None
    hints: dict[str, Any]
    channel: Channel
    in_doubt: bool
    since: datetime
    limit: float
    deadline: float
    checked: bool = False

    def attempt(self) -> tuple[Any, bool]:
        """In the send's own thread: look for an earlier delivery when in doubt, else send.
        Returns (receipt, found_already_delivered)."""
        if self.in_doubt:
            receipt = self.channel.find_delivered(self.message, self.since, self.hints)
            self.checked = True
            if receipt is not None:
                return receipt, True
        thread = self.thread_ref if self.channel.threads else None
        return self.channel.send(self.message, thread), False


def in_thread(func: Callable[[], Any], name: str) -> Future[Any]:
    """Run `func` in a new daemon thread: one stuck on a dripping socket never delays the process's exit
    (a pool's threads are joined at exit)."""
    future: Future[Any] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(func())
        except BaseException as exc:
            future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future


def in_doubt_error(message: str) -> DeliveryError:
    error = DeliveryError(message)
    error.in_doubt = True  # type: ignore[attr-defined]
    return error
