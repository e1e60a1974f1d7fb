"""News-aware sentence splitting.

News copy is not prose: it opens with a headline and a dateline ("WASHINGTON, Sept 10, 2024",
"BRUSSELS (AP) —"), carries page furniture (share rows, newsletter and donation banners), uses
abbreviations that end in a full stop ("U.S.", "Gen.", "Dec. 20", "p.m.") and lets quotes end
sentences. `split_sentences` returns every line's sentences with offsets into the original text and a
`kind`: "body", "heading" (a headline or crosshead: no closing punctuation), "dateline" or
"boilerplate". The claim extractor reads body and heading sentences only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from monitor.claims.words import MONTH_ABBREVIATIONS

SentenceKind = Literal["body", "heading", "dateline", "boilerplate"]

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_WEEKDAY = r"(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)(?:day|sday|nesday|rsday|urday)?\.?"
_DATE = (
    rf"(?:{_WEEKDAY},?\s+)?(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH}(?:,?\s+\d{{4}})?"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?|\d{{4}}-\d{{2}}-\d{{2}})"
)
# "WASHINGTON", "MOSCOW/KIEV", "LAHAINA, Hawaii", "ST. LOUIS", "VIÑA DEL MAR, Chile": an upper-case
# place, maybe a region or two ("LOUISVILLE, Ky.", "KARLSRUHE, Germany").
_UPPER = r"A-ZÀ-ÖØ-Þ"
_PLACE_NAME = rf"[{_UPPER}][{_UPPER}.'’-]+(?:[ /][{_UPPER}][{_UPPER}.'’-]+)*"
_REGION = r"(?:,\s*(?!" + _MONTH + r"\s+\d)[A-Z][A-Za-z.]+(?:\s[A-Z][A-Za-z.]+)?)"
_PLACE = rf"{_PLACE_NAME}{_REGION}{{0,2}}"
# "Ottawa —", "Oslo, Norway (Wire) —": a title-case place is a dateline only on a line of its own that
# ends with a dash (a headline never does)
_TITLE_PLACE = r"[A-Z][a-zà-ÿ]+(?:[- ][A-Z][a-zà-ÿ]+){0,2}" + _REGION + "{0,2}"
_AGENCY = (
    r"(?:\s*\((?:AP|AFP|Reuters|UPI|dpa|DPA|ANSA|EFE|Xinhua|TASS|Bloomberg|CNN|BBC|[A-Z][A-Za-z]{1,12})\))"
)
# the agency may come before the date ("LONDON (AP), Aug 1") or after it ("LONDON, Dec 5 (Reuters)")
_STAMP = rf"(?:{_AGENCY}?(?:,\s*{_DATE})?|,\s*{_DATE}{_AGENCY})"

# A whole line that is only a dateline or a date stamp.
_DATELINE_LINE = re.compile(
    rf"^\s*(?:{_PLACE}{_STAMP}|{_DATE}(?:\s+\d{{1,2}}:\d{{2}}(?:\s*[A-Z]{{2,4}})?)?"
    rf"|{_WEEKDAY}\s+\d{{1,2}}\s+{_MONTH}\s+\d{{4}}(?:\s+\d{{1,2}}:\d{{2}}(?:\s*[A-Z]{{2,4}})?)?"
    rf"|{_WEEKDAY}\s+{_MONTH}\s+\d{{1,2}},?\s+\d{{4}})\s*[.:—–-]*\s*$"
    rf"|^\s*{_TITLE_PLACE}{_STAMP}\s*(?:[—–]|--)\s*$"
)
# A dateline in front of the first sentence: "LONDON, Aug 1, 2024 — The Bank ...", "BRUSSELS: NATO ...".
_DATELINE_PREFIX = re.compile(
    rf"^\s*(?:{_PLACE}{_STAMP}\s*(?:[—–]|--|-|:)\s+|{_PLACE_NAME}{_AGENCY}\s+"
    r"|date\s+\d{4}-\d{2}-\d{2}\s+)(?=[A-Z\"“‘'])"
)

# Page furniture: share rows, banners, appeals, log-in prompts. Matched anywhere in a line.
# Page furniture that opens a line ("ADVERTISEMENT", "Read more: ...", "Reporting by ...").
_BOILERPLATE_START = re.compile(
    r"(?i)\s*(?:advertisement\s*$|ad\s*$|sponsored\b|read more\b|related (?:topics|articles|stories|content)"
    r"|most read\b|recommended (?:for you|stories|reading)\b|(?:reporting|editing"
    r"|additional reporting|writing) by\b"
    r"|(?:image|photo|video|watch|listen)\s*:|(?:share|tweet|email|print|comments?)\s*$)"
)
# Page furniture anywhere in a line: share rows, banners, appeals, log-in prompts.
_BOILERPLATE = re.compile(
    # "Sign up" as an imperative starting a sentence: "Ireland and Hungary sign up to the tax deal" is news
    r"(?i)(?:(?:^|[.!?]\s+)\s*sign up\b|\bnewsletter\b|\bsubscribe\b|\bsubscription\b"
    r"|share this (?:article|story|page)"
    r"|\bcopy link\b|\byour support\b|\bsupport (?:our|independent|quality) journalism\b|\bdonat(?:e|ion)\b"
    r"|\bthank you for registering\b|\brefresh (?:the|your) (?:page|browser)\b|\blogged in\b|\blog in\b"
    r"|\bnotifications (?:from|can be)\b|\bbrowser preferences\b|\bicon-(?:facebook|twitter|whatsapp"
    r"|linkedin|email)\b"
    r"|\bfacebook\s*\||\|\s*(?:x|twitter|whatsapp|linkedin|email)\b|\bcookies?\b.*\b(?:accept"
    r"|consent|policy)\b"
    r"|\bpaywalls?\b|\ball rights reserved\b|©|\bclick here\b|\bfollow us on\b|\bdownload (?:our|the) app\b"
    r"|\bgetty images\b|\bskip to (?:main )?content\b|\bour (?:reporters|journalists|journalism|reporting)\b"
    r"|\bsupport us\b|\bbecome a (?:member|subscriber|supporter)\b|\bunlock (?:this|unlimited)\b)"
)
# Substrings one of which every _BOILERPLATE alternative contains: a cheap test before the regex.
_BOILERPLATE_HINTS = (
    "sign up",
    "newsletter",
    "subscri",
    "share this",
    "copy link",
    "your support",
    "journalism",
    "donat",
    "registering",
    "refresh",
    "logged in",
    "log in",
    "notifications",
    "browser pref",
    "icon-",
    "|",
    "cookie",
    "paywall",
    "rights reserved",
    "©",
    "click here",
    "follow us",
    "download",
    "getty",
    "skip to",
    "our report",
    "our journalists",
    "support us",
    "become a",
    "unlock",
)
_FURNITURE_MAX_WORDS = 35
_READER = re.compile(r"\b(?:you|your|yours)\b")  # matched on the lowered line
_FIRST_PERSON_PLURAL = re.compile(r"\b(?:we|our|us)\b")  # matched on the lowered line
_QUOTE_CHARS = re.compile(r"[\"“”]")
_SECOND_PERSON = re.compile(r"\b(?:we|our|us|you|your)\b", re.I)

# Abbreviations that never end a sentence, whatever follows them.
_NEVER_FINAL = MONTH_ABBREVIATIONS | frozenset(
    [
        "mr", "mrs", "ms", "dr", "gen", "lt", "col", "sgt", "capt", "cmdr", "adm", "gov", "sen", "rep", "rev",
        "hon", "prof", "st", "mt", "ft", "fr", "sr", "jr", "vs", "no", "nos", "approx", "est", "dept", "univ",
        "maj", "brig", "corp",
    ]
)  # fmt: skip
# Abbreviations that end a sentence only when an ordinary sentence opener follows.
_SOMETIMES_FINAL = frozenset(
    ["u.s", "u.k", "u.n", "e.u", "a.m", "p.m", "etc", "inc", "ltd", "co", "plc", "llc", "u.s.a", "d.c"]
)
_OPENERS = frozenset(
    [
        "the",
        "a",
        "an",
        "it",
        "its",
        "he",
        "she",
        "they",
        "we",
        "i",
        "in",
        "on",
        "at",
        "for",
        "but",
        "and",
        "however",
        "this",
        "that",
        "these",
        "those",
        "there",
        "his",
        "her",
        "their",
        "our",
        "as",
        "after",
        "before",
        "while",
        "when",
        "since",
        "if",
        "some",
        "many",
        "most",
        "officials",
        "mr",
        "ms",
    ]
)
_INITIALS = re.compile(r"(?:[a-z]\.)+[a-z]")
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+(?=[\"“‘'(\[]?[A-Z0-9])")
_TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*\s*$")


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    start: int
    end: int
    index: int
    paragraph: int
    kind: SentenceKind = "body"


def _is_boilerplate(line: str) -> bool:
    if _BOILERPLATE_START.match(line):
        return True
    lowered = line.lower()
    # Page furniture is short or talks to the reader; a long paragraph that merely mentions signing up
    # to a treaty, a subscription service or a donation is news.
    if (
        any(hint in lowered for hint in _BOILERPLATE_HINTS)
        and _BOILERPLATE.search(line)
        and (len(line.split()) <= _FURNITURE_MAX_WORDS or _READER.search(lowered))
    ):
        return True
    # An outlet talking about itself ("we know how important it is ...") outside any quotation.
    return not _QUOTE_CHARS.search(line) and len(_FIRST_PERSON_PLURAL.findall(lowered)) >= 2


def _split_body(line: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) inside one body line."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(line):
        cut = match.end()
        stop = match.start()
        word_start = stop
        while word_start > start and not line[word_start - 1].isspace():
            word_start -= 1
        last_word = line[word_start:stop].strip("\"'“‘(").lower()
        # a bounded slice: copying the rest of a long paragraph at every full stop is quadratic
        following = line[cut : cut + 80].lstrip("\"“‘'([").split(" ", 1)[0].strip(",;:").lower()
        if last_word in _NEVER_FINAL or (len(last_word) == 1 and last_word.isalpha()):
            continue
        if last_word in _SOMETIMES_FINAL and following not in _OPENERS:
            continue
        if _INITIALS.fullmatch(last_word) and following not in _OPENERS:
            continue  # a person's initials: "Chief Justice D.Y. Chandrachud"
        if line[cut : cut + 1].isdigit() and last_word[:3] in MONTH_ABBREVIATIONS:
            continue
        end = len(line[:cut].rstrip())
        if line[start:end].strip():
            spans.append((start, end))
        start = cut
    if line[start:].strip():
        spans.append((start, len(line.rstrip())))
    return spans


def split_sentences(text: str) -> list[Sentence]:
    """All sentences of `text`, in order, with offsets into `text` and their kind."""
    out: list[Sentence] = []
    lines: list[tuple[int, str]] = []
    position = 0
    for raw in text.splitlines(keepends=True):
        stripped = raw.strip()
        if stripped:
            lines.append((position + raw.index(stripped[0]), stripped))
        position += len(raw)

    # First pass: classify lines. Then an unquoted line that addresses the reader ("you", "we") between two
    # boilerplate lines is boilerplate too: the middle of a multi-paragraph appeal.
    line_kinds = [_line_kind(line) for _, line in lines]
    for i in range(1, len(lines) - 1):
        if (
            line_kinds[i] == "text"
            and line_kinds[i - 1] == "boilerplate"
            and line_kinds[i + 1] == "boilerplate"
            and _SECOND_PERSON.search(lines[i][1])
            and not _QUOTE_CHARS.search(lines[i][1])
        ):
            line_kinds[i] = "boilerplate"

    for paragraph, ((offset, line), line_kind) in enumerate(zip(lines, line_kinds, strict=True)):
        if line_kind in ("boilerplate", "dateline"):
            kind: SentenceKind = "boilerplate" if line_kind == "boilerplate" else "dateline"
            out.append(Sentence(line, offset, offset + len(line), len(out), paragraph, kind))
            continue
        for piece, start, piece_kind in _text_line_pieces(line):
            out.append(
                Sentence(piece, offset + start, offset + start + len(piece), len(out), paragraph, piece_kind)
            )
    return out


# Versions of one story share most lines: what a line holds is worked out once per process (bounded,
# and cleared with the sentence caches by `monitor.claims.clear_caches`). Both are context-free; only
# the run of reader-addressing lines between boilerplate (above) looks at a line's neighbours.
_LINE_CACHE_SIZE = 8192


@lru_cache(maxsize=_LINE_CACHE_SIZE)
def _line_kind(line: str) -> str:
    """ "boilerplate", "dateline" or "text", for a stripped line on its own."""
    if _is_boilerplate(line):
        return "boilerplate"
    if _DATELINE_LINE.match(line):
        return "dateline"
    return "text"


@lru_cache(maxsize=_LINE_CACHE_SIZE)
def _text_line_pieces(line: str) -> tuple[tuple[str, int, SentenceKind], ...]:
    """The sentences of a text line: (text, start offset in the line, kind)."""
    out: list[tuple[str, int, SentenceKind]] = []
    offset = 0
    body = line
    prefix = _DATELINE_PREFIX.match(line)
    if prefix:
        dateline = line[: prefix.end()].rstrip(" —–-:")
        if dateline.strip():
            out.append((dateline.strip(), 0, "dateline"))
        offset = prefix.end()
        body = line[prefix.end() :]
    if not _TERMINAL.search(body) and len(body.split()) <= 25:
        out.append((body, offset, "heading"))
        return tuple(out)
    for start, end in _split_body(body):
        piece = body[start:end]
        lead = len(piece) - len(piece.lstrip())
        piece = piece.strip()
        if piece:
            out.append((piece, offset + start + lead, "body"))
    return tuple(out)


def clear_line_caches() -> None:
    _line_kind.cache_clear()
    _text_line_pieces.cache_clear()
