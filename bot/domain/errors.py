"""Errors whose message is meant for the user, in Chinese."""


class UserError(Exception):
    """A rule was broken by the user's input; ``str(err)`` is the Chinese reply."""


class Refusal(UserError):
    """A command understood but refused by a rule; the reply needs no usage line."""
