"""Small closed word classes that several stages of the claim engine share.

Open-ended vocabulary (actors, stance phrases, topics) lives in the data files; these are grammar, the
same in every story, so they stay in code, once.
"""

from __future__ import annotations

MONTH_NAMES = frozenset(
    [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
        "november", "december",
    ]
)  # fmt: skip
MONTH_ABBREVIATIONS = frozenset(
    ["jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"]
)
MONTHS = MONTH_NAMES | MONTH_ABBREVIATIONS


def alternation(words: frozenset[str], title: bool = False) -> str:
    """`words` as a regex alternation, longest first ("sept" before "sep"), optionally title-cased."""
    ordered = sorted(words, key=lambda w: (-len(w), w))
    return "|".join(w.title() if title else w for w in ordered)
