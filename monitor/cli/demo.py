"""`claimwatch demo`: the daemon's work on the bundled sample story, offline, in one command.

It writes a real config (a `file` source, a SQLite file, console alerts) into a folder, then plays the
sample's versions in order: each version is put in place and one check pass runs, exactly as
`claimwatch check` would, alerts included. Afterwards `history` and `positions` answer, and the
folder stays behind so the user can keep querying it with `--config`.

The demo never deletes or overwrites a file it did not write. It records what it wrote in a marker
file (`.claimwatch-demo.json`: each file's name and SHA-256), so a second demo in the same folder
may start over on its own files; anything else in the way (a user's `claimwatch.toml`, a database,
a `story.txt`, or a demo file edited since) is refused, or with `--force` moved aside to
`NAME.bak`, `NAME.bak.1`, ... and never deleted.
"""

import hashlib
import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli._common import OutputFormat, app, console, err_console, handle_errors
from monitor.errors import InputError

# monitor.config.SAMPLES_DIR, without importing the config models (pydantic) on every command's start
SAMPLES_DIR = Path(__file__).resolve().parents[1] / "samples"
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


MARKER = ".claimwatch-demo.json"
CONFIG_NAME = "claimwatch.toml"
DATABASE_NAME = "claimwatch.db"
STORY_NAME = "story.txt"
# Every file a demo may write in its folder (SQLite adds the -wal/-shm/-journal files beside the db).
DEMO_FILES = (
    CONFIG_NAME,
    STORY_NAME,
    DATABASE_NAME,
    *(DATABASE_NAME + suffix for suffix in ("-wal", "-shm", "-journal")),
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _recorded(folder: Path) -> dict[str, str]:
    """The files an earlier demo wrote here, by name -> SHA-256 when written ("" for the database,
    which the demo's own checks keep changing)."""
    marker = folder / MARKER
    if not marker.is_file():
        return {}
    try:
        content = json.loads(marker.read_text(encoding="utf-8"))
        if content.get("written_by") != "claimwatch demo":
            return {}
        files = content.get("files", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def _ours(folder: Path, name: str, recorded: dict[str, str]) -> bool:
    """Did a demo write this file, and is it as the demo left it?"""
    if name not in recorded:
        base = name.removesuffix("-wal").removesuffix("-shm").removesuffix("-journal")
        return base != name and base in recorded  # the database's companions go with it
    return recorded[name] == "" or _digest(folder / name) == recorded[name]


def _aside(path: Path) -> Path:
    """A free `NAME.bak`, `NAME.bak.1`, ... beside `path`."""
    target = path.with_name(path.name + ".bak")
    number = 0
    while target.exists() or target.is_symlink():
        number += 1
        target = path.with_name(f"{path.name}.bak.{number}")
    return target


def prepare_demo_folder(folder: Path, *, force: bool = False) -> list[tuple[Path, Path]]:
    """Make `folder` ready for a demo without losing anything: the demo's own earlier files are
    removed (it starts over); anyone else's are refused (InputError), or with `force` renamed to
    `NAME.bak...`. Returns the (file, moved to) pairs."""
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    recorded = _recorded(folder)
    candidates = (*DEMO_FILES, MARKER)
    present = [name for name in candidates if (folder / name).exists() or (folder / name).is_symlink()]

    def ours(name: str) -> bool:
        if (folder / name).is_symlink():
            return False
        if name == MARKER:  # a marker we cannot read as ours is someone's file of that name
            return bool(recorded) or _is_demo_marker(folder / name)
        return _ours(folder, name, recorded)

    foreign = [name for name in present if not ours(name)]
    if foreign and not force:
        names = ", ".join(foreign)
        raise InputError(
            f"{folder} already has {names}, not written by a demo (or changed since): the demo will not "
            "overwrite or delete them. Use another --dir, or --force to move them aside (NAME.bak)"
        )
    moved: list[tuple[Path, Path]] = []
    for name in present:
        path = folder / name
        if name in foreign:
            target = _aside(path)
            path.rename(target)
            moved.append((path, target))
        else:
            path.unlink()
    return moved


def _is_demo_marker(path: Path) -> bool:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("written_by") == "claimwatch demo"
    except (OSError, ValueError, AttributeError):
        return False


def _remember(folder: Path, written: dict[str, str]) -> None:
    marker = folder / MARKER
    marker.write_text(json.dumps({"written_by": "claimwatch demo", "files": written}, indent=2) + "\n")


def write_demo_config(folder: Path) -> Path:
    """The demo's config in `folder` (an absolute path, so the database is where it says)."""
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / CONFIG_NAME
    rules = (SAMPLES_DIR / "rules").as_posix()
    with path.open("x", encoding="utf-8") as out:  # never over a file that appeared meanwhile
        out.write(_CONFIG.format(rules=rules, db=(folder / DATABASE_NAME).as_posix()))
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
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Move a config, database or story.txt the demo did not write aside (NAME.bak); "
            "without it the demo refuses.",
        ),
    ] = False,
) -> None:
    """Run the monitor on the bundled sample story: three versions, changes, alerts, history, positions.

    The folder keeps the config and the database afterwards; a second demo there starts over on its
    own files. A file the demo did not write is never overwritten or deleted: the demo refuses, or
    with --force renames it to NAME.bak.
    """
    from monitor.cli.daemon import setup_logging
    from monitor.cli.history import history, positions
    from monitor.scheduler import check_once

    setup_logging(False, logging.WARNING)
    logging.getLogger("monitor.checker").setLevel(logging.ERROR)
    workdir = (folder or Path(tempfile.mkdtemp(prefix="claimwatch-demo-"))).resolve()
    # The demo always starts over (replaying version 1 onto a store that ends at version 3 would,
    # rightly, report the reverse shifts), but only on files it wrote itself.
    for path, target in prepare_demo_folder(workdir, force=force):
        err_console.print(f"claimwatch: moved {path} aside to {target.name}", markup=False, highlight=False)
    config_path = write_demo_config(workdir)
    written = {CONFIG_NAME: _digest(config_path), DATABASE_NAME: ""}
    _remember(workdir, written)  # before the database exists: a crash mid-demo leaves it marked as ours
    import asyncio

    from rich.text import Text

    from monitor.config import parse_config

    config = parse_config(config_path)
    story = workdir / STORY_NAME
    versions = sample_versions()
    console.print(
        Text.assemble(
            ("claimwatch demo", "bold"), f" in {workdir}: watching {story.name}, {len(versions)} versions\n"
        )
    )
    for number, version in enumerate(versions, start=1):
        written[STORY_NAME] = _digest(version)  # recorded first: a crash in between errs on refusing
        _remember(workdir, written)
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
