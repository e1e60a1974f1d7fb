"""Reusing a sentence's analysis: the same sentence read in the same context gives the same claims.

Versions of one story share most sentences, and after an edit the context an unchanged sentence sees
(the mentions, subjects and topics earlier sentences left in `_Context`) is usually the same again a
few sentences on. `extract_claims_with` keeps each sentence's last analyses with the context before
and after them (on its cached `_Static`); a sentence met again in a context equal by value to one of
those takes that analysis's claims, moved to where the sentence now is, and its context after. Every
output is identical to analysing the sentence again: only an exactly equal context is reused.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from monitor.claims.holders import _Context
from monitor.claims.mentions import Mention
from monitor.claims.sentences import Sentence
from monitor.model import Claim

# A sentence read in a context seen before (an update keeps most sentences, and after an edit the
# context an unchanged sentence sees is usually the same again) is not analysed twice; a few contexts
# per sentence are kept, most recent last.
_ANALYSES_KEPT = 4


@dataclass(slots=True)
class _ContextState:
    """A copy of a `_Context` at one point of a text: the mentions are shared (never changed once their
    sentence is done), the containers are copies."""

    recent: list[list[Mention]]
    subjects: list[Mention]
    speaker: Mention | None
    last_concepts: list[str]
    prev_concepts: list[str]
    country_counts: dict[str, int]
    dateline_country: str | None
    persons: dict[str, tuple[str, str]]
    key: tuple[object, ...] | None = None  # `_state_key`, computed when first compared


@dataclass(slots=True)
class _Analysed:
    """One `_analyse` of a sentence: the context it saw, what it returned and the context it left."""

    kind: str
    before: _ContextState
    claims: list[Claim]
    after: _ContextState


def _state(ctx: _Context) -> _ContextState:
    return _ContextState(
        list(ctx.recent),
        list(ctx.subjects),
        ctx.speaker,
        list(ctx.last_concepts),
        list(ctx.prev_concepts),
        dict(ctx.country_counts),
        ctx.dateline_country,
        dict(ctx.persons),
    )


def _restore(ctx: _Context, state: _ContextState) -> None:
    ctx.recent = list(state.recent)
    ctx.subjects = list(state.subjects)
    ctx.speaker = state.speaker
    ctx.last_concepts = list(state.last_concepts)
    ctx.prev_concepts = list(state.prev_concepts)
    ctx.country_counts = Counter(state.country_counts)
    ctx.dateline_country = state.dateline_country
    ctx.persons = dict(state.persons)


def _state_key(state: _ContextState) -> tuple[object, ...]:
    """Everything `_analyse` can read in a context, by value: two states with one key make every later
    step identical. Mentions are keyed by their fields plus which of them are one object (a subject is
    also in `recent`, and holders tell them apart by identity)."""
    if state.key is not None:
        return state.key
    ids: dict[int, int] = {}
    state.key = (
        tuple(tuple(_mention_key(m, ids) for m in sentence) for sentence in state.recent),
        tuple(_mention_key(m, ids) for m in state.subjects),
        _mention_key(state.speaker, ids),
        tuple(state.last_concepts),
        tuple(state.prev_concepts),
        tuple(state.country_counts.items()),
        state.dateline_country,
        tuple(state.persons.items()),
    )
    return state.key


def _mention_key(m: Mention | None, ids: dict[int, int]) -> tuple[object, ...] | None:
    if m is None:
        return None
    number = ids.setdefault(id(m), len(ids))  # the same object twice: the same number
    return (
        number,
        m.start,
        m.end,
        m.text,
        m.kind,
        m.name,
        m.actor,
        m.role,
        m.possessive,
        m.modifier,
        m.owner,
    )


def _reused(analyses: list[_Analysed], kind: str, state: _ContextState) -> _Analysed | None:
    """The analysis of this sentence made in a context equal to `state`, if any."""
    key: tuple[object, ...] | None = None
    for analysed in reversed(analyses):
        if analysed.kind != kind:
            continue
        if analysed.before is state:
            return analysed
        if key is None:
            key = _state_key(state)
        if _state_key(analysed.before) == key:
            return analysed
    return None


def _placed(claims: list[Claim], sentence: Sentence) -> list[Claim]:
    """`claims` of an identical sentence read elsewhere, moved to where `sentence` is."""
    if not claims or (claims[0].start == sentence.start and claims[0].index == sentence.index):
        return claims
    return [replace(c, start=sentence.start, end=sentence.end, index=sentence.index) for c in claims]
