"""The stance lexicon (data file `monitor/data/stance.toml`) compiled for fast matching.

Entries become token patterns indexed by their first word, so matching a sentence costs one dict
lookup per token plus a few short comparisons: linear in the sentence length, whatever the lexicon size.
Verbs are inflected here (-s/-ed/-ing, with an irregular table from the data file), so the data lists
base forms only. See the header of stance.toml for the entry syntax.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from monitor.claims.reader import StanceReader, load_reader
from monitor.claims.tokens import Token, words

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_STANCE = DATA_DIR / "stance.toml"

GAP = "..."
GAP_MAX = 4
_POSS = frozenset(
    [
        "its",
        "their",
        "his",
        "her",
        "the",
        "a",
        "an",
        "our",
        "my",
        "your",
        "this",
        "that",
        "these",
        "those",
        "own",
    ]
)
_BE = frozenset(
    [
        "be",
        "is",
        "are",
        "was",
        "were",
        "been",
        "being",
        "'s",
        "'re",
        "am",
        "remain",
        "remains",
        "remained",
        "remaining",
        "stay",
        "stays",
        "stayed",
        "staying",
        "seem",
        "seems",
        "seemed",
        "appear",
        "appears",
        "appeared",
    ]
)
_DET = frozenset(
    [
        "a",
        "an",
        "the",
        "staunch",
        "vocal",
        "fierce",
        "strong",
        "leading",
        "key",
        "main",
        "longtime",
        "long-time",
        "prominent",
        "outspoken",
        "harsh",
        "fervent",
        "avid",
        "early",
        "chief",
        "firm",
        "ardent",
        "big",
        "major",
        "fellow",
    ]
)
_ADVERB_FILLERS = frozenset(
    [
        "still",
        "also",
        "now",
        "firmly",
        "strongly",
        "largely",
        "broadly",
        "clearly",
        "so",
        "far",
        "very",
        "totally",
        "fully",
    ]
)
_VOWELS = set("aeiou")


def inflect(base: str, irregular: dict[str, list[str]]) -> set[str]:
    """All forms of a verb: base, third person, past (and participle), gerund."""
    forms = {base}
    if base in irregular:
        forms.update(irregular[base])
        return forms
    if "-" in base and base.split("-")[0] in irregular:
        head, rest = base.split("-", 1)
        forms.update(f"{form}-{rest}" for form in irregular[head])
        return forms
    if base.endswith("e"):
        forms |= {base + "s", base + "d", base[:-1] + "ing"}
    elif base.endswith("y") and len(base) > 2 and base[-2] not in _VOWELS:
        forms |= {base[:-1] + "ies", base[:-1] + "ied", base + "ing"}
    elif base.endswith(("s", "x", "z", "ch", "sh")):
        forms |= {base + "es", base + "ed", base + "ing"}
    elif (
        len(base) >= 3
        and base[-1] not in _VOWELS | {"w", "x", "y"}
        and base[-2] in _VOWELS
        and base[-3] not in _VOWELS
        and sum(1 for ch in base if ch in _VOWELS) == 1
    ):
        forms |= {base + "s", base + base[-1] + "ed", base + base[-1] + "ing"}
    else:
        forms |= {base + "s", base + "ed", base + "ing"}
    return forms


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled entry: one atom per position; an atom is a set of words or a slot marker."""

    atoms: tuple[frozenset[str] | str, ...]
    stance: str | None  # support | oppose | undecided | None (neutral: blocks, states nothing)
    kind: str  # verb | phrase | fixed | impersonal | permission | neutral | request
    entry: str
    # words allowed right after the first one (None: anything): a cheap filter before full matching
    second: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Cue:
    """A lexicon match in a sentence: tokens [start, end)."""

    start: int
    end: int
    stance: str | None
    kind: str
    entry: str
    light: int | None = None  # noun cues: index of the light verb that licenses them
    reversed_noun: bool = False


@dataclass(slots=True)
class Lexicon:
    index: dict[str, list[Pattern]] = field(default_factory=dict)
    nouns: dict[tuple[str, ...], str] = field(default_factory=dict)
    noun_first: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    light_assert: set[tuple[str, ...]] = field(default_factory=set)
    light_reverse: set[tuple[str, ...]] = field(default_factory=set)
    light_deny: set[tuple[str, ...]] = field(default_factory=set)
    light_receive: set[tuple[str, ...]] = field(default_factory=set)
    commitment_forms: frozenset[str] = frozenset()
    commitment_markers: frozenset[str] = frozenset()
    commitment_to_heads: frozenset[str] = frozenset()
    request_forms: frozenset[str] = frozenset()
    restrictive_forms: frozenset[str] = frozenset()
    decision_nouns: frozenset[str] = frozenset()
    negators: frozenset[str] = frozenset()
    no_longer: tuple[tuple[str, ...], ...] = ()
    hedges: frozenset[str] = frozenset()
    hypothetical: frozenset[str] = frozenset()
    background: tuple[tuple[str, ...], ...] = ()
    reporting_forms: frozenset[str] = frozenset()
    irregular: dict[str, list[str]] = field(default_factory=dict)
    # (first word, next word) -> the first word's patterns that next word allows, in index order: "is",
    # "the", "was" start ~160 patterns each ({be}/{det} entries), nearly all ruled out by the next word
    pair_cache: dict[tuple[str, str], tuple[Pattern, ...]] = field(default_factory=dict)
    # the learned reader (reader.py) for a holder's sentence that has no cue here; None: lexicon only
    reader: StanceReader | None = None

    # ----------------------------------------------------------------------------------------------

    def _match(self, tokens: list[Token], i: int, atoms: tuple[frozenset[str] | str, ...], a: int) -> int:
        """End index when atoms[a:] match tokens from i, else -1. Gaps try the shortest fill first."""
        n = len(tokens)
        while a < len(atoms):
            atom = atoms[a]
            if atom == GAP:
                for skip in range(0, GAP_MAX + 1):
                    if i + skip > n:
                        break
                    if skip and not tokens[i + skip - 1].is_word and tokens[i + skip - 1].norm != "'s":
                        break  # a gap stays inside the clause; a possessive is part of a noun phrase
                    end = self._match(tokens, i + skip, atoms, a + 1)
                    if end >= 0:
                        return end
                return -1
            if i >= n:
                return -1
            if isinstance(atom, frozenset):
                if tokens[i].norm not in atom:
                    # adverbs and time phrases may sit inside a phrase: "voted unanimously on Thursday to"
                    norm_i = tokens[i].norm
                    maybe = a > 0 and (norm_i.endswith("ly") or norm_i in _FILLER_STARTS or norm_i.isdigit())
                    skipped = _filler_length(tokens, i) if maybe else 0
                    if not skipped or i + skipped >= n or tokens[i + skipped].norm not in atom:
                        return -1
                    i += skipped
                i += 1
            elif atom == "{det}":
                if tokens[i].norm not in _DET:
                    return -1
                i += 1
                if i < n and tokens[i].norm in _DET and tokens[i].norm not in ("a", "an", "the"):
                    i += 1
            else:  # {poss} / {be}
                allowed = _POSS if atom == "{poss}" else _BE
                if tokens[i].norm not in allowed:
                    return -1
                i += 1
                if atom == "{be}":
                    while i < n and (
                        tokens[i].norm in _ADVERB_FILLERS
                        or (tokens[i].norm.endswith("ly") and tokens[i].is_word)
                    ):
                        i += 1
            a += 1
        return i

    def find_cues(self, tokens: list[Token]) -> list[Cue]:
        """Non-overlapping cues, longest match first at each position, then stance nouns."""
        cues: list[Cue] = []
        n = len(tokens)
        taken = [False] * n
        index, commitment_forms = self.index, self.commitment_forms
        # only a word that starts an entry or is a commitment form can start a cue: the loop visits those
        # positions only (a comprehension passes over the others faster than the loop would)
        starts = [k for k, t in enumerate(tokens) if t.norm in index or t.norm in commitment_forms]
        i = 0
        for start in starts:
            if start < i:
                continue  # inside the cue just taken
            i = start
            best: tuple[int, Pattern] | None = None
            first = tokens[i].norm
            candidates: list[Pattern] | tuple[Pattern, ...] | None = index.get(first)
            if candidates:
                following = tokens[i + 1].norm if i + 1 < n else ""
                if not (following.endswith("ly") or following in _FILLER_STARTS or following.isdigit()):
                    # an adverb may push the second word along ("is still against"): then all patterns
                    candidates = self._allowed(first, following, candidates)
            for pattern in candidates or ():
                end = self._match(tokens, i + 1, pattern.atoms, 1)
                if end > i and (
                    best is None or end > best[0] or (end == best[0] and _rank(pattern) > _rank(best[1]))
                ):
                    best = (end, pattern)
            if best is None and first in commitment_forms and self._committed(tokens, i):
                cues.append(Cue(i, i + 1, "support", "commitment", first))
                taken[i] = True
                i += 1
                continue
            if best is None:
                i += 1
                continue
            end, pattern = best
            if pattern.kind == "verb" and end == i + 1 and i > 0 and _noun_use(tokens, i):
                i += 1  # "its support", "the backing": a noun, read only after a light verb (below)
                continue
            cues.append(Cue(i, end, pattern.stance, pattern.kind, pattern.entry))
            for k in range(i, end):
                taken[k] = True
            i = end
        return self._noun_cues(tokens, cues, taken)

    def _allowed(
        self, first: str, following: str, patterns: list[Pattern] | tuple[Pattern, ...]
    ) -> tuple[Pattern, ...]:
        key = (first, following)
        found = self.pair_cache.get(key)
        if found is None:
            found = tuple(p for p in patterns if p.second is None or following in p.second)
            if len(self.pair_cache) > 65536:
                self.pair_cache.clear()
            self.pair_cache[key] = found
        return found

    def _committed(self, tokens: list[Token], i: int) -> bool:
        k = i - 1
        while k >= 0 and (tokens[k].norm in _ADVERB_FILLERS or tokens[k].norm.endswith("ly")) and i - k < 3:
            k -= 1
        if k >= 0 and (tokens[k].norm in ("not", "never") or tokens[k].norm.endswith("n't")) and i - k < 4:
            # a refusal: "would not sign", "won't send" (the negation is composed later)
            if tokens[k].norm.endswith("n't") and tokens[k].norm[:-3] in ("wo", "would", "sha"):
                return True
            k -= 1
        if k < 0:
            return False
        marker = tokens[k].norm
        if marker == "to":
            return k > 0 and tokens[k - 1].norm in self.commitment_to_heads
        return marker in self.commitment_markers

    def _noun_cues(self, tokens: list[Token], cues: list[Cue], taken: list[bool]) -> list[Cue]:
        n = len(tokens)
        cue_at = {c.start: c for c in cues}
        out = list(cues)
        noun_first = self.noun_first
        for i in [k for k, t in enumerate(tokens) if t.norm in noun_first]:
            keys = noun_first[tokens[i].norm]
            if not keys:
                continue
            for key in keys:
                end = i + len(key)
                if end > n or any(tokens[i + k].norm != key[k] for k in range(len(key))):
                    continue
                if i > 0 and tokens[i - 1].norm == "to" and len(key) == 1:
                    break  # "plans to support RCS": after "to" the word is a verb, read as one above
                inside = next((c for c in out if c.start <= i < c.end), None)
                if inside is not None and (
                    inside.end - inside.start > 1 or (inside.start == i and inside.kind != "verb")
                ):
                    break  # part of a longer entry ("reiterated its opposition") or a neutral phrase
                light = self._light_verb(tokens, i)
                if light is None:
                    break
                where, mode = light
                if any(where < c.start and c.end <= i and c.stance is not None for c in out):
                    break  # "has not ruled out blocking": the cue between governs the noun, not "has"
                # the light verb may end an earlier cue ("has refused" + "to join the agreement"): the noun
                # cue takes that cue in, so no two cues overlap (they would compose: oppose x oppose)
                first = min([where] + [c.start for c in out if c.start < where < c.end])
                if mode == "receive":
                    # "won approval from the regulator": the stance is not the subject's; block the noun
                    out = [c for c in out if not (c.start >= first and c.end <= end) and c is not inside]
                    cue_at.pop(where, None)
                    entry = " ".join(t.text for t in tokens[first:end])
                    out.append(Cue(first, end, None, "neutral", entry, light=where))
                    break
                stance = self.nouns[key]
                if mode == "reverse":
                    stance = {"support": "oppose", "oppose": "support", "undecided": "undecided"}[stance]
                elif mode == "deny":
                    stance = "oppose" if stance == "support" else stance
                # the light verb may have been read as a verb cue of its own ("dropped"): the noun wins
                out = [c for c in out if not (c.start >= first and c.end <= end) and c is not inside]
                cue_at.pop(where, None)
                out.append(
                    Cue(
                        first,
                        end,
                        stance,
                        "noun",
                        " ".join(t.text for t in tokens[first:end]),
                        light=where,
                        reversed_noun=mode == "reverse",
                    )
                )
                break
        out.sort(key=lambda c: c.start)
        return out

    def _light_verb(self, tokens: list[Token], i: int) -> tuple[int, str] | None:
        """(index, mode) of a light verb within three words before token i, or None."""
        for back in range(1, 5):
            start = i - back
            if start < 0:
                break
            between = tokens[start + 1 : i]
            if any(not t.is_word for t in between):
                break
            if tokens[start].norm in _HAVE and between and _participle(between[0].norm):
                return None  # an auxiliary ("had adapted its support"), not possessive "had the support"
            for length in (3, 2, 1):
                if start - length + 1 < 0:
                    continue
                key = tuple(t.norm for t in tokens[start - length + 1 : start + 1])
                for table, mode in (
                    (self.light_receive, "receive"),
                    (self.light_reverse, "reverse"),
                    (self.light_deny, "deny"),
                    (self.light_assert, "assert"),
                ):
                    if key in table:
                        return start - length + 1, mode
        return None

    def is_reporting(self, token: Token) -> bool:
        return token.norm in self.reporting_forms


_WEEKDAYS = frozenset(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])
_FILLER_STARTS = _ADVERB_FILLERS | frozenset(("on", "this", "last", "next", "earlier", "later", "by"))


def _filler_length(tokens: list[Token], i: int) -> int:
    """Length of an adverb or time phrase at i ("unanimously", "on Thursday", "this week", "11-4 early
    Tuesday"), else 0."""
    n = len(tokens)
    k = i
    while k < n and k - i < 6:
        norm = tokens[k].norm
        if (norm.endswith("ly") and len(norm) > 4 and tokens[k].is_word) or norm in _ADVERB_FILLERS:
            k += 1
        elif norm in _WEEKDAYS and k > i:
            k += 1  # "early Tuesday", "9-0 Monday": a day after a time word or a tally
        elif (
            norm in ("on", "this", "last", "next", "earlier", "later", "by")
            and k + 1 < n
            and (tokens[k + 1].norm in _WEEKDAYS or tokens[k + 1].norm in ("week", "month", "year", "day"))
        ):
            k += 2  # "on Thursday", "by Sunday", "this week"
        elif (
            norm.isdigit()
            and k + 2 < n
            and tokens[k + 1].text in ("-", "\u2013")
            and tokens[k + 2].norm.isdigit()
        ):
            k += 3  # a tally: "voted 9-0 on Monday to impose"
        else:
            break
    return k - i


def _noun_use(tokens: list[Token], i: int) -> bool:
    """The verb-like word at i is a noun or part of a name: "its support", "a nine-time Australian Open
    champion", "a record 21st Grand Slam title" (capitalised inside a name, not in a Title Case
    headline: "Spirit Board Rebuffs JetBlue")."""
    before = tokens[i - 1]
    if before.norm in _DETERMINERS or before.norm in _NOUN_MODIFIERS or before.norm.endswith("-time"):
        return True
    if (
        i >= 2
        and tokens[i - 2].norm in _DETERMINERS
        and not tokens[i].norm.endswith("ed")
        and before.is_word
        and not before.is_capitalised
        and (
            before.norm.endswith("ed")
            or "-" in before.norm
            # a base form after a singular word: "a blanket ban" (a plural subject takes one: "the
            # unions oppose")
            or (not before.norm.endswith("s") and not tokens[i].norm.endswith(("s", "ing")))
        )
    ):
        return True  # "the planned ban", "an across-the-board ban", "a blanket ban": a noun
    following = tokens[i + 1] if i + 1 < len(tokens) else None
    return (
        tokens[i].is_capitalised
        and before.is_capitalised
        and before.is_word
        and following is not None
        and following.is_word
        and not following.is_capitalised
    )


_NOUN_MODIFIERS = frozenset(["world", "defending", "former", "reigning", "olympic", "national", "european"])
_DETERMINERS = frozenset(["its", "their", "his", "her", "our", "my", "your", "the", "a", "an"])
_HAVE = frozenset(["have", "has", "had", "having", "'ve", "'d"])


def _participle(norm: str) -> bool:
    """A past participle after an auxiliary: "adapted", "given", "won" is the verb, not an object."""
    return norm.isalpha() and len(norm) > 3 and (norm.endswith("ed") or norm.endswith("en"))


def _rank(pattern: Pattern) -> int:
    return {"neutral": 5, "impersonal": 4, "permission": 4, "fixed": 3, "phrase": 2, "request": 1}.get(
        pattern.kind, 0
    )


def _atoms(
    entry: str, inflect_first: bool, irregular: dict[str, list[str]]
) -> list[tuple[frozenset[str] | str, ...]]:
    """Compile one entry; the first atom expands to all verb forms when `inflect_first`."""
    parts = entry.split()
    atoms: list[frozenset[str] | str] = []
    for position, part in enumerate(parts):
        if part == GAP or part in ("{poss}", "{be}", "{det}"):
            atoms.append(part)
            continue
        options: set[str] = set()
        for option in part.split("|"):
            forms = words(option)
            word = " ".join(forms) if len(forms) > 1 else (forms[0] if forms else option)
            if " " in word:
                # an apostrophe splits a word ("'ll"): keep it as written
                word = option
            if position == 0 and inflect_first:
                options |= inflect(word, irregular)
            elif position > 0 and word.isalpha() and len(word) > 2:
                options |= {word, word + "s", word + "es"}
            else:
                options.add(word)
        atoms.append(frozenset(options))
    return [tuple(atoms)]


def _add(lex: Lexicon, entry: str, stance: str | None, kind: str, inflect_first: bool) -> None:
    entry = entry.strip().lower()
    if not entry:
        return
    for atoms in _atoms(entry, inflect_first, lex.irregular):
        second: frozenset[str] | None = None
        if len(atoms) > 1:
            follow = atoms[1]
            if isinstance(follow, frozenset):
                second = follow
            elif follow in ("{be}", "{det}", "{poss}"):
                second = {"{be}": _BE, "{det}": _DET, "{poss}": _POSS}[follow]
        pattern = Pattern(atoms, stance, kind, entry, second)
        first = atoms[0]
        if isinstance(first, frozenset):
            keys: frozenset[str] = first
        elif first == "{be}":
            keys = _BE
        elif first == "{det}":
            keys = _DET
        elif first == "{poss}":
            keys = _POSS
        else:
            continue
        for key in keys:
            lex.index.setdefault(key, []).append(pattern)


def _phrases(values: Any) -> list[str]:
    return [str(v) for v in values or []]


def _build(datasets: list[dict[str, Any]]) -> Lexicon:
    lex = Lexicon()
    for data in datasets:
        for base, forms in (data.get("irregular") or {}).items():
            lex.irregular.setdefault(base.lower(), []).extend(f.lower() for f in forms)
    for data in datasets:
        for stance in ("support", "oppose", "undecided"):
            section = data.get(stance) or {}
            for verb in _phrases(section.get("verbs")):
                _add(lex, verb, stance, "verb" if " " not in verb.strip() else "phrase", True)
            for phrase in _phrases(section.get("phrases")):
                _add(lex, phrase, stance, "phrase", True)
            for phrase in _phrases(section.get("fixed")):
                _add(lex, phrase, stance, "fixed", False)
            for noun in _phrases(section.get("nouns")):
                key = tuple(words(noun))
                if key:
                    for variant in {key, (*key[:-1], key[-1] + "s")}:
                        lex.nouns[variant] = stance
                        lex.noun_first.setdefault(variant[0], []).append(variant)
        impersonal = data.get("impersonal") or {}
        for stance in ("support", "oppose", "undecided"):
            for phrase in _phrases(impersonal.get(stance)):
                _add(lex, phrase, stance, "impersonal", False)
        for phrase in _phrases((data.get("permission") or {}).get("support")):
            _add(lex, phrase, "support", "permission", False)
        for phrase in _phrases((data.get("neutral") or {}).get("fixed")):
            _add(lex, phrase, None, "neutral", False)
        request = data.get("request") or {}
        request_forms: set[str] = set(lex.request_forms)
        for verb in _phrases(request.get("verbs")):
            _add(lex, verb, "support", "request", True)
            request_forms |= inflect(words(verb)[0], lex.irregular)
        lex.request_forms = frozenset(request_forms)
        restrictive: set[str] = set(lex.restrictive_forms)
        for verb in _phrases((data.get("restrictive") or {}).get("verbs")):
            restrictive |= inflect(words(verb)[0], lex.irregular)
        lex.restrictive_forms = frozenset(restrictive)
        decisions = set(lex.decision_nouns)
        for noun in _phrases((data.get("restrictive") or {}).get("decisions")):
            decisions |= {noun, noun + "s"}
        lex.decision_nouns = frozenset(decisions)
        commitment = data.get("commitment") or {}
        lex.commitment_forms = lex.commitment_forms | frozenset(
            w.lower() for w in _phrases(commitment.get("verbs"))
        )
        lex.commitment_markers = lex.commitment_markers | frozenset(
            w.lower() for w in _phrases(commitment.get("markers"))
        )
        lex.commitment_to_heads = lex.commitment_to_heads | frozenset(
            w.lower() for w in _phrases(commitment.get("to_heads"))
        )
        light = data.get("light_verbs") or {}
        for name, table in (
            ("assert", lex.light_assert),
            ("reverse", lex.light_reverse),
            ("deny", lex.light_deny),
            ("receive", lex.light_receive),
        ):
            for verb in _phrases(light.get(name)):
                parts = words(verb)
                if not parts:
                    continue
                for form in inflect(parts[0], lex.irregular):
                    table.add((form, *parts[1:]))
        modifiers = data.get("modifiers") or {}
        lex.negators = lex.negators | frozenset(_phrases(modifiers.get("negators")))
        lex.no_longer = lex.no_longer + tuple(tuple(words(p)) for p in _phrases(modifiers.get("no_longer")))
        lex.hedges = lex.hedges | frozenset(_phrases(modifiers.get("hedges")))
        lex.hypothetical = lex.hypothetical | frozenset(_phrases(modifiers.get("hypothetical")))
        lex.background = lex.background + tuple(
            tuple(words(p)) for p in _phrases(modifiers.get("background"))
        )
        reporting: set[str] = set(lex.reporting_forms)
        for verb in _phrases(modifiers.get("reporting")):
            parts = words(verb)
            if len(parts) == 1:
                reporting |= inflect(parts[0], lex.irregular)
        lex.reporting_forms = frozenset(reporting)
    return lex


@cache
def _load(paths: tuple[Path, ...]) -> Lexicon:
    datasets = []
    for path in paths:
        with path.open("rb") as handle:
            datasets.append(tomllib.load(handle))
    lex = _build(datasets)
    lex.reader = load_reader()
    return lex


def load_lexicon(extra: list[Path] | tuple[Path, ...] = ()) -> Lexicon:
    """The shipped stance lexicon plus the user's files, compiled once per set of files."""
    return _load((DEFAULT_STANCE, *(Path(p).resolve() for p in extra)))
