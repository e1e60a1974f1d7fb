"""Stance composition: from lexicon cues to one stance per claim.

A claim's stance is composed, not looked up:

- chains: a cue inside the complement of the cue before it is composed with it. support x Y = Y,
  undecided x Y = undecided, oppose x support = oppose, oppose x oppose = support ("refused to block"),
  oppose x undecided = oppose. "has ruled out letting Kyiv use" = oppose; "signalled openness to
  letting Ukraine fire" = undecided; "asks Germany to approve" = support (by the one asking).
- negation of the head: not support = oppose ("did not approve"), not oppose = undecided ("did not rule
  out"), not undecided = oppose ("is not considering").
- "no longer" reverses: no longer opposes = support, no longer backs = oppose.
- hedges (may, might, could) turn a firm stance into undecided ("may decide to let").
"""

from __future__ import annotations

SUPPORT = "support"
OPPOSE = "oppose"
UNDECIDED = "undecided"


def compose(head: str | None, complement: str | None) -> str | None:
    if head is None:
        return complement
    if complement is None or head == UNDECIDED:
        return head
    if head == SUPPORT:
        return complement
    # head is oppose
    return {SUPPORT: OPPOSE, OPPOSE: SUPPORT, UNDECIDED: OPPOSE}[complement]


def negate(stance: str | None) -> str | None:
    return {SUPPORT: OPPOSE, OPPOSE: UNDECIDED, UNDECIDED: OPPOSE}.get(stance or "", stance)


def reverse(stance: str | None) -> str | None:
    """ "no longer": the opposite firm stance."""
    return {SUPPORT: OPPOSE, OPPOSE: SUPPORT}.get(stance or "", stance)


def hedge(stance: str | None) -> str | None:
    return UNDECIDED if stance in (SUPPORT, OPPOSE) else stance
