"""Flat dataclasses as stored documents and back: moments as UTC ISO text, days as ISO dates."""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import date, datetime
from functools import cache
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

from bot.domain.times import iso, parse_iso

T = TypeVar("T")

_READERS: dict[type, Callable[[str], Any]] = {datetime: parse_iso, date: date.fromisoformat}


def to_doc(record: Any) -> dict[str, Any]:
    """Return a dataclass's fields in order, moments and days written as ISO text."""
    doc: dict[str, Any] = {}
    for f in fields(record):
        value = getattr(record, f.name)
        if isinstance(value, datetime):  # before date: a datetime is a date too
            value = iso(value)
        elif isinstance(value, date):
            value = value.isoformat()
        doc[f.name] = value
    return doc


def from_doc(cls: type[T], doc: Mapping[str, Any]) -> T:
    """Build ``cls`` from a stored document, reading moments and days back from ISO text."""
    values: dict[str, Any] = {}
    for name, reader in _readers(cls):
        if name in doc:
            value = doc[name]
            values[name] = reader(value) if reader is not None and value is not None else value
    return cls(**values)


@cache
def _readers(cls: type) -> tuple[tuple[str, Callable[[str], Any] | None], ...]:
    """Return each field of ``cls`` with the reader its type needs (None: stored as is)."""
    hints = get_type_hints(cls)
    return tuple((f.name, _reader(hints[f.name])) for f in fields(cls))


def _reader(hint: Any) -> Callable[[str], Any] | None:
    """Return the reader of a field type, looking inside ``X | None``."""
    if get_origin(hint) in (Union, types.UnionType):
        readers = [r for arg in get_args(hint) if (r := _reader(arg)) is not None]
        return readers[0] if readers else None
    return _READERS.get(hint)
