"""Charts as PNG bytes, sized for a phone: 1080 px wide, large Chinese labels.

Each chart is described by a dataclass of ``bot.reports.chart_specs`` (it pickles, so the
worker process can draw it) and drawn by ``render``. Drawing uses matplotlib's object API on
the Agg canvas, so nothing touches pyplot's global state and any thread or process may draw.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.reports.chart_specs import (
    AttendanceChart,
    Chart,
    DeadlinesChart,
    DunningChart,
    KpiChart,
    TrendChart,
)
from bot.reports.fonts import cjk_font

WIDTH_PX = 1080
DPI = 100
GREEN, ORANGE, RED, GREY, BLUE = "#2e9d5b", "#f0a030", "#d64541", "#a0a4a8", "#3478c6"


def render(chart: Chart) -> bytes:
    """Draw a chart and return it as PNG bytes (1080 px wide)."""
    draw, height = _DRAWERS[type(chart)](chart)
    font = cjk_font()
    style = {
        "font.family": "sans-serif",
        "font.sans-serif": [font, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "font.size": 17,
        "axes.titlesize": 20,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with rc_context(style):
        figure = Figure(figsize=(WIDTH_PX / DPI, height), dpi=DPI, layout="constrained")
        FigureCanvasAgg(figure)
        figure.suptitle(chart.title, fontsize=24)
        draw(figure, chart)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _rows_height(count: int, top: float = 2.2) -> float:
    """Return a figure height (inches) that gives each horizontal bar room on a phone."""
    return max(6.0, top + 0.5 * max(count, 1))


def _empty(ax: Axes, text: str = "本月没有数据") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=22, color=GREY)
    ax.set_axis_off()


def _plot(figure: Figure, has_data: bool, empty: str = "本月没有数据") -> Axes | None:
    """Return the figure's one plot, or None once it says there is nothing to draw."""
    ax = figure.add_subplot()
    if has_data:
        return ax
    _empty(ax, empty)
    return None


def _stacked(
    ax: Axes, labels: Sequence[str], layers: Sequence[tuple[str, str, Sequence[int]]]
) -> None:
    """Draw horizontal stacked bars, first label on top, with counts written inside."""
    positions = list(range(len(labels)))[::-1]
    left = [0] * len(labels)
    for name, colour, values in layers:
        bars = ax.barh(positions, values, left=left, color=colour, label=name, height=0.7)
        ax.bar_label(
            bars, labels=[str(v) if v else "" for v in values], label_type="center", color="white"
        )
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(positions, labels)
    ax.xaxis.get_major_locator().set_params(integer=True)


def _legend(ax: Axes, where: str = "center") -> None:
    """Put the legend of ``ax`` in one row just above it (``where``: center or right)."""
    count = len(ax.get_legend_handles_labels()[1])
    anchor = (0.5, 1.0) if where == "center" else (1.0, 1.0)
    ax.legend(loc=f"lower {where}", bbox_to_anchor=anchor, ncols=count, frameon=False)


def _attendance(chart: AttendanceChart) -> tuple[Callable[..., None], float]:
    def draw(figure: Figure, c: AttendanceChart) -> None:
        ax = _plot(figure, bool(c.rows))
        if ax is None:
            return
        _stacked(
            ax,
            [r.label for r in c.rows],
            [
                ("准时", GREEN, [r.on_time for r in c.rows]),
                ("迟到", ORANGE, [r.late for r in c.rows]),
                ("缺勤", RED, [r.missing for r in c.rows]),
                ("请假", GREY, [r.leave for r in c.rows]),
            ],
        )
        _legend(ax)
        ax.set_xlabel("班次数")

    return draw, _rows_height(len(chart.rows))


def _deadlines(chart: DeadlinesChart) -> tuple[Callable[..., None], float]:
    def draw(figure: Figure, c: DeadlinesChart) -> None:
        top, bottom = figure.subplots(
            2, 1, height_ratios=[max(len(c.per_agent), 1), max(len(c.per_rule), 1)]
        )
        for ax, rows, title in ((top, c.per_agent, "按客服"), (bottom, c.per_rule, "按规则")):
            ax.set_title(title, loc="left")
            if not rows:
                _empty(ax)
                continue
            _stacked(
                ax,
                [r.label for r in rows],
                [("按时", GREEN, [r.good for r in rows]), ("超时", RED, [r.bad for r in rows])],
            )
            _legend(ax, "right")

    count = len(chart.per_agent) + len(chart.per_rule)
    return draw, _rows_height(count, top=4.0)


def _dunning(chart: DunningChart) -> tuple[Callable[..., None], float]:
    def draw(figure: Figure, c: DunningChart) -> None:
        rows = [r for r in c.rows if r.good + r.bad]
        ax = _plot(figure, bool(rows))
        if ax is None:
            return
        positions = list(range(len(rows)))[::-1]
        rates = [100 * r.good / (r.good + r.bad) for r in rows]
        bars = ax.barh(positions, rates, color=BLUE, height=0.7)
        ax.bar_label(
            bars,
            labels=[
                f"{rate:.0f}%（{r.good}/{r.good + r.bad}）"
                for rate, r in zip(rates, rows, strict=True)
            ],
            padding=6,
        )
        ax.set_yticks(positions, [r.label for r in rows])
        ax.set_xlim(0, 130)
        ax.set_xticks([0, 25, 50, 75, 100])
        ax.set_xlabel("催付后付款的比例（%）")

    return draw, _rows_height(len(chart.rows))


def _kpi(chart: KpiChart) -> tuple[Callable[..., None], float]:
    def draw(figure: Figure, c: KpiChart) -> None:
        ax = _plot(figure, bool(c.scores))
        if ax is None:
            return
        positions = list(range(len(c.scores)))[::-1]
        values = [s for _, s in c.scores]
        colours = [GREEN if s >= c.pass_mark else RED for s in values]
        bars = ax.barh(positions, values, color=colours, height=0.7)
        ax.bar_label(bars, labels=[str(v) for v in values], padding=6)
        ax.axvline(c.pass_mark, color="black", linestyle="--", linewidth=2)
        ax.text(
            c.pass_mark, 1.0, f" 合格线 {c.pass_mark:g}", transform=ax.get_xaxis_transform(),
            va="bottom", ha="left",
        )  # fmt: skip
        ax.set_yticks(positions, [label for label, _ in c.scores])
        ax.set_xlim(0, c.total * 1.1)
        ax.set_xlabel(f"总分（满分 {c.total}）")

    return draw, _rows_height(len(chart.scores))


def _trend(chart: TrendChart) -> tuple[Callable[..., None], float]:
    def draw(figure: Figure, c: TrendChart) -> None:
        ax = _plot(figure, bool(c.months and c.series), "还没有往月的考核表")
        if ax is None:
            return
        x = list(range(len(c.months)))
        many = len(c.series) > 8  # more lines than a phone can tell apart: draw them faint
        for label, values in c.series:
            points = [(i, v) for i, v in zip(x, values, strict=True) if v is not None]
            if not points:
                continue
            style: dict[str, Any] = (
                {"color": GREY, "linewidth": 1, "alpha": 0.5}
                if many and label != "团队平均"
                else {"linewidth": 3, "marker": "o", "markersize": 8, "label": label}
            )
            ax.plot([p[0] for p in points], [p[1] for p in points], **style)
        ax.axhline(
            c.pass_mark, color=RED, linestyle="--", linewidth=2, label=f"合格线 {c.pass_mark:g}"
        )
        ax.set_xticks(x, c.months)
        ax.set_ylim(0, c.total * 1.05)
        ax.set_ylabel(f"总分（满分 {c.total}）")
        ax.legend(loc="lower left", frameon=False)
        ax.grid(axis="y", alpha=0.3)

    return draw, 8.0


_DRAWERS: dict[type, Callable[[Any], tuple[Callable[..., None], float]]] = {
    AttendanceChart: _attendance,
    DeadlinesChart: _deadlines,
    DunningChart: _dunning,
    KpiChart: _kpi,
    TrendChart: _trend,
}
