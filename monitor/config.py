"""Load and validate claimwatch's TOML configuration.

Where the file comes from: `--config PATH`, else `$CLAIMWATCH_CONFIG`, else `./claimwatch.toml`, else
`<user config dir>/claimwatch/claimwatch.toml`, else the built-in defaults (a SQLite file in the user's
data directory, the bundled sample sources, console alerts). `$CLAIMWATCH_DATABASE_URL` overrides the
store URL. Secrets never live here: channels name the environment variables that hold them.

A broken file raises `ConfigError` naming the file, the line and the reason; nothing starts.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from monitor.errors import ConfigError
from monitor.timeutil import parse_duration
from monitor.tomlfile import describe_path, load_toml, locate

APP = "claimwatch"
PACKAGE_DIR = Path(__file__).resolve().parent
SAMPLES_DIR = PACKAGE_DIR / "samples"


def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return parse_duration(value)


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError("must be longer than 0s")
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]
# Timeouts, leases and periods of 0 would silently switch off what they guarantee (a lease of 0s is no
# mutual exclusion at all), so those must be positive.
PositiveDuration = Annotated[timedelta, BeforeValidator(_duration), AfterValidator(_positive)]


class _Section(BaseModel):
    # Unknown keys are errors: a typo ("intervall") must not silently fall back to a default.
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreConfig(_Section):
    url: str | None = None  # None: sqlite:///<user data dir>/claimwatch.db


class FetchConfig(_Section):
    user_agent: str = "claimwatch/0.1 (+https://github.com/claimwatch/claimwatch)"
    timeout: PositiveDuration = timedelta(seconds=20)
    connect_timeout: PositiveDuration = timedelta(seconds=10)
    max_bytes: int = Field(default=5_000_000, gt=0)
    max_redirects: int = Field(default=5, ge=0)
    concurrency: int = Field(default=64, gt=0)
    per_host_concurrency: int = Field(default=4, gt=0)
    per_host_delay: Duration = timedelta(0)
    retries: int = Field(default=2, ge=0)
    retry_backoff: Duration = timedelta(seconds=1)
    retry_after_max: Duration = timedelta(seconds=60)  # a server's Retry-After is honoured up to this
    # "source": a request may reach a loopback/private/link-local address only when its source's own URL
    # is at one (a public page cannot redirect into the local network); "allow": always; "deny": never
    private_addresses: Literal["source", "allow", "deny"] = "source"
    content_types: tuple[str, ...] = (
        "text/html",
        "application/xhtml+xml",
        "text/plain",
        "application/rss+xml",
        "application/atom+xml",
        "application/xml",
        "text/xml",
    )


class RecheckStep(_Section):
    """Articles younger than `age` are re-checked every `every`."""

    age: PositiveDuration
    every: PositiveDuration


class ArticlesConfig(_Section):
    """How articles discovered through feeds are re-checked: often while new, rarely when old."""

    recheck: tuple[RecheckStep, ...] = (
        RecheckStep(age=timedelta(hours=6), every=timedelta(minutes=15)),
        RecheckStep(age=timedelta(days=2), every=timedelta(hours=1)),
        RecheckStep(age=timedelta(days=7), every=timedelta(hours=6)),
    )
    retire_after: PositiveDuration = timedelta(days=14)
    # An extraction keeping less than this share of the previous version's text is a failure, not news.
    min_text_ratio: float = Field(default=0.3, ge=0, le=1)
    # A feed of 50,000 entries must not become 50,000 tracked articles: the newest this many are kept.
    max_per_feed: int = Field(default=200, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> ArticlesConfig:
        ages = [step.age for step in self.recheck]
        if ages != sorted(ages) or len(set(ages)) != len(ages):
            raise ValueError("recheck steps must be listed by increasing age")
        return self


class SchedulerConfig(_Section):
    jitter: float = Field(default=0.1, ge=0, le=1)  # fraction of each interval
    startup_spread: Duration = timedelta(seconds=30)  # first checks are spread over this window
    # On SIGTERM, checks in flight may finish for this long; a worker's claim on a source it checks
    # (several workers on one PostgreSQL) lasts `lease` and is renewed every third of it while the
    # check runs, so a worker that died (on any host) loses its claims within one `lease`.
    shutdown_grace: PositiveDuration = timedelta(seconds=10)
    lease: PositiveDuration = timedelta(minutes=2)


class AnalysisConfig(_Section):
    # Worker processes for a changed page's extraction and claims (monitor/analysis.py): None = the
    # machine's cores, 0 = none (everything in the checking process, as before issue 14).
    workers: int | None = Field(default=None, ge=0, le=64)


class AlertsConfig(_Section):
    max_attempts: int = Field(default=8, gt=0)
    backoff: PositiveDuration = timedelta(seconds=30)
    max_backoff: PositiveDuration = timedelta(hours=1)
    dispatch_every: PositiveDuration = timedelta(seconds=5)
    # How long a dispatcher owns an alert it is sending; a killed dispatcher's alerts are taken over
    # (and checked for an earlier delivery) once this has passed.
    lease: PositiveDuration = timedelta(minutes=2)


class JudgeConfig(_Section):
    """`[judge]`: an optional language model that confirms (`verify`) or finds (`full`) position shifts.

    Absent, the offline engine decides alone. The API key is read from the environment variable named
    by `api_key_env` when a request is sent; it is never stored or logged.
    """

    type: str = "openai"  # a registered judge backend (monitor/judge/backends.py)
    model: str
    base_url: str | None = None  # None: the backend's default (api.openai.com for "openai")
    api_key_env: str | None = None  # None: no key (local servers); the variable must be set if named
    timeout: PositiveDuration = timedelta(seconds=60)
    mode: Literal["verify", "full"] = "verify"
    # Spending limits per rolling hour; a request over either waits (its pair is judged later).
    max_requests_per_hour: int | None = Field(default=None, gt=0)
    max_tokens_per_hour: int | None = Field(default=None, gt=0)
    # "json_schema": ask for a JSON schema (OpenAI, vLLM, llama.cpp, Ollama); "json_object": JSON mode
    # only; "none": plain text (the answer is still parsed tolerantly)
    response_format: Literal["json_schema", "json_object", "none"] = "json_schema"
    max_request_chars: int = Field(default=24_000, gt=1000)  # a request's sentences are cut beyond this
    temperature: float = Field(default=0.0, ge=0, le=2)
    retry_after: PositiveDuration = timedelta(minutes=5)  # wait before a failed pair is asked again

    @model_validator(mode="after")
    def _check(self) -> JudgeConfig:
        if not self.model.strip():
            raise ValueError("'model' must name the model")
        if self.base_url is not None and not re.match(r"^https?://", self.base_url):
            raise ValueError(f"base_url must start with http:// or https://, got {self.base_url!r}")
        return self


_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


class SourceConfig(_Section):
    name: str
    type: Literal["page", "feed", "file"] = "page"
    url: str | None = None
    path: Path | None = None
    interval: Duration = timedelta(minutes=15)
    tags: tuple[str, ...] = ()
    enabled: bool = True

    @model_validator(mode="after")
    def _check(self) -> SourceConfig:
        if not _NAME.match(self.name):
            raise ValueError(f"source name {self.name!r} may hold letters, digits, '-', '_' and '.' only")
        if self.type == "file":
            if self.path is None:
                raise ValueError("a 'file' source needs 'path'")
            if self.url is not None:
                raise ValueError("a 'file' source takes 'path', not 'url'")
        else:
            if not self.url:
                raise ValueError(f"a '{self.type}' source needs 'url'")
            if not re.match(r"^https?://", self.url):
                raise ValueError(f"url must start with http:// or https://, got {self.url!r}")
        if self.interval < timedelta(seconds=1):
            raise ValueError("interval must be at least 1s")
        return self

    @property
    def location(self) -> str:
        return self.url if self.url is not None else str(self.path)


class ChannelConfig(BaseModel):
    """A named alert channel. `type` picks the channel class; its options are checked by that class."""

    model_config = ConfigDict(extra="allow", frozen=True)
    type: str

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Config(_Section):
    store: StoreConfig = StoreConfig()
    fetch: FetchConfig = FetchConfig()
    articles: ArticlesConfig = ArticlesConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    analysis: AnalysisConfig = AnalysisConfig()
    alerts: AlertsConfig = AlertsConfig()
    rules: Path = Path("rules")
    actors: tuple[Path, ...] = ()  # extra actor gazetteer files
    sources: tuple[SourceConfig, ...] = ()
    channels: dict[str, ChannelConfig] = {}
    judge: JudgeConfig | None = None  # None: the offline engine alone
    # Where the values came from, for messages and for resolving relative paths.
    path: Path | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _unique_sources(self) -> Config:
        seen: set[str] = set()
        for source in self.sources:
            if source.name in seen:
                raise ValueError(f"two sources are named {source.name!r}")
            seen.add(source.name)
        return self

    @property
    def database_url(self) -> str:
        env = os.environ.get("CLAIMWATCH_DATABASE_URL")
        if env:
            return env
        if self.store.url:
            return self._resolve_sqlite(self.store.url)
        data_dir = Path(platformdirs.user_data_dir(APP))
        return f"sqlite:///{data_dir / 'claimwatch.db'}"

    def _resolve_sqlite(self, url: str) -> str:
        """`sqlite:///claimwatch.db` in a config file means beside that file, like every other path in
        it: a daemon started from / and the CLI run elsewhere must open the same database."""
        prefix = "sqlite:///"
        if not url.startswith(prefix) or url.startswith(prefix + "/") or url == "sqlite://":
            return url
        rest = url[len(prefix) :]
        path, sep, query = rest.partition("?")
        if not path or path == ":memory:":
            return url
        return f"{prefix}{self.resolve(Path(path))}{sep}{query}"

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def resolve(self, path: Path) -> Path:
        """Relative paths in a config file are relative to that file."""
        return path if path.is_absolute() else self.base_dir / path

    @property
    def rules_path(self) -> Path:
        return self.resolve(self.rules)

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)


def default_config() -> Config:
    """The embedded default: SQLite in the user's data dir, console alerts, the packaged rules.

    It watches nothing until sources are configured; `claimwatch demo` runs the bundled sample story.
    """
    return Config(channels={"console": ChannelConfig(type="console")}, rules=SAMPLES_DIR / "rules")


def find_config(explicit: Path | None = None) -> Path | None:
    """The config file to use, or None for the built-in defaults."""
    if explicit is not None:
        return explicit
    env = os.environ.get("CLAIMWATCH_CONFIG")
    if env:
        return Path(env)
    local = Path("claimwatch.toml")
    if local.is_file():
        return local
    user = Path(platformdirs.user_config_dir(APP)) / "claimwatch.toml"
    if user.is_file():
        return user
    return None


def load_config(explicit: Path | None = None) -> Config:
    path = find_config(explicit)
    if path is None:
        return default_config()
    return parse_config(path)


def parse_config(path: Path) -> Config:
    data, text = load_toml(path, ConfigError)
    try:
        config = Config.model_validate({**data, "path": path.resolve()})
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        # pydantic reports validators of a whole table at the table; report the table's line then.
        line = locate(text, loc) if loc else None
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}"
        elif error["type"] == "missing":
            message = f"missing required key {loc[-1]!r}"
        more = f" (and {exc.error_count() - 1} more problem(s))" if exc.error_count() > 1 else ""
        raise ConfigError(path, message + more, line, describe_path(loc) if loc else None) from None
    _check_channels(config, path, text)
    _check_judge(config, path, text)
    _warn_if_exposed(path, config)
    return config


def _check_judge(config: Config, path: Path, text: str) -> None:
    if config.judge is None:
        return
    from monitor.judge.backends import JUDGE_TYPES  # late: only a config with [judge] needs it

    if config.judge.type not in JUDGE_TYPES:
        known = ", ".join(sorted(JUDGE_TYPES))
        line = locate(text, ("judge", "type"))
        raise ConfigError(
            path, f"unknown judge type {config.judge.type!r} (known: {known})", line, "judge.type"
        )


def _warn_if_exposed(path: Path, config: Config) -> None:
    """Warn when other users can read a config file that holds credentials (in a URL's user info).
    Secrets proper live in environment variables; a URL with `user:password@` is the one way a
    config file can hold one."""
    from monitor.redact import has_credentials

    try:
        mode = path.stat().st_mode
    except OSError:
        return
    if not mode & 0o004:
        return
    urls = [s.url for s in config.sources] + [
        str(value) for channel in config.channels.values() for value in channel.options.values()
    ]
    if any(has_credentials(url) for url in urls if isinstance(url, str)):
        logging.getLogger("monitor.config").warning(
            "%s holds credentials in a URL and other users can read it: chmod 600 %s", path, path
        )


def _check_channels(config: Config, path: Path, text: str) -> None:
    """Each channel's options are validated by its channel class, so errors carry file and line too."""
    if not config.channels:
        return  # nothing to check: the channel classes (smtplib, email, httpx) are not imported
    from monitor.alerts.channels import validate_channel_options  # late: alerts imports config

    for name, channel in config.channels.items():
        try:
            validate_channel_options(channel.type, channel.options)
        except ValueError as exc:
            key = getattr(exc, "key", None)
            loc: tuple[str | int, ...] = ("channels", name, key) if key else ("channels", name, "type")
            line = locate(text, loc)
            raise ConfigError(path, f"channel {name!r}: {exc}", line, describe_path(loc)) from None
