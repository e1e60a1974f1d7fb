"""User-written regular expressions (rule `topic`, `history --topic`) with a time limit per search.

Python's `re` has no time limit: a pattern such as `(a+)+$` takes about 1.6 times longer for every
extra character of a near-miss, so one careless rule could stall every check. The `regex` module (the
same syntax, for what claimwatch accepts) can give up after a deadline; a search that runs out is an
error the caller decides about (a rule logs it and does not match; `history` refuses the pattern).
"""

from __future__ import annotations

from typing import Any

import regex

from monitor.errors import ClaimwatchError

__all__ = ["SEARCH_TIMEOUT", "PatternError", "PatternTimeout", "TimedPattern", "compile_pattern"]

SEARCH_TIMEOUT = 0.1  # seconds one search may take; ordinary patterns need microseconds


class PatternError(ValueError):
    """Not a valid regular expression (the message says why)."""


class PatternTimeout(ClaimwatchError):
    """A search took longer than SEARCH_TIMEOUT: the pattern backtracks catastrophically."""


class TimedPattern:
    """A compiled pattern whose `search` gives up after `timeout` seconds (raising PatternTimeout)."""

    __slots__ = ("_compiled", "pattern", "timeout")

    def __init__(self, pattern: str, *, ignore_case: bool = True, timeout: float = SEARCH_TIMEOUT):
        try:
            self._compiled: Any = regex.compile(pattern, regex.IGNORECASE if ignore_case else 0)
        except regex.error as exc:
            raise PatternError(str(exc)) from None
        self.pattern = pattern
        self.timeout = timeout

    def search(self, text: str) -> Any:
        try:
            return self._compiled.search(text, timeout=self.timeout)
        except TimeoutError:
            raise PatternTimeout(
                f"the regular expression {self.pattern!r} took longer than {self.timeout:g}s on a "
                f"text of {len(text)} characters (nested repetition such as '(a+)+' backtracks "
                "without end); simplify it"
            ) from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TimedPattern) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __repr__(self) -> str:
        return f"TimedPattern({self.pattern!r})"


def compile_pattern(pattern: str, *, ignore_case: bool = True) -> TimedPattern:
    return TimedPattern(pattern, ignore_case=ignore_case)
