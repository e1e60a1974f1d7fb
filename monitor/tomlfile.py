"""Read a TOML file and point at lines in it, so config and rule errors say file, line and reason."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from monitor.errors import FileError

_TABLE = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*(\"[^\"]+\"|'[^']+'|[A-Za-z0-9_\-]+)\s*=")


def load_toml(path: Path, error: type[FileError] = FileError) -> tuple[dict[str, Any], str]:
    """Parse `path`; a syntax error becomes `error(path, reason, line)`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(path, f"cannot read: {exc}") from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column \d+\)", message)
        line = int(match.group(1)) if match else None
        if line is None and "(at end of document)" in message:
            line = max(1, len(text.splitlines()))  # an unclosed list or string: point at the last line
        reason = re.sub(r" ?\(at (?:line|end of document).*", "", message)
        raise error(path, f"TOML syntax error: {reason}", line) from None


def locate(text: str, path: tuple[str | int, ...]) -> int | None:
    """Best-effort line number (1-based) of a key path such as ("sources", 2, "interval") in TOML text.

    Handles the shapes our files use: [table], [table.sub], [[array]] entries and `key = value` lines.
    Falls back to the line of the enclosing table when the key itself is absent (a missing key).
    """
    tables: list[tuple[tuple[str | int, ...], int]] = []  # (table path with array indices, line)
    counters: dict[tuple[str, ...], int] = {}
    current: tuple[str | int, ...] = ()
    best: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        table = _TABLE.match(line)
        if table:
            names = tuple(part.strip().strip("\"'") for part in table.group(2).split("."))
            if table.group(1) == "[[":
                index = counters.get(names, 0)
                counters[names] = index + 1
                current = (*names, index)
            else:
                current = names
            tables.append((current, number))
            if current == path[: len(current)] and (best is None or len(current) >= 1):
                best = number
            continue
        key = _KEY.match(line)
        if key:
            name = key.group(1).strip("\"'")
            full = (*current, name)
            if full == path[: len(full)]:
                return number
    return best


def describe_path(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
