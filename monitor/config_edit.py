"""Edit the `[[sources]]` of a config file for `claimwatch sources add/remove/enable/disable`.

The edits are made on the file's text, line by line, so everything else in it (comments, order,
spacing, other tables) stays exactly as the user wrote it. The result is parsed and validated as a
config before anything is written; the file is replaced atomically, and the previous version is kept
beside it as `NAME.bak` (`NAME.bak.1`, ...): the user's file is never lost.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from monitor.config import Config, parse_config
from monitor.errors import InputError
from monitor.tomlfile import locate

__all__ = ["add_source", "remove_source", "set_source_enabled", "write_config_text"]

_HEADER = re.compile(r"^\s*\[")
_ENABLED = re.compile(r"^(\s*)enabled\s*=.*$")


def _string(value: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


def _index(config: Config, name: str) -> int:
    for index, source in enumerate(config.sources):
        if source.name == name:
            return index
    known = ", ".join(s.name for s in config.sources) or "none configured"
    raise InputError(f"unknown source: {name} (known: {known})")


def _block(text: str, index: int, path: Path) -> tuple[int, int]:
    """0-based [start, end) line range of the index-th `[[sources]]` table in `text`."""
    lines = text.splitlines()
    header = locate(text, ("sources", index))
    if header is None or not re.match(r"^\s*\[\[\s*sources\s*\]\]", lines[header - 1]):
        raise InputError(f"{path}: its sources are not written as [[sources]] tables; edit the file by hand")
    end = header
    while end < len(lines) and not _HEADER.match(lines[end]):
        end += 1
    while end > header and not lines[end - 1].strip():  # keep the blank lines before the next table
        end -= 1
    return header - 1, end


def add_source(text: str, fields: dict[str, object]) -> str:
    """`text` with one more `[[sources]]` table at its end."""
    block = ["", "[[sources]]"]
    for key, value in fields.items():
        if value is None:
            continue
        if isinstance(value, bool):
            rendered = "true" if value else "false"
        elif isinstance(value, list | tuple):
            rendered = "[" + ", ".join(_string(str(v)) for v in value) + "]"
        else:
            rendered = _string(str(value))
        block.append(f"{key} = {rendered}")
    return text.rstrip("\n") + "\n" + "\n".join(block) + "\n"


def remove_source(text: str, config: Config, name: str, path: Path) -> str:
    start, end = _block(text, _index(config, name), path)
    lines = text.splitlines()
    while start > 0 and not lines[start - 1].strip():  # and the blank line that led into it
        start -= 1
    kept = lines[:start] + lines[end:]
    return "\n".join(kept) + "\n"


def set_source_enabled(text: str, config: Config, name: str, enabled: bool, path: Path) -> str:
    start, end = _block(text, _index(config, name), path)
    lines = text.splitlines()
    value = "true" if enabled else "false"
    for number in range(start + 1, end):
        match = _ENABLED.match(lines[number])
        if match:
            lines[number] = f"{match.group(1)}enabled = {value}"
            break
    else:
        lines.insert(start + 1, f"enabled = {value}")
    return "\n".join(lines) + "\n"


def write_config_text(path: Path, text: str) -> Path:
    """Validate `text` as this config, then replace the file atomically, keeping the old one as a
    `.bak` file beside it. Returns the backup's path. A config that would not load is refused."""
    folder = path.parent
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=folder, prefix=f".{path.name}.", delete=False
    ) as out:
        out.write(text)
        candidate = Path(out.name)
    try:
        try:
            parse_config(candidate)
        except Exception as exc:
            message = str(exc).replace(str(candidate), str(path))
            raise InputError(f"the edited config would not load, nothing written: {message}") from None
        backup = _free_backup(path)
        shutil.copy2(path, backup)
        shutil.copymode(path, candidate)
        os.replace(candidate, path)
    finally:
        candidate.unlink(missing_ok=True)
    return backup


def _free_backup(path: Path) -> Path:
    target = path.with_name(path.name + ".bak")
    number = 0
    while target.exists():
        number += 1
        target = path.with_name(f"{path.name}.bak.{number}")
    return target


def source_fields(
    name: str,
    type_: str,
    location: str,
    interval: str | None,
    tags: Sequence[str],
) -> dict[str, object]:
    key = "path" if type_ == "file" else "url"
    return {
        "name": name,
        "type": type_,
        key: location,
        "interval": interval,
        "tags": list(tags) or None,
    }
