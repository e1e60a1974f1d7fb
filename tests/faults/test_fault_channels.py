"""Defect 4 (issue 12): a webhook answering one byte at a time stalled every channel and shutdown.

Per-read timeouts never fire against a receiver that drips; one dispatcher sent one alert after
another, so Slack and email waited behind it, and a stopping daemon waited for it. Now every send has
a total deadline, the channels are served side by side, and `stop()` abandons a send in flight."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alerthelpers import add_change, alerts, shift
from faultkit import DripServer
from slackserver import SlackServer

from monitor.alerts import render
from monitor.alerts.channels import make_channel
from monitor.alerts.dispatch import Dispatcher
from monitor.config import AlertsConfig, ChannelConfig
from monitor.errors import DeliveryError
from monitor.rules import load_rules
from monitor.store import Store


@pytest.fixture
def drip() -> Iterator[DripServer]:
    server = DripServer().start()
    try:
        yield server
    finally:
        server.release()


def _setup(store: Store, tmp_path: Path, channels: list[str], changes: int) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(f'[[rule]]\nid = "r"\nchannels = {channels!r}\n'.replace("'", '"'), encoding="utf-8")
    ruleset = load_rules(path, set(channels), resolve_actor=str.casefold)
    with store.session() as session:
        for n in range(changes):
            add_change(session, ruleset, shift(f"Country {n}"))


def _channels(slack: SlackServer | None, hook: str) -> dict[str, ChannelConfig]:
    out = {"hook": ChannelConfig.model_validate({"type": "webhook", "url": hook, "timeout": 1})}
    if slack is not None:
        out["desk-slack"] = ChannelConfig.model_validate(
            {"type": "slack", "channel": "#desk-alerts", "api_url": slack.url, "max_rate_limit_wait": 0}
        )
    return out


def _wait(condition, limit: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_dripping_webhook_holds_up_neither_slack_nor_the_round(
    store: Store, tmp_path: Path, slack_server: SlackServer, drip: DripServer
) -> None:
    _setup(store, tmp_path, ["hook", "desk-slack"], 3)
    dispatcher = Dispatcher(store, _channels(slack_server, drip.url), AlertsConfig(lease="30s"))
    round_ = threading.Thread(target=dispatcher.run_once, daemon=True)
    round_.start()
    slack_done = _wait(lambda: len(slack_server.posted) == 3)
    round_.join(15)
    finished = not round_.is_alive()
    drip.release()
    round_.join(15)
    assert slack_done, f"only {len(slack_server.posted)} of 3 Slack alerts sent while the webhook dripped"
    assert finished, "the round waited on the dripping webhook"
    with store.session(write=False) as session:
        rows = alerts(session)
    hooks = [row for row in rows if row.channel == "hook"]
    assert [row.status for row in rows if row.channel == "desk-slack"] == ["sent"] * 3
    assert hooks and all(row.status == "pending" for row in hooks)
    assert "no complete answer within 1s" in (hooks[0].last_error or "")
    assert hooks[0].response.get("in_doubt") is True  # may have arrived: checked before a repeat
    # The webhook's own timeout ended each attempt: all three tried once, all in doubt, none held.
    assert all(row.attempts == 1 and row.response.get("in_doubt") for row in hooks)
    assert all(row.lease_owner is None for row in hooks)


def test_stop_abandons_a_send_in_flight(store: Store, tmp_path: Path, drip: DripServer) -> None:
    _setup(store, tmp_path, ["hook"], 2)
    channels = {"hook": ChannelConfig.model_validate({"type": "webhook", "url": drip.url, "timeout": 600})}
    dispatcher = Dispatcher(store, channels, AlertsConfig(lease="15m"))
    round_ = threading.Thread(target=dispatcher.run_once, daemon=True)
    round_.start()
    assert _wait(lambda: drip.connections == 1)
    dispatcher.stop()
    round_.join(10)
    stopped = not round_.is_alive()
    drip.release()
    assert stopped, "stop() waited for the dripping send"
    with store.session(write=False) as session:
        first, second = alerts(session)
    assert first.status == "pending" and first.response.get("in_doubt") is True
    # Claimed but never attempted: given back for the next dispatcher, no attempt counted, not in doubt.
    assert second.status == "pending" and second.lease_owner is None and second.attempts == 0
    assert not (second.response or {}).get("in_doubt")


def test_a_dripping_smtp_server_is_given_up_on_by_the_channel_itself() -> None:
    """The email channel bounds the whole SMTP exchange (smtplib's timeout is per read), so its thread
    ends too, not only the dispatcher's wait."""
    drip = DripServer(0.2, speak_first=True, payload=b"220 " + b"." * 100_000).start()  # an endless greeting
    options = {"to": "desk@example.org", "from": "cw@example.org", "host": "127.0.0.1"}
    channel = make_channel("mail", "email", {**options, "port": drip.port, "security": "none", "timeout": 1})
    message = render.AlertMessage(key="k", items=(render.AlertItem(change=shift(), change_id=1),))
    outcome: list[BaseException] = []

    def send() -> None:
        try:
            channel.send(message)
        except DeliveryError as exc:
            outcome.append(exc)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    sender.join(15)
    alive = sender.is_alive()
    drip.release()
    assert not alive, "the SMTP exchange had no overall deadline"
    [error] = outcome
    assert str(error) == "email: no complete answer within 1s" and getattr(error, "in_doubt", False)
