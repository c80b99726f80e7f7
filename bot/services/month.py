"""The lead's month: discount authority, the KPI sheet, charts and the spreadsheet export.

Rules and texts are pure (bot/domain/discounts.py, kpi.py and their ``*_text`` modules);
charts and the .xlsx are built by the ReportWorker off the event loop (bot/reports/).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from bot.clock import TeamTime
from bot.config import Settings
from bot.domain import discount_text, kpi_text
from bot.domain.checkin_report import AttendanceRow
from bot.domain.deadline_item import DUNNING, DeadlineItem, closing_word
from bot.domain.discounts import (
    AgentMonth,
    Gift,
    Quota,
    State,
    check_request,
    decide,
    limits,
    month_of,
    next_month,
    next_quotas,
    parse_amount,
    parse_gift,
    parse_items,
    quota,
)
from bot.domain.errors import Refusal, UserError
from bot.domain.kpi import (
    AgentInputs,
    Attendance,
    Entries,
    Row,
    parse_grade,
    parse_part,
    parse_rate,
    score,
)
from bot.domain.members import Member, Role, parse_work_no, short_name
from bot.domain.times import parse_iso
from bot.persistence.deadlines import ItemRepo
from bot.persistence.discounts import DiscountRepo
from bot.persistence.kpi import KpiRepo
from bot.persistence.members import MemberRepo
from bot.persistence.timers import Timer
from bot.reports.chart_specs import (
    AttendanceChart,
    Chart,
    DeadlinesChart,
    DunningChart,
    KpiChart,
    TrendChart,
    chart_kind,
)
from bot.reports.rows import DeadlineLine, DunningLine, MonthExport, SalesLine
from bot.reports.summaries import conversion, execution_figures, tally
from bot.reports.worker import ReportWorker
from bot.scheduling import Scheduler
from bot.services.checkin import CheckinService
from bot.services.messenger import Answer, Button, Keyboard, Messenger
from bot.services.orders import OrderService

log = logging.getLogger(__name__)

QUOTAS = "month:quotas"
FINALIZE = "month:finalize"
CHART_NAMES = {
    "attendance": "出勤",
    "deadlines": "时效",
    "dunning": "催付",
    "kpi": "考核",
    "trend": "趋势",
}


@dataclass
class MonthService:
    """Discount requests and quotas, the KPI sheet, charts and the export (``svc.month``)."""

    settings: Settings
    time: TeamTime
    members: MemberRepo
    scheduler: Scheduler
    messenger: Messenger
    checkin: CheckinService
    orders: OrderService
    items: ItemRepo
    discounts: DiscountRepo
    kpi: KpiRepo
    reports: ReportWorker

    def register_timers(self) -> None:
        """Plan the quota change on the 1st and the sheet's finalizing after the grace days."""
        self.scheduler.on(QUOTAS, self.on_quotas)
        self.scheduler.on(FINALIZE, self.on_finalize)
        self.scheduler.add_planner(self.plan)

    def plan(self, start: datetime, end: datetime) -> None:
        """Store the month's timers that fall in ``[start, end]``."""
        tz = self.time.tz
        day = self.time.local(start).date().replace(day=1)
        grace = self.settings.kpi.entry_grace_days
        while True:
            quotas = datetime.combine(day, self.settings.discounts.month_change_at, tzinfo=tz)
            final = datetime.combine(
                day + timedelta(days=grace), self.settings.kpi.finalize_at, tzinfo=tz
            )
            if min(quotas, final) > end:
                return
            for kind, due in ((QUOTAS, quotas), (FINALIZE, final)):
                if start <= due <= end:
                    self.scheduler.at(kind, due, key=f"{kind}:{day:%Y-%m}")
            day = (day + timedelta(days=32)).replace(day=1)

    # ---- helpers -------------------------------------------------------------------------

    def month_now(self, now: datetime) -> str:
        """Return the current month ``YYYY-MM`` in the team's timezone."""
        return month_of(now, self.time.tz)

    def agents(self) -> list[Member]:
        """Return the agents the quotas and the sheet cover, by 工号."""
        return [m for m in self.members.all() if m.role is Role.AGENT]

    def labels(self) -> dict[str, str]:
        """Return ``{工号: "1号 张三"}`` for every member."""
        return {m.work_no: short_name(m) for m in self.members.all()}

    def quota_of(self, work_no: str, month: str) -> Quota:
        """Return one agent's quota of a month with what is used and pending."""
        count, amount = limits(self.discounts.quota(month, work_no), self.settings.discounts.rules)
        requests = self.discounts.decided_in(month) + self.discounts.pending()
        return quota(count, amount, requests, work_no, month, self.time.tz)

    async def _to_leads(self, text: str, keyboard: Keyboard | None = None) -> None:
        """Send to the leads' chat, else to every lead privately."""
        if self.settings.leads_chat is not None:
            await self.messenger.to_chat(self.settings.leads_chat, text, keyboard)
            return
        for lead in self.members.leads():
            await self.messenger.to_member(lead, text, keyboard)

    # ---- /discount -----------------------------------------------------------------------

    def own_quota(self, member: Member, now: datetime) -> str:
        """Return an agent's quota of this month and their requests still waiting."""
        lines = [discount_text.quota_line(self.quota_of(member.work_no, self.month_now(now)))]
        for r in self.discounts.pending():
            if r.work_no == member.work_no:
                lines.append(f"待审批 #{r.number}：订单 {r.order_no}，{r.items} 张，{r.amount} 元")
        return "\n".join(lines)

    def gift(self, member: Member, words: list[str], now: datetime) -> str:
        """Record a 三选一 gift on a one-mattress order: ``<订单号> <赠品>``."""
        if len(words) != 2:
            raise UserError("请写订单号和赠品。")
        order_no = self.orders.validate_order_no(words[0])
        name = parse_gift(words[1], self.settings.discounts.rules)
        gift = Gift(order_no, member.work_no, member.name, name, now)
        self.discounts.add_gift(gift)
        self.orders.record_note(order_no, discount_text.gift_note(gift), member, now)
        return f"已记录：订单 {order_no} 赠{name}（三选一），已写入订单备注历史。"

    async def ask(self, member: Member, words: list[str], now: datetime) -> str:
        """File a special request ``<订单号> <张数> <金额> <理由…>`` and send the leads a card."""
        if len(words) < 4:
            raise UserError("请写订单号、床垫张数、优惠金额和理由。")
        order_no = self.orders.validate_order_no(words[0])
        items = parse_items(words[1])
        amount = parse_amount(words[2])
        check_request(items, amount, self.settings.discounts.rules)
        reason = " ".join(words[3:])
        request = self.discounts.add_request(
            order_no, member.work_no, member.name, items, amount, reason, now
        )
        current = self.quota_of(member.work_no, self.month_now(now))
        card = discount_text.request_card(request, current, self.time.tz)
        await self._to_leads(card, _decision_buttons(request.number))
        return f"已提交特批申请 #{request.number}，等待组长审批。\n" + discount_text.quota_line(
            current
        )

    async def decide(self, lead: Member, approve: bool, number: int, now: datetime) -> Answer:
        """Approve or refuse a request once; tell the agent; put an approval on the order."""
        request = self.discounts.get(number)
        if request is None:
            return Answer(f"申请 #{number} 不存在。", alert=True)
        month = self.month_now(now)
        try:
            decided = decide(
                request,
                approve,
                lead.work_no,
                lead.name,
                now,
                self.quota_of(request.work_no, month),
            )
        except UserError as err:
            card = discount_text.request_card(
                request, self.quota_of(request.work_no, month), self.time.tz
            )
            return Answer(str(err), card, alert=True)
        self.discounts.save(decided)
        if decided.state is State.APPROVED:
            try:
                self.orders.record_note(
                    decided.order_no, discount_text.approval_note(decided), lead, now
                )
            except UserError as err:  # the order-number rules changed since the request
                log.warning("approval #%d not put on order %s: %s", number, decided.order_no, err)
        agent = self.members.by_work_no(decided.work_no)
        if agent is not None:
            await self.messenger.to_member(agent, discount_text.decision_text(decided))
        card = discount_text.request_card(
            decided, self.quota_of(decided.work_no, month), self.time.tz
        )
        return Answer(decided.state.label, card)

    def approvals(self, words: list[str], today: date) -> str:
        """Return the lead's list of a month's decided requests per agent (default now)."""
        month = self._month(words, today)
        return discount_text.approvals_list(month, self.discounts.decided_in(month), self.labels())

    async def on_quotas(self, timer: Timer, _late: bool) -> None:
        """On the 1st: compute and announce each agent's new quota (once), archive the old."""
        new = self.month_now(timer.due)
        prev = _previous(new)
        rules = self.settings.discounts.rules
        if not self.discounts.quotas(new):
            decided = [r for r in self.discounts.decided_in(prev) if r.state is State.APPROVED]
            first = date.fromisoformat(prev + "-01")
            agents = []
            for agent in self.agents():
                own = [r for r in decided if r.work_no == agent.work_no]
                agents.append(
                    AgentMonth(
                        agent.work_no,
                        limits(self.discounts.quota(prev, agent.work_no), rules)[0],
                        len(own),
                        sum((r.amount for r in own), Decimal(0)),
                        full_month=self._joined(agent) <= first,
                    )
                )
            quotas = next_quotas(agents, prev, rules)
            lines = [f"📅 {new} 优惠特批额度"]
            for q in quotas:
                self.discounts.set_quota(q)
                member = self.members.by_work_no(q.work_no)
                text = discount_text.next_quota_text(q, rules.monthly_count)
                if member is not None:
                    await self.messenger.to_member(member, text)
                why = q.reasons(rules.monthly_count)
                lines.append(f"{short_name(member)}：{q.count} 次" + (f"（{why}）" if why else ""))
            await self._to_leads("\n".join(lines))
        self.discounts.archive_before(new)

    def _joined(self, member: Member) -> date:
        """Return the local day a member joined (configured members: always on the team)."""
        joined = member.extra.get("joined")
        return self.time.local(parse_iso(joined)).date() if joined else date.min

    # ---- /kpi ----------------------------------------------------------------------------

    def rows(self, month: str, now: datetime) -> list[Row]:
        """Return the sheet of a month: the archived one, else the month so far."""
        sheet = self.kpi.sheet(month)
        if sheet is not None:
            return sheet[1]
        year, number = (int(p) for p in month.split("-"))
        attendance = {r.label: r for r in self.checkin.monthly_attendance(year, number, now)}
        items = self._items_due(month)
        deadlines = self._deadline_lines(items)
        dunning = self._dunning_lines(items)
        entries = self.kpi.entries(month)
        rows = []
        for agent in self.agents():
            row = attendance.get(short_name(agent))
            seen = row is not None and bool(row.duty_days or row.leave or row.off_roster)
            inputs = AgentInputs(
                agent.work_no,
                agent.name,
                Attendance(row.late, row.leave, row.missing) if row and seen else None,
                execution_figures(agent.work_no, deadlines, dunning, now),
                entries.get(agent.work_no, Entries()),
            )
            rows.append(score(inputs, self.settings.kpi.rules))
        return rows

    def sheet(self, words: list[str], now: datetime) -> str:
        """Return ``/kpi [YYYY-MM] [工号]``: the sheet so far, or one agent's detail."""
        today = self.time.local(now).date()
        month, rest = self._month_and_rest(words, today)
        if len(rest) > 1:
            raise UserError("参数太多了。")
        rows = self.rows(month, now)
        if rest:
            work_no = _work_no(rest[0])
            row = next((r for r in rows if r.work_no == work_no), None)
            if row is None:
                raise UserError(f"{month} 的考核表里没有工号 {work_no}。")
            return kpi_text.detail_text(row)
        final = self.kpi.is_final(month)
        status = "已定稿" if final else f"截至 {self.time.local(now):%m-%d %H:%M}"
        return kpi_text.sheet_text(month, rows, self.settings.kpi.rules, status)

    def set_entry(self, lead: Member, words: list[str], now: datetime) -> str:
        """``/kpi set <工号> <考核项> <等级|退款率> [YYYY-MM]``: record a grade or a rate."""
        month, rest = self._trailing_month(words, now)
        if len(rest) != 3:
            raise UserError("请写工号、考核项和等级（或退款率）。")
        agent = self._agent(rest[0])
        part = parse_part(rest[1])
        self._check_open(month, now)
        if part == "refund":
            rate = parse_rate(rest[2])
            self.kpi.set_refund_rate(month, agent.work_no, rate, lead.work_no, now)
            value = f"{rate}%"
        else:
            value = parse_grade(rest[2], self.settings.kpi.rules)
            self.kpi.set_grade(month, agent.work_no, part, value, lead.work_no, now)
        row = next(r for r in self.rows(month, now) if r.work_no == agent.work_no)
        label = row.part(part).label
        return f"已录入 {month} {short_name(agent)} {label}：{value}。\n{kpi_text.row_text(row)}"

    def add_adjustment(self, lead: Member, words: list[str], now: datetime) -> str:
        """``/kpi add <工号> <类别> [分数] <原因…>``: an addition or deduction with a reason."""
        if len(words) < 3:
            raise UserError("请写工号、类别和原因。")
        agent = self._agent(words[0])
        kind = self.settings.kpi.rules.adjustment(words[1])
        rest = words[2:]
        typed: int | None = None
        if rest and _is_points(rest[0]):
            typed = int(rest[0])
            rest = rest[1:]
        if not rest:
            raise UserError("请写明原因。")
        points = kind.points(typed)
        month = self.month_now(now)
        self._check_open(month, now)
        added = self.kpi.add_adjustment(
            month, agent.work_no, kind.key, points, " ".join(rest), lead.work_no, now
        )
        row = next(r for r in self.rows(month, now) if r.work_no == agent.work_no)
        return (
            f"已记录 #{added.number}：{short_name(agent)} {kind.label} {points:+d} 分"
            f"（{added.reason}）。\n{kpi_text.row_text(row)}"
        )

    def withdraw(self, words: list[str], now: datetime) -> str:
        """``/kpi undo <编号>``: withdraw an addition or deduction of this month."""
        if len(words) != 1 or not words[0].lstrip("#").isdigit():
            raise UserError("请写要撤销的编号，如 /kpi undo 3。")
        month = self.month_now(now)
        self._check_open(month, now)
        gone = self.kpi.withdraw(int(words[0].lstrip("#")), month)
        if gone is None:
            raise UserError(f"本月没有编号为 {words[0]} 的加减分。")
        return f"已撤销 #{gone.number}（{gone.points:+d} 分，{gone.reason}）。"

    async def on_finalize(self, timer: Timer, _late: bool) -> None:
        """After the grace days: archive last month's sheet (once) and send it to the leads."""
        prev = _previous(self.month_now(timer.due))
        if self.kpi.is_final(prev):
            return
        rows = self.rows(prev, timer.due)
        self.kpi.finalize(prev, rows, timer.due)
        await self._to_leads(kpi_text.sheet_text(prev, rows, self.settings.kpi.rules, "已定稿"))

    def _check_open(self, month: str, now: datetime) -> None:
        """Refuse entries for a final month or a past month after the grace days."""
        if self.kpi.is_final(month):
            raise Refusal(f"{month} 的考核表已定稿，不能再修改。")
        current = self.month_now(now)
        if month > current:
            raise UserError(f"{month} 还没开始。")
        if month < current:
            grace = self.settings.kpi.entry_grace_days
            if month != _previous(current) or self.time.local(now).day > grace:
                raise Refusal(f"{month} 的录入期已过。")

    def _agent(self, text: str) -> Member:
        member = self.members.by_work_no(_work_no(text))
        if member is None or member.role is not Role.AGENT:
            raise UserError(f"没有工号为 {text} 的客服。")
        return member

    # ---- /chart and /export --------------------------------------------------------------

    async def chart(self, words: list[str], now: datetime) -> tuple[bytes, str]:
        """Return ``/chart <种类> [YYYY-MM]`` as PNG bytes and a file name."""
        if not words:
            raise UserError("请写图表种类。")
        kind = chart_kind(words[0])
        month, rest = self._month_and_rest(words[1:], self.time.local(now).date())
        if rest:
            raise UserError("参数太多了。")
        png = await self.reports.chart(self._chart_spec(kind, month, now))
        return png, f"{CHART_NAMES[kind]}-{month}.png"

    def _chart_spec(self, kind: str, month: str, now: datetime) -> Chart:
        year, number = (int(p) for p in month.split("-"))
        title = f"{year}年{number}月{CHART_NAMES[kind]}"
        rules = self.settings.kpi.rules
        if kind == "attendance":
            return AttendanceChart(title, tuple(self._attendance(month, now)))
        if kind == "deadlines":
            lines = self._deadline_lines(self._items_due(month))
            return DeadlinesChart(
                title, tally(lines, lambda d: d.owner, now), tally(lines, lambda d: d.rule, now)
            )
        if kind == "dunning":
            return DunningChart(title, conversion(self._dunning_lines(self._items_due(month))))
        if kind == "kpi":
            scores = tuple((f"{r.work_no}号 {r.name}", r.score) for r in self.rows(month, now))
            return KpiChart(title, scores, rules.total, float(rules.pass_mark))
        months = [month]
        while len(months) < self.settings.kpi.trend_months:
            months.insert(0, _previous(months[0]))
        means: list[float | None] = []
        for m in months:
            sheet = self.kpi.sheet(m)
            rows = sheet[1] if sheet else (self.rows(m, now) if m == month else [])
            means.append(sum(r.score for r in rows) / len(rows) if rows else None)
        return TrendChart(
            f"近{len(months)}个月考核趋势",
            tuple(months),
            (("团队平均", tuple(means)),),
            rules.total,
            float(rules.pass_mark),
        )

    async def export(
        self, member: Member, words: list[str], private: bool, now: datetime
    ) -> tuple[bytes, str]:
        """Return ``/export [YYYY-MM] [完整]`` as .xlsx bytes and a file name."""
        full = "完整" in words
        words = [w for w in words if w != "完整"]
        if full and (member.role < Role.ADMIN or not private):
            raise Refusal("完整数据（不打码）只发给主管，且只在私聊中发送。")
        month, rest = self._month_and_rest(words, self.time.local(now).date())
        if rest:
            raise UserError("参数太多了。")
        year, number = (int(p) for p in month.split("-"))
        start = datetime(year, number, 1, tzinfo=self.time.tz)
        end = datetime.fromisoformat(next_month(month) + "-01").replace(tzinfo=self.time.tz)
        items = self._items_due(month)
        labels = self.labels()
        remarks: dict[str, int] = {}
        for _order_no, version in self.orders.remarks_between(start, end):
            remarks[version.author] = remarks.get(version.author, 0) + 1
        sales = self.orders.sales(start, end)
        export = MonthExport(
            month,
            self.time.tz.key,
            now,
            final=self.kpi.is_final(month),
            attendance=tuple(self._attendance(month, now)),
            attendance_points=self.settings.checkin.kpi_points,
            deadlines=tuple(self._deadline_lines(items)),
            dunning=tuple(self._dunning_lines(items)),
            sales=tuple(
                SalesLine(
                    no, labels.get(no, no + "号"), len(sales.get(no, [])), remarks.get(no, 0)
                )
                for no in sorted(set(sales) | set(remarks), key=int)
            ),
            requests=tuple(self.discounts.decided_in(month)),
            gifts=tuple(self.discounts.gifts_in(month)),
            kpi=tuple(self.rows(month, now)),
            rules=self.settings.kpi.rules,
            full=full,
        )
        data = await self.reports.xlsx(export)
        return data, f"客服月报-{month}.xlsx"

    def _attendance(self, month: str, now: datetime) -> list[AttendanceRow]:
        year, number = (int(p) for p in month.split("-"))
        return self.checkin.monthly_attendance(year, number, now)

    def _items_due(self, month: str) -> list[DeadlineItem]:
        """Return every item (open or closed) whose local due day falls in ``month``."""
        # The archive is keyed by the UTC month of closing: read the months around it.
        found: dict[int, DeadlineItem] = {i.id: i for i in self.items.all()}
        for utc_month in (_previous(month), month, next_month(month)):
            for item in self.items.closed(utc_month):
                found.setdefault(item.id, item)
        return [i for i in found.values() if month_of(i.due, self.time.tz) == month]

    def _owner(self, user_id: int) -> tuple[str, str]:
        member = self.members.get(user_id)
        return short_name(member), member.work_no if member else ""

    def _deadline_lines(self, items: list[DeadlineItem]) -> list[DeadlineLine]:
        rules = self.settings.deadlines.rules
        lines = []
        for item in sorted(items, key=lambda i: i.id):
            owner, work_no = self._owner(item.owner)
            closing = item.closing
            rule = rules.get(item.rule)
            lines.append(
                DeadlineLine(
                    item.id,
                    rule.label if rule else item.rule,
                    owner,
                    item.ref,
                    item.due,
                    closing.at if closing else None,
                    closing_word(closing.status) if closing else "",
                    item.received,
                    work_no,
                    item.kind,
                )
            )
        return lines

    def _dunning_lines(self, items: list[DeadlineItem]) -> list[DunningLine]:
        names = {p.key: p.name for p in self.settings.platforms}
        lines = []
        for item in sorted(items, key=lambda i: i.id):
            if item.kind != DUNNING:
                continue
            owner, work_no = self._owner(item.owner)
            attempts = item.attempts
            lines.append(
                DunningLine(
                    item.ref,
                    names.get(item.platform or "", item.platform or ""),
                    owner,
                    item.due,
                    attempts[0].at if attempts else None,
                    attempts[-1].result if attempts else "",
                    item.closing is not None and item.closing.status == "paid",
                    work_no,
                )
            )
        return lines

    def _month(self, words: list[str], today: date) -> str:
        month, rest = self._month_and_rest(words, today)
        if rest:
            raise UserError("参数太多了。")
        return month

    def _month_and_rest(self, words: list[str], today: date) -> tuple[str, list[str]]:
        """Read an optional leading ``YYYY-MM`` (default this month); a future one is refused."""
        if words and _looks_like_month(words[0]):
            year, number = _parse_month(words[0])
            month = f"{year:04d}-{number:02d}"
            if month > f"{today:%Y-%m}":
                raise UserError(f"{month} 还没开始。")
            return month, words[1:]
        return f"{today:%Y-%m}", words

    def _trailing_month(self, words: list[str], now: datetime) -> tuple[str, list[str]]:
        """Read an optional trailing ``YYYY-MM`` (entries for last month in the grace days)."""
        if words and _looks_like_month(words[-1]):
            year, number = _parse_month(words[-1])
            return f"{year:04d}-{number:02d}", words[:-1]
        return self.month_now(now), words


def _decision_buttons(number: int) -> Keyboard:
    return [[Button("同意", f"discount:ok:{number}"), Button("拒绝", f"discount:no:{number}")]]


def _previous(month: str) -> str:
    year, number = (int(p) for p in month.split("-"))
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def _looks_like_month(word: str) -> bool:
    parts = word.split("-")
    return len(parts) == 2 and len(parts[0]) == 4 and all(p.isdigit() for p in parts)


def _parse_month(word: str) -> tuple[int, int]:
    year, number = (int(p) for p in word.split("-"))
    if not 1 <= number <= 12 or year < 2000:
        raise UserError(f"月份格式不对：「{word}」，应为 YYYY-MM，如 2026-11。")
    return year, number


def _work_no(text: str) -> str:
    try:
        return parse_work_no(text)
    except ValueError as err:
        raise UserError(str(err)) from None


def _is_points(word: str) -> bool:
    return word.lstrip("+-").isdigit()
