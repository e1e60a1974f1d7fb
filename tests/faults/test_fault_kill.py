"""kill -9 at random points of a pass: no fetched version is lost, no alert is sent twice.

Twelve pages change their story (Germany opposes, then approves, sending Taurus missiles) in six
rounds. Each round a `claimwatch run --once` is killed with SIGKILL at a random moment (fetching,
recording, or sending to Slack), then a second one runs to the end. Afterwards every page holds
exactly its six versions, every alert is sent, and Slack received each alert key exactly once."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from httpserver import TestServer, article_html
from slackserver import SlackServer

PAGES = 12
ROUNDS = 6


def _story(page: int, version: int) -> str:
    said = "still opposed" if version % 2 == 0 else "had approved"
    return article_html(
        f"Taurus bulletin {page}",
        [
            f"The German government said on Wednesday it {said} sending Taurus missiles to Ukraine, "
            "a spokesman told reporters.",
            f"This is bulletin {page}, version {version}, from the ministry's regular briefing.",
        ],
    )


def _config(tmp_path: Path, server: TestServer, slack: SlackServer) -> Path:
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nid = "shifts"\nkinds = ["stance_shift"]\nchannels = ["desk-slack"]\n')
    lines = [
        f'rules = "{rules}"',
        "[store]",
        f'url = "sqlite:///{tmp_path / "cw.db"}"',
        "[fetch]",
        "retries = 0",
        "[scheduler]",
        'startup_spread = "0s"',
        "[alerts]",
        'lease = "3s"',
        'backoff = "1s"',
        "[channels.desk-slack]",
        'type = "slack"',
        'channel = "#desk-alerts"',
        f'api_url = "{slack.url}"',
        "timeout = 2",
        "max_rate_limit_wait = 0",
    ]
    for n in range(PAGES):
        lines += ["[[sources]]", f'name = "p{n:02d}"', f'url = "{server.url(f"/p{n}")}"']
    config = tmp_path / "claimwatch.toml"
    config.write_text("\n".join(lines) + "\n")
    return config


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("CLAIMWATCH_DATABASE_URL", "CLAIMWATCH_CONFIG")}


def _claimwatch(config: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", *args, "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_env(),
    )


def test_kill_9_at_random_points_loses_no_version_and_repeats_no_alert(
    http_server: TestServer, slack_server: SlackServer, tmp_path: Path
) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    config = _config(tmp_path, http_server, slack_server)
    kills: list[float] = []
    took: list[float] = []
    for version in range(ROUNDS):
        for n in range(PAGES):
            http_server.page(f"/p{n}", _story(n, version))
        victim = _claimwatch(config, "run", "--once")
        moment = rng.uniform(0.3, 1.8)  # a pass takes about 2 s: fetching, recording, sending
        try:
            victim.wait(moment)
        except subprocess.TimeoutExpired:
            victim.send_signal(signal.SIGKILL)
            kills.append(round(moment, 2))
        victim.wait(30)
        started = time.monotonic()
        survivor = _claimwatch(config, "run", "--once")
        assert survivor.wait(120) == 0, f"seed {seed}"
        took.append(round(time.monotonic() - started, 1))
    time.sleep(3.5)  # alert leases of killed dispatchers run out (alerts.lease = 3s)
    assert _claimwatch(config, "alerts", "deliver").wait(120) == 0

    with sqlite3.connect(tmp_path / "cw.db") as db:
        per_document = dict(
            db.execute(
                "SELECT d.url, count(v.id) FROM documents d JOIN versions v ON v.document_id = d.id "
                "GROUP BY d.url"
            )
        )
        statuses = Counter(status for (status,) in db.execute("SELECT status FROM alerts"))
        keys = {key for (key,) in db.execute("SELECT key FROM alerts")}
    context = f"seed {seed}, killed at {kills}, full passes took {took}"
    print(context)
    assert kills, f"no pass was killed: {context}"
    assert per_document == {http_server.url(f"/p{n}"): ROUNDS for n in range(PAGES)}, context
    assert statuses and set(statuses) == {"sent"}, (statuses, context)
    posted = Counter(post.alert_key for post in slack_server.posted)
    assert set(posted) == keys, context
    assert max(posted.values()) == 1, ([k for k, c in posted.items() if c > 1], context)
