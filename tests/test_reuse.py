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


# Stories whose perturbed versions caught a context comparison that left out one part of the context
# (the recent mentions, the subjects, the last topic, the country counts, the dateline country or the
# persons named before): each
# made a reused analysis differ from a fresh one (see benchmarks/engine_golden.py, which runs them all)
_SENSITIVE = [
    "corpus/b06/16-exxon-engine-no1-seats",
    "corpus/b05/04-trai-free-basics",
    "corpus/b04/12-philippines-vfa-suspension",
    "corpus/b11/18-ireland-mortgage-rules",
    "corpus/b05/13-boj-uchida-no-hike",
    "eval_blind/03-google-canada-news-act",
    "corpus/b06/02-openai-altman-return",
]


def test_perturbed_versions_read_with_a_warm_cache_give_the_claims_of_a_fresh_read() -> None:
    for case in _SENSITIVE:
        old = (TESTS / case / "old.txt").read_text()
        new = (TESTS / case / "new.txt").read_text()
        shared: SentenceCache = {}
        _extract(old, shared)
        _extract(new, shared)
        paragraphs = old.split("\n\n")
        variants = [paragraphs[:k] + paragraphs[k + 1 :] for k in range(min(len(paragraphs), 8))]
        variants += [
            [*paragraphs[:k], paragraphs[k + 1], paragraphs[k], *paragraphs[k + 2 :]]
            for k in range(min(len(paragraphs) - 1, 6))
        ]
        for k, variant in enumerate(variants):
            text = "\n\n".join(variant)
            assert _extract(text, shared) == _extract(text, {}), (case, k)
