#!/usr/bin/env bash
# Create .venv if needed, install the pinned requirements, start the bot.
# Without TELEGRAM_BOT_TOKEN the bot starts in console mode with the demo team.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-ocr.txt
exec .venv/bin/python bot.py "$@"
