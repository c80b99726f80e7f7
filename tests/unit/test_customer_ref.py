"""A customer reference is a name plus the detail that tells namesakes apart."""

from __future__ import annotations

import pytest

from bot.domain.followup import customer_name, has_detail


@pytest.mark.parametrize(
    ("ref", "name", "detail"),
    [
        ("张女士", "张女士", False),
        ("张女士-8812", "张女士", True),
        ("张女士8812", "张女士", True),
        ("张女士（淘宝:zz88）", "张女士", True),
        ("张女士@zz88", "张女士", True),
        ("8812", "8812", False),
    ],
)
def test_the_name_is_what_comes_before_a_phone_tail_or_nickname(
    ref: str, name: str, detail: bool
) -> None:
    assert customer_name(ref) == name
    assert has_detail(ref) is detail
