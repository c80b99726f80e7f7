"""The deadlines service: one method per command, and the timers it registers at start.

Every method takes the member, the words the command was given and the moment, and returns
the reply; a :class:`UserError` is replied with the command's usage line, a
:class:`Refusal` without it. The parts it is made of: :mod:`.tracker` (the items and the
one timer), :mod:`.wording` (how items read), :mod:`.alerts` (what a rung sends and to
whom, routines), :mod:`.review` (the lead's daily C/B review).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import TeamTime
from bot.config import Settings
from bot.config.deadlines import DeadlinesSettings
from bot.domain.deadline_input import looks_like_time, parse_moment
from bot.domain.deadline_item import (
    DUNNING,
    FOLLOWUP,
    SHIPPED,
    TICKET,
    Attempt,
    DeadlineItem,
    Visit,
    chase_met,
    ends_order,
    may_reassign,
)
from bot.domain.deadlines import is_overdue, lateness_minutes
from bot.domain.dunning_rate import Tally, tally
from bot.domain.errors import Refusal, UserError
from bot.domain.followup import customer_name, parse_class
from bot.domain.members import Member, parse_work_no, short_name
from bot.domain.numbers import half_width, is_blank, read_number
from bot.domain.text import mask_phones
from bot.persistence.deadlines import ItemRepo, Page
from bot.persistence.members import MemberRepo
from bot.scheduling import Scheduler
from bot.scripts import ScriptBook
from bot.services.deadlines.alerts import EXPIRE, REVIEW, Alerts
from bot.services.deadlines.lookups import DUNNED_FIRST, FOLLOWED, FOLLOWED_FIRST, NUMBERED, Lookup
from bot.services.deadlines.platforms import platform_named
from bot.services.deadlines.review import LOST, Review
from bot.services.deadlines.tracker import TICK, Ownership, Tracker
from bot.services.deadlines.wording import Wording, duration
from bot.services.messenger import Answer, Messenger
from bot.services.orders import OrderService
from bot.services.roster import Roster

log = logging.getLogger(__name__)
CUSTOMER_LIMIT = 40  # characters of a customer's name or nickname


@dataclass(frozen=True)
class Closed:
    """An item just archived, and whether it was finished after its due time."""

    item: DeadlineItem
    late: bool


@dataclass
class DeadlineService:
    """Dunning, follow-ups, tickets and shipping checks: their commands and reminders."""

    settings: Settings
    time: TeamTime
    items: ItemRepo
    members: MemberRepo
    roster: Roster
    scheduler: Scheduler
    messenger: Messenger
    scripts: ScriptBook
    orders: OrderService
    tracker: Tracker = field(init=False)
    wording: Wording = field(init=False)
    alerts: Alerts = field(init=False)
    review: Review = field(init=False)

    def __post_init__(self) -> None:
        self.tracker = Tracker(self.settings, self.time, self.items, self.roster, self.scheduler)
        self.wording = Wording(self.settings, self.time, self.members, self.scripts)
        self.alerts = Alerts(
            self.settings,
            self.time,
            self.tracker,
            self.wording,
            self.members,
            self.roster,
            self.scheduler,
        )
        self.review = Review(
            self.settings,
            self.tracker,
            self.wording,
            self.alerts,
            self.members,
            self.messenger,
            self.scheduler,
        )

    @property
    def conf(self) -> DeadlinesSettings:
        """Return the settings of the deadlines feature."""
        return self.settings.deadlines

    def start(self) -> None:
        """Register the timers, re-arm the tick from the open items, warn about the calendar."""
        self.scheduler.on(TICK, self.alerts.on_tick)
        self.scheduler.on(REVIEW, self.review.on_review)
        self.scheduler.on(EXPIRE, self.alerts.on_expire)
        self.scheduler.add_planner(self.alerts.plan)
        self.tracker.rebuild()
        self.alerts.warn_calendar()

    def find(self, lookup: Lookup, ref: str) -> DeadlineItem:
        """Return the open item the user's word names; refuse when there is none, and list
        the candidates (changing nothing) when the word may mean more than one."""
        if lookup.candidates is not None:
            found = lookup.candidates(self.items, ref)
            if len(found) > 1:
                names = "\n".join(f"#{i.id} {mask_phones(i.ref)}（{i.cls}类）" for i in found)
                raise Refusal(
                    f"正在跟进的“{ref}”有 {len(found)} 位客户：\n{names}\n"
                    f"请用编号代替客户名再发一次，例如 #{found[0].id}。"
                )
        item = lookup.find(self.items, ref)
        if item is None:
            raise UserError(lookup.missing.format(ref=ref))
        return item

    # ---- dunning ------------------------------------------------------------------------

    def open_dunning(self, member: Member, order: str, rest: list[str], now: datetime) -> str:
        """Open the chase of an unpaid order: ``rest`` is [platform] [when it was placed]."""
        order = self._order_no(order)
        platform = None
        if rest and not looks_like_time(rest):
            platform = platform_named(self.settings.platforms, rest[0])
            if platform is None:
                names = "、".join(p.name for p in self.settings.platforms)
                raise UserError(f"不认识的平台“{rest[0]}”，可选：{names}。")
            rest = rest[1:]
        placed = now
        if rest:
            placed, used = parse_moment(rest, self.time.local(now))
            if used != len(rest):
                raise UserError(f"多余的内容“{' '.join(rest[used:])}”。")
        if platform is None:
            platform = self._detect_platform(order)
        if self.items.find(DUNNING, order) is not None:
            raise UserError(f"订单 {order} 已在催付中，发送 /mine 查看。")
        rule = self.conf.dunning_rule
        ownership = self.tracker.ownership(
            rule, platform, member, now, self.tracker.due(rule, placed)
        )
        item = self.tracker.open_item(
            DUNNING, rule, order, member, placed, now, platform, owner=ownership.owner
        )
        self._tell_new_owner(item, member, ownership, now)
        script = self.wording.script("dunning/opening", {"customer": "亲"}, member)
        text = self.wording.opened(item, "催付", now) + self._handoff_line(ownership)
        return text + (f"\n催付话术：\n{script}" if script else "")

    def _handoff_line(self, ownership: Ownership) -> str:
        """Return the line saying the holder at registration leaves before the due time."""
        if ownership.first is None or ownership.leaves is None:
            return ""
        return (
            f"\n{short_name(ownership.first)} 的班次 {self.wording.fmt(ownership.leaves)} 结束，"
            f"早于到期时间，已交给下一位挂号人 {short_name(ownership.owner)}。"
        )

    def _tell_new_owner(
        self, item: DeadlineItem, creator: Member, ownership: Ownership, now: datetime
    ) -> None:
        """Tell an owner who did not register the item, once, that it is theirs (and how late
        it already is); the one who registered it reads the same in the reply."""
        if item.owner == creator.user_id:
            return
        text = (
            f"📌 {creator.name} 登记了 {self.wording.describe(item)}，负责人是您"
            f"（谁挂号谁催付），应于 {self.wording.due_of(item)} 前完成。"
        )
        if ownership.first is not None and ownership.leaves is not None:
            text += f"{short_name(ownership.first)} 的班次先结束，由您接手。"
        if is_overdue(item.due, now):
            text += f"\n⚠️ 登记时已超时 {duration(lateness_minutes(item.due, now))}，请立即处理。"
        # To the owner themself, even off shift: it is news about their own work, not a rung.
        self.scheduler.notify(
            {"user": item.owner},
            text,
            key=f"deadlines:{item.id}:owner:{item.owner}",
            kind="deadlines",
        )

    def record_attempt(self, member: Member, order: str, result: str, now: datetime) -> str:
        """Record one dunning attempt, also on the order's remark history.

        The first attempt meets the 催付 deadline (on time or late): no reminder follows. A
        result saying the buyer gave up (不要了、已取消…) closes the order unpaid.
        """
        item = self.find(DUNNED_FIRST, order)
        result = result[:200]
        first = not item.attempts
        item.attempts.append(Attempt(now, member.user_id, result))
        self.tracker.arm(item)  # the first chase ends the ladder
        self.items.save(item)
        self.tracker.arm_tick()
        try:
            self.orders.record_dunning(item.ref, result, member, now, platform=item.platform)
            remark = "，已写入订单备注记录"
        except Exception as err:  # the attempt is recorded here either way
            log.warning("remark history not updated for %s: %s", item.ref, err)
            remark = "（订单备注记录未能写入，请手动备注）"
        text = (
            f"已记录第 {len(item.attempts)} 次催付：订单 {item.ref} · {result} · "
            f"{member.name} {self.time.local(now):%m-%d %H:%M}{remark}。"
        )
        if first:
            text += "\n" + self._chase_verdict(item)
        if ends_order(result, self.conf.given_up_words):
            self.tracker.close(item, "given_up", member, now, result)
            return text + f"\n买家不要了：订单 {item.ref} 已关闭，计入催付未成交。"
        return text + f"\n买家付款后发送 /paid {item.ref} 记录结果。"

    def _chase_verdict(self, item: DeadlineItem) -> str:
        """Return whether the first chase met the deadline, and by how much it missed it."""
        if chase_met(item):
            return f"✅ 按时完成催付（应于 {self.wording.due_of(item)} 前），不再提醒。"
        late = lateness_minutes(item.due, item.attempts[0].at)
        return (
            f"⚠️ 催付已完成，但晚了 {duration(late)}（应于 {self.wording.due_of(item)} 前），"
            "不再提醒。"
        )

    def _month(self, item: DeadlineItem) -> str:
        """Return the local month (``YYYY-MM``) an order was first chased in."""
        return f"{self.time.local(item.attempts[0].at):%Y-%m}"

    def paid_text(self, item: DeadlineItem, late: bool) -> str:
        """Return the confirmation of a paid order: converted after a chase, or none owed.

        A payment after the due time is the buyer's doing; only a missing chase is noted.
        """
        if not item.attempts:
            if late:
                return (
                    f"✅ 订单 {item.ref} 已付款，结束。应于 {self.wording.due_of(item)} 前催付，"
                    "但没有记录催付（/dunned）。"
                )
            return f"✅ 订单 {item.ref} 已付款，还没催付就付了，无需催付。"
        return (
            f"✅ 订单 {item.ref} 已付款：催付成交（共催付 {len(item.attempts)} 次，"
            f"{'按时' if chase_met(item) else '超时'}完成催付）。"
        )

    def dunning_rate(self, now: datetime) -> str:
        """Show this month's dunning conversion rate (催付成交率) for the team and each chaser."""
        local = self.time.local(now)
        month = f"{local:%Y-%m}"
        items = [*self.items.closed(month), *self.items.all()]
        team, agents = tally(i for i in items if i.attempts and self._month(i) == month)
        head = f"{local.month}月催付成交率（催付后付款 ÷ 已有结果的催付订单）："
        if not team.decided and not team.pending:
            return head + "\n本月还没有催付记录。"
        lines = [head, f"全组：{_rate(team)}"]
        ranked = sorted(agents.items(), key=lambda kv: -(kv[1].rate() or 0))
        lines.extend(f"{short_name(self.members.get(uid))}：{_rate(t)}" for uid, t in ranked)
        return "\n".join(lines)

    # ---- follow-ups ---------------------------------------------------------------------

    def open_followup(self, member: Member, customer: str, words: list[str], now: datetime) -> str:
        """Open the visits of a customer: ``words`` are the concern, maybe ending in A|B|C."""
        if is_blank(customer):
            raise UserError("客户称呼不能为空，例如 /prospect 王女士 嫌贵 B")
        if len(customer) > CUSTOMER_LIMIT:
            raise UserError(f"客户称呼最多 {CUSTOMER_LIMIT} 个字，收到 {len(customer)} 个字。")
        cls = "A"
        if len(words) > 1:
            try:
                cls = parse_class(words[-1])
                words = words[:-1]
            except ValueError:
                if re.fullmatch(r"[A-Za-zＡ-Ｚａ-ｚ]", words[-1]):
                    raise UserError(f"客户分类只有 A、B、C 三类，收到「{words[-1]}」。") from None
                # any other last word belongs to the concern
        concern = " ".join(words)[:200]
        if read_number(half_width(customer).removeprefix("#")) is not None:
            raise UserError("客户请写名字（可加手机尾号或平台昵称），例如 张女士-8812。")
        same = self.items.find(FOLLOWUP, customer)
        if same is not None:
            shown = mask_phones(customer)
            raise Refusal(
                f"客户 {shown} 已在跟进中（#{same.id}），同一位客户发送 /visit #{same.id} "
                f"记录回访；另一位同名客户请在名字后加上区分信息（手机尾号或平台昵称），"
                f"例如 /prospect {customer_name(customer)}-8812 {concern}。"
            )
        item = self.tracker.open_followup(member, customer, cls, concern, now)
        if cls == "C":
            return (
                f"已登记 C 类客户 {mask_phones(customer)}（#{item.id}，顾虑：{concern}）。"
                f"组长今天 {self.conf.review_at:%H:%M} 复核：确认“无需跟进”即结束，否则进入回访。"
            )
        text = (
            f"已登记跟进：{self.wording.describe(item)}，顾虑：{concern}。\n"
            f"第 1 次回访 {self._opens(item)} 提醒，{self.wording.due_of(item)} 前完成；"
            f"共 {self.conf.cadence.visits} 次，客户回复则重新开始。"
        )
        if cls == "B":
            text += "\nB 类客户组长会抽查复核。"
        return text

    def record_visit(self, member: Member, customer: str, note: str, now: datetime) -> str:
        """Record a visit; after the last one with no reply the follow-up closes itself."""
        item = self.find(FOLLOWED_FIRST, customer)
        if item.paused:
            if item.review == LOST:
                raise Refusal(
                    f"客户 {mask_phones(item.ref)}（#{item.id}）已报流失，等待组长确认后再回访。"
                )
            raise Refusal(f"客户 {customer} 是 C 类，等待组长复核后再回访。")
        number = item.visit
        note = note[:200]
        item.visits.append(Visit(number, now, member.user_id, note))
        shown = mask_phones(item.ref)
        if number >= self.conf.cadence.visits:
            self.tracker.close(item, "no_reply", member, now)
            return (
                f"已记录第 {number} 次回访：客户 {shown}。"
                f"连续 {number} 次回访无回复，跟进结束（#{item.id}）。"
            )
        item.visit = number + 1
        self.tracker.reschedule(item, now)
        return (
            f"已记录第 {number} 次回访：客户 {shown}{'（' + note + '）' if note else ''}。"
            f"第 {item.visit} 次回访 {self._opens(item)} 提醒，"
            f"{self.wording.due_of(item)} 前完成。"
        )

    def replied(self, customer: str, now: datetime) -> str:
        """The customer answered: the cadence starts over from today."""
        item = self.find(FOLLOWED, customer)
        item.replies += 1
        self.tracker.restart_cycle(item, now)
        return (
            f"客户 {mask_phones(item.ref)} 有回复，回访周期重新开始："
            f"第 1 次回访 {self._opens(item)} 提醒。成交后发送 /bought {item.ref}。"
        )

    async def lost(self, member: Member, customer: str, reason: str, now: datetime) -> str:
        """Close a lost customer after enough visits; with fewer, ask the lead to confirm.

        The rule book asks for at least three real follow-ups before a customer is given up.
        """
        item = self.find(FOLLOWED, customer)
        shown = mask_phones(item.ref)
        if item.review == LOST:
            raise Refusal(f"客户 {shown}（#{item.id}）的流失已报组长，等待确认。")
        visits = len(item.visits)
        least = self.conf.cadence.visits
        if visits >= least:
            self.tracker.close(item, "lost", member, now, reason[:200])
            return f"客户 {shown} 已流失，跟进结束（#{item.id}，回访 {visits} 次）。"
        await self.review.ask_lost(item, member, reason[:200])
        return (
            f"客户 {shown}（#{item.id}）只回访了 {visits} 次，不足 {least} 次，"
            f"流失需组长确认：已发给组长复核，确认前暂停回访提醒。"
        )

    def _opens(self, item: DeadlineItem) -> str:
        """Return when the item's visit window opens, as a reminder time."""
        return self.wording.fmt(item.opens or item.due)

    # ---- tickets and shipping checks ----------------------------------------------------

    def open_ticket(
        self, member: Member, kind: str, number: str, rest: list[str], now: datetime
    ) -> str:
        """Open a platform ticket: ``rest`` is [when it came in] [a note]."""
        rule_name = self.conf.tickets.get(kind.casefold())
        if rule_name is None:
            words = "、".join(sorted({w for w in self.conf.tickets if not w.isascii()}))
            raise UserError(f"不认识的工单类型“{kind}”，可选：{words}。")
        number = number[:60]
        received = now
        if looks_like_time(rest):
            received, used = parse_moment(rest, self.time.local(now))
            rest = rest[used:]
        if self.items.find(TICKET, number) is not None:
            raise UserError(f"工单 {number} 已登记，发送 /mine 查看。")
        platform = platform_named(self.settings.platforms, kind)
        item = self.tracker.open_item(
            TICKET, rule_name, number, member, received, now, platform, note=" ".join(rest)[:200]
        )
        return (
            self.wording.opened(item, "工单", now)
            + f"\n收到时间 {self.time.local(received):%m-%d %H:%M}；处理完发送 /done {number}。"
        )

    def open_shipped(self, member: Member, order: str, now: datetime) -> str:
        """Remember to check logistics and call the buyer on day 7 after shipping."""
        order = self._order_no(order)
        if self.items.find(SHIPPED, order) is not None:
            raise Refusal(f"订单 {order} 已登记发货回访。")
        platform = self._detect_platform(order)
        item = self.tracker.open_item(
            SHIPPED, self.conf.shipped_rule, order, member, now, now, platform
        )
        return (
            f"已登记发货：{self.wording.describe(item)}。{self.wording.due_of(item)} 提醒查物流、"
            f"电话回访并邀请好评；完成后发送 /done {order}。"
        )

    def _order_no(self, text: str) -> str:
        """Return an order number checked by the orders feature's rules."""
        try:
            return self.orders.validate_order_no(text)
        except UserError:
            raise
        except ValueError as err:
            raise UserError(str(err)) from None

    def _detect_platform(self, order: str) -> str | None:
        """Return the platform an order number belongs to, when the orders feature can tell."""
        try:
            return self.orders.detect_platform(order)
        except Exception as err:  # detection is a convenience; the order still gets chased
            log.warning("platform detection failed for %s: %s", order, err)
            return None

    # ---- any item -----------------------------------------------------------------------

    def close(
        self, lookup: Lookup, ref: str, status: str, member: Member, note: str, now: datetime
    ) -> Closed:
        """Archive the item the user's word names as ``status``, with the words after it."""
        item = self.find(lookup, ref)
        late = self.tracker.close(item, status, member, now, note[:200])
        return Closed(item, late)

    def reassign(self, member: Member, number: str, work_no: str, now: datetime) -> str:
        """Hand an item to another member and tell the new owner."""
        item = self.find(NUMBERED, number)
        self.check_may_reassign(member, item)
        try:
            work_no = parse_work_no(work_no)
        except ValueError as err:
            raise UserError(str(err)) from None
        target = self.members.by_work_no(work_no)
        if target is None or target.removed:
            raise Refusal(f"没有工号为 {work_no} 的成员（发送 /team 查看）。")
        desc = self.wording.describe(item)
        if target.user_id == item.owner:
            raise Refusal(f"{desc} 的负责人已经是 {short_name(target)}。")
        previous = self.wording.owner_of(item)
        item.owner = target.user_id
        self.items.save(item)
        self.alerts.notify_owner(
            item,
            now,
            f"📌 {member.name} 把 {desc} 转交给 {short_name(target)}，"
            f"应于 {self.wording.due_of(item)} 完成。",
            "reassign",
            extra=str(target.user_id),
        )
        return f"已把 {desc} 从 {previous} 转交给 {short_name(target)}。"

    def check_may_reassign(self, member: Member, item: DeadlineItem) -> None:
        """Refuse unless the member is a lead or the item's owner."""
        if not may_reassign(member, item):
            raise Refusal("只有组长或该待办的负责人可以转交。")

    def decide_review(self, lead: Member, item_id: int, verdict: str, now: datetime) -> Answer:
        """Apply a lead's 无需跟进 / 继续跟进 on a reviewed customer."""
        return self.review.decide(lead, item_id, verdict, now)

    # ---- lists --------------------------------------------------------------------------

    def mine(self, member: Member, now: datetime) -> str:
        """List a member's open items, soonest first, overdue ones marked."""
        mine = self.items.owned(member.user_id, self.conf.list_limit)
        if not mine.total:
            return f"{member.name}，您目前没有待办。"
        late = self.items.late(now, member.user_id, 0).total
        head = f"{member.name} 的待办 {mine.total} 项"
        head += (f"（⚠️ {late} 项已超时）" if late else "") + "："
        return "\n".join([head, *self._listing(mine, now)])

    def due_on(self, days_ahead: int, now: datetime) -> str:
        """List every open item due today (0) or tomorrow (1), soonest first, with owners."""
        day = self.time.local(now).date() + timedelta(days=days_ahead)
        after = day + timedelta(days=1)
        due = self.items.due_between(
            datetime(day.year, day.month, day.day, tzinfo=self.time.tz),
            datetime(after.year, after.month, after.day, tzinfo=self.time.tz),
            self.conf.list_limit,
        )
        label = "今天" if days_ahead == 0 else "明天"
        if not due.total:
            return f"{label}（{day:%m-%d}）没有到期的待办。"
        lines = [f"{label}（{day:%m-%d}）到期的待办 {due.total} 项："]
        rest = "，各人发送 /mine 查看自己的全部待办"
        lines.extend(self._listing(due, now, with_owner=True, rest=rest))
        return "\n".join(lines)

    def overdue(self, now: datetime, work_no: str | None = None) -> str:
        """List everything overdue, grouped by owner, the owner with most first; or, given a
        工号, that member's overdue items. Lists at most ``list_limit`` items in all."""
        if work_no is not None:
            return self._overdue_of(self.members.named(work_no), now)
        late = self.items.late_owners(now)
        if not late:
            return "✅ 目前没有超时的待办。"
        lines = [f"超时待办共 {sum(count for count, _ in late.values())} 项："]
        room = self.conf.list_limit
        # the owner with most first; between equals, the one late longest
        for owner_id, (count, _) in sorted(late.items(), key=lambda kv: (-kv[1][0], kv[1][1])):
            owner = self.members.get(owner_id)
            head = f"\n【{short_name(owner)}】{count} 项"
            see = f"发送 /overdue {owner.work_no} 查看" if owner else ""
            shown = self.items.load(self.items.late(now, owner_id, room).ids if room else [])
            room -= len(shown)
            if not shown:  # the list is full: the owner's count, and how to see their items
                lines.append(f"{head} · {see}" if see else head)
                continue
            lines.append(head)
            lines.extend(self.wording.listing(shown, count, now, rest=see and f"，{see}"))
        return "\n".join(lines)

    def _overdue_of(self, owner: Member, now: datetime) -> str:
        """List one member's overdue items, soonest first."""
        late = self.items.late(now, owner.user_id, self.conf.list_limit)
        if not late.total:
            return f"✅ {short_name(owner)} 目前没有超时的待办。"
        head = f"【{short_name(owner)}】超时待办 {late.total} 项："
        return "\n".join([head, *self._listing(late, now)])

    def _listing(
        self, page: Page, now: datetime, with_owner: bool = False, rest: str = ""
    ) -> list[str]:
        """Return the lines of the first items of a list, and one counting the rest."""
        shown = self.items.load(page.ids)
        return self.wording.listing(shown, page.total, now, with_owner, rest)


def _rate(counted: Tally) -> str:
    """Return e.g. ``2/3 = 67%，另有 1 单待付款``."""
    rate = counted.rate()
    text = f"{counted.paid}/{counted.decided} = {rate:.0%}" if rate is not None else "暂无结果"
    return text + (f"，另有 {counted.pending} 单待付款" if counted.pending else "")
