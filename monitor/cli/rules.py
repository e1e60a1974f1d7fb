"""`claimwatch rules check [PATH]` validates rule files; `claimwatch rules test` replays the stored history
through them and prints which alerts would fire and where. Nothing is sent."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from monitor.cli._common import (
    ConfigOption,
    FormatOption,
    OutputFormat,
    app,
    config_path,
    emit,
    err_console,
    handle_errors,
)
from monitor.errors import InputError, SecretError
from monitor.timeutil import parse_moment

if TYPE_CHECKING:  # the config models and the rule matcher: imported by the commands that use them
    from monitor.config import Config
    from monitor.rules import RuleSet

rules_app = typer.Typer(
    help="Check rule files and dry-run them against the stored history.", no_args_is_help=True
)
app.add_typer(rules_app, name="rules")


def _load(settings: "Config", path: Path | None, configured: bool) -> "RuleSet":
    target = path or settings.rules_path
    # Channel names are checked against the config's channels, unless no config file was found (then
    # a rule file can still be checked on its own).
    channels = set(settings.channels) if configured else None
    from monitor.rules import default_actor_resolver, load_rules

    resolver = default_actor_resolver([settings.resolve(p) for p in settings.actors])
    return load_rules(target, channels, resolve_actor=resolver)


def _short_path(where: str) -> str:
    try:
        return str(Path(where).relative_to(Path.cwd()))
    except ValueError:
        return where


@rules_app.command("check")
@handle_errors
def check(
    path: Annotated[
        Path | None,
        typer.Argument(help="A rule file or folder (default: the config's `rules`).", show_default=False),
    ] = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Validate rule files (file, line and reason on error) and list the rules they define."""
    from monitor.config import find_config, load_config

    config = config_path(config)
    configured = find_config(config) is not None
    settings = load_config(config)
    ruleset = _load(settings, path, configured)
    rows = [rule.describe() for rule in ruleset.rules]
    if fmt is OutputFormat.table:
        columns = ["id", "kinds", "actors", "topic", "stances", "channels", "limits", "file"]
        for row in rows:
            row["stances"] = f"{'|'.join(row['from']) or 'any'} -> {'|'.join(row['to']) or 'any'}"
            limits = [f"{key} {row[key]}" for key in ("cooldown", "digest") if row[key]]
            if row["min_sources"] > 1:
                limits.append(f"min_sources {row['min_sources']}")
            row["limits"] = "; ".join([row["severity"], *limits])
            row["file"] = _short_path(row["file"])
    else:
        from monitor.rules import RULE_KEYS

        columns = [key for key in RULE_KEYS if key != "min_sources_within"] + ["file"]
    emit(rows, fmt, columns, json_key="rules", title="rules", empty="no rules")
    if fmt is OutputFormat.table:
        note = "" if configured else " (channel names not checked: no config file found)"
        err_console.print(f"{len(ruleset)} rule(s) OK in {len(ruleset.files)} file(s){note}", markup=False)
    # The rules are fine; whether their channels can send is checked too, so a missing token shows
    # up here rather than as dead alerts later.
    from monitor.alerts.channels import missing_secrets  # late: httpx and smtplib are slow to import

    used = {channel for rule in ruleset.rules if rule.enabled for channel in rule.channels}
    problems = missing_secrets({name: settings.channels[name] for name in used if name in settings.channels})
    if problems:
        raise SecretError("; ".join(problems))


@rules_app.command("test")
@handle_errors
def test(
    since: Annotated[
        str, typer.Option("--since", help="Replay changes detected since (a date, or an age such as 30d).")
    ] = "30d",
    until: Annotated[str | None, typer.Option("--until", help="...and until.", show_default=False)] = None,
    path: Annotated[
        Path | None, typer.Option("--rules", help="Rule file or folder to test (default: the config's).")
    ] = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Replay stored changes through the rules, with cooldown, digest and min_sources as the daemon
    applies them, and print the alerts that would fire. Nothing is sent or written."""
    from monitor.alerts.outbox import replay
    from monitor.config import find_config, load_config
    from monitor.store import open_store

    config = config_path(config)
    configured = find_config(config) is not None
    settings = load_config(config)
    ruleset = _load(settings, path, configured)
    try:
        start = parse_moment(since)
        end = parse_moment(until) if until else None
    except ValueError as exc:
        raise InputError(f"--since/--until: {exc}") from None
    store = open_store(settings.database_url)
    try:
        with store.session(write=False) as session:
            rows = replay(session, ruleset, start, end)
    finally:
        store.close()
    out = [
        {
            "change_id": r.change_id,
            "when": r.when.strftime("%Y-%m-%dT%H:%MZ"),
            "rule": r.rule,
            "channel": r.channel,
            "severity": r.severity,
            "outcome": r.outcome,
            "reason": r.reason,
            "headline": r.headline,
            "source": r.source,
        }
        for r in rows
    ]
    emit(
        out,
        fmt,
        ["change_id", "when", "rule", "channel", "outcome", "severity", "headline", "reason"],
        json_key="alerts",
        title="alerts the rules would send (nothing was sent)",
        empty="no change matches",
    )
    if fmt is OutputFormat.table:
        sends = sum(1 for r in rows if r.outcome in ("send", "digest"))
        err_console.print(f"{sends} alert(s) would be sent, {len(rows) - sends} held back", markup=False)
