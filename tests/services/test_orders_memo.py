"""The memo limit counts dunning notes too, and a refusal says which part takes the space."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.errors import UserError
from bot.domain.orders import utf8_bytes
from tests.services.test_orders import LI, NOW, ZHANG, book_at

ORDER = "1" * 18


def test_a_dunning_note_that_would_push_the_memo_over_the_limit_is_refused(
    tmp_path: Path,
) -> None:
    book = book_at(tmp_path, max_bytes={"taobao": 120})
    book.write_remark(
        ORDER, "客户要求仔细包装", author=ZHANG, seller=ZHANG, at=NOW, platform="taobao"
    )
    book.record_dunning(ORDER, "未接电话", LI, NOW, platform="taobao")
    with pytest.raises(UserError) as caught:
        book.record_dunning(ORDER, "已付款", LI, NOW + timedelta(hours=1), platform="taobao")
    text = str(caught.value)
    assert "超过淘宝备注上限 120 字节" in text
    head = utf8_bytes("1号客服、客户要求仔细包装")
    assert f"备注正文 {head} 字节，催付记录 2 条" in text
    order = book.get(ORDER)
    assert order is not None and len(order.dunning) == 1
    assert utf8_bytes(order.memo(book.tz)) <= 120


def test_a_refused_remark_names_the_dunning_notes_that_take_the_space(tmp_path: Path) -> None:
    book = book_at(tmp_path, max_bytes={"taobao": 120})
    for minutes in (0, 30):
        book.record_dunning(ORDER, "未接电话", LI, NOW + timedelta(minutes=minutes), "taobao")
    with pytest.raises(UserError) as caught:
        book.write_remark(
            ORDER, "客户要求仔细包装再发", author=ZHANG, seller=ZHANG, at=NOW, platform="taobao"
        )
    head = utf8_bytes("1号客服、客户要求仔细包装再发")
    assert f"备注正文 {head} 字节，催付记录 2 条共" in str(caught.value)
