"""Bounds on rendering a reply script: time, steps, output size and arithmetic.

A template is code a lead uploads. The Jinja sandbox keeps it away from Python internals but
not from work: ``{{ 7**(10**7) }}``, ``'a'*10**9``, nested loops or ``lipsum(2000)`` would
freeze or kill the bot. ``BoundedSandbox`` refuses operations whose result would be huge
before computing them, and ``render_bounded`` stops a render after a number of template
steps, a wall-clock time or an output size, whichever comes first. A stopped render raises
``RenderLimit`` with a Chinese reason, so an upload is refused with it.
"""

from __future__ import annotations

import functools
import math
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, ClassVar

from jinja2 import Template, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import generate_lorem_ipsum

MAX_OUTPUT = 12_000  # characters of a rendered script: at most three Telegram messages
MAX_VALUE = 20_000  # characters (or items) of any value computed on the way
MAX_INT_BITS = 256  # integers a template computes stay below about 10**77
MAX_ARGUMENT = 10_000  # a number passed to a function or filter (widths, counts)
MAX_RANGE = 1_000  # items of range()
MAX_LIPSUM = 3  # paragraphs of lipsum()
MAX_STEPS = 200_000  # template lines run, loops included (deterministic)
MAX_SECONDS = 2.0  # wall-clock time of one render, the last resort
_WIDE = re.compile(r"\d{5,}")  # a width or precision of 10,000 or more in a format string


class RenderLimit(SecurityError):
    """A template asked for more work than a reply script may do; ``str(err)`` is Chinese."""


def _size(value: object) -> int | None:
    if isinstance(value, str | bytes | list | tuple):
        return len(value)
    return None


def _check_int(value: object) -> None:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise RenderLimit("模板里的数字过大（计算结果超过 77 位）")


def _check_value(value: object) -> object:
    size = _size(value)
    if size is not None and size > MAX_VALUE:
        raise RenderLimit(f"模板生成的内容过长（超过 {MAX_VALUE} 个字符）")
    _check_int(value)
    return value


def _check_argument(value: object) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float) and abs(value) > MAX_ARGUMENT:
        raise RenderLimit(f"模板里的参数 {value:g} 过大（上限 {MAX_ARGUMENT}）")
    _check_format(value)


def _check_format(value: object) -> None:
    """Refuse a format string with a huge width or precision (``%099999d``, ``{:>99999}``)."""
    if isinstance(value, str) and ("%" in value or "{" in value) and _WIDE.search(value):
        raise RenderLimit("模板里的格式宽度过大")


def _power(left: Any, right: Any) -> Any:
    if (
        isinstance(left, int)
        and isinstance(right, int)
        and right > 0
        and abs(left) > 1
        and right * math.log2(abs(left)) > MAX_INT_BITS
    ):
        raise RenderLimit("模板里的乘方结果过大（超过 77 位）")
    return left**right


def _times(left: Any, right: Any) -> Any:
    for seq, count in ((left, right), (right, left)):
        size = _size(seq)
        if size is not None and isinstance(count, int) and size * count > MAX_VALUE:
            raise RenderLimit(f"模板里的重复结果过长（超过 {MAX_VALUE} 个字符）")
    if (
        isinstance(left, int)
        and isinstance(right, int)
        and left.bit_length() + right.bit_length() > MAX_INT_BITS + 1
    ):
        raise RenderLimit("模板里的乘法结果过大（超过 77 位）")
    return left * right


def _plus(left: Any, right: Any) -> Any:
    a, b = _size(left), _size(right)
    if a is not None and b is not None and a + b > MAX_VALUE:
        raise RenderLimit(f"模板生成的内容过长（超过 {MAX_VALUE} 个字符）")
    return left + right


def _modulo(left: Any, right: Any) -> Any:
    _check_format(left)
    return left % right


def _bounded_range(*args: int) -> range:
    for arg in args:
        _check_argument(arg)
    found = range(*args)
    if len(found) > MAX_RANGE:
        raise RenderLimit(f"range 最多 {MAX_RANGE} 项")
    return found


def _bounded_lipsum(n: int = 5, html: bool = False, min: int = 20, max: int = 100) -> str:
    if n > MAX_LIPSUM or max > 100 or min > max:
        raise RenderLimit(f"lipsum 最多 {MAX_LIPSUM} 段、每段最多 100 个词")
    return generate_lorem_ipsum(n=n, html=html, min=min, max=max)


def _bounded_filter(filter_func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a filter so numbers passed to it (widths, counts) stay small."""

    # A filter marked pass_context/pass_environment gets that object before the value.
    skip = 1 if getattr(filter_func, "jinja_pass_arg", None) is not None else 0

    @functools.wraps(filter_func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        for value in args[skip : skip + 1]:
            _check_format(value)  # the filtered value may be any number; only its format counts
        for arg in (*args[skip + 1 :], *kwargs.values()):
            _check_argument(arg)
        return _check_value(filter_func(*args, **kwargs))

    return bounded


def _joined(parts: tuple[Any, ...]) -> str:
    text = "".join(map(str, parts))
    _check_value(text)
    return text


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` through the environment, so joined text is bounded too."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        """Write ``environment.joined((…))`` instead of Jinja's own join."""
        self.write("environment.joined((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox with arithmetic, repetition, text size, range and lipsum bounded."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"**", "*", "+", "%"})
    _binops: ClassVar[dict[str, Callable[[Any, Any], Any]]] = {
        "**": _power,
        "*": _times,
        "+": _plus,
        "%": _modulo,
    }

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = _bounded_range
        self.globals["lipsum"] = _bounded_lipsum
        self.filters = {name: _bounded_filter(f) for name, f in self.filters.items()}

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        """Refuse an operation whose result would be huge, before computing it."""
        return _check_value(self._binops[operator](left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Call a function from a template with small numbers only; bound what it returns."""
        for arg in (*args, *kwargs.values()):
            _check_argument(arg)
        return _check_value(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """Refuse ``"{:>99999}".format(…)`` before the sandbox formats it."""
        _check_format(getattr(value, "__self__", None))
        return super().wrap_str_format(value)

    def joined(self, parts: tuple[Any, ...]) -> str:
        """Join ``a ~ b ~ …`` and refuse a result over the size bound."""
        return _joined(parts)


def render_bounded(
    template: Template,
    context: dict[str, Any],
    max_steps: int = MAX_STEPS,
    max_seconds: float = MAX_SECONDS,
) -> str:
    """Render within the step, time and output bounds; raise RenderLimit past one of them."""
    parts: list[str] = []
    size = 0
    with _counted(template, max_steps, max_seconds):
        for chunk in template.generate(context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise RenderLimit(f"话术内容过长（超过 {MAX_OUTPUT} 个字符）")
            parts.append(chunk)
    return "".join(parts)


@contextmanager
def _counted(template: Template, max_steps: int, max_seconds: float) -> Iterator[None]:
    """Count the lines the template's own code runs (in this thread) and stop it at a bound."""
    environment = template.environment
    deadline = time.monotonic() + max_seconds
    steps = 0

    def local(frame: FrameType, event: str, _arg: object) -> Any:
        nonlocal steps
        if event == "line":
            steps += 1
            if steps > max_steps:
                raise RenderLimit(f"模板计算量过大（超过 {max_steps} 步），请简化循环")
            if steps % 1000 == 0 and time.monotonic() > deadline:
                raise RenderLimit(f"模板渲染超时（超过 {max_seconds:g} 秒），请简化模板")
        return local

    def outer(frame: FrameType, event: str, _arg: object) -> Any:
        # Only the template's compiled code is traced: its module globals hold the environment.
        if frame.f_globals.get("environment") is environment:
            return local(frame, event, _arg)
        return None

    previous = sys.gettrace()
    sys.settrace(outer)
    try:
        yield
    finally:
        sys.settrace(previous)
