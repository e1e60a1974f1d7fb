"""Credentials in URLs: `http://user:pass@host/...` is how some feeds are protected; the user name and
password must never be shown, sent or stored. They live only in the config (in memory).

- `redact_url(url)`: the URL with its user info replaced by `***` (`http://***@host/...`); every URL
  stored in the database or shown or sent anywhere goes through it.
- `with_credentials(url, source_url)`: for a fetch, the source's own credentials put back on a URL of
  the same scheme, host and port (a protected feed's articles), never on any other host's.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["has_credentials", "redact_url", "with_credentials"]

REDACTED = "***"


def has_credentials(url: str | None) -> bool:
    if not url or "@" not in url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(parts.scheme and (parts.username or parts.password))


def redact_url(url: str) -> str:
    """`url` with any user name and password replaced by `***`; anything else unchanged."""
    if not has_credentials(url):
        return url
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"{REDACTED}@{host}", parts.path, parts.query, parts.fragment))


def with_credentials(url: str, source_url: str | None) -> str:
    """`url` (stored, so without credentials) with the source's credentials when it is on the source's
    own scheme, host and port; unchanged otherwise."""
    if not source_url or not has_credentials(source_url):
        return url
    source, target = urlsplit(source_url), urlsplit(url)
    if has_credentials(url) and target.netloc.rpartition("@")[0] != REDACTED:
        return url
    same = (
        source.scheme == target.scheme
        and (source.hostname or "") == (target.hostname or "")
        and source.port == target.port
    )
    if not same:
        return url
    userinfo = source.netloc.rpartition("@")[0]
    host = target.netloc.rpartition("@")[2]
    return urlunsplit((target.scheme, f"{userinfo}@{host}", target.path, target.query, target.fragment))
