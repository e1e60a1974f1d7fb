"""Questions: one holder's stance statements in two versions, grouped by what they answer.

The fifth stage of the claim pipeline (sentences -> mentions and holders -> stance statements ->
propositions -> questions -> changes). A question is what a stance answers ("may Ukraine strike inside
Russia with US weapons?"); a shift is a changed stance of one holder on one question (`shifts.py`).
The statements of one holder across both versions are joined into one question when:

1. **words**: their topics share concepts (`topic_similarity` of at least `TOPIC_THRESHOLD`);
2. **story**: the holder has exactly one group in each version and both touch the story's main
   subject (the concepts both versions' headline and lead share): "did not say which way he was
   leaning on the measure" / "vetoed HB 3021";
3. **lead**: news puts the main question first (the inverted pyramid), in every version of a story and
   in every outlet's report of it. The holder's stance statements in the headline and lead of the old
   version and those in the new version's headline and lead answer the story's main question, however
   differently they are worded ("DUP keeps Stormont boycott in place" / "Unionists back deal to
   restore Northern Ireland government"). That pairing is offered as one more question beside the
   groups above, with the statements whose sentences share a content word with one on the other side;
4. **holder**: a holder of the story (with a stance statement in a headline or lead) whose statements
   none of the rules above pairs across the versions: its old statements and its new ones are one
   question, for a move to or from undecided only (`_holder_question`, checked in shifts.py).

Every question records how it was linked (`linked_by`), which the change carries as evidence.
Joining by embedding similarity (wordllama) was measured and not adopted: see docs/decisions.md,
"Claim engine v2, first session" ("Questions by the story, not by embeddings").
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cache

from monitor.claims.gazetteer import Gazetteer, load_gazetteer
from monitor.claims.topics import load_topic_model, stem, topic_similarity, topic_stems
from monitor.model import Claim

TOPIC_THRESHOLD = 0.5
# The headline and the lead: the first sentences of a version (fewer in a short text, see `_lead`).
LEAD_SENTENCES = 4
# The story's main subject: concepts of the first two sentences, shared by both versions.
SUBJECT_SENTENCES = 2


@dataclass(frozen=True, slots=True)
class Story:
    """What both versions are about: their leads' sentence indexes and the main subject's concepts."""

    main_subject: frozenset[str]
    lead_old: frozenset[int]
    lead_new: frozenset[int]

    @classmethod
    def of(cls, old: list[Claim], new: list[Claim]) -> Story:
        return cls(
            main_subject=_lead_concepts(old, SUBJECT_SENTENCES) & _lead_concepts(new, SUBJECT_SENTENCES),
            lead_old=_lead(old),
            lead_new=_lead(new),
        )


@dataclass(slots=True)
class Question:
    """One holder's statements on one question: those of the old version and those of the new."""

    old: list[Claim] = field(default_factory=list)
    new: list[Claim] = field(default_factory=list)
    linked_by: str = "words"  # "words", "story", "lead" or "holder": why these statements are one question

    @property
    def stems(self) -> frozenset[str]:
        return frozenset().union(*(topic_stems(c.topic) for c in self.new))


def one_name_per_holder(old: list[Claim], new: list[Claim]) -> tuple[list[Claim], list[Claim]]:
    """One holder named two ways across the versions gets one name.

    - An acronym ("RCN") names the holder the other version names in full ("Royal College of Nursing").
    - A shorter name whose words all sit, in order, inside exactly one longer name ("Central Bank" in
      "Central Bank of Ireland", "Supreme Court" in "US Supreme Court"; one word only as the longer
      name's first or last: "Couche-Tard" in "Alimentation Couche-Tard") is that holder: news names a
      body in full once and short after, and a rival outlet picks the other form. A short name inside
      two longer ones ("Central Bank" with "European Central Bank" and "Central Bank of Ireland") is
      ambiguous and left alone.
    """
    names = {c.actor for c in old + new if c.actor}
    renames: dict[str, str] = {}
    acronyms = {n for n in names if n.isupper() and n.isalpha() and 2 <= len(n) <= 6}
    for name in names - acronyms:
        initials = "".join(w[0] for w in name.split() if w[:1].isupper())
        if len(initials) >= 2 and initials in acronyms:
            renames[name] = initials
    words = {n: tuple(n.casefold().split()) for n in names}
    # " central bank " in " european central bank ": a contiguous run of words, found by one C search
    spaced = {n: f" {' '.join(w)} " if w else " " for n, w in words.items()}
    for name in names:
        if name in renames or name in acronyms or _places_and_people().kind_of(name) == "country":
            continue  # a country is a holder of its own, not short for "Canada Industrial Relations Board"
        longer = [m for m in names if len(words[m]) > len(words[name]) and spaced[name] in spaced[m]]
        if len(words[name]) == 1:
            # one word stands for a longer name only as its first or last word ("Couche-Tard" for
            # "Alimentation Couche-Tard", "Ford" for "Ford Motor Co"), not from its middle
            longer = [m for m in longer if words[name][0] in (words[m][0], words[m][-1])]
        if len(longer) == 1:
            renames[name] = renames.get(longer[0], longer[0])
    spelled: dict[str, set[str]] = defaultdict(set)  # a holder's name and how the sentences named it
    for c in old + new:
        if c.actor:
            spelled[c.actor].update((c.actor.casefold(), (c.actor_text or "").casefold()))
    renames.update(_bodies_named_in_full(names - set(renames), spelled))
    if not renames:
        return old, new
    return (
        [replace(c, actor=renames[c.actor]) if c.actor in renames else c for c in old],
        [replace(c, actor=renames[c.actor]) if c.actor in renames else c for c in new],
    )


# What the claim engine calls a country's body it knows only by description ("India's telecoms
# regulator" -> "Indian regulator", mentions._institution), and the words of a full name that say it is
# such a body ("Telecom Regulatory Authority of India", "Drugs Controller General of India").
_DESCRIBED_BODIES = {
    "regulator": ("regulator", "regulatory", "authority", "commission", "agency", "controller", "watchdog"),
    "agency": ("agency", "authority", "administration"),
    "commission": ("commission",),
    "central bank": ("bank",),
}


def _bodies_named_in_full(names: set[str], spelled: dict[str, set[str]]) -> dict[str, str]:
    """A body described by its country ("Indian regulator") is the one body of that country the texts
    also name in full with a word of its kind ("Telecom Regulatory Authority of India"): the name a
    reader (and a rival outlet) uses. Two such bodies: ambiguous, left alone."""
    gaz = _places_and_people()
    found: dict[str, str] = {}
    for name in names:
        for noun, words in _DESCRIBED_BODIES.items():
            if not name.endswith(" " + noun):
                continue
            demonym = name[: -len(noun) - 1]
            country = gaz.place_names.get(demonym.casefold())  # the gazetteer's demonym index
            if country is None:
                continue
            marks = {country.casefold(), demonym.casefold()}
            full = [
                other
                for other in names
                if other != name
                and any(
                    any(_has_words(text, mark) for mark in marks) and any(w in text.split() for w in words)
                    for text in spelled.get(other, {other.casefold()})
                )
            ]
            if len(full) == 1:
                found[name] = full[0]
    return found


def _has_words(text: str, phrase: str) -> bool:
    """True when `phrase` occurs in `text` as whole words ("sri lanka" in "central bank of sri lanka")."""
    return _inside(tuple(phrase.split()), tuple(text.split()))


@cache
def _places_and_people() -> Gazetteer:
    return load_gazetteer()


def _inside(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """True when `short` occurs as a contiguous run of words in `long`."""
    n = len(short)
    return any(long[i : i + n] == short for i in range(len(long) - n + 1))


def questions(before: list[Claim], after: list[Claim], story: Story) -> list[Question]:
    """The questions one holder's statements answer: `before` from the old version, `after` from the new.

    Groups by words first, then joins a lone pair by the story; the pairing of the leads comes last, as
    an extra question (its statements also stay in their own groups)."""
    items = before + after
    stems = [topic_stems(c.topic) for c in items]
    groups = _Groups(len(items))
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if topic_similarity(stems[i], stems[j]) >= TOPIC_THRESHOLD:
                groups.union(i, j)
    by_root: dict[int, Question] = defaultdict(Question)
    for i, claim in enumerate(items):
        question = by_root[groups.find(i)]
        (question.old if i < len(before) else question.new).append(claim)
    found = list(by_root.values())
    found = _join_on_main_subject(found, story.main_subject)
    lead = _lead_question(before, after, story)
    if lead is not None and not any(_covers(q, lead) for q in found):
        found.append(lead)
    holder = _holder_question(found, before, after, story)
    if holder is not None:
        found.append(holder)
    return found


def _holder_question(
    found: list[Question], before: list[Claim], after: list[Claim], story: Story
) -> Question | None:
    """The holder's statements that no question pairs, as one question, for a holder the story is about.

    When every statement of a holder in the old version falls into groups the new version has nothing
    for, and every new statement into groups the old has nothing for, the two sets are most often one
    question reworded past the word rules ("was weighing its options" / "rules out raising the offer",
    "is evaluating the application" / "licenses Starship"): a story does not drop the question its
    main actor was asked and report another. Only for a holder with a stance statement in the headline
    or lead of either version (the story's actors, not a bystander quoted lower down), only when none
    of its groups is already on both sides (then the questions really differ), and only when one side
    holds an undecided statement: the open question a later version answers. The shift stage still
    needs a stance that went and one that came. Measured on the development corpus
    (docs/decisions.md, "Claim engine v2, third session").
    """
    if any(q.old and q.new for q in found):
        return None
    if not (any(c.index in story.lead_old for c in before) or any(c.index in story.lead_new for c in after)):
        return None
    old = [c for q in found if q.old and not q.new for c in q.old]
    new = [c for q in found if q.new and not q.old for c in q.new]
    if not old or not new:
        return None
    if not any(c.stance == "undecided" for c in old + new):
        # two firm stances ("backed the pension reform" / "opposed a fishing ban", "was reluctant to
        # grant permission" / "boosts support for Ukraine") are as often two questions as one
        return None
    return Question(old=old, new=new, linked_by="holder")


def _lead_question(before: list[Claim], after: list[Claim], story: Story) -> Question | None:
    lead_old = [c for c in before if c.index in story.lead_old]
    lead_new = [c for c in after if c.index in story.lead_new]
    if not lead_old or not lead_new:
        return None
    content = {id(c): _content_words(c) for c in lead_old + lead_new}  # once per statement
    old = [c for c in lead_old if any(_related(c, n, content) for n in lead_new)]
    new = [c for c in lead_new if any(_related(o, c, content) for o in lead_old)]
    if not old or not new:
        return None
    return Question(old=old, new=new, linked_by="lead")


def _related(old: Claim, new: Claim, content: dict[int, frozenset[str]]) -> bool:
    """True when two lead statements can be about one thing: their sentences share a content word besides
    the holder's own name ("Google to pull Canadian news links" / "Google agrees to pay Canadian news
    outlets"). Objects of two different owners ("Bulgaria's entry", "Romania's entry") are two things."""
    old_objects = {w for w in topic_stems(old.topic) if w[:1] == "@"}
    new_objects = {w for w in topic_stems(new.topic) if w[:1] == "@"}
    if old_objects and new_objects and not old_objects & new_objects:
        return False
    return not content[id(old)].isdisjoint(content[id(new)])


_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z][a-z-]*[a-z]\b")


def _content_words(claim: Claim) -> frozenset[str]:
    """The lower-case content words of a statement's sentence: names (the holder's, and the places
    and parties both versions mention anyway: "Ukraine", "Russia") relate nothing."""
    model = load_topic_model()
    stems = (stem(w) for w in _LOWER_WORD.findall(claim.text) if w not in model.function_words)
    return frozenset(s for s in stems if s not in model.generic)


def _covers(question: Question, lead: Question) -> bool:
    """True when an existing question already holds every statement of the lead pairing."""
    return all(c in question.old for c in lead.old) and all(c in question.new for c in lead.new)


def _lead_concepts(claims: list[Claim], count: int) -> frozenset[str]:
    """Stems of the topics of a version's first `count` sentences (headline and lead)."""
    indexes = _first_indexes(claims, count)
    return frozenset().union(*(topic_stems(c.topic) for c in claims if c.index in indexes))


def _lead(claims: list[Claim]) -> frozenset[int]:
    """The headline and lead: the first `LEAD_SENTENCES` sentences, fewer in a short text (a third of
    it, at least the headline and one sentence), where the lead would be the whole story."""
    count = len({c.index for c in claims})
    return _first_indexes(claims, min(LEAD_SENTENCES, max(2, count // 3)))


def _first_indexes(claims: list[Claim], count: int) -> frozenset[int]:
    return frozenset(sorted({c.index for c in claims})[:count])


def _join_on_main_subject(found: list[Question], main_subject: frozenset[str]) -> list[Question]:
    """One question worded two ways: when the holder's statements fall into exactly one group in each
    version and both groups touch the story's main subject, they are one question. With more than one
    group on either side nothing is joined: the questions really differ."""
    if not main_subject:
        return found
    olds = [q for q in found if q.old]
    news = [q for q in found if q.new]
    if len(olds) != 1 or len(news) != 1 or olds[0] is news[0]:
        return found
    old_q, new_q = olds[0], news[0]
    objects: list[set[str]] = []
    for claims in (old_q.old, new_q.new):
        stems = frozenset().union(*(topic_stems(c.topic) for c in claims))
        if not stems & main_subject:
            return found
        objects.append({w for w in stems if w[:1] == "@"})
    if objects[0] and objects[1] and not objects[0] & objects[1]:
        return found  # about two different owners' things ("Bulgaria's entry", "Romania's entry")
    joined = Question(old=old_q.old + new_q.old, new=old_q.new + new_q.new, linked_by="story")
    return [q for q in found if q is not old_q and q is not new_q] + [joined]


class _Groups:
    """Union-find over statement positions."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
