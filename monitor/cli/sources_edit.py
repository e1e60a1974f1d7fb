"""`claimwatch sources add/remove/enable/disable`: manage the config's sources from the command line.

The config file stays the one place sources are defined; these commands edit its `[[sources]]`
tables in place (see `monitor.config_edit`: comments and layout kept, the result validated first, the
previous file kept as `.bak`). A running daemon takes the change on SIGHUP (`systemctl reload`).
"""

from enum import StrEnum
from typing import Annotated, Any

import typer

from monitor.cli._common import ConfigOption, config_path, console, get_config, handle_errors
from monitor.cli.daemon import sources_app
from monitor.errors import InputError


class SourceType(StrEnum):
    page = "page"
    feed = "feed"
    file = "file"


def _config_file(config: Any) -> Any:
    settings = get_config(config)
    if settings.path is None:
        raise InputError(
            "no config file to edit: create one (cp config.example.toml claimwatch.toml) or pass --config"
        )
    return settings


def _done(what: str, path: Any, backup: Any) -> None:
    console.print(
        f"{what} in {path} (the previous version is {backup.name}); a running daemon takes it on "
        "SIGHUP (systemctl reload claimwatch)",
        markup=False,
        soft_wrap=True,
    )


@sources_app.command("add")
@handle_errors
def add(
    name: Annotated[
        str, typer.Argument(help="A new source name: letters, digits, '-', '_', '.'.", show_default=False)
    ],
    location: Annotated[
        str, typer.Argument(help="The page or feed URL, or the file's path.", show_default=False)
    ],
    type_: Annotated[SourceType, typer.Option("--type", "-t", help="page, feed or file.")] = SourceType.page,
    interval: Annotated[
        str | None, typer.Option("--interval", help="How often to check (default 15m).", show_default=False)
    ] = None,
    tags: Annotated[
        list[str] | None, typer.Option("--tag", help="A tag for rules (repeat).", show_default=False)
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Add a [[sources]] entry to the config file (validated before anything is written)."""
    from monitor.config_edit import add_source, source_fields, write_config_text

    settings = _config_file(config)
    if any(source.name == name for source in settings.sources):
        raise InputError(f"a source named {name!r} already exists in {settings.path}")
    if type_ is not SourceType.file and not location.startswith(("http://", "https://")):
        raise InputError(f"a {type_.value} source needs an http(s) URL, not {location!r}")
    text = settings.path.read_text(encoding="utf-8")
    edited = add_source(text, source_fields(name, type_.value, location, interval, tags or []))
    backup = write_config_text(settings.path, edited)
    _done(f"added source {name}", settings.path, backup)


@sources_app.command("remove")
@handle_errors
def remove(
    name: Annotated[str, typer.Argument(help="The source's name.", show_default=False)],
    config: ConfigOption = None,
) -> None:
    """Remove a source from the config file; its stored history stays (`sources` lists it as removed)."""
    from monitor.config_edit import remove_source, write_config_text

    settings = _config_file(config)
    text = settings.path.read_text(encoding="utf-8")
    backup = write_config_text(settings.path, remove_source(text, settings, name, settings.path))
    _done(f"removed source {name}", settings.path, backup)


def _set_enabled(name: str, config: Any, enabled: bool) -> None:
    from monitor.config_edit import set_source_enabled, write_config_text

    settings = _config_file(config)
    text = settings.path.read_text(encoding="utf-8")
    edited = set_source_enabled(text, settings, name, enabled, settings.path)
    backup = write_config_text(settings.path, edited)
    _done(f"{'enabled' if enabled else 'disabled'} source {name}", settings.path, backup)


@sources_app.command("enable")
@handle_errors
def enable(
    name: Annotated[str, typer.Argument(help="The source's name.", show_default=False)],
    config: ConfigOption = None,
) -> None:
    """Set `enabled = true` on a source in the config file."""
    _set_enabled(name, config_path(config), True)


@sources_app.command("disable")
@handle_errors
def disable(
    name: Annotated[str, typer.Argument(help="The source's name.", show_default=False)],
    config: ConfigOption = None,
) -> None:
    """Set `enabled = false` on a source: kept and stored, no longer checked (unless named on `check`)."""
    _set_enabled(name, config_path(config), False)
