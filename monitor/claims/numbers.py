"""Quantities in a sentence: value, unit, what they count, and whether they are approximate.

"killing at least 820 people" -> 820 counts "killed"; "rose to 2,012" after "death toll" -> "killed";
"€50 billion package" -> 5e10 EUR counts "package"; "72 km (45 miles)" -> 72 km, the conversion in
parentheses is dropped. Dates, times, years, ordinals, scores ("5-4") and model numbers ("Leopard 2",
"Phase 3") are not quantities. The differ pairs quantities that count the same thing.
"""

from __future__ import annotations

import re

from monitor.model import Quantity

_APPROX = (
    r"more than|over|about|around|roughly|nearly|almost|at least|above|below|under|up to|some|an estimated"
    r"|approximately|close to|upwards of|fewer than|less than|topping|exceeding|in excess of|just over"
    r"|just under|as many as|as much as|well over|estimated"
)
_CURRENCY = r"(?:US|C|A|NZ|HK|S)?\$|€|£|¥|₹|(?:EUR|USD|GBP|CHF|JPY|CAD|AUD)\s?"
_UNIT = (
    r"%|per\s?cent\b|percent\b|percentage points?\b|km/h\b|mph\b|km\b|kilometres?\b|kilometers?\b|miles?\b"
    r"|metres?\b|meters?\b|kg\b|kilograms?\b|tonnes?\b|tons?\b|euros?\b|dollars?\b|pounds?\b|yen\b|yuan\b"
    r"|rupees?\b|degrees?\b|°C|°F|feet\b|ft\b|barrels?\b|bpd\b|MW\b|GW\b|TWh\b|hectares?\b|acres?\b"
    r"|litres?\b|liters?\b|gallons?\b|cents?\b|basis points?\b"
)
# The figure itself; what stands around it (an approximation word, a currency, a scale, a unit) is read
# from small windows next to it, which is much cheaper than one big pattern tried at every position.
_CORE_RE = re.compile(r"(?<![\w.,:-])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d|,\d)|\d+(?:\.\d+)?(?![\d:]))")
_APPROX_BEFORE = re.compile(rf"\b(?:{_APPROX})\s+$", re.IGNORECASE)
_CURRENCY_BEFORE = re.compile(rf"(?:{_CURRENCY})$")
_AFTER = re.compile(
    rf"(?P<scale>\s?(?:million|billion|trillion|bn|mn|tn)\b|(?:m|bn|k)\b)?(?P<unit>\s?(?:{_UNIT}))?",
    re.IGNORECASE,
)


class _Found:
    """One figure and the words around it: the parts the rules below look at."""

    __slots__ = ("approx", "cur", "end", "num", "num_end", "num_start", "scale", "start", "unit")

    def __init__(self, text: str, core: re.Match[str]) -> None:
        self.num = core.group()
        self.num_start = core.start()
        self.num_end = core.end()
        before = text[max(0, self.num_start - 24) : self.num_start]
        currency = _CURRENCY_BEFORE.search(before)
        self.cur = currency.group() if currency else ""
        head = before[: len(before) - len(self.cur)] if self.cur else before
        approx = _APPROX_BEFORE.search(head)
        self.approx = approx.group() if approx else ""
        self.start = self.num_start - len(self.cur) - len(self.approx)
        after = _AFTER.match(text, self.num_end)
        self.scale = (after.group("scale") or "") if after else ""
        self.unit = (after.group("unit") or "") if after else ""
        self.end = after.end() if after else self.num_end


_SCALES = {
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
    "k": 1e3,
}
_CURRENCY_CODES = {
    "$": "USD",
    "US$": "USD",
    "C$": "CAD",
    "A$": "AUD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "S$": "SGD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
}
_UNIT_NAMES = {
    "per cent": "%",
    "percent": "%",
    "percentage point": "pp",
    "percentage points": "pp",
    "euro": "EUR",
    "euros": "EUR",
    "dollar": "USD",
    "dollars": "USD",
    "pound": "GBP",
    "pounds": "GBP",
    "kilometre": "km",
    "kilometres": "km",
    "kilometer": "km",
    "kilometers": "km",
    "mile": "miles",
    "tonne": "tonnes",
    "ton": "tonnes",
    "tons": "tonnes",
    "metre": "m",
    "metres": "m",
    "meter": "m",
    "meters": "m",
    "cent": "cents",
}
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_HAS_DIGIT = re.compile(r"\d")
_MONTH_BEFORE = re.compile(rf"\b(?:{_MONTHS})\.?\s*$", re.I)
_MONTH_AFTER = re.compile(rf"^\s*(?:{_MONTHS})\b", re.I)
_CAPITALISED_BEFORE = re.compile(r"\b([A-Z][A-Za-z]*|[A-Z]+\d*)[\s-]$")
_EVENTS = {
    "killed": [
        "kill",
        "kills",
        "killed",
        "killing",
        "dead",
        "died",
        "die",
        "dies",
        "deaths",
        "death",
        "fatalities",
        "lives",
        "toll",
        "bodies",
        "perished",
    ],
    "injured": ["injured", "injuring", "injuries", "wounded", "wounding", "hurt"],
    "missing": ["missing", "unaccounted"],
    "displaced": ["displaced", "homeless", "evacuated", "evacuees"],
    "arrested": ["arrested", "detained", "detentions", "arrests"],
    "infected": ["infected", "infections", "cases"],
    "rescued": ["rescued"],
}
_EVENT_OF = {word: event for event, words_ in _EVENTS.items() for word in words_}
_FUNCTION = frozenset(
    [
        "of",
        "to",
        "from",
        "in",
        "on",
        "at",
        "and",
        "or",
        "with",
        "a",
        "an",
        "the",
        "its",
        "their",
        "his",
        "her",
        "our",
        "own",
        "by",
        "for",
        "as",
        "than",
        "that",
        "which",
        "who",
        "were",
        "was",
        "is",
        "are",
        "have",
        "has",
        "had",
        "be",
        "been",
        "being",
        "more",
        "less",
        "about",
        "some",
        "other",
        "others",
        "after",
        "before",
        "since",
        "while",
        "when",
        "into",
        "over",
        "under",
        "per",
        "against",
        "compared",
        "between",
        "during",
        "until",
        "within",
        "across",
    ]
)
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]*|\d[\d,.]*|[^\sA-Za-z\d]")
_SMALL_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "dozen": 12,
    "twenty": 20,
    "hundred": 100,
}


def _words_after(text: str, position: int, limit: int = 6) -> list[str]:
    return _WORD_RE.findall(text[position : position + 80])[:limit]


def _words_before(text: str, position: int, limit: int = 6) -> list[str]:
    return _WORD_RE.findall(text[max(0, position - 90) : position])[-limit:]


def _counts(text: str, start: int, end: int, previous: Quantity | None) -> str | None:
    """What the quantity at text[start:end] counts: an event ("killed"), else the counted noun."""
    after = _words_after(text, end)
    before = _words_before(text, start)
    lowered_after = [w.lower() for w in after]
    if lowered_after[:2] == ["of", "them"] or lowered_after[:2] == ["of", "whom"]:
        parent = previous.counts if previous else None
        extra = next((w for w in lowered_after[2:4] if w.isalpha()), "")
        return f"{parent or 'total'} subset {extra}".strip()
    # an event word right before ("killing at least 820") or shortly after ("people injured", "have died")
    for word in reversed([w.lower() for w in before[-3:]]):
        if word in _EVENT_OF:
            return _EVENT_OF[word]
        if not word.isalpha() or word in ("and", "while", "with"):
            break
    noun = None
    k = 0
    if lowered_after[:1] == ["of"]:
        k = 1
        while k < len(after) and lowered_after[k] in ("the", "its", "their", "his", "her", "own", "our"):
            k += 1
    while k < len(after):
        word = after[k]
        if not word[:1].isalpha():
            if word[:1].isdigit():
                k += 1
                continue
            break
        if word[:1].isupper():
            k += 1
            continue
        if word.lower() in _FUNCTION:
            break
        noun = word.lower()
        break
    for word in lowered_after[k : k + 4]:
        if word in _EVENT_OF:
            return _EVENT_OF[word]
        if word in (".", ",", ";", "and", "but"):
            break
    # "the death toll ... rose to 2,012": the clause's subject names what the figure counts
    if before and before[-1].lower() in ("to", "at", "reached", "hit", "topped", "passed", "exceeded", "of"):
        clause = text[max(0, start - 200) : start]
        clause = re.split(r"[.;]\s", clause)[-1].lower()
        if (
            "toll" in clause
            or "number of dead" in clause
            or "number of deaths" in clause
            or re.search(r"number of (?:people )?(?:killed|dead)", clause)
        ):
            return "killed"
        if re.search(r"number of (?:people )?(?:injured|wounded)", clause):
            return "injured"
    if noun in _EVENT_OF:
        return _EVENT_OF[noun]
    if noun in ("people", "others", "persons", "residents", "civilians"):
        # "at least 36 people have died" is handled above; a bare head count stays a head count
        return "people"
    return noun


def extract_quantities(text: str) -> tuple[Quantity, ...]:
    """Quantities in one sentence, offsets relative to `text`."""
    out: list[Quantity] = []
    if not _HAS_DIGIT.search(text):
        return ()
    for core in _CORE_RE.finditer(text):
        match = _Found(text, core)
        number = match.num
        end = match.end
        digits = number.replace(",", "")
        before_text = text[max(0, match.num_start - 40) : match.num_start]
        after_text = text[match.num_end : match.num_end + 40]
        unit_text = match.unit.strip()
        currency = match.cur.strip()
        if after_text[:1].isalpha() and not match.scale and not unit_text:
            continue  # ordinal or code: "75th", "10am"
        if re.match(r"\s?(?:a\.m\.|p\.m\.|am\b|pm\b|GMT|BST|UTC)", after_text) or re.match(
            r"[-–]\d", after_text
        ):
            continue  # time, score or range ("5-4")
        if re.search(r"\d[-–]$", before_text):
            continue
        if _MONTH_BEFORE.search(before_text[-14:]) or (_MONTH_AFTER.match(after_text) and not currency):
            continue  # a date: "April 1", "31 May"
        if (
            "." not in digits
            and "," not in number
            and len(digits) == 4
            and 1800 <= int(digits) <= 2100
            and not currency
            and not unit_text
        ):
            following = _words_after(text, match.num_end, 1)
            if not following or following[0].lower() not in (
                "people",
                "troops",
                "soldiers",
                "tanks",
                "homes",
                "jobs",
            ):
                continue  # a year
        if not currency and not match.approx and _CAPITALISED_BEFORE.search(before_text[-30:]):
            word = _CAPITALISED_BEFORE.search(before_text[-30:])
            assert word is not None
            if word.group(1) not in (
                "The",
                "A",
                "An",
                "In",
                "On",
                "At",
                "By",
                "Of",
                "Some",
                "About",
                "Over",
            ) and not before_text.rstrip().endswith(("(", ",")):
                continue  # a model or phase: "Leopard 2", "Phase 3", "M1"
        stripped = before_text.rstrip()
        if stripped.endswith("(") and out and match.start - out[-1].end < 4:
            continue  # a unit conversion of the figure just before: "72 km (45 miles)"
        try:
            value = float(digits)
        except ValueError:
            continue
        scale = match.scale.strip().lower()
        value *= _SCALES.get(scale, 1.0)
        unit = None
        if currency:
            unit = _CURRENCY_CODES.get(currency, currency.strip().upper())
        if unit_text:
            unit_name = _UNIT_NAMES.get(unit_text.lower(), unit_text.lower() if unit_text != "%" else "%")
            unit = unit or unit_name
            if unit_name in ("EUR", "USD", "GBP"):
                unit = unit_name
        if after_text[:1] == "-" and after_text[1:2].isalpha():
            unit = unit or re.match(r"-([A-Za-z]+)", after_text).group(1).lower()  # type: ignore[union-attr]
        previous = out[-1] if out else None
        counts = _counts(text, match.num_start, end, previous)
        if unit and counts in (None, unit.lower()):
            counts = unit
        out.append(
            Quantity(
                text=number,
                value=value,
                unit=unit,
                counts=counts,
                start=match.num_start,
                end=end,
                approximate=bool(match.approx),
            )
        )
    return tuple(out)
