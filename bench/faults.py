"""Fault-injection trials against the real bot, in-process over the local Bot API.

Run: ``.venv/bin/python bench/faults.py [--kills 40] [--api 30] [--seed 1]``.

A reference day (2026-11-23 08:30 to 11-24 09:30 for the demo team, with handover items,
an unpaid order and a follow-up written at the start) is run once without faults; what it
delivers (each reminder line, per chat) and which handover items it leaves open are the
yardstick. Every trial runs the same day with one fault:

- kill: the process dies (a BaseException) at the k-th write of a data file, or right after
  Telegram accepted the k-th message and before it was marked sent; the bot is started again
  over the same data folder and the day goes on;
- api: for a while Telegram answers sendMessage with 429, 403, 400, 500 or a timeout after
  accepting the message; then it recovers;
- gate: a stranger's inline query, button press, command, a forwarded admin command, a
  command for another bot and a channel's /join, each while Telegram fails the refusal;
- bad input: every row of tests/handlers/test_bad_input.py.

Printed: trials, reminders lost, reminders sent twice (and how many of those were flagged
可能重复), handover items stuck, strangers let in, bad inputs answered badly.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.delivery import plain_text
from bot.domain.text import UNCONFIRMED
from bot.transport import local
from tests.handlers.test_bad_input import BAD_INPUTS, english, snapshot
from tests.harness import Crash, Harness, die_at_write

START, END = "2026-11-23 08:30", "2026-11-24 09:30"
STRANGER = 555001
_HEADER = re.compile(r"^🔔 共 \d+ 条提醒\n\n")
# Sent at each start, once a day: the reference restarts on another day than a trial does.
_START_NOTICE = "⚠️ 节假日日历未覆盖"


@dataclass
class Day:
    """What one run of the day delivered and left behind."""

    lines: Counter[str] = field(default_factory=Counter)
    flagged: Counter[str] = field(default_factory=Counter)
    open_items: dict[int, str] = field(default_factory=dict)


def _lines(text: str) -> list[tuple[str, bool]]:
    """Return the reminder lines of a combined message and whether each was flagged."""
    found = []
    for block in _HEADER.sub("", text).split("\n\n"):
        if "未开启私聊" in block.split("\n", 1)[0]:
            block = block.split("\n", 1)[1] if "\n" in block else ""  # a mention's first line
        flagged = block.endswith(UNCONFIRMED)
        block = block.removesuffix(UNCONFIRMED).removeprefix("【补发】").strip()
        if block:
            found.append((block, flagged))
    return found


async def _prepare(bot: Harness) -> None:
    """Write what gives the day its timers: handover items, an unpaid order, a follow-up."""
    bot.api.started |= {m.user_id for m in bot.svc.members.all()}
    await bot.send("2", "/handover 客户问发票\n买家要求换货 !急\n补发赠品")
    await bot.send("3", "/unpaid 3659284710562839471")
    await bot.send("2", "/prospect 王女士 嫌贵 B")


def _record(bot: Harness, day: Day, first: int) -> None:
    for call in bot.api.calls[first:]:
        if call.method != "sendMessage" or (
            isinstance(call.result, dict) and "error" in call.result
        ):
            continue
        for line, flagged in _lines(plain_text(call.text)):
            if line.startswith(_START_NOTICE):
                continue
            # By text alone: a reminder that reached its person by a mention in the team
            # chat (private chat refused) was delivered too.
            day.lines[line] += 1
            day.flagged[line] += flagged


async def _advance(bot: Harness, day: Day, mark: int) -> int:
    """Advance to the end of the day from where the clock is; return the new call mark."""
    try:
        await bot.advance(END)
    finally:
        _record(bot, day, mark)
    return len(bot.api.calls)


async def run_day(fault: Callable[[Harness], Callable[[], None]] | None) -> Day:
    """Run the day once; ``fault`` arms a fault on a bot and returns how to disarm it."""
    day = Day()
    with tempfile.TemporaryDirectory() as folder:
        async with Harness(Path(folder) / "data", start=START) as bot:
            await _prepare(bot)
            mark = len(bot.api.calls)
            disarm = fault(bot) if fault else (lambda: None)
            try:
                mark = await _advance(bot, day, mark)
            except Crash:
                mark = len(bot.api.calls)
            finally:
                disarm()
            await bot.restart()
            await bot.svc.scheduler.run_due()
            _record(bot, day, mark)
            mark = len(bot.api.calls)
            await _advance(bot, day, mark)
            day.open_items = {i.id: i.to_occ for i in bot.svc.handover.repo.open_items()}
    return day


def kill_at_write(k: int) -> Callable[[Harness], Callable[[], None]]:
    """Die at the k-th data file write of the day."""

    return lambda _bot: die_at_write(k)


def kill_after_send(k: int) -> Callable[[Harness], Callable[[], None]]:
    """Die right after Telegram accepted the k-th message, before it is marked sent."""

    def arm(bot: Harness) -> Callable[[], None]:
        count = 0

        def on_call(call: local.Sent) -> None:
            nonlocal count
            if call.method == "sendMessage" and not (
                isinstance(call.result, dict) and "error" in call.result
            ):
                count += 1
                if count == k:
                    raise Crash

        bot.api.on_call = on_call
        return lambda: setattr(bot.api, "on_call", None)

    return arm


def api_fault(kind: str, times: int) -> Callable[[Harness], Callable[[], None]]:
    """Make Telegram fail the next ``times`` sendMessage calls in the way ``kind`` says."""

    def arm(bot: Harness) -> Callable[[], None]:
        if kind == "timeout":
            real = local.LocalRequest.do_request
            left = times

            async def timing_out(self: local.LocalRequest, url: str, *args: Any, **kw: Any):  # type: ignore[no-untyped-def]
                nonlocal left
                answer = await real(self, url, *args, **kw)
                if url.endswith("/sendMessage") and left > 0:
                    left -= 1
                    from telegram.error import TimedOut

                    raise TimedOut  # Telegram took the message; the answer never came
                return answer

            local.LocalRequest.do_request = timing_out  # type: ignore[method-assign]
            return lambda: setattr(local.LocalRequest, "do_request", real)
        code, text, after = {
            "429": (429, "Too Many Requests: retry after 30", 30),
            "403": (403, "Forbidden: bot was kicked from the group chat", None),
            "400": (400, "Bad Request: can't parse entities: unclosed tag", None),
            "500": (500, "Internal Server Error", None),
        }[kind]
        bot.api.fail("sendMessage", code, text, times=times, retry_after=after)
        return lambda: None

    return arm


@dataclass
class Tally:
    """The figures the issue asks for."""

    trials: int = 0
    lost: int = 0
    twice: int = 0
    twice_flagged: int = 0
    unflagged: Counter[str] = field(default_factory=Counter)
    stuck: int = 0
    let_in: int = 0
    bad_answers: int = 0

    def compare(self, reference: Day, day: Day) -> None:
        """Add one day's differences from the reference."""
        self.trials += 1
        for key in reference.lines | day.lines:
            count, got = reference.lines.get(key, 0), day.lines.get(key, 0)
            self.lost += max(0, count - got)
            extra = max(0, got - count)
            flagged = min(extra, day.flagged.get(key, 0))
            self.twice += extra
            self.twice_flagged += flagged
            if extra > flagged:
                self.unflagged[key.split("\n", 1)[0][:40]] += extra - flagged
        self.stuck += sum(
            1 for i, target in day.open_items.items() if reference.open_items.get(i) != target
        )


async def gate_trials(tally: Tally) -> None:
    """Strangers (and forwarded or misaddressed commands) while Telegram fails refusals."""
    for method, code in [
        (m, c)
        for m in ("answerInlineQuery", "answerCallbackQuery", "sendMessage")
        for c in (500, 502, 429)
    ]:
        with tempfile.TemporaryDirectory() as folder:
            async with Harness(Path(folder) / "data", start="2026-11-23 16:50") as bot:
                [card] = [
                    c
                    for c in await bot.send("2", "/handover 客户问发票")
                    if any(
                        str(b.get("callback_data", "")).startswith("handover:") for b in c.buttons
                    )
                ]
                before = snapshot(bot.data_dir)
                bot.api.fail(method, code, "failure", times=99)
                stranger = bot.person(STRANGER)
                calls = await bot.process(bot.updates.inline_query(stranger, "包邮"))
                offered = any(c.params.get("results") not in (None, "[]", []) for c in calls)
                await bot.press(STRANGER, card, "已接收")
                await bot.send(STRANGER, "/handover 陌生人写的事项")
                await bot.send(STRANGER, "/remark 3659284710562839471 陌生人备注")
                forwarded = bot.updates.message(
                    bot.person("90"), bot.settings.team_chat, "/remove 3"
                )
                forwarded["message"]["forward_origin"] = {
                    "type": "hidden_user",
                    "date": 0,
                    "sender_user_name": "外人",
                }
                await bot.process(forwarded)
                await bot.send("2", "/交接@otherbot 别的机器人的事项")
                await bot.send(777000, "/join 7 频道")
                changed = snapshot(bot.data_dir) != before
                tally.trials += 1
                tally.let_in += int(offered or changed)


async def bad_input_trials(tally: Tally) -> None:
    """Every bad input of the table: an apology, English text or a changed file is bad."""
    with tempfile.TemporaryDirectory() as folder:
        for n, (who, text) in enumerate(BAD_INPUTS):
            async with Harness(Path(folder) / f"d{n}") as bot:
                await bot.svc.scheduler.run_due()
                before = snapshot(bot.data_dir)
                calls = await bot.send(who, text)
                said = [str(c.params.get("text", "")) for c in calls]
                bad = (
                    not said
                    or any("错误码" in s or english(s) for s in said)
                    or snapshot(bot.data_dir) != before
                    or bool(bot.errors)
                )
                tally.trials += 1
                tally.bad_answers += int(bad)


async def main() -> None:
    """Run every trial and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--api", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    rng = random.Random(args.seed)
    reference = await run_day(None)
    kinds: dict[str, Tally] = {}
    for n in range(args.kills):
        if n % 2 == 0:
            fault, label = kill_at_write(rng.randint(1, 60)), "kill: data write"
        else:
            fault, label = kill_after_send(rng.randint(1, 20)), "kill: sent, not marked"
        kinds.setdefault(label, Tally()).compare(reference, await run_day(fault))
    for n in range(args.api):
        kind = ("429", "403", "400", "500", "timeout")[n % 5]
        fault = api_fault(kind, rng.randint(1, 12))
        kinds.setdefault(f"api: {kind}", Tally()).compare(reference, await run_day(fault))
    kinds["gate"] = Tally()
    await gate_trials(kinds["gate"])
    kinds["bad input"] = Tally()
    await bad_input_trials(kinds["bad input"])
    total = Tally()
    print(f"reference day: {sum(reference.lines.values())} reminder and card lines delivered")
    print(
        f"{'trials':<24}{'n':>5}{'lost':>6}{'twice':>7}{'flagged':>9}{'stuck':>7}"
        f"{'let in':>8}{'bad':>5}"
    )
    for label, t in kinds.items():
        print(
            f"{label:<24}{t.trials:>5}{t.lost:>6}{t.twice:>7}{t.twice_flagged:>9}"
            f"{t.stuck:>7}{t.let_in:>8}{t.bad_answers:>5}"
        )
        for name in ("trials", "lost", "twice", "twice_flagged", "stuck", "let_in", "bad_answers"):
            setattr(total, name, getattr(total, name) + getattr(t, name))
    print(
        f"{'total':<24}{total.trials:>5}{total.lost:>6}{total.twice:>7}"
        f"{total.twice_flagged:>9}{total.stuck:>7}{total.let_in:>8}{total.bad_answers:>5}"
    )
    unflagged = sum((t.unflagged for t in kinds.values()), Counter[str]())
    if unflagged:
        print("sent twice without the 可能重复 flag (first line, times):")
        for line, times in unflagged.most_common():
            print(f"  {times:>3}  {line}")


if __name__ == "__main__":
    asyncio.run(main())
