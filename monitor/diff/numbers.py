"""Number changes: the same quantity (what it counts, its unit, whose it is) with a different value.

Quantities are grouped by what they count ("killed", "seats", "%"). Only current values take part: the
earlier value of a change stated inside a sentence ("to 4% from 3.75%") is left out, so current pairs
with current. Within one version an approximate figure that states an exact one loosely ("above 2,000"
or "passed 2,000" next to "2,012") is the same figure. Values present in both versions are unchanged
(unless the two name measures that share no word and one is exact: then they are two figures with one
value); a figure in only one version is not a change. A change is one value that left a group paired
with one that arrived, never across different holders ("Disney's" / "Comcast's", list members) or measures
("inflation" / "growth forecast"); casualty counts pair across rewritten sentences, other counts need
the same holder, the same measure or a similar sentence. Exact figures are preferred over approximate
ones; two equally good candidates in one sentence are ambiguous and produce nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from monitor.claims.mentions import ORG_WORDS
from monitor.diff.align import normalise
from monitor.model import Change, ChangeKind, ChangeSide, Claim, Quantity

# Counts that stories restate in new words as they are updated ("killing at least 820" -> "the death
# toll rose to 2,012"): pairing them needs no similar sentence.
EVENT_COUNTS = frozenset({"killed", "injured", "missing", "displaced", "arrested", "infected", "rescued"})
CONTEXT_THRESHOLD = 55.0
NEAR_SENTENCES = 3


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
                groups.setdefault(_count_key(quantity.counts), []).append(_Seen(quantity, claim))
    return groups


_COUNT_SUFFIXES = ("ers", "ing", "ors", "es", "s")


def _count_key(counts: str) -> str:
    """What a figure counts, with the noun's ending dropped, so that one count named by the people or
    the act ("56.2% voting against", "56.4% of voters") is one group. Multi-word keys ("killed subset
    valencia") and short words stay as they are."""
    if " " in counts or len(counts) < 6:
        return counts
    for suffix in _COUNT_SUFFIXES:
        if counts.endswith(suffix) and len(counts) - len(suffix) >= 3:
            return counts[: -len(suffix)]
    return counts


def _rounds(approx: float, exact: float) -> bool:
    """True when `approx` is `exact` rounded to approx's precision ("more than 270" for 271)."""
    if approx == exact:
        return True
    if approx <= 0 or approx != int(approx):
        return False
    if not 0.5 * approx <= exact <= 1.5 * approx:
        return False  # "about $1 billion" does not round $14.40: a rounding keeps the order of magnitude
    step = 1
    value = int(approx)
    while value % 10 == 0 and value:
        value //= 10
        step *= 10
    if step == 1 and exact == int(exact):
        return False  # whole figures with no zeros to round to: 38 is not a rounding of 37
    if round(exact / step) * step == approx:
        return True
    # rounded down or up ("more than 270" for 279, "nearly 300" for 291), but only close to the figure:
    # "nearly 30" is not 23, though 23 rounds up to 30
    return abs(exact - approx) <= ROUNDING_SLACK * approx and any(
        f(exact / step) * step == approx for f in (math.floor, math.ceil)
    )


# How far a figure rounded down or up may lie from the rounder one that states it.
ROUNDING_SLACK = 0.1


def _consistent(approx: Quantity, exact: Quantity) -> bool:
    """True when an approximate figure states the exact one loosely: a rounding ("more than 270" for
    271), or a bound close above or below it ("passed 1,000" for 1,081, "nearly 300" for 291)."""
    if _rounds(approx.value, exact.value):
        return True
    low, high = approx.value, exact.value
    if approx.bound == "min":
        return low <= high < low * 1.25
    if approx.bound == "max":
        return low * 0.8 < high <= low
    return abs(high - low) <= 0.1 * low


def _words(text: str) -> set[str]:
    return set(text.split())


def _holders(a: Quantity, b: Quantity) -> int:
    """1 when both figures belong to the same named holder, -1 when to different ones, else 0. Names
    are compared by their own words: "labour party" and "labour" are one holder, "labour party" and
    "māori party" two, however many kind words ("party", "bank", "council") they share."""
    if not a.holder or not b.holder:
        return 0
    own_a, own_b = _own_words(a.holder), _own_words(b.holder)
    if not own_a or not own_b:  # a bare kind word ("the party") may point back to either
        return 1 if _words(a.holder) & _words(b.holder) else -1
    return 1 if own_a & own_b else -1


_NAME_GLUE = frozenset({"the", "of", "and", "for", "de", "la", "&"})


def _own_words(holder: str) -> set[str]:
    """A holder name's words that tell it from others of its kind ("labour" of "labour party")."""
    return _words(holder) - ORG_WORDS - _NAME_GLUE


def _measures(a: Quantity, b: Quantity) -> int:
    """1 when one figure's measure words include the other's ("inflation" / "annual inflation"), -1 when
    they share none ("inflation" / "growth forecast"), name another rate ("a share" / "a year") or
    another year ("in 2023" / "in 2024"), else 0 (unknown, or a partial overlap such as "interest rate" /
    "unemployment rate")."""
    words_a, words_b = _words(a.about), _words(b.about)
    for mark in "/@":  # a rate ("/share") or a year ("@2023"): both given and different -> another quantity
        marked_a = {w for w in words_a if w[0] == mark}
        marked_b = {w for w in words_b if w[0] == mark}
        if marked_a and marked_b and not marked_a & marked_b:
            return -1
        if mark == "/" and bool(marked_a) != bool(marked_b):
            return -1  # a per-unit figure ("$38 a share") is never a total ("$52.4 billion")
        words_a -= marked_a
        words_b -= marked_b
    if not words_a or not words_b:
        return 0
    if words_a <= words_b or words_b <= words_a:
        return 1
    return 0 if words_a & words_b else -1


def _named(q: Quantity) -> bool:
    """True when the figure has words naming its measure (rates and years aside)."""
    return any(w[0] not in "/@" for w in _words(q.about))


def _scaled(q: Quantity) -> bool:
    """True when the figure carries a scale word ("$52.4 billion", "1.2 million")."""
    try:
        written = float(q.text.replace(",", ""))
    except ValueError:
        return False
    return not math.isclose(written, q.value, rel_tol=1e-9)


def _magnitudes(a: Quantity, b: Quantity) -> bool:
    """False when a scale word sets the two figures orders of magnitude apart ("$15" / "$15 million",
    "$38" / "$52.4 billion"): a hundredfold or more is another quantity, not an update."""
    if not (_scaled(a) or _scaled(b)):
        return True
    low, high = sorted((abs(a.value), abs(b.value)))
    return low > 0 and high < 100 * low


def _compatible(a: Quantity, b: Quantity) -> bool:
    return a.unit == b.unit and _holders(a, b) >= 0 and _measures(a, b) >= 0 and _magnitudes(a, b)


def _held_elsewhere(item: _Seen, others: list[_Seen]) -> bool:
    return any(_same(item.quantity, o.quantity) for o in others)


def _other_measure(a: Quantity, b: Quantity) -> bool:
    """Both figures name what they measure, and not the same thing: "a 125% duty" and "China's tariff
    ... to 125%" are two figures that happen to share a value. Rates and years aside: a figure restated
    with or without its "per share" is still the same figure."""
    words_a = {w for w in _words(a.about) if w[0] not in "/@"}
    words_b = {w for w in _words(b.about) if w[0] not in "/@"}
    return bool(words_a and words_b) and not words_a & words_b


def _same(a: Quantity, b: Quantity, by_holder: bool = False) -> bool:
    # two loose figures of one value ("around 3%" / "about 3%") are one figure restated, whatever words
    # sit beside them: a forecast reworded ("the bank forecast that it would fall to around 3%" / "the
    # bank projected inflation would ease to about 3%") names its measure differently
    loose_twins = a.approximate and b.approximate and a.value == b.value
    if (_other_measure(a, b) and not loose_twins) or (by_holder and _holders(a, b) < 0):
        return False
    if math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-9):
        return True
    if a.approximate and _rounds(a.value, b.value):
        return True
    return bool(b.approximate and _rounds(b.value, a.value))


def _round_zeros(value: float) -> int:
    """How many trailing zeros a whole figure has (1,000 -> 3, 1,081 -> 0); fractions have none."""
    if value != int(value) or value == 0:
        return 0
    zeros = 0
    whole = int(abs(value))
    while whole % 10 == 0:
        whole //= 10
        zeros += 1
    return zeros


def _distinct(items: list[_Seen]) -> list[_Seen]:
    """One entry per current value; approximations of an exact value in the same version dropped.

    The earlier value of a change stated in a sentence ("to 4% from 3.75%") is not a current value."""
    current = [s for s in items if not s.quantity.previous]
    # figures that may stand for a looser one: exact ones, and approximate ones stated more finely
    # ("pass 1,000" beside "at least 1,081": the 1,081 is the figure)
    finer = [s for s in current if not s.quantity.approximate or _round_zeros(s.quantity.value) == 0]
    out: list[_Seen] = []
    for item in sorted(current, key=lambda s: (s.quantity.approximate, -s.claim.confidence)):
        q = item.quantity
        if q.approximate and any(
            _consistent(q, e.quantity)
            and _compatible(q, e.quantity)
            and (not e.quantity.approximate or _round_zeros(q.value) > 0)
            # a loose figure restates an exact one stated near it ("pass 200" over "214 people had
            # died"), not one from a paragraph further on ("the 1960 tsunami that killed 61")
            and abs(e.claim.index - item.claim.index) <= NEAR_SENTENCES
            for e in finer
            if e is not item
        ):
            continue
        if any(
            math.isclose(q.value, o.quantity.value, rel_tol=1e-9) and _compatible(q, o.quantity) for o in out
        ):
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
        # a value in both versions is unchanged, unless it moved to another holder ("Britain 12" ->
        # "Britain 14" while Poland keeps 14): such a figure may then pair only within its holder
        gone = [b for b in before if not any(_same(b.quantity, a.quantity, True) for a in after)]
        came = [a for a in after if not any(_same(a.quantity, b.quantity, True) for b in before)]
        if not gone or not came:
            continue
        moved = {id(s) for s, others in ((b, after) for b in gone) if _held_elsewhere(s, others)}
        moved |= {id(s) for s, others in ((a, before) for a in came) if _held_elsewhere(s, others)}
        places = (_places(old_groups[counts]), _places(new_groups[counts]))
        # one figure of a specific count left and one arrived ("lost 11 ballots" -> "after 15 ballots"):
        # the same quantity, however the sentence was rewritten
        only = (
            len(gone) == 1
            and len(came) == 1
            and _specific(counts, gone[0].quantity)
            and not _other_actors(gone[0].claim, came[0].claim)
        )
        for was, now in _pair(gone, came, counts, *places, moved, only):
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
    changes.extend(_same_sentence_changes(old, new))
    return changes


_DIGITS = re.compile(r"\d[\d,.]*")


def _same_sentence_changes(old: list[Claim], new: list[Claim]) -> list[Change]:
    """Figures that name no count, at the same place of a sentence an update kept nearly word for word
    ("Shah had 23,624 votes, ... Nepali Congress with 14,189 and ... with 13,545" -> "Shah won 61,767
    votes, ... with 38,341 and ... with 38,117"): a figure with the same words either side of it in the
    same sentence is the same quantity. The sentences must match each other better than any other
    (figures masked, `SAME_SENTENCE` or more) and hold as many figures; counted figures are paired by
    what they count (above)."""
    old_shapes = _shapes(old)
    new_shapes = _shapes(new)
    # each pair of sentences is compared once; both directions read the same scores
    scores = {
        (o, n): fuzz.ratio(was[1], now[1]) for o, was in old_shapes.items() for n, now in new_shapes.items()
    }
    best_new = {o: _best_match({n: scores[o, n] for n in new_shapes}) for o in old_shapes}
    best_old = {n: _best_match({o: scores[o, n] for o in old_shapes}) for n in new_shapes}
    changes: list[Change] = []
    for o, n in best_new.items():
        if n is None or best_old.get(n) != o:
            continue
        was_claim, now_claim = old_shapes[o][0], new_shapes[n][0]
        was_figures = [q for q in was_claim.numbers if not q.previous]
        now_figures = [q for q in now_claim.numbers if not q.previous]
        if len(was_figures) != len(now_figures):
            continue
        for a, b in zip(was_figures, now_figures, strict=True):
            if a.counts or b.counts or a.unit != b.unit or a.value == b.value or a.bound != b.bound:
                continue
            context = _context(was_claim.text, a)
            if context != _context(now_claim.text, b):
                continue
            if a.approximate or b.approximate or not _tallied(a, context[0]):
                continue
            changes.append(
                Change(
                    kind=ChangeKind.NUMBER_CHANGED,
                    topic="",
                    counts=None,
                    before=_side(_Seen(a, was_claim)),
                    after=_side(_Seen(b, now_claim)),
                    confidence=0.7,
                    extra={"paired_by": "same place in the same sentence"},
                )
            )
    return changes


SAME_SENTENCE = 85.0
_DIGITS = re.compile(r"\d[\d,.]*")
_WORD = re.compile(r"[\w'-]+")


def _shapes(claims: list[Claim]) -> dict[int, tuple[Claim, str]]:
    """Sentence index -> (its claim, its text with figures masked), for sentences holding a figure that
    names no count."""
    shapes: dict[int, tuple[Claim, str]] = {}
    for claim in claims:
        if claim.index in shapes or not any(not q.counts for q in claim.numbers):
            continue
        shapes[claim.index] = (claim, _DIGITS.sub("#", normalise(claim.text)))
    return shapes


def _best_match(scores: dict[int, float]) -> int | None:
    """The other version's sentence most like this one (its index -> similarity), when it is alike
    enough and unrivalled."""
    scored = sorted(((score, index) for index, score in scores.items()), reverse=True)
    if not scored or scored[0][0] < SAME_SENTENCE or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return scored[0][1]


def _tallied(quantity: Quantity, before: list[str]) -> bool:
    """A figure that reads as an amount, not as a name's number ("the expansion plan 70", "Bill 28"):
    written with a separator or decimals, or after a word that introduces an amount ("with 14,189")."""
    return "," in quantity.text or "." in quantity.text or bool(before and before[-1] in _AMOUNT_WORDS)


_AMOUNT_WORDS = frozenset(
    ["with", "to", "from", "of", "by", "at", "than", "about", "around", "nearly", "almost"]
)


def _context(text: str, quantity: Quantity) -> tuple[list[str], list[str]]:
    """Two words either side of a figure, lower-cased."""
    before = _WORD.findall(text[: quantity.start].lower())[-2:]
    after = _WORD.findall(text[quantity.end :].lower())[:2]
    return before, after


# Counted nouns too common to say which quantity a figure is: a lone "12 people" and "15 people" may
# be two different groups.
GENERIC_COUNTS = frozenset(
    ["people", "years", "year", "days", "day", "months", "weeks", "hours", "times", "others", "percent"]
)


def _specific(counts: str, quantity: Quantity) -> bool:
    """A counted noun that names one kind of thing ("ballots", "seats", "tanks"), not money or a share."""
    return counts not in GENERIC_COUNTS and counts != quantity.unit and " " not in counts


def _other_actors(a: Claim, b: Claim) -> bool:
    """The two sentences are about different actors ("Poland ... 14 tanks", "the United States ... 31
    tanks"): a lone count in each is then two figures, not one that moved."""
    return bool(a.actor and b.actor and a.actor != b.actor)


def _places(items: list[_Seen]) -> dict[tuple[int, int], tuple[int, int]]:
    """(sentence, offset) -> (place among the sentence's current figures of the group, how many)."""
    by_sentence: dict[int, list[int]] = {}
    for item in items:
        if not item.quantity.previous:
            by_sentence.setdefault(item.claim.index, []).append(item.quantity.start)
    return {
        (index, start): (place, len(starts))
        for index, starts in by_sentence.items()
        for place, start in enumerate(sorted(set(starts)))
    }


def _pair(
    gone: list[_Seen],
    came: list[_Seen],
    counts: str,
    old_places: dict[tuple[int, int], tuple[int, int]],
    new_places: dict[tuple[int, int], tuple[int, int]],
    moved: set[int],
    only: bool = False,
) -> list[tuple[_Seen, _Seen]]:
    """Pair figures that left with figures that arrived, strongest evidence first: the same holder, the
    same measure, exact figures over approximate ones, similar sentences, then the same place in
    sentences that hold as many such figures ("won 46 and 39 seats" -> "won 44 and 41 seats"). Two
    candidates with the same evidence in the same sentence are ambiguous: neither is paired."""
    scored: list[tuple[tuple[int, int, int, float, int], int, int]] = []
    for i, was in enumerate(gone):
        for j, now in enumerate(came):
            a, b = was.quantity, now.quantity
            if not _compatible(a, b):
                continue
            holder, measure = _holders(a, b), _measures(a, b)
            if holder < 1 and (id(was) in moved or id(now) in moved):
                continue
            score = fuzz.token_set_ratio(normalise(was.claim.text), normalise(now.claim.text))
            # an unknown measure needs a similar sentence; a shared holder is enough only when neither
            # figure names its measure ("Labour won 411 seats" / "Labour won 410")
            if (
                counts not in EVENT_COUNTS
                and not only
                and not measure
                and score < CONTEXT_THRESHOLD
                and (not holder or _named(a) != _named(b))
            ):
                continue
            exact = 2 - a.approximate - b.approximate
            place = old_places.get((was.claim.index, a.start)) == new_places.get((now.claim.index, b.start))
            scored.append(((holder, measure, exact, score, int(place)), i, j))
    scored.sort(key=lambda item: item[0], reverse=True)
    used_old: set[int] = set()
    used_new: set[int] = set()
    pairs = []
    for key, i, j in scored:
        if i in used_old or j in used_new:
            continue
        rivals = [
            (k, i2, j2)
            for k, i2, j2 in scored
            if k == key and (i2 == i) != (j2 == j) and i2 not in used_old and j2 not in used_new
        ]
        used_old.add(i)
        used_new.add(j)
        if any(
            (came[j2].claim.index == came[j].claim.index)
            if i2 == i
            else (gone[i2].claim.index == gone[i].claim.index)
            for _, i2, j2 in rivals
        ):
            used_old.update(i2 for _, i2, _ in rivals)
            used_new.update(j2 for _, _, j2 in rivals)
            continue  # two figures of one sentence fit equally well: say nothing
        pairs.append((gone[i], came[j]))
    return pairs


def _side(seen: _Seen) -> ChangeSide:
    return ChangeSide(
        text=seen.claim.text,
        value=seen.quantity.text,
        start=seen.claim.start + seen.quantity.start,
        end=seen.claim.start + seen.quantity.end,
    )
