"""Settings: the TOML file, validated once at start (see config.example.toml)."""

from bot.config.base import CoreSettings, Platform
from bot.config.core import FEATURE_SECTIONS, Settings, load_settings, parse_settings
from bot.config.errors import ConfigError

__all__ = [
    "FEATURE_SECTIONS",
    "ConfigError",
    "CoreSettings",
    "Platform",
    "Settings",
    "load_settings",
    "parse_settings",
]
