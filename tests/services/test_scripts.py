"""The scripts service without an Application: lookup, the fill-in, uploads and reloads."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.config.scripts import PROJECT_ROOT, ScriptsSettings
from bot.domain.errors import UserError
from bot.domain.members import Member
from bot.scripts import Script, ScriptBook, build_environment
from bot.services.messenger import Button
from bot.services.scripts import ScriptService, Step

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 8, 30, tzinfo=TZ)
AGENT = Member(user_id=100011, work_no="1", name="张三")
HERE = (100011, -1001)  # (user, chat)
SIZE = (
    "亲，因为每个品牌的码数可能会有略微的不一样，咱家28对应的就是L码，"
    "建议您看下咱家L码的详细数据，对照下合适与否。"
)
CLOSING = "{#\n标题: 电话结束语\n分类: 电话\n关键词: 再见\n#}\n感谢您的来电，再见！\n"


def service_at(tmp_path: Path) -> ScriptService:
    """Return the scripts service over a copy of the catalogue, with backups in the data root."""
    folder = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "scripts_templates", folder)
    settings = ScriptsSettings(folder=folder)
    data = tmp_path / "data"
    book = ScriptBook(
        build_environment(folder),
        settings,
        {"name": "梦想家床垫旗舰店"},
        ManualClock(NOW),
        TZ,
        backups=data / "script_backups",
    )
    assert book.load() == []
    return ScriptService(book, settings, data)


def size_script(scripts: ScriptService) -> Script:
    script = scripts.get("size/by_usual_size")
    assert script is not None
    return script


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ('尺码 note="周末', "引号没有配对"),
        ("usual_size=28", "请先写话术名称或关键词"),
        ("尺码 usual_size=", "变量 usual_size 的值不能为空"),
        ("火星快递", "没有找到与「火星快递」相关的话术"),
    ],
)
def test_a_lookup_that_names_nothing_usable_is_refused(
    tmp_path: Path, typed: str, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        service_at(tmp_path).lookup(typed)


def test_a_keyword_of_several_scripts_offers_a_menu_and_keeps_its_values_once(
    tmp_path: Path,
) -> None:
    scripts = service_at(tmp_path)
    found = scripts.lookup("尺码 our_size=L码")
    assert len(found.scripts) == 2 and found.values == {"our_size": "L码"}
    menu = scripts.choices(found)
    assert menu.text == "「尺码」对应 2 条话术，请选择："
    assert menu.keyboard[1] == [Button("按平时尺码推荐", "scripts:pick:size/by_usual_size")]
    scripts.keep_values(*HERE, 7, found.values)
    assert scripts.take_values(*HERE, 8) == {}  # another menu's values never fill this one
    assert scripts.take_values(*HERE, 7) == {"our_size": "L码"}
    assert scripts.take_values(*HERE, 7) == {}


def test_browsing_shows_categories_then_one_category_with_a_way_back(tmp_path: Path) -> None:
    scripts = service_at(tmp_path)
    categories = scripts.categories_menu()
    assert categories.text == "请选择话术分类："
    assert categories.keyboard[0] == [
        Button("欢迎语（2）", "scripts:cat:greeting"),
        Button("库存（3）", "scripts:cat:stock"),
    ]
    shipping = scripts.browse("scripts:cat:shipping")
    assert shipping is not None and shipping.text == "【物流】请选择话术："
    assert shipping.keyboard[-1] == [Button("« 返回分类", "scripts:cats")]
    assert scripts.browse("scripts:cats") == categories
    assert scripts.browse("scripts:cat:gone") is None


def test_missing_values_are_asked_one_by_one_then_the_script_is_finished(tmp_path: Path) -> None:
    scripts = service_at(tmp_path)
    first = scripts.start(HERE, size_script(scripts), {}, False, AGENT, NOW)
    assert first.asking and first.text.endswith("（1/2）请输入顾客平时穿的码数（例如：28）：")
    assert scripts.answer(HERE, "  ", AGENT, NOW) == Step("", asking=True)
    second = scripts.answer(HERE, "28", AGENT, NOW + timedelta(minutes=1))
    assert second == Step("（2/2）请输入咱家对应的尺码（例如：L码）：", asking=True)
    done = scripts.answer(HERE, "L码", AGENT, NOW + timedelta(minutes=2))
    assert done == Step(SIZE, finished=True)
    assert scripts.answer(HERE, "再来", AGENT, NOW) is None  # the fill-in is over


def test_typed_values_that_miss_some_name_them_instead_of_asking(tmp_path: Path) -> None:
    scripts = service_at(tmp_path)
    step = scripts.start(HERE, size_script(scripts), {"usual_size": "28"}, True, AGENT, NOW)
    assert not step.asking and "还缺少以下内容" in step.text
    assert "/script size/by_usual_size 顾客平时穿的码数=28 咱家对应的尺码=L码" in step.text
    assert scripts.answer(HERE, "L码", AGENT, NOW) is None
    with pytest.raises(UserError, match="没有变量 colour"):
        scripts.start(HERE, size_script(scripts), {"colour": "红"}, True, AGENT, NOW)


def test_a_fill_in_left_too_long_times_out_and_a_cancelled_one_is_gone(tmp_path: Path) -> None:
    scripts = service_at(tmp_path)
    scripts.start(HERE, size_script(scripts), {}, False, AGENT, NOW)
    late = scripts.answer(HERE, "28", AGENT, NOW + timedelta(minutes=11))
    assert late == Step(
        "填写话术「按平时尺码推荐」已超时，请重新发送 /script size/by_usual_size。"
    )
    scripts.start(HERE, size_script(scripts), {}, False, AGENT, NOW)
    scripts.cancel(HERE)
    assert scripts.answer(HERE, "28", AGENT, NOW) is None


def test_a_fill_in_belongs_to_one_member_in_one_chat(tmp_path: Path) -> None:
    scripts = service_at(tmp_path)
    scripts.start(HERE, size_script(scripts), {}, False, AGENT, NOW)
    assert scripts.answer((100011, 100011), "28", AGENT, NOW) is None
    assert scripts.answer((100012, -1001), "28", AGENT, NOW) is None
    assert scripts.answer(HERE, "28", AGENT, NOW) is not None


def test_inline_offers_rendered_scripts_and_says_what_others_still_need(tmp_path: Path) -> None:
    scripts = service_at(tmp_path)
    [other, offer] = scripts.inline("尺码", AGENT)
    assert other.title.startswith("⚠ 按身高体重推荐尺码")
    assert offer.title == "⚠ 按平时尺码推荐（需填写：顾客平时穿的码数、咱家对应的尺码）"
    assert "或在私聊里发送 /script size/by_usual_size" in offer.text
    [filled] = scripts.inline("按平时尺码推荐 usual_size=28 our_size=L码 half=", AGENT)
    assert filled.title == "按平时尺码推荐" and filled.text == SIZE
    assert filled.description == SIZE[:100]


@pytest.mark.parametrize(
    ("caption", "file_name", "size", "message"),
    [
        ("Bad Name", "x.j2", 10, "说明里的名称 'Bad Name' 不对"),
        ("", "nothing_like_it.j2", 10, "没有名为 nothing_like_it 的话术"),
        ("phone/closing", "x.j2", 70 * 1024, "文件过大（上限 64 KB），模板未保存。"),
    ],
)
def test_an_upload_with_no_clear_target_or_too_big_is_refused_before_downloading(
    tmp_path: Path, caption: str, file_name: str, size: int, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        service_at(tmp_path).upload_target(caption, file_name, size)


def test_an_upload_named_by_its_file_replaces_that_script_and_backs_up_the_old(
    tmp_path: Path,
) -> None:
    scripts = service_at(tmp_path)
    name = scripts.upload_target("", "closing.j2", len(CLOSING))
    assert name == "phone/closing"
    reply = scripts.install(name, CLOSING.encode("utf-8"))
    assert reply.startswith("已替换话术「电话结束语」（phone/closing），已立即生效。")
    assert "旧版本已备份为 script_backups/phone/closing.20261123-083000.j2" in reply
    assert scripts.render("phone/closing", {}, AGENT) == "感谢您的来电，再见！"


def test_a_broken_or_non_utf8_upload_changes_nothing(tmp_path: Path) -> None:
    scripts = service_at(tmp_path)
    before = scripts.render("phone/closing", {}, AGENT)
    with pytest.raises(UserError, match="不是 UTF-8"):
        scripts.install("phone/closing", "感谢".encode("gbk"))
    with pytest.raises(UserError, match="模板 phone/closing 有问题，原来的版本保持不变。"):
        scripts.install("phone/closing", b"no header")
    assert scripts.render("phone/closing", {}, AGENT) == before
    assert not (tmp_path / "data" / "script_backups").exists()


def test_reload_reports_problems_and_keeps_the_catalogue(tmp_path: Path) -> None:
    scripts = service_at(tmp_path)
    count = len(scripts.names())
    broken = tmp_path / "templates" / "phone" / "broken.j2"
    broken.write_text("no header", encoding="utf-8")
    reply = scripts.reload()
    assert reply.startswith("话术模板有 1 处问题，未重新加载，仍使用原来的话术：")
    assert len(scripts.names()) == count
    broken.unlink()
    (tmp_path / "templates" / "phone" / "closing.j2").unlink()
    assert scripts.reload() == f"已重新加载 {count - 1} 条话术（移除 phone/closing）。"
