"""Text helpers shared by every feature: Telegram's length limit and masking of customer data."""

from __future__ import annotations

import re

TELEGRAM_LIMIT = 4096
# Telegram may already have shown it: a crash between sending and recording, or a timeout.
UNCONFIRMED = "（可能重复：上次发送未能确认送达）"

_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)(\d{3,4})(\d{4})(?!\d)")


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split ``text`` into chunks under ``limit``, at blank lines, then lines, then anywhere."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""
    for block in _pieces(text, limit):
        candidate = f"{current}\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = block
    if current:
        chunks.append(current)
    return chunks


def _pieces(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    for line in text.split("\n"):
        while len(line) > limit:
            pieces.append(line[:limit])
            line = line[limit:]
        pieces.append(line)
    return pieces


def unconfirmed(text: str) -> str:
    """Return a message sent again after an unconfirmed try, marked as a possible repeat."""
    return f"{text}\n{UNCONFIRMED}" if "\n" in text else f"{text}{UNCONFIRMED}"


def mask_phones(text: str) -> str:
    """Hide the middle of phone numbers: ``13812345678`` → ``138****5678``."""
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
