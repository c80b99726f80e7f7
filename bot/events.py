"""A small in-process event bus, so features react to each other without importing each other.

Events in use (name: keyword arguments):
- ``checkin.recorded``: member (Member), occurrence (ShiftOccurrence), at (datetime)
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

Listener = Callable[..., Awaitable[None]]


class Events:
    """Listeners by event name; one failing listener does not stop the others."""

    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = defaultdict(list)

    def on(self, name: str, listener: Listener) -> None:
        """Call ``listener(**data)`` whenever ``name`` is emitted."""
        self._listeners[name].append(listener)

    async def emit(self, name: str, **data: Any) -> None:
        """Call every listener of ``name``; log and skip a listener that fails."""
        for listener in self._listeners.get(name, []):
            try:
                await listener(**data)
            except Exception:
                log.exception("listener %r of event %s failed", listener, name)
