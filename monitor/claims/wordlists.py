"""Word lists the claim stages keep as data: monitor/data/<stage>.toml, each list `name = [words]`.

A stage module reads its file once per process (`word_lists("mentions.toml")`) and binds each list to
the module-level name it always had, so the matching code is unchanged. Each file's comments say what
each list is for; these are the project's own files, so a broken one is a bug, not a user error.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from monitor.tomlfile import load_toml

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@cache
def word_lists(file_name: str) -> dict[str, frozenset[str]]:
    """Every list in monitor/data/`file_name`, as frozensets of words."""
    data, _ = load_toml(DATA_DIR / file_name)
    lists: dict[str, frozenset[str]] = {}
    for key, words in data.items():
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise TypeError(f"{DATA_DIR / file_name}: {key} must be a list of strings")
        lists[key] = frozenset(words)
    return lists
