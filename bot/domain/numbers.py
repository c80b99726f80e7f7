"""Numbers as users type them: ASCII or full-width digits, nothing else.

``str.isdigit()`` accepts superscripts and circled digits (², ①) that ``int()`` refuses, and
``int()`` accepts signs, spaces and underscores; every command reads its numbers here
instead, so all accept the same forms and refuse the rest in Chinese.
"""

from __future__ import annotations

import re

from bot.domain.errors import UserError

_FULL_WIDTH = str.maketrans(
    "０１２３４５６７８９＃－：／．", "0123456789#-:/."
)  # what a Chinese keyboard in full-width mode types
_DIGITS = re.compile(r"^[0-9]+$")
# Characters that take no room on screen: text made only of them (and spaces) is empty.
_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2028-\u202f\u2060-\u206f\ufeff\u180e\u3164\u115f]+")


def half_width(text: str) -> str:
    """Return ``text`` with full-width digits and ``＃－：／．`` as their ASCII forms."""
    return text.translate(_FULL_WIDTH)


def read_number(text: str, max_digits: int = 9) -> int | None:
    """Return the whole number ``text`` is (ASCII or full-width digits only), else None."""
    cleaned = half_width(text.strip())
    if not _DIGITS.match(cleaned) or len(cleaned) > max_digits:
        return None
    return int(cleaned)


def parse_number(text: str, what: str, example: str, max_digits: int = 9) -> int:
    """Return the number ``text`` is; raise UserError naming ``what`` and an example."""
    number = read_number(text, max_digits)
    if number is None:
        raise UserError(f"{what}应为数字（如 {example}），收到「{text.strip()[:20]}」。")
    return number


def is_blank(text: str) -> bool:
    """Whether ``text`` shows nothing: empty, spaces or zero-width characters only."""
    return not _INVISIBLE.sub("", text)
