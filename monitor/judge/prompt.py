"""The judge's prompt: a versioned file in this package, and the JSON schema of the answer.

The version is part of every cache key: editing the prompt means a new file (`prompt_v3.txt`) and a
new `PROMPT_VERSION`, so answers to the old prompt are never served for the new one.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

# v3 (naming and framing rules) was measured on one batch written after it and scored lower than v2
# had on the batches before it: docs/accuracy.md, "Prompt v3". v2 stays the default.
PROMPT_VERSION = "v2"

_STANCE: dict[str, Any] = {"type": "string", "enum": ["support", "oppose", "undecided"]}
_STRING: dict[str, Any] = {"type": "string"}

ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["candidates", "shifts", "numbers"],
    "properties": {
        "candidates": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "verdict", "reason"],
                "properties": {
                    "id": _STRING,
                    "verdict": {"type": "string", "enum": ["confirm", "reject"]},
                    "reason": _STRING,
                },
            },
        },
        "shifts": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": [
                    "holder",
                    "named_as",
                    "topic",
                    "from",
                    "to",
                    "qualifiers",
                    "before_quote",
                    "after_quote",
                ],
                "properties": {
                    "holder": _STRING,
                    "named_as": _STRING,
                    "topic": _STRING,
                    "from": _STANCE,
                    "to": _STANCE,
                    "qualifiers": {"type": "array", "items": _STRING},
                    "before_quote": _STRING,
                    "after_quote": _STRING,
                },
            },
        },
        "numbers": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["counts", "from", "to", "before_quote", "after_quote"],
                "properties": {
                    "counts": _STRING,
                    "from": _STRING,
                    "to": _STRING,
                    "before_quote": _STRING,
                    "after_quote": _STRING,
                },
            },
        },
    },
}


@cache
def prompt_text(version: str = PROMPT_VERSION) -> str:
    """The system prompt of `version`, read from the package (`prompt_<version>.txt`)."""
    return resources.files("monitor.judge").joinpath(f"prompt_{version}.txt").read_text("utf-8")
