"""Quantities in a sentence: value, unit, what they count, whose they are, and whether approximate.

"killing at least 820 people" -> 820 counts "killed"; "rose to 2,012" after "death toll" -> "killed";
"€50 billion package" -> 5e10 EUR counts "package"; "72 km (45 miles)" -> 72 km, the conversion in
parentheses is dropped. Dates, times, years, ordinals, scores ("5-4") and model numbers ("Leopard 2",
"Phase 3") are not quantities. A figure also carries its holder ("Disney's $38"; "Labour won 411 seats,
the Conservatives 121": 121 counts seats for the Conservatives), the words naming its measure when no
counted noun follows ("inflation of 5.5%" -> "inflation"), whether it is the earlier value of a change
stated in the sentence ("to 4% from 3.75%", "up from $28") and, for an approximation, its direction
("more than" -> min, "nearly" -> max). "Of the dead, 92 were in Valencia" counts "killed subset" in
"valencia". The differ pairs quantities that count the same thing.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from monitor.claims.words import MONTHS, alternation
from monitor.model import Quantity

_APPROX = (
    r"more than|over|about|around|roughly|nearly|almost|at least|above|below|under|up to|some|an estimated"
    r"|approximately|close to|upwards of|fewer than|less than|topping|exceeding|in excess of|just over"
    r"|just under|as many as|as much as|well over|estimated"
    r"|pass|passes|passed|past|tops|topped|surpass|surpasses|surpassed|exceeds|exceeded|beyond"
    r"|nears|neared|nearing|exceed|(?<!the )(?<!its )(?<!their )top|near"
)


def _phrases(text: str, sep: str | None = None) -> frozenset[str]:
    return frozenset(text.split(sep))


# Which side of the true value an approximation sits: "more than 270" is at least 270, "nearly 300" at most.
_LOWER_BOUND = _phrases(
    "more than|over|above|at least|upwards of|topping|exceeding|in excess of|just over|well over|pass|passes"
    "|passed|past|tops|topped|surpass|surpasses|surpassed|exceeds|exceeded|beyond|exceed|top",
    "|",
)
_UPPER_BOUND = _phrases(
    "below|under|up to|fewer than|less than|just under|as many as|as much as|nearly|almost|close to|nears"
    "|neared|nearing|near",
    "|",
)
_CURRENCY = r"(?:US|C|A|NZ|HK|S)?\$|€|£|¥|₹|(?:EUR|USD|GBP|CHF|JPY|CAD|AUD)\s?"
_UNIT = (
    r"%|per\s?cent\b|percent\b|percentage points?\b|km/h\b|mph\b|km\b|kilometres?\b|kilometers?\b|miles?\b"
    r"|metres?\b|meters?\b|kg\b|kilograms?\b|tonnes?\b|tons?\b|euros?\b|dollars?\b|pounds?\b|yen\b|yuan\b"
    r"|rupees?\b|degrees?\b|°C|°F|feet\b|ft\b|barrels?\b|bpd\b|MW\b|GW\b|TWh\b|hectares?\b|acres?\b"
    r"|litres?\b|liters?\b|gallons?\b|cents?\b|basis points?\b"
    r"|(?<=\d)p\b(?!\.m)"  # pence: "410p a share"
)
# The figure itself; what stands around it (an approximation word, a currency, a scale, a unit) is read
# from small windows next to it, which is much cheaper than one big pattern tried at every position.
_CORE_RE = re.compile(r"(?<![\w.,:-])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d|,\d)|\d+(?:\.\d+)?(?![\d:]))")
_APPROX_BEFORE = re.compile(rf"\b(?:{_APPROX})\s+$", re.IGNORECASE)
_CURRENCY_BEFORE = re.compile(rf"(?:{_CURRENCY})$")
# Both patterns end at the end of the window, so a match starts at most this many characters before the
# window's last non-space (an approximation phrase) or its end (a currency: "EUR " and a final newline):
# the searches start there instead of trying every position of the window (they cost two thirds of
# reading a figure). Lookbehinds and word boundaries still see the characters before the start.
_APPROX_LONGEST = max(len(re.sub(r"\(\?<!.*?\)", "", phrase)) for phrase in _APPROX.split("|"))
_CURRENCY_LONGEST = 5
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
        currency = _CURRENCY_BEFORE.search(before, max(0, len(before) - _CURRENCY_LONGEST))
        self.cur = currency.group() if currency else ""
        head = before[: len(before) - len(self.cur)] if self.cur else before
        approx = _APPROX_BEFORE.search(head, max(0, len(head.rstrip()) - _APPROX_LONGEST))
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
_MONTHS = alternation(MONTHS)
_HAS_DIGIT = re.compile(r"\d")
_MONTH_BEFORE = re.compile(rf"\b(?:{_MONTHS})\.?\s*$", re.I)
_MONTH_AFTER = re.compile(rf"^\s*(?:{_MONTHS})\b", re.I)
_CAPITALISED_BEFORE = re.compile(r"\b([A-Z][A-Za-z]*|[A-Z]+\d*)[\s-]$")
_NOT_MODEL_NAMES = ("The", "A", "An", "In", "On", "At", "By", "Of", "Some", "About", "Over")
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
_EVENT_COUNTS = frozenset(_EVENTS)
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
        # position or time after the figure is not what it counts: "$2 billion ahead of the draw"
        "ahead",
        "behind",
        "ago",
        "apiece",
        # a time phrase after the figure is not what it counts: "5.5% this year", "2% next month"
        "this",
        "next",
        "last",
        "each",
        "every",
    ]
)
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]*|\d[\d,.]*|[^\sA-Za-z\d]")
# Words between a figure and its counted noun that leave the count the same kind: "4,785 valid ballots"
# counts ballots as "2,672 ballots" does. (Not "new" or "confirmed": "new cases" and "confirmed cases"
# are other figures than "cases".)
# Between two figures of one sentence, when the second has no noun of its own: it counts what the first
# does ("1,518 votes in favour of unionising and 1,154 against").
_ELIDED_AFTER = re.compile(
    r"[^\d.;:()]{0,80}?\s(?:and|against|versus|vs\.?)\s+$"  # "80 seats against 78 for the Socialists"
    r"|^\s+[a-z]+\s+to\s+[A-Z][\w.-]*['\u2019]s\s+$"  # "671,151 votes to Moore's 650,436"
)
_COUNT_QUALIFIERS = frozenset(["valid", "eligible", "registered", "additional", "extra"])
# Figures written as words ("three people were killed", "twenty-five seats"): monitor/data/numbers.toml.
with (Path(__file__).resolve().parent.parent / "data" / "numbers.toml").open("rb") as _handle:
    _NUMBER_DATA = tomllib.load(_handle)
_UNITS_WORDS: dict[str, int] = _NUMBER_DATA["words"]
_TENS_WORDS: dict[str, int] = _NUMBER_DATA["tens"]
_DIGIT_WORDS = {w: v for w, v in _UNITS_WORDS.items() if v < 10} | {"one": 1}
_DURATIONS = frozenset(_NUMBER_DATA["not_counted"]["words"])
_DETERMINERS = frozenset(_NUMBER_DATA["references"]["words"])
_NUMBER_WORD_RE = re.compile(
    r"(?<![\w-])(?P<word>(?:" + "|".join(_TENS_WORDS) + r")(?:-(?:" + "|".join(_DIGIT_WORDS) + r"))?"
    r"|" + "|".join(sorted(_UNITS_WORDS, key=len, reverse=True)) + r")(?![\w-])",
    re.IGNORECASE,
)
# A cheap necessary condition for `_NUMBER_WORD_RE` (whose case-blind alternation tried at every
# position cost a fifth of `extract_quantities`): the lowercased text holds one of the words. Exact,
# because only ASCII letters and these four characters match an ASCII letter case-blind in `re`.
_NUMBER_WORD_HINT = re.compile("|".join(sorted({*_TENS_WORDS, *_UNITS_WORDS}, key=len, reverse=True)))
_FOLDS_TO_ASCII = ("\u0130", "\u0131", "\u017f", "\u212a")  # İ ı ſ K (Kelvin)


def _has_number_word(text: str) -> bool:
    hinted = _NUMBER_WORD_HINT.search(text.lower()) is not None
    if not hinted and (text.isascii() or not any(c in text for c in _FOLDS_TO_ASCII)):
        return False
    return _NUMBER_WORD_RE.search(text) is not None


def _word_value(word: str) -> float:
    word = word.lower()
    if "-" in word:
        tens, units = word.split("-")
        return float(_TENS_WORDS[tens] + _DIGIT_WORDS[units])
    return float(_UNITS_WORDS.get(word) or _TENS_WORDS[word])


def _words_after(text: str, position: int, limit: int = 6) -> list[str]:
    return _WORD_RE.findall(text[position : position + 80])[:limit]


def _words_before(text: str, position: int, limit: int = 6) -> list[str]:
    return _WORD_RE.findall(text[max(0, position - 90) : position])[-limit:]


def _counts(text: str, start: int, end: int, previous: _Record | Quantity | None) -> str | None:
    """What the quantity at text[start:end] counts: an event ("killed"), else the counted noun."""
    after = _words_after(text, end, 10)
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
        if lowered_after[k] in ("and", "or", ",") and after[k + 1 : k + 2] and after[k + 1][:1].isdigit():
            k += 1  # "46 and 39 seats", "44, 41 and 12 protesters": the noun comes after the last figure
            continue
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
        if lowered_after[k] in _COUNT_QUALIFIERS and after[k + 1 : k + 2] and after[k + 1][:1].islower():
            k += 1
            continue
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


# The earlier value of a change stated inside one sentence: "to 4% from 3.75%", "up from about $28".
_CHANGE_VERBS = (
    r"rose|rise|rises|risen|rising|fell|fall|falls|fallen|falling|raised|raises|raising|cut|cuts|cutting"
    r"|lowered|lowers|lowering|increased|increases|decreased|decreases|jumped|jumps|climbed|climbs|dropped"
    r"|drops|grew|grows|slipped|slips|soared|soars|surged|surges|plunged|plunges|declined|declines|revised"
    r"|lifted|lifts|boosted|slashed|trimmed|widened|narrowed|eased|eases|slowed|slows|edged|edges|revises"
    r"|upgraded|downgraded|changed|moved|went|increase|decrease|rise|drop|jump|fall"
)
_PREVIOUS_BEFORE = re.compile(
    r"\b(?:(?:up|down)\s+from|compared\s+(?:with|to)|versus|vs\.?|from\s+(?:a|the|an)\s+(?:previous|prior|earlier)"
    r"|previously|(?:was|were)\s+previously"
    r"|(?:an?|the)\s+(?:earlier|previous|prior|initial|original)\s+(?:figure|count|toll|estimate|tally)\s+of)\s+$",
    re.IGNORECASE,
)
_FROM_BEFORE = re.compile(r"\bfrom\s+$", re.IGNORECASE)
_TO_BEFORE = re.compile(r"\bto\s+$", re.IGNORECASE)
_CHANGE_FROM_BEFORE = re.compile(rf"\b(?:{_CHANGE_VERBS})\b(?:\s+[\w'%.-]+){{0,4}}\s+from\s+$", re.IGNORECASE)
# Whose figure it is. A name: capitalised words ("Reform UK", "Bank of England").
_NAME = r"(?:[A-Z][\w&.-]*\s+(?:of\s+|de\s+)?){0,3}[A-Z][\w&.-]*"
_POSSESSIVE_BEFORE = re.compile(rf"(?<![\w'])(?P<name>{_NAME})'s\s+(?:[a-z]+\s+){{0,3}}$")
_OBJECT_BEFORE = re.compile(
    r"\b(?:on|for|from|against|into|to|with|over)\s+(?:(?:the|all|its|their|his|her|a|an)\s+)?$",
    re.IGNORECASE,
)
_LEADING_POSSESSIVE = re.compile(rf"\s*(?:[Tt]he\s+)?(?P<name>{_NAME})'s\s")
_SUBJECT_BEFORE = re.compile(rf"(?<![\w'])(?P<name>{_NAME})\s+(?:[a-z]+\s+){{1,4}}$")
# A list with the counted noun said once: "Labour won 411 seats, the Conservatives 121 and Reform UK 5".
_LIST_MEMBER = re.compile(
    rf"^(?:\s+[a-z]+){{0,2}}\s*(?:,|;|,?\s+and)\s+(?:the\s+)?(?:{_NAME}'s\s+)?(?:[a-z]+\s+)?"
    rf"(?P<name>{_NAME})\s+(?:(?:on|with)\s+)?$"
)
# A leading "of the dead," / "among those injured,": the figure counts part of that group.
_LEADING_OF = re.compile(
    r"(?:^|[.;:]\s+|\b(?:and|but)\s+)(?:of|among)\s+(?:the|those)\s+(?:[\d,.]+\s+)?(?:people\s+)?"
    r"(?P<what>[a-z]+)\s*,\s*$",
    re.IGNORECASE,
)
_CLAUSE_SPLIT = re.compile(r"[,;:()\u2014\u2013]|\s-\s|\b(?:while|whereas|but|and|although)\b", re.IGNORECASE)
_NOT_A_NAME = _phrases(
    "the a an it its they he she we this that these those there but and in on at by of for as if when while"
    " after before since with some about over officials police authorities monday tuesday wednesday"
    " thursday friday saturday sunday"
) | _phrases(_MONTHS, "|")
# Words next to a figure that say nothing about what it measures.
_NOT_MEASURE = frozenset(
    (
        _CHANGE_VERBS.replace("|", " ") + " said says say told reported according would will could may might"
        " should can also just only still now then year years month months week weeks day days quarter"
        " annual annually yearly monthly today yesterday last next this first second new current previous"
        " prior earlier per cent percent point points basis million billion trillion bn mn tn stood stands"
        " stand reached reach reaches hit hits was were is are be been being set sets expected expects"
        " put puts around almost nearly roughly least pass passes passed past tops topped exceeded exceeds"
        " beyond topping exceeding grow value level levels figure total record high low higher lower up down"
        " from grown swell swells swelled swelling shrank shrunk shrinks"
    ).split()
)
# The year a figure belongs to, said right after it in its clause: "cut 1,200 jobs in 2023".
_YEAR_AFTER = re.compile(
    r"(?:\s+[a-z]+){0,3}?\s+(?:in|for|during)\s+(?:fiscal\s+|the\s+year\s+)?((?:19|20)\d\d)\b"
)
_RATE_NOUNS = _phrases(
    "share year month week day hour tonne ton barrel litre liter gallon head person capita unit kilo ounce"
    " night seat vote"
)


def _stem(word: str) -> str:
    word = word.lower().replace("\u2019", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word


def _holder_name(name: str) -> str | None:
    words = name.split()
    while words and words[0].lower() in _NOT_A_NAME:
        words = words[1:]
    if not words:
        return None
    return " ".join(_stem(w) for w in words)


def _measure_words(words: list[str], holder: str | None) -> list[str]:
    skip = set(holder.split()) if holder else set()
    out = []
    for word in words:
        if not word[:1].isalpha() or word.endswith(("'s", "\u2019s")):
            continue
        if len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
            continue  # a verb in the past: "offered", "approved"
        stem = _stem(word)
        if word.lower() in _NOT_MEASURE:
            continue  # "climbs", "falls": the stem ("climb") would pass for a noun
        if len(stem) > 2 and stem not in _FUNCTION and stem not in _NOT_MEASURE and stem not in skip:
            out.append(stem)
    return out


class _Record:
    """A figure found so far: the Quantity's fields plus where its words begin and end."""

    __slots__ = (
        "about",
        "approx",
        "counts",
        "end",
        "from_",
        "full_end",
        "full_start",
        "holder",
        "listed",
        "num_start",
        "previous",
        "text",
        "unit",
        "value",
    )

    def __init__(self, match: _Found, value: float, unit: str | None, counts: str | None) -> None:
        self.text = match.num
        self.value = value
        self.unit = unit
        self.counts = counts
        self.num_start = match.num_start
        self.end = match.end
        self.full_start = match.start
        self.full_end = match.end
        self.approx = match.approx.strip().lower()
        self.holder: str | None = None
        self.about = ""
        self.previous = False
        self.from_ = False
        self.listed = False

    def quantity(self) -> Quantity:
        bound = ""
        if self.approx:
            approx = " ".join(self.approx.split())
            bound = "min" if approx in _LOWER_BOUND else "max" if approx in _UPPER_BOUND else "about"
        return Quantity(
            text=self.text,
            value=self.value,
            unit=self.unit,
            counts=self.counts,
            start=self.num_start,
            end=self.end,
            approximate=bool(self.approx),
            bound=bound,
            holder=self.holder,
            about=self.about,
            previous=self.previous,
        )


def _list_member(text: str, previous: _Record | None, start: int) -> str | None:
    """The name of a list member whose counted noun is elided ("..., the Conservatives 121"), else None."""
    if previous is None or not previous.counts or start - previous.full_end > 90:
        return None
    member = _LIST_MEMBER.match(text[previous.full_end : start].replace("\u2019", "'"))
    return _holder_name(member.group("name")) if member else None


def _subset(text: str, start: int, end: int) -> tuple[str, str] | None:
    """("killed subset", "valencia region") for "Of the dead, 92 were in the Valencia region"."""
    after = _words_after(text, end, 10)
    lowered = [w.lower() for w in after]
    group: str | None = None
    rest: list[str] = []
    window = text[max(0, start - 60) : start]
    # the pattern ends in a comma and spaces: without one the search (tried at every position) is skipped
    leading = _LEADING_OF.search(window) if window.rstrip().endswith(",") else None
    if leading and lowered[:1] != ["of"]:
        what = leading.group("what").lower()
        group = _EVENT_OF.get(what, what if what not in _FUNCTION else None)
        rest = after
    elif lowered[:2] in (["of", "the"], ["of", "those"]) and len(lowered) > 2 and lowered[2] in _EVENT_OF:
        group = _EVENT_OF[lowered[2]]
        rest = after[3:]
    if group is None:
        return None
    clause: list[str] = []
    for word in rest:
        if word in (".", ",", ";", ":", "(") or word.lower() in ("and", "but", "while"):
            break
        clause.append(word)
    return f"{group} subset", " ".join(dict.fromkeys(_measure_words(clause, None)))


def _holder(text: str, record: _Record) -> str | None:
    """Whose figure: a possessive right before it ("Disney's $38"), else for counts other than casualties
    the name that is the subject of a short clause ending at the figure ("Labour won 411 seats")."""
    before = text[max(0, record.full_start - 70) : record.full_start].replace("\u2019", "'")
    possessive = _POSSESSIVE_BEFORE.search(before) if "'s" in before else None  # the pattern's own "'s"
    if possessive:
        return _holder_name(possessive.group("name"))
    if record.counts in _EVENT_COUNTS or (record.counts or "").endswith(" subset"):
        return None
    clause = _CLAUSE_SPLIT.split(before)[-1]
    subject = _SUBJECT_BEFORE.search(clause)
    if subject is None:
        return None
    if _OBJECT_BEFORE.search(clause, 0, subject.start()):
        # "China's tariff on American goods stands at 84%": a name after a preposition is no subject;
        # the clause's leading possessive names the holder
        owner = _LEADING_POSSESSIVE.match(clause)
        return _holder_name(owner.group("name")) if owner else None
    name = subject.group("name")
    at = record.full_start - len(clause) + subject.start()  # where the name begins in the sentence
    if record.unit and record.counts == record.unit and " " not in name and not text[:at].strip(" \"'\u201c"):
        return None  # "Inflation hit 5.5%": a capitalised first word may be any noun; it names the measure
    return _holder_name(name)


def _about(text: str, record: _Record, previous: _Record | None) -> str:
    """Words naming what a figure without a counted noun measures: "inflation" ("inflation of 5.5%")."""
    start = record.full_start
    floor = previous.full_end if previous is not None else 0
    window = text[max(floor, start - 80) : start].replace("\u2019", "'")
    parts = _CLAUSE_SPLIT.split(window)
    words = _measure_words(_WORD_RE.findall(parts[-1])[-6:], record.holder)
    after = _words_after(text, record.end, 3)
    lowered = [w.lower() for w in after]
    if (
        len(lowered) > 2
        and lowered[0] == "per"
        and after[1][:1].isupper()
        and _stem(lowered[2]) in _RATE_NOUNS
    ):
        del lowered[1]  # "$35 per Fox share": the company named between is the share's, not a new rate
    if (
        lowered[:1] in (["a"], ["an"], ["per"])
        and len(lowered) > 1
        and _stem(lowered[1]) in _RATE_NOUNS
        and lowered[2:3] not in (["earlier"], ["ago"], ["before"], ["later"])
    ):
        words.append("/" + _stem(lowered[1]))  # "$38 a share": a rate, compared apart from the measure
    if not words and previous is not None and len(parts) == 1 and previous.unit == record.unit:
        return previous.about  # "rose 12% to $31", "to 4% from 3.75%": the clause's measure
    return " ".join(dict.fromkeys(words))


def _word_figures(text: str, out: list[_Record]) -> None:
    """Counts written as words: kept only where they count something ("five people were killed",
    "three judges"), never a duration ("three years") or a part ("two of the judges")."""
    taken = [(r.full_start, r.full_end) for r in out]
    for core in _NUMBER_WORD_RE.finditer(text):
        if any(a <= core.start() < b for a, b in taken):
            continue
        after = [w.lower() for w in _words_after(text, core.end(), 2)]
        # a figure closing its clause counts only what the clause says it is: "bringing the toll to nine"
        closing = not after or not after[0][:1].isalpha()
        if not closing and (after[0] in _DURATIONS or after[0] in _FUNCTION):
            continue
        before = [w.lower() for w in _words_before(text, core.start(), 1)]
        if before and before[0] in _DETERMINERS:
            continue  # "the three companies", "the other two": a reference to a known group, not a count
        match = _Found(text, core)
        counts = _counts(text, match.num_start, match.end, None)
        if counts is None or counts in _DURATIONS or (closing and counts not in _EVENT_COUNTS):
            continue
        record = _Record(match, _word_value(core.group()), None, counts)
        record.holder = _holder(text, record)
        out.append(record)
    out.sort(key=lambda r: r.num_start)


def extract_quantities(text: str) -> tuple[Quantity, ...]:
    """Quantities in one sentence, offsets relative to `text`."""
    out: list[_Record] = []
    if not _HAS_DIGIT.search(text):
        if _has_number_word(text):
            _word_figures(text, out)
        return tuple(r.quantity() for r in out)
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
        if re.search(r"\d[-–]$", before_text[-3:]):  # a match ends at the end or before a final newline
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
        previous = out[-1] if out else None
        member = _list_member(text, previous, match.start) if previous is not None else None
        if (
            not member
            and not currency
            and not match.approx
            and "," not in number  # models are small numbers: "gave Jones 673,896 votes" is a count
            and (word := _CAPITALISED_BEFORE.search(before_text[-30:]))
            and word.group(1) not in _NOT_MODEL_NAMES
            and not before_text.rstrip().endswith(("(", ","))
        ):
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
        subset = _subset(text, match.start, end)
        counts = subset[0] if subset else _counts(text, match.num_start, end, previous)
        if member and previous is not None and counts in (None, unit) and unit in (None, previous.unit):
            counts, unit = previous.counts, previous.unit  # "..., the Conservatives 121": seats
        elif counts is None and unit is None and (counted := _counted_before(text, out, match.start)):
            counts = counted  # "1,518 votes in favour and 1,154 against": the noun said once
        if unit and counts in (None, unit.lower()):
            counts = unit
        if counts in _EVENT_COUNTS and (currency or unit == "%"):
            counts = unit  # "a $15 toll", "5% of deaths": money and shares never count casualties
        record = _Record(match, value, unit, counts)
        record.listed = bool(member)
        record.holder = member or _holder(text, record)
        if subset:
            record.about = subset[1]
        elif unit and counts == unit:
            record.about = _about(text, record, previous)
        year = _YEAR_AFTER.match(text, end)
        if year:  # "1,200 jobs in 2023": a figure of that year, another quantity than 2024's
            record.about = f"{record.about} @{year.group(1)}".strip()
        _mark_previous(text, record, previous)
        out.append(record)
    if _has_number_word(text):
        _word_figures(text, out)
    return tuple(r.quantity() for r in out)


def _counted_before(text: str, out: list[_Record], start: int) -> str | None:
    """The counted noun of the figure before, when the figure at `start` elides it ("1,518 votes in favour
    and 1,154 against", "80 seats in the 230-seat parliament against 78"). A figure used as a
    modifier ("230-seat") is passed over."""
    skipped: list[_Record] = []
    for earlier in reversed(out):
        if text[earlier.full_end : earlier.full_end + 1] == "-":
            skipped.append(earlier)  # "230-seat parliament": an adjective, not what the sentence counts
            continue
        if not earlier.counts or earlier.unit is not None:
            return None
        between = text[earlier.full_end : start]
        for modifier in skipped:  # the modifier's figure stands for a word here
            a, b = modifier.full_start - earlier.full_end, modifier.full_end - earlier.full_end
            between = between[:a] + "n" * (b - a) + between[b:]
        return earlier.counts if _ELIDED_AFTER.match(between) else None
    return None


def _mark_previous(text: str, record: _Record, previous: _Record | None) -> None:
    """Flag the earlier value of a change stated in the sentence: "up from $28", "to 4% from 3.75%",
    "from 3.5% to 3.75%", "rose from 36"."""
    before = text[max(0, record.full_start - 60) : record.full_start]
    if _PREVIOUS_BEFORE.search(before[-30:]):
        record.previous = True
    elif _FROM_BEFORE.search(before[-8:]):
        record.from_ = True
        near = previous is not None and record.full_start - previous.full_end < 12
        if _CHANGE_FROM_BEFORE.search(before):
            record.previous = True
        elif near and previous is not None and previous.unit == record.unit:
            lead = text[max(0, previous.full_start - 8) : previous.full_start]
            record.previous = bool(_TO_BEFORE.search(lead))  # "to 4% from 3.75%"
    if (
        previous is not None
        and previous.from_
        and not previous.previous
        and previous.unit == record.unit
        and record.full_start - previous.full_end < 12
        and _TO_BEFORE.search(before[-6:])
    ):
        previous.previous = True  # "from 3.5% to 3.75%"
