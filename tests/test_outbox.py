"""The outbox and the dispatcher on a real database (SQLite file and PostgreSQL), with real Slack and
SMTP servers on 127.0.0.1: queuing in the change's transaction, cooldown, digests, corroboration,
retries through 429/500/SMTP outages, dead alerts, concurrent dispatchers, and kills mid-delivery."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from alerthelpers import T0, add_change, add_observation, alerts, shift, write_config
from slackserver import SlackServer, SmtpServer
from sqlmodel import select

from monitor.alerts.dispatch import Dispatcher, deliver_pending
from monitor.alerts.outbox import digest_window, make_on_change, replay
from monitor.config import AlertsConfig, ChannelConfig, parse_config
from monitor.rules import RuleSet, load_rules
from monitor.store import Store
from monitor.store.tables import AlertRow, ThreadRow

REPO = Path(__file__).resolve().parents[1]


def rules(tmp_path: Path, body: str, channels: set[str] | None = None) -> RuleSet:
    path = tmp_path / "rules.toml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return load_rules(path, channels, resolve_actor=str.casefold)


SIMPLE = """
[[rule]]
id = "shifts"
kinds = ["stance_shift"]
channels = ["desk-slack", "desk-email"]
severity = "critical"
"""


def settings(**kw: object) -> AlertsConfig:
    return AlertsConfig.model_validate({"backoff": "0.1s", "max_backoff": "0.5s", "lease": "30s", **kw})


class Clock:
    def __init__(self, start=T0):  # type: ignore[no-untyped-def]
        self.now = start

    def __call__(self):  # type: ignore[no-untyped-def]
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


def channels(slack: SlackServer | None = None, smtp: SmtpServer | None = None) -> dict[str, ChannelConfig]:
    out = {"console": ChannelConfig(type="console")}
    if slack is not None:
        out["desk-slack"] = ChannelConfig.model_validate(
            {"type": "slack", "channel": "#desk-alerts", "api_url": slack.url, "max_rate_limit_wait": 0}
        )
    if smtp is not None:
        out["desk-email"] = ChannelConfig.model_validate(
            {
                "type": "email",
                "to": "desk@example.org",
                "from": "cw@example.org",
                "host": "127.0.0.1",
                "port": smtp.port,
                "security": "none",
                "timeout": 2,
            }
        )
    return out


def test_alerts_are_written_in_the_change_transaction(store: Store, tmp_path: Path) -> None:
    ruleset = rules(tmp_path, SIMPLE)
    with store.session() as s:
        row, queued = add_change(s, ruleset, shift())
        assert [a.key for a in queued] == [
            f"change:{row.id}:shifts:desk-slack",
            f"change:{row.id}:shifts:desk-email",
        ]
        assert all(a.status == "pending" and a.severity == "critical" for a in queued)
        # Calling the hook again for the same change queues nothing new (unique keys).
        assert make_on_change(ruleset)(s, row) == []
    with pytest.raises(RuntimeError), store.session() as s:
        add_change(s, ruleset, shift("Germany"))
        raise RuntimeError("crash before commit")
    with store.session(write=False) as s:
        assert len(alerts(s)) == 2  # the crashed change left no alert behind
        assert {a.thread_key for a in alerts(s)} == {
            "united states|ukraine strike inside russia with western weapons"
        }


def test_cooldown_suppresses_visibly(store: Store, tmp_path: Path) -> None:
    ruleset = rules(tmp_path, '[[rule]]\nid = "r"\nchannels = ["console"]\ncooldown = "6h"\n')
    with store.session() as s:
        add_change(s, ruleset, shift(), now=T0)
        _, second = add_change(s, ruleset, shift(after="undecided"), now=T0 + timedelta(hours=1))
        _, other = add_change(s, ruleset, shift("Germany"), now=T0 + timedelta(hours=1))
        _, later = add_change(s, ruleset, shift(), now=T0 + timedelta(hours=7))
    assert second[0].status == "suppressed" and "cooldown 6h" in (second[0].last_error or "")
    assert other[0].status == "pending"
    assert later[0].status == "pending"


def test_digest_collects_and_sends_one_message_when_the_window_closes(
    store: Store, tmp_path: Path, slack_server: SlackServer
) -> None:
    ruleset = rules(tmp_path, '[[rule]]\nid = "d"\nchannels = ["desk-slack"]\ndigest = "1h"\n')
    with store.session() as s:
        for actor in ("United States", "Germany", "France"):
            add_change(s, ruleset, shift(actor), now=T0 + timedelta(minutes=5))
        assert {a.status for a in alerts(s)} == {"held"}
    clock = Clock(T0 + timedelta(minutes=30))
    dispatcher = Dispatcher(store, channels(slack_server), settings(), clock=clock)
    assert dispatcher.run_once().sent == 0  # window still open
    clock.now = digest_window(T0 + timedelta(minutes=5), timedelta(hours=1))[1]
    report = dispatcher.run_once()
    assert report.digests == 1 and report.sent == 1
    [posted] = slack_server.posted
    assert "3 change(s) matched rule d in the last 1h" in posted.text
    assert all(actor in posted.all_text() for actor in ("United States", "Germany", "France"))
    with store.session(write=False) as s:
        rows = alerts(s)
    assert [r.status for r in rows] == ["sent"] * 4
    assert dispatcher.run_once().sent == 0


def test_min_sources_waits_for_corroboration(store: Store, tmp_path: Path, slack_server: SlackServer) -> None:
    ruleset = rules(
        tmp_path,
        '[[rule]]\nid = "c"\nchannels = ["desk-slack"]\nmin_sources = 2\nmin_sources_within = "1d"\n',
    )
    topic = "ukraine strike inside russia with western weapons"
    with store.session() as s:
        add_observation(s, "United States", topic, "support", "wire", T0)
        _, queued = add_change(s, ruleset, shift(), now=T0)
        add_observation(s, "Germany", topic, "support", "paper", T0)
        _, lonely = add_change(s, ruleset, shift("Germany"), source_name="paper", now=T0)
    assert queued[0].status == "held" and queued[0].response["found"] == 1
    clock = Clock(T0 + timedelta(minutes=2))
    dispatcher = Dispatcher(store, channels(slack_server), settings(), clock=clock)
    assert dispatcher.run_once().sent == 0
    with store.session() as s:  # a second, independent source reports the same stance
        add_observation(s, "United States", topic, "support", "other-outlet", T0 + timedelta(minutes=3))
    clock.advance(minutes=2)
    report = dispatcher.run_once()
    assert report.promoted == 1 and report.sent == 1
    assert "United States" in slack_server.posted[0].text
    clock.advance(days=2)
    report = dispatcher.run_once()
    assert report.expired == 1
    with store.session(write=False) as s:
        germany = s.get(AlertRow, lonely[0].id)
    assert (
        germany is not None
        and germany.status == "suppressed"
        and "only 1 of 2 sources" in (germany.last_error or "")
    )


def run_until_quiet(dispatcher: Dispatcher, store: Store, deadline: float = 40.0) -> None:
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        dispatcher.run_once()
        with store.session(write=False) as s:
            if not s.exec(select(AlertRow).where(AlertRow.status.in_(["pending", "held"]))).all():  # type: ignore[attr-defined]
                return
        time.sleep(0.05)
    raise AssertionError("alerts still pending")


def test_outages_then_recovery_deliver_every_alert_exactly_once(
    store: Store, tmp_path: Path, slack_server: SlackServer
) -> None:
    smtp = SmtpServer()  # down: not started yet
    ruleset = rules(tmp_path, SIMPLE)
    actors = ["United States", "Germany", "France", "Poland", "Finland", "Netherlands"]
    with store.session() as s:
        for actor in actors:
            add_change(s, ruleset, shift(actor))
    slack_server.fail_next(3, "429", retry_after=1)  # longer than max_rate_limit_wait=0: handed back
    slack_server.fail_for(1.5, "500")
    dispatcher = Dispatcher(
        store,
        channels(slack_server, smtp),
        settings(),
        clock=lambda: __import__("monitor.timeutil").timeutil.utcnow(),
    )
    report = dispatcher.run_once()
    assert report.retrying >= len(actors) and report.sent == 0
    with store.session(write=False) as s:
        assert any("rate limited" in (a.last_error or "") for a in alerts(s))
        assert any("email" in (a.last_error or "") for a in alerts(s))
    time.sleep(0.5)
    smtp.start()
    try:
        run_until_quiet(dispatcher, store)
        with store.session(write=False) as s:
            rows = alerts(s)
        assert {r.status for r in rows} == {"sent"}
        slack_keys = [p.alert_key for p in slack_server.posted]
        assert sorted(slack_keys) == sorted(r.key for r in rows if r.channel == "desk-slack")
        assert len(slack_keys) == len(set(slack_keys)) == len(actors)
        mail_ids = [m["Message-ID"] for m in smtp.messages]
        assert len(mail_ids) == len(set(mail_ids)) == len(actors)
        # Retries after 500s were in doubt: the dispatcher looked in the channel history first.
        assert slack_server.calls("conversations.history")
    finally:
        smtp.stop()


def test_retry_after_is_honoured(store: Store, tmp_path: Path, slack_server: SlackServer) -> None:
    ruleset = rules(tmp_path, '[[rule]]\nid = "r"\nchannels = ["desk-slack"]\n')
    with store.session() as s:
        add_change(s, ruleset, shift())
    slack_server.fail_next(1, "429", retry_after=90)
    clock = Clock()
    dispatcher = Dispatcher(store, channels(slack_server), settings(), clock=clock)
    dispatcher.run_once()
    with store.session(write=False) as s:
        [row] = alerts(s)
    assert row.next_attempt_at is not None
    from monitor.timeutil import ensure_utc

    assert ensure_utc(row.next_attempt_at) - T0 >= timedelta(seconds=90)
    clock.advance(seconds=60)
    assert dispatcher.run_once().sent == 0
    clock.advance(seconds=31)
    assert dispatcher.run_once().sent == 1


def test_max_attempts_marks_dead_visibly(store: Store, tmp_path: Path) -> None:
    down = SmtpServer()
    ruleset = rules(tmp_path, '[[rule]]\nid = "r"\nchannels = ["desk-email"]\n')
    with store.session() as s:
        add_change(s, ruleset, shift())
    clock = Clock()
    dispatcher = Dispatcher(store, channels(smtp=down), settings(max_attempts=3), clock=clock)
    for _ in range(5):
        dispatcher.run_once()
        clock.advance(seconds=5)
    with store.session(write=False) as s:
        [row] = alerts(s)
    assert row.status == "dead" and row.attempts == 3 and "email" in (row.last_error or "")


def test_permanent_errors_are_dead_at_once(
    store: Store, tmp_path: Path, slack_server: SlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
    ruleset = rules(tmp_path, '[[rule]]\nid = "r"\nchannels = ["desk-slack"]\n')
    with store.session() as s:
        add_change(s, ruleset, shift())
    report = Dispatcher(store, channels(slack_server), settings(), clock=Clock()).run_once()
    assert report.dead == 1
    with store.session(write=False) as s:
        [row] = alerts(s)
    assert row.status == "dead" and row.attempts == 1 and "invalid_auth" in (row.last_error or "")


def test_later_changes_on_an_actor_and_topic_go_into_the_thread(
    store: Store, tmp_path: Path, slack_server: SlackServer
) -> None:
    ruleset = rules(tmp_path, '[[rule]]\nid = "r"\nchannels = ["desk-slack"]\n')
    with store.session() as s:
        add_change(s, ruleset, shift())
        add_change(s, ruleset, shift(before="support", after="undecided"))
        add_change(s, ruleset, shift("Germany"))
    Dispatcher(store, channels(slack_server), settings(), clock=Clock()).run_once()
    first, second, germany = slack_server.posted
    assert first.thread_ts is None and germany.thread_ts is None
    assert second.thread_ts == first.ts
    with store.session(write=False) as s:
        assert len(s.exec(select(ThreadRow)).all()) == 2


def test_two_dispatchers_never_send_an_alert_twice(
    store: Store, tmp_path: Path, slack_server: SlackServer
) -> None:
    ruleset = rules(tmp_path, '[[rule]]\nid = "r"\nchannels = ["desk-slack"]\n')
    with store.session() as s:
        for i in range(30):
            add_change(s, ruleset, shift(f"Country {i}"))
    workers = [Dispatcher(store, channels(slack_server), settings(), batch=7) for _ in range(4)]
    errors: list[BaseException] = []

    def work(d: Dispatcher) -> None:
        try:
            for _ in range(10):
                d.run_once()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(d,)) for d in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    keys = [p.alert_key for p in slack_server.posted]
    assert len(keys) == len(set(keys)) == 30


def test_an_expired_lease_is_checked_before_sending_again(
    store: Store, tmp_path: Path, slack_server: SlackServer
) -> None:
    """A dispatcher died after Slack accepted the message and before marking it: no second post."""
    ruleset = rules(tmp_path, '[[rule]]\nid = "r"\nchannels = ["desk-slack"]\n')
    with store.session() as s:
        add_change(s, ruleset, shift())
    clock = Clock()
    dying = Dispatcher(store, channels(slack_server), settings(), clock=clock)
    [(alert_id, in_doubt, _channel)] = dying._claim()
    assert not in_doubt
    with store.session(write=False) as s:
        from monitor.alerts.dispatch import build_message

        message, _ = build_message(s, s.get(AlertRow, alert_id))  # type: ignore[arg-type]
    dying._channel("desk-slack").send(message)  # accepted by Slack... and then the process "dies"
    survivor = Dispatcher(store, channels(slack_server), settings(), clock=clock)
    assert survivor.run_once().sent == 0  # lease still held by the dead one
    clock.advance(seconds=31)
    report = survivor.run_once()
    assert report.recovered == 1 and report.sent == 0
    assert len(slack_server.posted) == 1
    with store.session(write=False) as s:
        [row] = alerts(s)
    assert row.status == "sent" and row.response.get("found_in_history") is True


def test_a_slow_batch_never_sends_an_alert_another_dispatcher_took_over(
    store: Store, tmp_path: Path, slack_server: SlackServer
) -> None:
    """One dispatcher leases a batch with a 1 s lease and each send takes 0.8 s; a second one starts at
    1.2 s and takes over what the first has not reached yet. The first renews its lease right before
    each send and leaves the alerts it lost alone: every alert is posted once."""
    ruleset = rules(tmp_path, '[[rule]]\nid = "r"\nchannels = ["desk-slack"]\n')
    with store.session() as s:
        for i in range(4):
            add_change(s, ruleset, shift(f"Country {i}"))
    slack_server.state.hold_after_accept = 0.8  # Slack takes 0.8 s to answer each post
    short = settings(lease="1s")
    first = Dispatcher(store, channels(slack_server), short)
    second = Dispatcher(store, channels(slack_server), short)
    reports = {}
    errors: list[BaseException] = []

    def run(name: str, dispatcher: Dispatcher) -> None:
        try:
            reports[name] = dispatcher.run_once()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    slow = threading.Thread(target=run, args=("first", first))
    slow.start()
    time.sleep(1.2)
    run("second", second)
    slow.join(30)
    assert not errors and not slow.is_alive()
    assert reports["second"].sent >= 1  # it did take over alerts the first had leased
    keys = [p.alert_key for p in slack_server.posted]
    assert len(keys) == len(set(keys)), f"posted twice: {sorted(keys)}"
    slack_server.state.hold_after_accept = 0
    run_until_quiet(second, store)
    with store.session(write=False) as s:
        rows = alerts(s)
    assert {r.status for r in rows} == {"sent"}
    keys = [p.alert_key for p in slack_server.posted]
    assert sorted(keys) == sorted(r.key for r in rows) and len(keys) == len(set(keys)) == 4


def test_an_alert_whose_message_cannot_be_built_is_dead_and_the_others_go_out(
    store: Store, tmp_path: Path, slack_server: SlackServer
) -> None:
    ruleset = rules(tmp_path, '[[rule]]\nid = "r"\nchannels = ["desk-slack"]\n')
    with store.session() as s:
        bad, [bad_alert] = add_change(s, ruleset, shift())
        add_change(s, ruleset, shift("Germany"))
        bad.payload = {"actor": "United States"}  # malformed: no "kind" (KeyError in Change.from_dict)
        s.add(bad)
    dispatcher = Dispatcher(store, channels(slack_server), settings(), clock=Clock())
    report = dispatcher.run_once()
    assert report.dead == 1 and report.sent == 1
    assert any("cannot build the message" in e for e in report.errors)
    with store.session(write=False) as s:
        rows = {r.id: r for r in alerts(s)}
    dead = rows.pop(bad_alert.id)
    assert dead.status == "dead" and dead.lease_owner is None and dead.lease_until is None
    assert "cannot build the message: KeyError" in (dead.last_error or "")
    assert [r.status for r in rows.values()] == ["sent"]
    assert [p.alert_key for p in slack_server.posted] == [r.key for r in rows.values()]
    assert dispatcher.run_once().worked is False  # the dead one is not claimed again


def test_a_lease_shorter_than_a_send_is_reported(
    store: Store, tmp_path: Path, slack_server: SlackServer, caplog: pytest.LogCaptureFixture
) -> None:
    ruleset = rules(tmp_path, '[[rule]]\nid = "r"\nchannels = ["desk-slack"]\n')
    with store.session() as s:
        add_change(s, ruleset, shift())
        add_change(s, ruleset, shift("Germany"))
    caplog.set_level("WARNING", logger="monitor.alerts.dispatch")
    Dispatcher(store, channels(slack_server), settings(lease="20s"), clock=Clock()).run_once()
    warnings = [r.getMessage() for r in caplog.records if "alerts.lease" in r.getMessage()]
    assert len(warnings) == 1  # once per channel, not per alert
    assert "'desk-slack'" in warnings[0] and "up to 90s" in warnings[0] and "at least 100s" in warnings[0]
    from monitor.alerts.channels import make_channel
    from monitor.alerts.dispatch import lease_shortfall

    slack = make_channel("s", "slack", {"channel": "#x"})  # 30 s timeout, 5 s of 429 waits, twice
    assert lease_shortfall(AlertsConfig().lease, slack) is None  # the defaults fit: 100 s + headroom
    assert lease_shortfall(timedelta(seconds=100), slack) is not None


def test_replay_matches_what_the_live_path_queued(store: Store, tmp_path: Path) -> None:
    ruleset = rules(tmp_path, '[[rule]]\nid = "r"\nchannels = ["console"]\ncooldown = "6h"\n')
    with store.session() as s:
        for hours, actor in (
            (0, "United States"),
            (1, "United States"),
            (1, "Germany"),
            (8, "United States"),
        ):
            add_change(s, ruleset, shift(actor), now=T0 + timedelta(hours=hours))
    with store.session(write=False) as s:
        live = [(a.change_id, a.status) for a in alerts(s)]
        dry = [(r.change_id, r.outcome) for r in replay(s, ruleset)]
    assert [status for _, status in live] == ["pending", "suppressed", "pending", "pending"]
    assert dry == [(cid, "send" if st == "pending" else st) for cid, st in live]


# --- kills ---------------------------------------------------------------------------------------

WORKER = """
import sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from alerthelpers import add_change, shift
from monitor.alerts.dispatch import deliver_pending
from monitor.config import parse_config
from monitor.rules import load_rules
from monitor.store import open_store
from monitor.timeutil import utcnow

config = parse_config(Path({config!r}))
store = open_store(config.database_url)
if "store" in sys.argv:
    ruleset = load_rules(config.rules_path, set(config.channels), resolve_actor=str.casefold)
    with store.session() as s:
        add_change(s, ruleset, shift(), now=utcnow())
    print("stored", flush=True)
    if "pause" in sys.argv:
        time.sleep(60)  # killed here: the change and its alert are stored, nothing is sent
report = deliver_pending(config, store, max_wait=20)
print(report.summary(), flush=True)
"""


def _worker(tmp_path: Path, config: Path, *args: str) -> subprocess.Popen[str]:
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(tests=str(Path(__file__).parent), config=str(config)), encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, str(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )


def _config(tmp_path: Path, db_url: str, slack: SlackServer, smtp: SmtpServer | None = None) -> Path:
    (tmp_path / "rules").mkdir(exist_ok=True)
    chans = '["desk-slack", "desk-email"]' if smtp else '["desk-slack"]'
    (tmp_path / "rules" / "r.toml").write_text(f'[[rule]]\nid = "r"\nchannels = {chans}\n', encoding="utf-8")
    return write_config(
        tmp_path,
        db_url,
        slack_url=slack.url,
        smtp_port=smtp.port if smtp else None,
        rules=tmp_path / "rules",
        alerts={"lease": "2s"},
    )


def test_sigkill_after_storing_before_sending_delivers_once_after_restart(
    db_url: str, tmp_path: Path, slack_server: SlackServer, smtp_server: SmtpServer
) -> None:
    config = _config(tmp_path, db_url, slack_server, smtp_server)
    proc = _worker(tmp_path, config, "store", "pause")
    assert proc.stdout is not None and proc.stdout.readline().strip() == "stored"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert slack_server.posted == [] and smtp_server.messages == []
    restarted = _worker(tmp_path, config)
    out, err = restarted.communicate(timeout=60)
    assert restarted.returncode == 0, err
    assert "2 sent" in out
    assert len(slack_server.posted) == 1 and len(smtp_server.messages) == 1


def test_sigkill_between_slack_accepting_and_marking_sent_does_not_post_twice(
    db_url: str, tmp_path: Path, slack_server: SlackServer
) -> None:
    config = _config(tmp_path, db_url, slack_server)
    slack_server.state.hold_after_accept = 30  # Slack has the message; the answer never comes back
    proc = _worker(tmp_path, config, "store")
    assert slack_server.state.accepted.wait(30)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    slack_server.state.hold_after_accept = 0
    assert len(slack_server.posted) == 1
    time.sleep(2.2)  # the dead process's lease runs out
    restarted = _worker(tmp_path, config)
    out, err = restarted.communicate(timeout=60)
    assert restarted.returncode == 0, err
    assert "1 recovered" in out and "0 sent" in out
    assert len(slack_server.posted) == 1  # found in conversations.history, not posted again


def test_deliver_pending_waits_for_a_short_retry(
    store: Store, tmp_path: Path, slack_server: SlackServer
) -> None:
    config = parse_config(write_config(tmp_path, store.url.replace("***", ""), slack_url=slack_server.url))
    ruleset = rules(tmp_path, '[[rule]]\nid = "r"\nchannels = ["desk-slack"]\n')
    with store.session() as s:
        add_change(s, ruleset, shift())
    slack_server.fail_next(2, "500")
    dispatcher = Dispatcher(store, config.channels, settings())
    report = deliver_pending(config, store, dispatcher=dispatcher, max_wait=10)
    assert report.sent == 1 and report.retrying == 2
    assert len(slack_server.posted) == 1


# --- the real daemon (`claimwatch run`) killed with SIGKILL ------------------------------------------


def _daemon_config(tmp_path: Path, db_url: str, slack: SlackServer, story: Path, dispatch_every: str) -> Path:
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "rules" / "r.toml").write_text(
        '[[rule]]\nid = "shift"\nkinds = ["stance_shift"]\nchannels = ["desk-slack"]\n', encoding="utf-8"
    )
    path = write_config(
        tmp_path,
        db_url,
        slack_url=slack.url,
        rules=tmp_path / "rules",
        alerts={"lease": "2s", "dispatch_every": dispatch_every},
    )
    path.write_text(
        path.read_text()
        + f'\n[scheduler]\nstartup_spread = "0s"\njitter = 0\n\n[[sources]]\nname = "story"\ntype = "file"\n'
        f'path = "{story}"\ninterval = "1s"\n',
        encoding="utf-8",
    )
    return path


def _run_daemon(config: Path) -> subprocess.Popen[str]:
    # The installed claimwatch (the editable sources, or the compiled build in CI's second run). Its log
    # goes to a file: a pipe nobody reads fills up over a long run and then blocks the daemon.
    log = (config.parent / "daemon.log").open("a", encoding="utf-8")
    with log:
        return subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=log,
            text=True,
            cwd=REPO,
        )


def _wait_for(predicate, timeout: float = 60.0, log: Path | None = None) -> None:  # type: ignore[no-untyped-def]
    stop = time.monotonic() + timeout
    while time.monotonic() < stop:
        if predicate():
            return
        time.sleep(0.1)
    tail = log.read_text(encoding="utf-8")[-3000:] if log is not None and log.exists() else ""
    raise AssertionError(f"timed out; daemon log:\n{tail}" if tail else "timed out")


def _alert_rows(db_url: str) -> list[AlertRow]:
    from monitor.store import open_store

    store = open_store(db_url)
    try:
        with store.session(write=False) as s:
            return alerts(s)
    finally:
        store.close()


@pytest.mark.shared
def test_daemon_killed_after_storing_a_change_delivers_once_after_restart(
    db_url: str, tmp_path: Path, slack_server: SlackServer, seeds: Path
) -> None:
    story = tmp_path / "story.txt"
    story.write_text((seeds / "001_952d20a1df1d568e.txt").read_text(encoding="utf-8"), encoding="utf-8")
    config = _daemon_config(tmp_path, db_url, slack_server, story, dispatch_every="1h")
    daemon = _run_daemon(config)
    try:
        _wait_for(lambda: _versions(db_url) >= 1, log=tmp_path / "daemon.log")
        # Replaced atomically, so the daemon never reads half a file.
        (tmp_path / "next.txt").write_text((seeds / "004_9b2bdd491e12736c.txt").read_text(encoding="utf-8"))
        os.replace(tmp_path / "next.txt", story)
        log = tmp_path / "daemon.log"
        _wait_for(lambda: any(a.status == "pending" for a in _alert_rows(db_url)), log=log)
    finally:
        daemon.send_signal(signal.SIGKILL)  # stored, queued, not sent (the next dispatch is an hour away)
        daemon.wait(10)
    assert slack_server.posted == []
    queued = [a for a in _alert_rows(db_url) if a.status == "pending"]
    config.write_text(
        config.read_text().replace('dispatch_every = "1h"', 'dispatch_every = "1s"'), encoding="utf-8"
    )
    daemon = _run_daemon(config)
    try:
        _wait_for(lambda: all(a.status == "sent" for a in _alert_rows(db_url)), log=tmp_path / "daemon.log")
        time.sleep(2)  # a few more dispatch rounds: nothing more goes out
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(30)
    assert sorted(p.alert_key for p in slack_server.posted) == sorted(a.key for a in queued)
    assert any("Kharkiv" in p.all_text() and "United States" in p.text for p in slack_server.posted)


def _versions(db_url: str) -> int:
    from monitor.store import open_store
    from monitor.store.tables import VersionRow

    store = open_store(db_url)
    try:
        with store.session(write=False) as s:
            return len(s.exec(select(VersionRow)).all())
    finally:
        store.close()


def test_on_change_with_a_watcher_picks_up_edited_rules(store: Store, tmp_path: Path) -> None:
    from monitor.rules import RuleWatcher

    path = tmp_path / "live.toml"
    path.write_text(
        '[[rule]]\nid = "a"\nchannels = ["console"]\nkinds = ["number_changed"]\n', encoding="utf-8"
    )
    watcher = RuleWatcher(path, {"console"}, resolve_actor=str.casefold)
    on_change = make_on_change(watcher)
    with store.session() as s:
        assert add_change(s, None, shift())[0] and on_change(s, add_change(s, None, shift())[0]) == []
    path.write_text('[[rule]]\nid = "b"\nchannels = ["console"]\n', encoding="utf-8")
    os.utime(path, (time.time() + 5, time.time() + 5))
    with store.session() as s:
        row, _ = add_change(s, None, shift("Germany"))
        assert [a.rule_id for a in on_change(s, row)] == ["b"]
