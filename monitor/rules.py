"""Rule files: which changes become alerts, on which channels, how often.

A rule file is TOML holding `[[rule]]` tables (the README's "Rules" section has the full format).
Rules are data: nothing in a rule file runs code; regular expressions are compiled when the file is
loaded, so a bad one is a load error, not a surprise at 3 a.m. Every error names the file, the line
and the reason.

Matching is pure: `RuleSet.match(change, context)` looks at a `Change` plus the source it came from
and returns the rules that fire. What happens next (cooldown, digest, corroboration by several
sources) is decided by `monitor.alerts.outbox`, which needs the store.
"""

from __future__ import annotations

import fnmatch
import functools
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from monitor.errors import GazetteerError, RuleError
from monitor.model import STANCES, Change, ChangeKind
from monitor.patterns import PatternError, PatternTimeout, TimedPattern, compile_pattern
from monitor.timeutil import format_duration, parse_duration
from monitor.tomlfile import describe_path, load_toml, locate

log = logging.getLogger(__name__)

SEVERITIES: tuple[str, ...] = ("info", "warning", "critical")
# The kinds a rule watches when it names none: the ones that mean something moved.
DEFAULT_KINDS: tuple[str, ...] = (
    ChangeKind.STANCE_SHIFT,
    ChangeKind.QUALIFIER_CHANGED,
    ChangeKind.NUMBER_CHANGED,
    ChangeKind.ATTRIBUTION_CHANGED,
)
DEFAULT_MIN_SOURCES_WITHIN = timedelta(days=3)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


@dataclass(frozen=True, slots=True)
class MatchContext:
    """What a rule may know about a change besides the change itself: where it was seen."""

    source: str | None = None
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    channels: tuple[str, ...]
    file: Path
    line: int | None = None
    description: str = ""
    enabled: bool = True
    kinds: frozenset[str] = frozenset(DEFAULT_KINDS)
    actors: tuple[str, ...] = ()  # as written, for display
    actor_keys: frozenset[str] = frozenset()  # canonical, lower-cased
    topic: TimedPattern | None = None
    from_stances: frozenset[str] = frozenset()
    to_stances: frozenset[str] = frozenset()
    sources: tuple[str, ...] = ()  # names or shell-style patterns ("sample-*")
    tags: frozenset[str] = frozenset()
    min_confidence: float = 0.0
    evidence_contains: tuple[str, ...] = ()
    _evidence: re.Pattern[str] | None = None
    severity: str = "info"
    cooldown: timedelta | None = None
    digest: timedelta | None = None
    min_sources: int = 1
    min_sources_within: timedelta = DEFAULT_MIN_SOURCES_WITHIN
    resolve_actor: Callable[[str], str] = field(default=str.casefold, repr=False, compare=False)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else str(self.file)

    def matches(self, change: Change, context: MatchContext | None = None) -> bool:
        """True when every condition the rule names holds for this change (absent conditions hold)."""
        context = context or MatchContext()
        if not self.enabled or str(change.kind) not in self.kinds:
            return False
        if change.confidence < self.min_confidence:
            return False
        if self.actor_keys and (
            change.actor is None or self.resolve_actor(change.actor) not in self.actor_keys
        ):
            return False
        if self.topic is not None:
            haystack = " \n ".join(x for x in (change.topic, change.proposition, change.counts) if x)
            try:
                found = self.topic.search(haystack)
            except PatternTimeout as exc:
                log.warning("rule %s (%s): %s; the rule does not match this change", self.id, self.where, exc)
                return False
            if not found:
                return False
        if self.from_stances and (change.before is None or change.before.stance not in self.from_stances):
            return False
        if self.to_stances and (change.after is None or change.after.stance not in self.to_stances):
            return False
        if self.sources and (
            context.source is None or not any(fnmatch.fnmatchcase(context.source, p) for p in self.sources)
        ):
            return False
        if self.tags and not (self.tags & context.tags):
            return False
        if self._evidence is not None:
            texts = [side.text for side in (change.before, change.after) if side is not None]
            if not any(self._evidence.search(text) for text in texts):
                return False
        return True

    def describe(self) -> dict[str, Any]:
        """A flat summary for `claimwatch rules check`."""
        return {
            "id": self.id,
            "description": self.description,
            "file": self.where,
            "enabled": self.enabled,
            "kinds": sorted(self.kinds),
            "actors": list(self.actors),
            "topic": self.topic.pattern if self.topic is not None else None,
            "from": sorted(self.from_stances),
            "to": sorted(self.to_stances),
            "sources": list(self.sources),
            "tags": sorted(self.tags),
            "min_confidence": self.min_confidence,
            "evidence_contains": list(self.evidence_contains),
            "severity": self.severity,
            "channels": list(self.channels),
            "cooldown": format_duration(self.cooldown) if self.cooldown else None,
            "digest": format_duration(self.digest) if self.digest else None,
            "min_sources": self.min_sources,
        }


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...] = ()
    files: tuple[Path, ...] = ()
    # (path, mtime_ns, size) of every file read, and of the folder itself: the watcher compares these.
    stamp: tuple[tuple[str, int, int], ...] = ()

    def match(self, change: Change, context: MatchContext | None = None) -> list[Rule]:
        return [rule for rule in self.rules if rule.matches(change, context)]

    def get(self, rule_id: str) -> Rule | None:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return None

    def __len__(self) -> int:
        return len(self.rules)

    @property
    def channels(self) -> set[str]:
        return {name for rule in self.rules for name in rule.channels}


# --- loading -------------------------------------------------------------------------------------

# Every key a rule may set, in the order `rules check --format json|csv` lists them.
RULE_KEYS = (
    "id",
    "description",
    "enabled",
    "kinds",
    "actors",
    "topic",
    "from",
    "to",
    "sources",
    "tags",
    "min_confidence",
    "evidence_contains",
    "severity",
    "channels",
    "cooldown",
    "digest",
    "min_sources",
    "min_sources_within",
)
_KNOWN_KEYS = frozenset(RULE_KEYS)


def rule_files(path: Path) -> list[Path]:
    """The files a rules path names: the file itself, or a folder's `*.toml` files in name order."""
    if path.is_dir():
        return sorted(p for p in path.glob("*.toml") if p.is_file())
    if path.exists():
        return [path]
    raise RuleError(path, "no such rule file or folder")


def _stamp(path: Path, files: Sequence[Path]) -> tuple[tuple[str, int, int], ...]:
    out = []
    for p in ([path] if path.is_dir() else []) + list(files):
        try:
            st = p.stat()
            out.append((str(p), st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((str(p), -1, -1))
    return tuple(out)


def default_actor_resolver(extra: Sequence[Path] = ()) -> Callable[[str], str]:
    """Canonical, case-folded actor names through the shipped gazetteer ("Washington" -> "united states").

    Falls back to case-insensitive equality when the claim engine or an alias is unknown.
    """
    try:
        from monitor.claims import load_gazetteer  # type: ignore[attr-defined]

        gazetteer = load_gazetteer(list(extra))
    except GazetteerError:
        raise  # the user's own gazetteer file is broken: say so (file and line), do not match by spelling
    except Exception as exc:  # the claim engine is optional for matching: equality still works
        log.debug("no gazetteer for rule actors (%s); matching actor names exactly", exc)
        return str.casefold
    return gazetteer_resolver(gazetteer)


def gazetteer_resolver(gazetteer: Any) -> Callable[[str], str]:
    lookup: Callable[[str], Any] | None = None
    for name in ("canonical", "resolve", "canonicalize", "lookup"):
        method = getattr(gazetteer, name, None)
        if callable(method):
            lookup = method
            break
    if lookup is None and hasattr(gazetteer, "get"):
        lookup = gazetteer.get

    @functools.lru_cache(maxsize=4096)
    def resolve(name: str) -> str:
        found: Any = None
        if lookup is not None:
            try:
                found = lookup(name)
            except (KeyError, LookupError, ValueError):
                found = None
        if found is not None and not isinstance(found, str):
            found = getattr(found, "canonical", None) or getattr(found, "name", None)
        return (found if isinstance(found, str) and found else name).casefold()

    return resolve


def load_rules(
    path: Path,
    channels: Iterable[str] | None = None,
    *,
    resolve_actor: Callable[[str], str] | None = None,
) -> RuleSet:
    """Read and validate a rule file or a folder of them.

    `channels`: the channel names the config defines; a rule naming another is an error. None skips
    that check (e.g. `claimwatch rules check FILE` without a config). Raises `RuleError` (file, line,
    reason) on the first problem.
    """
    files = rule_files(path)
    stamp = _stamp(path, files)
    known_channels = set(channels) if channels is not None else None
    resolver = resolve_actor or default_actor_resolver()
    rules: list[Rule] = []
    seen: dict[str, Rule] = {}
    for file in files:
        for rule in _load_file(file, known_channels, resolver):
            if rule.id in seen:
                first = seen[rule.id]
                raise RuleError(
                    file, f"duplicate rule id {rule.id!r} (first defined at {first.where})", rule.line
                )
            seen[rule.id] = rule
            rules.append(rule)
    return RuleSet(rules=tuple(rules), files=tuple(files), stamp=stamp)


def _load_file(file: Path, channels: set[str] | None, resolver: Callable[[str], str]) -> list[Rule]:
    data, text = load_toml(file, RuleError)
    for key in data:
        if key != "rule":
            raise RuleError(
                file,
                f"unknown top-level key {key!r} (rules are [[rule]] tables)",
                locate(text, (key,)) or locate(text, (key, 0)),
            )
    tables = data.get("rule", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise RuleError(file, "'rule' must be written as [[rule]] tables", locate(text, ("rule",)))
    return [_parse_rule(file, text, index, table, channels, resolver) for index, table in enumerate(tables)]


class _Problem(Exception):
    def __init__(self, key: str | None, reason: str):
        super().__init__(reason)
        self.key = key
        self.reason = reason


def _strings(table: dict[str, Any], key: str, *, allow_empty: bool = True) -> tuple[str, ...]:
    """A list of strings; a single string is accepted as a list of one."""
    value = table.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Problem(key, f"'{key}' must be a string or a list of strings, got {_tname(value)}")
    if not allow_empty and not value:
        raise _Problem(key, f"'{key}' must not be empty")
    if any(not v.strip() for v in value):
        raise _Problem(key, f"'{key}' holds an empty string")
    return tuple(v.strip() for v in value)


def _choices(table: dict[str, Any], key: str, allowed: Sequence[str], what: str) -> frozenset[str]:
    values = _strings(table, key)
    for value in values:
        if value not in allowed:
            raise _Problem(key, f"unknown {what} {value!r} (one of: {', '.join(allowed)})")
    return frozenset(values)


def _duration(table: dict[str, Any], key: str) -> timedelta | None:
    if key not in table:
        return None
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Problem(key, f'\'{key}\' must be a duration such as "30m" or "6h", got {_tname(value)}')
    try:
        duration = parse_duration(value)
    except ValueError as exc:
        raise _Problem(key, f"bad duration for '{key}': {exc}") from None
    if duration <= timedelta(0):
        raise _Problem(key, f"'{key}' must be longer than zero")
    return duration


def _tname(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _parse_rule(
    file: Path,
    text: str,
    index: int,
    table: dict[str, Any],
    channels: set[str] | None,
    resolver: Callable[[str], str],
) -> Rule:
    table_line = locate(text, ("rule", index))

    def fail(key: str | None, reason: str) -> RuleError:
        loc: tuple[str | int, ...] = ("rule", index, key) if key else ("rule", index)
        return RuleError(file, reason, locate(text, loc) or table_line, describe_path(loc))

    try:
        for key in table:
            if key not in _KNOWN_KEYS:
                hint = _did_you_mean(key)
                raise _Problem(key, f"unknown key {key!r}" + (f" (did you mean {hint!r}?)" if hint else ""))
        rule_id = table.get("id")
        if rule_id is None:
            raise _Problem(None, "missing required key 'id'")
        if not isinstance(rule_id, str) or not _ID.match(rule_id):
            raise _Problem("id", f"'id' must be a name of letters, digits, '-', '_' and '.', got {rule_id!r}")
        description = table.get("description", "")
        if not isinstance(description, str):
            raise _Problem("description", f"'description' must be a string, got {_tname(description)}")
        enabled = table.get("enabled", True)
        if not isinstance(enabled, bool):
            raise _Problem("enabled", f"'enabled' must be true or false, got {_tname(enabled)}")
        kinds = _choices(table, "kinds", [str(k) for k in ChangeKind], "change kind") or frozenset(
            DEFAULT_KINDS
        )
        actors = _strings(table, "actors")
        topic = None
        if "topic" in table:
            pattern = table["topic"]
            if not isinstance(pattern, str) or not pattern:
                raise _Problem(
                    "topic", f"'topic' must be a non-empty regular expression string, got {_tname(pattern)}"
                )
            try:
                topic = compile_pattern(pattern)
            except PatternError as exc:
                raise _Problem("topic", f"bad regular expression in 'topic': {exc}") from None
        from_stances = _choices(table, "from", STANCES, "stance")
        to_stances = _choices(table, "to", STANCES, "stance")
        sources = _strings(table, "sources")
        tags = frozenset(_strings(table, "tags"))
        min_confidence = table.get("min_confidence", 0.0)
        if isinstance(min_confidence, bool) or not isinstance(min_confidence, int | float):
            raise _Problem(
                "min_confidence", f"'min_confidence' must be a number, got {_tname(min_confidence)}"
            )
        if not 0 <= min_confidence <= 1:
            raise _Problem(
                "min_confidence", f"'min_confidence' must be between 0 and 1, got {min_confidence}"
            )
        evidence = _strings(table, "evidence_contains")
        evidence_re = None
        if evidence:
            words = "|".join(re.escape(w) for w in sorted(evidence, key=len, reverse=True))
            evidence_re = re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)
        severity = table.get("severity", "info")
        if severity not in SEVERITIES:
            raise _Problem("severity", f"unknown severity {severity!r} (one of: {', '.join(SEVERITIES)})")
        if "channels" not in table:
            raise _Problem(None, "missing required key 'channels'")
        rule_channels = _strings(table, "channels", allow_empty=False)
        if channels is not None:
            for name in rule_channels:
                if name not in channels:
                    known = ", ".join(sorted(channels)) or "none configured"
                    raise _Problem("channels", f"unknown channel {name!r} (the config defines: {known})")
        cooldown = _duration(table, "cooldown")
        digest = _duration(table, "digest")
        min_sources = table.get("min_sources", 1)
        if isinstance(min_sources, bool) or not isinstance(min_sources, int) or min_sources < 1:
            raise _Problem("min_sources", f"'min_sources' must be a whole number >= 1, got {min_sources!r}")
        within = _duration(table, "min_sources_within") or DEFAULT_MIN_SOURCES_WITHIN
    except _Problem as problem:
        raise fail(problem.key, problem.reason) from None

    actor_keys: set[str] = set()
    for actor in actors:
        actor_keys.add(resolver(actor))
    return Rule(
        id=rule_id,
        channels=tuple(dict.fromkeys(rule_channels)),
        file=file,
        line=table_line,
        description=description,
        enabled=enabled,
        kinds=kinds,
        actors=actors,
        actor_keys=frozenset(actor_keys),
        topic=topic,
        from_stances=from_stances,
        to_stances=to_stances,
        sources=sources,
        tags=tags,
        min_confidence=float(min_confidence),
        evidence_contains=evidence,
        _evidence=evidence_re,
        severity=severity,
        cooldown=cooldown,
        digest=digest,
        min_sources=min_sources,
        min_sources_within=within,
        resolve_actor=resolver,
    )


def _did_you_mean(key: str) -> str | None:
    import difflib

    aliases = {
        "kind": "kinds",
        "actor": "actors",
        "channel": "channels",
        "source": "sources",
        "tag": "tags",
        "from_stance": "from",
        "to_stance": "to",
        "evidence": "evidence_contains",
    }
    if key in aliases:
        return aliases[key]
    close = difflib.get_close_matches(key, sorted(_KNOWN_KEYS), n=1, cutoff=0.75)
    return close[0] if close else None


# --- reloading -----------------------------------------------------------------------------------


class RuleWatcher:
    """Holds the current rules and reloads them when their files change (or on demand, e.g. SIGHUP).

    The first load raises `RuleError` (the daemon refuses to start). A later broken file keeps the last
    good rules, logs why, and `last_error` says so until a good version is read.
    """

    def __init__(
        self,
        path: Path,
        channels: Iterable[str] | None = None,
        *,
        resolve_actor: Callable[[str], str] | None = None,
    ):
        self.path = path
        self.channels = set(channels) if channels is not None else None
        self._resolve_actor = resolve_actor or default_actor_resolver()
        self.rules = load_rules(path, self.channels, resolve_actor=self._resolve_actor)
        self.last_error: RuleError | None = None
        self._failed_stamp: tuple[tuple[str, int, int], ...] | None = None

    def _current_stamp(self) -> tuple[tuple[str, int, int], ...]:
        try:
            files = rule_files(self.path)
        except RuleError:
            return ((str(self.path), -1, -1),)
        return _stamp(self.path, files)

    def changed(self) -> bool:
        stamp = self._current_stamp()
        return stamp != self.rules.stamp and stamp != self._failed_stamp

    def check(self) -> bool:
        """Reload if any rule file changed since the last load; True when new rules took effect."""
        if not self.changed():
            return False
        return self.reload()

    def reload(self) -> bool:
        """Load the rules again now. On error keep the last good rules and log the reason."""
        try:
            rules = load_rules(self.path, self.channels, resolve_actor=self._resolve_actor)
        except RuleError as exc:
            self.last_error = exc
            self._failed_stamp = self._current_stamp()
            log.error("rules not reloaded, keeping the %d last good rule(s): %s", len(self.rules), exc)
            return False
        self.rules = rules
        self.last_error = None
        self._failed_stamp = None
        log.info("rules reloaded: %d rule(s) from %d file(s)", len(rules), len(rules.files))
        return True
