"""Clock times written in settings and by users, and how moments are stored."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time

_HHMM = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")


def parse_hhmm(text: str) -> time:
    """Parse ``8:30`` / ``08:30`` / ``08：30`` into a time; raise ValueError otherwise."""
    match = _HHMM.match(text.strip())
    if not match:
        raise ValueError(f"时间格式应为 HH:MM（如 08:30），收到 {text!r}")
    return time(int(match.group(1)), int(match.group(2)))


def fmt_hhmm(value: time) -> str:
    """Format a time as HH:MM."""
    return f"{value.hour:02d}:{value.minute:02d}"


def iso(moment: datetime) -> str:
    """Return the UTC ISO string under which an aware moment is stored."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime cannot be stored")
    return moment.astimezone(UTC).isoformat()


def parse_iso(text: str) -> datetime:
    """Read back a stored ISO string as an aware datetime."""
    return datetime.fromisoformat(text)
