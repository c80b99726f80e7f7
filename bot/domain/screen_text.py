"""The words of screen reading: OCR lines, the clock and accounts a screenshot shows (pure)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, time
from enum import Enum

Box = tuple[float, float, float, float]  # left, top, right, bottom in image pixels


@dataclass(frozen=True)
class TextLine:
    """One line of text the OCR found, where it is, and how sure it is."""

    text: str
    box: Box
    score: float = 1.0

    @property
    def height(self) -> float:
        """Return the line's height in pixels (at least 1)."""
        return max(1.0, self.box[3] - self.box[1])

    @property
    def middle(self) -> float:
        """Return the vertical centre of the line."""
        return (self.box[1] + self.box[3]) / 2


class Presence(Enum):
    """An account's state as its chat tool shows it."""

    ONLINE = "online"
    AWAY = "away"  # 挂起, 离开, 忙碌: logged in but not taking chats
    OFFLINE = "offline"
    UNKNOWN = "unknown"  # no state word next to the account


# Checked in this order, so 不在线 is offline and not online.
PRESENCE_WORDS: tuple[tuple[Presence, tuple[str, ...]], ...] = (
    (Presence.OFFLINE, ("不在线", "未登录", "已退出", "离线", "隐身", "offline")),
    (Presence.AWAY, ("挂起", "暂离", "离开", "忙碌", "勿扰", "away", "busy")),
    (Presence.ONLINE, ("在线", "已登录", "接待中", "online")),
)


@dataclass(frozen=True)
class ScreenClock:
    """The computer's clock in a screenshot: the minute it shows and the date, when shown."""

    at: time
    day: date | None = None

    def to_text(self) -> str:
        """Return ``2026-11-24 08:44`` or ``08:44``, the form stored with an image."""
        clock = f"{self.at:%H:%M}"
        return f"{self.day.isoformat()} {clock}" if self.day else clock

    @classmethod
    def from_text(cls, text: str) -> ScreenClock:
        """Return the clock stored by ``to_text``; raise ValueError on anything else."""
        day_text, _, clock = text.strip().rpartition(" ")
        hour, minute = (int(p) for p in clock.split(":"))
        return cls(time(hour, minute), date.fromisoformat(day_text) if day_text else None)


@dataclass(frozen=True)
class SeenAccount:
    """An account found on the screen and the state shown beside it."""

    account: str
    presence: Presence
    word: str = ""  # the state word as shown (挂起), empty when none was found
    text: str = ""  # the screen text that named the account


def normalize(text: str) -> str:
    """Return text as compared with account names: NFKC, lower case, letters and digits only."""
    plain = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in plain if unicodedata.category(ch)[0] in "LN")


def presence_of(text: str) -> tuple[Presence, str] | None:
    """Return the state a text names (离线, 挂起, 在线…) and the word, or None."""
    plain = normalize(text)
    for presence, words in PRESENCE_WORDS:
        for word in words:
            if word in plain:
                return presence, word
    return None
