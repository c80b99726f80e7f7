"""The reply-script renderer: catalogue, greeting boundaries, validation and the sandbox."""

from __future__ import annotations

import shutil
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.config import ConfigError
from bot.config.reader import Section
from bot.config.scripts import PROJECT_ROOT, ScriptsSettings, parse
from bot.domain.errors import UserError
from bot.domain.members import Member
from bot.scripts import (
    ScriptBook,
    ScriptInvalid,
    build_environment,
    check_folder,
    greeting_for,
    parse_assignments,
)

TZ = ZoneInfo("Asia/Shanghai")
SHOP = {"name": "梦想家床垫旗舰店", "hotline": "400-800-1234"}
AGENT = Member(user_id=100011, work_no="1", name="张三")
HEADER = "{#\n标题: 测试\n分类: 测试\n变量 customer: 顾客称呼 | 必填 | 示例=王女士\n#}\n"


def make_book(
    folder: Path | None = None, at: str = "2026-11-23 08:30", promotion: str = ""
) -> ScriptBook:
    settings = ScriptsSettings(
        folder=folder or PROJECT_ROOT / "scripts_templates", promotion=promotion
    )
    clock = ManualClock(datetime.strptime(at, "%Y-%m-%d %H:%M").replace(tzinfo=TZ))
    book = ScriptBook(build_environment(settings.folder), settings, SHOP, clock, TZ)
    assert book.load() == []
    return book


def problems_of(book: ScriptBook, source: str, name: str = "test/one") -> list[str]:
    with pytest.raises(ScriptInvalid) as caught:
        book.validate(name, source, f"上传/{name}.j2")
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("clock", "word"),
    [
        ("04:59", "晚上好"),
        ("05:00", "早上好"),
        ("10:59", "早上好"),
        ("11:00", "中午好"),
        ("12:59", "中午好"),
        ("13:00", "下午好"),
        ("17:59", "下午好"),
        ("18:00", "晚上好"),
        ("23:59", "晚上好"),
        ("00:00", "晚上好"),
    ],
)
def test_greeting_word_changes_at_the_documented_boundaries(clock: str, word: str) -> None:
    assert greeting_for(time.fromisoformat(clock), ScriptsSettings()) == word


def test_greeting_in_a_rendered_script_follows_the_team_clock() -> None:
    assert make_book(at="2026-11-23 12:59").render("greeting/first_reply", {}, AGENT) == (
        "中午好，有什么可以为您效劳的？😊"
    )
    assert make_book(at="2026-11-23 13:00").render("greeting/first_reply", {}, AGENT) == (
        "下午好，有什么可以为您效劳的？😊"
    )


def test_the_whole_catalogue_passes_check_scripts() -> None:
    count, problems = check_folder(
        ScriptsSettings(), SHOP, ManualClock(datetime(2026, 11, 23, tzinfo=TZ)), TZ
    )
    assert problems == []
    assert count >= 30


def test_catalogue_has_the_names_and_variables_the_deadlines_feature_renders() -> None:
    book = make_book()
    for name in ("followup/visit1", "followup/visit2", "followup/visit3", "dunning/opening"):
        script = book.get(name)
        assert script is not None, name
        assert script.variable("customer").description == "顾客称呼"
    assert book.get("followup/visit1").variable("concern").required
    for name in ("followup/visit2", "followup/visit3"):
        text = book.render(name, {"customer": "王女士", "concern": "太硬"}, None)
        assert text.startswith("王女士您好")


def test_default_courier_script_reads_word_for_word() -> None:
    assert make_book().render("shipping/courier", {}, AGENT) == (
        "亲，咱家默认是发申通快递，如果申通到不了您那里，麻烦您告知我们使用何种快递，"
        "并根据实际情况补拍运费差价。"
    )


def test_size_script_fills_both_blanks() -> None:
    text = make_book().render("size/by_usual_size", {"usual_size": "28", "our_size": "L码"}, AGENT)
    assert text == (
        "亲，因为每个品牌的码数可能会有略微的不一样，咱家28对应的就是L码，"
        "建议您看下咱家L码的详细数据，对照下合适与否。"
    )


def test_first_follow_up_visit_addresses_the_customers_concern() -> None:
    values = {"customer": "王女士", "concern": "床垫太硬", "feature": "软硬两面可选"}
    assert make_book().render("followup/visit1", values, None) == (
        "王女士您好，我是梦想家床垫旗舰店的客服。上次您咨询时提到床垫太硬，"
        "我们的产品具有软硬两面可选，能够有效避免您的这个顾虑。您拍下后我帮您备注礼品哦！"
    )


@pytest.mark.parametrize("concern", ["床垫太硬", "担心床垫太硬"])
def test_the_concern_reads_naturally_with_or_without_the_word_worry(concern: str) -> None:
    text = make_book().render("followup/visit1", {"customer": "张女士", "concern": concern}, None)
    assert f"上次您咨询时提到{concern}，" in text
    assert "担心担心" not in text


def test_second_visit_names_no_season_without_a_current_promotion() -> None:
    text = make_book().render("followup/visit2", {"customer": "王女士"}, None)
    assert text == "王女士您好，现在店铺有优惠活动，价格很实惠，礼品丰富，抓紧来抢购吧！"
    assert "大促" not in text


def test_second_visit_announces_the_promotion_from_settings_or_the_one_typed() -> None:
    book = make_book(promotion="双十一大促")
    text = book.render("followup/visit2", {"customer": "王女士"}, None)
    assert "现在正在搞店铺双十一大促活动" in text
    typed = book.render("followup/visit2", {"customer": "王女士", "promotion": "年货节"}, None)
    assert "现在正在搞店铺年货节活动" in typed


def test_dunning_opening_uses_the_customers_name() -> None:
    assert make_book().render("dunning/opening", {"customer": "李先生"}, None) == (
        "李先生您好，我是梦想家床垫旗舰店的客服，看到您拍下的订单还没付款，请问是有什么顾虑吗？"
    )


def test_welcome_names_the_shop_and_the_agent() -> None:
    assert make_book(at="2026-11-23 19:00").render("greeting/welcome", {}, AGENT) == (
        "晚上好，欢迎光临梦想家床垫旗舰店，我是1号客服张三，很高兴为您效劳！"
    )


def test_after_purchase_and_shipping_time_use_the_shop_settings() -> None:
    book = make_book()
    assert "享受最低9.8折的优惠" in book.render("courtesy/after_purchase", {}, AGENT)
    assert book.render("shipping/delivery_time", {}, AGENT).startswith(
        "亲，我们会在1-3个工作日内给您发货，您大概3-7个工作日能收到货哦"
    )


def test_order_confirmation_form_falls_back_to_the_default_courier() -> None:
    values = {
        "item_no": "MX-1518",
        "size": "1.8米×2米",
        "quantity": "1",
        "address": "杭州市西湖区文三路1号",
        "phone": "13800000000",
        "contact": "王女士",
    }
    text = make_book().render("order/confirm_form", values, AGENT)
    assert text.splitlines()[1:6] == [
        "货号：MX-1518",
        "尺码：1.8米×2米",
        "颜色：图片色",
        "数量：1",
        "备注：无",
    ]
    assert "物流方式：申通快递" in text


def test_missing_required_variable_is_named_by_its_chinese_description() -> None:
    with pytest.raises(UserError) as caught:
        make_book().render("followup/visit1", {"customer": "王女士"}, None)
    message = str(caught.value)
    assert "· 顾客咨询时的顾虑，例如" in message
    assert "concern" not in message and "customer" not in message
    assert "/script followup/visit1 顾客称呼=王女士 顾客咨询时的顾虑=" in message


def test_values_named_by_their_chinese_description_fill_the_script() -> None:
    values = {"顾客称呼": "王女士", "顾客咨询时的顾虑": "床垫太硬"}
    text = make_book().render("followup/visit1", values, None)
    assert text.startswith("王女士您好") and "床垫太硬" in text


def test_unknown_script_is_a_user_error() -> None:
    with pytest.raises(UserError, match="没有名为 nope/nope 的话术"):
        make_book().render("nope/nope", {}, AGENT)


def test_strict_render_refuses_a_variable_the_script_does_not_have() -> None:
    with pytest.raises(UserError, match="没有变量 colour"):
        make_book().render("shipping/courier", {"colour": "红"}, AGENT, strict=True)


def test_script_needing_the_agent_refuses_to_render_without_a_member() -> None:
    with pytest.raises(UserError, match="需要客服的工号和姓名"):
        make_book().render("greeting/welcome", {}, None)


def test_keyword_finds_exact_matches_before_partial_ones() -> None:
    book = make_book()
    assert [s.name for s in book.find("包邮")] == ["bargain/free_shipping"]
    assert [s.name for s in book.find("shipping/courier")] == ["shipping/courier"]
    assert {s.name for s in book.find("尺码")} == {"size/by_usual_size", "size/by_measurements"}
    assert book.find("不存在的词") == []


def test_assignments_must_be_key_equals_value() -> None:
    assert parse_assignments(["customer=王女士", "size＝L码"]) == {
        "customer": "王女士",
        "size": "L码",
    }
    with pytest.raises(UserError, match="格式不对"):
        parse_assignments(["王女士"])
    with pytest.raises(UserError, match="格式不对"):
        parse_assignments(["=王女士"])
    with pytest.raises(UserError, match="不能为空"):
        parse_assignments(["customer="])


def test_template_without_a_header_is_refused() -> None:
    [problem] = problems_of(make_book(), "亲，您好")
    assert (
        problem == "上传/test/one.j2:1: 文件应以 {# … #} 注释开头，写明 标题、分类、关键词 和 变量"
    )


def test_header_mistakes_are_reported_with_their_lines() -> None:
    source = "{#\n标题: 测试\n作者: 我\n变量 customer: 顾客称呼\n#}\n{{ customer }}"
    problems = problems_of(make_book(), source)
    assert problems[0] == "上传/test/one.j2:3: 未知的声明 '作者'；可用：标题、分类、关键词、变量"
    assert problems[1].startswith("上传/test/one.j2:4: 变量 customer 应写明 必填")
    assert problems[2] == "上传/test/one.j2:1: 开头注释缺少 分类"


def test_syntax_error_names_the_line() -> None:
    [problem] = problems_of(make_book(), HEADER + "{{ customer }}您好\n{% if customer %}没结束")
    assert problem.startswith("上传/test/one.j2:7: 模板语法错误")


def test_reaching_for_python_internals_is_refused_even_in_an_untaken_branch() -> None:
    source = HEADER + "{{ customer }}\n{% if false %}{{ customer.__class__ }}{% endif %}"
    [problem] = problems_of(make_book(), source)
    assert problem == "上传/test/one.j2:7: 禁止访问内部属性 __class__（模板在沙箱中运行）"
    [problem] = problems_of(make_book(), HEADER + "{{ customer|attr('__globals__') }}")
    assert "禁止访问内部属性 __globals__" in problem


def test_a_computed_attribute_name_is_stopped_by_the_sandbox() -> None:
    source = HEADER + "{{ customer }}\n{{ customer['__cla' ~ 'ss__'] }}"
    [problem] = problems_of(make_book(), source)
    assert problem.startswith("上传/test/one.j2:7: 沙箱拒绝")


def test_an_undeclared_variable_is_refused_so_no_message_has_a_hole() -> None:
    [problem] = problems_of(make_book(), HEADER + "{{ customer }}，您的{{ size }}")
    assert problem.startswith("上传/test/one.j2:6: 使用了未声明的变量 size")


def test_a_valid_template_declares_title_keywords_and_variables() -> None:
    source = (
        "{#\n标题: 测试问候\n分类: 测试\n关键词: 甲, 乙、丙\n"
        "变量 customer: 顾客称呼 | 必填 | 示例=王女士\n变量 tail: 结尾 | 默认=哦\n#}\n"
        "{{ greeting }}，{{ customer }}{{ tail }}\n"
    )
    script = make_book().validate("test/one", source, "上传/test/one.j2")
    assert (script.title, script.category, script.keywords) == (
        "测试问候",
        "测试",
        ("甲", "乙", "丙"),
    )
    assert [(v.name, v.required, v.default) for v in script.variables] == [
        ("customer", True, None),
        ("tail", False, "哦"),
    ]


def test_install_keeps_a_backup_and_reload_refuses_a_broken_folder(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "scripts_templates" / "phone", folder / "phone")
    book = make_book(folder)
    book.backups = tmp_path / "backups"
    old = (folder / "phone/closing.j2").read_text(encoding="utf-8")
    new = "{#\n标题: 电话结束语\n分类: 电话\n#}\n感谢您的来电，祝您购物愉快，再见！"
    book.install("phone/closing", new)
    assert book.render("phone/closing", {}, AGENT) == "感谢您的来电，祝您购物愉快，再见！"
    [backup] = (tmp_path / "backups/phone").iterdir()
    assert backup.read_text(encoding="utf-8") == old
    (folder / "phone/broken.j2").write_text(HEADER + "{{ customer", encoding="utf-8")
    (folder / "phone/gbk.j2").write_bytes("{#\n标题: 乱码\n分类: 电话\n#}\n您好".encode("gbk"))
    problems = book.load(strict=True)
    assert [(p.path, p.line) for p in problems] == [
        ("templates/phone/broken.j2", 6),
        ("templates/phone/gbk.j2", None),
    ]
    assert problems[1].reason == "文件不是 UTF-8 编码"
    assert book.get("phone/closing") is not None and book.get("phone/broken") is None


def test_settings_default_to_the_seed_values_and_reject_a_bad_greeting_order() -> None:
    settings = parse(Section({}, "scripts"), None)  # type: ignore[arg-type]
    assert (settings.courier, settings.vip_discount) == ("申通", "9.8折")
    assert (settings.ship_days, settings.arrive_days) == ((1, 3), (3, 7))
    with pytest.raises(ConfigError, match=r"\[scripts.morning_from\]"):
        parse(Section({"noon_from": "04:00"}, "scripts"), None)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"\[scripts.ship_days\]"):
        parse(Section({"ship_days": [3, 1]}, "scripts"), None)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"\[scripts.folder\]"):
        parse(Section({"folder": "no-such-folder/x"}, "scripts"), None)  # type: ignore[arg-type]
