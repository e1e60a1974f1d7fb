"""Propositions, normalised topics and qualifiers.

A topic is a short bag of concepts from the proposition's words, so that paraphrases of one question
share concepts: words are lightly stemmed, synonyms map to one group name (weapons/arms/munitions ->
"weapon"; strike/hit/attack -> "strike"), places become one concept ("inside Russia", "on Russian
soil", "Russian territory" -> "inside-russia", which also counts as "cross-border"), and actor names,
stance words and generic words are left out. `topic_similarity` compares two topics.

Qualifiers are the limits a stance comes with: purpose ("for the limited purpose of defending
Kharkiv"), condition ("provided they set up committees ..."), scope ("only in patients who ..."),
time ("from April 1").
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from monitor.claims.actors import Gazetteer
from monitor.claims.tokens import Token, words
from monitor.claims.words import MONTHS, alternation

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_TOPICS = DATA_DIR / "topics.toml"

# Nouns that point back to something said before ("backed the levy", "opposed the move"): the topic is
# completed from the context.
ANAPHORIC = frozenset(
    [
        "move",
        "step",
        "decision",
        "plan",
        "plans",
        "proposal",
        "request",
        "idea",
        "measure",
        "measures",
        "policy",
        "deal",
        "agreement",
        "levy",
        "tax",
        "charge",
        "scheme",
        "bill",
        "law",
        "change",
        "arrangement",
        "compromise",
        "restrictions",
        "restriction",
        "strategy",
        "system",
        "technology",
        "drug",
        "treatment",
        "opinion",
        "outcome",
        "it",
        "this",
        "that",
        "them",
        "these",
        "those",
        "such",
        "so",
        "one",
        "initiative",
        "option",
        "options",
        "offer",
        "demand",
        "demands",
        "call",
        "calls",
        "bid",
        "effort",
        "package",
        "programme",
        "program",
        "project",
        "reform",
        "reforms",
        "rule",
        "rules",
        "ruling",
        "verdict",
        "decree",
        "order",
        "legislation",
        "motion",
        "resolution",
        "application",
        "text",
        "draft",
        "framework",
        "accord",
        "pact",
        "treaty",
        "regulation",
        "regulations",
        "directive",
    ]
)
_DETERMINERS = frozenset(
    ["the", "this", "that", "such", "its", "their", "these", "those", "his", "her", "our", "a", "an"]
)


@cache
def stem(word: str) -> str:
    """A light, deterministic stemmer: enough to equate strike/strikes/striking, tax/taxes."""
    w = word.lower().strip("'’")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3 or "-" in w:
        return w
    if (w.endswith("ies") and len(w) > 4) or (w.endswith("ied") and len(w) > 4):
        w = w[:-3] + "y"
    elif w.endswith("ing") and len(w) > 5:
        w = w[:-3]
    elif (w.endswith("ed") and len(w) > 4) or w.endswith(("sses", "shes", "ches", "xes", "zes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 3:
        w = w[:-1]
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "aeiouls":
        w = w[:-1]
    return w


@dataclass(slots=True)
class TopicModel:
    groups: dict[str, str] = field(default_factory=dict)  # stem -> group name
    generic: frozenset[str] = frozenset()  # stems
    function_words: frozenset[str] = frozenset()  # lowercase words without content: "the", "would"
    before_country: tuple[tuple[str, ...], ...] = ()
    after_adjective: frozenset[str] = frozenset()
    border: tuple[tuple[str, ...], ...] = ()
    before_index: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    border_index: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    place_starts: frozenset[str] = frozenset()  # first words of border and "inside X" phrases
    word_concepts: dict[str, str | None] = field(default_factory=dict)  # lowercase word -> concept
    # multi-word group members by first word, longest first: "military" -> (("military", "aid"), "weapon")
    phrases: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = field(default_factory=dict)


@cache
def _load(paths: tuple[Path, ...]) -> TopicModel:
    model = TopicModel()
    generic: set[str] = set()
    function: set[str] = set()
    before: list[tuple[str, ...]] = []
    after: set[str] = set()
    border: list[tuple[str, ...]] = []
    phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for path in paths:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        for group, members in (data.get("groups") or {}).items():
            for member in [group, *members]:
                parts = words(member)
                if len(parts) == 1:
                    model.groups.setdefault(stem(parts[0]), group)
                else:
                    phrases.setdefault(parts[0], []).append((tuple(parts), group))
        generic |= {stem(w) for w in (data.get("generic") or {}).get("words", [])}
        function |= {w.lower() for w in (data.get("function") or {}).get("words", [])}
        places = data.get("places") or {}
        before += [tuple(words(p)) for p in places.get("before_country", [])]
        after |= {w.lower() for w in places.get("after_adjective", [])}
        border += [tuple(words(p)) for p in places.get("border", [])]
    model.generic = frozenset(generic)
    model.function_words = frozenset(function)
    model.phrases = {
        first: tuple(sorted(found, key=lambda item: len(item[0]), reverse=True))
        for first, found in phrases.items()
    }
    model.before_country = tuple(sorted(set(before), key=len, reverse=True))
    model.after_adjective = frozenset(after)
    model.border = tuple(sorted(set(border), key=len, reverse=True))
    for place_phrases, index in (
        (model.before_country, model.before_index),
        (model.border, model.border_index),
    ):
        grouped: dict[str, list[tuple[str, ...]]] = {}
        for phrase in place_phrases:
            grouped.setdefault(phrase[0], []).append(phrase)
        index.update({first: tuple(items) for first, items in grouped.items()})
    model.place_starts = frozenset(model.before_index) | frozenset(model.border_index)
    return model


def load_topic_model(extra: list[Path] | tuple[Path, ...] = ()) -> TopicModel:
    return _load((DEFAULT_TOPICS, *(Path(p).resolve() for p in extra)))


def place_map(tokens: list[Token], gaz: Gazetteer, model: TopicModel) -> dict[int, tuple[str, int]]:
    """Places in a sentence, by start token: {i: ("inside-russia", length)}. Computed once per sentence."""
    out: dict[int, tuple[str, int]] = {}
    n = len(tokens)
    firsts, place_firsts = model.place_starts, gaz.place_firsts
    resume = 0  # places do not overlap
    for i, tok in enumerate(tokens):
        if i < resume or (tok.norm not in firsts and not (tok.is_capitalised and tok.norm in place_firsts)):
            continue
        place = _place(tokens, i, n, gaz, model)
        if place is not None:
            out[i] = place
            resume = i + place[1]
    return out


def concepts(
    tokens: list[Token],
    start: int,
    end: int,
    skip: set[int],
    gaz: Gazetteer,
    model: TopicModel,
    places: dict[int, tuple[str, int]] | None = None,
) -> list[str]:
    """Concept words of tokens[start:end], in order, without the tokens in `skip`."""
    if places is None:
        places = place_map(tokens, gaz, model)
    # concepts in order of first appearance: a dict keeps a key where it was first set (no closure to
    # call per word, which cost a sixth of this function)
    found: dict[str, None] = {}
    word_concepts = model.word_concepts
    i = start
    while i < end:
        place = places.get(i)
        if place is not None and i + place[1] <= end:
            concept, length = place
            found[concept] = None
            if concept != "cross-border":
                found["cross-border"] = None
            i += length
            continue
        if i in skip:
            i += 1
            continue
        tok = tokens[i]
        i += 1
        if tok.norm in model.phrases:
            length, phrase_group = _phrase_at(tokens, i - 1, end, skip, model)
            if length:
                found[phrase_group] = None
                i += length - 1
                continue
        if not tok.is_capitalised:
            # a lowercase word's concept depends on the word alone: looked up once per process
            known = word_concepts.get(tok.norm, _UNSEEN)
            if known is _UNSEEN:
                known = word_concepts[tok.norm] = _lowercase_concept(tok, model)
            if known is not None:
                found[known] = None  # type: ignore[index]
            continue
        if not tok.is_word or tok.norm[:1].isdigit() or len(tok.norm) < 3:
            continue
        if tok.is_capitalised and gaz.match_demonym(tokens, i - 1):
            continue  # "American munitions": the owner, not the question
        if tok.is_capitalised and "-" in tok.fold and _owner_compound(tok.fold, gaz):
            continue  # "German-supplied weapons", "US-made missiles": the owner again
        s = stem(tok.norm)
        if s in model.generic or tok.norm in model.generic:
            continue
        group = model.groups.get(s)
        if group and _inside_name(tokens, i - 1):
            group = None  # "Call of Duty" is a game, not a tax; "Digital Markets Act" a law, not markets
        if group:
            found[group] = None
        else:
            found[tok.norm if not tok.is_capitalised else tok.fold] = None
    return list(found)


def _phrase_at(tokens: list[Token], k: int, end: int, skip: set[int], model: TopicModel) -> tuple[int, str]:
    """(length, group) of the longest multi-word group member starting at tokens[k], else (0, "")."""
    for parts, group in model.phrases[tokens[k].norm]:
        stop = k + len(parts)
        if stop <= end and all(
            tokens[k + n].norm == parts[n] and (k + n) not in skip for n in range(1, len(parts))
        ):
            return len(parts), group
    return 0, ""


def _inside_name(tokens: list[Token], k: int) -> bool:
    """Whether capitalised tokens[k] is part of a multi-word name in running text: a capitalised word
    (or "of", "the", "and" inside the name) next to it, the sentence not in title case (a headline)."""

    def capital(j: int) -> bool:
        return 0 <= j < len(tokens) and tokens[j].is_capitalised and tokens[j].is_word

    def joined(j: int, step: int) -> bool:
        if capital(j):
            return True
        return 0 <= j < len(tokens) and tokens[j].norm in ("of", "the", "and", "&") and capital(j + step)

    if not ((joined(k - 1, -1) and k - 1 > 0) or joined(k + 1, 1)):
        return False  # "Duty" alone; a sentence-initial word before it is no name either
    words = [t for t in tokens if t.is_word and len(t.norm) > 3]
    return sum(t.is_capitalised for t in words) <= 0.5 * len(words)


_UNSEEN = object()


def _lowercase_concept(tok: Token, model: TopicModel) -> str | None:
    """What `concepts` makes of a token that is not capitalised (so no demonym and no owner)."""
    if not tok.is_word or tok.norm[:1].isdigit() or len(tok.norm) < 3:
        return None
    s = stem(tok.norm)
    if s in model.generic or tok.norm in model.generic:
        return None
    return model.groups.get(s) or tok.norm


def _owner_compound(word: str, gaz: Gazetteer) -> bool:
    first = word.split("-", 1)[0]
    return any(len(key) == 1 for key, _ in gaz.demonym_index.get(first, ())) or gaz.resolve(first) is not None


def _place(
    tokens: list[Token], i: int, end: int, gaz: Gazetteer, model: TopicModel
) -> tuple[str, int] | None:
    """("inside-russia", length) for "inside Russia" / "on Russian soil"; ("cross-border", n) for "
    "border phrases."""
    first = tokens[i].norm
    for phrase in model.border_index.get(first, ()):
        if i + len(phrase) <= end and all(tokens[i + k].norm == phrase[k] for k in range(1, len(phrase))):
            return "cross-border", len(phrase)
    for phrase in model.before_index.get(first, ()):
        length = len(phrase)
        if i + length < end and all(tokens[i + k].norm == phrase[k] for k in range(1, length)):
            j = i + length
            if j < end and tokens[j].norm == "the":
                j += 1
            country = _country_at(tokens, j, end, gaz)
            if country:
                name, used = country
                extra = 1 if j + used < end and tokens[j + used].norm in model.after_adjective else 0
                return f"inside-{name.lower().replace(' ', '-')}", j + used + extra - i
    if tokens[i].is_capitalised:
        country = _country_at(tokens, i, end, gaz)
        if country:
            name, used = country
            if i + used < end and tokens[i + used].norm in model.after_adjective:
                return f"inside-{name.lower().replace(' ', '-')}", used + 1
    return None


def _country_at(tokens: list[Token], i: int, end: int, gaz: Gazetteer) -> tuple[str, int] | None:
    if i >= end or not tokens[i].is_capitalised or tokens[i].norm not in gaz.place_firsts:
        return None
    for length in (3, 2, 1):
        if i + length > end:
            continue
        key = " ".join(t.norm for t in tokens[i : i + length])
        country = gaz.place_names.get(key)
        if country:
            return country, length
    return None


def topic_key(concept_list: list[str], limit: int = 8) -> str:
    return " ".join(concept_list[:limit])


def topic_stems(topic: str) -> frozenset[str]:
    return frozenset(stem(w) for w in topic.split() if w)


def topic_similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Overlap of two topics relative to the smaller one; 0 when they share nothing."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    if not shared:
        return 0.0
    objects_a = [w for w in a if w[0] == "@"]
    if objects_a:
        objects_b = {w for w in b if w[0] == "@"}
        if objects_b and objects_b.isdisjoint(objects_a):
            return 0.0  # "Bulgaria's entry" and "Romania's entry" are two questions
    smaller = min(len(a), len(b))
    if shared < 2 and smaller > 2:
        return shared / (smaller + 1)
    return shared / smaller


# --------------------------------------------------------------------------------------------------
# Qualifiers

_MONTH_WORDS = alternation(MONTHS, title=True)
_QUALIFIER_RE = re.compile(
    # every phrase starts with a lower-case letter: the lookahead skips other words early (it is hot)
    r"\b(?=[a-z])(?:"
    r"for the (?:limited |sole |specific |express |narrow |single )?purposes? of"
    r"|in order to|in a bid to|so as to|with the aim of|aimed at|with a view to"
    # a purpose limit ("may use them to defend itself from attacks"), not a complement ("the right to")
    r"|(?<!right )(?<!entitled )(?<!able )(?:only )?to (?:defend|protect) (?:itself|themselves)"
    r"|(?:for|in) self-defen[cs]e"
    r"|provided(?: that)?|on (?:the )?condition that|as long as|so long as|subject to|only if|conditional on"
    r"|in exchange for|in return for|unless|once"
    r"|only (?:in|for|to|on|against|within|near|at|with|when|after|where|if|as)"
    r"|limited to|restricted to|confined to"
    r"|for (?:a|an) (?:restricted|limited|small|narrow|specific|select|defined) (?:group|number|set"
    r"|range|subset|category) of"
    r"|excluding|except(?: for)?|with the exception of|but not"
    rf"|from (?:next |this )?(?:{_MONTH_WORDS})\b|until|by the end of|starting (?:from|on|in)|as of"
    r"|within \d+ (?:days|weeks|months|years)|during the"
    r")\b[^,;.()\"“”]*",
)
_QUALIFIER_MAX_WORDS = 22


def qualifiers(text: str) -> list[tuple[int, int, str]]:
    """(start, end, phrase) of each qualifier in `text`."""
    out: list[tuple[int, int, str]] = []
    for match in _QUALIFIER_RE.finditer(text):
        phrase = match.group().strip()
        parts = phrase.split()
        if len(parts) < 2:
            continue
        if len(parts) > _QUALIFIER_MAX_WORDS:
            phrase = " ".join(parts[:_QUALIFIER_MAX_WORDS])
        out.append((match.start(), match.start() + len(phrase), phrase))
    return out
