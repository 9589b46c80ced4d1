"""The leverage map as an inline SVG picture, drawn on the server (no script, no third party).

A layered layout: one row per rank layer (parents split by depth, buyers by tier), rows from
top (the incident's companies) to bottom (the host state), a line from each actor to the one
it is reached through (no arrowheads: each edge's own direction is in the table). Colours
come from presentation attributes and classes styled in ``vigil.css``: the
Content-Security-Policy forbids ``style`` attributes and elements. The page shows the same
information as a table; the picture is a convenience.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape

from vigil.companies.leverage_graph import Entry, LeverageMap

NODE_W, NODE_H = 200, 58
GAP_X, GAP_Y = 56, 46
LANES = 5  # links leaving different actors run in separate lanes of a gutter
LEFT, TOP = 150, 16
PER_ROW = 4
MAX_NODES = 80
NAME_WIDTH = 25  # characters per line at the name's font size


@dataclass(frozen=True)
class _Box:
    x: float
    y: float
    line: int  # visual line, top to bottom


def _row_key(entry: Entry) -> tuple[int, int]:
    if entry.layer == 2:
        return (2, entry.depth)
    if entry.layer == 3:
        return (3, entry.tier or 1)
    return (entry.layer, 0)


def _lines(text: str, width: int, count: int) -> list[str]:
    lines = textwrap.wrap(text, width) or [""]
    if len(lines) > count:
        lines = lines[:count]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return lines


def _text(x: float, y: float, value: str, cls: str, anchor: str = "start") -> str:
    fill = "#59636e" if cls != "lv-name" else "#1b1f24"
    return (
        f'<text x="{x:.0f}" y="{y:.0f}" class="{cls}" fill="{fill}" '
        f'text-anchor="{anchor}">{escape(value)}</text>'
    )


def leverage_svg(
    lmap: LeverageMap,
    *,
    title: str,
    description: str,
    role_label: Callable[[str], str],
    row_label: Callable[[int, int], str],
    more_label: Callable[[int], str],
) -> Markup:
    """The picture of ``lmap``; labels come translated from the caller."""
    shown = list(lmap.entries[:MAX_NODES])
    rows: dict[tuple[int, int], list[Entry]] = {}
    for entry in shown:
        rows.setdefault(_row_key(entry), []).append(entry)
    boxes: dict[int | str, _Box] = {}
    labels: list[str] = []
    nodes: list[str] = []
    y, line = TOP, 0
    for key in sorted(rows):
        members = rows[key]
        for n, text in enumerate(_lines(row_label(*key), 17, 3)):
            labels.append(_text(8, y + 18 + n * 15, text, "lv-row"))
        for index, entry in enumerate(members):
            if index and not index % PER_ROW:
                y, line = y + NODE_H + GAP_Y, line + 1
            x = LEFT + (index % PER_ROW) * (NODE_W + GAP_X)
            boxes[_ident(entry)] = _Box(x, y, line)
            nodes.append(_node(entry, x, y, role_label))
        y, line = y + NODE_H + GAP_Y, line + 1
    lanes: dict[int | str, int] = {}
    links = [_link(entry, boxes, lanes) for entry in shown if entry.via is not None]
    if len(lmap.entries) > MAX_NODES:
        labels.append(_text(LEFT, y, more_label(len(lmap.entries) - MAX_NODES), "lv-row"))
        y += GAP_Y
    width = LEFT + PER_ROW * (NODE_W + GAP_X)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {y:.0f}" '
        'role="img" aria-labelledby="lv-title lv-desc" class="leverage-svg">',
        f'<title id="lv-title">{escape(title)}</title>',
        f'<desc id="lv-desc">{escape(description)}</desc>',
        *labels,
        *(link for link in links if link),
        *nodes,
        "</svg>",
    ]
    return Markup("\n".join(parts))  # noqa: S704 (every text and attribute value is escaped)


def _ident(entry: Entry) -> int | str:
    return entry.actor.id if entry.actor.id is not None else f"{entry.role}:{entry.actor.country}"


def _node(entry: Entry, x: float, top: float, role_label: Callable[[str], str]) -> str:
    name = _lines(f"{entry.rank}. {entry.actor.name}", NAME_WIDTH, 2)
    detail = role_label(entry.role)
    if entry.tier:
        detail += f" · {entry.tier}"
    parts = [
        f'<g class="lv-node lv-layer-{entry.layer}">',
        f"<title>{escape(entry.actor.name)}: {escape(entry.explanation)}</title>",
        f'<rect x="{x:.0f}" y="{top:.0f}" width="{NODE_W}" height="{NODE_H}" rx="6" '
        'class="lv-box" fill="#ffffff" stroke="#8c959f"/>',
    ]
    for n, line in enumerate(name):
        parts.append(_text(x + 8, top + 18 + n * 15, line, "lv-name"))
    parts.append(_text(x + 8, top + NODE_H - 8, _lines(detail, 34, 1)[0], "lv-role"))
    parts.append("</g>")
    return "".join(parts)


def _link(entry: Entry, boxes: dict[int | str, _Box], lanes: dict[int | str, int]) -> str:
    """From the actor reached through down to ``entry``: a curve between neighbouring lines;
    across several lines, out of the right side into a gutter lane (one lane per origin, so
    links from different actors never merge), down between the boxes, then into the top."""
    via = entry.via
    assert via is not None
    start, end = boxes.get(via.id if via.id is not None else ""), boxes.get(_ident(entry))
    if start is None or end is None:
        return ""
    x2, y2 = end.x + NODE_W / 2, end.y
    if end.line == start.line + 1:
        x1, y1 = start.x + NODE_W / 2, start.y + NODE_H
        mid = (y1 + y2) / 2
        d = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{mid:.0f} {x2:.0f},{mid:.0f} {x2:.0f},{y2:.0f}"
    else:
        lane = lanes.setdefault(via.id or 0, len(lanes)) % LANES
        x1, y1 = start.x + NODE_W, start.y + NODE_H / 2 - 8 + lane * 4
        gutter = x1 + 8 + lane * (GAP_X - 16) / (LANES - 1)
        turn = y2 - GAP_Y + 8 + lane * (GAP_Y - 16) / (LANES - 1)
        d = f"M{x1:.0f},{y1:.0f} H{gutter:.0f} V{turn:.0f} H{x2:.0f} V{y2:.0f}"
    return (
        f'<path d="{d}" class="lv-link" fill="none" stroke="#8c959f" stroke-width="1.5" '
        'stroke-linejoin="round"/>'
    )
