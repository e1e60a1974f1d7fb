"""Sentence alignment between two versions: exact first, then fuzzy.

Sentences are compared after normalisation (case, diacritics, spacing, quote styles), so a moved
paragraph or a respelling aligns with its counterpart. Remaining sentences are paired greedily by
rapidfuzz similarity above a threshold; the rest are added or removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from monitor.claims.tokens import fold

FUZZY_THRESHOLD = 72.0
_SPACE_RE = re.compile(r"\s+")
_PUNCT_RE = re.compile(r"[^\w\s%$€£.,-]")


@dataclass(frozen=True, slots=True)
class Pair:
    old: int | None  # sentence index in the old version
    new: int | None
    score: float  # 100 for identical after normalisation


@lru_cache(maxsize=16384)
def normalise(text: str) -> str:
    text = fold(text).lower().replace("’", "'")
    text = _PUNCT_RE.sub(" ", text)
    return _SPACE_RE.sub(" ", text).strip()


def align(old: dict[int, str], new: dict[int, str]) -> list[Pair]:
    """Pairs covering every sentence of both versions."""
    pairs: list[Pair] = []
    new_by_key: dict[str, list[int]] = {}
    new_norm = {i: normalise(t) for i, t in new.items()}
    old_norm = {i: normalise(t) for i, t in old.items()}
    for i, key in new_norm.items():
        new_by_key.setdefault(key, []).append(i)
    unmatched_old: list[int] = []
    used_new: set[int] = set()
    for i, key in old_norm.items():
        candidates = new_by_key.get(key)
        if candidates:
            j = candidates.pop(0)
            used_new.add(j)
            pairs.append(Pair(i, j, 100.0))
        else:
            unmatched_old.append(i)
    remaining_new = [j for j in new if j not in used_new]
    if unmatched_old and remaining_new:
        # one C loop per old sentence (cdist would need numpy); best score first, then text order
        candidates_list: list[tuple[float, int, int]] = []
        new_texts = [new_norm[j] for j in remaining_new]
        for a, i in enumerate(unmatched_old):
            for _, score, b in process.extract(
                old_norm[i],
                new_texts,
                scorer=fuzz.ratio,
                processor=None,
                score_cutoff=FUZZY_THRESHOLD,
                limit=None,
            ):
                if score:
                    candidates_list.append((score, a, b))
        candidates_list.sort(key=lambda item: (-item[0], item[1], item[2]))
        taken_old: set[int] = set()
        taken_new: set[int] = set()
        for score, a, b in candidates_list:
            if a in taken_old or b in taken_new:
                continue
            taken_old.add(a)
            taken_new.add(b)
            pairs.append(Pair(unmatched_old[a], remaining_new[b], score))
        unmatched_old = [i for k, i in enumerate(unmatched_old) if k not in taken_old]
        remaining_new = [j for k, j in enumerate(remaining_new) if k not in taken_new]
    pairs += [Pair(i, None, 0.0) for i in unmatched_old]
    pairs += [Pair(None, j, 0.0) for j in remaining_new]
    return pairs
