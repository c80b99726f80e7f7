"""Charts (PNG) and the month's spreadsheet (.xlsx): sizes, fonts, cells and formulas."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
import warnings
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from PIL import Image

from bot.domain.checkin_report import AttendanceRow
from bot.domain.discounts import Gift, Request, State
from bot.domain.errors import UserError
from bot.domain.kpi import (
    Adjustment,
    AgentInputs,
    Attendance,
    Entries,
    Figure,
    KpiRules,
    score,
)
from bot.reports.chart_specs import (
    AttendanceChart,
    Chart,
    DeadlinesChart,
    DunningChart,
    KpiChart,
    TrendChart,
    chart_kind,
)
from bot.reports.charts import WIDTH_PX, render
from bot.reports.export import build_xlsx
from bot.reports.fonts import cjk_font, font_path
from bot.reports.rows import (
    Counts,
    DeadlineLine,
    DunningLine,
    MonthExport,
    RemarkLine,
    SalesLine,
    met,
)
from bot.reports.summaries import conversion, execution_figures, tally
from bot.reports.worker import ReportWorker, build_packed, pack

TZ = ZoneInfo("Asia/Shanghai")
D = Decimal
RULES = KpiRules()
NAMES = ["张三", "李四", "王五", "赵六", "钱七", "孙八"]


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def attendance_rows(count: int) -> tuple[AttendanceRow, ...]:
    return tuple(
        AttendanceRow(f"{i + 1}号 {NAMES[i % 6]}", 22, 20 - i % 3, i % 3, 5 * (i % 3), i % 2, 1)
        for i in range(count)
    )


CHARTS: list[tuple[Chart, int]] = [
    (AttendanceChart("2026年11月出勤", attendance_rows(6)), 600),
    (AttendanceChart("2026年11月出勤", attendance_rows(30)), 1720),
    (AttendanceChart("2026年11月出勤", ()), 600),
    (
        DeadlinesChart(
            "2026年11月时效",
            tuple(Counts(f"{i + 1}号 {n}", 40, i) for i, n in enumerate(NAMES)),
            (Counts("催付", 100, 5), Counts("京东工单", 30, 2), Counts("发货第7天回访", 50, 9)),
        ),
        850,
    ),
    (
        DunningChart("2026年11月催付转化", (Counts("1号 张三", 10, 5), Counts("2号 李四", 0, 0))),
        600,
    ),
    (KpiChart("2026年11月考核", (("1号 张三", 120), ("2号 李四", 90)), 130, 91), 600),
    (
        TrendChart(
            "近6个月考核",
            ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"),
            (
                ("团队平均", (100, 104, 98, 110, None, 115)),
                ("1号 张三", (90, 95, 88, 92, 100, 101)),
            ),
            130,
            91,
        ),
        800,
    ),
]


@pytest.mark.parametrize(("chart", "height"), CHARTS)
def test_each_chart_is_a_png_1080_pixels_wide_with_no_missing_glyph(
    chart: Chart, height: int, caplog: pytest.LogCaptureFixture
) -> None:
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        png = render(chart)
    assert not [w for w in caught if "missing" in str(w.message)]
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]
    image = Image.open(io.BytesIO(png))
    image.load()  # decodes the whole picture
    assert image.format == "PNG" and image.size == (WIDTH_PX, height)


def test_chinese_comes_from_the_font_mplfonts_ships_not_a_system_font() -> None:
    path = font_path()
    assert path.name == "NotoSansCJKsc-Regular.otf" and path.parent.parent.name == "mplfonts"
    name = cjk_font()
    assert name == "Noto Sans CJK SC"
    found = font_manager.findfont(
        font_manager.FontProperties(family=name), fallback_to_default=False
    )
    assert found == str(path)
    font = FT2Font(str(path))
    labels = (
        "年月出勤准时迟到缺勤请假班次数时效按客服规则超催付转化考核合格线总分满趋势团队平均号张三"
    )
    assert all(font.get_char_index(ord(c)) for c in labels)


def test_a_chart_with_one_agent_differs_from_one_with_another() -> None:
    first = render(KpiChart("考核", (("1号 张三", 120),), 130, 91))
    second = render(KpiChart("考核", (("1号 张三", 60),), 130, 91))
    assert first != second


@pytest.mark.parametrize(
    ("word", "kind"), [("出勤", "attendance"), ("KPI", "kpi"), ("时效", "deadlines")]
)
def test_chart_words_name_the_charts(word: str, kind: str) -> None:
    assert chart_kind(word) == kind


def test_an_unknown_chart_word_lists_the_choices() -> None:
    with pytest.raises(UserError, match="出勤、时效、催付、kpi、趋势"):
        chart_kind("饼图")


def kpi_rows() -> tuple:
    full = AgentInputs(
        "1",
        "张三",
        Attendance(late=1),
        (Figure("deadlines", "时效", 17, 20),),
        Entries(
            {"service": "优", "complaints": "良", "cooperation": "优"},
            D("3.2"),
            (
                Adjustment("complaint", -10, "买家13812345678投诉态度差", 1),
                Adjustment("praise", 2, "好评点名表扬", 2),
            ),
        ),
    )
    empty = AgentInputs("2", "李四")
    return (score(full, RULES), score(empty, RULES))


def month_export(full: bool = False) -> MonthExport:
    return MonthExport(
        month="2026-11",
        timezone="Asia/Shanghai",
        made_at=at("2026-11-23 10:00"),
        final=False,
        attendance=attendance_rows(2),
        deadlines=(
            DeadlineLine(
                7,
                "京东工单",
                "1号 张三",
                "客户 13812345678",
                at("2026-11-20 12:00"),
                at("2026-11-20 12:30"),
                "已处理",
                at("2026-11-20 10:00"),
            ),
            DeadlineLine(8, "回访", "2号 李四", "旺旺 abc", at("2026-11-24 17:00")),
        ),
        dunning=(
            DunningLine(
                "3659284710562839471",
                "天猫",
                "1号 张三",
                at("2026-11-20 10:30"),
                at("2026-11-20 10:05"),
                "已付款",
                True,
            ),
            DunningLine(
                "3659284710562839472",
                "天猫",
                "1号 张三",
                at("2026-11-20 10:30"),
                at("2026-11-20 10:40"),
                "未接电话",
                False,
            ),
            DunningLine("3659284710562839473", "淘宝", "2号 李四", at("2026-11-20 16:30"), None),
        ),
        sales=(SalesLine("1", "张三", 12, 15), SalesLine("2", "李四", 3, 4)),
        remarks=(
            RemarkLine(
                "3659284710562839471",
                at("2026-11-20 10:00"),
                "1号 张三",
                "1号 张三",
                "红旗",
                "=1号客服、电话13812345678",
            ),
        ),
        requests=(
            Request(
                1,
                "3659284710562839471",
                "1",
                "张三",
                2,
                D(200),
                "老客户回购",
                at("2026-11-20 10:00"),
                State.APPROVED,
                at("2026-11-20 11:00"),
                "80",
                "李组长",
                True,
            ),
        ),
        gifts=(Gift("3659284710562839474", "2", "李四", "记忆枕", at("2026-11-21 09:00")),),
        kpi=kpi_rows(),
        rules=RULES,
        full=full,
    )


def workbook(data: MonthExport, values: bool = False) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(build_xlsx(data)), data_only=values)


def test_the_export_has_one_sheet_per_subject_with_chinese_headers() -> None:
    book = workbook(month_export())
    assert book.sheetnames == ["出勤", "时效", "催付", "备注销售", "优惠审批", "KPI考核", "参数"]
    assert [c.value for c in book["时效"][1]] == [
        "编号", "规则", "负责人", "对象", "接收时间", "截止时间", "完成时间", "结果", "是否按时",
    ]  # fmt: skip
    assert book["出勤"]["A2"].value == "1号 张三" and book["出勤"]["I2"].value == 0


def test_dates_are_in_the_teams_timezone_and_lateness_is_marked() -> None:
    sheet = workbook(month_export())["时效"]
    assert sheet["F2"].value == datetime(2026, 11, 20, 12, 0)  # 04:00 UTC
    assert sheet["G2"].value == datetime(2026, 11, 20, 12, 30) and sheet["I2"].value == "否"
    assert sheet["G3"].value is None and sheet["H3"].value == "未完成" and sheet["I3"].value == ""
    assert sheet["F2"].number_format == "yyyy-mm-dd hh:mm"


def test_phone_numbers_are_masked_unless_the_full_export_is_asked_for() -> None:
    masked, full = workbook(month_export()), workbook(month_export(full=True))
    assert masked["时效"]["D2"].value == "客户 138****5678"
    assert full["时效"]["D2"].value == "客户 13812345678"
    assert masked["备注销售"]["F7"].value == "=1号客服、电话138****5678"
    assert masked["KPI考核"]["AC3"].value == "-10 买家138****5678投诉态度差；+2 好评点名表扬"
    # order numbers are never masked, even when 11 digits look like a mobile number
    assert masked["催付"]["A2"].value == "3659284710562839471"


def test_text_that_starts_with_an_equals_sign_stays_text() -> None:
    cell = workbook(month_export(full=True))["备注销售"]["F7"]
    assert cell.value == "=1号客服、电话13812345678" and cell.data_type == "s"


def test_dunning_conversion_per_owner_is_a_formula_over_the_list() -> None:
    formulas, values = workbook(month_export()), workbook(month_export(), values=True)
    assert formulas["催付"]["K2"].value == "=COUNTIFS($C$2:$C$4,J2)"
    assert formulas["催付"]["L2"].value == '=COUNTIFS($C$2:$C$4,J2,$H$2:$H$4,"是")'
    assert [values["催付"][f"{c}2"].value for c in "JKLM"] == ["1号 张三", 2, 1, 0.5]
    assert values["催付"]["F3"].value == "否" and values["催付"]["F4"].value == ""


def test_sales_per_work_number_and_discount_approvals_are_listed() -> None:
    book = workbook(month_export(), values=True)
    assert [c.value for c in book["备注销售"][4][:4]] == [None, "合计", 15, 19]
    approvals = book["优惠审批"]
    assert [c.value for c in approvals[2]] == [
        1, "1号 张三", "3659284710562839471", 2, 200, "老客户回购", datetime(2026, 11, 20, 10, 0),
        "已同意", "李组长", datetime(2026, 11, 20, 11, 0), "是",
    ]  # fmt: skip
    assert approvals["D6"].value == "记忆枕"


def test_the_kpi_sheet_computes_with_formulas_the_manager_can_adjust() -> None:
    sheet = workbook(month_export())["KPI考核"]
    assert sheet["A1"].value == "2026-11 客服考核（满分 130，截至 11-23 10:00）"
    assert sheet["C3"].value == "优"
    assert sheet["D3"].value == '=IF(C3="",0,VLOOKUP(C3,参数!$A$13:$B$16,2,FALSE))'
    assert sheet["F3"].value == '=IF(E3="",0,IF(E3<=参数!$A$19,参数!$B$19,0))'
    assert sheet["L3"].value == "良"  # derived from 85 % on time
    assert sheet["T3"].value == "=MIN(总分,MAX(0,D3+F3+H3+J3+M3+Q3+R3+S3))"
    assert sheet["U3"].value == '=IF(T3>=合格线,"合格","不合格")'
    assert sheet["V3"].value == "=IF(T3>=合格线,ROUND(KPI总奖金*T3/总分,2),0)"
    assert sheet["AA3"].value.startswith("=IF(Z3>=1,参数!$B$27,0)+IF(Z3>=2,参数!$B$28,0)")
    params = workbook(month_export())["参数"]
    assert (params["A2"].value, params["B2"].value) == ("合格比例", 0.7)
    assert params["B9"].value == "=4*MAX($B$13:$B$16)+退款率满分+出勤满分"
    names = set(workbook(month_export()).defined_names)
    assert {"总分", "合格线", "合格比例", "KPI总奖金", "出勤满分"} <= names


def test_every_kpi_formula_carries_the_value_the_bot_computed() -> None:
    row, _ = kpi_rows()
    sheet = workbook(month_export(), values=True)["KPI考核"]
    assert [sheet[f"{c}3"].value for c in ("D", "F", "H", "J", "M", "Q")] == [
        20,
        30,
        15,
        20,
        15,
        15,
    ]
    assert (sheet["R3"].value, sheet["S3"].value) == (2, -10)
    assert sheet["T3"].value == row.score == 107
    assert (sheet["U3"].value, sheet["V3"].value) == ("合格", float(row.bonus))
    assert (sheet["X3"].value, sheet["Y3"].value, sheet["AA3"].value) == (2000, 2823.08, 50)
    assert (sheet["T4"].value, sheet["U4"].value, sheet["V4"].value) == (0, "不合格", 0)
    assert sheet["AB4"].value == "服务素质、退款率、投诉/维权、配合度、执行力、出勤率"
    assert workbook(month_export(), values=True)["参数"]["B10"].value == 91


def test_the_same_month_gives_the_same_file_also_when_sent_to_the_worker_in_pieces() -> None:
    data = month_export()
    head, pieces = pack(data)
    assert head.kpi == () and len(pieces["kpi"]) == 1
    assert build_packed(head, pieces) == build_xlsx(data) == build_xlsx(data)


def test_the_bot_process_can_describe_reports_without_loading_matplotlib() -> None:
    code = (
        "import sys, bot.reports.worker, bot.reports.chart_specs, bot.reports.rows;"
        "print('matplotlib' in sys.modules, 'xlsxwriter' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert done.stdout.split() == ["False", "False"]


async def test_the_worker_builds_reports_off_the_loop_in_a_thread_and_in_a_process() -> None:
    chart = KpiChart("考核", (("1号 张三", 120),), 130, 91)
    threads = ReportWorker(processes=False)
    process = ReportWorker()
    try:
        in_thread = await threads.chart(chart)
        await process.start()
        assert await process.chart(chart) == in_thread
        data = await process.xlsx(month_export())
        assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames[0] == "出勤"
    finally:
        threads.close()
        process.close()


def test_counts_for_charts_and_execution_figures_come_from_the_same_rows() -> None:
    now = at("2026-11-23 12:00")
    lines = (
        DeadlineLine(1, "京东工单", "1号 张三", "x", at("2026-11-20 12:00"),
                     at("2026-11-20 11:00"), "已处理", work_no="1"),
        DeadlineLine(2, "京东工单", "1号 张三", "x", at("2026-11-21 12:00"), work_no="1"),
        DeadlineLine(3, "回访", "1号 张三", "x", at("2026-11-24 12:00"), work_no="1"),
        DeadlineLine(4, "催付", "1号 张三", "x", at("2026-11-20 10:30"),
                     at("2026-11-20 10:00"), "已付款", work_no="1", kind="dunning"),
        DeadlineLine(5, "回访", "2号 李四", "x", at("2026-11-20 12:00"),
                     at("2026-11-20 13:00"), "已回访", work_no="2"),
    )  # fmt: skip
    dunning = (
        DunningLine("A1", "天猫", "1号 张三", at("2026-11-20 10:30"), at("2026-11-20 10:00"),
                    "已付款", True, "1"),
        DunningLine("A2", "天猫", "1号 张三", at("2026-11-20 10:30"), at("2026-11-20 11:00"),
                    "未接", False, "1"),
        DunningLine("A3", "天猫", "1号 张三", at("2026-11-20 16:30"), None, "", False, "1"),
    )  # fmt: skip
    assert tally(lines, lambda d: d.owner, now) == (
        Counts("1号 张三", 2, 1),
        Counts("2号 李四", 0, 1),
    )
    assert tally(lines, lambda d: d.rule, now)[0] == Counts("京东工单", 1, 1)
    assert conversion(dunning) == (Counts("1号 张三", 1, 1),)
    figures = execution_figures("1", lines, dunning, now, handover=(True, None, False))
    assert [(f.key, f.on_time, f.total) for f in figures] == [
        ("deadlines", 1, 2),  # the dunning line counts under 催付, the open one is not due yet
        ("dunning", 1, 3),  # one chased late, one never chased past its cutoff
        ("handover", 1, 2),
        ("daily_report", 0, 0),
    ]


def test_an_item_is_met_when_done_by_due_and_missed_when_late_or_open_past_due() -> None:
    due = at("2026-11-24 12:00")
    assert met(at("2026-11-24 12:00"), due, at("2026-11-30 00:00")) is True
    assert met(at("2026-11-24 12:01"), due, at("2026-11-30 00:00")) is False
    assert met(None, due, at("2026-11-24 12:00")) is False
    assert met(None, due, at("2026-11-24 11:59")) is None
