"""The shop's platforms as the deadlines feature looks them up: by key or by a user's word."""

from __future__ import annotations

from bot.config.base import Platform


def platform_of(platforms: tuple[Platform, ...], key: str | None) -> Platform | None:
    """Return the platform of a key (None for none or an unknown one)."""
    return next((p for p in platforms if p.key == key), None)


def accounts_of(platforms: tuple[Platform, ...], key: str | None) -> tuple[str, ...]:
    """Return the shop accounts of a platform (none for an unknown one)."""
    found = platform_of(platforms, key)
    return tuple(found.accounts) if found else ()


def platform_named(platforms: tuple[Platform, ...], word: str) -> str | None:
    """Return the platform key a user's word names (key, Chinese name or account)."""
    wanted = word.strip().casefold()
    for platform in platforms:
        if wanted in (platform.key.casefold(), platform.name.casefold()):
            return platform.key
        if wanted in (a.casefold() for a in platform.accounts):
            return platform.key
    return None
