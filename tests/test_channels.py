"""Channels against real servers: slack-sdk's WebClient -> a Web API server on 127.0.0.1, smtplib ->
aiosmtpd, httpx -> a local HTTP server. Plus option validation as the config loader sees it."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from slackserver import SlackServer, SmtpServer, channel_id

from monitor.alerts import render
from monitor.alerts.channels import (
    CHANNEL_TYPES,
    Channel,
    ChannelOptions,
    Receipt,
    make_channel,
    register_channel,
    validate_channel_options,
)
from monitor.config import parse_config
from monitor.errors import ConfigError, DeliveryError
from monitor.model import Change, ChangeKind, ChangeSide


def alert(
    key: str = "change:7:strike:desk-slack", text: str = "Biden gave the go-ahead <!channel>"
) -> render.AlertMessage:
    change = Change(
        kind=ChangeKind.STANCE_SHIFT,
        actor="United States",
        topic="ukraine strike inside russia",
        before=ChangeSide(text="The White House still opposed it.", stance="oppose", source="wire"),
        after=ChangeSide(text=text, stance="support", qualifiers=("to defend Kharkiv",), source="wire"),
    )
    item = render.AlertItem(change=change, change_id=7, rule_id="strike", severity="critical")
    return render.AlertMessage(
        key=key, items=(item,), rule_id="strike", severity="critical", thread_key="us|strike"
    )


def slack(server: SlackServer, **options: Any) -> Channel:
    return make_channel("desk-slack", "slack", {"channel": "#desk-alerts", "api_url": server.url, **options})


def test_slack_posts_blocks_with_metadata_and_threads(slack_server: SlackServer) -> None:
    channel = slack(slack_server)
    receipt = channel.send(alert())
    [posted] = slack_server.posted
    assert receipt.ref == posted.ts and receipt.data["channel"] == channel_id("#desk-alerts")
    assert posted.alert_key == "change:7:strike:desk-slack"
    assert posted.blocks[0]["text"]["text"].startswith("United States: oppose -> support")
    assert "<!channel>" not in posted.all_text() and "&lt;!channel&gt;" in posted.all_text()
    assert posted.body["unfurl_links"] is False
    channel.send(alert(key="change:8:strike:desk-slack"), thread_ref=receipt.ref)
    assert slack_server.posted[1].thread_ts == receipt.ref


def test_slack_waits_out_a_short_retry_after_inside_the_send(slack_server: SlackServer) -> None:
    slack_server.fail_next(1, "429", retry_after=1)
    started = time.monotonic()
    slack(slack_server).send(alert())
    assert time.monotonic() - started >= 1.0
    assert len(slack_server.posted) == 1
    assert len(slack_server.calls("chat.postMessage")) == 2


def test_slack_long_retry_after_is_handed_to_the_dispatcher(slack_server: SlackServer) -> None:
    slack_server.fail_next(1, "429", retry_after=120)
    with pytest.raises(DeliveryError) as caught:
        slack(slack_server).send(alert())
    assert caught.value.transient and caught.value.retry_after == 120
    assert not getattr(caught.value, "in_doubt", False)  # a 429 means it was not posted
    assert slack_server.posted == []


def test_slack_server_error_is_transient_and_in_doubt(slack_server: SlackServer) -> None:
    slack_server.fail_next(1, "500")
    with pytest.raises(DeliveryError) as caught:
        slack(slack_server).send(alert())
    assert caught.value.transient and getattr(caught.value, "in_doubt", False)
    assert len(slack_server.calls("chat.postMessage")) == 1  # no blind re-post inside the client


def test_slack_bad_token_is_permanent_and_missing_token_is_reported(
    slack_server: SlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMWATCH_OTHER_TOKEN", "xoxb-wrong")
    with pytest.raises(DeliveryError) as caught:
        slack(slack_server, token_env="CLAIMWATCH_OTHER_TOKEN").send(alert())
    assert not caught.value.transient and "invalid_auth" in str(caught.value)
    assert "xoxb-wrong" not in str(caught.value)
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    with pytest.raises(DeliveryError, match="environment variable SLACK_BOT_TOKEN is not set") as missing:
        slack(slack_server).send(alert())
    assert not missing.value.transient  # issue 13.4: permanent (dead at once), not retried for 30 s


def test_slack_find_delivered_uses_the_metadata_key(slack_server: SlackServer) -> None:
    channel = slack(slack_server)
    since = datetime.now(UTC) - timedelta(minutes=1)
    assert channel.find_delivered(alert(), since, {}) is None
    channel.send(alert(key="other"))
    channel.send(alert())
    found = channel.find_delivered(alert(), since, {})
    assert found is not None and found.ref == slack_server.posted[1].ts
    # With the channel id known from an earlier delivery, no lookup by name is needed.
    lookups = len(slack_server.calls("conversations.list"))
    assert channel.find_delivered(alert(), since, {"channel_id": channel_id("#desk-alerts")}) is not None
    assert len(slack_server.calls("conversations.list")) == lookups


def email(server: SmtpServer, **options: Any) -> Channel:
    return make_channel(
        "desk-email",
        "email",
        {
            "to": ["desk@example.org", "night@example.org"],
            "from": "claimwatch@example.org",
            "host": "127.0.0.1",
            "port": server.port,
            "security": "none",
            **options,
        },
    )


def test_email_arrives_multipart_with_stable_message_id(smtp_server: SmtpServer) -> None:
    receipt = email(smtp_server).send(alert(text="Approved <b>bold</b>\r\nBcc: x@example.org"))
    [mail] = smtp_server.messages
    mail_from, rcpts, _ = smtp_server.envelopes[0]
    assert mail_from == "claimwatch@example.org" and rcpts == ["desk@example.org", "night@example.org"]
    assert mail.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    assert mail["Message-ID"] == render.message_id("change:7:strike:desk-slack", "example.org") == receipt.ref
    assert (
        mail["Subject"]
        == "[claimwatch] critical: United States: oppose -> support on ukraine strike inside russia"
    )
    assert mail["Bcc"] is None
    html = mail.get_body(("html",)).get_content()
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "to defend Kharkiv" in mail.get_body(("plain",)).get_content()


def test_email_login_from_environment(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    channel = email(smtp_server, username_env="CLAIMWATCH_SMTP_USER", password_env="CLAIMWATCH_SMTP_PASSWORD")
    with pytest.raises(DeliveryError, match="CLAIMWATCH_SMTP_USER is not set"):
        channel.send(alert())


def test_email_server_down_is_transient() -> None:
    down = SmtpServer()  # never started: connection refused
    with pytest.raises(DeliveryError) as caught:
        email(down, timeout=2).send(alert())
    assert caught.value.transient


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], dict[str, Any]]]] = []
    status = 200

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((dict(self.headers), body))
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_webhook_posts_json_with_an_idempotency_key(monkeypatch: pytest.MonkeyPatch) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("CLAIMWATCH_HOOK_TOKEN", "s3cret")
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        make_channel("hook", "webhook", {"url": url, "token_env": "CLAIMWATCH_HOOK_TOKEN"}).send(alert())
        headers, body = _Hook.received[-1]
        assert headers["Idempotency-Key"] == "change:7:strike:desk-slack"
        assert headers["Authorization"] == "Bearer s3cret"
        assert body["changes"][0]["actor"] == "United States"
        _Hook.status = 503
        with pytest.raises(DeliveryError) as caught:
            make_channel("hook", "webhook", {"url": url}).send(alert())
        assert caught.value.transient
        _Hook.status = 404
        with pytest.raises(DeliveryError) as caught:
            make_channel("hook", "webhook", {"url": url}).send(alert())
        assert not caught.value.transient
    finally:
        _Hook.status = 200
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("type_name", "options", "key", "reason"),
    [
        ("pager", {}, "type", "unknown channel type 'pager'"),
        ("slack", {}, "channel", "needs 'channel'"),
        ("slack", {"channel": "#x", "tokn_env": "X"}, "tokn_env", "unknown option 'tokn_env'"),
        ("slack", {"channel": "#x", "api_url": "ftp://x"}, "api_url", "http:// or https://"),
        ("slack", {"channel": "#x", "token_env": "xoxb-123-456"}, "token_env", "environment variable"),
        (
            "email",
            {"to": "a@b.c", "from": "x@y.z", "security": "ssl"},
            "security",
            "'starttls', 'tls' or 'none'",
        ),
        ("email", {"to": "not an address", "from": "x@y.z"}, "to", "not an email address"),
        ("email", {"to": "a@b.c", "from": "x@y.z", "port": 0}, "port", "greater than 0"),
        (
            "email",
            {"to": "a@b.c", "from": "x@y.z", "username_env": "CLAIMWATCH_U"},
            None,
            "both username_env and password_env",
        ),
        (
            "email",
            {
                "to": "a@b.c",
                "from": "x@y.z",
                "host": "smtp.example.org",
                "security": "none",
                "username_env": "CLAIMWATCH_U",
                "password_env": "CLAIMWATCH_P",
            },
            "username_env",
            'a login with security = "none" would send the SMTP credentials to smtp.example.org',
        ),
        ("webhook", {"url": "example.org"}, "url", "http:// or https://"),
        ("console", {"colour": True}, "colour", "unknown option"),
    ],
)
def test_option_errors_name_the_key(type_name: str, options: dict, key: str | None, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        validate_channel_options(type_name, options)
    assert getattr(caught.value, "key", None) == key
    assert reason in str(caught.value)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "::1"])
def test_email_login_without_encryption_only_to_localhost(host: str) -> None:
    login = {"username_env": "CLAIMWATCH_U", "password_env": "CLAIMWATCH_P", "security": "none"}
    validate_channel_options("email", {"to": "a@b.c", "from": "x@y.z", "host": host, **login})
    validate_channel_options(  # encrypted: any host
        "email", {"to": "a@b.c", "from": "x@y.z", "host": "smtp.example.org", **login, "security": "tls"}
    )
    validate_channel_options(  # no login: nothing secret goes over the wire
        "email", {"to": "a@b.c", "from": "x@y.z", "host": "smtp.example.org", "security": "none"}
    )


def test_config_reports_a_bad_channel_option_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "claimwatch.toml"
    path.write_text('[channels.desk]\ntype = "slack"\nchannel = "#d"\napi_url = "nope"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        parse_config(path)
    assert caught.value.line == 4 and "api_url" in str(caught.value)
    path.write_text(
        '[channels.mail]\ntype = "email"\nto = "a@b.c"\nfrom = "x@y.z"\nhost = "smtp.example.org"\n'
        'security = "none"\nusername_env = "CLAIMWATCH_U"\npassword_env = "CLAIMWATCH_P"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(path)
    assert caught.value.line == 7 and "username_env" in str(caught.value) and "clear" in str(caught.value)


def test_a_new_channel_type_is_one_small_class() -> None:
    sent: list[str] = []

    class ListOptions(ChannelOptions):
        prefix: str = ""

    @register_channel
    class ListChannel(Channel):
        type_name = "test-list"
        Options = ListOptions

        def send(self, message: render.AlertMessage, thread_ref: str | None = None) -> Receipt:
            sent.append(self.options.prefix + message.headline)  # type: ignore[attr-defined]
            return Receipt()

    try:
        validate_channel_options("test-list", {"prefix": "> "})
        make_channel("l", "test-list", {"prefix": "> "}).send(alert())
        assert sent == ["> United States: oppose -> support on ukraine strike inside russia"]
    finally:
        CHANNEL_TYPES.pop("test-list")


def test_console_prints_article_text_without_interpreting_markup(capsys: pytest.CaptureFixture[str]) -> None:
    make_channel("console", "console", {}).send(alert(text="[bold red]not markup[/] <!channel>"))
    out = capsys.readouterr().out
    assert "[bold red]not markup[/]" in out and "United States: oppose -> support" in out
