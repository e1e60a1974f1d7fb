"""Text -> claims: the extraction pipeline.

For each sentence (see sentences.py): tokens -> stance cues (lexicon.py) -> actor mentions (actors.py)
-> pronouns and role nouns resolved -> for each cue chain: the holder (the grammatical subject, a
passive agent, or the speaker for impersonal cues), negation / hedging / "no longer", whether it is
history recalled (background), hypothetical, or a third party's claim (attribution), then the
proposition, its topic concepts (topics.py), qualifiers and the sentence's numbers (numbers.py).

Everything is pure and linear in the text length: each sentence is scanned a constant number of times
and looks back at most a few sentences for pronouns and anaphoric topics.

Cut (the split of the old extract.py): this module is the orchestrator only - `extract_claims_with`,
the per-sentence cached analysis (`_Static`) and `_analyse`, which runs the stages in order for each
sentence: mentions (mentions.py), cue chains and statements (statements.py), holders (holders.py),
propositions (propositions.py), then builds the `Claim`s and remembers context for the next sentence.

Names with a leading underscore are private to the monitor.claims package: the stage modules import
them from each other (statements <- holders <- propositions <- extract), nothing outside does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from monitor.claims.gazetteer import Gazetteer
from monitor.claims.holders import (
    _PREPOSITIONS,
    _attached_name,
    _Context,
    _extend_collectives,
    _holder,
    _list_members,
    _main_subject,
    _named,
    _officer_of,
    _owned_plan_span,
    _reporting_subjects,
    _resolve,
)
from monitor.claims.lexicon import Cue, Lexicon
from monitor.claims.mentions import ORG_WORDS, Mention, find_mentions
from monitor.claims.numbers import extract_quantities
from monitor.claims.propositions import (
    _OBJECT_DETERMINERS,
    _TURNED,
    _is_anaphoric,
    _object_actors,
    _proposition_span,
    _qualifier_tokens,
    _restriction_at,
    _span_text,
)
from monitor.claims.reuse import (
    _ANALYSES_KEPT,
    _Analysed,
    _ContextState,
    _placed,
    _restore,
    _reused,
    _state,
)
from monitor.claims.sentences import Sentence, split_sentences
from monitor.claims.statements import (
    _JUDGEMENT_STARTS,
    _NOT_YET,
    _chains,
    _confidence,
    _governs,
    _hearsay,
    _negated_report,
    _past_form,
    _past_perfect_before,
    _sourcing,
    _stance,
    _unnamed_source,
)
from monitor.claims.tokens import Token, tokenize
from monitor.claims.topics import ANAPHORIC, TopicModel, concepts, place_map, qualifiers, topic_key
from monitor.model import Claim, Quantity

_BACKGROUND_RE = re.compile(
    r"\bin (?:its|their|his|her|the company's|the country's) (?:[\w-]+ ){0,4}history\b|\bhad (?:long"
    r"|previously|"
    r"initially|earlier|until now|until recently)\b|\bonce (?:said|vowed|called|declared|insisted"
    r"|promised)\b",
    re.I,
)


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
    # the sentence's full analyses in the contexts it was last read in (see `_reused`)
    analysed: list[_Analysed] = field(default_factory=list)


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
    state: _ContextState | None = None  # ctx as it is now, when copied already
    for sentence in split_sentences(text):
        if sentence.kind == "dateline":
            _note_dateline(sentence, gaz, ctx)
            state = None
            continue
        if sentence.kind == "boilerplate":
            continue
        static = cache.get(sentence.text)
        if static is None:
            static = _static(sentence.text, gaz, lex, model)
            cache[sentence.text] = static
        elif static.analysed:
            if state is None:
                state = _state(ctx)
            found = _reused(static.analysed, sentence.kind, state)
            if found is not None:
                _restore(ctx, found.after)
                state = found.after
                claims.extend(_placed(found.claims, sentence))
                continue
        before = state if state is not None else _state(ctx)
        analysed = _analyse(sentence, static, gaz, lex, model, ctx)
        state = _state(ctx)
        claims.extend(analysed)
        static.analysed.append(_Analysed(sentence.kind, before, analysed, state))
        if len(static.analysed) > _ANALYSES_KEPT:
            del static.analysed[0]
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
        quotes=_quote_mask(tokens, text),
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
        _officer_of(m, mentions, ctx)
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
        if head.kind == "impersonal" or (speaker is not None and _advised_passive(tokens, head.start)):
            # "Macron said Ukraine should be allowed to ...": the subject is who the stance is about;
            # "the EMA said the drug should not be approved": what the speaker advises others to do
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
        if stance_value not in _TURNED:
            restriction = None  # "would study the proposal to cap rents": nothing to turn, "cap" is the topic
        if restriction is not None:
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
        claims.append(_bare_claim(sentence, static, main_subject, speakers, heading, lex))
    _remember(ctx, mentions, main_subject, speakers, claims, sentence_topic)
    return claims


def _advised_passive(tokens: list[Token], start: int) -> bool:
    """A stance verb in the passive after "should (not) be" or "ought (not) to be": advice on what
    others should do, the speaker's stance ("the drug should not be approved")."""
    k = start - 1
    if k < 1 or tokens[k].norm != "be" or not tokens[start].norm.endswith(("ed", "en")):
        return False
    k -= 1
    if k >= 0 and tokens[k].norm == "not":
        k -= 1
    if k >= 0 and tokens[k].norm == "to":
        k -= 1
    return k >= 0 and tokens[k].norm in ("should", "ought", "shouldn't")


def _quote_mask(tokens: list[Token], text: str) -> list[bool]:
    if '"' not in text and "\u201c" not in text and "\u201d" not in text:
        return [False] * len(tokens)  # most sentences quote nobody: no token can open or close a quote
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


# A learned reading counts for less than a lexicon cue (most of those weigh 0.7-0.9, _confidence).
READER_CONFIDENCE = 0.8


def _bare_claim(
    sentence: Sentence,
    static: _Static,
    main_subject: Mention | None,
    speakers: dict[int, Mention],
    heading: bool,
    lex: Lexicon,
) -> Claim:
    """A sentence without a stance cue: kept for alignment, numbers and as elaboration of an actor's
    stance. When it names a holder, the learned reader (reader.py) may still read the holder's stance
    in it; history recalled is left alone."""
    holder = main_subject or next(iter(speakers.values()), None)
    bare = Claim(
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
    if holder is None or not holder.actor or lex.reader is None or static.recalled:
        return bare
    reading = lex.reader.read(sentence.text, holder.text)
    if reading is None:
        return bare
    return replace(
        bare,
        stance=reading.stance,  # type: ignore[arg-type]
        cue=reading.cue,
        confidence=round(READER_CONFIDENCE * reading.probability, 3),
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
