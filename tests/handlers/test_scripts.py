"""Reply scripts through the real application: /script, buttons, the fill-in flow, inline."""

from __future__ import annotations

from tests.harness import Harness

STRANGER = 555001
COURIER = (
    "亲，咱家默认是发申通快递，如果申通到不了您那里，麻烦您告知我们使用何种快递，"
    "并根据实际情况补拍运费差价。"
)
SIZE = (
    "亲，因为每个品牌的码数可能会有略微的不一样，咱家28对应的就是L码，"
    "建议您看下咱家L码的详细数据，对照下合适与否。"
)


async def test_script_alone_shows_categories_then_scripts_then_the_text(bot: Harness) -> None:
    [menu] = [c for c in await bot.send("1", "/script") if c.method == "sendMessage"]
    assert menu.text == "请选择话术分类："
    assert [b["text"] for b in menu.buttons][:3] == ["欢迎语（2）", "库存（3）", "尺码（2）"]
    [listing] = [
        c for c in await bot.press("1", menu, "物流（2）") if c.method != "answerCallbackQuery"
    ]
    assert listing.text == "【物流】请选择话术："
    assert [b["text"] for b in listing.buttons] == [
        "默认快递与补运费差价",
        "发货与到货时间",
        "« 返回分类",
    ]
    calls = await bot.press("1", listing, "默认快递与补运费差价")
    assert bot.texts(calls) == ["已选择：默认快递与补运费差价", COURIER]
    [sent] = [c for c in calls if c.method == "sendMessage"]
    assert "parse_mode" not in sent.params and not sent.buttons


async def test_back_button_returns_to_the_categories(bot: Harness) -> None:
    [menu] = [c for c in await bot.send("1", "/script") if c.method == "sendMessage"]
    [listing] = [
        c for c in await bot.press("1", menu, "物流（2）") if c.method != "answerCallbackQuery"
    ]
    calls = await bot.press("1", listing, "« 返回分类")
    assert bot.texts(calls) == ["请选择话术分类："]


async def test_keyword_renders_directly_word_for_word(bot: Harness) -> None:
    assert bot.texts(await bot.send("2", "/script 申通")) == [COURIER]
    assert bot.texts(await bot.send("2", "/话术 包邮")) == [
        "好吧，亲，我就自作主张给您包邮了，记得帮咱家收藏一下宝贝和店铺哦。"
    ]


async def test_values_given_inline_fill_the_blanks(bot: Harness) -> None:
    calls = await bot.send("1", "/script size/by_usual_size usual_size=28 our_size=L码")
    assert bot.texts(calls) == [SIZE]
    calls = await bot.send("1", '/script 按平时尺码推荐 顾客平时穿的码数=28 "our_size=L码"')
    assert bot.texts(calls) == [SIZE]


async def test_the_agents_number_and_name_come_from_the_member(bot: Harness) -> None:
    assert bot.texts(await bot.send("3", "/script greeting/welcome")) == [
        "早上好，欢迎光临梦想家床垫旗舰店，我是3号客服王五，很高兴为您效劳！"
    ]


async def test_greeting_changes_with_the_clock(bot: Harness) -> None:
    assert bot.texts(await bot.send("1", "/script 首次回复")) == [
        "早上好，有什么可以为您效劳的？😊"
    ]
    await bot.advance("2026-11-23 11:00")
    assert bot.texts(await bot.send("1", "/script 首次回复")) == [
        "中午好，有什么可以为您效劳的？😊"
    ]
    await bot.advance("2026-11-23 18:00")
    assert bot.texts(await bot.send("1", "/script 首次回复")) == [
        "晚上好，有什么可以为您效劳的？😊"
    ]


async def test_keyword_matching_several_scripts_offers_buttons(bot: Harness) -> None:
    [listing] = [
        c for c in await bot.send("1", "/script 尺码 usual_size=28") if c.method == "sendMessage"
    ]
    assert listing.text == "「尺码」对应 2 条话术，请选择："
    assert [b["text"] for b in listing.buttons] == ["按身高体重推荐尺码", "按平时尺码推荐"]
    calls = await bot.press("1", listing, "按平时尺码推荐")
    assert (
        bot.texts(calls)[-1]
        == "话术「按平时尺码推荐」需要填写 1 项，请逐项回复（/cancel 取消）。\n"
        "（1/1）请输入咱家对应的尺码（例如：L码）："
    )
    assert bot.texts(await bot.send("1", "L码")) == [SIZE]


async def test_missing_values_are_asked_one_question_at_a_time(bot: Harness) -> None:
    [ask] = bot.texts(await bot.send("1", "/script 按平时尺码推荐"))
    assert ask.endswith("（1/2）请输入顾客平时穿的码数（例如：28）：")
    assert bot.texts(await bot.send("1", "28")) == ["（2/2）请输入咱家对应的尺码（例如：L码）："]
    assert bot.texts(await bot.send("1", "L码")) == [SIZE]
    assert bot.texts(await bot.send("1", "谢谢")) == []


async def test_cancel_ends_the_questions(bot: Harness) -> None:
    await bot.send("1", "/script 按平时尺码推荐")
    assert bot.texts(await bot.send("1", "/cancel")) == ["已取消填写话术。"]
    assert bot.texts(await bot.send("1", "28")) == []
    assert bot.texts(await bot.send("1", "/取消")) == ["当前没有正在填写的话术。"]


async def test_other_commands_still_work_during_the_questions(bot: Harness) -> None:
    await bot.send("1", "/script 按平时尺码推荐")
    [team] = bot.texts(await bot.send("1", "/team"))
    assert team.startswith("团队成员：")
    assert bot.texts(await bot.send("2", "28")) == []  # a colleague's message is not an answer
    assert bot.texts(await bot.send("1", "28")) == ["（2/2）请输入咱家对应的尺码（例如：L码）："]


async def test_a_forgotten_question_lapses(bot: Harness) -> None:
    await bot.send("1", "/script 按平时尺码推荐")
    await bot.advance("2026-11-23 08:45")
    assert bot.texts(await bot.send("1", "28")) == [
        "填写话术「按平时尺码推荐」已超时，请重新发送 /script size/by_usual_size。"
    ]
    assert bot.texts(await bot.send("1", "29")) == []


async def test_missing_values_typed_inline_are_named_with_descriptions(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", "/script followup/visit1 customer=王女士"))
    assert text == (
        "话术「一次回访（解答顾虑）」还缺少以下内容：\n"
        "· 顾客咨询时的顾虑，例如 担心床垫太硬\n"
        "请这样发送：/script followup/visit1 顾客称呼=王女士 顾客咨询时的顾虑=担心床垫太硬"
    )
    suggested = text.split("请这样发送：")[1]
    [done] = bot.texts(await bot.send("1", suggested))
    assert done.startswith("王女士您好") and "提到担心床垫太硬" in done


async def test_unknown_script_gets_a_clear_answer_with_usage(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", "/script 火箭"))
    assert text.startswith("没有找到与「火箭」相关的话术。")
    assert "用法：/script [名称或关键词] [变量=值 …]" in text


async def test_bad_key_value_input_gets_usage_and_sends_no_script(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", "/script 申通 王女士"))
    assert text.startswith("参数「王女士」格式不对，应为 变量=值")
    [text] = bot.texts(await bot.send("1", "/script 申通 colour=红"))
    assert text.startswith("话术「默认快递与补运费差价」没有变量 colour")
    [text] = bot.texts(await bot.send("1", "/script customer=王女士"))
    assert text.startswith("请先写话术名称或关键词")
    [text] = bot.texts(await bot.send("1", '/script 申通 note="没结束'))
    assert text.startswith("引号没有配对")


async def test_inline_mode_offers_rendered_scripts_and_marks_the_incomplete(bot: Harness) -> None:
    calls = await bot.process(bot.updates.inline_query(bot.person("1"), "包邮"))
    [answer] = [c for c in calls if c.method == "answerInlineQuery"]
    [result] = answer.params["results"]
    assert result["title"] == "议价·包邮就付款（答应并请收藏）"
    assert result["input_message_content"]["message_text"].startswith("好吧，亲，我就自作主张")
    calls = await bot.process(bot.updates.inline_query(bot.person("1"), "平时穿"))
    [answer] = [c for c in calls if c.method == "answerInlineQuery"]
    [result] = answer.params["results"]
    assert result["title"] == "⚠ 按平时尺码推荐（需填写：顾客平时穿的码数、咱家对应的尺码）"
    calls = await bot.process(
        bot.updates.inline_query(bot.person("1"), "平时穿 usual_size=28 our_size=L码")
    )
    [answer] = [c for c in calls if c.method == "answerInlineQuery"]
    assert answer.params["results"][0]["input_message_content"]["message_text"] == SIZE


async def test_inline_mode_gives_a_stranger_nothing(bot: Harness) -> None:
    calls = await bot.process(bot.updates.inline_query(bot.person(STRANGER), "包邮"))
    [answer] = [c for c in calls if c.method == "answerInlineQuery"]
    assert answer.params["results"] == []


async def test_help_lists_the_script_commands(bot: Harness) -> None:
    [text] = bot.texts(await bot.send("1", "/help"))
    assert "【话术】" in text and "/script [名称或关键词] [变量=值 …]" in text
    assert "/script_upload" not in text
    [text] = bot.texts(await bot.send("90", "/help"))
    assert "/script_upload" in text and "/script_reload" in text


async def test_values_typed_for_one_menu_do_not_fill_another(bot: Harness) -> None:
    await bot.send("1", "/script 尺码 usual_size=28")
    [second] = [c for c in await bot.send("1", "/script 尺码") if c.method == "sendMessage"]
    [ask] = bot.texts(await bot.press("1", second, "按平时尺码推荐"))[-1:]
    assert ask.endswith("（1/2）请输入顾客平时穿的码数（例如：28）：")


async def test_inline_mode_lists_exact_keyword_hits_first(bot: Harness) -> None:
    calls = await bot.process(bot.updates.inline_query(bot.person("1"), "回访"))
    [answer] = [c for c in calls if c.method == "answerInlineQuery"]
    titles = [r["title"] for r in answer.params["results"]]
    assert [t.split("（需填写")[0] for t in titles[:3]] == [
        "⚠ 一次回访（解答顾虑）",
        "⚠ 二次回访（活动通知）",
        "⚠ 三次回访（是否已购买）",
    ]
    calls = await bot.process(bot.updates.inline_query(bot.person("1"), ""))
    [answer] = [c for c in calls if c.method == "answerInlineQuery"]
    assert len(answer.params["results"]) == 20
    assert answer.params["results"][0]["title"] == "首次回复（十秒内响应）"
