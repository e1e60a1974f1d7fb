"""Defect 7 (issue 12): credentials in a source URL (`http://user:pass@host/...`) leaked into Slack
links, email, webhook payloads, `sources`, `history --format json` and the database. They are now
used for fetching (the source itself, and its feed's articles on the same host) and nowhere else;
the database and the daemon's files are created owner-only; a config file holding credentials that
others can read draws a warning."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from alerthelpers import shift
from httpserver import TestServer, article_html, rss
from typer.testing import CliRunner

from monitor.alerts import render
from monitor.cli import app
from monitor.config import parse_config
from monitor.redact import redact_url, with_credentials
from monitor.scheduler import ProcessLock

SECRET = "s3cret-pass"


def _story(n: int) -> str:
    return article_html(
        f"Story {n}", [f"The council said on Monday it still opposed plan {n}, its leader said."]
    )


def _config(tmp_path: Path, server: TestServer) -> Path:
    base = server.url("/").replace("http://", f"http://reader:{SECRET}@").rstrip("/")
    lines = [
        'rules = "no-rules"',
        "[store]",
        f'url = "sqlite:///{tmp_path / "cw.db"}"',
        "[fetch]",
        "retries = 0",
        "[[sources]]",
        'name = "page"',
        f'url = "{base}/p"',
        "[[sources]]",
        'name = "feed"',
        'type = "feed"',
        f'url = "{base}/feed.xml"',
    ]
    path = tmp_path / "claimwatch.toml"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def test_credentials_are_used_for_fetching_and_stored_or_shown_nowhere(
    http_server: TestServer, tmp_path: Path
) -> None:
    http_server.page("/p", _story(1))
    http_server.page("/a/1", _story(2))
    http_server.page("/feed.xml", rss([("/a/1", "One", None)]), "application/rss+xml")
    config = _config(tmp_path, http_server)
    runner = CliRunner()
    result = runner.invoke(app, ["check", "--config", str(config), "--format", "json", "--no-alerts"])
    assert result.exit_code == 0, result.output
    # Fetched with the credentials: the page, the feed, and the feed's article on the same host.
    auth = {path: headers.get("authorization") for path, _status, headers in http_server.log}
    assert set(auth) == {"/p", "/feed.xml", "/a/1"} and all(
        a and a.startswith("Basic ") for a in auth.values()
    )
    for command in (["sources", "--format", "json"], ["history", "--format", "json"], ["check"]):
        shown = runner.invoke(app, [*command, "--config", str(config)])
        assert SECRET not in shown.output and "reader" not in shown.output, command
    locations = {
        row["name"]: row["location"]
        for row in json.loads(
            runner.invoke(app, ["sources", "--config", str(config), "--format", "json"]).stdout
        )["sources"]
    }
    assert locations["page"] == http_server.url("/p").replace("http://", "http://***@")
    dump = "\n".join(sqlite3.connect(tmp_path / "cw.db").iterdump())
    assert SECRET not in dump and "reader:" not in dump
    assert stat.S_IMODE(os.stat(tmp_path / "cw.db").st_mode) == 0o600


def test_alerts_never_carry_credentials() -> None:
    change = shift()
    url = f"https://reader:{SECRET}@news.example/story"
    change = dataclasses.replace(change, after=dataclasses.replace(change.after, url=url, source="wire"))  # type: ignore[arg-type]
    message = render.AlertMessage(key="k", items=(render.AlertItem(change=change, change_id=1),))
    blocks, text = render.slack_payload(message)
    sent = [json.dumps(blocks), text, render.email_text(message), render.email_html(message)]
    sent.append(json.dumps(render.json_payload(message)))
    for body in sent:
        assert SECRET not in body and "reader" not in body
    assert "https://***@news.example/story" in sent[2]


def test_redaction_and_putting_credentials_back() -> None:
    assert redact_url(f"http://u:{SECRET}@h:8080/p?q=1#f") == "http://***@h:8080/p?q=1#f"
    assert redact_url("http://h/p@x") == "http://h/p@x"  # an @ in the path is not user info
    source = f"https://u:{SECRET}@feeds.example/rss"
    assert with_credentials("https://feeds.example/a/1", source) == f"https://u:{SECRET}@feeds.example/a/1"
    assert (
        with_credentials("https://***@feeds.example/a/1", source) == f"https://u:{SECRET}@feeds.example/a/1"
    )
    # Never to another host, scheme or port.
    for other in ("https://evil.example/a", "http://feeds.example/a", "https://feeds.example:8443/a"):
        assert with_credentials(other, source) == other


def test_the_lock_file_is_owner_only(tmp_path: Path) -> None:
    with ProcessLock(tmp_path / "cw.db.lock", "cw.db"):
        assert stat.S_IMODE(os.stat(tmp_path / "cw.db.lock").st_mode) == 0o600


def test_a_config_with_credentials_readable_by_others_draws_a_warning(
    http_server: TestServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = _config(tmp_path, http_server)
    with caplog.at_level(logging.WARNING):
        parse_config(config)
    assert not caplog.records
    config.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        parse_config(config)
    assert "holds credentials in a URL and other users can read it: chmod 600" in caplog.text


def test_ingest_of_a_protected_url_shows_and_stores_no_credentials(
    http_server: TestServer, tmp_path: Path
) -> None:
    http_server.page("/p", _story(3))
    config = tmp_path / "claimwatch.toml"
    config.write_text(
        f'rules = "no-rules"\n[store]\nurl = "sqlite:///{tmp_path / "cw.db"}"\n[fetch]\nretries = 0\n'
    )
    base = http_server.url("/").replace("http://", f"http://reader:{SECRET}@").rstrip("/")
    runner = CliRunner()
    missing = runner.invoke(app, ["ingest", f"{base}/missing", "--config", str(config), "--no-alerts"])
    assert missing.exit_code != 0 and "HTTP 404" in missing.output
    assert SECRET not in missing.output and "reader" not in missing.output
    found = runner.invoke(app, ["ingest", f"{base}/p", "--config", str(config), "--no-alerts"])
    assert found.exit_code == 0, found.output
    assert SECRET not in found.output
    dump = "\n".join(sqlite3.connect(tmp_path / "cw.db").iterdump())
    assert SECRET not in dump and "reader:" not in dump
