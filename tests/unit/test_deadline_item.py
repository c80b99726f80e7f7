"""How a deadline item ends is named in Chinese wherever reports show it."""

from __future__ import annotations

import pytest

from bot.domain.deadline_item import CLOSING_WORDS, closing_word


def test_every_way_an_item_ends_has_chinese_words_and_an_unnamed_one_is_refused() -> None:
    assert all(word and not word.isascii() for word in CLOSING_WORDS.values())
    assert closing_word("given_up") == "买家不要了" and closing_word("lost") == "客户流失"
    with pytest.raises(ValueError):
        closing_word("cancelled")
