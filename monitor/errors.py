"""Every error claimwatch raises on purpose derives from ClaimwatchError.

The CLI prints `str(error)` as one line and exits with `error.exit_code`; anything else is a bug.
"""

from __future__ import annotations

from pathlib import Path


class ClaimwatchError(Exception):
    """Base class: a problem with input or environment that the user can fix."""

    exit_code = 1


class InputError(ClaimwatchError):
    """A file given on the command line is missing, empty, binary or undecodable."""

    exit_code = 2


class FileError(ClaimwatchError):
    """A problem located in a file (config or rules): names the file, the line when known, and why."""

    exit_code = 2

    def __init__(self, path: Path | str, reason: str, line: int | None = None, key: str | None = None):
        self.path = Path(path)
        self.reason = reason
        self.line = line
        self.key = key
        where = f"{self.path}:{line}" if line else str(self.path)
        what = f" [{key}]" if key else ""
        super().__init__(f"{where}:{what} {reason}")


class ConfigError(FileError):
    """The configuration file is invalid; nothing starts."""


class GazetteerError(FileError):
    """An actor gazetteer file (the config's `actors`) is invalid; nothing that needs it starts."""


class RuleError(FileError):
    """A rule file is invalid; the daemon refuses to start (or keeps the last good rules on reload)."""


class SecretError(ClaimwatchError):
    """A channel's secret (token, password) is missing from the environment; nothing that would
    send starts, so no alert waits on a retry loop that cannot succeed."""

    exit_code = 2


class FetchError(ClaimwatchError):
    """Fetching a source failed. `transient` errors are retried with backoff; others are recorded."""

    def __init__(self, message: str, *, transient: bool = False, status: int | None = None):
        super().__init__(message)
        self.transient = transient
        self.status = status


class ExtractError(ClaimwatchError):
    """A fetched body could not be turned into article text (or lost most of its text suddenly)."""


class StoreError(ClaimwatchError):
    """The database is unreachable, locked by another daemon, or at an unknown schema version."""


class DeliveryError(ClaimwatchError):
    """Sending an alert failed. `retry_after` (seconds) is set when the server asked us to wait."""

    def __init__(self, message: str, *, transient: bool = True, retry_after: float | None = None):
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after


class JudgeError(ClaimwatchError):
    """The LLM judge could not give a usable answer now (unreachable, slow, rate-limited, junk).

    Never fatal to a pass: the engine's result stands and the pair is judged again later.
    `retry_after` (seconds) is set when the server asked us to wait (a 429's Retry-After).
    """

    def __init__(self, message: str, *, retry_after: float | None = None, outcome: str = "error"):
        super().__init__(message)
        self.retry_after = retry_after
        self.outcome = outcome  # for `judge stats`: rate_limited, server_error, timeout, junk, ...
