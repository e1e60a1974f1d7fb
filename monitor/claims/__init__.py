"""The claim engine: text in, claims out. Pure, deterministic, offline.

    extract_claims(text, gazetteer=None) -> list[Claim]
    load_gazetteer(extra=()) -> Gazetteer

The shipped data files (monitor/data/actors.toml, stance.toml, topics.toml) are compiled once per
process; user gazetteer files passed to `load_gazetteer` are compiled once per set of files.
See docs/claims.md for how it works and how to extend the data.
"""

from __future__ import annotations

import threading

from monitor.claims.actors import Actor, Gazetteer, load_gazetteer
from monitor.claims.extract import SentenceCache, extract_claims_with
from monitor.claims.lexicon import Lexicon, load_lexicon
from monitor.claims.numbers import extract_quantities
from monitor.claims.sentences import Sentence, clear_line_caches, split_sentences
from monitor.claims.topics import load_topic_model
from monitor.model import Claim

__all__ = [
    "Actor",
    "Gazetteer",
    "Lexicon",
    "Sentence",
    "SentenceCache",
    "clear_caches",
    "engine_build",
    "extract_claims",
    "extract_quantities",
    "load_gazetteer",
    "load_lexicon",
    "split_sentences",
]


# The context-free analysis of a sentence depends only on its text and the compiled data, so it is
# kept process-wide: consecutive versions of a watched page share most sentences, and the daemon
# extracts every changed version. Bounded (least recently used first out); one cache per set of data.
SENTENCE_CACHE_SIZE = 8192
TEXT_CACHE_SIZE = 256  # whole texts: the older version of a pair was usually the newer one last time
_DATA_CACHES: dict[tuple[int, int, int], tuple[object, object, object, _SentenceLRU, _SentenceLRU]] = {}
_DATA_CACHES_LOCK = threading.Lock()


class _SentenceLRU(dict):  # type: ignore[type-arg]
    """A dict that forgets its least recently used entries beyond `limit` (what SentenceCache needs)."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.lock = threading.Lock()

    def get(self, key, default=None):  # type: ignore[no-untyped-def,override]
        with self.lock:
            value = dict.pop(self, key, None)
            if value is None:
                return default
            dict.__setitem__(self, key, value)  # most recent last
            return value

    def __setitem__(self, key, value) -> None:  # type: ignore[no-untyped-def]
        with self.lock:
            dict.__setitem__(self, key, value)
            while len(self) > self.limit:
                dict.__delitem__(self, next(iter(self)))


def _shared_caches(
    gaz: Gazetteer, lex: Lexicon, model: object
) -> tuple[object, object, object, _SentenceLRU, _SentenceLRU]:
    key = (id(gaz), id(lex), id(model))
    with _DATA_CACHES_LOCK:
        found = _DATA_CACHES.get(key)
        # the entry holds the data objects, so their ids cannot be reused while it exists
        if found is None or found[0] is not gaz or found[1] is not lex or found[2] is not model:
            if len(_DATA_CACHES) >= 8:
                _DATA_CACHES.pop(next(iter(_DATA_CACHES)))
            found = (gaz, lex, model, _SentenceLRU(SENTENCE_CACHE_SIZE), _SentenceLRU(TEXT_CACHE_SIZE))
            _DATA_CACHES[key] = found
        return found


def clear_caches() -> None:
    """Forget every analysed sentence, line and text (benchmarks measure the cold case with it)."""
    with _DATA_CACHES_LOCK:
        _DATA_CACHES.clear()
    clear_line_caches()


def extract_claims(
    text: str, gazetteer: Gazetteer | None = None, cache: SentenceCache | None = None
) -> list[Claim]:
    """Every claim in `text`, in order: one per stance cue with a holder, else one per sentence.

    Sentences without a stance still yield a claim (actor and stance may be None) so the differ can
    align sentences and compare their numbers. Sentence analyses are cached process-wide (bounded), so
    versions of one story share them; pass a `cache` (a dict) to use that instead.
    """
    gaz = gazetteer if gazetteer is not None else load_gazetteer()
    lex = load_lexicon()
    model = load_topic_model()
    if cache is not None:
        return extract_claims_with(text, gaz, lex, model, cache)
    *_, sentences, texts = _shared_caches(gaz, lex, model)
    found = texts.get(text)
    if found is None:
        # claims are frozen: the tuple can be shared, the caller gets a list of its own
        found = tuple(extract_claims_with(text, gaz, lex, model, sentences))
        texts[text] = found
    return list(found)


def engine_build() -> str:
    """The claim engine's build: "compiled" (mypyc, `CLAIMWATCH_COMPILE=1`) or "pure" (Python)."""
    from monitor.claims import extract

    return "pure" if extract.__file__ is None or extract.__file__.endswith(".py") else "compiled"
