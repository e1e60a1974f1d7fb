"""The engine's changes and a checked answer -> the judged changes, each saying who judged it.

- A candidate (stance_shift, number_changed) the model confirmed: kept, `judged_by` = the model.
- A candidate it rejected: returned apart (`rejected`), `judge_verdict` = "rejected"; the caller
  decides (the differ leaves it out; the store keeps it as evidence without alerting).
- A candidate it did not answer, and every other kind: the engine's, `judged_by` = "rules".
- Mode `full`: the shifts and number changes the model found beyond the candidates become changes
  of their own, their evidence located in the texts (`judged_by` = the model).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from monitor.judge.evidence import CheckedAnswer, NumberFinding, ShiftFinding, figure, flatten, mentioned
from monitor.judge.request import CANDIDATE_KINDS, candidate_id
from monitor.model import Change, ChangeKind, ChangeSide

RULES = "rules"
MODEL_CONFIDENCE = 0.8
_QUOTE_CLASS = {"'": "['’‘]", '"': '["“”]', "-": "[-–—]"}


@dataclass(slots=True)
class Judged:
    changes: list[Change] = field(default_factory=list)
    rejected: list[Change] = field(default_factory=list)
    found: list[Change] = field(default_factory=list)  # changes the model added (mode full)


def judged_by(change: Change, who: str, **extra: object) -> Change:
    return dataclasses.replace(change, extra={**change.extra, "judged_by": who, **extra})


def mark_rules(changes: list[Change]) -> list[Change]:
    return [c if "judged_by" in c.extra else judged_by(c, RULES) for c in changes]


def locate_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Where `quote` is in `text`, spacing, quote marks, dashes and case aside."""
    words = quote.strip().strip("\"'“”‘’").split()
    if not words:
        return None
    parts = []
    for word in words:
        parts.append("".join(_QUOTE_CLASS.get(ch, re.escape(ch)) for ch in word))
    match = re.search(r"\s+".join(parts), text, re.IGNORECASE)
    return (match.start(), match.end()) if match else None


def _side(text: str, quote: str, **fields: object) -> ChangeSide:
    span = locate_quote(text, quote)
    if span is None:  # checked before: cannot happen with the same texts, but never invent offsets
        return ChangeSide(text=quote, **fields)  # type: ignore[arg-type]
    start, end = span
    return ChangeSide(text=text[start:end], start=start, end=end, **fields)  # type: ignore[arg-type]


def holder_name(finding: ShiftFinding, holders: list[str] | tuple[str, ...], texts: str) -> str:
    """The name a shift the model found is reported under: a name the texts use, the model's own or
    else the words it quoted as naming the holder ("Spain's Culture Ministry", not a "Spanish Ministry
    of Culture" no text writes), spelled as the engine spells it when the engine found that holder;
    failing both, the engine's name the model used, else the model's. A reader, a rule file and the
    other outlet's report know the holder by the texts' words; a name made up (by the model, or by the
    engine for a body it knows only by description) matches none of them."""
    by_flat = {flatten(h): h for h in holders}
    named = re.sub(r"^(?:the|a|an)\s+", "", finding.named_as.strip(), flags=re.IGNORECASE)
    flat_texts = flatten(texts)
    for name in (finding.holder, named):
        if name and mentioned(name, flat_texts):
            return by_flat.get(flatten(name), name)
    for name in (finding.holder, named):
        if name and flatten(name) in by_flat:
            return by_flat[flatten(name)]
    return finding.holder


def _shift_change(finding: ShiftFinding, old: str, new: str, who: str, actor: str) -> Change:
    return Change(
        kind=ChangeKind.STANCE_SHIFT,
        actor=actor,
        topic=finding.topic or None,
        proposition=finding.topic or None,
        before=_side(old, finding.before_quote, stance=finding.before_stance, actor_text=finding.named_as),
        after=_side(
            new,
            finding.after_quote,
            stance=finding.after_stance,
            actor_text=finding.named_as,
            qualifiers=finding.qualifiers,
        ),
        confidence=MODEL_CONFIDENCE,
        extra={"judged_by": who},
    )


def _number_change(finding: NumberFinding, old: str, new: str, who: str) -> Change:
    return Change(
        kind=ChangeKind.NUMBER_CHANGED,
        counts=finding.counts or None,
        before=_side(old, finding.before_quote, value=finding.before_value),
        after=_side(new, finding.after_quote, value=finding.after_value),
        confidence=MODEL_CONFIDENCE,
        extra={"judged_by": who},
    )


def merge(
    changes: list[Change],
    answer: CheckedAnswer,
    *,
    old: str,
    new: str,
    who: str,
    holders: list[str] | tuple[str, ...] = (),
) -> Judged:
    """See the module doc. `who` is the model's name, recorded as `judged_by`; `holders` the engine's
    names for the holders it found (the request's): how a found shift's holder is spelled when the
    engine found it too (`holder_name`)."""
    from monitor.diff import sort_changes

    out = Judged()
    for change in changes:
        verdict = answer.verdicts.get(candidate_id(change)) if change.kind in CANDIDATE_KINDS else None
        if verdict is True:
            out.changes.append(judged_by(change, who))
        elif verdict is False:
            out.rejected.append(judged_by(change, who, judge_verdict="rejected"))
        else:
            out.changes.append(change if "judged_by" in change.extra else judged_by(change, RULES))
    kept_shifts: set[tuple[str, str | None, str | None]] = {
        (flatten(c.actor or ""), c.before.stance, c.after.stance)
        for c in out.changes + out.rejected
        if c.kind is ChangeKind.STANCE_SHIFT and c.before and c.after
    }
    kept_numbers = {
        (figure(c.before.value or ""), figure(c.after.value or ""))
        for c in out.changes + out.rejected
        if c.kind is ChangeKind.NUMBER_CHANGED and c.before and c.after
    }
    for shift in answer.shifts:
        actor = holder_name(shift, holders, old + "\n" + new)
        # the engine's change for this move may go under the model's name and not the texts'
        idents = {(flatten(name), shift.before_stance, shift.after_stance) for name in (actor, shift.holder)}
        if not idents & kept_shifts:
            kept_shifts.update(idents)
            out.found.append(_shift_change(shift, old, new, who, actor))
    for number in answer.numbers:
        pair = (figure(number.before_value), figure(number.after_value))
        if pair not in kept_numbers:
            kept_numbers.add(pair)
            out.found.append(_number_change(number, old, new, who))
    out.changes = sort_changes(out.changes + out.found)
    return out
