"""Check-in rules (挂号截图): which shift a check-in belongs to, on time or late, KPI points."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

import numpy as np

from bot.domain.errors import UserError
from bot.domain.members import Member
from bot.domain.shifts import Shift, ShiftOccurrence, occurrence_at


class Status(Enum):
    """How a check-in stands against the roster and the deadline."""

    ON_TIME = "on_time"
    LATE = "late"
    OFF_ROSTER = "off_roster"


@dataclass(frozen=True)
class Placement:
    """The shift occurrence a check-in counts for, and how it stands."""

    occurrence: ShiftOccurrence
    status: Status
    late_minutes: int = 0

    def label(self) -> str:
        """Return 准时 / 迟到 N 分钟 / 非排班."""
        return status_label(self.status, self.late_minutes)


def status_label(status: Status, late_minutes: int) -> str:
    """Return the Chinese word of a status."""
    if status is Status.LATE:
        return f"迟到 {late_minutes} 分钟"
    return "准时" if status is Status.ON_TIME else "非排班"


def late_minutes(moment: datetime, deadline: datetime) -> int:
    """Return whole minutes after the deadline, rounded up (08:50:01 is 1 minute late)."""
    return max(0, math.ceil((moment - deadline).total_seconds() / 60))


def place_checkin(
    shifts: tuple[Shift, ...],
    rostered: Callable[[date], str | None],
    moment: datetime,
    tz: ZoneInfo,
    early: timedelta,
) -> Placement:
    """Return the shift a check-in at ``moment`` counts for; raise UserError outside every shift.

    ``rostered(day)`` is the shift key the member works on ``day``. The member's own shift
    wins over whatever else runs then: a day agent checking in at 16:40 is late for the day
    shift, not early for the night shift; a night agent at 00:10 belongs to the night shift
    that started yesterday. Someone not rostered then is placed in the shift running at that
    moment and flagged 非排班.
    """
    local = moment.astimezone(tz)
    own = occurrence_at(shifts, local, tz, early, shift_on=rostered)
    if own is not None:
        deadline = own.deadline(tz)
        if local <= deadline:
            return Placement(own, Status.ON_TIME)
        return Placement(own, Status.LATE, late_minutes(local, deadline))
    occurrence = occurrence_at(shifts, local, tz, early)
    if occurrence is None:
        raise UserError(
            f"现在（{local:%H:%M}）不在任何班次时间内，无法挂号。"
            f"最早可在上班前 {int(early.total_seconds() // 60)} 分钟挂号。"
        )
    return Placement(occurrence, Status.OFF_ROSTER)


def attendance_score(
    late: int,
    leave: int,
    absent: int,
    points: int,
    late_cost: int,
    leave_cost: int,
    absent_cost: int,
) -> int:
    """Return the KPI attendance points: the full score minus penalties, never below 0."""
    return max(0, points - late * late_cost - leave * leave_cost - absent * absent_cost)


def hamming(a: str, b: str) -> int:
    """Return how many bits differ between two hex hashes of the same length."""
    if len(a) != len(b):
        return max(len(a), len(b)) * 4
    return bin(int(a, 16) ^ int(b, 16)).count("1")


WEEKDAYS = "一二三四五六日"


def fmt_day(day: date) -> str:
    """Return e.g. ``11月24日（周二）``."""
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


def split_names(text: str) -> list[str]:
    """Split a list of account names written with spaces, commas or 、."""
    return [p for p in re.split(r"[\s,，、;；]+", text) if p]


@dataclass
class Image:
    """One screenshot of a check-in."""

    file_id: str
    unique_id: str
    at: datetime
    phash: str | None = None
    path: str | None = None  # archived copy, relative to the data folder
    problem: str | None = None  # why it could not be downloaded or hashed
    clock: str | None = None  # the screen's clock as read (ScreenClock.to_text), once read


@dataclass
class Checkin:
    """One member's check-in for one shift occurrence (a second one updates it)."""

    day: date
    shift: str
    work_no: str
    name: str
    at: datetime
    status: Status
    late_minutes: int = 0
    accounts: tuple[str, ...] = ()
    images: list[Image] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # what each suspected reuse matches
    notes: list[str] = field(
        default_factory=list
    )  # what reading the screenshots found for the lead

    @property
    def label(self) -> str:
        """Return 准时 / 迟到 N 分钟 / 非排班."""
        return status_label(self.status, self.late_minutes)

    @property
    def who(self) -> str:
        """Return e.g. ``1号 张三``, as the record names its member (who may have left since)."""
        return f"{self.work_no}号 {self.name}"


@dataclass(frozen=True)
class Recorded:
    """A check-in just stored, with the screenshot that came with it."""

    member: Member
    checkin: Checkin
    occurrence: ShiftOccurrence
    image: Image
    updated: bool  # a later check-in of the same shift: the first one's time and status stand


@dataclass(frozen=True)
class Match:
    """An earlier check-in image that a new screenshot looks like."""

    work_no: str
    name: str
    day: date
    shift: str
    how: str  # "同一文件" or "图像相似"
    clock: str | None = None  # the earlier screenshot's clock as read, if it was read


HASH_DIGITS = 64  # hex digits of a 256-bit difference hash (bot/screenshots.py)
_WORDS = HASH_DIGITS // 16  # 64-bit words per hash

Owner = tuple[date, str, str]  # (day, shift key, 工号): one member's check-in for one shift


@dataclass(frozen=True)
class _Seen:
    """One indexed screenshot and whose check-in it belonged to."""

    owner: Owner
    name: str
    unique_id: str

    def match(self, how: str, clock: str | None) -> Match:
        return Match(self.owner[2], self.name, self.owner[0], self.owner[1], how, clock)


def _words(value: int) -> np.ndarray:
    """Return a HASH_DIGITS-wide hash as its 64-bit words, lowest first."""
    return np.array([(value >> (64 * k)) & 0xFFFFFFFFFFFFFFFF for k in range(_WORDS)], np.uint64)


class ReuseIndex:
    """Every earlier check-in screenshot by file id and perceptual hash, kept in memory.

    Built once from the stored history and fed each new check-in, so spotting a reused
    screenshot reads no file; the answer is what a scan of the whole history would give.
    """

    def __init__(self) -> None:
        self._keys: set[tuple[Owner, str]] = set()
        self._by_unique: dict[str, list[_Seen]] = {}
        # (hex, the same as an integer so comparing is one XOR, whose): the first of equal
        # distances wins, as in a scan of the history in order
        self._hashed: list[tuple[str, int, _Seen]] = []
        # read after the image was indexed: the reading finishes seconds after the check-in
        self._clocks: dict[tuple[Owner, str], str] = {}
        # the HASH_DIGITS-wide hashes as rows of 64-bit words (the first ``_count`` rows) and
        # each one's place in ``_hashed``; hashes of other widths only add their width here
        self._values = np.zeros((0, _WORDS), dtype=np.uint64)
        self._positions: list[int] = []
        self._count = 0
        self._widths: set[int] = {HASH_DIGITS}

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, checkin: Checkin) -> None:
        """Index the screenshots of ``checkin`` that are not indexed yet."""
        owner = (checkin.day, checkin.shift, checkin.work_no)
        for image in checkin.images:
            if image.clock is not None:
                self._clocks.setdefault((owner, image.unique_id), image.clock)
            if (owner, image.unique_id) in self._keys:
                continue
            self._keys.add((owner, image.unique_id))
            seen = _Seen(owner, checkin.name, image.unique_id)
            self._by_unique.setdefault(image.unique_id, []).append(seen)
            if image.phash is not None:
                self._add_hash(image.phash, seen)

    def find(self, image: Image, owner: Owner, max_distance: int) -> Match | None:
        """Return the earlier check-in, not ``owner``'s own, whose image is ``image`` or alike."""
        for seen in self._by_unique.get(image.unique_id, ()):
            if seen.owner != owner:
                return seen.match("同一文件", self._clock(seen))
        if image.phash is None:
            return None
        target, width = int(image.phash, 16), len(image.phash)
        best: tuple[int, _Seen] | None = None
        for position in self._near(target, width, max_distance):
            phash, value, seen = self._hashed[position]
            if seen.owner == owner:
                continue
            if len(phash) == width:
                distance = (value ^ target).bit_count()
            else:
                distance = hamming(image.phash, phash)
            if distance <= max_distance and (best is None or distance < best[0]):
                best = (distance, seen)
        return None if best is None else best[1].match("图像相似", self._clock(best[1]))

    def _near(self, target: int, width: int, max_distance: int) -> Iterable[int]:
        """Return the positions, in history order, of the hashes that may be close enough.

        Hashes of HASH_DIGITS (what ``difference_hash`` makes) are compared all at once with
        numpy, a few microseconds per thousand, so a look-up stays well under a millisecond
        per ten thousand screenshots;
        any other width, or a distance that hashes of another width could be within (they
        count as max(widths) * 4 bits apart), falls back to checking every hash.
        """
        if width != HASH_DIGITS or any(max(w, width) * 4 <= max_distance for w in self._widths):
            return range(len(self._hashed))
        values = self._values[: self._count]
        distances = np.bitwise_count(values ^ _words(target)).sum(axis=1, dtype=np.int64)
        close = distances <= max_distance
        return [self._positions[i] for i in np.flatnonzero(close).tolist()]

    def _add_hash(self, phash: str, seen: _Seen) -> None:
        """Append a hash to the history, and to the array if it is HASH_DIGITS wide."""
        value = int(phash, 16)
        if len(phash) == HASH_DIGITS:
            if self._count == len(self._values):  # grow by doubling: appends stay cheap
                grown = np.zeros((max(1024, 2 * self._count), _WORDS), dtype=np.uint64)
                grown[: self._count] = self._values
                self._values = grown
            self._values[self._count] = _words(value)
            self._positions.append(len(self._hashed))
            self._count += 1
        else:
            self._widths.add(len(phash))
        self._hashed.append((phash, value, seen))

    def _clock(self, seen: _Seen) -> str | None:
        return self._clocks.get((seen.owner, seen.unique_id))
