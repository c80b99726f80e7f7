"""Entry point: ``python bot.py`` (console mode without TELEGRAM_BOT_TOKEN)."""

import sys

from bot.main import main

if __name__ == "__main__":
    sys.exit(main())
