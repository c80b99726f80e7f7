"""Reply scripts cannot stop the bot: arithmetic, repetition, loops, lipsum, size are bounded."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Template

import bot.scripts
from bot.clock import ManualClock
from bot.config.scripts import PROJECT_ROOT, ScriptsSettings
from bot.script_limits import MAX_OUTPUT, BoundedSandbox, RenderLimit, render_bounded
from bot.scripts import ScriptBook, build_environment
from tests.unit.test_scripts import HEADER, SHOP, TZ, make_book, problems_of

HEAVY = [
    ("{{ 7**(10**7) }}", "乘方结果过大"),
    ("{{ 3**1000 }}", "乘方结果过大"),
    ("{{ 'a'*10**9 }}", "重复结果过长"),
    ("{{ [1]*10**8 }}", "重复结果过长"),
    ("{% for i in range(10**6) %}x{% endfor %}", "参数"),
    (
        "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}好",
        "计算量过大",
    ),
    (
        "{% for c in 'abcdefghij'*1000 %}{% for d in 'abcdefghij'*1000 %}{% endfor %}"
        "{% endfor %}好",
        "计算量过大",
    ),
    ("{{ lipsum(2000) }}", "lipsum"),
    (
        "{% set ns = namespace(s='ab') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
        "内容过长",
    ),
    ("{{ 'a'|center(10**9) }}", "参数"),
    ("{{ '%0999999999d'|format(1) }}", "格式宽度过大"),
    ("{{ '{:>999999999}'.format(1) }}", "格式宽度过大"),
    (
        "{% for i in range(900) %}亲，感谢您的耐心等待，我们会尽快处理。{% endfor %}",
        "话术内容过长",
    ),
]


@pytest.mark.parametrize(("body", "reason"), HEAVY)
def test_a_template_asking_for_too_much_work_is_refused_at_upload_in_chinese(
    body: str, reason: str
) -> None:
    [problem] = problems_of(make_book(), HEADER + "{{ customer }}" + body)
    assert "模板超出限制" in problem and reason in problem


def test_ordinary_arithmetic_filters_and_loops_still_render() -> None:
    env = BoundedSandbox()
    source = (
        "{{ 12*3 }} {{ 'x'*3 }} {{ '%.2f'|format(3.14159) }} {{ [1,2]|join(',') }} "
        "{{ (9.8*10)|round(1) }} {{ 2**10 }} {{ 'ab' ~ 'cd' }}"
        "{% for i in range(3) %}{{ i }}{% endfor %}"
    )
    assert render_bounded(env.from_string(source), {}) == "36 xxx 3.14 1,2 98.0 1024 abcd012"


def test_the_step_bound_stops_a_loop_without_output_at_the_same_place_every_time() -> None:
    env = BoundedSandbox()
    template = env.from_string("{% for i in range(1000) %}{% set x = i %}{% endfor %}")
    render_bounded(template, {}, max_steps=100_000)
    with pytest.raises(RenderLimit, match="计算量过大"):
        render_bounded(template, {}, max_steps=500)


def test_output_over_the_bound_is_refused_before_it_is_all_built() -> None:
    env = BoundedSandbox()
    template = env.from_string(
        "{% for i in range(1000) %}{{ '一二三四五六七八九十' * 2 }}{% endfor %}"
    )
    with pytest.raises(RenderLimit, match=str(MAX_OUTPUT)):
        render_bounded(template, {})


def test_a_start_does_not_render_templates_that_passed_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "scripts_templates" / "phone", folder / "phone")
    checked = tmp_path / "data" / "checked.txt"
    renders: list[str] = []
    real = bot.scripts.render_bounded

    def counting(template: Template, context: dict[str, Any]) -> str:
        renders.append(str(template.name))
        return real(template, context)

    monkeypatch.setattr(bot.scripts, "render_bounded", counting)

    settings = ScriptsSettings(folder=folder)
    clock = ManualClock(datetime(2026, 11, 23, 8, 30, tzinfo=TZ))

    def start() -> ScriptBook:
        book = ScriptBook(build_environment(folder), settings, SHOP, clock, TZ, checked=checked)
        assert book.load() == []
        return book

    start()
    assert len(renders) == len(list(folder.glob("*/*.j2")))
    renders.clear()
    book = start()
    assert renders == []
    closing = folder / "phone" / "closing.j2"
    closing.write_text(closing.read_text(encoding="utf-8") + "\n再见！", encoding="utf-8")
    assert book.load() == []
    assert renders == ["phone/closing"]
