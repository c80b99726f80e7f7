"""The deadlines service: dunning, follow-ups, tickets and shipping checks, and their timers."""

from bot.services.deadlines.service import DeadlineService

__all__ = ["DeadlineService"]
