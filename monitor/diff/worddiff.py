"""Word-level diffs with diff-match-patch.

diff-match-patch diffs characters. To diff words, each distinct word (and each run of whitespace or
punctuation) is mapped to one private character, the two character strings are diffed, and the result
is mapped back: the same trick diff-match-patch uses for lines, applied to words.
"""

from __future__ import annotations

import re
from functools import lru_cache

from diff_match_patch import diff_match_patch

_WORD_RE = re.compile(r"\s+|\w+(?:['’.-]\w+)*|[^\w\s]")
_FIRST_CODE = 0xF0000  # a supplementary private-use plane: never present in news text


def word_diff(old: str, new: str) -> list[tuple[int, str]]:
    """(op, text) pairs: op -1 deleted, 0 kept, 1 inserted; whole words only."""
    return list(_word_diff(old, new))


@lru_cache(maxsize=4096)  # the daemon diffs each new version against the one before: pairs repeat
def _word_diff(old: str, new: str) -> tuple[tuple[int, str], ...]:
    old_words = _WORD_RE.findall(old)
    new_words = _WORD_RE.findall(new)
    # every distinct word gets one code point; encoding and decoding are then C loops (join, translate)
    vocabulary = {word: chr(_FIRST_CODE + k) for k, word in enumerate(dict.fromkeys(old_words + new_words))}
    decode = {ord(code): word for word, code in vocabulary.items()}
    engine = diff_match_patch()
    engine.Diff_Timeout = 0.2
    diffs = engine.diff_main(
        "".join(map(vocabulary.__getitem__, old_words)),
        "".join(map(vocabulary.__getitem__, new_words)),
        False,
    )
    engine.diff_cleanupSemantic(diffs)
    out: list[tuple[int, str]] = []
    for op, codes in diffs:
        text = codes.translate(decode)
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        elif text:
            out.append((op, text))
    return tuple(out)


def render_word_diff(diff: list[tuple[int, str]] | tuple[tuple[int, str], ...]) -> str:
    """ "kept [-deleted-]{+inserted+} kept": the plain-text form the report and the CLI show."""
    parts = []
    for op, text in diff:
        if op < 0:
            parts.append(f"[-{text}-]")
        elif op > 0:
            parts.append(f"{{+{text}+}}")
        else:
            parts.append(text)
    return "".join(parts)
