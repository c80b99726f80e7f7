"""The month's spreadsheet (.xlsx) for the manager: one sheet per subject, Chinese headers.

Dates are in the team's timezone. Free text that may hold a customer's phone number or
address (references, dunning results, remarks, reasons) is masked unless ``full``. The KPI
sheet computes with real formulas over a 参数 sheet (grades, refund steps, pass ratio, bonus
pool, base pay, fines), so the manager can change a grade or a number and see the result;
every formula also carries the value the bot computed, for viewers that do not calculate.
Text is always written as text, so a remark starting with "=" never becomes a formula.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from bot.domain.kpi import ATTENDANCE, COMPLAINTS, COOPERATION, EXECUTION, LABELS, SERVICE, Row
from bot.domain.remarks import mask_customer_data
from bot.reports.rows import MonthExport

KPI_FIRST_ROW = 2  # 0-based: row 3 in the sheet (title, headers, then agents)


class _Book:
    """A workbook with the few formats every sheet uses."""

    def __init__(self, buffer: io.BytesIO, data: MonthExport) -> None:
        self.workbook = Workbook(
            buffer,
            {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False},
        )
        self.data = data
        self.tz = ZoneInfo(data.timezone)
        # the file's own date is the report's, so the same month gives the same bytes
        created = data.made_at.astimezone(self.tz).replace(tzinfo=None)
        self.workbook.set_properties({"title": f"{data.month} 客服月报", "created": created})
        add = self.workbook.add_format
        self.head = add({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
        self.title = add({"bold": True, "font_size": 14})
        self.when = add({"num_format": "yyyy-mm-dd hh:mm"})
        self.money = add({"num_format": "0.00"})
        self.percent = add({"num_format": "0.0%"})
        self.bad = add({"font_color": "#C00000"})

    def sheet(self, name: str, headers: Sequence[str], widths: Sequence[int]) -> Worksheet:
        """Add a sheet with a header row, frozen, filtered and sized."""
        sheet = self.workbook.add_worksheet(name)
        sheet.write_row(0, 0, headers, self.head)
        sheet.freeze_panes(1, 0)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        return sheet

    def text(self, value: str) -> str:
        """Return free text, masked unless the export is the full one."""
        return value if self.data.full else mask_customer_data(value)

    def moment(self, sheet: Worksheet, row: int, col: int, value: datetime | None) -> None:
        """Write an aware moment as a local date-time (blank when None)."""
        if value is None:
            sheet.write_blank(row, col, None)
        else:
            local = value.astimezone(self.tz).replace(tzinfo=None)
            sheet.write_datetime(row, col, local, self.when)


def build_xlsx(data: MonthExport) -> bytes:
    """Return the month's spreadsheet as .xlsx bytes."""
    buffer = io.BytesIO()
    book = _Book(buffer, data)
    _attendance(book)
    _deadlines(book)
    _dunning(book)
    _sales(book)
    _discounts(book)
    params = _Params(book)
    _kpi(book, params)
    params.write()
    book.workbook.get_worksheet_by_name("KPI考核").activate()
    book.workbook.close()
    return buffer.getvalue()


def _yes(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def _attendance(book: _Book) -> None:
    headers = ["客服", "值班天数", "准时", "迟到次数", "迟到分钟", "缺勤", "请假", "非排班挂号",
               "出勤得分"]  # fmt: skip
    sheet = book.sheet("出勤", headers, [16, 9, 7, 9, 9, 7, 7, 11, 9])
    for r, row in enumerate(book.data.attendance, 1):
        sheet.write_string(r, 0, row.label)
        sheet.write_row(
            r, 1, [row.duty_days, row.on_time, row.late, row.late_minutes, row.missing, row.leave,
                   row.off_roster, row.score],
        )  # fmt: skip
    sheet.autofilter(0, 0, max(len(book.data.attendance), 1), 8)


def _deadlines(book: _Book) -> None:
    sheet = book.sheet(
        "时效",
        ["编号", "规则", "负责人", "对象", "接收时间", "截止时间", "完成时间", "结果", "是否按时"],
        [7, 14, 14, 24, 17, 17, 17, 12, 9],
    )
    for r, line in enumerate(book.data.deadlines, 1):
        sheet.write_number(r, 0, line.number)
        sheet.write_string(r, 1, line.rule)
        sheet.write_string(r, 2, line.owner)
        sheet.write_string(r, 3, book.text(line.ref))
        book.moment(sheet, r, 4, line.received)
        book.moment(sheet, r, 5, line.due)
        book.moment(sheet, r, 6, line.done)
        sheet.write_string(r, 7, line.status or "未完成")
        on_time = line.on_time
        sheet.write_string(r, 8, _yes(on_time), book.bad if on_time is False else None)
    sheet.autofilter(0, 0, max(len(book.data.deadlines), 1), 8)


def _dunning(book: _Book) -> None:
    lines = book.data.dunning
    sheet = book.sheet(
        "催付",
        ["订单号", "平台", "负责人", "催付截止", "首次催付", "是否按时", "结果", "是否付款"],
        [22, 8, 14, 17, 17, 9, 20, 9],
    )
    for r, line in enumerate(lines, 1):
        sheet.write_string(r, 0, line.order_no)
        sheet.write_string(r, 1, line.platform)
        sheet.write_string(r, 2, line.owner)
        book.moment(sheet, r, 3, line.due)
        book.moment(sheet, r, 4, line.chased)
        on_time = line.chased <= line.due if line.chased is not None else None
        sheet.write_string(r, 5, _yes(on_time), book.bad if on_time is False else None)
        sheet.write_string(r, 6, book.text(line.result))
        sheet.write_string(r, 7, _yes(line.paid))
    sheet.autofilter(0, 0, max(len(lines), 1), 7)
    # conversion per owner beside the list, with formulas over it
    sheet.write_row(0, 9, ["负责人", "催付单数", "已付款", "转化率"], book.head)
    sheet.set_column(9, 9, 14)
    sheet.set_column(10, 12, 9)
    last = len(lines) + 1
    owners = Counter(line.owner for line in lines)
    paid = Counter(line.owner for line in lines if line.paid)
    for r, owner in enumerate(sorted(owners), 1):
        cell = xl_rowcol_to_cell(r, 9)
        sheet.write_string(r, 9, owner)
        sheet.write_formula(r, 10, f"=COUNTIFS($C$2:$C${last},{cell})", None, owners[owner])
        sheet.write_formula(
            r, 11, f'=COUNTIFS($C$2:$C${last},{cell},$H$2:$H${last},"是")', None, paid[owner]
        )
        rate = paid[owner] / owners[owner]
        count, got = xl_rowcol_to_cell(r, 10), xl_rowcol_to_cell(r, 11)
        sheet.write_formula(r, 12, f'=IF({count}=0,"",{got}/{count})', book.percent, rate)


def _sales(book: _Book) -> None:
    sheet = book.sheet("备注销售", ["工号", "姓名", "销售单数", "备注条数"], [7, 12, 10, 10])
    for r, line in enumerate(book.data.sales, 1):
        sheet.write_string(r, 0, line.work_no)
        sheet.write_string(r, 1, line.name)
        sheet.write_number(r, 2, line.orders)
        sheet.write_number(r, 3, line.remarks)
    total_row = len(book.data.sales) + 1
    sheet.write_string(total_row, 1, "合计", book.head)
    for col in (2, 3):
        letter = xl_col_to_name(col)
        value = sum(getattr(s, "orders" if col == 2 else "remarks") for s in book.data.sales)
        sheet.write_formula(total_row, col, f"=SUM({letter}2:{letter}{total_row})", None, value)
    if not book.data.remarks:
        return
    start = total_row + 2
    sheet.write_row(start, 0, ["订单号", "时间", "销售", "备注人", "旗帜", "备注内容"], book.head)
    sheet.set_column(4, 4, 8)
    sheet.set_column(5, 5, 60)
    for r, line in enumerate(book.data.remarks, start + 1):
        sheet.write_string(r, 0, line.order_no)
        book.moment(sheet, r, 1, line.at)
        sheet.write_string(r, 2, line.seller)
        sheet.write_string(r, 3, line.author)
        sheet.write_string(r, 4, line.colour)
        sheet.write_string(r, 5, book.text(line.text))


def _discounts(book: _Book) -> None:
    headers = ["编号", "申请人", "订单号", "床垫数", "优惠金额", "理由", "申请时间", "状态",
               "审批人", "审批时间", "超额"]  # fmt: skip
    sheet = book.sheet("优惠审批", headers, [7, 14, 22, 7, 9, 24, 17, 8, 10, 17, 6])
    requests = book.data.requests
    for r, request in enumerate(requests, 1):
        sheet.write_number(r, 0, request.number)
        sheet.write_string(r, 1, f"{request.work_no}号 {request.name}")
        sheet.write_string(r, 2, request.order_no)
        sheet.write_number(r, 3, request.items)
        sheet.write_number(r, 4, float(request.amount), book.money)
        sheet.write_string(r, 5, book.text(request.reason))
        book.moment(sheet, r, 6, request.asked_at)
        sheet.write_string(r, 7, request.state.label)
        sheet.write_string(r, 8, request.decided_by_name or "")
        book.moment(sheet, r, 9, request.decided_at)
        sheet.write_string(r, 10, "是" if request.over_quota else "", book.bad)
    start = len(requests) + 2
    sheet.write_string(start, 0, "三选一赠品（无需审批）", book.title)
    sheet.write_row(start + 1, 0, ["", "客服", "订单号", "赠品", "", "", "时间"], book.head)
    for r, gift in enumerate(book.data.gifts, start + 2):
        sheet.write_string(r, 1, f"{gift.work_no}号 {gift.name}")
        sheet.write_string(r, 2, gift.order_no)
        sheet.write_string(r, 3, gift.gift)
        book.moment(sheet, r, 6, gift.at)


class _Params:
    """The 参数 sheet: every number the KPI formulas use, as named cells the manager edits.

    The layout is fixed first, so the KPI sheet (written before it, to keep the tab order)
    knows the cells its formulas point to.
    """

    def __init__(self, book: _Book) -> None:
        self.book = book
        rules = book.data.rules
        self.scalars: list[tuple[str, float | Decimal]] = [
            ("合格比例", rules.pass_ratio),
            ("KPI总奖金", rules.bonus_pool),
            ("退款率满分", rules.refund_points),
            ("出勤满分", rules.attendance_points),
            ("迟到扣分", rules.late_cost),
            ("请假扣分", rules.leave_cost),
            ("缺勤扣分", rules.absence_cost),
        ]
        # 0-based rows: scalars from 1, then 总分 and 合格线, then four tables
        self.total_row = len(self.scalars) + 1
        self.pass_row = self.total_row + 1
        self.grades_head = self.pass_row + 2
        self.tiers_head = self.grades_head + len(rules.grades) + 2
        self.pay_head = self.tiers_head + len(rules.refund_tiers) + 2
        self.fines_head = self.pay_head + len(rules.base_pay) + 2
        grades = (self.grades_head + 2, self.grades_head + 1 + len(rules.grades))
        self.grades_range = f"参数!$A${grades[0]}:$B${grades[1]}"
        self.grade_points = f"参数!$B${grades[0]}:$B${grades[1]}"
        pay = (self.pay_head + 2, self.pay_head + 1 + len(rules.base_pay))
        self.pay_range = f"参数!$A${pay[0]}:$B${pay[1]}"
        self.tiers = [
            (f"参数!$A${self.tiers_head + 2 + i}", f"参数!$B${self.tiers_head + 2 + i}")
            for i in range(len(rules.refund_tiers))
        ]
        self.fines = [f"参数!$B${self.fines_head + 2 + i}" for i in range(len(rules.fines))]

    def write(self) -> None:
        """Add the 参数 sheet and define the names the KPI formulas use."""
        book, rules = self.book, self.book.data.rules
        sheet = book.workbook.add_worksheet("参数")
        sheet.set_column(0, 0, 18)
        sheet.set_column(1, 1, 12)
        sheet.write_row(0, 0, ["参数", "数值"], book.head)
        for r, (name, value) in enumerate(self.scalars, 1):
            sheet.write_string(r, 0, name)
            sheet.write_number(r, 1, float(value))
            self._name(name, r)
        sheet.write_string(self.total_row, 0, "总分")
        # four graded parts at the best grade, plus refund and attendance
        text = f"=4*MAX({self.grade_points.removeprefix('参数!')})+退款率满分+出勤满分"
        sheet.write_formula(self.total_row, 1, text, None, rules.total)
        self._name("总分", self.total_row)
        sheet.write_string(self.pass_row, 0, "合格线")
        sheet.write_formula(self.pass_row, 1, "=合格比例*总分", None, float(rules.pass_mark))
        self._name("合格线", self.pass_row)
        tables: list[tuple[int, list[str], list[tuple[Any, Any]], Format | None]] = [
            (self.grades_head, ["等级", "分数"], list(rules.grades), None),
            (self.tiers_head, ["退款率上限%", "分数"], list(rules.refund_tiers), None),
            (self.pay_head, ["岗位", "基本工资"], list(rules.base_pay), book.money),
            (
                self.fines_head,
                ["投诉罚款（第N次）", "金额"],
                [(f"第{i}次", fine) for i, fine in enumerate(rules.fines, 1)],
                book.money,
            ),
        ]
        for head, names, pairs, fmt in tables:
            sheet.write_row(head, 0, names, book.head)
            for r, (key, value) in enumerate(pairs, head + 1):
                if isinstance(key, str):
                    sheet.write_string(r, 0, key)
                else:
                    sheet.write_number(r, 0, float(key))
                sheet.write_number(r, 1, float(value), fmt)

    def _name(self, name: str, row: int) -> None:
        cell = xl_rowcol_to_cell(row, 1, row_abs=True, col_abs=True)
        self.book.workbook.define_name(name, f"=参数!{cell}")


def _kpi(book: _Book, params: _Params) -> None:
    """Write the KPI sheet: lead's entries as values, every score as a formula."""
    data, rules = book.data, book.data.rules
    sheet = book.workbook.add_worksheet("KPI考核")
    status = "已定稿" if data.final else f"截至 {data.made_at.astimezone(book.tz):%m-%d %H:%M}"
    sheet.write_string(0, 0, f"{data.month} 客服考核（满分 {rules.total}，{status}）", book.title)
    columns: list[tuple[str, int]] = [
        ("工号", 6), ("姓名", 10),
        ("服务素质等级", 8), (LABELS[SERVICE], 8),
        ("退款率%", 8), (LABELS["refund"], 8),
        ("投诉/维权等级", 8), (LABELS[COMPLAINTS], 9),
        ("配合度等级", 8), (LABELS[COOPERATION], 8),
        ("执行力按时率%", 9), ("执行力等级", 8), (LABELS[EXECUTION], 8),
        ("迟到", 6), ("请假", 6), ("缺勤", 6), (LABELS[ATTENDANCE], 8),
        ("加分", 6), ("扣分", 6), ("总分", 7), ("结果", 8), ("KPI奖金", 10),
        ("岗位", 10), ("基本工资", 10), ("工资", 10), ("投诉次数", 8), ("罚款", 8),
        ("待录入", 18), ("加减分明细", 40),
    ]  # fmt: skip
    header = KPI_FIRST_ROW - 1
    for col, (name, width) in enumerate(columns):
        sheet.write_string(header, col, name, book.head)
        sheet.set_column(col, col, width)
    sheet.freeze_panes(KPI_FIRST_ROW, 2)
    for r, row in enumerate(data.kpi, KPI_FIRST_ROW):
        _kpi_row(book, params, sheet, r, row)
    sheet.autofilter(header, 0, header + max(len(data.kpi), 1), len(columns) - 1)


def _kpi_row(book: _Book, params: _Params, sheet: Worksheet, r: int, row: Row) -> None:
    n = r + 1  # the row's number in A1 notation

    def formula(col: int, text: str, value: Any, fmt: Format | None = None) -> None:
        sheet.write_formula(r, col, text, fmt, value)

    def grade(col: int, key: str) -> None:
        part = row.part(key)
        letter = xl_col_to_name(col)
        sheet.write_string(r, col, part.grade or "")
        lookup = f"VLOOKUP({letter}{n},{params.grades_range},2,FALSE)"
        formula(col + 1, f'=IF({letter}{n}="",0,{lookup})', part.points or 0)

    sheet.write_string(r, 0, row.work_no)
    sheet.write_string(r, 1, row.name)
    grade(2, SERVICE)
    if row.refund_rate is None:
        sheet.write_blank(r, 4, None)
    else:
        sheet.write_number(r, 4, float(row.refund_rate))
    steps = "0"
    for ceiling, points in reversed(params.tiers):
        steps = f"IF(E{n}<={ceiling},{points},{steps})"
    formula(5, f'=IF(E{n}="",0,{steps})', row.part("refund").points or 0)
    grade(6, COMPLAINTS)
    grade(8, COOPERATION)
    if row.execution_rate is None:
        sheet.write_blank(r, 10, None)
    else:
        sheet.write_number(r, 10, float(round(row.execution_rate, 1)))
    grade(11, EXECUTION)
    attendance = row.attendance
    if attendance is not None:
        sheet.write_row(r, 13, [attendance.late, attendance.leave, attendance.absent])
    lost = f"迟到扣分*N{n}-请假扣分*O{n}-缺勤扣分*P{n}"
    points = row.part(ATTENDANCE).points or 0
    formula(16, f"=IF(COUNT(N{n}:P{n})=0,0,MAX(0,出勤满分-{lost}))", points)
    sheet.write_number(r, 17, row.added)
    sheet.write_number(r, 18, row.deducted)
    formula(19, f"=MIN(总分,MAX(0,D{n}+F{n}+H{n}+J{n}+M{n}+Q{n}+R{n}+S{n}))", row.score)
    formula(20, f'=IF(T{n}>=合格线,"合格","不合格")', "合格" if row.passed else "不合格")
    formula(21, f"=IF(T{n}>=合格线,ROUND(KPI总奖金*T{n}/总分,2),0)", float(row.bonus), book.money)
    sheet.write_string(r, 22, row.pay_grade)
    pay = f"=IFERROR(VLOOKUP(W{n},{params.pay_range},2,FALSE),0)"
    formula(23, pay, float(row.base_pay), book.money)
    formula(24, f"=X{n}+V{n}", float(row.pay), book.money)
    sheet.write_number(r, 25, row.complaints)
    # 50, 100, 200 added up; complaints past the last step repeat it
    steps = [f"IF(Z{n}>={i},{cell},0)" for i, cell in enumerate(params.fines, 1)]
    if params.fines:
        steps.append(f"MAX(0,Z{n}-{len(params.fines)})*{params.fines[-1]}")
    formula(26, "=" + ("+".join(steps) or "0"), float(row.fines), book.money)
    sheet.write_string(r, 27, "、".join(row.pending))
    details = "；".join(f"{a.points:+d} {book.text(a.reason)}" for a in row.adjustments)
    sheet.write_string(r, 28, details)
