"""Runs the claim stages up to one sentence's cue chains, for the stage tests (test_statements.py, ...).

The same steps extract.py's orchestrator takes, written out here so that each stage test can feed one
stage its real inputs (cues from the shipped lexicon, mentions from the shipped gazetteer).
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.claims.gazetteer import Gazetteer, load_gazetteer
from monitor.claims.lexicon import Cue, Lexicon, load_lexicon
from monitor.claims.mentions import Mention, find_mentions
from monitor.claims.statements import _Chain, _chains
from monitor.claims.tokens import Token, tokenize


@dataclass
class Staged:
    text: str
    tokens: list[Token]
    cues: list[Cue]
    reporting: list[int]
    mentions: list[Mention]
    by_end: dict[int, Mention]
    by_start: dict[int, Mention]
    chains: list[_Chain]
    gaz: Gazetteer
    lex: Lexicon


def stage(text: str) -> Staged:
    gaz, lex = load_gazetteer(), load_lexicon()
    tokens = tokenize(text)
    cues = [c for c in lex.find_cues(tokens) if c.stance is not None]
    covered = {k for c in cues for k in range(c.start, c.end)}
    reporting = [i for i, t in enumerate(tokens) if t.norm in lex.reporting_forms and i not in covered]
    mentions = find_mentions(tokens, gaz, frozenset([c.start for c in cues] + reporting))
    by_end = {m.end - 1: m for m in mentions}
    by_start = {m.start: m for m in mentions}
    chains = _chains(tokens, cues, frozenset(by_end))
    return Staged(text, tokens, cues, reporting, mentions, by_end, by_start, chains, gaz, lex)
