"""Dataclasses written as stored documents and read back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from bot.domain.records import from_doc, to_doc

SHANGHAI = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class _Leave:
    day: date
    at: datetime
    ended: datetime | None = None


def test_moments_are_stored_as_utc_text_and_days_as_iso_dates_in_field_order() -> None:
    leave = _Leave(date(2026, 11, 24), datetime(2026, 11, 24, 9, 30, tzinfo=SHANGHAI))
    assert list(to_doc(leave).items()) == [
        ("day", "2026-11-24"),
        ("at", "2026-11-24T01:30:00+00:00"),
        ("ended", None),
    ]


def test_a_stored_document_reads_back_as_the_same_record() -> None:
    ended = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    leave = _Leave(date(2026, 11, 24), datetime(2026, 11, 24, 1, 30, tzinfo=UTC), ended)
    assert from_doc(_Leave, to_doc(leave)) == leave


def test_reading_ignores_keys_that_are_not_fields_and_keeps_defaults_of_missing_ones() -> None:
    doc = {"type": "leave", "day": "2026-11-24", "at": "2026-11-24T01:30:00+00:00"}
    leave = from_doc(_Leave, doc)
    assert leave == _Leave(date(2026, 11, 24), datetime(2026, 11, 24, 1, 30, tzinfo=UTC))
