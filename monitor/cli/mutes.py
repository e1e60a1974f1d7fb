"""`claimwatch sources mute NAME --for 6h`, `claimwatch rules mute ID --for 2h`, their `unmute`, and
`claimwatch rules mutes`: quiet a noisy source or rule for a while without editing any file.

A mute lives in the store (table `mutes`), not in the config: the config and the rule files stay the
user's, and every process sharing the database (a daemon, `check`, several workers on PostgreSQL)
sees it at once, with no reload. While it runs, changes are recorded as ever and their alerts are
stored as `suppressed` with the reason (`claimwatch alerts --status suppressed`).
"""

from datetime import datetime
from typing import Annotated, Any

import typer

from monitor.cli._common import (
    ConfigOption,
    FormatOption,
    OutputFormat,
    console,
    emit,
    get_config,
    handle_errors,
)
from monitor.cli.daemon import sources_app
from monitor.cli.rules import rules_app
from monitor.errors import InputError
from monitor.timeutil import ensure_utc, parse_duration, utcnow

ForOption = Annotated[str, typer.Option("--for", help="How long: 30m, 6h, 2d.", show_default=False)]


def _until(duration: str) -> datetime:
    try:
        span = parse_duration(duration)
    except ValueError as exc:
        raise InputError(f"--for: {exc}") from None
    if span.total_seconds() <= 0:
        raise InputError("--for: must be a positive duration, e.g. 6h")
    return utcnow() + span


def _set(config: Any, kind: str, name: str, until: datetime | None) -> None:
    """Mute (until a time) or unmute (None) one source or rule, in one transaction."""
    from sqlmodel import select

    from monitor.store import open_store
    from monitor.store.tables import MuteRow

    store = open_store(config.database_url)
    try:
        with store.session() as session:
            row = session.exec(select(MuteRow).where(MuteRow.kind == kind, MuteRow.name == name)).first()
            if until is None:
                if row is None or ensure_utc(row.until) <= utcnow():
                    raise InputError(f"{kind} {name!r} is not muted")
                session.delete(row)
                return
            row = row or MuteRow(kind=kind, name=name, until=until)
            row.until, row.created_at = until, utcnow()
            session.add(row)
    finally:
        store.close()


def _known_source(config: Any, name: str) -> None:
    if name not in {s.name for s in config.sources}:
        known = ", ".join(sorted(s.name for s in config.sources)) or "none configured"
        raise InputError(f"unknown source: {name} (known: {known})")


def _known_rule(config: Any, rule_id: str) -> None:
    from monitor.rules import default_actor_resolver, load_rules

    ruleset = load_rules(
        config.rules_path,
        set(config.channels),
        resolve_actor=default_actor_resolver([config.resolve(p) for p in config.actors]),
    )
    ids = [rule.id for rule in ruleset.rules]
    if rule_id not in ids:
        raise InputError(f"unknown rule: {rule_id} (known: {', '.join(ids) or 'none'})")


@sources_app.command("mute")
@handle_errors
def mute_source(
    name: Annotated[str, typer.Argument(help="The source's name.", show_default=False)],
    duration: ForOption,
    config: ConfigOption = None,
) -> None:
    """Send no alerts for this source's changes for a while (they are recorded, and kept as suppressed)."""
    settings = get_config(config)
    _known_source(settings, name)
    until = _until(duration)
    _set(settings, "source", name, until)
    console.print(f"source {name}: alerts muted until {until.isoformat(timespec='seconds')}", markup=False)


@sources_app.command("unmute")
@handle_errors
def unmute_source(
    name: Annotated[str, typer.Argument(help="The source's name.", show_default=False)],
    config: ConfigOption = None,
) -> None:
    """End a source's mute now."""
    settings = get_config(config)
    _set(settings, "source", name, None)
    console.print(f"source {name}: alerts on again", markup=False)


@rules_app.command("mute")
@handle_errors
def mute_rule(
    rule_id: Annotated[str, typer.Argument(help="The rule's id.", show_default=False)],
    duration: ForOption,
    config: ConfigOption = None,
) -> None:
    """Send no alerts from this rule for a while (its matches are kept as suppressed)."""
    settings = get_config(config)
    _known_rule(settings, rule_id)
    until = _until(duration)
    _set(settings, "rule", rule_id, until)
    console.print(f"rule {rule_id}: muted until {until.isoformat(timespec='seconds')}", markup=False)


@rules_app.command("unmute")
@handle_errors
def unmute_rule(
    rule_id: Annotated[str, typer.Argument(help="The rule's id.", show_default=False)],
    config: ConfigOption = None,
) -> None:
    """End a rule's mute now."""
    settings = get_config(config)
    _set(settings, "rule", rule_id, None)
    console.print(f"rule {rule_id}: on again", markup=False)


@rules_app.command("mutes")
@handle_errors
def list_mutes(config: ConfigOption = None, fmt: FormatOption = OutputFormat.table) -> None:
    """The mutes in force, sources and rules, with when each ends."""
    from sqlmodel import select

    from monitor.store import open_store
    from monitor.store.tables import MuteRow

    settings = get_config(config)
    store = open_store(settings.database_url)
    try:
        with store.session(write=False) as session:
            rows = session.exec(select(MuteRow).where(MuteRow.until > utcnow()).order_by(MuteRow.until)).all()
            found = [
                {"kind": r.kind, "name": r.name, "until": ensure_utc(r.until).isoformat(timespec="seconds")}
                for r in rows
            ]
    finally:
        store.close()
    emit(found, fmt, ["kind", "name", "until"], json_key="mutes", title="mutes", empty="nothing is muted")
