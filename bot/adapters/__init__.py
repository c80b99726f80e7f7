"""Telegram-facing helpers that services use through their ports (never imported by them)."""
