"""Bad input over every command in /help: a Chinese answer, no apology, nothing changed.

Each row is typed by the admin (or a stranger, for /join) in the team chat. The data folder's
files are compared byte for byte before and after, and every text the bot sends is checked
for an apology with an error code and for English or Python text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.harness import Harness

STRANGER = 555001
ZW = "\u200b\u200c\u200d\ufeff"  # zero-width characters only
LONG_NAME = "李" * 5000

BAD_INPUTS: list[tuple[str | int, str]] = [
    (STRANGER, "/join ² 名字"),
    (STRANGER, "/join ① 名字"),
    (STRANGER, "/join -3 名字"),
    (STRANGER, f"/join 7 {ZW}"),
    (STRANGER, "/join 99999999 王"),
    ("90", "/role ² lead"),
    ("90", "/role ① admin"),
    ("90", "/role 1 boss"),
    ("90", "/remove ①"),
    ("90", "/remove ²"),
    ("90", "/remove -1"),
    ("90", "/checkin"),
    ("90", "/duty 9999-12-31"),
    ("90", "/duty ²"),
    ("90", "/duty undo ² 11-23"),
    ("90", "/duty undo 1 9999-12-31"),
    ("90", "/off ² 2026-11-25"),
    ("90", "/off 1 9999-12-31"),
    ("90", "/off 1 2026-02-30"),
    ("90", "/off 1 ²"),
    ("90", "/swap 1 5 9999-12-31"),
    ("90", "/swap 1 5 2099-12-31"),
    ("90", "/swap ² 5 11-24"),
    ("90", "/swap 1 ① 11-24"),
    ("90", "/shift ² day"),
    ("90", "/shift 1 没有这个班"),
    ("90", "/shift 1 day 周八"),
    ("90", "/shift 1 day ²"),
    ("90", "/shift"),
    ("90", "/dunrate 9999-12"),
    ("90", "/dunrate ²"),
    ("90", "/status 多余"),
    ("90", "/discount ask 123456789012 ² 100 客户要求"),
    ("90", "/discount gift -1 床笠"),
    ("90", "/discount 9999-12"),
    ("90", "/kpi 9999-12"),
    ("90", "/kpi set ² 服务 优"),
    ("90", "/kpi add 1 投诉 abc 客户投诉"),
    ("90", "/chart 饼图"),
    ("90", "/chart 出勤 9999-12"),
    ("90", "/export 2026-13"),
    ("90", "/export ²"),
    ("90", "/assign 不存在的账号 1"),
    ("90", "/assign 淘宝C店1 ²"),
    ("90", "/checkins 9999-12-31"),
    ("90", "/checkins ②"),
    ("90", "/attendance 9999-12"),
    ("90", "/attendance 2026-13"),
    ("90", "/attendance ²"),
    ("90", "/handover"),
    ("90", f"/handover {ZW}"),
    ("90", "/handover ack ²"),
    ("90", "/handover done ①"),
    ("90", "/交接 ack abc"),
    ("90", "/remark"),
    ("90", "/remark -123456789012 客户要求改地址"),
    ("90", f"/remark 123456789012 {ZW}"),
    ("90", "/order ²"),
    ("90", "/order -5"),
    ("90", "/remarks 9999-12-31"),
    ("90", "/remarks ²"),
    ("90", "/sales 9999-12"),
    ("90", "/sales 9999-12-31"),
    ("90", "/sales ²"),
    ("90", "/script 包邮 x"),
    ("90", "/unpaid -123456789012"),
    ("90", "/unpaid ²"),
    ("90", "/unpaid 123456789012 淘宝 25:99"),
    ("90", "/dunned ② 已联系"),
    ("90", "/paid -5"),
    ("90", "/paid ①"),
    ("90", "/prospect 李女士 顾虑 Z"),
    ("90", f"/prospect {LONG_NAME} 顾虑"),
    ("90", f"/prospect {ZW} 顾虑"),
    ("90", "/visit ²"),
    ("90", "/replied ²"),
    ("90", "/bought ①"),
    ("90", "/lost ②"),
    ("90", "/ticket 火星 123"),
    ("90", "/ticket 淘宝 ②"),
    ("90", "/shipped -1"),
    ("90", "/done ²"),
    ("90", "/done ①"),
    ("90", "/done -3"),
    ("90", "/reassign ² 1"),
    ("90", "/reassign 1 ²"),
    ("90", "/due someday"),
    ("90", "/overdue ²"),
    ("90", "/overdue 9999"),
    ("90", "/overdue 1 2"),
]

_ENGLISH = re.compile(r"[A-Za-z]{2,}[ ,.:'!?]+[A-Za-z]{2,}")
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_PYTHON = ("invalid literal", "Traceback", "Error", "object has no attribute", "NoneType")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Return every file of the data folder with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def english(text: str) -> list[str]:
    """Return the lines of ``text`` written in English (or Python) instead of Chinese."""
    found = [line for line in text.splitlines() if any(p in line for p in _PYTHON)]
    found += [
        line for line in text.splitlines() if _ENGLISH.search(line) and not _CJK.search(line)
    ]
    return found


@pytest.mark.parametrize(("who", "text"), BAD_INPUTS, ids=[t[:30] for _, t in BAD_INPUTS])
async def test_bad_input_gets_a_chinese_answer_and_changes_nothing(
    bot: Harness, who: str | int, text: str
) -> None:
    await bot.svc.scheduler.run_due()
    before = snapshot(bot.data_dir)
    calls = await bot.send(who, text)
    texts = [str(c.params.get("text", "")) for c in calls]
    assert texts, "no answer at all"
    for said in texts:
        assert "错误码" not in said, said
        assert english(said) == [], said
        assert _CJK.search(said), said
    assert snapshot(bot.data_dir) == before
    bot.assert_clean()


NO_ARGUMENTS = {"start", "help", "team", "cancel", "script_upload", "script_reload", "mine"}


async def test_the_table_has_rows_for_every_command_in_help_that_takes_arguments(
    bot: Harness,
) -> None:
    specs = [s for _, listed in bot.app.bot_data["help_sections"] for s in listed]
    named = {trigger: spec.name for spec in specs for trigger in spec.triggers}
    typed = {named[t.split()[0].lstrip("/")] for _, t in BAD_INPUTS}
    assert {s.name for s in specs} - NO_ARGUMENTS <= typed
