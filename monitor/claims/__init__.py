"""The claim engine: text in, claims out. Pure, deterministic, offline.

    extract_claims(text, gazetteer=None) -> list[Claim]
    load_gazetteer(extra=()) -> Gazetteer

The shipped data files (monitor/data/actors.toml, stance.toml, topics.toml) are compiled once per
process; user gazetteer files passed to `load_gazetteer` are compiled once per set of files.
See docs/claims.md for how it works and how to extend the data.
"""

from __future__ import annotations

from monitor.claims.actors import Actor, Gazetteer, load_gazetteer
from monitor.claims.extract import SentenceCache, extract_claims_with
from monitor.claims.lexicon import Lexicon, load_lexicon
from monitor.claims.numbers import extract_quantities
from monitor.claims.sentences import Sentence, split_sentences
from monitor.claims.topics import load_topic_model
from monitor.model import Claim

__all__ = [
    "Actor",
    "Gazetteer",
    "Lexicon",
    "Sentence",
    "SentenceCache",
    "extract_claims",
    "extract_quantities",
    "load_gazetteer",
    "load_lexicon",
    "split_sentences",
]


def extract_claims(
    text: str, gazetteer: Gazetteer | None = None, cache: SentenceCache | None = None
) -> list[Claim]:
    """Every claim in `text`, in order: one per stance cue with a holder, else one per sentence.

    Sentences without a stance still yield a claim (actor and stance may be None) so the differ can
    align sentences and compare their numbers. Pass the same `cache` (a dict) when extracting several
    versions of one story: their shared sentences are then analysed once.
    """
    return extract_claims_with(
        text,
        gazetteer if gazetteer is not None else load_gazetteer(),
        load_lexicon(),
        load_topic_model(),
        cache,
    )
