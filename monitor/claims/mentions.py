"""Mentions stage: who is named in one tokenised sentence.

Cut (the split of the old actors.py): this module takes a sentence's tokens and the compiled gazetteer
(gazetteer.py) and returns `Mention`s; it never looks at other sentences. Resolving a mention to the
holder of a stance (pronouns, role nouns, subjects) is the next stage, holders.py.

Longer than ~600 lines because `find_mentions` and its helpers (`_unknown`, `_capital_span`,
`_extend_roles`, `_org_speaker`) are one left-to-right scanner sharing the same word classes; cutting
it further would spread one decision (where a name starts and ends) over several modules.

`find_mentions` marks the gazetteer names (with the titles, roles and names attached to them: "U.S.
Secretary of State Antony Blinken" is one mention of the United States), actors the gazetteer does not
know (capitalised names: "Ryanair", "Eastbrook City Council", "the Greens"), pronouns ("it", "he") and
role nouns ("the agency", "the government") for the holders stage to resolve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.claims.gazetteer import Actor, Gazetteer
from monitor.claims.tokens import Token
from monitor.claims.wordlists import word_lists
from monitor.claims.words import MONTHS

_WORDS = word_lists("mentions.toml")  # the word lists: monitor/data/mentions.toml

WEEKDAYS = frozenset(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])
PRONOUNS = {
    "it": "thing",
    "its": "thing",
    "he": "person",
    "his": "person",
    "she": "person",
    "her": "person",
    "they": "group",
    "their": "group",
    "we": "speaker",
    "our": "speaker",
    "i": "speaker",
    "we're": "speaker",
    "we've": "speaker",
    "we'll": "speaker",
    "i'm": "speaker",
    "i've": "speaker",
    "they're": "group",
}
_ROLE_MODIFIERS = _WORDS["role_modifiers"]
# Words that cannot describe a body inside "the ... board": function words and verbs' helpers.
_NOT_BODY_DESCRIPTIONS = _WORDS["not_body_descriptions"]
_COMMON_OPENERS = _WORDS["common_openers"]
_VERBISH = _WORDS["verbish"]
_NOT_ACTORS = _WORDS["not_actors"]
ORG_WORDS = _WORDS["org_words"]
_POSSESSIVE_NAME_HEADS = _WORDS["possessive_name_heads"]
_RANKS = _WORDS["ranks"]
_OWNED_ROLES = _WORDS["owned_roles"]


@dataclass(slots=True)
class Mention:
    """A span of tokens [start, end) naming an actor, or a pronoun/role noun to be resolved."""

    start: int
    end: int
    text: str
    kind: str  # country | org | person | unknown_org | unknown_person | pronoun | role
    name: str | None = None  # the entity named: "Joe Biden", "Ryanair"
    actor: str | None = None  # whose stance it states: "United States", "Ryanair"
    role: str | None = None  # pronoun class or role noun, for resolution
    possessive: bool = False  # followed by "'s" and a non-role noun: "Canada's consumer carbon price"
    modifier: bool = False  # a compound modifier: "U.S.-made", "US-led"
    owner: str | None = None  # a role noun's possessive pronoun: "his" in "his party"

    def clone(self) -> Mention:
        return Mention(
            self.start,
            self.end,
            self.text,
            self.kind,
            self.name,
            self.actor,
            self.role,
            self.possessive,
            self.modifier,
            self.owner,
        )


def _extend_roles(tokens: list[Token], j: int, gaz: Gazetteer, allow_name: bool = True) -> tuple[int, bool]:
    """Extend a mention ending at j over role words and a following name.

    "German government spokesman Steffen Hebestreit", "Kremlin spokesman Dmitry Peskov",
    "Canada's new government", "Hungary's Viktor Orban". Returns (new end, possessive-without-role).
    """
    n = len(tokens)
    k = j
    possessive = False
    roles_seen = 0
    if k < n and tokens[k].norm in ("'s", "'"):
        k += 1
        possessive = True
        while k < n and tokens[k].norm in _ROLE_MODIFIERS and k - j < 3:
            k += 1
        head = _body_head(tokens, k, gaz)
        if head is not None:
            # "Britain's competition regulator", "Italy's data protection authority": a public body
            k = head + 1
            roles_seen = 1
    while k < n and (
        tokens[k].norm in gaz.role_words
        or (tokens[k].norm == "of" and roles_seen and k + 1 < n and tokens[k + 1].norm in gaz.role_words)
    ):
        k += 1
        roles_seen += 1
    if possessive and not roles_seen and _org_like_span(tokens, k, gaz):
        # "Britain's Competition and Markets Authority": the organisation is the actor, not the country
        return j, True
    if allow_name and (roles_seen or possessive):
        name_len = 0
        while (
            k + name_len < n
            and name_len < 4
            and tokens[k + name_len].is_capitalised
            and tokens[k + name_len].is_word
            and tokens[k + name_len].norm not in gaz.role_words
            and gaz.match_alias(tokens, k + name_len) is None
        ):
            name_len += 1
            if name_len > 0 and k + name_len < n and tokens[k + name_len].norm in _NAME_PARTICLES:
                # "Alberto van Klaveren", "Mark van der Linden": particles run on to the family name
                p = k + name_len
                while p < n and tokens[p].norm in _NAME_PARTICLES and p - (k + name_len) < 3:
                    p += 1
                if p < n and tokens[p].is_capitalised and tokens[p].is_word:
                    name_len = p - k
        if name_len == 0 and k < n and gaz.match_alias(tokens, k):
            # "U.S. President Joe Biden": the person is in the gazetteer too; take them in.
            found = gaz.match_alias(tokens, k)
            assert found is not None
            length, canonical = found
            if gaz.actors[canonical].kind == "person":
                name_len = length
        k += name_len
        if possessive and not roles_seen and not name_len:
            return j, True
    elif possessive:
        return j, True
    return k, False


_BODY_HEADS = _WORDS["body_heads"]
_OWN_BODIES = _WORDS["own_bodies"]
_LOCAL_OFFICES = _WORDS["local_offices"]


def _local_official(tokens: list[Token], i: int, j: int, end: int, actor: Actor) -> Mention | None:
    """A city's office holder or body named after the city, which the gazetteer knows as its country's
    capital or city: "London mayor Sadiq Khan", "Tokyo Governor Yuriko Koike", "Paris city council"
    speak for the city, not for the United Kingdom, Japan or France. The person, when named, is the
    holder; else the body as written."""
    place = " ".join(t.fold for t in tokens[i:j])
    if place == actor.name or place in actor.demonyms or place not in actor.aliases:
        return None
    roles = [k for k in range(j, end) if tokens[k].norm in _LOCAL_OFFICES]
    if not roles:
        return None
    name_start = roles[-1] + 1
    while name_start < end and not tokens[name_start].is_capitalised:
        name_start += 1
    if name_start < end:
        person = _text(tokens, name_start, end)
        return Mention(i, end, _text(tokens, i, end), "unknown_person", person, person)
    body = _text(tokens, i, end)
    return Mention(i, end, body, "unknown_org", body, body)


def _body_head(tokens: list[Token], k: int, gaz: Gazetteer) -> int | None:
    """Index of a body noun after up to three lower-case modifier words at k, else None."""
    n = len(tokens)
    m = k
    while m < n and m - k < 4 and tokens[m].norm not in _BODY_HEADS:
        tok = tokens[m]
        if tok.norm in ("'", "'s") and m > k:
            m += 1  # "Kenya's doctors' union": a possessive inside the description
            continue
        if not tok.is_word or tok.is_capitalised or tok.norm in gaz.role_words or tok.norm in _NOT_MODIFIERS:
            return None
        m += 1
    if m == k or m >= n or tokens[m].norm not in _BODY_HEADS:
        return None  # no modifier: "Britain's regulator" is read by the role words already
    return m


_NOT_MODIFIERS = _WORDS["not_modifiers"]


_OFFICIAL_HEADS = _WORDS["official_heads"]


# How far past an inner "and" a body's head noun may stand: "Vaccines and Related Biological Products
# Advisory Committee" (five words) is one name.
_OFFICIAL_HEAD_REACH = 5


def _official_head_follows(tokens: list[Token], k: int) -> bool:
    """A run of up to `_OFFICIAL_HEAD_REACH` capitalised words from k that ends in a public body's head
    noun."""
    j = k
    while j < len(tokens) and j - k < _OFFICIAL_HEAD_REACH and tokens[j].is_capitalised and tokens[j].is_word:
        if tokens[j].norm in _OFFICIAL_HEADS:
            return True
        j += 1
    return False


def _org_like_span(tokens: list[Token], k: int, gaz: Gazetteer) -> bool:
    """The capitalised name from k names an organisation ("Competition and Markets Authority")."""
    if k >= len(tokens) or not tokens[k].is_capitalised or not tokens[k].is_word:
        return False
    end = _capital_span(tokens, k, gaz)
    return end > k and any(t.norm in ORG_WORDS for t in tokens[k:end])


def _name_head(tokens: list[Token], k: int, gaz: Gazetteer) -> bool:
    """A one-word alias that is an organisation's head noun inside a longer name: "Commission" in
    "Securities and Exchange Commission" ends that name, it does not start the European Commission."""
    if tokens[k - 1].norm in _COMMON_OPENERS or tokens[k].norm not in ORG_WORDS:
        return False
    found = gaz.match_alias(tokens, k)
    return found is not None and found[0] == 1


_PERSON_TITLES = _WORDS["person_titles"]


_GOVERNING_BODIES = frozenset(["board", "directors", "management", "leadership", "executives"])
_MEMBER_WORDS = _WORDS["member_words"]


def _titled_person_at(tokens: list[Token], k: int) -> bool:
    """A title and a name start at k: "president Fran Drescher", "general secretary Sharon Graham",
    after a name of its own ("SAG-AFTRA", "Unite"), not after a capitalised common noun ("Council
    leader Maria Okafor", "Board chair Robyn Denholm": the person is named, the body is not)."""
    if k > 0 and tokens[k - 1].norm in ORG_WORDS:
        return False
    j = k
    while j < len(tokens) and j - k < 3 and tokens[j].norm in _PERSON_TITLES:
        j += 1
    return j > k and j < len(tokens) and tokens[j].is_capitalised and tokens[j].is_word


_NAME_PARTICLES = _WORDS["name_particles"]


def _capital_span(tokens: list[Token], i: int, gaz: Gazetteer) -> int:
    """End of the run of capitalised words starting at i (joined by "of", "for", "de" ...)."""
    n = len(tokens)
    k = i
    while k < n:
        tok = tokens[k]
        if k > i and gaz.match_alias(tokens, k) is not None and not _name_head(tokens, k, gaz):
            place = _place_in_org_name(tokens, i, k, gaz)
            if place:
                k += place  # "Bank Indonesia": the country names the bank, it is not a second actor
                continue
            break
        if tok.is_capitalised and tok.is_word and tok.norm not in MONTHS and tok.norm not in WEEKDAYS:
            k += 1
            continue
        if (
            tok.norm in ("'s", "'")
            and k > i
            and k + 1 < n
            and tokens[k + 1].is_capitalised
            and tokens[k + 1].norm in _POSSESSIVE_NAME_HEADS
            and tokens[k].start == tokens[k - 1].end
        ):
            k += 1  # "People's Party", "Workers' Party", "Women's Institute": the possessive is in the name
            continue
        if k > i and tok.norm in _NAME_PARTICLES:
            # "Mark van der Linden", "Ursula von der Leyen": particles run on to the family name
            j = k
            while j < n and tokens[j].norm in _NAME_PARTICLES and j - k < 3:
                j += 1
            if j > k + 1 and j < n and tokens[j].is_capitalised and tokens[j].is_word:
                k = j
                continue
        head = i + 1 if tokens[i].norm == "the" else i
        if (
            k >= head + 3
            and tok.norm in (",", "and")
            and tokens[head].norm in ORG_WORDS
            and tokens[head + 1].norm in ("of", "for")
        ):
            listed = _portfolio_end(tokens, k, gaz)
            if listed:
                k = listed  # "Ministry of Economy, Trade and Industry", "... of Health and Human Services"
                continue
        if tok.norm == "of" and k > i and k + 1 < n:
            place = _place_in_org_name(tokens, i, k + 1, gaz)
            if place:
                k += 1 + place  # "Bank of Russia", "University of Tokyo", "Commission of South Africa"
                continue
        if (
            tok.norm
            in ("of", "for", "de", "del", "da", "von", "van", "der", "al", "bin", "la", "le", "&", "and")
            and k > i
            and k + 1 < n
            and tokens[k + 1].is_capitalised
            and tokens[k + 1].is_word
            and gaz.match_alias(tokens, k + 1) is None
            and (
                tok.norm != "and"
                or tokens[k - 1].norm in ORG_WORDS
                or tokens[k + 1].norm in ORG_WORDS
                or (k - i <= 2 and _official_head_follows(tokens, k + 1))
            )
        ):
            k += 1
            continue
        break
    # a trailing connector is not part of the name
    while k > i and tokens[k - 1].norm in ("of", "for", "de", "and", "&"):
        k -= 1
    return k


def _capitalised_run(tokens: list[Token], k: int, gaz: Gazetteer | None) -> int:
    """End of the capitalised words from k (k itself when none); with `gaz`, not a known actor's name."""
    n = len(tokens)
    j = k
    while j < n and tokens[j].is_capitalised and tokens[j].is_word:
        if gaz is not None and gaz.match_alias(tokens, j) is not None:
            break
        j += 1
    return j


def _portfolio_end(tokens: list[Token], k: int, gaz: Gazetteer) -> int:
    """A body named for what it covers lists its fields: ", Trade and Industry", " and Human Services".
    From the "," or "and" at k, the end of that list when it closes with "and" and a capitalised word
    ("Ministry of Health, Labour and Welfare"); 0 when it is no such list ("Ministry of Finance, Reuters
    reported", "Ministry of Defence and Germany's army": the last field is no actor's name)."""
    n = len(tokens)
    j = k
    while j < n and tokens[j].norm == ",":
        end = _capitalised_run(tokens, j + 1, None)  # "Labour" in a list of fields is a field
        if end == j + 1:
            return 0
        j = end
    if j < n and tokens[j].norm == "and":
        end = _capitalised_run(tokens, j + 1, gaz)
        if end > j + 1:
            return end
    return 0


def _take_titled_person(tokens: list[Token], mention: Mention, gaz: Gazetteer) -> int:
    """Extend an organisation's mention over a titled person after it, who speaks for it ("SAG-AFTRA
    president Fran Drescher", "New Zealand First leader Winston Peters"); returns the mention's end."""
    end = mention.end
    if _titled_person_at(tokens, end):
        extended, _ = _extend_roles(tokens, end, gaz)
        if extended > end + 1:
            mention.end = extended
            mention.text = _text(tokens, mention.start, extended)
            mention.kind = "unknown_org"
            mention.role = "person"  # "he" and "she" may refer back to it
    return mention.end


def _describes_body(tokens: list[Token], k: int, gaz: Gazetteer) -> bool:
    """A lower-case word at k that describes the body named by the organisation word after it ("land"
    in "the land board", "five-judge" in "the five-judge panel"), not a word of its own clause."""
    tok = tokens[k]
    if not tok.is_word or tok.is_capitalised or tok.norm in _NOT_BODY_DESCRIPTIONS:
        return False
    following = tokens[k + 1] if k + 1 < len(tokens) else None
    return following is not None and (
        following.norm in gaz.org_roles
        or (
            k + 2 < len(tokens)
            and following.norm not in _NOT_BODY_DESCRIPTIONS
            and tokens[k + 2].norm in gaz.org_roles
        )
    )


def _possessive_next(tokens: list[Token], k: int, end: int) -> bool:
    """The word at k is the first part of a possessive inside a name ("The People's Party")."""
    return k + 1 < end and tokens[k + 1].norm in ("'s", "'")


def _place_in_org_name(tokens: list[Token], i: int, k: int, gaz: Gazetteer) -> int:
    """Length of a country's or a place's name at k that belongs to the organisation named by the
    capitalised run from i ("Bank Indonesia", "Bank of Russia", "University of Tokyo"), else 0. The run
    must already name an organisation: its last word (or the word before "of") is an organisation word."""
    found = gaz.match_alias(tokens, k)
    if found is None:
        return 0
    length, canonical = found
    if gaz.actors[canonical].kind != "country":
        return 0
    head = k - 1 if tokens[k - 1].norm != "of" else k - 2
    if head < i or tokens[head].norm not in ORG_WORDS or not tokens[head].is_capitalised:
        return 0
    end = k + length
    if end < len(tokens) and tokens[end].text in ("'s", "’s"):
        return 0  # "the Bank of England's": still the bank, but leave possessives to the caller
    return length


_QUOTE_OPENERS = "\"“‘'("
# Lower-case words a mention may start with (see find_mentions): pronouns, articles, role words.
_MENTION_STARTS = frozenset(PRONOUNS) | frozenset(
    ["the", "this", "a", "an", "officials", "ministers", "spokesperson", "spokesman", "spokeswoman"]
)


def find_mentions(
    tokens: list[Token], gaz: Gazetteer, verbish: frozenset[int] = frozenset(), demonym_ok: bool = True
) -> list[Mention]:
    """Actor mentions in one sentence, left to right, not overlapping.

    `verbish` holds token indices where a stance cue or reporting verb starts: a sentence-initial
    capitalised word followed by one is taken as a name ("Ryanair rejects ...").
    """
    mentions: list[Mention] = []
    n = len(tokens)
    sentence_start = 0
    norms = {t.norm for t in tokens}
    has_bench = "bench" in norms
    has_person_role = not norms.isdisjoint(_PERSON_ROLES)
    aliases, demonyms = gaz.alias_index, gaz.demonym_index
    # A mention starts only at a token that is capitalised, a name's first word, a pronoun, an article or
    # a role word, or at a quote that starts a sentence: the loop visits those positions only (most
    # tokens are none of these, and a comprehension passes over them faster than the loop below).
    positions = [
        k
        for k, t in enumerate(tokens)
        if t.is_capitalised
        or t.norm in _MENTION_STARTS
        or t.fold in aliases
        or t.fold in demonyms
        or (not t.is_word and t.text in _QUOTE_OPENERS)
    ]
    resume = 0  # the end of the last mention: mentions do not overlap
    for i in positions:
        if i < resume:
            continue
        tok = tokens[i]
        if not tok.is_word:
            if tok.text in _QUOTE_OPENERS:
                sentence_start = i + 1
            resume = i + 1
            continue
        found = gaz.match_alias(tokens, i)
        if found:
            length, canonical = found
            actor = gaz.actors[canonical]
            j = i + length
            if j < n and tokens[j].text in "-–" and tokens[j].start == tokens[j - 1].end:
                mentions.append(
                    Mention(
                        i,
                        j,
                        _text(tokens, i, j),
                        actor.kind,
                        canonical,
                        gaz.stance_actor(canonical),
                        modifier=True,
                    )
                )
                resume = j
                continue
            if (
                actor.kind == "country"
                and j < n
                and tokens[j].is_capitalised
                and tokens[j].is_word
                and tokens[j].norm not in gaz.role_words
                and tokens[j].fold not in gaz.titles
                and gaz.match_alias(tokens, j) is None
            ):
                # "Washington Post", "Canada Carbon Rebate": the place names something else.
                end = _capital_span(tokens, j, gaz)
                named = Mention(
                    i, end, _text(tokens, i, end), "unknown_org", _text(tokens, i, end), _text(tokens, i, end)
                )
                end = _take_titled_person(tokens, named, gaz)  # "New Zealand First leader Winston Peters"
                mentions.append(named)
                resume = end
                continue
            end, possessive = _extend_roles(tokens, j, gaz)
            local = _local_official(tokens, i, j, end, actor) if actor.kind == "country" else None
            if local is not None:
                mentions.append(local)
                resume = end
                continue
            person = _own_person(tokens, j, end, canonical, gaz)
            if person is not None:
                # "Tesla chief executive Elon Musk" buying a newspaper: a gazetteer person who is their own
                # actor (or speaks for someone else) is not the organisation a role phrase names
                mentions.append(
                    Mention(i, end, _text(tokens, i, end), "person", person, gaz.stance_actor(person))
                )
                resume = end
                continue
            institution = _institution(tokens, j, end, canonical, gaz, i) if actor.kind == "country" else None
            if institution is not None:
                mentions.append(institution)
                resume = end
                continue
            mentions.append(
                Mention(
                    i,
                    end,
                    _text(tokens, i, end),
                    actor.kind,
                    canonical,
                    gaz.stance_actor(canonical),
                    possessive=possessive,
                )
            )
            resume = end
            continue
        if demonym_ok:
            dem = gaz.match_demonym(tokens, i)
            if dem:
                length, canonical = dem
                j = i + length
                if j < n and tokens[j].norm in gaz.role_words:
                    end, _ = _extend_roles(tokens, j, gaz)
                    mentions.append(
                        _institution(tokens, j, end, canonical, gaz, i)
                        or Mention(i, end, _text(tokens, i, end), "country", canonical, canonical)
                    )
                    resume = end
                    continue
        if tok.norm in ("his", "her", "its", "their") and i + 1 < n:
            # "his party", "her government": a role noun owned by someone named before
            k = i + 1
            while k < n and k - i <= 2 and tokens[k].norm in _ROLE_MODIFIERS:
                k += 1
            if k < n and not tokens[k].is_capitalised and tokens[k].norm in _OWNED_ROLES:
                mentions.append(
                    Mention(i, k + 1, _text(tokens, i, k + 1), "role", role=tokens[k].norm, owner=tok.norm)
                )
                resume = k + 1
                continue
        pronoun = PRONOUNS.get(tok.norm)
        if pronoun and (tok.norm != "i" or tok.text == "I"):
            mentions.append(Mention(i, i + 1, tok.text, "pronoun", role=tok.norm))
            resume = i + 1
            continue
        if tok.norm in ("the", "this") and i + 1 < n:
            # "the agency", "the federal government", "the league", "the country"; a body described by
            # what it covers: "the land board", "the five-judge panel", "the rate-setting committee"
            k = i + 1
            while (
                k < n
                and k - i <= 2
                and (tokens[k].norm in _ROLE_MODIFIERS or _describes_body(tokens, k, gaz))
            ):
                k += 1
            if (
                k < n
                and not tokens[k].is_capitalised
                and (tokens[k].norm in gaz.org_roles or tokens[k].norm in gaz.government_nouns)
            ):
                mentions.append(Mention(i, k + 1, _text(tokens, i, k + 1), "role", role=tokens[k].norm))
                resume = k + 1
                continue
        if has_bench and tok.norm in ("a", "an", "the") and i + 2 < n and tokens[i + 1].norm != "bench":
            # "a five-judge bench", "the constitution bench": a court's panel (resolved to the court)
            k = i + 1
            while k < n and k - i <= 3 and tokens[k].is_word and not tokens[k].is_capitalised:
                if tokens[k].norm == "bench":
                    break
                k += 1
            if k < n and k - i <= 3 and tokens[k].norm == "bench":
                mentions.append(Mention(i, k + 1, _text(tokens, i, k + 1), "role", role="bench"))
                resume = k + 1
                continue
        if has_person_role and tok.norm == "the" and i + 1 < n:
            # "the governor", "the senator", "the Arizona Democrat", "the West Virginia senator": a person
            # described by their office, resolved to a recently named person
            k = i + 1
            while (
                k < n
                and k - i <= 3
                and tokens[k].norm not in _PERSON_ROLES
                and (
                    (tokens[k].is_capitalised and tokens[k].is_word)
                    or tokens[k].norm in gaz.role_words
                    or tokens[k].norm in _ROLE_MODIFIERS
                )
                and gaz.match_alias(tokens, k) is None
                and gaz.match_demonym(tokens, k) is None
            ):
                k += 1
            # "the Liberal Party", "the Conservative Party", "the Liberal Democrats": a capitalised role
            # word before an organisation word, or before the last word of a two-word name, is part of
            # that name ("the Republican Senator Mike Lee" keeps its role: a name follows the title)
            in_name = (
                k + 1 < n
                and tokens[k].is_capitalised
                and tokens[k + 1].is_capitalised
                and tokens[k + 1].is_word
                and (
                    tokens[k + 1].norm in ORG_WORDS
                    or k + 2 >= n
                    or not (tokens[k + 2].is_capitalised and tokens[k + 2].is_word)
                )
            )
            if k < n and tokens[k].norm in _PERSON_ROLES and not in_name:
                mentions.append(Mention(i, k + 1, _text(tokens, i, k + 1), "role", role="person"))
                resume = k + 1
                continue
        if tok.norm in ("officials", "ministers", "spokesperson", "spokesman", "spokeswoman") and (
            i == 0 or not tokens[i - 1].is_capitalised
        ):
            start = (
                i - 1 if i > 0 and tokens[i - 1].norm in ("a", "an", "the", "its", "their", "senior") else i
            )
            # ministers are a government's: they resolve to a country, officials to the body named last
            role = "government" if tok.norm == "ministers" else "official"
            mentions.append(Mention(start, i + 1, _text(tokens, start, i + 1), "role", role=role))
            resume = i + 1
            continue
        if (
            tok.is_capitalised
            and tok.norm in _COMMON_OPENERS
            and i + 1 < n
            and (gaz.match_demonym(tokens, i + 1) or gaz.match_alias(tokens, i + 1))
        ):
            resume = i + 1  # "The Kenyan government ...": the opener is not part of a name
            continue
        if tok.is_capitalised and (
            tok.norm not in _NOT_ACTORS
            # "New Social Contract", "New Democracy": "New" opens a name when capitalised words follow
            or (tok.norm == "new" and i + 1 < n and tokens[i + 1].is_capitalised and tokens[i + 1].is_word)
        ):
            end = _capital_span(tokens, i, gaz)
            if end > i:
                mention = _unknown(tokens, i, end, gaz, sentence_start, verbish, mentions)
                if mention is not None:
                    if (
                        mention.kind == "unknown_org"
                        and end + 1 < n
                        and tokens[end].norm in ("'s", "'")
                        and tokens[end + 1].norm in _GOVERNING_BODIES
                    ):
                        # "Spirit Airlines' board turned down the offer": the board speaks for the company
                        mention.end = end = end + 2
                        mention.text = _text(tokens, mention.start, end)
                    if mention.kind in ("unknown_org", "unknown_person"):
                        end = _take_titled_person(tokens, mention, gaz)
                    mentions.append(mention)
                resume = end
                continue
        resume = i + 1
    for mention in mentions:
        if (
            mention.kind == "person"
            and mention.start >= 2
            and tokens[mention.start - 1].norm in _LEADER_WORDS
            and tokens[mention.start - 2].norm in _NOT_IN_OFFICE
        ):
            # "the opposition bloc, whose leader Friedrich Merz", "opposition leader X": the person leads
            # a party or a bloc here, whatever office the gazetteer knows them by; they speak for no
            # government
            mention.kind, mention.actor = "unknown_person", mention.name
    for mention in mentions:
        # "Apple Inc.", "Rio Tinto plc": the company suffix and its full stop belong to the name
        end = mention.end
        if (
            end < n
            and tokens[end].norm in _COMPANY_SUFFIXES
            and tokens[end].is_capitalised == (tokens[end].norm != "plc")
        ):
            end += 1
        if (
            tokens[end - 1].norm in _COMPANY_SUFFIXES
            and end < n
            and tokens[end].text == "."
            and tokens[end].start == tokens[end - 1].end
        ):
            end += 1
        free = all(m is mention or m.end <= mention.end or m.start >= end for m in mentions)
        if end > mention.end and free:
            mention.end = end
    group = _described_group(tokens, mentions)
    if group is not None:
        mentions.insert(0, group)
    return mentions


def _described_group(tokens: list[Token], mentions: list[Mention]) -> Mention | None:
    """A group named by description at the start of a sentence and acting as its subject: "Calgary
    voters rejected", "Some sports groups said", "Swedish prosecutors on Monday reopened". Its name is
    the description without the determiner or quantifier ("Calgary voters"); a place inside it is part
    of the name, not a holder of its own."""
    k = 1 if tokens and tokens[0].norm in _GROUP_OPENERS else 0
    start = k
    while k < len(tokens) and k - start < 3 and tokens[k].is_word and tokens[k].norm not in _GROUP_NOUNS:
        if tokens[k].norm in _NOT_MODIFIERS:
            return None
        k += 1
    if k >= len(tokens) - 1 or tokens[k].norm not in _GROUP_NOUNS:
        return None
    if k == 0:
        return None  # a bare "Economists expect ...": the capitalised first word is read as a name already
    after = tokens[k + 1]
    if not after.is_word or after.is_capitalised or after.norm in ("of", "and", "or", "who", "which", "'s"):
        return None  # "voters in Calgary ...", "Voters and officials": a longer phrase than this reads
    inside = [m for m in mentions if m.start < k + 1 and m.end > start]
    if any(m.kind not in ("country", "unknown_org", "unknown_person") for m in inside):
        return None
    if tokens[k].norm in _MEMBER_WORDS and (inside or any(t.is_capitalised for t in tokens[start:k])):
        # "Unite members", "RMT workers": an organisation's people speak for it (holders); "Council
        # members" names no body; "Some education workers" is a group
        return None
    for m in [m for m in mentions if m.start >= start and m.end <= k + 1]:
        mentions.remove(m)  # "Calgary" in "Calgary voters" names the group's place
    name = _text(tokens, start, k + 1)
    return Mention(start, k + 1, name, "unknown_org", name, name)


_GROUP_OPENERS = frozenset(["the", "some", "many", "most", "several", "other", "a"])
_GROUP_NOUNS = _WORDS["group_subjects"]


_COMPANY_SUFFIXES = frozenset(["inc", "corp", "ltd", "plc", "llc"])
# Lowercase nouns after a name that say it is an organisation: "the Teamsters union", "the Greens party"
_KIND_NOUNS = frozenset(["union", "party", "group", "alliance", "coalition", "league", "federation"])
_DESCRIPTIVE_ROLES = _WORDS["descriptive_roles"]
_LEADER_WORDS = frozenset(["leader", "chief", "chairman", "chairwoman", "head"])
_NOT_IN_OFFICE = frozenset(["opposition", "whose", "party", "bloc"])


def _own_person(tokens: list[Token], j: int, end: int, canonical: str, gaz: Gazetteer) -> str | None:
    """The gazetteer person ending the mention tokens[j:end] when they do not speak for `canonical`."""
    for p in range(j, end):
        found = gaz.match_alias(tokens, p)
        if found is None or p + found[0] != end:
            continue
        person = found[1]
        if gaz.actors[person].kind == "person" and gaz.stance_actor(person) != gaz.stance_actor(canonical):
            return person
        return None
    return None


# Institutions a country's possessive or adjective names that are not its government: "Kenya's
# parliament", "Kenyan lawmakers", "Russia's central bank", "the Dutch opposition". Each is its own actor,
# named with the demonym ("Kenyan parliament"), so both spellings of one body are one actor.
_INSTITUTIONS = {
    "parliament": "parliament",
    "legislature": "parliament",
    "lawmakers": "parliament",
    "legislators": "parliament",
    "mps": "parliament",
    "senate": "senate",
    "congress": "congress",
    "court": "court",
    "judiciary": "court",
    "bank": "central bank",
    "regulator": "regulator",
    "regulators": "regulator",
    "watchdog": "regulator",
    "authority": "regulator",
    "agency": "agency",
    "commission": "commission",
    "tribunal": "court",
    "opposition": "opposition",
}
_COURT_LEVELS = frozenset(["supreme", "high", "top", "constitutional", "appeals"])


def _institution(
    tokens: list[Token], j: int, end: int, country: str, gaz: Gazetteer, start: int
) -> Mention | None:
    """A country's institution ("Kenya's parliament") from the role words in tokens[j:end], or None.

    A body the gazetteer knows by the demonym phrase is that body: "Britain's competition regulator"
    is the "British competition regulator", an alias of the Competition and Markets Authority.
    """
    entry = gaz.actors.get(country)
    if j < end and tokens[j].norm in ("'s", "'") and entry is not None:
        described = " ".join(t.text for t in tokens[j + 1 : end])
        for prefix in (*entry.demonyms, country, *entry.aliases[:3]):
            known = gaz.resolve(f"{prefix} {described}")
            if known is not None and known != country and gaz.kind_of(known) == "org":
                return Mention(start, end, _text(tokens, start, end), "org", known, gaz.stance_actor(known))
    if end - 1 > j and tokens[end - 1].norm in _OWN_BODIES and tokens[j].norm in ("'s", "'"):
        # "Afghanistan's cricket board", "Nigeria's two main labour federations": a body of its own,
        # named as the text names it
        body = _text(tokens, start, end)
        if end + 1 < len(tokens) and tokens[end].text == "," and tokens[end + 1].text.isupper():
            body = tokens[end + 1].text  # "Germany's vaccine advisory committee, STIKO, ...": its name
        return Mention(start, end, _text(tokens, start, end), "unknown_org", body, body)
    head = None
    for k in range(j, end):
        norm_k = tokens[k].norm
        if norm_k in _INSTITUTIONS and (norm_k != "bank" or (k > j and tokens[k - 1].norm == "central")):
            head = k
    if head is None:
        return None
    noun = _INSTITUTIONS[tokens[head].norm]
    if noun == "court" and head > j and tokens[head - 1].norm in _COURT_LEVELS:
        noun = f"{tokens[head - 1].norm} court"
    demonym = entry.demonyms[0] if entry is not None and entry.demonyms else f"{country}'s"
    name = f"{demonym} {noun}"
    return Mention(start, end, _text(tokens, start, end), "org", name, name)


def _text(tokens: list[Token], i: int, j: int) -> str:
    out = tokens[i].text
    for k in range(i + 1, j):
        out += (" " if tokens[k].start > tokens[k - 1].end else "") + tokens[k].text
    return out


_LETTER_COMPOUND = re.compile(r"[A-Z]-[a-z]+$")


def _unknown(
    tokens: list[Token],
    i: int,
    end: int,
    gaz: Gazetteer,
    sentence_start: int,
    verbish: frozenset[int],
    mentions: list[Mention],
) -> Mention | None:
    """A name the gazetteer does not know, or None when the capitalised run is not an actor."""
    n = len(tokens)
    start = i
    if start == sentence_start:
        while (
            start < end
            and (tokens[start].norm in _COMMON_OPENERS or tokens[start].norm in _RANKS)
            and not _possessive_next(tokens, start, end)
        ):
            start += 1  # "The", "Senior" (ÖVP officials): an opener or a rank is not part of the name
    titled = False
    office = False  # a government office among the titles: "Transport Secretary", "Finance Minister"
    while start < end and tokens[start].fold in gaz.titles:
        # "Transport Secretary", "Finance Minister"; not a union's or a party's "General Secretary"
        office = office or (
            tokens[start].norm in _GOVERNMENT_OFFICES
            and not (start > 0 and tokens[start - 1].norm in _NOT_GOVERNMENT_TITLES)
        )
        start += 1
        titled = True
    if start >= end:
        # only titles: "President Joe Biden" is handled by the gazetteer; "the President" is a role.
        # A lone portfolio word that a verb follows is a party's name: "Labour said", "Labour rejected".
        if (
            end - i == 1
            and tokens[i].fold in gaz.titles
            and end < n
            and (end in verbish or tokens[end].norm in _VERBISH)
        ):
            return Mention(i, end, _text(tokens, i, end), "unknown_org", tokens[i].text, tokens[i].text)
        return None
    for k in range(end - 2, start, -1):
        if (
            tokens[k].norm in _GOVERNMENT_OFFICES
            and tokens[k].fold in gaz.titles
            and tokens[k + 1].is_capitalised  # not "Secretary of State John Merrill"
        ):
            # "Territorial Policy Minister Angel Victor Torres": the words before the office are its
            # portfolio, the name comes after it
            office = office or tokens[k - 1].norm not in _NOT_GOVERNMENT_TITLES
            start, titled = k + 1, True
            break
    if titled and all(t.norm in ORG_WORDS for t in tokens[start:end]):
        # "the Labour Party": the title word names the organisation, which is not just "Party"
        start, titled, office = i, False, False
        while start < end and start == sentence_start and tokens[start].norm in _COMMON_OPENERS:
            start += 1
    span = tokens[start:end]
    if end < n and (
        tokens[end].norm[:1].isdigit()
        or (tokens[end].text == "-" and end + 1 < n and tokens[end + 1].norm[:1].isdigit())
    ):
        return None  # a model or product: "Leopard 2", "Phase 3"
    if end < n and tokens[end].text in "-–" and tokens[end].start == tokens[end - 1].end:
        return None  # a compound modifier: "German-made" style
    if all(t.norm in _NOT_ACTORS or gaz.match_demonym(tokens, start + k) for k, t in enumerate(span)):
        return None
    if end - start == 1 and _LETTER_COMPOUND.match(span[0].text):
        return None  # a common noun led by a capital letter: "U-turn", "X-ray", "T-shirt"
    if start == sentence_start and end - start == 1 and span[0].norm in _DESCRIPTIVE_ROLES:
        # "Watchdog weighs investment pledge": a headline's capitalised role noun is "the watchdog"
        # (institutions such as "Parliament approved the bill" stay names)
        return Mention(i, end, _text(tokens, i, end), "role", role=span[0].norm)
    if start == sentence_start and end - start == 1:
        after = end
        while (
            after < n
            and after - end < 2
            and (
                tokens[after].norm in _NAME_ADVERBS
                or (tokens[after].norm.endswith("ly") and not tokens[after].is_capitalised)
            )
        ):
            after += 1  # "Manchin now argues", "Ruto quickly signed"
        nxt = tokens[after] if after < n else None
        members = nxt is not None and nxt.norm in _MEMBER_WORDS and span[0].norm not in ORG_WORDS
        if nxt is None or not (
            nxt.norm in _VERBISH
            or after in verbish
            or nxt.norm in ("'s", ",")
            or _titled_person_at(tokens, end)
            or members  # "RMT members reject the offer": the union's members speak for it
            or (nxt.norm == "to" and after + 1 in verbish)  # a headline's future: "Liberals to oppose"
        ):
            return None
    # a token that repeats an earlier person's surname refers to that person
    if end - start == 1:
        for earlier in reversed(mentions):
            if earlier.kind == "unknown_person" and earlier.name and earlier.name.split()[-1] == span[0].text:
                return Mention(i, end, _text(tokens, i, end), "unknown_person", earlier.name, earlier.actor)
    speaker = _org_speaker(tokens, start, end, gaz)
    if speaker is not None:
        return Mention(i, end, _text(tokens, i, end), "unknown_person", speaker[1], speaker[0])
    text = _text(tokens, start, end)
    words = [t.norm for t in span]
    is_org = any(w in ORG_WORDS for w in words) or any(t.text.isupper() and len(t.text) > 1 for t in span)
    if end < n and tokens[end].norm in _KIND_NOUNS and not tokens[end].is_capitalised:
        # "the United Auto Workers union", "the Unite union": the lowercase noun says what the name is;
        # "the union" later points back to it
        if text.lower().startswith("the "):
            text = text[4:]
        return Mention(
            i, end + 1, _text(tokens, i, end + 1), "unknown_org", text, text, role=tokens[end].norm
        )
    if not is_org and "of" in words[1:]:
        # "Sinema of Arizona", "Sen. Joe Manchin of West Virginia": a person and where they are from
        cut = start + words.index("of", 1)
        return Mention(
            i,
            end,
            _text(tokens, i, end),
            "unknown_person",
            _text(tokens, start, cut),
            _text(tokens, start, cut),
        )
    who = end + 1 < n and tokens[end].text == "," and tokens[end + 1].norm == "who"
    if not is_org and (titled or 2 <= len(span) <= 4 or who):
        # "Hochul, who ...": only people are "who". A minister or secretary named without a country
        # speaks for the story's own government, resolved in context (extract._resolve_minister).
        return Mention(
            i, end, _text(tokens, i, end), "unknown_person", text, text, role="minister" if office else None
        )
    if text.lower().startswith("the "):
        text = text[4:]
    return Mention(i, end, _text(tokens, i, end), "unknown_org", text, text)


# Titles of a national government's office holders (not "Secretary-General", not a company's officers).
_GOVERNMENT_OFFICES = frozenset(["minister", "secretary"])
_NOT_GOVERNMENT_TITLES = frozenset(["general", "executive", "party", "union", "company", "press"])

_PERSON_ROLES = _WORDS["person_roles"]
_NAME_ADVERBS = frozenset(["now", "also", "still", "again", "then", "later", "once", "since", "too"])


def _org_speaker(tokens: list[Token], start: int, end: int, gaz: Gazetteer) -> tuple[str, str] | None:
    """(organisation, person) for "Brazilian Supreme Court Justice Alexandre de Moraes" or "Acme Corp
    Chief Executive Jane Roe": a person named with an organisation and a title speaks for it."""
    for p in range(end - 2, start - 1, -1):
        acronym = tokens[p].text.isupper() and len(tokens[p].text) > 1 and tokens[p].text.isalpha()
        if tokens[p].norm not in ORG_WORDS and not acronym:
            continue
        k = p + 1
        while k < end and (tokens[k].fold in gaz.titles or tokens[k].norm in gaz.role_words):
            k += 1
        if k == p + 1 or k >= end:
            return None
        first = start
        while first < p and (gaz.match_demonym(tokens, first) or tokens[first].norm in ("the",)):
            first += 1
        return _text(tokens, first, p + 1), _text(tokens, k, end)
    return None
