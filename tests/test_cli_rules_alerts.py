"""The `claimwatch rules` and `claimwatch alerts` commands, run as the user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from alerthelpers import add_change, shift, write_config
from slackserver import SlackServer, SmtpServer
from sqlmodel import select

from monitor.config import parse_config
from monitor.rules import load_rules
from monitor.store import open_store
from monitor.store.tables import AlertRow
from monitor.timeutil import utcnow

REPO = Path(__file__).resolve().parents[1]


def cli(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        timeout=120,
    )


EXAMPLE_SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-example",
    "CLAIMWATCH_SMTP_USER": "desk",
    "CLAIMWATCH_SMTP_PASSWORD": "secret",
}


def test_rules_check_lists_the_example_rules() -> None:
    result = cli("rules", "check", "--config", "config.example.toml", "--format", "json", env=EXAMPLE_SECRETS)
    assert result.returncode == 0, result.stderr
    rules = json.loads(result.stdout)["rules"]
    assert [r["id"] for r in rules] == ["strike-policy-shift", "strike-policy-softening"]
    assert rules[0]["channels"] == ["desk-slack", "desk-email"]
    table = cli(
        "rules", "check", "rules/example.toml", "--config", "config.example.toml", env=EXAMPLE_SECRETS
    )
    assert table.returncode == 0 and "2 rule(s) OK in 1 file(s)" in table.stderr
    assert "strike-policy-shift" in table.stdout


def test_rules_check_reports_file_line_and_reason(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nid = "x"\nchannels = ["desk-slack"]\n\ntopic = "(unclosed"\n', encoding="utf-8")
    result = cli("rules", "check", str(bad), "--config", "config.example.toml")
    assert result.returncode == 2
    assert result.stderr.strip().startswith(f"claimwatch: error: {bad}:5:")
    assert "bad regular expression in 'topic'" in result.stderr
    assert "Traceback" not in result.stderr
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('[[rule]]\nid = "x"\nchannels = ["pager"]\n', encoding="utf-8")
    result = cli("rules", "check", str(unknown), "--config", "config.example.toml")
    assert (
        result.returncode == 2
        and f"{unknown}:3:" in result.stderr
        and "unknown channel 'pager'" in result.stderr
    )


@pytest.fixture
def populated(tmp_path: Path, db_url: str, slack_server: SlackServer) -> Path:
    """A config with a Slack channel on the local server, rules, and stored changes with their alerts."""
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / "r.toml").write_text(
        '[[rule]]\nid = "shift"\nkinds = ["stance_shift"]\nchannels = ["desk-slack"]\ncooldown = "6h"\n',
        encoding="utf-8",
    )
    config_path = write_config(tmp_path, db_url, slack_url=slack_server.url, rules=rules_dir)
    config = parse_config(config_path)
    store = open_store(config.database_url)
    ruleset = load_rules(config.rules_path, set(config.channels), resolve_actor=str.casefold)
    now = utcnow()
    try:
        with store.session() as s:
            add_change(s, ruleset, shift(), now=now - timedelta(hours=3))
            add_change(s, ruleset, shift(after="undecided"), now=now - timedelta(hours=2))
            add_change(s, ruleset, shift("Germany"), now=now - timedelta(hours=1))
    finally:
        store.close()
    return config_path


def test_rules_test_replays_history_and_sends_nothing(populated: Path, slack_server: SlackServer) -> None:
    result = cli("rules", "test", "--since", "2000-01-01", "--config", str(populated), "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)["alerts"]
    assert [(r["rule"], r["channel"], r["outcome"]) for r in rows] == [
        ("shift", "desk-slack", "send"),
        ("shift", "desk-slack", "suppressed"),
        ("shift", "desk-slack", "send"),
    ]
    assert "cooldown 6h" in rows[1]["reason"]
    table = cli("rules", "test", "--since", "2000-01-01", "--config", str(populated))
    assert table.returncode == 0 and "2 alert(s) would be sent, 1 held back" in table.stderr
    assert slack_server.posted == []


def test_alerts_list_deliver_and_retry(populated: Path, slack_server: SlackServer) -> None:
    listed = json.loads(cli("alerts", "--config", str(populated), "--format", "json").stdout)["alerts"]
    assert sorted(a["status"] for a in listed) == ["pending", "pending", "suppressed"]
    pending = json.loads(cli("alerts", "--status", "pending", "-c", str(populated), "-f", "json").stdout)[
        "alerts"
    ]
    assert len(pending) == 2

    # The Slack token goes missing: nothing is attempted, the command says why, the alerts wait.
    refused = cli("alerts", "deliver", "--config", str(populated), env={"SLACK_BOT_TOKEN": ""})
    assert refused.returncode == 2 and "SLACK_BOT_TOKEN is not set" in refused.stderr
    assert refused.stderr.startswith("claimwatch: error: channel 'desk-slack' (slack)")
    still = json.loads(cli("alerts", "-s", "pending", "-c", str(populated), "-f", "json").stdout)["alerts"]
    assert len(still) == 2 and all(a["attempts"] == 0 for a in still)

    # A revoked token: Slack refuses, and the alerts are dead at once (a permanent error).
    failed = cli("alerts", "deliver", "--config", str(populated), env={"SLACK_BOT_TOKEN": "xoxb-revoked"})
    assert failed.returncode == 1 and "2 dead" in failed.stdout and "invalid_auth" in failed.stdout
    dead = json.loads(cli("alerts", "-s", "dead", "-c", str(populated), "-f", "json").stdout)["alerts"]
    assert len(dead) == 2 and all(a["attempts"] == 1 for a in dead)
    csv_out = cli("alerts", "-s", "dead", "-c", str(populated), "-f", "csv").stdout.splitlines()
    assert csv_out[0].startswith("id,status,channel,rule") and len(csv_out) == 3

    one = cli("alerts", "retry", str(dead[0]["id"]), "--config", str(populated))
    assert one.returncode == 0 and "requeued 1 alert(s)" in one.stdout
    rest = cli("alerts", "retry", "--dead", "--config", str(populated))
    assert rest.returncode == 0 and "requeued 1 alert(s)" in rest.stdout
    sent = cli("alerts", "deliver", "--config", str(populated))
    assert sent.returncode == 0 and "2 sent" in sent.stdout, sent.stdout + sent.stderr
    assert len(slack_server.posted) == 2
    # Sent alerts are never requeued.
    again = cli("alerts", "retry", str(dead[0]["id"]), "--config", str(populated))
    assert again.returncode == 2 and "already sent" in again.stderr
    table = cli("alerts", "--config", str(populated))
    assert table.returncode == 0 and "United States" in table.stdout


def test_alerts_retry_needs_an_id_or_dead(populated: Path) -> None:
    result = cli("alerts", "retry", "--config", str(populated))
    assert result.returncode == 2 and "give an alert ID or --dead" in result.stderr
    missing = cli("alerts", "retry", "999", "--config", str(populated))
    assert missing.returncode == 2 and "no alert with id 999" in missing.stderr


def _rows(config_path: Path) -> dict[int, AlertRow]:
    store = open_store(parse_config(config_path).database_url)
    try:
        with store.session(write=False) as s:
            return {r.id: r for r in s.exec(select(AlertRow)).all()}  # type: ignore[misc]
    finally:
        store.close()


def test_alerts_retry_never_takes_a_pending_alert_from_its_dispatcher(populated: Path) -> None:
    from monitor.alerts.dispatch import Dispatcher
    from monitor.config import AlertsConfig

    config = parse_config(populated)
    store = open_store(config.database_url)
    try:
        dispatcher = Dispatcher(store, config.channels, AlertsConfig.model_validate({"lease": "10m"}))
        claimed = dispatcher._claim()  # a dispatcher holds them, and may be sending them right now
    finally:
        store.close()
    assert len(claimed) == 2
    alert_id = claimed[0][0]
    result = cli("alerts", "retry", str(alert_id), "--config", str(populated))
    assert result.returncode == 2 and f"alert {alert_id} is pending" in result.stderr
    assert "only dead or suppressed" in result.stderr
    row = _rows(populated)[alert_id]
    assert row.lease_owner == dispatcher.owner and row.lease_until is not None and row.attempts == 1
    # A suppressed alert (cooldown) can still be requeued.
    [suppressed] = [r.id for r in _rows(populated).values() if r.status == "suppressed"]
    again = cli("alerts", "retry", str(suppressed), "--config", str(populated))
    assert again.returncode == 0 and "requeued 1 alert(s)" in again.stdout
    assert _rows(populated)[suppressed].status == "pending"


def test_alerts_retry_sends_digest_members_only_with_their_digest(
    tmp_path: Path, db_url: str, slack_server: SlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.alerts.dispatch import Dispatcher

    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / "r.toml").write_text(
        '[[rule]]\nid = "d"\nchannels = ["desk-slack"]\ndigest = "1h"\n', encoding="utf-8"
    )
    config_path = write_config(tmp_path, db_url, slack_url=slack_server.url, rules=rules_dir)
    config = parse_config(config_path)
    store = open_store(config.database_url)
    ruleset = load_rules(config.rules_path, set(config.channels), resolve_actor=str.casefold)
    try:
        with store.session() as s:
            for actor in ("United States", "Germany"):
                add_change(s, ruleset, shift(actor), now=utcnow() - timedelta(hours=2))
        token = os.environ["SLACK_BOT_TOKEN"]
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")  # invalid_auth: dead at once
        report = Dispatcher.from_config(config, store).run_once()
        monkeypatch.setenv("SLACK_BOT_TOKEN", token)
    finally:
        store.close()
    assert report.digests == 1 and report.dead == 1
    rows = _rows(config_path)
    [digest] = [r.id for r in rows.values() if r.change_id is None]
    members = [r.id for r in rows.values() if r.change_id is not None]
    assert {rows[i].status for i in rows} == {"dead"}
    refused = cli("alerts", "retry", str(members[0]), "--config", str(config_path))
    assert refused.returncode == 2 and f"part of digest alert {digest}" in refused.stderr
    assert f"claimwatch alerts retry {digest}" in refused.stderr
    assert _rows(config_path)[members[0]].status == "dead"
    requeued = cli("alerts", "retry", "--dead", "--config", str(config_path))
    assert requeued.returncode == 0 and "requeued 1 alert(s)" in requeued.stdout
    sent = cli("alerts", "deliver", "--config", str(config_path))
    assert sent.returncode == 0 and "1 sent" in sent.stdout, sent.stdout + sent.stderr
    [posted] = slack_server.posted
    assert "United States" in posted.all_text() and "Germany" in posted.all_text()
    assert {r.status for r in _rows(config_path).values()} == {"sent"}


def test_alert_rows_hold_no_secrets(populated: Path, slack_server: SlackServer) -> None:
    assert cli("alerts", "deliver", "--config", str(populated)).returncode == 0
    config = parse_config(populated)
    store = open_store(config.database_url)
    try:
        with store.session(write=False) as s:
            dumped = json.dumps([r.model_dump(mode="json") for r in s.exec(select(AlertRow)).all()])
    finally:
        store.close()
    assert "xoxb-" not in dumped


SEED_DATES = [
    "2024-05-30T08:00",
    "2024-05-30T10:00",
    "2024-05-30T12:00",
    "2024-05-30T14:00",
    "2024-05-31T09:04",
]


def _ingest_seeds(seeds: Path, config: Path, *extra: str) -> None:
    for seed, date in zip(sorted(seeds.glob("*.txt")), SEED_DATES, strict=True):
        result = cli("ingest", str(seed), "--published", date, "--config", str(config), *extra)
        assert result.returncode == 0, result.stderr


@pytest.mark.shared
def test_seed_story_one_slack_message_and_one_email_per_shift(
    tmp_path: Path, slack_server: SlackServer, smtp_server: SmtpServer, seeds: Path
) -> None:
    """rules/example.toml on seeds 000..004 in date order: the United States (Kharkiv) and Germany
    shifts, once each on Slack and by email; `rules test` lists the same alerts before any is sent."""
    dry_dir, live_dir = tmp_path / "dry", tmp_path / "live"
    dry_dir.mkdir()
    live_dir.mkdir()
    example = REPO / "rules" / "example.toml"

    dry = write_config(
        dry_dir,
        f"sqlite:///{dry_dir}/cw.db",
        slack_url=slack_server.url,
        smtp_port=smtp_server.port,
        rules=example,
    )
    _ingest_seeds(seeds, dry, "--no-alerts")
    listed = cli("rules", "test", "--since", "3650d", "--config", str(dry), "--format", "json")
    assert listed.returncode == 0, listed.stderr
    would = [a for a in json.loads(listed.stdout)["alerts"] if a["outcome"] == "send"]
    assert slack_server.posted == [] and smtp_server.messages == []

    live = write_config(
        live_dir,
        f"sqlite:///{live_dir}/cw.db",
        slack_url=slack_server.url,
        smtp_port=smtp_server.port,
        rules=example,
    )
    _ingest_seeds(seeds, live)
    posted = slack_server.posted
    assert len(posted) == 2, [p.text for p in posted]
    us = [p for p in posted if "United States: oppose -&gt; support" in p.text]
    germany = [p for p in posted if "Germany: oppose -&gt; support" in p.text]
    assert len(us) == 1 and len(germany) == 1
    assert "Kharkiv" in us[0].all_text()
    subjects = sorted(str(m["Subject"]) for m in smtp_server.messages)
    assert len(subjects) == 2
    assert any("United States: oppose -> support" in s for s in subjects)
    assert any("Germany: oppose -> support" in s for s in subjects)
    assert (
        "Kharkiv"
        in next(m for m in smtp_server.messages if "United States" in str(m["Subject"]))
        .get_body(("plain",))
        .get_content()
    )

    # The dry run listed exactly these: one per shift and channel.
    assert sorted((a["channel"], a["headline"].split(" on ")[0]) for a in would) == [
        ("desk-email", "Germany: oppose -> support"),
        ("desk-email", "United States: oppose -> support"),
        ("desk-slack", "Germany: oppose -> support"),
        ("desk-slack", "United States: oppose -> support"),
    ]
    sent = json.loads(cli("alerts", "--status", "sent", "--config", str(live), "--format", "json").stdout)[
        "alerts"
    ]
    assert sorted((a["channel"], a["headline"].split(" on ")[0]) for a in sent) == sorted(
        (a["channel"], a["headline"].split(" on ")[0]) for a in would
    )


def test_rules_check_names_each_missing_channel_secret() -> None:
    """Issue 13.4: a missing token showed up only as alerts retried for 30 s and left pending."""
    result = cli(
        "rules",
        "check",
        "--config",
        "config.example.toml",
        env={"SLACK_BOT_TOKEN": "", "CLAIMWATCH_SMTP_USER": "desk", "CLAIMWATCH_SMTP_PASSWORD": ""},
    )
    assert result.returncode == 2
    assert "2 rule(s) OK" in result.stderr  # the rules themselves are fine
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("claimwatch: error: ")
    assert "channel 'desk-slack' (slack): environment variable SLACK_BOT_TOKEN is not set" in error
    assert "environment variable CLAIMWATCH_SMTP_PASSWORD is not set" in error
    assert "CLAIMWATCH_SMTP_USER is not set" not in error


def test_check_refuses_to_start_without_a_channels_secret(populated: Path, slack_server: SlackServer) -> None:
    """Issue 13.4: `check` with SLACK_BOT_TOKEN unset retried for 30 s, exited 0, left alerts pending."""
    result = cli("check", "--config", str(populated), env={"SLACK_BOT_TOKEN": ""})
    assert result.returncode == 2
    assert (
        "claimwatch: error: channel 'desk-slack' (slack): environment variable SLACK_BOT_TOKEN"
        in result.stderr
    )
    assert "--no-alerts" in result.stderr
    for command in (
        ["run", "--once"],
        ["ingest", str(REPO / "monitor/samples/strike-policy/1-2024-05-30-morning.txt")],
    ):
        refused = cli(*command, "--config", str(populated), env={"SLACK_BOT_TOKEN": ""})
        assert refused.returncode == 2 and "SLACK_BOT_TOKEN is not set" in refused.stderr, command
    queued = cli("check", "--config", str(populated), "--no-alerts", env={"SLACK_BOT_TOKEN": ""})
    assert queued.returncode == 0, queued.stderr
    assert slack_server.posted == []
