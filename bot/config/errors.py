"""The error raised for a bad settings file."""


class ConfigError(Exception):
    """A setting is wrong; the message names the key and what is wrong, in one line."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"配置错误 [{key}]: {problem}")
        self.key = key
        self.problem = problem
