"""The daily C/B review: leads see today's C customers and a sample of B, and decide."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.config import Settings
from bot.domain.deadline_item import FOLLOWUP, DeadlineItem
from bot.domain.followup import sample_for_review
from bot.domain.members import Member, short_name
from bot.domain.text import mask_phones, unconfirmed
from bot.persistence.members import MemberRepo
from bot.persistence.timers import Timer
from bot.scheduling import Scheduler
from bot.services.deadlines.alerts import REVIEW, Alerts
from bot.services.deadlines.tracker import Tracker
from bot.services.deadlines.wording import Wording
from bot.services.messenger import Answer, Button, Keyboard, Messenger

STOP = "stop"
GO = "go"
ASKING = "asking"  # picked for the card, which is being sent (a stop may come before it is)
ASKED = "asked"  # the card went out; it waits for the lead's button
LOST = "lost"  # reported lost before enough visits; the card waits for the lead's button


@dataclass
class Review:
    """Sends the review cards at ``review_at`` and applies the lead's 无需跟进 / 继续跟进."""

    settings: Settings
    tracker: Tracker
    wording: Wording
    alerts: Alerts
    members: MemberRepo
    messenger: Messenger
    scheduler: Scheduler

    async def on_review(self, timer: Timer, _late: bool) -> None:
        """Send each customer's review card once; later days get one line of what still waits.

        A card stays pressable until decided, so sending it again would only repeat it.
        """
        followups = [i for i in self.tracker.items.all() if i.kind == FOLLOWUP]
        waiting = [i for i in followups if i.review in (ASKED, LOST)]
        pending = [i for i in followups if i.review == "pending"]
        # Picked before a stop that may have come between sending a card and recording it:
        # their card goes again, marked as a possible repeat, and never twice unmarked.
        unsure = [i for i in followups if i.review == ASKING]
        c_items = [i for i in pending if i.cls == "C"]
        b_items = [i for i in pending if i.cls == "B"]
        share = self.settings.deadlines.review_share_b
        picked = set(sample_for_review([i.id for i in b_items], share, timer.key))
        for item in b_items:
            item.review = ASKING if item.id in picked else "skipped"
        for item in c_items:
            item.review = ASKING
        self.tracker.items.save_many(b_items + c_items)
        asked = c_items + [i for i in b_items if i.id in picked]
        chat = self._review_chat()
        if asked:
            await self._send(
                chat,
                f"📋 今日客户复核：C 类 {len(c_items)} 位（全部）、"
                f"B 类抽查 {len(asked) - len(c_items)} 位。",
                None,
            )
        again = {i.id for i in unsure}
        for item in unsure + asked:
            text = self._card(item)
            await self._send(
                chat, unconfirmed(text) if item.id in again else text, _buttons(item.id)
            )
            item.review = ASKED
            self.tracker.items.save(item)
        if waiting:  # through the outbox: queued once a day, so a run again after a stop
            # does not repeat it, and a send cut short is marked as a possible repeat
            to = {"user": chat.user_id} if isinstance(chat, Member) else {"chat": chat}
            key = f"{REVIEW}:waiting:{timer.key}"
            self.scheduler.notify(to, still_waiting(waiting), key, timer.due, "deadlines")

    def _card(self, item: DeadlineItem) -> str:
        """Return the review card of one customer."""
        return (
            f"{item.cls} 类客户复核 #{item.id}：{mask_phones(item.ref)}\n"
            f"顾虑：{item.concern or '未填写'} · 负责人 {self.wording.owner_of(item)}"
            f" · 已回访 {len(item.visits)} 次"
        )

    async def ask_lost(self, item: DeadlineItem, agent: Member, reason: str) -> None:
        """Pause a customer reported lost too early and send the lead the card to decide."""
        least = self.settings.deadlines.cadence.visits
        item.review = LOST
        item.paused = True
        item.note = reason
        self.tracker.arm(item)
        self.tracker.items.save(item)
        self.tracker.arm_tick()
        text = (
            f"流失复核 #{item.id}：{mask_phones(item.ref)}（{item.cls} 类）\n"
            f"{short_name(agent)} 报流失，原因：{reason or '未填写'} · "
            f"只回访了 {len(item.visits)} 次（店规至少 {least} 次）"
        )
        await self._send(self._review_chat(), text, _buttons(item.id))

    def _review_chat(self) -> int | Member:
        """Return the leads' chat, else a lead the bot can message, else the team chat."""
        if self.settings.leads_chat is not None:
            return self.settings.leads_chat
        reachable = [m for m in self.members.leads(None) if m.can_dm is not False]
        return reachable[0] if reachable else self.settings.team_chat

    async def _send(self, to: int | Member, text: str, keyboard: Keyboard | None) -> None:
        """Send to a chat, or to a lead (the team chat when they blocked the bot)."""
        if isinstance(to, Member):
            await self.messenger.to_member(to, text, keyboard)
        else:
            await self.messenger.to_chat(to, text, keyboard)

    def decide(self, lead: Member, item_id: int, verdict: str, now: datetime) -> Answer:
        """Apply a lead's 无需跟进 (``stop``) or 继续跟进 (``go``) on a reviewed customer."""
        item = self.tracker.items.get(item_id)
        if item is None or item.review not in ("pending", ASKING, ASKED, LOST):
            return Answer("该客户已处理过了。")
        customer = mask_phones(item.ref)
        if item.review == LOST:
            return self._decide_lost(lead, item, verdict, now)
        if verdict == STOP:
            item.review = STOP
            self.tracker.close(item, "no_followup", lead, now)
            return Answer(
                "已确认无需跟进。", f"#{item.id} {customer}：{lead.name} 确认无需跟进，已结束。"
            )
        item.review = GO
        if item.paused:
            item.paused = False
            self.tracker.restart_cycle(item, now)
        else:
            self.tracker.items.save(item)
        self._tell_owner(item, lead, customer, now)
        owner = self.wording.owner_of(item)
        card = f"#{item.id} {customer}：{lead.name} 要求继续跟进（负责人 {owner}）。"
        return Answer("已安排继续跟进。", card)

    def _decide_lost(
        self, lead: Member, item: DeadlineItem, verdict: str, now: datetime
    ) -> Answer:
        """Close a customer reported lost (无需跟进), or let the visits go on (继续跟进)."""
        customer = mask_phones(item.ref)
        if verdict == STOP:
            item.review = STOP
            self.tracker.close(item, "lost", lead, now, item.note)
            return Answer(
                "已确认流失。", f"#{item.id} {customer}：{lead.name} 确认无需跟进，按流失结束。"
            )
        item.review = GO
        item.paused = False
        item.note = ""
        self.tracker.reschedule(item, now)
        self._tell_owner(item, lead, customer, now)
        owner = self.wording.owner_of(item)
        card = f"#{item.id} {customer}：{lead.name} 要求继续跟进（负责人 {owner}）。"
        return Answer("已安排继续跟进。", card)

    def _tell_owner(self, item: DeadlineItem, lead: Member, customer: str, now: datetime) -> None:
        """Tell the owner that the lead wants the customer followed up."""
        self.alerts.notify_owner(
            item,
            now,
            f"📌 组长 {lead.name} 复核客户 {customer}（#{item.id}）：需要继续跟进。"
            f"第 {item.visit} 次回访 {self.wording.due_of(item)} 前完成。",
            "review-go",
        )


def still_waiting(items: list[DeadlineItem]) -> str:
    """Return the one daily line of customers whose review card is still unanswered."""
    names = "、".join(f"#{i.id} {mask_phones(i.ref)}（{i.cls} 类）" for i in items)
    return f"⏳ 仍待复核 {len(items)} 位（请在之前发出的卡片上选择）：{names}"


def _buttons(item_id: int) -> Keyboard:
    """Return the 无需跟进 / 继续跟进 buttons of one reviewed customer."""
    choices = (("无需跟进", STOP), ("继续跟进", GO))
    return [[Button(label, f"{REVIEW}:{item_id}:{verdict}") for label, verdict in choices]]
