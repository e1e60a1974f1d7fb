"""Reused sentence analyses (monitor/claims/reuse.py) give exactly what a fresh analysis gives."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from monitor.claims import load_gazetteer, load_lexicon
from monitor.claims.extract import SentenceCache, extract_claims_with
from monitor.claims.holders import _Context
from monitor.claims.reuse import _ContextState
from monitor.claims.topics import load_topic_model
from monitor.model import Claim

TESTS = Path(__file__).resolve().parent


def _extract(text: str, cache: SentenceCache) -> list[Claim]:
    return extract_claims_with(text, load_gazetteer(), load_lexicon(), load_topic_model(), cache)


def test_the_saved_context_holds_every_field_of_the_context() -> None:
    # a field added to _Context but not saved and compared would let a sentence reuse an analysis made
    # in a context that differs in it
    context = {f.name for f in dataclasses.fields(_Context)}
    saved = {f.name for f in dataclasses.fields(_ContextState)} - {"key"}
    assert saved == context


def test_a_newer_version_read_after_the_older_gives_the_claims_of_a_fresh_read() -> None:
    cases = sorted(TESTS.glob("corpus/*/*/old.txt"))[::4] + sorted(TESTS.glob("eval_*/*/old.txt"))[::4]
    assert len(cases) > 50
    for old_path in cases:
        old, new = old_path.read_text(), old_path.with_name("new.txt").read_text()
        shared: SentenceCache = {}
        _extract(old, shared)
        assert _extract(new, shared) == _extract(new, {}), old_path.parent.name
        analyses = sum(len(static.analysed) for static in shared.values())
        # the older version read again in the same cache: every sentence meets its first context again
        assert _extract(old, shared) == _extract(old, {}), old_path.parent.name
        assert sum(len(static.analysed) for static in shared.values()) == analyses
