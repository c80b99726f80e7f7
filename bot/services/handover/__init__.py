"""The handover service (交接班): use cases, the cards in the team chat and the timer jobs.

- ``service``: HandoverService, what the handlers call (write, take over, reassign, lists).
- ``shifts``: which shift hands over to which, read from the roster.
- ``cards``: the item cards with 已接收/已处理 buttons, posted, refreshed and retired.
- ``timers``: the reminder, login post, lead alert, rollover and urgent escalation jobs.
"""

from bot.services.handover.service import HandoverService, Pressed, Written

__all__ = ["HandoverService", "Pressed", "Written"]
