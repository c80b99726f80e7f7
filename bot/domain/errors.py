"""Errors whose message is meant for the user, in Chinese."""


class UserError(Exception):
    """A rule was broken by the user's input; ``str(err)`` is the Chinese reply."""
