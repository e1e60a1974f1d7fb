"""Alert channels: where a rendered alert goes. One small class per type, registered by name.

A channel type declares its options as a pydantic model (unknown keys are errors), and implements
`send(message, thread_ref)`. It raises `DeliveryError` when the far end did not accept the message:
`transient=True` (the default) is retried with backoff, `transient=False` goes straight to `dead`;
`retry_after` carries a server's request to wait (Slack's 429 Retry-After). `in_doubt=True` on the
error means the request may have arrived anyway (a 5xx, a timeout after sending): the dispatcher then
asks `find_delivered()` before trying again, which closes the double-send window for Slack.

Secrets (tokens, passwords) are read from environment variables at send time; they are never stored
in the database, never put in messages, never logged.

Why one module of ~660 lines: every channel type is a small registered class, and they are read
side by side (options, send, send budget, in-doubt lookups); a new type is one more class here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import smtplib
import socket
import ssl
import sys
import threading
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, ClassVar, Literal

import httpx
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from monitor.alerts import render
from monitor.errors import DeliveryError

log = logging.getLogger(__name__)


class ChannelOptionError(ValueError):
    """A bad channel option; `key` names it (config.py turns this into file:line)."""

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        self.key = key


class ChannelOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the far end said: `ref` identifies the delivered message (Slack ts, Message-ID)."""

    ref: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


class Channel:
    """Base class. Subclasses set `type_name` and `Options`, and implement `send`."""

    type_name: ClassVar[str]
    Options: ClassVar[type[ChannelOptions]] = ChannelOptions
    threads: ClassVar[bool] = False  # does `send` use `thread_ref` (replies under a first message)?

    def __init__(self, name: str, options: ChannelOptions):
        self.name = name
        self.options = options

    @classmethod
    def from_options(cls, name: str, raw: dict[str, Any]) -> Channel:
        return cls(name, parse_options(cls, raw))

    def send(self, message: render.AlertMessage, thread_ref: str | None = None) -> Receipt:
        raise NotImplementedError

    def find_delivered(
        self, message: render.AlertMessage, since: datetime, hints: dict[str, Any]
    ) -> Receipt | None:
        """After an attempt whose outcome is unknown: the earlier delivery, if the channel can tell.

        None means "not found or cannot tell": the alert is sent (again). See docs/decisions.md.
        """
        return None

    def secret_envs(self) -> tuple[str, ...]:
        """The environment variables this channel reads its secrets from (checked at start)."""
        return ()

    def send_budget(self) -> tuple[float, str] | None:
        """How long one `send` can take at most (seconds, and how that adds up); None: no limit known.

        The dispatcher's lease on an alert must outlast its send (see `dispatch.lease_shortfall`).
        """
        return None

    def close(self) -> None:
        """Release connections. Channels are cheap; the dispatcher makes them per round."""


CHANNEL_TYPES: dict[str, type[Channel]] = {}


def register_channel(cls: type[Channel]) -> type[Channel]:
    CHANNEL_TYPES[cls.type_name] = cls
    return cls


def parse_options(cls: type[Channel], raw: dict[str, Any]) -> ChannelOptions:
    try:
        return cls.Options.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [str(part) for part in error["loc"]]
        key = loc[0] if loc else None
        if error["type"] == "extra_forbidden":
            message = f"unknown option {key!r} for a {cls.type_name} channel"
        elif error["type"] == "missing":
            message = f"a {cls.type_name} channel needs {key!r}"
        else:
            where = ".".join(loc)
            message = f"{where}: {error['msg'].removeprefix('Value error, ')}" if where else error["msg"]
        raise ChannelOptionError(message, key) from None


def validate_channel_options(type_name: str, options: dict[str, Any]) -> None:
    """Check a configured channel's options; raises ValueError (with `.key`) naming the bad one."""
    cls = CHANNEL_TYPES.get(type_name)
    if cls is None:
        raise ChannelOptionError(
            f"unknown channel type {type_name!r} (one of: {', '.join(sorted(CHANNEL_TYPES))})", "type"
        )
    parse_options(cls, options)


def make_channel(name: str, type_name: str, options: dict[str, Any]) -> Channel:
    cls = CHANNEL_TYPES.get(type_name)
    if cls is None:
        raise ChannelOptionError(f"unknown channel type {type_name!r}", "type")
    return cls.from_options(name, options)


# Which environment variables a channel may read a secret from. Whoever can edit the config could
# otherwise name any of the daemon's variables (a cloud key, a database password) as a webhook's
# `token_env` and have it sent to a URL of their choosing. The allow-list extension lives in the
# environment too, set by whoever starts the daemon, not in the config.
SECRET_PREFIX = "CLAIMWATCH_"
SECRET_NAMES = frozenset({"SLACK_BOT_TOKEN"})  # the Slack channel's documented default
SECRET_ALLOW_ENV = "CLAIMWATCH_SECRET_ENV"  # more names, comma-separated


def secret_name_allowed(name: str) -> bool:
    extra = {n.strip() for n in os.environ.get(SECRET_ALLOW_ENV, "").split(",") if n.strip()}
    return name.startswith(SECRET_PREFIX) or name in SECRET_NAMES or name in extra


def _env_name(value: str | None) -> str | None:
    if value is not None and (not value or not value.replace("_", "").isalnum()):
        raise ValueError("must name an environment variable (letters, digits, '_')")
    if value is not None and not secret_name_allowed(value):
        raise ValueError(
            f"{value!r} is not a variable claimwatch may read secrets from: use a name starting with "
            f"{SECRET_PREFIX} (or SLACK_BOT_TOKEN), or list it in ${SECRET_ALLOW_ENV}"
        )
    return value


def _secret(env: str, what: str) -> str:
    if not secret_name_allowed(env):  # the environment may have changed since the config was read
        raise DeliveryError(
            f"{what}: {env} is not a variable claimwatch may read secrets from", transient=False
        )
    value = os.environ.get(env)
    if not value:
        # Permanent: a process's environment does not change, so retrying cannot help. Commands that
        # send check every channel first (`missing_secrets`); this is reached only through a config
        # reloaded with a new channel. Once the variable is set, `alerts retry --dead` requeues.
        raise DeliveryError(f"{what}: environment variable {env} is not set", transient=False)
    return value


def missing_secrets(channels: dict[str, Any]) -> list[str]:
    """One line per configured channel secret whose environment variable is unset or empty
    (`channels`: the config's name -> ChannelConfig)."""
    problems = []
    for name, configured in sorted(channels.items()):
        channel = make_channel(name, configured.type, configured.options)
        for env in channel.secret_envs():
            if not os.environ.get(env):
                problems.append(
                    f"channel {name!r} ({configured.type}): environment variable {env} is not set"
                )
    return problems


# --- console -------------------------------------------------------------------------------------


class ConsoleOptions(ChannelOptions):
    stream: Literal["stdout", "stderr"] = "stdout"


@register_channel
class ConsoleChannel(Channel):
    """Prints the alert to the terminal (the default channel of the built-in config)."""

    type_name = "console"
    Options = ConsoleOptions

    def send(self, message: render.AlertMessage, thread_ref: str | None = None) -> Receipt:
        from rich.console import Console
        from rich.panel import Panel
        from rich.text import Text

        opts: ConsoleOptions = self.options  # type: ignore[assignment]
        stream = sys.stdout if opts.stream == "stdout" else sys.stderr
        console = Console(file=stream, highlight=False, soft_wrap=False)
        style = {"critical": "bold red", "warning": "yellow"}.get(message.severity, "cyan")
        # Text objects, not markup strings: "[bold]" in an article is printed, not interpreted.
        console.print(
            Panel(
                Text(render.plain_text(message)),
                title=Text(f"claimwatch alert · {message.severity}"),
                border_style=style,
                expand=False,
            )
        )
        stream.flush()
        return Receipt(ref=None)


# --- Slack ---------------------------------------------------------------------------------------


class SlackOptions(ChannelOptions):
    channel: str
    token_env: str = "SLACK_BOT_TOKEN"
    api_url: str = "https://slack.com/api/"
    timeout: float = Field(default=30, gt=0)
    # A 429 asking to wait at most this long is waited out inside the send (slack-sdk's retry handler);
    # longer waits end the attempt and the dispatcher comes back after Retry-After.
    max_rate_limit_wait: float = Field(default=5, ge=0)

    @field_validator("token_env")
    @classmethod
    def _env(cls, value: str | None) -> str | None:
        return _env_name(value)

    @field_validator("api_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value if value.endswith("/") else value + "/"

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name a channel (#name or an id such as C0123456)")
        return value.strip()


def _rate_limit_handler(max_wait: float) -> Any:
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    class BoundedRateLimitHandler(RateLimitErrorRetryHandler):
        """slack-sdk's 429 handler (sleeps Retry-After), but only for short waits."""

        def _can_retry(self, *, state: Any, request: Any, response: Any = None, error: Any = None) -> bool:
            if response is None or response.status_code != 429:
                return False
            return _retry_after(response.headers) <= max_wait

    return BoundedRateLimitHandler(max_retry_count=RATE_LIMIT_RETRIES)


RATE_LIMIT_RETRIES = 2  # 429s waited out inside one send


def _retry_after(headers: dict[str, Any]) -> float:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            value = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return 1.0
    return 1.0


# Slack errors that will not go away by retrying the same request.
_SLACK_PERMANENT = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "invalid_auth",
    "not_authed",
    "account_inactive",
    "token_revoked",
    "no_permission",
    "missing_scope",
    "invalid_blocks",
    "invalid_blocks_format",
    "msg_too_long",
    "restricted_action",
    "invalid_arguments",
    "too_many_attachments",
}
METADATA_EVENT = "claimwatch_alert"


@register_channel
class SlackChannel(Channel):
    """chat.postMessage with Block Kit; replies in the thread of the first message on an actor+topic.

    Every message carries `metadata` with the alert key, so after an attempt with an unknown outcome
    `find_delivered` can look for it in conversations.history instead of posting twice.
    """

    type_name = "slack"
    Options = SlackOptions
    threads = True

    def secret_envs(self) -> tuple[str, ...]:
        opts: SlackOptions = self.options  # type: ignore[assignment]
        return (opts.token_env,)

    def _client(self) -> Any:
        from slack_sdk import WebClient

        opts: SlackOptions = self.options  # type: ignore[assignment]
        token = _secret(opts.token_env, f"slack channel {self.name!r}")
        return WebClient(
            token=token,
            base_url=opts.api_url,
            timeout=int(max(1, opts.timeout)),
            retry_handlers=[_rate_limit_handler(opts.max_rate_limit_wait)],
        )

    def send(self, message: render.AlertMessage, thread_ref: str | None = None) -> Receipt:
        from slack_sdk.errors import SlackApiError

        opts: SlackOptions = self.options  # type: ignore[assignment]
        blocks, text = render.slack_payload(message)
        client = self._client()
        try:
            response = client.chat_postMessage(
                channel=opts.channel,
                text=text,
                blocks=blocks,
                thread_ts=thread_ref,
                unfurl_links=False,
                unfurl_media=False,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"alert_key": message.key}},
            )
        except SlackApiError as exc:
            raise _slack_error(exc) from None
        except Exception as exc:  # connection refused/reset, timeout: may or may not have arrived
            raise _in_doubt(DeliveryError(f"slack: {type(exc).__name__}: {exc}")) from None
        return Receipt(
            ref=str(response.get("ts")), data={"channel": response.get("channel"), "ts": response.get("ts")}
        )

    def send_budget(self) -> tuple[float, str] | None:
        opts: SlackOptions = self.options  # type: ignore[assignment]
        n = RATE_LIMIT_RETRIES
        return (
            (n + 1) * opts.timeout + n * opts.max_rate_limit_wait,
            f"{n + 1} requests of timeout {opts.timeout:g}s, {n} waits of max_rate_limit_wait "
            f"{opts.max_rate_limit_wait:g}s",
        )

    def find_delivered(
        self, message: render.AlertMessage, since: datetime, hints: dict[str, Any]
    ) -> Receipt | None:
        from slack_sdk.errors import SlackApiError

        client = self._client()
        channel_id = hints.get("channel_id") or self._channel_id(client)
        if not channel_id:
            log.warning(
                "slack %s: cannot check for an earlier delivery of %s (channel id unknown)",
                self.name,
                message.key,
            )
            return None
        cursor = None
        try:
            for _page in range(20):
                response = client.conversations_history(
                    channel=channel_id,
                    oldest=f"{since.timestamp():.6f}",
                    inclusive=True,
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
                for msg in response.get("messages") or []:
                    meta = msg.get("metadata") or {}
                    payload = meta.get("event_payload") or {}
                    if meta.get("event_type") == METADATA_EVENT and payload.get("alert_key") == message.key:
                        return Receipt(
                            ref=str(msg.get("ts")),
                            data={"channel": channel_id, "ts": msg.get("ts"), "found_in_history": True},
                        )
                cursor = (response.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        except SlackApiError as exc:
            raise _slack_error(exc) from None
        except Exception as exc:
            raise DeliveryError(f"slack: checking history: {type(exc).__name__}: {exc}") from None
        return None

    def _channel_id(self, client: Any) -> str | None:
        """The id of the configured channel: as written when it is one, else looked up by name."""
        opts: SlackOptions = self.options  # type: ignore[assignment]
        if not opts.channel.startswith("#") and opts.channel[:1] in "CGD" and opts.channel.isupper():
            return opts.channel
        wanted = opts.channel.lstrip("#")
        cursor = None
        try:
            for _page in range(50):
                response = client.conversations_list(
                    types="public_channel,private_channel", exclude_archived=True, limit=1000, cursor=cursor
                )
                for found in response.get("channels") or []:
                    if found.get("name") == wanted:
                        return str(found["id"])
                cursor = (response.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        except Exception as exc:  # missing scope, network: we cannot check, say so
            log.warning("slack %s: cannot look up channel %s: %s", self.name, opts.channel, exc)
        return None


def _in_doubt(error: DeliveryError) -> DeliveryError:
    error.in_doubt = True  # type: ignore[attr-defined]
    return error


def _slack_error(exc: Any) -> DeliveryError:
    response = exc.response
    status = getattr(response, "status_code", None)
    code = response.get("error") if response is not None and isinstance(response.data, dict) else None
    if status == 429 or code == "ratelimited":
        wait = _retry_after(getattr(response, "headers", {}) or {})
        return DeliveryError(f"slack: rate limited (retry after {wait:g}s)", retry_after=wait)
    if status is not None and status >= 500:
        return _in_doubt(DeliveryError(f"slack: server error {status}"))
    if code in _SLACK_PERMANENT:
        return DeliveryError(f"slack: {code}", transient=False)
    return DeliveryError(f"slack: {code or f'HTTP {status}'}")


# --- email ---------------------------------------------------------------------------------------


def _address(value: str) -> str:
    value = value.strip()
    if "\n" in value or "\r" in value or "@" not in value or " " in value.split("<")[-1]:
        raise ValueError(f"not an email address: {value!r}")
    return value


class EmailOptions(ChannelOptions):
    to: tuple[str, ...]
    from_: str = Field(alias="from")
    host: str = "localhost"
    port: int | None = Field(default=None, gt=0, lt=65536)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username_env: str | None = None
    password_env: str | None = None
    timeout: float = Field(default=30, gt=0)

    @field_validator("username_env", "password_env")
    @classmethod
    def _env(cls, value: str | None, info: ValidationInfo) -> str | None:
        value = _env_name(value)
        # host and security are declared (so validated) before these two.
        host, security = info.data.get("host", "localhost"), info.data.get("security")
        if value is not None and security == "none" and not _is_loopback(host):
            raise ValueError(
                f'a login with security = "none" would send the SMTP credentials to {host} in clear '
                'text; use security = "starttls" or "tls" (a login without encryption is allowed '
                "only to localhost, 127.0.0.1 or ::1)"
            )
        return value

    @field_validator("to", mode="before")
    @classmethod
    def _to(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list | tuple):
            if not value:
                raise ValueError("needs at least one address")
            return tuple(_address(v) if isinstance(v, str) else v for v in value)
        return value

    @field_validator("from_")
    @classmethod
    def _from(cls, value: str) -> str:
        return _address(value)

    @model_validator(mode="after")
    def _login(self) -> EmailOptions:
        if (self.username_env is None) != (self.password_env is None):
            raise ValueError("give both username_env and password_env, or neither")
        return self

    @property
    def effective_port(self) -> int:
        return self.port or {"starttls": 587, "tls": 465, "none": 25}[self.security]

    @property
    def domain(self) -> str:
        return self.from_.rsplit("@", 1)[-1].strip(">").strip() or "claimwatch"


def _is_loopback(host: str) -> bool:
    return host.strip().strip("[]").casefold() in {"localhost", "127.0.0.1", "::1"}


def build_email(message: render.AlertMessage, opts: EmailOptions) -> EmailMessage:
    """The email for an alert: plain text + HTML alternatives, a Message-ID derived from the alert key."""
    mail = EmailMessage()
    mail["Subject"] = render.email_subject(message)  # one line: article text cannot add headers
    mail["From"] = opts.from_
    mail["To"] = ", ".join(opts.to)
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = render.message_id(message.key, opts.domain)
    if message.thread_key:
        root = render.thread_message_id(message.thread_key, opts.domain)
        mail["In-Reply-To"] = root
        mail["References"] = root
    mail["X-Claimwatch-Alert"] = render.one_line(message.key, 200)
    mail["X-Claimwatch-Severity"] = message.severity
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(render.email_text(message))
    mail.add_alternative(render.email_html(message), subtype="html")
    return mail


@register_channel
class EmailChannel(Channel):
    type_name = "email"
    Options = EmailOptions

    def secret_envs(self) -> tuple[str, ...]:
        opts: EmailOptions = self.options  # type: ignore[assignment]
        return tuple(env for env in (opts.username_env, opts.password_env) if env)

    def send_budget(self) -> tuple[float, str] | None:
        opts: EmailOptions = self.options  # type: ignore[assignment]
        return opts.timeout, f"timeout {opts.timeout:g}s for the whole SMTP exchange"

    def send(self, message: render.AlertMessage, thread_ref: str | None = None) -> Receipt:
        opts: EmailOptions = self.options  # type: ignore[assignment]
        mail = build_email(message, opts)
        context = ssl.create_default_context()
        smtp: smtplib.SMTP = (
            smtplib.SMTP_SSL(timeout=opts.timeout, context=context)
            if opts.security == "tls"
            else smtplib.SMTP(timeout=opts.timeout)
        )
        # smtplib's timeout is per socket operation: a server answering a byte at a time never hits
        # it. `timeout` bounds the whole exchange: when it runs out the socket is shut down, which
        # wakes the blocked read with an error.
        expired = threading.Event()

        def cut() -> None:
            expired.set()
            sock = getattr(smtp, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

        timer = threading.Timer(opts.timeout, cut)
        timer.daemon = True
        timer.start()
        try:
            refused = self._exchange(smtp, mail, opts, context)
        except DeliveryError:
            if expired.is_set():
                raise _in_doubt(
                    DeliveryError(f"email: no complete answer within {opts.timeout:g}s")
                ) from None
            raise
        finally:
            timer.cancel()
        if refused:
            log.warning("email %s: some recipients refused: %s", self.name, sorted(refused))
        return Receipt(ref=mail["Message-ID"], data={"refused": sorted(refused)} if refused else {})

    def _exchange(
        self, smtp: smtplib.SMTP, mail: EmailMessage, opts: EmailOptions, context: ssl.SSLContext
    ) -> dict[str, Any]:
        try:
            with smtp:
                smtp.connect(opts.host, opts.effective_port)
                if opts.security == "starttls":
                    smtp.starttls(context=context)
                if opts.username_env and opts.password_env:
                    smtp.login(
                        _secret(opts.username_env, f"email channel {self.name!r}"),
                        _secret(opts.password_env, f"email channel {self.name!r}"),
                    )
                return dict(smtp.send_message(mail))
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(
                f"email: all recipients refused ({codes})", transient=any(400 <= c < 500 for c in codes)
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"email: login refused ({exc.smtp_code})", transient=False) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"email: server said {exc.smtp_code}", transient=exc.smtp_code < 500
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"email: {type(exc).__name__}: {exc}") from None


# --- webhook -------------------------------------------------------------------------------------


class WebhookOptions(ChannelOptions):
    url: str
    token_env: str | None = None  # sent as "Authorization: Bearer <token>"
    timeout: float = Field(default=10, gt=0)

    @field_validator("token_env")
    @classmethod
    def _env(cls, value: str | None) -> str | None:
        return _env_name(value)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value


@register_channel
class WebhookChannel(Channel):
    """POSTs the alert as JSON; the `Idempotency-Key` header lets the receiver drop repeats."""

    type_name = "webhook"
    Options = WebhookOptions

    def send_budget(self) -> tuple[float, str] | None:
        opts: WebhookOptions = self.options  # type: ignore[assignment]
        return opts.timeout, f"timeout {opts.timeout:g}s for the whole request"

    def secret_envs(self) -> tuple[str, ...]:
        opts: WebhookOptions = self.options  # type: ignore[assignment]
        return (opts.token_env,) if opts.token_env else ()

    def send(self, message: render.AlertMessage, thread_ref: str | None = None) -> Receipt:
        opts: WebhookOptions = self.options  # type: ignore[assignment]
        headers = {"Idempotency-Key": message.key, "User-Agent": "claimwatch"}
        if opts.token_env:
            headers["Authorization"] = "Bearer " + _secret(opts.token_env, f"webhook channel {self.name!r}")
        try:
            # `timeout` bounds the whole request: httpx's own timeouts are per socket operation, and a
            # receiver answering one byte at a time would hold the send for ever.
            response = asyncio.run(_post_json(opts.url, render.json_payload(message), headers, opts.timeout))
        except TimeoutError:
            raise _in_doubt(DeliveryError(f"webhook: no complete answer within {opts.timeout:g}s")) from None
        except httpx.HTTPError as exc:
            raise _in_doubt(DeliveryError(f"webhook: {type(exc).__name__}: {exc}")) from None
        if response.status_code == 429:
            raise DeliveryError("webhook: rate limited", retry_after=_retry_after(dict(response.headers)))
        if response.status_code >= 500:
            raise DeliveryError(f"webhook: server error {response.status_code}")
        if response.status_code >= 400:
            raise DeliveryError(f"webhook: refused with {response.status_code}", transient=False)
        return Receipt(ref=None, data={"status": response.status_code})


async def _post_json(url: str, payload: Any, headers: dict[str, str], timeout: float) -> httpx.Response:
    async with asyncio.timeout(timeout), httpx.AsyncClient(timeout=timeout) as client:
        return await client.post(url, json=payload, headers=headers)
