"""The service layer: one service per feature holding its use cases and timer jobs.

Nothing here imports telegram: services take their repositories, settings, clock and the
services they call; they reach people only through the ``Messenger`` port (``messenger.py``),
which ``bot/delivery.py`` implements over the Bot API. ``wiring.build_services`` builds them.
"""
