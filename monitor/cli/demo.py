"""`claimwatch demo`: the daemon's work on the bundled sample story, offline, in one command.

It writes a real config (a `file` source, a SQLite file, console alerts) into a folder, then plays the
sample's versions in order: each version is put in place and one check pass runs, exactly as
`claimwatch check` would, alerts included. Afterwards `history` and `positions` answer, and the
folder stays behind so the user can keep querying it with `--config`.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from monitor.cli._common import OutputFormat, app, console, handle_errors
from monitor.config import SAMPLES_DIR, parse_config

SAMPLE_STORY = SAMPLES_DIR / "strike-policy"

_CONFIG = """\
# Written by `claimwatch demo`: one watched file, a SQLite store beside it, alerts on the console.
rules = "{rules}"

[store]
url = "sqlite:///{db}"

[[sources]]
name = "strike-policy"
type = "file"
path = "story.txt"
interval = "1m"
tags = ["sample"]

[channels.console]
type = "console"
"""


def sample_versions() -> list[Path]:
    return sorted(SAMPLE_STORY.glob("*.txt"))


def write_demo_config(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "claimwatch.toml"
    rules = (SAMPLES_DIR / "rules").as_posix()
    path.write_text(_CONFIG.format(rules=rules, db=(folder / "claimwatch.db").as_posix()), encoding="utf-8")
    return path


@app.command()
@handle_errors
def demo(
    folder: Annotated[
        Path | None,
        typer.Option(
            "--dir",
            help="Folder for the demo's config and database (default: a new temp folder).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run the monitor on the bundled sample story: three versions, changes, alerts, history, positions.

    The folder keeps the config and the database afterwards; a second demo there starts over.
    """
    from monitor.cli.daemon import setup_logging
    from monitor.cli.history import history, positions
    from monitor.scheduler import check_once

    setup_logging(False, logging.WARNING)
    logging.getLogger("monitor.checker").setLevel(logging.ERROR)
    workdir = folder or Path(tempfile.mkdtemp(prefix="claimwatch-demo-"))
    config_path = write_demo_config(workdir)
    # The demo always starts over: replaying version 1 onto a store that ends at version 3 would
    # (rightly) report the reverse shifts.
    for stale in workdir.glob("claimwatch.db*"):
        stale.unlink()
    config = parse_config(config_path)
    story = workdir / "story.txt"
    versions = sample_versions()
    console.print(
        Text.assemble(
            ("claimwatch demo", "bold"), f" in {workdir}: watching {story.name}, {len(versions)} versions\n"
        )
    )
    for number, version in enumerate(versions, start=1):
        shutil.copyfile(version, story)
        console.rule(f"version {number} of {len(versions)}: {version.name}")
        report = asyncio.run(check_once(config, ["strike-policy"]))
        result = report.results[0]
        if result.error:
            console.print(Text.assemble(("error: ", "red"), str(result.error)))
        else:
            console.print(f"{result.new_versions} new version(s), {result.changes} change(s) recorded\n")
    console.rule("claimwatch history --kind stance_shift,number_changed")
    history(kind=["stance_shift,number_changed"], config=config_path, fmt=OutputFormat.table)
    console.rule('claimwatch positions --actor "United States"')
    positions(actor="United States", config=config_path, fmt=OutputFormat.table)
    console.print(
        f"\nKeep exploring: claimwatch history --config {config_path}\n"
        f"                claimwatch show ID --config {config_path}",
        soft_wrap=True,  # a long temp path must stay copy-pasteable
    )
