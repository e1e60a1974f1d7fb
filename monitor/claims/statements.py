"""Statements stage: cue chains in one sentence and what they say (stance, negation, confidence).

Cut (the split of the old extract.py): from a sentence's stance cues (lexicon.py) this module builds
the cue chains ("has refused to rule out"), composes their stance, and answers the questions asked of
one statement that need no holder: is it passive, negated ("did not say"), recalled history (dated
past: "in 2019 it said"), hearsay or an unnamed source ("officials said"), a reporting clause that
governs another, and how confident the wording is. It knows nothing of mentions or holders, so the
holders stage (holders.py) can use its word classes and chains.

Names with a leading underscore are private to the monitor.claims package: the stage modules import
them from each other (statements <- holders <- propositions <- extract), nothing outside does.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.claims import stance as st
from monitor.claims.lexicon import Cue, Lexicon
from monitor.claims.mentions import Mention
from monitor.claims.tokens import Token
from monitor.claims.wordlists import word_lists
from monitor.claims.words import MONTHS

_WORDS = word_lists("statements.toml")  # the word lists: monitor/data/statements.toml

_SKIP = _WORDS["skip"]


_BOUNDARY_WORDS = _WORDS["boundary_words"]


_STRONG_PUNCT = frozenset(';:—–"“”()')


_QUOTES = frozenset('"“”')


_PARTICIPLE_ENDINGS = ("ed", "en")


_IRREGULAR_PARTICIPLES = _WORDS["irregular_participles"]


@dataclass(slots=True)
class _Chain:
    cues: list[Cue]

    @property
    def start(self) -> int:
        return self.cues[0].start

    @property
    def end(self) -> int:
        return self.cues[-1].end


def _sourcing(tokens: list[Token], r: int) -> bool:
    """A reporting verb that closes the sentence's claim: ", officials said", '," Biden told reporters'."""
    if tokens[r].norm.endswith("ing"):
        return False
    k = r - 1
    while k >= 0 and tokens[k].is_word and r - k <= 6:
        k -= 1
    return k < 0 or tokens[k].text in (",", '"', "”", "’", "'")


def _governs(tokens: list[Token], left: int, right: int) -> bool:
    """No clause boundary between a reporting verb and a claim: "said X, while Britain pledged" is not."""
    return not any(t.norm in _CLAUSE_BREAKS or t.text == ";" for t in tokens[left:right])


_CLAUSE_BREAKS = frozenset(["while", "whereas", "but", "although", "though", "however", "meanwhile"])


# Conjunctions that make their clause's stance a condition still to be met, not a position held.
_NOT_YET = frozenset(["before", "until", "till", "unless"])


def _negated_report(tokens: list[Token], r: int) -> bool:
    """Whether the reporting verb at r is negated: "did not say", "would not confirm", "never said".
    ("has not said whether" is a stance of its own, undecided, read by the lexicon.)"""
    if r + 1 < len(tokens) and tokens[r + 1].norm in ("whether", "if"):
        return False
    return any(t.norm in ("not", "never") or t.norm.endswith("n't") for t in tokens[max(0, r - 3) : r])


def _past_perfect_before(tokens: list[Token], r: int) -> bool:
    """Whether the reporting verb at r is in the past perfect: "had argued", "had long said", or is a
    participle of a clause that is: "Germany had held up the vote, saying it could not support ..."."""
    if tokens[r].norm.endswith("ing") and r > 1 and tokens[r - 1].text == ",":
        k = r - 2
        while k >= 0 and r - k <= 14 and tokens[k].text not in _STRONG_PUNCT and tokens[k].text != ",":
            if tokens[k].norm in ("had", "'d") and k + 1 < r and tokens[k + 1].norm not in ("to", "been"):
                return True
            k -= 1
        return False
    k = r - 1
    while k >= 0 and r - k <= 3 and (tokens[k].norm in _SKIP or tokens[k].norm.endswith("ly")):
        if tokens[k].norm in ("had", "'d"):
            return True
        k -= 1
    return False


def _hearsay(tokens: list[Token], reporting: list[int], start: int) -> bool:
    """Whether unnamed reports ("reports that", "a report that") govern the clause starting at `start`."""
    return any(
        tokens[r].norm in ("reports", "report")
        and r + 1 < start
        and tokens[r + 1].norm == "that"
        and _governs(tokens, r, start)
        for r in reporting
    )


def _unnamed_source(tokens: list[Token], reporting: list[int], start: int) -> str | None:
    """Who reports, when it is nobody named: "analysts say", "experts believe", "people familiar with
    the matter said" govern the clause at `start`, or "..., analysts said" follows it -> "analysts"
    (their claim about its holder, not the holder's own stance)."""
    for r in reporting:
        if r > start:
            # "..., analysts said": the clause before the comma is theirs
            k = r - 1
            if k >= 1 and tokens[k].norm in _UNNAMED_SOURCES and tokens[k - 1].text == ",":
                return tokens[k].norm
            continue
        if not _governs(tokens, r, start):
            continue
        k = r - 1
        while k >= 0 and tokens[k].norm in _SKIP:
            k -= 1
        if k < 0:
            continue
        if tokens[k].norm in _UNNAMED_SOURCES:
            return tokens[k].norm
        if any(tokens[j].norm == "familiar" for j in range(max(0, k - 4), k)):
            return "sources"  # "people familiar with the matter said"
    return None


_UNNAMED_SOURCES = _WORDS["unnamed_sources"]


_BE_FORMS = frozenset(["is", "are", "was", "were", "be", "been", "being", "'s"])


def _after_be(tokens: list[Token], start: int) -> bool:
    k = start - 1
    while k >= 0 and (
        tokens[k].norm.endswith("ly") or tokens[k].norm in ("not", "also", "still", "reportedly")
    ):
        k -= 1
    return k >= 0 and tokens[k].norm in _BE_FORMS


def _looks_passive(tokens: list[Token], head: Cue) -> bool:
    words = [t.norm for t in tokens[head.start : head.end]]
    return (
        any(w.endswith(_PARTICIPLE_ENDINGS) or w in _IRREGULAR_PARTICIPLES for w in words)
        or head.kind == "noun"
    )


def _ends_mention(tokens: list[Token], index: int, mention_ends: frozenset[int]) -> bool:
    return index in mention_ends


def _chains(tokens: list[Token], cues: list[Cue], mention_ends: frozenset[int] = frozenset()) -> list[_Chain]:
    """Group cues so that a cue inside the complement of the one before it composes with it.

    Not across punctuation or a conjunction, and not when the later cue has a subject of its own
    ("the clearest sign yet that Washington is considering").
    """
    chains: list[_Chain] = []
    for cue in cues:
        if chains:
            last = chains[-1]
            gap = tokens[last.end : cue.start]
            if (
                gap
                and gap[0].text in ('"', "“")
                and last.end > 0
                and tokens[last.end].start == tokens[last.end - 1].end + 1
            ):
                gap = gap[1:]  # a quotation that starts the complement: decided to "take additional time
            if (
                cue.start - last.end <= 5
                and cue.kind not in ("impersonal", "permission")
                and not any(
                    t.text in _STRONG_PUNCT or t.text == "," or t.norm in _BOUNDARY_WORDS for t in gap
                )
                and not (cue.start == last.end and cue.kind == "noun")
                and not any(t.norm == "that" for t in gap)
                and not (cue.start - 1 >= last.end and _ends_mention(tokens, cue.start - 1, mention_ends))
            ):
                last.cues.append(cue)
                continue
        chains.append(_Chain([cue]))
    return chains


def _stance(
    tokens: list[Token], chain: _Chain, holder: Mention, how: str, lex: Lexicon, reported: bool
) -> tuple[str | None, str, dict[str, bool]]:
    head = chain.cues[0]
    flags: dict[str, bool] = {}
    # the words between the holder (or the clause start) and the cue decide negation, hedging, tense
    left = head.start
    floor = (
        holder.end if how in ("subject", "relative") and holder.end <= head.start else max(0, head.start - 6)
    )
    while left > floor and tokens[left - 1].text not in _STRONG_PUNCT and tokens[left - 1].text != ",":
        left -= 1
        if head.start - left > 8:
            break
    window = tokens[left : head.start]
    norms = [t.norm for t in window]
    stance_value = head.stance
    for cue in chain.cues[1:]:
        stance_value = st.compose(stance_value, cue.stance)
    cue_words = [" ".join(t.text for t in tokens[c.start : c.end]) for c in chain.cues]
    negated = any(w in lex.negators or w.endswith("n't") for w in norms)
    no_longer = _contains_any(norms, lex.no_longer)
    if no_longer:
        stance_value = _compose_chain_from(chain, st.reverse(head.stance))
        cue_words.insert(0, "no longer")
    elif negated:
        stance_value = _compose_chain_from(chain, st.negate(head.stance))
        cue_words.insert(0, next(t.text for t in window if t.norm in lex.negators or t.norm.endswith("n't")))
    if (negated and "yet" in norms) or norms[-2:] == ["yet", "to"]:
        # a decision still to come: "has not yet approved", "has yet to approve" are pending, not refusals
        stance_value = "undecided"
        if not negated:
            cue_words.insert(0, "yet to")
    hedged = [
        k
        for k, w in enumerate(norms)
        if w in lex.hedges
        # "could not back the rules in their current form" is a refusal, not a hedge
        and not (w == "could" and k + 1 < len(norms) and norms[k + 1] in ("not", "never"))
    ]
    if hedged:
        stance_value = st.hedge(stance_value)
        cue_words.insert(0, window[hedged[0]].text)
    # hypothetical: "if Western countries approve", "asked whether he would lift"
    scan = head.start - 1
    while (
        scan >= 0
        and head.start - scan <= 10
        and tokens[scan].text not in (",", ";")
        and tokens[scan].text not in _QUOTES
    ):
        word = tokens[scan].norm
        if word in lex.hypothetical:
            flags["hypothetical"] = True
            break
        if word == "have" and scan > 0 and tokens[scan - 1].norm in ("would", "could", "might"):
            flags["hypothetical"] = True
            break
        scan -= 1
    if "must" in norms and _looks_passive(tokens, head):
        flags["hypothetical"] = True  # a requirement ("must be approved by"), not a position
    # history recalled: main-clause past perfect ("had resisted", "had until now refused"); inside
    # reported speech only in a relative clause ("different from the one it had rejected")
    if (
        ("had" in norms or "'d" in norms)
        and (not reported or _relative_before(tokens, left, head.start, lex))
        and tokens[head.start].norm.endswith(("ed", "en", "d", "t"))
    ):
        flags["background"] = True
    if _contains_any(norms, lex.background):
        flags["background"] = True
    if _dated_past(tokens, head.start, chain.end):
        flags["background"] = True
    return stance_value, " ".join(cue_words), flags


def _relative_before(tokens: list[Token], left: int, start: int, lex: Lexicon) -> bool:
    """A relative clause opens between `left` and the cue: "the one it had", "which it had" (a "that"
    right after a reporting verb opens reported speech instead: "stressed that it had")."""
    for k in range(max(0, left - 3), start):
        norm = tokens[k].norm
        if norm in ("which", "whom", "whose") or (norm == "one" and k > 0 and tokens[k - 1].norm == "the"):
            return True
        if norm == "that" and not any(t.norm in lex.reporting_forms for t in tokens[max(0, k - 4) : k]):
            return True  # not "confirmed on Monday that"
    return False


# "may" is the modal and "mar" the verb far more often than the month
_MONTH_NAMES = MONTHS - {"may", "mar"}


_PAST_IRREGULAR = _WORDS["past_irregular"]


_AGO_UNITS = frozenset(["year", "month", "week", "decade"])


_PAST_SPANS = frozenset(["month", "year", "summer", "winter", "spring", "autumn"])


_DATE_STOPS = frozenset(["but", "while", "whereas", "although", "though", "however", "now", "today"])


def _is_date_word(tok: Token) -> bool:
    norm = tok.norm.rstrip(".")
    return norm in _MONTH_NAMES or (len(norm) == 4 and norm.isdigit() and 1900 <= int(norm) <= 2100)


def _dated_past(tokens: list[Token], start: int, end: int) -> bool:
    """A stance dated in the past: "In January, the committee said it would explore ...", "which in
    April blocked ...", "since February 2022, when the IOC urged ...", "agreed to a year ago". Dated
    history in a newer version is not the actor's current stance."""
    n = len(tokens)
    lo = start
    while lo > 0 and start - lo < 14 and tokens[lo - 1].text != ";":
        if tokens[lo - 1].norm in _DATE_STOPS:
            break
        if tokens[lo - 1].text == ",":
            # only a short opening phrase crosses a comma: "In January, the committee said ..."
            if lo - 1 <= 4 and tokens[0].norm in ("in", "last", "since", "back", "during"):
                lo = 0
            break
        lo -= 1
    hi = end
    while (
        hi < n
        and hi - end < 6
        and tokens[hi].text not in (",", ";", ".")
        and tokens[hi].norm not in _DATE_STOPS
    ):
        hi += 1
    head = tokens[start].norm
    past = head.endswith("ed") or head in _PAST_IRREGULAR
    window = tokens[lo:hi]
    norms = [t.norm for t in window]
    if "will" in norms or "'ll" in norms or "shall" in norms:
        return False
    if not past:
        past = "said" in norms[: start - lo] or "had" in norms[: start - lo]
    for k, tok in enumerate(window):
        norm = tok.norm
        following = window[k + 1] if k + 1 < len(window) else None
        dated = (
            (norm in ("in", "since", "during") and following is not None and _is_date_word(following))
            or (norm == "ago" and k > 0 and window[k - 1].norm.rstrip("s") in _AGO_UNITS)
            or (norm == "last" and following is not None and following.norm in _PAST_SPANS)
        )
        if dated and past:
            return True
        if norm == "when" and k + lo < start:
            j = k + lo - 1  # "since February 2022, when ...": the clause describes that date
            if j >= 0 and tokens[j].text == ",":
                j -= 1
            if j >= 0 and _is_date_word(tokens[j]):
                return True
    return False


# Impersonal cues that judge the subject of the reported clause: "will help", "{be} a good idea".
_JUDGEMENT_STARTS = ("will ", "would ", "{be} ")


def _past_form(norm: str) -> bool:
    return norm.endswith("ed") or norm in _PAST_IRREGULAR


def _compose_chain_from(chain: _Chain, head_stance: str | None) -> str | None:
    value = head_stance
    for cue in chain.cues[1:]:
        value = st.compose(value, cue.stance)
    return value


def _contains_any(norms: list[str], phrases: tuple[tuple[str, ...], ...]) -> bool:
    present = set(norms)  # most phrases' first word is absent: skip them without slicing
    return any(phrase and phrase[0] in present and _contains(norms, phrase) for phrase in phrases)


def _contains(norms: list[str], phrase: tuple[str, ...]) -> bool:
    length = len(phrase)
    if not length:
        return False
    return any(tuple(norms[k : k + length]) == phrase for k in range(len(norms) - length + 1))


def _confidence(head: Cue, how: str, heading: bool, stance_value: str) -> float:
    base = {
        "verb": 0.85,
        "phrase": 0.9,
        "fixed": 0.85,
        "noun": 0.85,
        "impersonal": 0.75,
        "permission": 0.8,
        "commitment": 0.7,
        "request": 0.7,
    }.get(head.kind, 0.8)
    if how in ("participle", "agent", "speaker"):
        base -= 0.05
    if how == "relative":
        base -= 0.02
    if heading:
        base -= 0.15
    if stance_value == st.UNDECIDED and head.kind in ("verb", "phrase") and head.stance != st.UNDECIDED:
        base -= 0.1  # undecided only because of a hedge
    return round(max(0.3, min(base, 0.99)), 3)
