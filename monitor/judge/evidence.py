"""Reading the model's answer: tolerant JSON parsing, then no invented evidence.

`parse_answer` finds the JSON object in whatever the server returned (a bare object, one wrapped in
a Markdown fence or in prose); an answer with no such object, or of the wrong shape, is junk
(`AnswerError`) and the pair is judged again later. `check_answer` then keeps only findings whose
evidence holds: every quote occurs in its text (spacing, quote marks and case aside), every stance is
support/oppose/undecided, every holder is mentioned in the texts (or is one the engine found there),
every figure occurs in its quote. What fails is refused, logged and counted, never used.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from monitor.errors import JudgeError
from monitor.model import STANCES

log = logging.getLogger(__name__)

_MIN_QUOTE = 8  # characters: a quote shorter than this proves nothing ("the", "said")
_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "—": "-", "–": "-"})
_SPACES = re.compile(r"\s+")


class AnswerError(JudgeError):
    """The model's answer is not a JSON object of the expected shape (junk)."""

    def __init__(self, message: str):
        super().__init__(message, outcome="junk")


@dataclass(frozen=True, slots=True)
class ShiftFinding:
    holder: str
    named_as: str
    topic: str
    before_stance: str
    after_stance: str
    qualifiers: tuple[str, ...]
    before_quote: str
    after_quote: str


@dataclass(frozen=True, slots=True)
class NumberFinding:
    counts: str
    before_value: str
    after_value: str
    before_quote: str
    after_quote: str


@dataclass(slots=True)
class CheckedAnswer:
    """The usable part of an answer: candidate verdicts by id, extra shifts and number changes."""

    verdicts: dict[str, bool] = field(default_factory=dict)  # candidate id -> confirmed
    shifts: list[ShiftFinding] = field(default_factory=list)
    numbers: list[NumberFinding] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)  # why each refused finding was refused


def parse_answer(content: str) -> dict[str, Any]:
    """The answer's JSON object, found tolerantly; AnswerError when there is none."""
    text = content.strip()
    attempts = [text]
    attempts += [m.group(1).strip() for m in _FENCE.finditer(text)]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        attempts.append(text[start : end + 1])
    for attempt in attempts:
        try:
            data = json.loads(attempt)
        except ValueError:
            continue
        if isinstance(data, dict):
            return _shape(data)
    raise AnswerError(f"the answer holds no JSON object: {text[:120]!r}")


def _shape(data: dict[str, Any]) -> dict[str, Any]:
    for key in ("candidates", "shifts", "numbers"):
        value = data.get(key, [])
        if value is None:
            value = []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise AnswerError(f"the answer's {key!r} is not a list of objects")
        data[key] = value
    return data


def flatten(text: str) -> str:
    """Text as quotes are compared: one space for any spacing, plain quote marks, lower case."""
    return _SPACES.sub(" ", text.translate(_QUOTES)).strip().lower()


def _occurs(quote: str, flat_text: str) -> bool:
    flat = flatten(quote).strip(" \"'")
    return len(flat) >= _MIN_QUOTE and flat in flat_text


def mentioned(name: str, flat_texts: str) -> bool:
    flat = flatten(name)
    return bool(flat) and re.search(r"(?<!\w)" + re.escape(flat) + r"(?!\w)", flat_texts) is not None


_UNITS = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen"),
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_NUMBER_WORDS: dict[str, int] = {word: n for n, word in enumerate(_UNITS)} | {
    word: 20 + 10 * n for n, word in enumerate(_TENS)
}
_TENS_ALT, _DIGIT_ALT, _UNIT_ALT = "|".join(_TENS), "|".join(_UNITS[1:10]), "|".join(_UNITS)
_NUMBER_WORD = re.compile(rf"^(?:({_TENS_ALT})(?:[- ]({_DIGIT_ALT}))?|({_UNIT_ALT}))$")


def figure(value: str) -> str:
    """A figure as the scorer and the dedupe compare it: its digits ("2,012" -> "2012", "6.50%" ->
    "6.5"), or the number a number word spells ("Eight" -> "8", "twenty-five" -> "25"); "" when it
    is neither. Reports write counts in words as often as in digits."""
    digits = re.sub(r"[^0-9.]", "", value).strip(".")
    if digits:
        return digits.rstrip("0").rstrip(".") if "." in digits else digits
    match = _NUMBER_WORD.match(value.strip().lower())
    if not match:
        return ""
    tens, unit, single = match.groups()
    if single:
        return str(_NUMBER_WORDS[single])
    return str(_NUMBER_WORDS[tens] + (_NUMBER_WORDS[unit] if unit else 0))


def _figure_in(value: str, quote: str) -> bool:
    """`value` ("2,012", "$38bn", "eight") is written in `quote`, as it stands or as one of its
    figures."""
    if re.search(r"(?<!\w)" + re.escape(flatten(value)) + r"(?!\w)", flatten(quote)):
        return True
    return figure(value) in {figure(f) for f in re.findall(r"\d[\d,.]*", quote)}


def _string(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return value.strip() if isinstance(value, str) else ""


def check_answer(
    data: dict[str, Any], *, old: str, new: str, candidate_ids: list[str], holders: list[str], mode: str
) -> CheckedAnswer:
    """The findings of a parsed answer whose evidence holds in `old` and `new` (see the module doc)."""
    out = CheckedAnswer()
    flat_old, flat_new = flatten(old), flatten(new)
    flat_both = flat_old + "\n" + flat_new
    known_holders = {flatten(h) for h in holders}
    wanted = set(candidate_ids)
    for item in data["candidates"]:
        ident, verdict = _string(item, "id"), _string(item, "verdict").lower()
        if ident not in wanted:
            out.rejections.append(f"verdict on unknown candidate {ident!r}")
        elif verdict not in ("confirm", "reject"):
            out.rejections.append(f"candidate {ident}: verdict {verdict!r} is neither confirm nor reject")
        else:
            out.verdicts.setdefault(ident, verdict == "confirm")
    extra = mode == "full"
    for item in data["shifts"]:
        finding, why = _shift(item, flat_old, flat_new, flat_both, known_holders)
        if finding is None:
            out.rejections.append(why)
        elif extra:
            out.shifts.append(finding)
    for item in data["numbers"]:
        number, why = _number(item, flat_old, flat_new)
        if number is None:
            out.rejections.append(why)
        elif extra:
            out.numbers.append(number)
    for why in out.rejections:
        log.warning("judge: refused a finding: %s", why)
    return out


def _shift(
    item: dict[str, Any], flat_old: str, flat_new: str, flat_both: str, known_holders: set[str]
) -> tuple[ShiftFinding | None, str]:
    holder, named_as = _string(item, "holder"), _string(item, "named_as")
    before, after = _string(item, "from").lower(), _string(item, "to").lower()
    before_quote, after_quote = _string(item, "before_quote"), _string(item, "after_quote")
    label = f"shift {holder or '?'}: {before or '?'} -> {after or '?'}"
    if before not in STANCES or after not in STANCES:
        return None, f"{label}: a stance outside support/oppose/undecided"
    if before == after:
        return None, f"{label}: the same stance on both sides is no shift"
    if not holder:
        return None, f"{label}: no holder"
    if not (
        flatten(holder) in known_holders
        or mentioned(holder, flat_both)
        or (named_as and mentioned(named_as, flat_both))
    ):
        return None, f"{label}: the holder is not mentioned in the texts"
    if not _occurs(before_quote, flat_old):
        return None, f"{label}: before_quote does not occur in the older text: {before_quote[:80]!r}"
    if not _occurs(after_quote, flat_new):
        return None, f"{label}: after_quote does not occur in the newer text: {after_quote[:80]!r}"
    qualifiers = item.get("qualifiers") or []
    if not isinstance(qualifiers, list):
        qualifiers = [qualifiers]
    finding = ShiftFinding(
        holder=holder,
        named_as=named_as or holder,
        topic=_string(item, "topic"),
        before_stance=before,
        after_stance=after,
        qualifiers=tuple(str(q).strip() for q in qualifiers if str(q).strip()),
        before_quote=before_quote,
        after_quote=after_quote,
    )
    return finding, ""


def _number(item: dict[str, Any], flat_old: str, flat_new: str) -> tuple[NumberFinding | None, str]:
    before, after = _string(item, "from"), _string(item, "to")
    before_quote, after_quote = _string(item, "before_quote"), _string(item, "after_quote")
    label = f"number {before or '?'} -> {after or '?'}"
    if not figure(before) or not figure(after):
        return None, f"{label}: a value that is neither a figure nor a number word"
    if figure(before) == figure(after):
        return None, f"{label}: the same value on both sides is no change"
    if not _occurs(before_quote, flat_old):
        return None, f"{label}: before_quote does not occur in the older text: {before_quote[:80]!r}"
    if not _occurs(after_quote, flat_new):
        return None, f"{label}: after_quote does not occur in the newer text: {after_quote[:80]!r}"
    if not _figure_in(before, before_quote):
        return None, f"{label}: the value {before!r} is not in its quote"
    if not _figure_in(after, after_quote):
        return None, f"{label}: the value {after!r} is not in its quote"
    return NumberFinding(_string(item, "counts"), before, after, before_quote, after_quote), ""
