"""A readable plain-text report of changes: shifts first, with their evidence.

Each change starts with a line naming its kind (the CLI colours those lines), then indented evidence:
the sentences before and after, the cue words, qualifiers, and for rewordings the word diff as
[-deleted-]{+inserted+}.
"""

from __future__ import annotations

import textwrap

from monitor.diff.worddiff import render_word_diff
from monitor.model import KIND_ORDER, Change, ChangeKind, ChangeSide

_INDENT = "    "
_WIDTH = 78  # fits an 80-column terminal, where the CLI prints it through rich


def _wrap(label: str, text: str) -> list[str]:
    prefix = f"{_INDENT}{label:<8}"  # the longest label, "limits:", plus one space
    lines = textwrap.wrap(text, width=_WIDTH, initial_indent=prefix, subsequent_indent=" " * len(prefix))
    return lines or [prefix.rstrip()]


def _side_lines(label: str, side: ChangeSide | None) -> list[str]:
    if side is None:
        return []
    lines = _wrap(label, f'"{side.text}"')
    details = []
    if side.cue:
        details.append(f"cue: {side.cue}")
    if side.actor_text:
        details.append(f"named as: {side.actor_text}")
    if side.attribution:
        details.append(f"according to: {side.attribution}")
    if side.source:
        details.append(f"source: {side.source}")
    if side.observed_at:
        details.append(f"seen: {side.observed_at}")
    if details:
        lines.append(" " * (len(_INDENT) + 8) + "(" + "; ".join(details) + ")")
    return lines


def render_change(change: Change) -> str:
    lines = [f"{change.kind}  {change.headline}  [confidence {change.confidence:.2f}]"]
    if change.kind is ChangeKind.STANCE_SHIFT:
        if change.proposition:
            lines += _wrap("on:", change.proposition)
        if change.after and change.after.qualifiers:
            lines += _wrap("limits:", "; ".join(change.after.qualifiers))
    lines += _side_lines("before:", change.before)
    lines += _side_lines("after:", change.after)
    if change.word_diff:
        lines += _wrap("diff:", render_word_diff(change.word_diff))
    return "\n".join(lines)


def render_text(changes: list[Change]) -> str:
    """The report for `changes`, most important kinds first."""
    if not changes:
        return "No changes.\n"
    ordered = sorted(changes, key=lambda c: KIND_ORDER[c.kind])
    return "\n\n".join(render_change(c) for c in ordered) + "\n"
