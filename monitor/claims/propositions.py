"""Propositions stage: what a statement is about - the proposition span, its topic and object actors.

Cut (the split of the old extract.py): given a cue chain and its holder, this module finds where the
proposition starts and ends in the sentence, whether it restricts or turns the stance ("only for
..."), whether it points back to an earlier topic (anaphoric), its qualifier phrases and the actors
it is about ("sanctions on Russia" -> @russia). Topic concepts themselves come from topics.py.

Names with a leading underscore are private to the monitor.claims package: the stage modules import
them from each other (statements <- holders <- propositions <- extract), nothing outside does.
"""

from __future__ import annotations

from monitor.claims.holders import _COLLECTIVES, _PREPOSITIONS, _TIME_NOUNS, _TIME_PREPS
from monitor.claims.lexicon import Lexicon
from monitor.claims.mentions import Mention
from monitor.claims.statements import _BOUNDARY_WORDS, _STRONG_PUNCT, _Chain
from monitor.claims.tokens import Token
from monitor.claims.topics import ANAPHORIC, TopicModel
from monitor.claims.topics import stem as topic_stem

# Words that say when, not what: "came on board later in the day" has no proposition of its own.
_NO_PROPOSITION = _TIME_NOUNS | _TIME_PREPS | frozenset(["the", "day", "that", "yesterday", "then"])


def _object_actors(
    tokens: list[Token], mentions: list[Mention], start: int, end: int, holder: Mention, model: TopicModel
) -> list[str]:
    """Whose thing the proposition is about: "Bulgaria's entry", "the entry of Romania", "admitting
    Bulgaria", "Finland and Sweden joining", "let Romania in" -> "@bulgaria", ... (not the club joined:
    "joining NATO"). Two topics about different actors' things never match (topics.topic_similarity)."""
    inside = [
        m
        for m in mentions
        if start <= m.start and m.end <= end and m.actor and m.actor != holder.actor and m.kind != "pronoun"
    ]
    owned: list[bool] = []
    joining: list[bool] = []
    for m in inside:
        of_noun = (
            m.start >= 2
            and tokens[m.start - 1].norm == "of"
            and tokens[m.start - 2].is_word
            and not tokens[m.start - 2].is_capitalised
            and tokens[m.start - 2].norm not in _COLLECTIVES
        )
        after = tokens[m.end].norm if m.end < len(tokens) else ""
        before = tokens[m.start - 1].norm if m.start > 0 else ""
        owned.append(m.possessive or of_noun)
        joining.append(
            _membership_word(after, model)  # "Bulgaria joining"
            or (before.startswith("admit") and _membership_word(before, model))  # "admitting Bulgaria"
            or (before == "let" and after in ("in", "into"))  # "let Romania in"
        )
    # a coordinated list joins together: "Finland and Sweden joining", "admitting Bulgaria and Romania"
    for k in range(len(inside) - 1):
        between = tokens[inside[k].end : inside[k + 1].start]
        if between and all(t.norm in ("and", "or", ",") for t in between) and (joining[k] or joining[k + 1]):
            joining[k] = joining[k + 1] = True
    for k in range(len(inside) - 1, 0, -1):  # back along the list: "Finland, Sweden and Norway joining"
        between = tokens[inside[k - 1].end : inside[k].start]
        if between and all(t.norm in ("and", "or", ",") for t in between) and joining[k]:
            joining[k - 1] = True
    out: list[str] = []
    for m, own, joins in zip(inside, owned, joining, strict=True):
        if own or joins:
            concept = "@" + m.actor.lower().replace(" ", "-")  # type: ignore[union-attr]
            if concept not in out:
                out.append(concept)
    return out


def _membership_word(norm: str, model: TopicModel) -> bool:
    return bool(norm) and model.groups.get(topic_stem(norm)) == "membership"


_PROP_BREAKS = (_BOUNDARY_WORDS - {"and", "or"}) | {"out", "due", "amid", "fearing", "citing"}


_TURNED = {"support": "oppose", "oppose": "support"}


_OBJECT_DETERMINERS = frozenset(["its", "their", "his", "her", "the", "a", "our", "your"])


def _restriction_at(
    tokens: list[Token], chain: _Chain, prop_start: int, prop_end: int, lex: Lexicon
) -> int | None:
    """The index of a restriction verb ("restrict", "ban") right after the cue that opens the
    proposition, or after a decision named there ("reversed Colorado's decision to remove Trump from
    the ballot", "blocked the city's plan to close the library"), else None."""
    if chain.cues[0].kind == "impersonal":
        # what is judged comes before the cue ("the full ban ... was needed"): a restriction there turns
        # the judgement over as "announced a ban" does; after it comes a purpose ("is necessary to curb
        # inflation"), which turns nothing
        k = chain.start - 1
        while k >= 0 and chain.start - k <= 15 and tokens[k].norm not in lex.reporting_forms:
            if (
                tokens[k].norm in lex.restrictive_forms
                and not tokens[k].is_capitalised
                and k > 0
                and tokens[k - 1].norm not in ("to", "would", "will", "could", "should")
            ):
                return k  # a restriction named in the judged subject: "the full ban ... was needed"
            k -= 1
        return None
    k = chain.end
    j = k
    while (
        j < len(tokens)
        and j - k < 6
        and (tokens[j].is_word or tokens[j].norm == "'s")
        and tokens[j].norm not in lex.decision_nouns
    ):
        j += 1  # the decision's owner: "Colorado's", "the city's", "the board's earlier"
    if j < len(tokens) - 2 and tokens[j].norm in lex.decision_nouns and tokens[j + 1].norm == "to":
        k = j + 1
    if k < len(tokens) and tokens[k].norm == "to":
        k += 1
    if not prop_start <= k < prop_end:
        return None
    return k if tokens[k].norm in lex.restrictive_forms and not tokens[k].is_capitalised else None


def _proposition_span(tokens: list[Token], chain: _Chain, later: list[_Chain], how: str) -> tuple[int, int]:
    n = len(tokens)
    start = chain.end
    stop = later[0].start if later else n
    end = start
    while end < min(stop, n, start + 25):
        tok = tokens[end]
        if tok.text == "," and _adjective_list(tokens, end):
            end += 1  # "their last, best and final offer": a comma inside the noun phrase
            continue
        if tok.text in _STRONG_PUNCT or tok.text in (",", ".") or (tok.norm in _PROP_BREAKS and end > start):
            break
        if tok.norm == "by" and how == "agent":
            break
        end += 1
    if end > start and any(t.is_word and t.norm not in _NO_PROPOSITION for t in tokens[start:end]):
        return start, end
    last_cue = chain.cues[-1]
    gap = tokens[chain.cues[0].end : chain.cues[1].start] if len(chain.cues) > 1 else []
    content = [t for t in gap if t.is_word and t.norm not in _PREPOSITIONS and t.norm not in _NO_PROPOSITION]
    if len(content) >= 2 and last_cue.end - last_cue.start > 1:
        # "Venice's plan to charge day-trippers a fee remains on hold": what the plan is, between the cues
        # (a one-word last cue is itself what is at stake: "called for a complete ban"; "approved the
        # law by 407 votes to" has no proposition between its cues)
        return chain.cues[0].end, chain.cues[1].start
    if how != "agent":
        return start, start  # nothing to go on: the topic comes from the context
    # nothing after the cue (passive, reduced relative): the proposition is what comes before it
    left = chain.start
    while left > 0 and chain.start - left < 20 and tokens[left - 1].text not in _STRONG_PUNCT:
        left -= 1
    return left, chain.start


def _adjective_list(tokens: list[Token], comma: int) -> bool:
    """A comma between adjectives of one noun phrase: "last, best and final offer", "a new, cheaper
    and faster rail link" (one lower-case word, then "and"/"or" and one more word before the noun)."""
    k = comma + 1
    return (
        k + 3 < len(tokens)
        and tokens[k].is_word
        and not tokens[k].is_capitalised
        and tokens[k].norm not in _PROP_BREAKS
        and not tokens[k].norm.endswith("ing")
        and tokens[k + 1].norm in ("and", "or")
        and tokens[k + 2].is_word
        and tokens[k + 3].is_word
    )


def _is_anaphoric(tokens: list[Token], start: int, end: int) -> bool:
    k = start
    while k < end and not tokens[k].is_word:
        k += 1
    if k >= end:
        return True
    first = tokens[k].norm
    if first in ("it", "this", "that", "them", "so", "such"):
        return True
    if first in ("the", "this", "that", "such", "its", "their", "these", "those"):
        j = k + 1
        while j < end and j - k <= 3:
            if tokens[j].norm in ANAPHORIC:
                return True
            if not tokens[j].is_word:
                break
            j += 1
    return False


def _qualifier_tokens(
    tokens: list[Token], start: int, end: int, found: list[tuple[int, int, str]]
) -> set[int]:
    """Tokens in tokens[start:end] inside a qualifier `found` in the text from tokens[start - 1].end."""
    if not found or start >= len(tokens):
        return set()
    base = tokens[start - 1].end if start > 0 else 0
    covered: set[int] = set()
    for q_start, q_end, _ in found:
        lo, hi = base + q_start, base + q_end
        covered.update(k for k in range(start, min(end, len(tokens))) if lo <= tokens[k].start < hi)
    return covered


def _span_text(text: str, tokens: list[Token], start: int, end: int) -> str:
    if start >= end:
        return ""
    return text[tokens[start].start : tokens[end - 1].end]
