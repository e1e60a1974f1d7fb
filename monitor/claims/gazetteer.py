"""Gazetteer stage: loading and compiling the actor data (monitor/data/actors.toml plus user files).

Cut (the split of the old actors.py): this module holds what is known before any text is read - the
canonical `Actor`s, the compiled `Gazetteer` index of their names, and `load_gazetteer`, which reads and
checks the data files once per set of files. Finding mentions in a sentence is mentions.py.

The gazetteer maps every way news copy names an actor to one canonical actor: a country's name, capital
and metonyms ("Kremlin" -> Russia), its adjective with a role word ("German government spokesman"), its
leaders and ministers (a leader's stance is the government's), international bodies and their role nouns
("the alliance" -> NATO). Users add files in the same format (see docs/claims.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, NoReturn

from monitor.claims.tokens import Token, fold_words, norm
from monitor.errors import GazetteerError
from monitor.tomlfile import load_toml, locate

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEFAULT_ACTORS = DATA_DIR / "actors.toml"


@dataclass(frozen=True, slots=True)
class Actor:
    """One canonical actor. `speaks_for` is set for people: their stance is that actor's stance."""

    name: str
    kind: str  # country | org | person
    speaks_for: str | None = None
    roles: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()


@dataclass(slots=True)
class Gazetteer:
    """Canonical actors and a compiled index of their names. Build with `load_gazetteer`."""

    actors: dict[str, Actor] = field(default_factory=dict)
    role_words: frozenset[str] = frozenset()
    government_nouns: frozenset[str] = frozenset()
    org_roles: frozenset[str] = frozenset()
    titles: frozenset[str] = frozenset()
    # first folded token -> [(folded tokens, canonical name)], longest first
    alias_index: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)
    demonym_index: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)
    role_index: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # lowercase country names and demonyms -> country, for place phrases in topics ("on Russian soil")
    place_names: dict[str, str] = field(default_factory=dict)
    place_firsts: frozenset[str] = frozenset()
    # lowercase cities that place a dateline in a country without standing for its government
    # ("FRANKFURT", "AMSTERDAM": the seat of government is The Hague)
    dateline_cities: dict[str, str] = field(default_factory=dict)
    _lookup: dict[str, str] = field(default_factory=dict)

    # ----------------------------------------------------------------------------------------------
    # Public lookups (also used by the rules, the store and the CLI).

    def stance_actor(self, name: str) -> str:
        """The actor whose stance `name` states: a person's government, else the actor itself."""
        seen = 0
        actor = self.actors.get(name)
        while actor is not None and actor.speaks_for and seen < 4:
            name = actor.speaks_for
            actor = self.actors.get(name)
            seen += 1
        return name

    def resolve(self, name: str) -> str | None:
        """Canonical stance actor for a name as a user writes it ("Washington", "scholz"), or None."""
        key = " ".join(norm(w) for w in fold_words(name.strip()))
        if key.startswith("the "):
            key = key[4:]
        found = self._lookup.get(key)
        return self.stance_actor(found) if found else None

    def canonical(self, name: str) -> str | None:
        return self.resolve(name)

    def get(self, name: str) -> Actor | None:
        found = self._lookup.get(" ".join(norm(w) for w in fold_words(name.strip())))
        return self.actors.get(found) if found else None

    def dateline_country(self, place: str) -> str | None:
        """The country a dateline's place puts a story in: its name or capital, or one of its cities."""
        found = self.resolve(place)
        if found is not None and self.kind_of(found) == "country":
            return found
        return self.dateline_cities.get(" ".join(norm(w) for w in fold_words(place.strip())))

    def kind_of(self, name: str | None) -> str | None:
        actor = self.actors.get(name) if name else None
        return actor.kind if actor else None

    # ----------------------------------------------------------------------------------------------
    # Matching inside a sentence.

    def match_alias(self, tokens: list[Token], i: int) -> tuple[int, str] | None:
        """(length, canonical) of the longest alias starting at token i."""
        candidates = self.alias_index.get(tokens[i].fold)  # most words start none: no call then
        return _longest(candidates, tokens, i) if candidates else None

    def match_demonym(self, tokens: list[Token], i: int) -> tuple[int, str] | None:
        """(length, canonical) of the longest demonym phrase starting at token i."""
        candidates = self.demonym_index.get(tokens[i].fold)
        return _longest(candidates, tokens, i) if candidates else None


def _longest(
    candidates: list[tuple[tuple[str, ...], str]], tokens: list[Token], i: int
) -> tuple[int, str] | None:
    """The first (longest: the index lists keys longest first) of `candidates` matching from token i."""
    n = len(tokens)
    for key, canonical in candidates:
        length = len(key)
        if i + length <= n and all(tokens[i + k].fold == key[k] for k in range(1, length)):
            return length, canonical
    return None


_SECTIONS = {"country": "country", "org": "org", "person": "person"}
_ENTRY_KEYS = frozenset(
    ["name", "aliases", "capital", "cities", "demonym", "demonyms", "roles", "for", "kind"]
)
_GRAMMAR_KEYS = frozenset(["role_words", "government_nouns", "org_roles", "titles"])


def _read_actor_file(path: Path, into: dict[str, dict[str, Any]], grammar: dict[str, set[str]]) -> None:
    """Add the actors of one gazetteer file; a malformed file raises GazetteerError with file and line."""
    data, text = load_toml(path, GazetteerError)
    check = _EntryChecker(path, text)
    for key in data:
        if key != "grammar" and key not in _SECTIONS:
            check.fail(
                (key, 0) if isinstance(data[key], list) else (key,),
                f"unknown table [{key}]; expected [grammar], [[country]], [[org]] or [[person]]",
            )
    grammar_table = data.get("grammar") or {}
    if not isinstance(grammar_table, dict):
        check.fail(("grammar",), "[grammar] must be a table")
    for key, words in grammar_table.items():
        if key not in _GRAMMAR_KEYS:
            check.fail(
                ("grammar", key), f"unknown key {key!r}; expected one of {', '.join(sorted(_GRAMMAR_KEYS))}"
            )
        grammar.setdefault(key, set()).update(check.strings(("grammar", key), words))
    for section, kind in _SECTIONS.items():
        entries = data.get(section) or []
        if not isinstance(entries, list):
            check.fail((section,), f"write each {section} as its own [[{section}]] table")
        for index, entry in enumerate(entries):
            where = (section, index)
            if not isinstance(entry, dict):
                check.fail(where, f"each {section} entry must be a table")
            for key in entry:
                if key not in _ENTRY_KEYS:
                    check.fail(
                        (*where, key),
                        f"unknown key {key!r}; expected one of {', '.join(sorted(_ENTRY_KEYS))}",
                    )
            name = entry.get("name")
            if not isinstance(name, str) or not name.strip():
                check.fail((*where, "name"), f"every [[{section}]] needs a non-empty string `name`")
            entry_kind = entry.get("kind", kind)
            if entry_kind not in _SECTIONS:
                check.fail(
                    (*where, "kind"), f"kind must be one of {', '.join(_SECTIONS)}, not {entry_kind!r}"
                )
            record = into.setdefault(
                name.strip(),
                {"kind": entry_kind, "aliases": [], "demonyms": [], "roles": [], "cities": [], "for": None},
            )
            for key, target in (("aliases", "aliases"), ("capital", "aliases"), ("demonym", "demonyms"),
                                ("demonyms", "demonyms"), ("roles", "roles"),
                                ("cities", "cities")):  # fmt: skip
                record[target] += check.strings((*where, key), entry.get(key))
            speaks_for = entry.get("for")
            if speaks_for is not None and (not isinstance(speaks_for, str) or not speaks_for.strip()):
                check.fail((*where, "for"), "`for` must name the actor this one speaks for")
            if speaks_for:
                record["for"] = speaks_for.strip()


class _EntryChecker:
    """Errors in a gazetteer file, pointed at the line of the key (or of its table)."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text

    def fail(self, where: tuple[str | int, ...], reason: str) -> NoReturn:
        key = ".".join(str(p) for p in where if isinstance(p, str))
        raise GazetteerError(self.path, reason, locate(self.text, where), key)

    def strings(self, where: tuple[str | int, ...], value: Any) -> list[str]:
        """`value` as a list of non-empty strings: a string, or a list of them (None: empty)."""
        if value is None:
            return []
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(v, str) and v.strip() for v in items):
            self.fail(where, "expected a string or a list of non-empty strings")
        return [v.strip() for v in items]


def _compile(records: dict[str, dict[str, Any]], grammar: dict[str, set[str]]) -> Gazetteer:
    gaz = Gazetteer()
    aliases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    demonyms: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    roles: dict[str, list[str]] = {}
    for name, record in records.items():
        actor = Actor(
            name=name,
            kind=record["kind"],
            speaks_for=record["for"],
            roles=tuple(dict.fromkeys(r.lower() for r in record["roles"])),
            aliases=tuple(dict.fromkeys(record["aliases"])),
            demonyms=tuple(dict.fromkeys(record["demonyms"])),
        )
        gaz.actors[name] = actor
        for alias in (name, *actor.aliases):
            key = tuple(fold_words(alias))
            if key and key[0].lower() == "the" and len(key) > 1:
                key = key[1:]
            if key:
                aliases.setdefault(key[0], []).append((key, name))
                gaz._lookup.setdefault(" ".join(w.lower() for w in key), name)
        for demonym in actor.demonyms:
            key = tuple(fold_words(demonym))
            if key:
                demonyms.setdefault(key[0], []).append((key, name))
                gaz.place_names.setdefault(" ".join(w.lower() for w in key), name)
        for role in actor.roles:
            roles.setdefault(role, []).append(name)
        if actor.kind == "country":
            for alias in (name, *actor.aliases[:3]):
                gaz.place_names.setdefault(" ".join(norm(w) for w in fold_words(alias)), name)
        for city in record["cities"]:
            gaz.dateline_cities.setdefault(" ".join(norm(w) for w in fold_words(city)), name)
    for table, target in ((aliases, gaz.alias_index), (demonyms, gaz.demonym_index)):
        for first, entries in table.items():
            unique = list(dict.fromkeys(entries))
            target[first] = sorted(unique, key=lambda e: -len(e[0]))
    gaz.role_index = {role: tuple(names) for role, names in roles.items()}
    gaz.place_firsts = frozenset(name.split()[0] for name in gaz.place_names)
    gaz.role_words = frozenset(w.lower() for w in grammar.get("role_words", ()))
    gaz.government_nouns = frozenset(w.lower() for w in grammar.get("government_nouns", ()))
    gaz.org_roles = frozenset(w.lower() for w in grammar.get("org_roles", ()))
    gaz.titles = frozenset(grammar.get("titles", ()))
    return gaz


@cache
def _load(paths: tuple[Path, ...]) -> Gazetteer:
    records: dict[str, dict[str, Any]] = {}
    grammar: dict[str, set[str]] = {}
    for path in paths:
        _read_actor_file(path, records, grammar)
    return _compile(records, grammar)


def load_gazetteer(extra: list[Path] | tuple[Path, ...] = ()) -> Gazetteer:
    """The shipped gazetteer plus the user's files (same format), compiled once per set of files."""
    return _load((DEFAULT_ACTORS, *(Path(p).resolve() for p in extra)))
