"""Number changes: the same quantity (what it counts, its unit) with a different value.

Quantities are grouped by what they count ("killed", "injured", "tanks", "%"). Within one version an
approximate figure that rounds an exact one ("above 2,000" next to "2,012") is the same figure. Values
present in both versions are unchanged; a figure in only one version is not a change. A change is
reported when one value left a group and one value arrived in it; for counts of things other than
casualties, the two sentences must also be about the same thing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rapidfuzz import fuzz

from monitor.diff.align import normalise
from monitor.model import Change, ChangeKind, ChangeSide, Claim, Quantity

# Counts that stories restate in new words as they are updated ("killing at least 820" -> "the death
# toll rose to 2,012"): pairing them needs no similar sentence.
EVENT_COUNTS = frozenset({"killed", "injured", "missing", "displaced", "arrested", "infected", "rescued"})
CONTEXT_THRESHOLD = 55.0


@dataclass(frozen=True, slots=True)
class _Seen:
    quantity: Quantity
    claim: Claim


def _collect(claims: list[Claim]) -> dict[str, list[_Seen]]:
    groups: dict[str, list[_Seen]] = {}
    seen_sentences: set[int] = set()
    for claim in claims:
        if claim.index in seen_sentences:
            continue
        seen_sentences.add(claim.index)
        for quantity in claim.numbers:
            if quantity.counts:
                groups.setdefault(quantity.counts, []).append(_Seen(quantity, claim))
    return groups


def _rounds(approx: float, exact: float) -> bool:
    """True when `approx` is `exact` rounded to approx's precision ("more than 270" for 271)."""
    if approx == exact:
        return True
    if approx <= 0 or approx != int(approx):
        return False
    step = 1
    value = int(approx)
    while value % 10 == 0 and value:
        value //= 10
        step *= 10
    if step == 1:
        return False
    return any(f(exact / step) * step == approx for f in (math.floor, math.ceil, round))


def _same(a: Quantity, b: Quantity) -> bool:
    if math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-9):
        return True
    if a.approximate and _rounds(a.value, b.value):
        return True
    return bool(b.approximate and _rounds(b.value, a.value))


def _distinct(items: list[_Seen]) -> list[_Seen]:
    """One entry per value; approximate roundings of an exact value in the same version dropped."""
    exact = [s for s in items if not s.quantity.approximate]
    out: list[_Seen] = []
    for item in sorted(items, key=lambda s: (s.quantity.approximate, -s.claim.confidence)):
        q = item.quantity
        if q.approximate and any(_rounds(q.value, e.quantity.value) for e in exact if e is not item):
            continue
        if any(math.isclose(q.value, o.quantity.value, rel_tol=1e-9) for o in out):
            continue
        out.append(item)
    return out


def number_changes(old: list[Claim], new: list[Claim]) -> list[Change]:
    old_groups = _collect(old)
    new_groups = _collect(new)
    changes: list[Change] = []
    for counts in sorted(set(old_groups) & set(new_groups)):
        before = _distinct(old_groups[counts])
        after = _distinct(new_groups[counts])
        gone = [b for b in before if not any(_same(b.quantity, a.quantity) for a in after)]
        came = [a for a in after if not any(_same(a.quantity, b.quantity) for b in before)]
        if not gone or not came:
            continue
        for was, now in _pair(gone, came, counts):
            changes.append(
                Change(
                    kind=ChangeKind.NUMBER_CHANGED,
                    topic=counts,
                    counts=counts,
                    before=_side(was),
                    after=_side(now),
                    confidence=0.9 if counts in EVENT_COUNTS else 0.75,
                )
            )
    return changes


def _pair(gone: list[_Seen], came: list[_Seen], counts: str) -> list[tuple[_Seen, _Seen]]:
    scored = []
    for i, was in enumerate(gone):
        for j, now in enumerate(came):
            score = fuzz.token_set_ratio(normalise(was.claim.text), normalise(now.claim.text))
            if counts not in EVENT_COUNTS and score < CONTEXT_THRESHOLD:
                continue
            if was.quantity.unit != now.quantity.unit:
                continue
            scored.append((score, i, j))
    scored.sort(key=lambda item: -item[0])
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs = []
    for _, i, j in scored:
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new.add(j)
        pairs.append((gone[i], came[j]))
    return pairs


def _side(seen: _Seen) -> ChangeSide:
    return ChangeSide(
        text=seen.claim.text,
        value=seen.quantity.text,
        start=seen.claim.start + seen.quantity.start,
        end=seen.claim.start + seen.quantity.end,
    )
