"""The differ: two versions of a story (or two outlets' reports) -> typed changes.

    diff_claims(old: list[Claim], new: list[Claim]) -> list[Change]
    diff_texts(old: str, new: str, gazetteer=None) -> list[Change]
    word_diff(old: str, new: str) -> list[tuple[int, str]]

Changes come ordered: stance_shift, qualifier_changed, number_changed, attribution_changed, then
claim_added, claim_removed and claim_reworded; within a kind, in the order of the newer text.
"""

from __future__ import annotations

from monitor.claims import Gazetteer, extract_claims
from monitor.claims import clear_caches as _clear_claim_caches
from monitor.diff.align import Pair, align, normalise
from monitor.diff.numbers import number_changes
from monitor.diff.questions import one_name_per_holder
from monitor.diff.shifts import side_of, stance_shifts
from monitor.diff.worddiff import _word_diff, render_word_diff, word_diff
from monitor.model import KIND_ORDER, Change, ChangeKind, ChangeSide, Claim

__all__ = ["clear_caches", "diff_claims", "diff_texts", "render_word_diff", "sort_changes", "word_diff"]


def diff_texts(old: str, new: str, gazetteer: Gazetteer | None = None) -> list[Change]:
    """Extract the claims of both texts and diff them."""
    # versions of one story share most sentences: the process-wide sentence cache analyses each once
    return diff_claims(extract_claims(old, gazetteer), extract_claims(new, gazetteer))


def clear_caches() -> None:
    """Forget every cached sentence analysis, text, normalisation and word diff (for cold timings)."""
    _clear_claim_caches()
    _word_diff.cache_clear()
    normalise.cache_clear()


def diff_claims(old: list[Claim], new: list[Claim]) -> list[Change]:
    """Typed changes from the claims of an older and a newer text."""
    # one holder named two ways across the versions ("Ortega" / "Luis Ortega") is one holder for the
    # number pairing too, which keeps apart figures of two different actors
    named_old, named_new = one_name_per_holder(old, new)
    changes = stance_shifts(named_old, named_new) + number_changes(named_old, named_new)
    old_sentences = _sentences(old)
    new_sentences = _sentences(new)
    pairs = align(
        {i: c[0].text for i, c in old_sentences.items()}, {i: c[0].text for i, c in new_sentences.items()}
    )
    for pair in pairs:
        changes.extend(_pair_changes(pair, old_sentences, new_sentences))
    return sort_changes(changes)


def sort_changes(changes: list[Change]) -> list[Change]:
    def position(change: Change) -> int:
        side = change.after or change.before
        return side.start if side is not None and side.start is not None else 0

    return sorted(changes, key=lambda c: (KIND_ORDER[c.kind], position(c)))


def _sentences(claims: list[Claim]) -> dict[int, list[Claim]]:
    out: dict[int, list[Claim]] = {}
    for claim in claims:
        out.setdefault(claim.index, []).append(claim)
    return out


def _informative(claims: list[Claim]) -> bool:
    return any(c.actor or c.stance or c.numbers for c in claims)


def _plain_side(claim: Claim) -> ChangeSide:
    return ChangeSide(text=claim.text, actor_text=claim.actor_text, start=claim.start, end=claim.end)


def _one_sided(claims: list[Claim], kind: ChangeKind) -> list[Change]:
    """A sentence only one version has: claim_added (an `after` side) or claim_removed (a `before`)."""
    if not _informative(claims):
        return []
    first = claims[0]
    side = _plain_side(first)
    added = kind is ChangeKind.CLAIM_ADDED
    return [
        Change(
            kind=kind,
            actor=first.actor,
            topic=first.topic or None,
            before=None if added else side,
            after=side if added else None,
            confidence=0.6,
        )
    ]


def _pair_changes(pair: Pair, old: dict[int, list[Claim]], new: dict[int, list[Claim]]) -> list[Change]:
    if pair.old is None and pair.new is not None:
        return _one_sided(new[pair.new], ChangeKind.CLAIM_ADDED)
    if pair.new is None and pair.old is not None:
        return _one_sided(old[pair.old], ChangeKind.CLAIM_REMOVED)
    assert pair.old is not None and pair.new is not None
    before_claims, after_claims = old[pair.old], new[pair.new]
    if pair.score >= 100.0 or not (_informative(before_claims) or _informative(after_claims)):
        return []
    out: list[Change] = []
    for was in before_claims:
        for now in after_claims:
            if not (was.actor and was.actor == now.actor and was.stance and was.stance == now.stance):
                continue
            if _qualifier_set(was.qualifiers) != _qualifier_set(now.qualifiers):
                out.append(
                    Change(
                        kind=ChangeKind.QUALIFIER_CHANGED,
                        actor=now.actor,
                        topic=now.topic or None,
                        proposition=now.proposition or None,
                        before=side_of(was),
                        after=side_of(now),
                        confidence=min(was.confidence, now.confidence) * 0.8,
                    )
                )
            if (was.attribution or None) != (now.attribution or None):
                out.append(
                    Change(
                        kind=ChangeKind.ATTRIBUTION_CHANGED,
                        actor=now.actor,
                        topic=now.topic or None,
                        before=side_of(was),
                        after=side_of(now),
                        confidence=min(was.confidence, now.confidence) * 0.8,
                    )
                )
    first_old, first_new = before_claims[0], after_claims[0]
    diff = word_diff(first_old.text, first_new.text)
    respelling = _respelling_only(diff)
    out.append(
        Change(
            kind=ChangeKind.CLAIM_REWORDED,
            actor=first_new.actor,
            topic=first_new.topic or None,
            before=_plain_side(first_old),
            after=_plain_side(first_new),
            confidence=round(pair.score / 100.0, 3),
            word_diff=tuple(diff),
            extra={"respelling": True} if respelling else {},
        )
    )
    return out


def _qualifier_set(qualifiers: tuple[str, ...]) -> frozenset[str]:
    return frozenset(normalise(q) for q in qualifiers)


def _respelling_only(diff: list[tuple[int, str]]) -> bool:
    """Every edit replaces a word by a near-identical spelling (Kiev -> Kyiv, Guteres -> Guterres)."""
    from rapidfuzz import fuzz

    pending: str | None = None
    edits = 0
    for op, text in diff:
        if op < 0:
            pending = text
        elif op > 0:
            if pending is None or fuzz.ratio(pending.lower(), text.lower()) < 60 or len(text.split()) > 2:
                return False
            pending = None
            edits += 1
        elif pending is not None:
            return False
    return pending is None and edits > 0
