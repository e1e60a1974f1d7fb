"""Holders stage: whose statement it is - mentions resolved to holders.

Cut (the split of the old extract.py): this module takes a sentence's mentions (mentions.py) and
cue chains (statements.py) and answers "who holds this stance": pronouns and role nouns resolved
against earlier sentences ("it", "the agency", "the government" -> its country) through the
per-text `_Context`, a verb's grammatical subject, a passive's agent ("was rejected by Ryanair"),
coordinated subjects ("Germany and France said"), members of a listed collective, plan owners
("Germany's plan to ...") and the speakers of reporting clauses.

Longer than ~600 lines because subject search (`_subject` and the list, antecedent and purpose-verb
helpers it calls) is one walk leftwards from a verb that `_resolve` and `_holder` share; its word
lists live in monitor/data/holders.toml. Splitting the walk itself would scatter one decision.

Names with a leading underscore are private to the monitor.claims package: the stage modules import
them from each other (statements <- holders <- propositions <- extract), nothing outside does.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from monitor.claims.gazetteer import Gazetteer
from monitor.claims.lexicon import Cue, Lexicon
from monitor.claims.mentions import ORG_WORDS, Mention
from monitor.claims.statements import _BE_FORMS, _SKIP, _STRONG_PUNCT, _after_be, _Chain, _looks_passive
from monitor.claims.tokens import Token
from monitor.claims.wordlists import word_lists
from monitor.claims.words import MONTH_NAMES

_WORDS = word_lists("holders.toml")  # the word lists: monitor/data/holders.toml

# "is set to", "is due to": what the subject is scheduled to do ("is expected to" is someone's forecast).
_SCHEDULED = frozenset(["set", "due", "poised", "scheduled", "about", "going"])


_PURPOSE_VERBS = _WORDS["purpose_verbs"]


_SKIP_CONTRACTED = _WORDS["skip_contracted"]


_TIME_NOUNS = MONTH_NAMES | frozenset(
    [
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "week", "month", "year",
        "weekend", "morning", "evening", "night", "afternoon", "now", "today", "tonight", "far", "time",
    ]
)  # fmt: skip


_TIME_PREPS = frozenset(["on", "this", "last", "next", "for", "so", "earlier", "later", "in", "at", "by"])


_PREPOSITIONS = _WORDS["prepositions"]


_LIST_INTROS = frozenset(["including", "as", "like", "from"])


_COLLECTIVES = _WORDS["collectives"]
_APPOSITIVE_OPENERS = _WORDS["appositive_openers"]


_OBJECT_VERBS = _WORDS["object_verbs"]


_PERSONISH = frozenset(["person", "unknown_person"])


_PRONOUN_EXTRA = {
    "we're": "we",
    "we've": "we",
    "we'll": "we",
    "i'm": "i",
    "i've": "i",
    "they're": "they",
    "it's": "it",
}


@dataclass(slots=True)
class _Context:
    """What earlier sentences leave behind for later ones: resolvable actors, the last topic."""

    recent: list[list[Mention]] = field(default_factory=list)  # resolved mentions per recent sentence
    subjects: list[Mention] = field(default_factory=list)  # main subjects, most recent last
    speaker: Mention | None = None
    last_concepts: list[str] = field(default_factory=list)
    prev_concepts: list[str] = field(default_factory=list)
    country_counts: Counter[str] = field(default_factory=Counter)
    dateline_country: str | None = None
    # surname -> (full name, whose stance they state) for people the gazetteer does not know
    persons: dict[str, tuple[str, str]] = field(default_factory=dict)


_COLLECTIVE_NOUNS = _WORDS["collective_nouns"]


def _extend_collectives(tokens: list[Token], mentions: list[Mention]) -> None:
    """ "Premier League clubs": an unknown body followed by a collective noun speaks as that body."""
    for m in mentions:
        if (
            m.kind in ("unknown_org", "org")
            and not m.possessive
            and m.end < len(tokens)
            and tokens[m.end].norm in _COLLECTIVE_NOUNS
            and not any(o.start == m.end for o in mentions)
        ):
            m.end += 1
            m.text = f"{m.text} {tokens[m.end - 1].text}"


def _relative_clause_tokens(tokens: list[Token], before: int) -> set[int]:
    """Token indices before `before` inside ", which|who|whose ... ," clauses that have closed."""
    inside: set[int] = set()
    k = 0
    while k < before - 1:
        if tokens[k].text == "," and tokens[k + 1].norm in ("which", "who", "whose", "whom"):
            end = k + 2
            while end < before and tokens[end].text != ",":
                end += 1
            if end < before:  # closed before the pronoun
                inside.update(range(k + 1, end))
            k = end
        k += 1
    return inside


def _resolve(m: Mention, tokens: list[Token], mentions: list[Mention], gaz: Gazetteer, ctx: _Context) -> None:
    if m.kind not in ("pronoun", "role"):
        return
    earlier = [o for o in mentions if o.end <= m.start and o.actor and o.kind not in ("pronoun",)]
    if m.kind == "pronoun":
        role = m.role or ""
        role = _PRONOUN_EXTRA.get(role, role)
        m.role = role
        if role in ("we", "our", "i"):
            return  # the speaker: resolved per claim
        if role in ("he", "his", "she", "her"):
            # "Senator Doug Jones, who faces a race in a state Trump carried, said he ...": as for "it"
            # below, a name inside a closed relative clause is not the main clause's "he"
            inner = _relative_clause_tokens(tokens, m.start)
            if inner and any(o.start not in inner for o in earlier):
                earlier = [o for o in earlier if o.start not in inner]
            for o in reversed(earlier):
                if _is_personish(o, gaz) and not _object_position(tokens, o.start):
                    m.actor, m.name = o.actor, o.name
                    return
            speaker = _speaker_before(tokens, m, earlier, gaz)
            if speaker is not None:
                m.actor, m.name = speaker.actor, speaker.name
                return
            for o in reversed(ctx.subjects):
                if _is_personish(o, gaz):
                    m.actor, m.name = o.actor, o.name
                    return
            return
        if role in ("it", "its"):
            subjects = [
                o for o in earlier if not _is_personish(o, gaz) and not _object_position(tokens, o.start)
            ]
            # "UEFA, which has already moved the Champions League final to Paris, said it ...": names
            # inside a relative clause between commas are not what the main clause's "it" points to
            inner = _relative_clause_tokens(tokens, m.start)
            if inner and any(o.start not in inner for o in subjects):
                subjects = [o for o in subjects if o.start not in inner]
            if subjects:
                m.actor, m.name = subjects[-1].actor, subjects[-1].name
                return
            speaker = _speaker_before(tokens, m, earlier, gaz)
            if speaker is not None:
                m.actor, m.name = speaker.actor, speaker.name
                return
            if not earlier and ctx.subjects and not _is_personish(ctx.subjects[-1], gaz):
                m.actor, m.name = ctx.subjects[-1].actor, ctx.subjects[-1].name
            return
        if role in ("they", "their", "they're"):
            # only to a group named earlier in the same sentence: "U.S. officials said they ..."
            for o in reversed(earlier):
                if not _object_position(tokens, o.start) and o.text.split()[-1].lower() in _GROUP_WORDS:
                    m.actor, m.name = o.actor, o.name
                    return
        return
    # earlier sentences' subjects first: "the airline" is what the story is about, not a place it named
    subject_ids = {id(o) for o in ctx.subjects}
    recent_all = [o for sentence in reversed(ctx.recent) for o in reversed(sentence) if o.actor]
    recent = [o for o in reversed(ctx.subjects) if o.actor] + [
        o for o in recent_all if id(o) not in subject_ids
    ]
    role = (m.role or "").lower()
    if m.owner in ("his", "her"):
        # "Winston Peters ... his party": the organisation the person speaks for, when the text named one
        for o in [*reversed(earlier), *reversed(ctx.subjects)]:
            if _is_personish(o, gaz):
                if o.actor and o.actor != o.name and gaz.kind_of(o.actor) != "country":
                    m.actor, m.name = o.actor, o.actor
                    return
                break
    if role == "person":
        # "the governor", "the Arizona Democrat": the person last named, in this sentence or before it
        for o in [*reversed(earlier), *recent]:
            if _is_personish(o, gaz) and not (o in earlier and _object_position(tokens, o.start)):
                m.actor, m.name = o.actor, o.name
                return
        return
    if role == "official":
        source = [o for o in earlier if not _object_position(tokens, o.start)] or list(
            reversed(ctx.subjects)
        )[:1]
        if source:
            m.actor, m.name = source[-1].actor, source[-1].name
        return
    if role in gaz.government_nouns or role == "country":
        for o in [*reversed(earlier), *recent]:
            if gaz.kind_of(o.actor) == "country":
                m.actor, m.name = o.actor, o.actor
                return
        fallback = ctx.dateline_country or (
            ctx.country_counts.most_common(1)[0][0] if ctx.country_counts else None
        )
        m.actor = m.name = fallback
        return
    if role == "bench":
        role = "court"  # "the bench" is a panel of a court named before
    # in the sentence, a subject before an object: "Apple will support RCS, backed by Google, the
    # company said" is Apple speaking
    subjects_first = [o for o in reversed(earlier) if not _object_position(tokens, o.start)] + [
        o for o in reversed(earlier) if _object_position(tokens, o.start)
    ]
    for o in [*subjects_first, *recent]:
        name = (o.name or o.actor or "").lower()
        entry = gaz.actors.get(o.name or "") or gaz.actors.get(o.actor or "")
        if (
            role in name.split()
            or (entry is not None and role in entry.roles)
            or (o.kind == "unknown_org" and o.role == role)  # "the Unite union" ... "the union"
        ):
            m.actor, m.name = o.actor, o.name
            return
    for candidate in gaz.role_index.get(role, ()):
        if any(o.actor == gaz.stance_actor(candidate) for o in recent + earlier):
            m.actor = m.name = gaz.stance_actor(candidate)
            return
    for o in [*reversed(earlier), *recent]:
        kind = gaz.kind_of(o.actor) or o.kind
        if kind in ("org", "unknown_org"):
            m.actor, m.name = o.actor, o.name
            return
    described = _described_body(m)
    if described is not None:
        # "the land board", "the five-judge panel" with no named body to point back to: the description
        # is the only name the text gives it (a rival outlet most often uses the same one)
        m.actor = m.name = described


def _described_body(m: Mention) -> str | None:
    """ "land board" for "the land board": a role noun with words describing it; None for a bare "the
    board" or a government noun, which say too little to stand for a body alone."""
    words = m.text.split()
    if m.owner is not None or not words or words[0].lower() not in ("the", "this"):
        return None  # "his party" is someone's, resolved through its owner or not at all
    words = words[1:]
    if len(words) < 2 or (m.role or "") in ("person", "official", "government", "country", "bench"):
        return None
    return " ".join(words)


_GROUP_WORDS = _WORDS["group_words"]
_PLACE_PREPOSITIONS = frozenset(["in", "at"])
_OFFICER_TITLES = _WORDS["bank_officer_titles"]


def _officer_of(m: Mention, mentions: list[Mention], ctx: _Context) -> None:
    """A person titled as a bank's officer ("Governor Ajith Nivard Cabraal") in a story that has named
    a bank just before, in this sentence or the last ones, speaks for that bank: a central bank's
    governor states its policy. Their surname alone later does too (through `ctx.persons`)."""
    if m.kind != "unknown_person" or m.actor != m.name or m.text.split()[0].lower() not in _OFFICER_TITLES:
        return
    earlier = [o for o in mentions if o.end <= m.start]
    recent = [o for sentence in reversed(ctx.recent) for o in reversed(sentence)]
    for o in [*reversed(earlier), *recent]:
        if o.actor and o.kind in ("org", "unknown_org") and "bank" in o.actor.lower().split():
            m.actor = o.actor
            return


_SAID = _WORDS["said_before_it"]


def _speaker_before(
    tokens: list[Token], pronoun: Mention, earlier: list[Mention], gaz: Gazetteer
) -> Mention | None:
    """The name that reports what the pronoun holds: "<name> said (on Tuesday) (that) it/he ...".

    The pronoun of a reporting clause is its speaker. "it" after a name the mention stage took for a
    person ("Ford Motor Co said it", "Alimentation Couche-Tard said it") or placed in an object position
    ("Belgium's region of Wallonia said it") is that name, an organisation; "he" or "she" after a lone
    surname taken for an organisation ("Wilders, whose party won 37 seats, said he") is that person.
    Only the name right before the reporting verb, with nothing but a time phrase or "that" after the
    verb, and never a name the gazetteer knows as the other kind."""
    if not earlier:
        return None
    o = earlier[-1]
    k = o.end
    if k < len(tokens) and tokens[k].text == ",":
        # "Wilders, whose anti-Islam party won 37 of the 150 seats, said he": skip a clause between commas
        close = next((j for j in range(k + 1, min(len(tokens), k + 25)) if tokens[j].text == ","), None)
        if close is None or any(m.start > k and m.end <= close and m.kind != "pronoun" for m in earlier):
            return None
        k = close + 1
    between = tokens[k : pronoun.start]
    if not between or between[0].norm not in _SAID:
        return None
    if not all(t.norm in _SAID_FILLERS or t.norm in _WEEKDAYS for t in between[1:]):
        return None
    wants_person = pronoun.role in ("he", "his", "she", "her")
    known = gaz.kind_of(o.name or o.actor or "")
    if wants_person:
        single = o.end - o.start == 1 and o.kind == "unknown_org" and known is None
        return o if single else None
    if known == "person" or o.kind in ("pronoun", "person") or not o.actor:
        return None
    return o if (o.kind == "unknown_person" or _object_position(tokens, o.start)) else None


_SAID_FILLERS = frozenset(
    ["on", "that", "late", "early", "earlier", "later", "also", "again", "in", "a", "statement"]
)
_WEEKDAYS = frozenset(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])


def _attached_name(tokens: list[Token], m: Mention, gaz: Gazetteer) -> str | None:
    """The unknown person's name a gazetteer mention ends with: "CMA chief executive Sarah Cardell"."""
    k = m.end
    while k > m.start and tokens[k - 1].is_capitalised and tokens[k - 1].is_word:
        if tokens[k - 1].norm in gaz.role_words or tokens[k - 1].fold in gaz.titles:
            break
        k -= 1
    if m.end - k < 2 or k <= m.start:
        return None
    before = tokens[k - 1]
    if not (before.norm in gaz.role_words or before.fold in gaz.titles or before.norm in ("'s", "'")):
        return None
    if gaz.match_alias(tokens, k) is not None:
        return None
    return " ".join(t.text for t in tokens[k : m.end])


def _named(m: Mention) -> str:
    """How the evidence names the holder: a pronoun or role noun shows what it was resolved to."""
    if m.kind in ("pronoun", "role") and (m.name or m.actor):
        return f"{m.text} ({m.name or m.actor})"
    return m.text


def _is_personish(m: Mention, gaz: Gazetteer) -> bool:
    if m.kind in _PERSONISH or m.role == "person":
        return True
    # a long country mention is a titled person ("U.S. Secretary of State Antony Blinken"), unless it
    # ends in a body ("Japan's government", "the Irish cabinet")
    return (m.name is not None and gaz.kind_of(m.name) == "person") or (
        m.end - m.start > 2
        and m.kind == "country"
        and m.text.split()[-1].lower() not in gaz.government_nouns
        and m.text.split()[-1].lower() not in ORG_WORDS
    )


def _object_position(tokens: list[Token], start: int) -> bool:
    k = start - 1
    while k >= 0 and tokens[k].norm in ("the", "a", "an", "its", "their", "his", "her", "fellow", "chief"):
        k -= 1
    if k < 0:
        return False
    word = tokens[k].norm
    if word == "of":
        return not (
            k > 0 and tokens[k - 1].norm in _COLLECTIVES | {"government", "administration", "leadership"}
        )
    return word in _PREPOSITIONS or word in _OBJECT_VERBS


def _subject(
    tokens: list[Token], position: int, by_end: dict[int, Mention], lex: Lexicon, limit: int = 0
) -> tuple[Mention | None, str]:
    """The actor mention that is the subject of the verb at `position`, found by walking left.

    Returns (mention, how): how is "subject", "relative" (via which/who), or "" when none.
    """
    j = _before_purpose_verb(tokens, position, limit)
    commas = 0
    while j >= limit:
        tok = tokens[j]
        if j in by_end:
            m = by_end[j]
            group_start = _list_start(tokens, m, by_end)
            if m.modifier:
                return None, ""
            if (
                group_start >= 3
                and tokens[group_start - 1].norm == "by"
                and tokens[group_start - 2].norm in _HEADED
                and (group_start - 3) in by_end
            ):
                # "the bench headed by Justice Y rejected ...": the body, not the person who heads it
                m = by_end[group_start - 3]
                return (m, "subject") if not m.modifier and not m.possessive else (None, "")
            collective = _collective_list(tokens, group_start)
            if not collective and (
                _object_position(tokens, group_start) or _requested(tokens, group_start, lex)
            ):
                if (
                    group_start >= limit + 2
                    and tokens[group_start - 1].norm in _PLACE_PREPOSITIONS
                    and (group_start - 2) in by_end
                ):
                    j = group_start - 2  # "The High Court in Nairobi barred": the body, not its seat
                    continue
                if j + 1 < len(tokens) and tokens[j + 1].text == "," and commas < 2:
                    k = _previous_comma(tokens, group_start, limit)
                    if k is not None:
                        j = k - 1
                        commas += 1
                        continue
                return None, ""
            if m.possessive:
                return None, ""
            described = _described_person(tokens, m, by_end)
            return (described or m), "subject"
        norm = tok.norm
        if (
            norm in _SKIP
            or norm == "cannot"
            or (norm.endswith("n't") and norm[:-3] in _SKIP_CONTRACTED)
            or (norm.endswith("ly") and tok.is_word and not tok.is_capitalised and len(norm) > 3)
        ):
            j -= 1
            continue
        if norm in _TIME_NOUNS and j - 1 >= limit and tokens[j - 1].norm in _TIME_PREPS:
            j -= 2
            continue
        if tok.text == ")":
            # "The Pakistan Telecommunication Authority (PTA) on Friday blocked": a short aside in
            # brackets between the subject and its verb
            k = j - 1
            while k >= limit and j - k <= 6 and tokens[k].text != "(":
                k -= 1
            if k >= limit and tokens[k].text == "(":
                j = k - 1
                continue
            return None, ""
        if norm == "to" and j - 1 >= limit and tokens[j - 1].norm == "yet":
            j -= 2  # "the commission has yet to rule": the subject of the pending decision
            continue
        if norm in ("which", "who", "that"):
            k = j - 1
            if k >= limit and tokens[k].text == ",":
                k -= 1
            member = _among_antecedent(tokens, k, by_end, limit)
            if member is not None:
                return member, "subject"
            if k >= limit and k in by_end and (norm != "that" or tokens[j - 1].text != ","):
                m = by_end[k]
                return (m, "relative") if not m.modifier else (None, "")
            return None, ""
        if tok.text == ",":
            if j - 1 >= limit and (j - 1) in by_end:
                head = _appositive_head(tokens, by_end[j - 1], by_end, limit)
                if head is not None:
                    return head, "subject"
                j -= 1
                continue
            k = _previous_comma(tokens, j, limit)
            if k is None or commas >= 2:
                return None, ""
            j = k - 1
            commas += 1
            continue
        return None, ""
    return None, ""


def _appositive_head(
    tokens: list[Token], m: Mention, by_end: dict[int, Mention], limit: int
) -> Mention | None:
    """The name an appositive describes, when mention `m` ends that appositive: in "Junts, the party of
    Carles Puigdemont, has not decided" the subject is Junts, not Puigdemont."""
    k = m.start - 1
    while k >= limit and tokens[k].text != "," and m.start - k < 12:
        k -= 1
    if k < limit + 1 or tokens[k].text != "," or tokens[k + 1].norm not in _APPOSITIVE_OPENERS:
        return None
    head = by_end.get(k - 1)
    if head is None or head.modifier or head.possessive:
        return None
    if k - 2 >= limit and tokens[k - 2].text == ",":
        return None  # "Paris, France, ..." a list, not a name and its description
    return head


def _before_purpose_verb(tokens: list[Token], position: int, limit: int) -> int:
    """Where the walk to a subject starts: before a meeting verb whose purpose the cue states ("the
    cabinet was meeting on Thursday to decide whether ..." is the cabinet deciding), else right
    before the cue."""
    j = position - 1
    if j - 1 < limit or tokens[j].norm != "to":
        return j
    if tokens[j - 1].norm in _SCHEDULED and j - 2 >= limit and tokens[j - 2].norm in _BE_FORMS:
        return j - 3  # "the FDA is set to decide whether", "is due to vote on": the subject's own act
    k = j - 1
    if k - 1 >= limit and tokens[k].norm in _TIME_NOUNS and tokens[k - 1].norm in _TIME_PREPS:
        k -= 2
    return k - 1 if k >= limit and tokens[k].norm in _PURPOSE_VERBS else j


def _among_antecedent(tokens: list[Token], k: int, by_end: dict[int, Mention], limit: int) -> Mention | None:
    """ "Manchester City and Arsenal are among six English clubs that signed up": the relative clause
    describes a group the subject belongs to, so the subject holds its stance."""
    a = k
    while (
        a > limit
        and k - a < 5
        and (tokens[a].is_word or tokens[a].norm[:1].isdigit())
        and tokens[a].norm != "among"
    ):
        a -= 1
    if a - 2 < limit or tokens[a].norm != "among" or tokens[a - 1].norm not in ("is", "are", "was", "were"):
        return None
    m = by_end.get(a - 2)
    return m if m is not None and not m.modifier and not m.possessive else None


def _described_person(tokens: list[Token], m: Mention, by_end: dict[int, Mention]) -> Mention | None:
    """ "Musk, the Tesla chief executive, ...": an appositive role phrase describes the person before it;
    a gazetteer person who states their own stance (not the organisation's) stays the subject."""
    k = m.start - 1
    while k >= 0 and tokens[k].norm in ("the", "a", "an"):
        k -= 1
    if k < 1 or tokens[k].text != "," or m.end - m.start < 2 or m.end >= len(tokens):
        return None
    person = by_end.get(k - 1)
    if person is None or person.kind != "person" or person.actor == m.actor or tokens[m.end].text != ",":
        return None
    return person


_HEADED = frozenset(["headed", "led", "chaired", "presided"])


def _previous_comma(tokens: list[Token], before: int, limit: int) -> int | None:
    k = before - 1
    while k >= limit and before - k <= 16:
        if tokens[k].text == ",":
            return k
        if tokens[k].text in _STRONG_PUNCT:
            return None
        k -= 1
    return None


def _collective_list(tokens: list[Token], start: int) -> bool:
    """The list starting at `start` names members of a collective subject: "countries including X"."""
    k = start - 1
    while k >= 0 and tokens[k].norm in ("the", "a", "an"):
        k -= 1
    if k < 0 or tokens[k].norm not in _LIST_INTROS:
        return False
    j = k - 1
    if tokens[k].norm == "from" and j >= 0 and tokens[j].norm == "those":
        j -= 1
    if tokens[k].norm == "as" and j >= 0 and tokens[j].norm == "such":
        j -= 1
    while j >= 0 and tokens[j].text == ",":
        j -= 1
    return j >= 0 and (tokens[j].norm in _COLLECTIVES or tokens[j].norm == "including")


def _list_start(tokens: list[Token], m: Mention, by_end: dict[int, Mention]) -> int:
    """Start of a coordinated list ending in `m`: "the United States and Germany", "Poland, Finland "
    "and ..."."""
    start = m.start
    while _linked(tokens, start, m.start, by_end):
        previous = _previous_member(tokens, start, by_end, after_comma=start != m.start)
        assert previous is not None
        start = by_end[previous].start
    return start


def _linked(tokens: list[Token], start: int, last: int, by_end: dict[int, Mention]) -> bool:
    """Whether the mention starting at `start` continues a list back to the one before it: "Poland,
    Finland and Sweden", a headline's "Poland, Hungary object". A comma alone after a place named as an
    object ("in Berlin, Turkish Foreign Minister Mevlut Cavusoglu said") joins no list."""
    # after a comma, an article before the name is skipped only inside a list already joined by "and"
    # ("the NAHT, the ASCL and the NASUWT"), not for the last name ("Scholz, the chancellor")
    previous = _previous_member(tokens, start, by_end, after_comma=start != last)
    if previous is None:
        return False
    link = tokens[previous + 1].norm
    if link in ("and", "or", "&"):
        return True
    return link == "," and (start != last or not _object_position(tokens, by_end[previous].start))


def _previous_member(
    tokens: list[Token], start: int, by_end: dict[int, Mention], after_comma: bool = True
) -> int | None:
    """The end token of the mention one link word before `start`, an article between allowed: "the
    NAHT, the ASCL and the NASUWT" is one list, as "NAHT, ASCL and NASUWT" is."""
    links = ("and", "or", "&", ",") if after_comma else ("and", "or", "&")
    link = start - 1
    if link >= 1 and tokens[link].norm == "the" and tokens[link - 1].norm in links:
        link -= 1
    return link - 1 if link - 1 >= 0 and (link - 1) in by_end else None


def _list_members(tokens: list[Token], m: Mention, by_end: dict[int, Mention]) -> list[Mention]:
    members = [m]
    start = m.start
    while _linked(tokens, start, m.start, by_end):
        previous = _previous_member(tokens, start, by_end, after_comma=start != m.start)
        assert previous is not None
        other = by_end[previous]
        members.append(other)
        start = other.start
    return members


def _requested(tokens: list[Token], start: int, lex: Lexicon) -> bool:
    k = start - 1
    while k >= 0 and tokens[k].norm in ("the", "a", "an", "its", "their"):
        k -= 1
    return k >= 0 and tokens[k].norm in lex.request_forms


_INVERSION_BEFORE = frozenset([",", '"', "\u201d", "\u2019", "'"])


def _reporting_subjects(
    tokens: list[Token],
    reporting: list[int],
    by_end: dict[int, Mention],
    by_start: dict[int, Mention],
    lex: Lexicon,
    main_subject: Mention | None = None,
    chains: list[_Chain] | None = None,
    holders: list[tuple[Mention | None, str]] | None = None,
) -> dict[int, Mention]:
    out: dict[int, Mention] = {}
    for r in reporting:
        if tokens[r].norm.endswith("ing") and r > 0 and tokens[r - 1].text == ",":
            # a participle ("..., saying ...") reports for the subject of the clause before it
            before = [
                h
                for c, (h, _) in zip(chains or [], holders or [], strict=True)
                if c.end <= r and h is not None
            ]
            subject = before[-1] if before else main_subject
            if subject is not None and subject.actor:
                out[r] = subject
            continue
        subject, _ = _subject(tokens, r, by_end, lex)
        if subject is None:
            subject = _coordinated_subject(tokens, r, by_end)  # "Huawei denied ... and says it is ..."
        if (
            subject is None
            and r + 1 < len(tokens)
            and (r + 1) in by_start
            and r > 0
            and tokens[r - 1].text in _INVERSION_BEFORE
        ):
            subject = by_start[r + 1]  # "..., said Peskov" (not "analysts say Japan will ...")
        if subject is None and tokens[r].norm == "according" and r + 2 < len(tokens) and (r + 2) in by_start:
            subject = by_start[r + 2]
        if subject is not None and subject.actor is not None:
            out[r] = subject
    return out


def _main_subject(
    tokens: list[Token], cues: list[Cue], reporting: list[int], by_end: dict[int, Mention], lex: Lexicon
) -> Mention | None:
    anchors = sorted([c.start for c in cues] + reporting)
    for anchor in anchors[:2]:
        subject, _ = _subject(tokens, anchor, by_end, lex)
        if subject is not None and subject.actor:
            return subject
    if not anchors:
        return _opening_subject(tokens, by_end)
    return None


# Words that continue a name or a noun phrase rather than start its verb ("Bank of Japan", "Canada and
# Mexico", "the board, which ...").
_NOT_A_VERB = frozenset({"and", "or", "of", "who", "which", "that", "whose", "for", "in", "on", "at", "from"})


def _opening_subject(tokens: list[Token], by_end: dict[int, Mention]) -> Mention | None:
    """The holder a sentence opens with when it has no stance cue and no reporting verb: "The Bank of
    Japan raised interest rates", "FIFA removed Indonesia as host", "Canada closed its skies". News
    states a position by an action as often as by a word for it; the learned reader (reader.py)
    decides whether the sentence states one. The mention must open the sentence (after "the" or a
    dateline's dash) and be followed by a lower-case word that can start a verb phrase."""
    first = 0
    for k, token in enumerate(tokens[:12]):
        if token.text in ("--", "—", "–") or (token.text == "-" and k > 0 and tokens[k - 1].text == "-"):
            first = k + 1  # a dateline's dash: "HONIARA, Sept 17 -- Canada closed ..."
    if first < len(tokens) and tokens[first].norm == "the":
        first += 1
    for m in by_end.values():
        if m.start != first or not m.actor or m.possessive or m.modifier:
            continue
        if m.end >= len(tokens):
            return None
        following = tokens[m.end]
        if following.is_word and not following.is_capitalised and following.norm not in _NOT_A_VERB:
            return m
        return None
    return None


def _holder(
    tokens: list[Token],
    chain: _Chain,
    by_end: dict[int, Mention],
    by_start: dict[int, Mention],
    main_subject: Mention | None,
    lex: Lexicon,
) -> tuple[Mention | None, str]:
    head = chain.cues[0]
    if head.kind in ("verb", "request") and _after_be(tokens, head.start) and _looks_passive(tokens, head):
        # "Biden was asked whether ...", "the plan was backed by Italy": the subject undergoes the verb
        agent = _agent(tokens, chain.end, by_start)
        return (agent, "agent") if agent is not None else (None, "")
    subject, how = _subject(tokens, head.start, by_end, lex)
    if subject is not None:
        return subject, how
    shared = _coordinated_subject(tokens, head.start, by_end)
    if shared is not None:
        return shared, "subject"
    # participial adjunct: ", saying it would ...", ", backing a system ..." -> the sentence's subject
    before = tokens[head.start - 1] if head.start > 0 else None
    first = tokens[head.start].norm
    if before is not None and before.text == "," and first.endswith("ing") and main_subject is not None:
        return main_subject, "participle"
    joined = _joined_in(tokens, head.start, by_end, main_subject, lex)
    if joined is not None:
        return joined, "participle"
    owner = _plan_owner(tokens, head.start, by_end)
    if owner is not None:
        return owner, "owner"
    # passive with an agent: "opposed for now by its chief backer Washington", "objections voiced by Ankara"
    agent = _agent(tokens, chain.end, by_start)
    if agent is not None and _looks_passive(tokens, head):
        return agent, "agent"
    return None, ""


def _coordinated_subject(tokens: list[Token], position: int, by_end: dict[int, Mention]) -> Mention | None:
    """ "Germany bowed to pressure and agreed to the deal": a verb after "and" or "but" without a
    subject of its own shares the subject that opens the clause, when nothing else is named between
    them ("Germany criticised France and agreed ..." is left alone: France could be the subject)."""
    j = position - 1
    while j > 0 and (tokens[j].norm in _SHARED_SUBJECT_ADVERBS or tokens[j].norm in _SKIP):
        j -= 1  # "and now supports", "and did not say"
    if j < 2 or tokens[j].norm not in ("and", "but"):
        return None
    k = j - 1
    while k >= 0 and j - k <= 12:
        if k in by_end:
            m = by_end[k]
            start = m.start
            opens = start == 0 or tokens[start - 1].text in _STRONG_PUNCT or tokens[start - 1].text == ","
            return m if opens and m.actor and not m.possessive and not m.modifier else None
        if (
            tokens[k].text in _STRONG_PUNCT
            or tokens[k].text == ","
            or tokens[k].norm in ("that", "which", "who")
        ):
            return None
        k -= 1
    return None


_SHARED_SUBJECT_ADVERBS = _WORDS["shared_subject_adverbs"]


def _plan_owner(tokens: list[Token], position: int, by_end: dict[int, Mention]) -> Mention | None:
    """ "Venice's long-discussed plan to charge day-trippers an entry fee remains on hold": the owner
    of the plan that is the clause's subject holds what is said of the plan."""
    k = position - 1
    while k >= 0 and position - k <= 14:
        tok = tokens[k]
        if tok.text in _STRONG_PUNCT or tok.text == "," or tok.norm in ("that", "which", "who"):
            return None
        if k in by_end:
            m = by_end[k]
            before = tokens[m.start - 1].text if m.start > 0 else ""
            opens = m.start == 0 or before in _STRONG_PUNCT or before == ","
            owns_plan = any(t.norm in _PLAN_NOUNS for t in tokens[m.end : min(m.end + 4, position + 1)])
            possessive = m.possessive or (m.end < len(tokens) and tokens[m.end].norm in ("'s", "'"))
            return m if possessive and opens and owns_plan and m.actor else None
        k -= 1
    return None


def _owned_plan_span(tokens: list[Token], owner_end: int, cue_start: int) -> tuple[int, int]:
    """What the plan is: "Dubrovnik's plan to [charge cruise passengers a fee] remains on hold"."""
    k = owner_end
    while k < cue_start and tokens[k].norm not in _PLAN_NOUNS:
        k += 1
    k += 1
    if k < cue_start and tokens[k].norm in ("to", "for", "of"):
        k += 1
    return (k, cue_start) if k < cue_start else (cue_start, cue_start)


_PLAN_NOUNS = _WORDS["plan_nouns"]


def _joined_in(
    tokens: list[Token], position: int, by_end: dict[int, Mention], main_subject: Mention | None, lex: Lexicon
) -> Mention | None:
    """ "Google ..., joining Meta in rejecting the legislation", "Poland joined Hungary in blocking it":
    the one who joins holds the stance (the one joined held it already)."""
    if position < 3 or tokens[position - 1].norm != "in" or not tokens[position].norm.endswith("ing"):
        return None
    j = position - 2
    if j not in by_end:
        return None
    k = _list_start(tokens, by_end[j], by_end) - 1
    if k < 0 or tokens[k].norm not in ("joining", "joined", "joins", "join"):
        return None
    if tokens[k].norm == "joining" and k > 0 and tokens[k - 1].text == ",":
        return main_subject
    subject, _ = _subject(tokens, k, by_end, lex)
    return subject


def _agent(tokens: list[Token], end: int, by_start: dict[int, Mention]) -> Mention | None:
    n = len(tokens)
    k = end
    steps = 0
    while k < n and steps < 5 and tokens[k].norm != "by":
        if not tokens[k].is_word or tokens[k].norm in ("and", "but", "that", "which"):
            return None
        k += 1
        steps += 1
    if k >= n or tokens[k].norm != "by":
        return None
    j = k + 1
    while j < min(n, k + 8):
        m = by_start.get(j)
        if m is not None and m.kind != "pronoun":
            if not m.possessive:
                return m
            # "by Britain's Competition and Markets Authority": the agent is what the possessive names
            j = m.end + (1 if m.end < n and tokens[m.end].norm in ("'s", "'") else 0)
            found = by_start.get(j)
            return found if found is not None and found.kind != "pronoun" and not found.possessive else None
        if not tokens[j].is_word:
            break
        j += 1
    return None
