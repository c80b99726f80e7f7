"""Who is on duty: regular shifts and weekly days off from settings, plus what leads record.

Every feature asks ``svc.roster``. Leads add days off and leave (/off), swaps (/swap) and
account assignments (/assign); check-ins that name accounts also claim them. The default
account → agent mapping of each shift comes from the [checkin.accounts] settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.config import Settings
from bot.domain.checkin import fmt_day, split_names
from bot.domain.dates import parse_day
from bot.domain.errors import Refusal, UserError
from bot.domain.members import Member, Role, short_name
from bot.domain.roster_rules import (
    LEAVE,
    OFF_KINDS,
    Assignment,
    DayOff,
    Swap,
    coverage,
    effective_shift,
    fmt_rest_days,
    parse_rest_days,
)
from bot.domain.shifts import Shift, ShiftOccurrence, occurrence_at
from bot.domain.times import fmt_hhmm
from bot.persistence.members import MemberRepo
from bot.persistence.roster import RosterRepo
from bot.services.messenger import Answer

Coverage = dict[ShiftOccurrence, dict[str, Member | None]]  # account holders per occurrence
REGULAR_REST = "轮休"  # the member's weekly day off from settings
RESET_WORDS = ("默认", "default", "-")  # /assign <账号> 默认: back to the default holder

SWAP_AHEAD_DAYS = 366  # a swap is agreed for a coming shift, not for years ahead


@dataclass(frozen=True)
class SwapAsked:
    """A swap one member asked for: the request to confirm and the text of its card."""

    request_id: int
    text: str


@dataclass
class Roster:
    """Answers who works which shift on a date and who covers each platform account."""

    settings: Settings
    members: MemberRepo
    repo: RosterRepo

    def regular(self, work_no: str, day: date) -> str | None:
        """Return the shift a member works on ``day`` by settings alone (None: day off)."""
        member = self.members.by_work_no(work_no)
        if member is None or member.shift is None or day.isoweekday() in member.days_off:
            return None
        return member.shift

    def shift_of(self, member: Member, day: date) -> str | None:
        """Return the shift key ``member`` works on ``day`` (None: not working)."""
        return effective_shift(
            self.regular, member.work_no, day, self.repo.offs(day), self.repo.swaps(day)
        )

    def on_duty(self, day: date, shift_key: str) -> list[Member]:
        """Return the agents and leads working ``shift_key`` that starts on ``day``."""
        offs, swaps = self.repo.offs(day), self.repo.swaps(day)
        return [
            m
            for m in self.members.all()
            if m.role <= Role.LEAD
            and effective_shift(self.regular, m.work_no, day, offs, swaps) == shift_key
        ]

    def agents_on_duty(self, day: date, shift_key: str) -> list[Member]:
        """Return the agents (not leads) expected to check in for a shift occurrence."""
        return [m for m in self.on_duty(day, shift_key) if m.role is Role.AGENT]

    def absence(self, member: Member, day: date) -> str | None:
        """Return why a member with a regular shift is off on ``day`` (请假/休息/轮休), or None."""
        off = next((o for o in self.repo.offs(day) if o.work_no == member.work_no), None)
        if off is not None:
            return off.kind
        if member.shift is not None and self.shift_of(member, day) is None:
            return REGULAR_REST
        return None

    def partner(self, work_no: str, day: date) -> str | None:
        """Return whom a member swapped with on ``day``, if anyone."""
        for swap in self.repo.swaps(day):
            other = swap.partner(work_no)
            if other is not None:
                return other
        return None

    def current(self, moment: datetime) -> ShiftOccurrence | None:
        """Return the shift occurrence running at (or about to start after) ``moment``."""
        return occurrence_at(self.settings.shifts, moment, self.settings.timezone)

    def running(self, moment: datetime) -> list[ShiftOccurrence]:
        """Return the shift occurrences running at ``moment``, the latest started first."""
        tz = self.settings.timezone
        local = moment.astimezone(tz)
        found = []
        for day in (local.date() - timedelta(days=1), local.date()):
            for shift in self.settings.shifts:
                occurrence = ShiftOccurrence(shift, day)
                if occurrence.start(tz) <= local < occurrence.end(tz):
                    found.append(occurrence)
        return sorted(found, key=lambda o: o.start(tz), reverse=True)

    def next_occurrence_of(self, member: Member, moment: datetime) -> ShiftOccurrence | None:
        """Return the member's shift running at ``moment`` or the next one within a week."""
        tz = self.settings.timezone
        local = moment.astimezone(tz)
        for offset in range(-1, 8):
            day = local.date() + timedelta(days=offset)
            key = self.shift_of(member, day)
            shift = self.settings.shift(key) if key else None
            if shift is not None and local < shift.end_at(day, tz):
                return ShiftOccurrence(shift, day)
        return None

    def accounts(self) -> tuple[str, ...]:
        """Return every platform account in settings order."""
        return tuple(a for p in self.settings.platforms for a in p.accounts)

    def coverage(self, occurrence: ShiftOccurrence) -> dict[str, Member | None]:
        """Return account → the member covering it in one shift occurrence (None: uncovered)."""
        day, key = occurrence.day, occurrence.shift.key
        on_duty = {m.work_no for m in self.on_duty(day, key)}
        partners = {}
        for swap in self.repo.swaps(day):
            partners[swap.first], partners[swap.second] = swap.second, swap.first
        holders = coverage(
            self.accounts(),
            self.settings.checkin.accounts.get(key, {}),
            on_duty,
            partners,
            self.repo.assignments(day, key),
        )
        return {
            account: self.members.by_work_no(no) if no else None for account, no in holders.items()
        }

    def accounts_of(self, member: Member, occurrence: ShiftOccurrence) -> list[str]:
        """Return the accounts a member covers in one shift occurrence."""
        return [
            a
            for a, m in self.coverage(occurrence).items()
            if m is not None and m.work_no == member.work_no
        ]

    def upcoming(self, moment: datetime) -> list[ShiftOccurrence]:
        """Return shift occurrences starting within the early check-in window after ``moment``."""
        tz = self.settings.timezone
        local = moment.astimezone(tz)
        early = timedelta(minutes=self.settings.checkin.early_minutes)
        found = []
        for day in (local.date(), local.date() + timedelta(days=1)):
            for shift in self.settings.shifts:
                occurrence = ShiftOccurrence(shift, day)
                if local < occurrence.start(tz) <= local + early:
                    found.append(occurrence)
        return sorted(found, key=lambda o: o.start(tz))

    def holder(
        self, account: str, moment: datetime, memo: Coverage | None = None
    ) -> Member | None:
        """Return who covers a platform account at ``moment`` (None when nobody does).

        The shift that started last answers first; then the one it overlaps; then one about
        to start, whose agents may already have checked in early. ``memo`` keeps each
        occurrence's coverage for a batch of look-ups made while the roster does not change.
        """
        memo = {} if memo is None else memo
        for occurrence in [*self.running(moment), *self.upcoming(moment)]:
            covered = memo.get(occurrence)
            if covered is None:
                covered = memo[occurrence] = self.coverage(occurrence)
            member = covered.get(account)
            if member is not None:
                return member
        return None

    def offs_in_month(self, year: int, month: int) -> list[DayOff]:
        """Return the days off and leave recorded for a month."""
        return self.repo.offs_in_month(year, month)

    def archive_before(self, cutoff: date) -> int:
        """Move roster changes of days before ``cutoff`` to the archive; return how many."""
        return self.repo.archive_before(cutoff)

    # ---- accounts by name ----

    def resolve_accounts(self, text: str) -> list[str]:
        """Turn the names an agent or lead typed into account names; raise UserError."""
        result: list[str] = []
        for name in split_names(text):
            found = self.resolve_account(name)
            if found is None:
                raise UserError(f"没有账号 {name!r}。可用账号：{'、'.join(self.accounts())}")
            for account in found:
                if account not in result:
                    result.append(account)
        return result

    def resolve_account(self, name: str) -> list[str] | None:
        """Return the accounts a name means: an exact account, a platform, or a unique part."""
        accounts = self.accounts()
        if name in accounts:
            return [name]
        for platform in self.settings.platforms:
            if name in (platform.name, platform.key):
                return list(platform.accounts)
        partial = [a for a in accounts if name.lower() in a.lower()]
        return partial if len(partial) == 1 else None

    def _account(self, name: str) -> str:
        """Return the one account a name means; raise UserError when none or several."""
        found = self.resolve_account(name)
        if found is not None and len(found) == 1:
            return found[0]
        hint = f"“{name}”对应多个账号：{'、'.join(found)}" if found else f"没有账号 {name!r}"
        raise UserError(f"{hint}。可用账号：{'、'.join(self.accounts())}")

    # ---- what leads change: each returns the reply, or raises UserError for bad input ----

    def _member(self, text: str) -> Member:
        """Return the member with the 工号 a lead typed; raise UserError."""
        return self.members.named(text)

    def _day(self, text: str, now: datetime) -> date:
        return parse_day(text, now.astimezone(self.settings.timezone).date())

    def take_off(self, who: str, when: str, kind: str, by: Member, now: datetime) -> str:
        """Record leave (请假, costs KPI points) or a rest day (休息) for a member (/off)."""
        member = self._member(who)
        day = self._day(when, now)
        if kind not in OFF_KINDS:
            raise UserError(f"类型应为 请假 或 休息，收到 {kind!r}")
        already = any(o.work_no == member.work_no for o in self.repo.offs(day))
        if self.shift_of(member, day) is None and not already:
            return f"{member.display} {fmt_day(day)} 本来就不上班，无需登记。"
        self.repo.add_off(DayOff(member.work_no, day, kind, by.work_no, now))
        cost = "（计入考勤扣分）" if kind == LEAVE else ""
        return (
            f"已登记：{member.display} {fmt_day(day)} {kind}{cost}。"
            f"撤销请用 /duty undo {member.work_no} {day.isoformat()}"
        )

    def swap_shifts(self, one: str, other: str, when: str, by: Member, now: datetime) -> str:
        """Record a swap a lead approves for two members on a date (/swap A B 日期)."""
        if by.role < Role.LEAD:
            raise Refusal(
                "替他人登记换班需要组长权限。"
                "自己换班请用 /swap <对方工号> <日期>，对方确认后生效。"
            )
        first, second = self._member(one), self._member(other)
        day = self._day(when, now)
        change = self._swap_change(first, second, day, now)
        self.repo.add_swap(Swap(first.work_no, second.work_no, day, by.work_no, now))
        return (
            f"已登记换班 {fmt_day(day)}：{change}。"
            f"撤销请用 /duty undo {first.work_no} {day.isoformat()}"
        )

    def _swap_change(self, first: Member, second: Member, day: date, now: datetime) -> str:
        """Return what a swap changes (e.g. ``甲 改上晚班，乙 改为休息``); raise UserError."""
        if (day - now.astimezone(self.settings.timezone).date()).days > SWAP_AHEAD_DAYS:
            raise UserError(f"换班只能登记 {SWAP_AHEAD_DAYS} 天以内的日期，收到 {day}。")
        if first.work_no == second.work_no:
            raise UserError("不能和自己换班")
        for m in (first, second):
            if self.partner(m.work_no, day) is not None:
                raise UserError(
                    f"{m.display} {fmt_day(day)} 已有换班，请先 /duty undo {m.work_no} {day}"
                )
        shift_a, shift_b = self.shift_of(first, day), self.shift_of(second, day)
        if shift_a == shift_b:
            raise UserError(f"两人 {fmt_day(day)} 都是{self._shift_word(shift_a)}，换班没有变化")
        one, other = self._becomes(shift_b), self._becomes(shift_a)
        return f"{first.display} {one}，{second.display} {other}"

    def _becomes(self, key: str | None) -> str:
        """Return ``改上晚班``, or ``改为休息`` when the new day has no shift."""
        return f"改上{self._shift_word(key)}" if key else "改为休息"

    def ask_swap(self, asker: Member, other: str, when: str, now: datetime) -> SwapAsked:
        """Ask another member to swap shifts on a date; it takes effect once they agree."""
        second = self._member(other)
        day = self._day(when, now)
        change = self._swap_change(asker, second, day, now)
        request_id = self.repo.add_swap_request(
            Swap(asker.work_no, second.work_no, day, asker.work_no, now)
        )
        return SwapAsked(
            request_id,
            f"🔁 {asker.display} 申请 {fmt_day(day)} 与 {second.display} 换班：{change}。\n"
            f"请 {short_name(second)} 点“同意”确认（组长也可批准）；确认后才生效。",
        )

    def answer_swap(self, request_id: int, presser: Member, agree: bool, now: datetime) -> Answer:
        """Apply the partner's (or a lead's) 同意, or anyone's 拒绝 of the two or a lead."""
        asked = self.repo.swap_request(request_id)
        if asked is None:
            return Answer("该换班申请已处理过了。")
        first, second = self.members.by_work_no(asked.first), self.members.by_work_no(asked.second)
        if first is None or second is None:
            self.repo.drop_swap_request(request_id)
            gone = "有一方已不在团队，换班取消。"
            return Answer(gone, f"换班申请已取消：{gone}")
        lead = presser.role >= Role.LEAD
        may = lead or presser.work_no == second.work_no
        if not agree:
            may = may or presser.work_no == first.work_no
        if not may:
            return Answer(f"只有 {short_name(second)} 或组长可以确认这次换班。", alert=True)
        self.repo.drop_swap_request(request_id)
        day = asked.day
        if not agree:
            return Answer(
                "已拒绝。",
                f"{short_name(first)} 与 {short_name(second)} {fmt_day(day)} 的换班申请"
                f"已被 {presser.name} 拒绝，排班不变。",
            )
        try:
            change = self._swap_change(first, second, day, now)
        except UserError as err:
            return Answer("排班已变化，换班未生效。", f"换班未生效：{err}。")
        self.repo.add_swap(Swap(first.work_no, second.work_no, day, presser.work_no, now))
        how = "同意" if presser.work_no == second.work_no else "批准"
        return Answer(
            "换班已生效。",
            f"✅ 已换班 {fmt_day(day)}：{change}（{presser.name} {how}）。"
            f"撤销请组长用 /duty undo {first.work_no} {day.isoformat()}",
        )

    def _shift_word(self, key: str | None) -> str:
        shift = self.settings.shift(key) if key else None
        return shift.name if shift else (key or "休息")

    # ---- regular shifts and weekly rest days ----

    def shift_named(self, text: str) -> Shift:
        """Return the shift a lead typed (白班, 白, day); raise UserError."""
        word = text.strip().lower()
        for shift in self.settings.shifts:
            if word in (shift.key.lower(), shift.name, shift.name.removesuffix("班")):
                return shift
        names = "、".join(s.name for s in self.settings.shifts)
        raise UserError(f"没有班次 {text!r}，可选：{names}")

    def set_regular(
        self, who: str, shift_text: str, rest: list[str], by: Member, now: datetime
    ) -> str:
        """Set a member's regular shift and weekly rest days (/shift); they apply at once."""
        member = self._member(who)
        shift = self.shift_named(shift_text)
        try:
            days = parse_rest_days(rest) if rest else member.days_off
        except ValueError as err:
            raise UserError(str(err)) from None
        if len(days) == 7:
            raise UserError("一周七天都休息就无法排班了，请少选几天")
        return self.put_on_shift(member, shift, days, now)

    def put_on_shift(
        self, member: Member, shift: Shift, days: tuple[int, ...], now: datetime
    ) -> str:
        """Store a member's regular shift and rest days; say when their first shift is."""
        self.members.update(member.user_id, shift=shift.key, days_off=list(days))
        updated = self.members.get(member.user_id) or member
        first = self.next_occurrence_of(updated, now)
        when = (
            f"最近一班：{fmt_day(first.day)} {first.shift.label()}，"
            f"挂号截止 {fmt_hhmm(first.shift.checkin_deadline)}。"
            if first is not None
            else "近一周没有班。"
        )
        return f"已排班：{updated.display} {shift.label()}，每周休息 {fmt_rest_days(days)}。{when}"

    def undo(self, who: str, when: str, now: datetime) -> str:
        """Drop the day off, leave and swaps of a member on a date (/duty undo)."""
        member = self._member(who)
        day = self._day(when, now)
        dropped = self.repo.remove_for(member.work_no, day)
        if not dropped:
            return f"{member.display} {fmt_day(day)} 没有登记请假、休息或换班。"
        return f"已撤销 {member.display} {fmt_day(day)} 的{'、'.join(dropped)}。"

    def give_account(self, name: str, who: str, by: Member, now: datetime) -> str:
        """Give an account to a member for their current or next shift, or back (/assign).

        ``who`` is a 工号, or 默认 to give the account back to its default in the shift
        running now.
        """
        account = self._account(name)
        if who.lower() in RESET_WORDS:
            return self._reset_account(account, by, now)
        member = self._member(who)
        occurrence = self.next_occurrence_of(member, now)
        if occurrence is None:
            return f"{member.display} 近一周没有排班，无法分配账号。"
        before = self.coverage(occurrence).get(account)
        self.assign(account, member, occurrence, by, now)
        was = (
            f"（原由 {before.display} 负责）"
            if before and before.work_no != member.work_no
            else ""
        )
        return (
            f"已将 {account} 分给 {member.display}：{fmt_day(occurrence.day)} "
            f"{occurrence.shift.label()}{was}。"
        )

    def _reset_account(self, account: str, by: Member, now: datetime) -> str:
        occurrence = (self.running(now) or [self.current(now)])[0]
        if occurrence is None:
            return "现在不在任何班次内，无需恢复默认。"
        self.assign(account, None, occurrence, by, now)
        holder = self.coverage(occurrence).get(account)
        who = holder.display if holder else "无人负责"
        return (
            f"已恢复 {account} 的默认分配"
            f"（{fmt_day(occurrence.day)} {occurrence.shift.name}）：{who}。"
        )

    def assign(
        self,
        account: str,
        member: Member | None,
        occurrence: ShiftOccurrence,
        by: Member,
        at: datetime,
        source: str = "assign",
    ) -> None:
        """Give ``account`` to ``member`` (None: back to the default) for one occurrence."""
        self.repo.add_assignment(
            Assignment(
                account,
                member.work_no if member else None,
                occurrence.day,
                occurrence.shift.key,
                source,
                by.work_no,
                at,
            )
        )

    # ---- the /duty view ----

    def duty_text(self, day: date) -> str:
        """Return the roster of one date with account coverage per shift (/duty)."""
        lines = [f"📅 {fmt_day(day)} 值班"]
        for shift in self.settings.shifts:
            occurrence = ShiftOccurrence(shift, day)
            names = "、".join(short_name(m) for m in self.on_duty(day, shift.key)) or "无人"
            lines.append(f"\n【{shift.label()}】挂号截止 {fmt_hhmm(shift.checkin_deadline)}")
            lines.append(f"值班：{names}")
            for account, holder in self.coverage(occurrence).items():
                who = short_name(holder) if holder else "⚠️ 无人负责"
                lines.append(f"  {account} → {who}")
        absent = []
        for member in self.members.all():
            reason = self.absence(member, day)
            if reason is not None:
                absent.append(f"{short_name(member)}（{reason}）")
        if absent:
            lines.append(f"\n休息/请假：{'、'.join(absent)}")
        for s in self.repo.swaps(day):
            lines.append(f"换班：{s.first}号 ⇄ {s.second}号（{s.by}号登记）")
        return "\n".join(lines)
