"""Text -> claims: the extraction pipeline.

For each sentence (see sentences.py): tokens -> stance cues (lexicon.py) -> actor mentions (actors.py)
-> pronouns and role nouns resolved -> for each cue chain: the holder (the grammatical subject, a
passive agent, or the speaker for impersonal cues), negation / hedging / "no longer", whether it is
history recalled (background), hypothetical, or a third party's claim (attribution), then the
proposition, its topic concepts (topics.py), qualifiers and the sentence's numbers (numbers.py).

Everything is pure and linear in the text length: each sentence is scanned a constant number of times
and looks back at most a few sentences for pronouns and anaphoric topics.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace

from monitor.claims import stance as st
from monitor.claims.gazetteer import Gazetteer
from monitor.claims.lexicon import Cue, Lexicon
from monitor.claims.mentions import ORG_WORDS, Mention, find_mentions
from monitor.claims.numbers import extract_quantities
from monitor.claims.sentences import Sentence, split_sentences
from monitor.claims.tokens import Token, tokenize
from monitor.claims.topics import ANAPHORIC, TopicModel, concepts, place_map, qualifiers, topic_key
from monitor.claims.topics import stem as topic_stem
from monitor.claims.words import MONTH_NAMES, MONTHS
from monitor.model import Claim, Quantity

# Words the subject search walks over, leftwards from a verb, to reach its subject.
_SKIP = frozenset(
    [
        "has",
        "have",
        "had",
        "having",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "will",
        "would",
        "could",
        "can",
        "may",
        "might",
        "should",
        "must",
        "shall",
        "do",
        "does",
        "did",
        "not",
        "never",
        "no",
        "longer",
        "also",
        "still",
        "now",
        "long",
        "already",
        "yet",
        "again",
        "so",
        "far",
        "then",
        "jointly",
        "together",
        "both",
        "all",
        "each",
        "until",
        "recently",
        "previously",
        "once",
        "initially",
        "originally",
        "formally",
        "publicly",
        "even",
        "just",
        "only",
        "further",
        "too",
        "'d",
        "'ve",
        "'re",
        "'ll",
        "itself",
        "themselves",
        "himself",
        "herself",
        "repeatedly",
        "later",  # "Harper later backed ...": time adverbs between the subject and its verb
        "earlier",
        "soon",
    ]
)
# "is set to", "is due to": what the subject is scheduled to do ("is expected to" is someone's forecast).
_SCHEDULED = frozenset(["set", "due", "poised", "scheduled", "about", "going"])
# Verbs of meeting whose "to ..." states what the meeting is for: its subject holds that stance.
_PURPOSE_VERBS = frozenset(
    ["meet", "meets", "met", "meeting", "gathered", "gathering", "convened", "convening", "assembled"]
)
# Negated auxiliaries written as one token: "didn't", "won't", "couldn't", "isn't".
_SKIP_CONTRACTED = frozenset(
    [
        "did", "does", "do", "wo", "would", "could", "ca", "can", "should", "is", "are", "was", "were",
        "has", "have", "had", "must", "might", "sha", "need",
    ]
)  # fmt: skip
_TIME_NOUNS = MONTH_NAMES | frozenset(
    [
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "week", "month", "year",
        "weekend", "morning", "evening", "night", "afternoon", "now", "today", "tonight", "far", "time",
    ]
)  # fmt: skip
_TIME_PREPS = frozenset(["on", "this", "last", "next", "for", "so", "earlier", "later", "in", "at", "by"])
# Words that say when, not what: "came on board later in the day" has no proposition of its own.
_NO_PROPOSITION = _TIME_NOUNS | _TIME_PREPS | frozenset(["the", "day", "that", "yesterday", "then"])
_PREPOSITIONS = frozenset(
    [
        "to",
        "with",
        "against",
        "on",
        "for",
        "into",
        "at",
        "over",
        "about",
        "toward",
        "towards",
        "than",
        "by",
        "from",
        "between",
        "among",
        "under",
        "within",
        "across",
        "via",
        "upon",
        "onto",
        "in",
        "beyond",
        "behind",
        "near",
        "around",
        "through",
        "throughout",
        "despite",
        "without",
        "inside",
        "outside",
        "along",
        "amid",
        "like",
    ]
)
_LIST_INTROS = frozenset(["including", "as", "like", "from"])
_COLLECTIVES = frozenset(
    [
        "countries",
        "nations",
        "states",
        "governments",
        "ministers",
        "allies",
        "members",
        "leaders",
        "officials",
        "those",
        "capitals",
        "partners",
        "others",
        "some",
        "several",
        "many",
    ]
)
_OBJECT_VERBS = frozenset(
    [
        "allow",
        "allows",
        "allowed",
        "allowing",
        "let",
        "lets",
        "letting",
        "permit",
        "permits",
        "permitted",
        "permitting",
        "help",
        "helps",
        "helped",
        "force",
        "forces",
        "forced",
        "tell",
        "tells",
        "told",
        "telling",
        "persuade",
        "persuaded",
        "convince",
        "convinced",
        "invite",
        "invited",
        "enable",
        "enabled",
        "get",
        "got",
        "getting",
        "want",
        "wants",
        "wanted",
        "expect",
        "expects",
        "expected",
        "leave",
        "leaves",
        "left",
    ]
)
_BOUNDARY_WORDS = frozenset(
    [
        "but",
        "while",
        "whereas",
        "although",
        "though",
        "because",
        "as",
        "after",
        "before",
        "when",
        "since",
        "if",
        "unless",
        "and",
        "or",
        "so",
        "saying",
        "arguing",
        "adding",
        "despite",
        "whether",
        "nor",
    ]
)
_STRONG_PUNCT = frozenset(';:—–"“”()')
_QUOTES = frozenset('"“”')
_BACKGROUND_RE = re.compile(
    r"\bin (?:its|their|his|her|the company's|the country's) (?:[\w-]+ ){0,4}history\b|\bhad (?:long"
    r"|previously|"
    r"initially|earlier|until now|until recently)\b|\bonce (?:said|vowed|called|declared|insisted"
    r"|promised)\b",
    re.I,
)
_PERSONISH = frozenset(["person", "unknown_person"])
_PARTICIPLE_ENDINGS = ("ed", "en")
_IRREGULAR_PARTICIPLES = frozenset(
    [
        "sought",
        "held",
        "given",
        "taken",
        "thrown",
        "shot",
        "withdrawn",
        "forbidden",
        "won",
        "made",
        "kept",
        "told",
    ]
)
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


@dataclass(slots=True)
class _Chain:
    cues: list[Cue]

    @property
    def start(self) -> int:
        return self.cues[0].start

    @property
    def end(self) -> int:
        return self.cues[-1].end


@dataclass(slots=True)
class _Static:
    """What a sentence yields on its own, before any context: reusable for an identical sentence."""

    tokens: list[Token]
    numbers: tuple[Quantity, ...]
    cues: list[Cue]
    reporting: list[int]
    mentions: list[Mention]  # templates: copied before pronouns and roles are resolved
    quotes: list[bool]
    places: dict[int, tuple[str, int]]
    recalled: bool
    actor_tokens: set[int]
    topic: list[str]
    qualifiers: tuple[str, ...]  # the whole sentence's qualifier phrases, for a claim without a stance


SentenceCache = dict[str, _Static]


def extract_claims_with(
    text: str, gaz: Gazetteer, lex: Lexicon, model: TopicModel, cache: SentenceCache | None = None
) -> list[Claim]:
    """Claims of `text`. `cache` may be shared between versions of one story: most of their sentences
    are identical, and the context-free analysis of a sentence is then done once."""
    ctx = _Context()
    claims: list[Claim] = []
    if cache is None:
        cache = {}
    for sentence in split_sentences(text):
        if sentence.kind == "dateline":
            _note_dateline(sentence, gaz, ctx)
            continue
        if sentence.kind == "boilerplate":
            continue
        static = cache.get(sentence.text)
        if static is None:
            static = _static(sentence.text, gaz, lex, model)
            cache[sentence.text] = static
        claims.extend(_analyse(sentence, static, gaz, lex, model, ctx))
    return _full_company_names(claims, gaz)


def _full_company_names(claims: list[Claim], gaz: Gazetteer) -> list[Claim]:
    """One name per company in a text: "Unity" in a headline and "Unity Software" in the body are one
    actor, named in full. An unknown actor's name is the short form of the one unknown company whose
    full name is it plus a company word (`ORG_WORDS`: "Software", "Games", "Group"). A name and its
    acronym in the text ("United Auto Workers", "UAW") are one actor, named by the acronym."""
    unknown = {c.actor for c in claims if c.actor and gaz.kind_of(c.actor) is None}
    full: dict[str, list[str]] = {}
    for name in unknown:
        words = name.split()
        if len(words) > 1 and words[-1].lower() in ORG_WORDS:
            full.setdefault(" ".join(words[:-1]), []).append(name)
    renames = {short: names[0] for short, names in full.items() if short in unknown and len(names) == 1}
    # "United Auto Workers" and "UAW" in one text are one actor, named by the acronym: the form another
    # outlet's report is likeliest to use on its own
    acronyms = {name for name in unknown if name.isupper() and name.isalpha() and 2 <= len(name) <= 6}
    for name in unknown - acronyms:
        initials = "".join(w[0] for w in name.split() if w[0].isupper())
        if len(initials) >= 2 and initials in acronyms and name not in renames:
            renames[name] = initials
    if not renames:
        return claims
    return [replace(c, actor=renames[c.actor]) if c.actor in renames else c for c in claims]


def _recalled(text: str) -> bool:
    lowered = text.lower()
    if "history" not in lowered and "had " not in lowered and "once " not in lowered:
        return False
    return bool(_BACKGROUND_RE.search(text))


def _static(text: str, gaz: Gazetteer, lex: Lexicon, model: TopicModel) -> _Static:
    tokens = tokenize(text)
    numbers = extract_quantities(text)
    cues = [c for c in lex.find_cues(tokens) if c.stance is not None]
    reporting_forms = lex.reporting_forms
    covered = {k for c in cues for k in range(c.start, c.end)}
    reporting = [i for i, t in enumerate(tokens) if t.norm in reporting_forms and i not in covered]
    verbish = frozenset([c.start for c in cues] + reporting)
    mentions = find_mentions(tokens, gaz, verbish, demonym_ok=True)
    if _is_title_case(tokens):
        mentions = [m for m in mentions if m.kind not in ("unknown_org", "unknown_person")]
    _extend_collectives(tokens, mentions)
    places = place_map(tokens, gaz, model)
    actor_tokens: set[int] = set()
    for m in mentions:
        if m.kind not in ("unknown_org", "unknown_person"):
            actor_tokens.update(range(m.start, m.end))
    return _Static(
        tokens=tokens,
        numbers=numbers,
        cues=cues,
        reporting=reporting,
        mentions=mentions,
        quotes=_quote_mask(tokens),
        places=places,
        recalled=_recalled(text),
        actor_tokens=actor_tokens,
        topic=concepts(tokens, 0, len(tokens), actor_tokens, gaz, model, places),
        qualifiers=tuple(dict.fromkeys(q for _, _, q in qualifiers(text))),
    )


def _note_dateline(sentence: Sentence, gaz: Gazetteer, ctx: _Context) -> None:
    place = re.split(r"[,/(—–]", sentence.text)[0].strip(" -:").title()  # "MADRID —", "OTTAWA, Jan 25"
    found = gaz.dateline_country(place)
    if found and ctx.dateline_country is None:
        ctx.dateline_country = found


def _is_title_case(tokens: list[Token]) -> bool:
    word_tokens = [t for t in tokens if t.is_word and len(t.norm) > 3]
    if len(word_tokens) < 4:
        return False
    return sum(1 for t in word_tokens if t.is_capitalised) / len(word_tokens) > 0.85


def _analyse(
    sentence: Sentence, static: _Static, gaz: Gazetteer, lex: Lexicon, model: TopicModel, ctx: _Context
) -> list[Claim]:
    tokens = static.tokens
    n = len(tokens)
    numbers = static.numbers
    heading = sentence.kind == "heading"
    if not tokens:
        return []
    cues = static.cues
    reporting = static.reporting
    mentions = [m.clone() for m in static.mentions]
    by_end = {m.end - 1: m for m in mentions}
    by_start = {m.start: m for m in mentions}
    for m in mentions:
        _resolve(m, tokens, mentions, gaz, ctx)
        if m.kind == "unknown_person" and m.role == "minister":
            # "Transport Secretary Mark Harper" in a London story speaks for the British government
            home = ctx.dateline_country or (
                ctx.country_counts.most_common(1)[0][0] if ctx.country_counts else None
            )
            if home is not None:
                m.actor = home
        if m.kind in ("unknown_person", "unknown_org") and m.name:
            surname = m.name.split()[-1]
            if len(m.name.split()) > 1:
                if m.kind == "unknown_person":
                    ctx.persons[surname] = (m.name, m.actor or m.name)
            elif surname in ctx.persons:
                m.name, m.actor = ctx.persons[surname]
                m.kind = "unknown_person"
            if m.kind == "unknown_org":
                # "Binance chief executive Changpeng Zhao": a later "Zhao" speaks for Binance too
                person = _attached_name(tokens, m, gaz)
                if person:
                    ctx.persons.setdefault(person.split()[-1], (person, m.actor or m.name))
        elif m.kind in ("org", "country") and m.actor:
            person = _attached_name(tokens, m, gaz)
            if person:
                ctx.persons.setdefault(person.split()[-1], (person, m.actor))
    for m in mentions:
        if m.actor and gaz.kind_of(m.actor) == "country":
            ctx.country_counts[m.actor] += 1

    quotes = static.quotes
    places = static.places
    recalled = static.recalled
    sentence_topic = static.topic
    main_subject = _main_subject(tokens, cues, reporting, by_end, lex)
    chains = _chains(tokens, cues, frozenset(by_end))
    holders = [_holder(tokens, chain, by_end, by_start, main_subject, lex) for chain in chains]
    for k in range(1, len(chains)):
        # "Sweden backed Bulgaria's entry but opposed Romania's": a coordinated verb shares the subject
        start = chains[k].start
        if (
            holders[k][0] is None
            and holders[k - 1][0] is not None
            and holders[k - 1][1] == "subject"
            and start > 0
            and tokens[start - 1].norm in ("but", "and")
        ):
            holders[k] = (holders[k - 1][0], "subject")
    if heading:
        for k, chain in enumerate(chains):
            # a headline's future tense: "Germany to approve sale", "Liberals to oppose Indigenous Voice"
            if (
                holders[k][0] is None
                and chain.start >= 2
                and tokens[chain.start - 1].norm == "to"
                and (chain.start - 2) in by_end
                and by_end[chain.start - 2].start <= 1  # the headline's subject, not "wants Ukraine to"
                and not by_end[chain.start - 2].possessive
            ):
                holders[k] = (by_end[chain.start - 2], "subject")
    speakers = _reporting_subjects(tokens, reporting, by_end, by_start, lex, main_subject, chains, holders)

    claims: list[Claim] = []
    recalled_here: set[int] = set()
    sentence_concepts: list[str] = []
    # "Dubrovnik's plan to charge a fee remains on hold": "plan to" is inside the subject, whose owner
    # holds what the predicate says; it is no stance of its own
    in_subject = {
        k
        for j, (owner, how) in enumerate(holders)
        if how == "owner" and owner is not None
        for k in range(j)
        if chains[k].start >= owner.end and chains[k].end <= chains[j].start
    }
    # "abandoned its plan to bring in an investor", "backed its bid to join": a cue used as a noun in
    # another cue's object is that cue's proposition, not a stance of its own
    object_of = {
        j: j - 1
        for j in range(1, len(chains))
        if chains[j].start == chains[j - 1].end + 1
        and tokens[chains[j - 1].end].norm in _OBJECT_DETERMINERS
        and j - 1 not in in_subject
    }
    inner_of = {outer: inner for inner, outer in object_of.items()}
    for chain_index, chain in enumerate(chains):
        if chain_index in in_subject or chain_index in object_of:
            continue
        head = chain.cues[0]
        holder, how = holders[chain_index]
        owned = how == "owner"
        if owned:
            how = "subject"
        leading = max(
            (r for r in speakers if r < chain.start and _governs(tokens, r, chain.start)), default=None
        )
        trailing = min(
            (
                r
                for r in speakers
                if r > chain.end and _governs(tokens, chain.end, r) and _sourcing(tokens, r)
            ),
            default=None,
        )
        speaker = (
            speakers[leading]
            if leading is not None
            else (speakers[trailing] if trailing is not None else None)
        )
        if holder is not None and holder.role in ("we", "our", "i", "we're", "we've", "i'm"):
            holder = speaker if speaker is not None else ctx.speaker
            how = "speaker"
        if head.kind == "permission":
            # "Germany said Ukraine may use ...": the speaker grants what another actor may do. Without a
            # speaker, or when the speaker is the subject ("Russia said it may use"), it is no stance.
            if (
                speaker is None
                or speaker.actor is None
                or holder is None
                or holder.actor is None
                or holder.actor == speaker.actor
            ):
                continue
            holder = speaker
            how = "speaker"
        if head.kind == "impersonal":
            # "Macron said Ukraine should be allowed to ...": the subject is who the stance is about
            holder = speaker if speaker is not None else (main_subject if quotes[chain.start] else None)
            how = "speaker"
        if (
            holder is None
            and quotes[chain.start]
            and speaker is None
            and ctx.speaker is not None
            and head.kind == "impersonal"
        ):
            holder = ctx.speaker
        if holder is None or holder.actor is None:
            continue
        own_sentence = any(holder is m for m in mentions)
        members = (
            _list_members(tokens, holder, by_end)
            if own_sentence and how in ("subject", "speaker")
            else [holder]
        )
        # inside reported speech a past perfect is the tense shifted back ("stressed that it had not yet
        # decided"), not history: any reporting verb governing the chain counts, named speaker or not
        reported = leading is not None or any(
            r < chain.start and _governs(tokens, r, chain.start) for r in reporting
        )
        stance_value, cue_words, flags = _stance(tokens, chain, holder, how, lex, reported)
        if leading is not None and _negated_report(tokens, leading):
            continue  # "did not say it was abandoning the system": nothing is asserted
        if how == "subject" and holder.start > 0 and tokens[holder.start - 1].norm in _NOT_YET:
            continue  # "before Ankara gives its approval", "until Berlin agrees": not (yet) a position
        if stance_value is None or flags.get("hypothetical"):
            continue
        attribution = None
        actor: str | None = holder.actor
        if speaker is not None and speaker.actor and speaker.actor != holder.actor and how != "speaker":
            attribution = speaker.actor
            if leading is not None:
                actor = None  # a third party's claim about the holder, not the holder's own stance
        if leading is None and _hearsay(tokens, reporting, chain.start):
            attribution, actor = "reports", None  # "amid reports that ministers are considering ..."
        unnamed = _unnamed_source(tokens, reporting, chain.start) if leading is None else None
        if unnamed is not None and actor != (speaker.actor if speaker is not None else None):
            attribution, actor = unnamed, None  # "Analysts say Japan will approve": their reading of Japan
        prop_start, prop_end = _proposition_span(tokens, chain, chains[chain_index + 1 :], how)
        planned = inner_of.get(chain_index)
        if planned is not None:
            # what the plan is: from the noun cue on, its own chained verbs included ("award ... licences")
            _, prop_end = _proposition_span(tokens, chains[planned], chains[planned + 1 :], how)
            prop_start = chains[planned].cues[0].end
        if owned and prop_start == prop_end and holder is not None:
            prop_start, prop_end = _owned_plan_span(tokens, holder.end, chain.start)
        restriction = _restriction_at(tokens, chain, prop_start, prop_end, lex)
        if restriction is not None and stance_value in _TURNED:
            # "has no plans to restrict wheat exports": for the exports, which "bans" then opposes
            stance_value = _TURNED[stance_value]
            cue_words = f"{cue_words} {tokens[restriction].text}"
        region_end = chains[chain_index + 1].start if chain_index + 1 < len(chains) else n
        region_text = (
            sentence.text[tokens[chain.end - 1].end : tokens[region_end - 1].end]
            if chain.end <= region_end
            else ""
        )
        found_quals = qualifiers(region_text) if region_text else []
        quals = [q for _, _, q in found_quals]
        qual_tokens = _qualifier_tokens(tokens, chain.end, region_end, found_quals)
        # the cues' own words are no topic; words between chained cues may be ("plan to charge a fee
        # remains on hold"), when the proposition is that gap
        skip = {k for cue in chain.cues for k in range(cue.start, cue.end)} | qual_tokens
        if planned is not None:
            skip |= set(range(chains[planned].cues[0].start, chains[planned].cues[0].end))
        if restriction is not None:
            skip.add(restriction)
        if not (prop_start >= chain.cues[0].end and prop_end <= chain.cues[-1].start):
            skip |= set(range(chain.start, chain.end))
        for m in mentions:
            if m.kind not in ("unknown_org", "unknown_person") or m is holder:
                skip.update(range(m.start, m.end))
        own = concepts(tokens, prop_start, prop_end, skip, gaz, model, places)
        if not own and len(chain.cues) > 1 and chain.cues[-1].start > chain.cues[-2].end:
            # "difficult for us to insist only on a full ban": the chained word is what is at stake
            last = chain.cues[-1]
            own = concepts(tokens, last.start, last.end, set(), gaz, model, places)
        own += _object_actors(tokens, mentions, prop_start, prop_end, holder, model)
        if not own and head.kind == "phrase" and "..." in head.entry and chain.end - chain.start > 2:
            # the gap of a phrase holds its object: "approved the finance bill", "signed the trade deal"
            stems = [w[:4] for w in head.entry.split() if w != "..."]
            inner = {k for k in range(chain.start, chain.end) if tokens[k].norm.startswith(tuple(stems))}
            own = concepts(
                tokens,
                chain.start,
                chain.end,
                skip - set(range(chain.start, chain.end)) | inner,
                gaz,
                model,
                places,
            )
            if not own and head.entry.split()[-2] not in _PREPOSITIONS:
                # an empty gap ("accept the offer", "approved the bill"): the phrase's object is its noun
                # (not "challenge ... in court": a place, not an object)
                own = concepts(
                    tokens,
                    chain.start + 1,
                    chain.end,
                    skip - set(range(chain.start + 1, chain.end)),
                    gaz,
                    model,
                    places,
                )
        if (
            head.kind == "impersonal"
            and head.entry.startswith(_JUDGEMENT_STARTS)
            and leading is not None
            and leading + 1 < chain.start
        ):
            # "Manchin argues the bill will help ...", "said the tax would be a good idea": the clause's
            # subject is what the speaker judges
            judged = concepts(tokens, leading + 1, chain.start, skip, gaz, model, places)
            if judged:
                own = judged + [c for c in own if c not in judged]
                prop_start, prop_end = leading + 1, max(prop_end, chain.start)
        # "which way she was leaning on the measure": only a pointing noun is left, so it points back
        anaphoric = _is_anaphoric(tokens, prop_start, prop_end) or (
            bool(own) and all(c in ANAPHORIC for c in own)
        )
        topic_concepts = list(own)
        if anaphoric or len(own) < 1:
            context = sentence_concepts or ctx.last_concepts or ctx.prev_concepts
            topic_concepts += [c for c in context if c not in topic_concepts]
        if own and not anaphoric:
            sentence_concepts = own
        elif topic_concepts:
            sentence_concepts = topic_concepts
        background = flags.get("background", False) or recalled
        if leading is not None and _past_perfect_before(tokens, leading):
            background = True  # "Budapest had argued that the plan would hurt ...": a position once held
        if how == "relative" and _past_form(tokens[head.start].norm):
            recalled_here.add(len(claims))  # see below: "Hochul, who halted the plan, said she backs ..."
        confidence = _confidence(head, how, heading, stance_value)
        for member in reversed(members):
            if member.actor is None:
                continue
            member_actor = member.actor if actor is not None else None
            member_attribution = attribution if (attribution != member.actor) else None
            claims.append(
                Claim(
                    text=sentence.text,
                    start=sentence.start,
                    end=sentence.end,
                    index=sentence.index,
                    actor=member_actor,
                    actor_text=_named(member),
                    stance=stance_value,  # type: ignore[arg-type]
                    cue=cue_words,
                    proposition=_span_text(sentence.text, tokens, prop_start, prop_end),
                    topic=topic_key(topic_concepts),
                    qualifiers=tuple(dict.fromkeys(quals)),
                    attribution=member_attribution,
                    numbers=numbers,
                    background=background,
                    confidence=confidence,
                )
            )

    if recalled_here:
        # a past-tense relative clause on the holder is background to the main clause's current stance
        main = {
            c.actor for k, c in enumerate(claims) if k not in recalled_here and c.actor and not c.background
        }
        for k in recalled_here:
            if k < len(claims) and claims[k].actor in main:
                claims[k] = replace(claims[k], background=True)
    if not claims:
        claims.append(_bare_claim(sentence, static, main_subject, speakers, heading))
    _remember(ctx, mentions, main_subject, speakers, claims, sentence_topic)
    return claims


# ------------------------------------------------------------------------------------------------------
# Mentions: extension and resolution


_COLLECTIVE_NOUNS = frozenset(
    [
        # what an outlet is: "The Independent newspaper reported that ..." (the outlet is the speaker)
        "newspaper",
        "paper",
        "daily",
        "weekly",
        "tabloid",
        "magazine",
        "broadcaster",
        "website",
        "outlet",
        "clubs",
        "teams",
        "members",
        "executives",
        "officials",
        "leaders",
        "bosses",
        "owners",
        "shareholders",
        "staff",
        "players",
        "lawmakers",
        "ministers",
        "representatives",
        "delegates",
        "negotiators",
    ]
)


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
        if tokens[k].text == "," and tokens[k + 1].norm in ("which", "who", "whose"):
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
            for o in reversed(earlier):
                if _is_personish(o, gaz) and not _object_position(tokens, o.start):
                    m.actor, m.name = o.actor, o.name
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


_GROUP_WORDS = frozenset(
    [
        "officials",
        "leaders",
        "ministers",
        "diplomats",
        "authorities",
        "negotiators",
        "lawmakers",
        "members",
        "clubs",
        "executives",
        "governments",
        "allies",
        "representatives",
    ]
)


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


# ------------------------------------------------------------------------------------------------------
# Subjects, speakers, holders


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
        start = by_end[start - 2].start
    k = start - 1
    if k >= 0 and tokens[k].norm in _LIST_INTROS:
        # "countries including Britain and the Netherlands", "ministers, including those from ..."
        j = k - 1
        if tokens[k].norm == "from" and j >= 0 and tokens[j].norm == "those":
            j -= 1
        if tokens[k].norm == "as" and j >= 0 and tokens[j].norm == "such":
            j -= 1
        while j >= 0 and tokens[j].text == ",":
            j -= 1
        if j >= 0 and tokens[j].norm in _COLLECTIVES:
            # the list is the subject; report its start as after the intro so no preposition check fires
            return start
    return start


def _linked(tokens: list[Token], start: int, last: int, by_end: dict[int, Mention]) -> bool:
    """Whether the mention starting at `start` continues a list back to the one before it: "Poland,
    Finland and Sweden", a headline's "Poland, Hungary object". A comma alone after a place named as an
    object ("in Berlin, Turkish Foreign Minister Mevlut Cavusoglu said") joins no list."""
    if start - 2 < 0 or (start - 2) not in by_end:
        return False
    link = tokens[start - 1].norm
    if link in ("and", "or", "&"):
        return True
    return link == "," and (start != last or not _object_position(tokens, by_end[start - 2].start))


def _list_members(tokens: list[Token], m: Mention, by_end: dict[int, Mention]) -> list[Mention]:
    members = [m]
    start = m.start
    while _linked(tokens, start, m.start, by_end):
        other = by_end[start - 2]
        members.append(other)
        start = other.start
    return members


def _requested(tokens: list[Token], start: int, lex: Lexicon) -> bool:
    k = start - 1
    while k >= 0 and tokens[k].norm in ("the", "a", "an", "its", "their"):
        k -= 1
    return k >= 0 and tokens[k].norm in lex.request_forms


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


_INVERSION_BEFORE = frozenset([",", '"', "\u201d", "\u2019", "'"])
_UNNAMED_SOURCES = frozenset(
    [
        "analysts", "experts", "observers", "economists", "commentators", "critics", "sources", "insiders",
        "diplomats", "pundits", "traders", "investors", "rumours", "rumors", "speculation",
    ]
)  # fmt: skip


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


# Words between "and" and a verb that shares the clause's subject: "and now supports", "and then backed".
_SHARED_SUBJECT_ADVERBS = frozenset(
    ["now", "then", "later", "finally", "eventually", "quickly", "also", "instead"]
)


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


_PLAN_NOUNS = frozenset(
    ["plan", "plans", "proposal", "scheme", "bid", "offer", "project", "policy", "application"]
)


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


# ------------------------------------------------------------------------------------------------------
# Chains and stance


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
_PAST_IRREGULAR = frozenset(
    ["said", "told", "made", "gave", "took", "held", "kept", "struck", "sought", "won", "set", "put", "let"]
)
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


# ------------------------------------------------------------------------------------------------------
# Propositions and topics


_PROP_BREAKS = (_BOUNDARY_WORDS - {"and", "or"}) | {"out", "due", "amid", "fearing", "citing"}


_TURNED = {"support": "oppose", "oppose": "support"}
_OBJECT_DETERMINERS = frozenset(["its", "their", "his", "her", "the", "a", "our", "your"])


def _restriction_at(
    tokens: list[Token], chain: _Chain, prop_start: int, prop_end: int, lex: Lexicon
) -> int | None:
    """The index of a restriction verb ("restrict", "ban") right after the cue that opens the
    proposition, else None."""
    k = chain.end
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


def _quote_mask(tokens: list[Token]) -> list[bool]:
    inside = False
    mask: list[bool] = []
    for tok in tokens:
        if tok.text in ("“",):
            inside = True
        elif tok.text in ("”",):
            inside = False
        elif tok.text == '"':
            inside = not inside
        mask.append(inside)
    return mask


def _bare_claim(
    sentence: Sentence,
    static: _Static,
    main_subject: Mention | None,
    speakers: dict[int, Mention],
    heading: bool,
) -> Claim:
    """A sentence without a stance: kept for alignment, numbers and as elaboration of an actor's stance."""
    holder = main_subject or next(iter(speakers.values()), None)
    return Claim(
        text=sentence.text,
        start=sentence.start,
        end=sentence.end,
        index=sentence.index,
        actor=holder.actor if holder else None,
        actor_text=holder.text if holder else None,
        topic=topic_key(static.topic),
        qualifiers=static.qualifiers,
        numbers=static.numbers,
        background=static.recalled,
        confidence=0.5 if heading else 0.6,
    )


def _remember(
    ctx: _Context,
    mentions: list[Mention],
    main_subject: Mention | None,
    speakers: dict[int, Mention],
    claims: list[Claim],
    sentence_topic: list[str],
) -> None:
    resolved = [m for m in mentions if m.actor and not m.modifier]
    ctx.recent.append(resolved)
    if len(ctx.recent) > 3:
        ctx.recent.pop(0)
    if main_subject is not None:
        ctx.subjects.append(main_subject)
        ctx.subjects = ctx.subjects[-4:]
    if speakers:
        ctx.speaker = list(speakers.values())[-1]
    elif main_subject is not None:
        ctx.speaker = main_subject
    merged: list[str] = []
    for claim in claims:
        if claim.stance and claim.topic:
            merged += [w for w in claim.topic.split() if w not in merged]
    if merged:
        ctx.last_concepts = merged
    ctx.prev_concepts = sentence_topic
