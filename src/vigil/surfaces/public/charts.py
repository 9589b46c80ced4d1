"""Bar charts of the published counts, laid out on the server for inline SVG.

Drawn here rather than by a script so the statistics page works with JavaScript off and
loads nothing from anywhere else; the template (``public/_charts.html``) writes the SVG from
these positions, and every chart is followed by the same numbers as a table, which is what
a screen reader is pointed to. A withheld cell ("fewer than N") is drawn as a dashed outline
up to N, the most it could be, never as a number.
"""

from __future__ import annotations

from dataclasses import dataclass

from vigil.public.service import Count

WIDTH = 720
LABEL_END = 300  # labels are right-aligned on this x
BAR_X = 310
BAR_MAX = 290  # the longest bar; its count is written after it
ROW = 30
BAR_H = 20
TOP = 6
#: Longer labels are cut with "…" in the picture (about 7.5 units a character at 14 px);
#: the table after the chart gives them whole.
LABEL_CHARS = 38


@dataclass(frozen=True)
class Bar:
    label: str
    #: None: withheld (fewer than min_cell).
    count: int | None
    y: float
    width: float
    #: Where the label and count text sit (their baseline).
    text_y: float
    value_x: float


@dataclass(frozen=True)
class BarChart:
    slug: str
    bars: list[Bar]
    height: int
    width: int = WIDTH
    label_end: int = LABEL_END
    bar_x: int = BAR_X
    bar_h: int = BAR_H


def bar_chart(slug: str, rows: list[Count], *, min_cell: int) -> BarChart:
    """One bar per row, in the rows' order; lengths proportional to the largest count (a
    withheld row counts as ``min_cell``, its upper bound)."""
    largest = max([row.count or min_cell for row in rows] or [1])
    bars = []
    for index, row in enumerate(rows):
        y = TOP + index * ROW
        width = round(BAR_MAX * (row.count or min_cell) / largest, 1)
        bars.append(
            Bar(
                label=_shorten(row.label),
                count=row.count,
                y=y,
                width=width,
                text_y=y + BAR_H * 0.75,
                value_x=BAR_X + width + 6,
            )
        )
    return BarChart(slug=slug, bars=bars, height=TOP * 2 + ROW * max(len(rows), 1))


def _shorten(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"
