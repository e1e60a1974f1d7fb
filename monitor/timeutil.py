"""Durations ("15m", "6h", "7d") and points in time ("2024-05-31", "7d" ago) as users write them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.IGNORECASE)


def parse_duration(text: str | int | float) -> timedelta:
    """Parse "90s", "15m", "1h30m", "7d", "2w" (or a number of seconds) into a timedelta."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        if text < 0:
            raise ValueError("a duration cannot be negative")
        return timedelta(seconds=text)
    if not isinstance(text, str):
        raise ValueError(f"expected a duration like '15m', got {text!r}")
    compact = text.strip().replace(" ", "")
    parts = _DURATION.findall(compact)
    if not compact or "".join(n + u for n, u in parts).lower() != compact.lower():
        raise ValueError(f"not a duration: {text!r} (write e.g. '30s', '15m', '6h', '7d')")
    return timedelta(seconds=sum(float(n) * _UNITS[u.lower()] for n, u in parts))


def utcnow() -> datetime:
    return datetime.now(UTC)


def ensure_utc(moment: datetime) -> datetime:
    """Naive datetimes (as SQLite returns them) are UTC by our convention."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_moment(text: str, *, now: datetime | None = None) -> datetime:
    """A point in time: an ISO date or datetime, or an age such as "7d" or "12h" meaning that long ago."""
    text = text.strip()
    try:
        return (now or utcnow()) - parse_duration(text)
    except ValueError:
        pass
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        return ensure_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        raise ValueError(
            f"not a date or age: {text!r} (write e.g. 2024-05-31, 2024-05-31T09:04, 7d, 12h)"
        ) from None


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
