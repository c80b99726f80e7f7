"""Editing scripts through the bot: an admin's .j2 upload and /script_reload."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config.scripts import PROJECT_ROOT
from tests.harness import Harness, example_raw

MIME = "text/plain"
NEW_CLOSING = (
    "{#\n标题: 电话结束语\n分类: 电话\n关键词: 再见\n#}\n感谢您的来电，祝您购物愉快，再见！\n"
)
OLD_CLOSING = "祝您购物愉快，再见！"


@pytest.fixture
async def editable(tmp_path: Path) -> AsyncIterator[Harness]:
    """The demo team over a copy of the catalogue, so uploads never touch the real folder."""
    folder = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "scripts_templates", folder)
    raw = example_raw()
    raw["scripts"]["folder"] = str(folder)
    async with Harness(tmp_path / "data", raw=raw) as harness:
        yield harness
        harness.assert_clean()


def folder_of(bot: Harness) -> Path:
    return bot.svc.settings.scripts.folder


async def upload(bot: Harness, who: str, source: str, name: str, caption: str | None = None):
    return await bot.send(
        who, caption, private=True, document=(source.encode("utf-8"), name, MIME)
    )


async def test_admin_replaces_a_script_live_and_the_old_one_is_backed_up(
    editable: Harness,
) -> None:
    bot = editable
    [text] = bot.texts(await upload(bot, "90", NEW_CLOSING, "closing.j2"))
    assert text.startswith("已替换话术「电话结束语」（phone/closing），已立即生效。")
    assert "旧版本已备份为 script_backups/phone/closing.20261123-083000.j2" in text
    backup = bot.svc.store.root / "script_backups/phone/closing.20261123-083000.j2"
    assert OLD_CLOSING in backup.read_text(encoding="utf-8")
    assert (folder_of(bot) / "phone/closing.j2").read_text(encoding="utf-8") == NEW_CLOSING
    assert bot.texts(await bot.send("1", "/script phone/closing")) == [
        "感谢您的来电，祝您购物愉快，再见！"
    ]


async def test_admin_adds_a_new_script_named_in_the_caption(editable: Harness) -> None:
    bot = editable
    source = (
        "{#\n标题: 节日问候\n分类: 欢迎语\n关键词: 节日\n"
        "变量 festival: 节日 | 必填 | 示例=春节\n#}\n"
        "{{ greeting }}，{{ festival }}快乐！{{ shop }}祝您万事如意。"
    )
    [text] = bot.texts(await upload(bot, "90", source, "x.j2", "/script_upload greeting/festival"))
    assert text.startswith("已新增话术「节日问候」（greeting/festival），已立即生效。")
    assert bot.texts(await bot.send("1", "/script 节日 festival=元旦")) == [
        "早上好，元旦快乐！梦想家床垫旗舰店祝您万事如意。"
    ]


async def test_upload_with_a_syntax_error_is_refused_and_the_old_one_stays(
    editable: Harness,
) -> None:
    bot = editable
    broken = "{#\n标题: 电话结束语\n分类: 电话\n#}\n祝您购物愉快{% if %}"
    [text] = bot.texts(await upload(bot, "90", broken, "closing.j2"))
    assert text.startswith("模板 phone/closing 有问题，原来的版本保持不变。")
    assert "上传/phone/closing.j2:5: 模板语法错误" in text
    assert bot.texts(await bot.send("1", "/script phone/closing")) == [OLD_CLOSING]
    assert not (bot.svc.store.root / "script_backups").exists()


async def test_upload_reaching_python_internals_is_refused(editable: Harness) -> None:
    bot = editable
    for body in ("{{ shop.__class__ }}", "{{ greeting.__init__.__globals__ }}"):
        source = f"{{#\n标题: 电话结束语\n分类: 电话\n#}}\n{body}"
        [text] = bot.texts(await upload(bot, "90", source, "closing.j2"))
        assert "禁止访问内部属性" in text and "原来的版本保持不变" in text
    assert bot.texts(await bot.send("1", "/script phone/closing")) == [OLD_CLOSING]


async def test_upload_from_a_non_admin_is_refused(editable: Harness) -> None:
    bot = editable
    [text] = bot.texts(await upload(bot, "80", NEW_CLOSING, "closing.j2"))
    assert text == "需要主管权限才能上传话术模板，模板未保存。"
    [text] = bot.texts(await upload(bot, "1", NEW_CLOSING, "closing.j2", "/script_upload"))
    assert text == "需要主管权限才能使用 /script_upload。"
    assert bot.texts(await bot.send("1", "/script phone/closing")) == [OLD_CLOSING]


async def test_upload_in_the_group_or_without_a_known_name_is_explained(
    editable: Harness,
) -> None:
    bot = editable
    calls = await bot.send("90", None, document=(NEW_CLOSING.encode(), "closing.j2", MIME))
    assert bot.texts(calls) == ["请私聊机器人发送话术模板文件（仅主管可上传）。"]
    [text] = bot.texts(await upload(bot, "90", NEW_CLOSING, "brandnew.j2"))
    assert text.startswith(
        "没有名为 brandnew 的话术，新增时请在文件说明里写上 分类文件夹/文件名。"
    )
    [text] = bot.texts(await upload(bot, "90", NEW_CLOSING, "a.j2", "Phone/Closing!"))
    assert text.startswith("说明里的名称 'Phone/Closing!' 不对")
    [text] = bot.texts(await bot.send("90", "/script_upload", private=True))
    assert text.startswith("上传话术模板（仅主管）：把 .j2 文件以“文件”形式私聊发给我")


async def test_upload_that_is_not_utf8_is_refused(editable: Harness) -> None:
    bot = editable
    calls = await bot.send(
        "90", None, private=True, document=(NEW_CLOSING.encode("gbk"), "closing.j2", MIME)
    )
    assert bot.texts(calls) == ["文件不是 UTF-8 编码的文本，模板未保存。请用 UTF-8 保存后重发。"]


async def test_reload_refuses_a_broken_folder_then_picks_up_the_fix(editable: Harness) -> None:
    bot = editable
    broken = folder_of(bot) / "phone/transfer.j2"
    broken.write_text("{#\n标题: 转接\n分类: 电话\n#}\n请稍等{{ ", encoding="utf-8")
    [text] = bot.texts(await bot.send("90", "/script_reload"))
    assert text.startswith("话术模板有 1 处问题，未重新加载，仍使用原来的话术：")
    assert "templates/phone/transfer.j2:5: 模板语法错误" in text
    assert bot.texts(await bot.send("1", "/script 转接"))[0].startswith("没有找到")
    broken.write_text("{#\n标题: 转接\n分类: 电话\n#}\n请稍等，我帮您转接。", encoding="utf-8")
    [text] = bot.texts(await bot.send("90", "/script_reload"))
    assert text == "已重新加载 48 条话术（新增 phone/transfer）。"
    assert bot.texts(await bot.send("1", "/script 转接")) == ["请稍等，我帮您转接。"]
    assert bot.texts(await bot.send("80", "/script_reload")) == [
        "需要主管权限才能使用 /script_reload。"
    ]


async def test_a_script_longer_than_telegrams_limit_arrives_in_several_messages(
    editable: Harness,
) -> None:
    bot = editable
    source = (
        "{#\n标题: 长话术\n分类: 电话\n#}\n"
        "{% for i in range(400) %}\n第{{ i + 1 }}条：亲，感谢您的耐心等待。\n{% endfor %}"
    )
    await upload(bot, "90", source, "x.j2", "phone/long")
    calls = [c for c in await bot.send("1", "/script phone/long") if c.method == "sendMessage"]
    assert len(calls) == 2 and all(len(c.text) <= 4096 for c in calls)
    assert calls[0].text.startswith("第1条：") and calls[1].text.endswith(
        "第400条：亲，感谢您的耐心等待。"
    )


async def test_other_features_render_follow_up_scripts_through_the_service(
    editable: Harness,
) -> None:
    scripts = editable.svc.scripts
    assert {"followup/visit1", "followup/visit2", "followup/visit3", "dunning/opening"} <= set(
        scripts.names()
    )
    text = scripts.render("followup/visit3", {"customer": "王女士", "concern": "太软"}, None)
    assert text.startswith("王女士您好，之前您咨询过我们的床垫，请问您已经购买了吗？")


async def test_an_upload_that_would_freeze_the_bot_is_refused_with_the_reason(
    editable: Harness,
) -> None:
    bot = editable
    source = "{#\n标题: 算力\n分类: 电话\n#}\n{{ 7**(10**7) }}{{ 'a'*10**9 }}"
    [text] = bot.texts(await upload(bot, "90", source, "x.j2", "phone/heavy"))
    assert text.startswith("模板 phone/heavy 有问题，没有保存。")
    assert "模板超出限制：模板里的乘方结果过大" in text
    assert not (folder_of(bot) / "phone" / "heavy.j2").exists()
