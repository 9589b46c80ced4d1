"""A choropleth world map of the published counts by country, drawn on the server as SVG.

The geometry is Natural Earth's 1:110m countries as packaged by world-atlas 2.0.2, the one
copy vendored for the open-data GeoJSON too (``vigil/public/geodata/``, ISC; the data is
public domain; provenance in its README). It is TopoJSON, and we decode it here with a few
lines instead of a PyPI library: the subset of the format this one file uses (a quantized
``transform``, delta-encoded arcs, Polygon and MultiPolygon) is small and fixed, and the
decoded paths are computed once per process (:func:`country_paths` is cached) from a file
that never changes at run time. :func:`vigil.public.regions.country_geometries` decodes the
same file to GeoJSON, but only the features with an ISO code; the map also draws the three
without one and must cut rings at the antimeridian, so it keeps its own small decoder.

The projection is equirectangular (longitude and latitude as x and y): the map says where
incidents are counted, not areas, and a straight grid needs no library. Antarctica is left
out. The feature ids are ISO 3166-1 numeric codes, mapped to alpha-2 with pycountry;
the three features without an id (N. Cyprus, Somaliland, Kosovo) are drawn, unlinked, with
no data.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass

import pycountry

from vigil.public.regions import TOPOLOGY
from vigil.public.service import Count

ATLAS = TOPOLOGY
SCALE = 2.0  # SVG units per degree
NORTH, SOUTH = 84.0, -58.0  # the latitudes shown (Antarctica left out)
WIDTH = round(360 * SCALE)
HEIGHT = round((NORTH - SOUTH) * SCALE)
LEFT_OUT = {"AQ"}
#: Fill per count bin, light to dark (ColorBrewer "Blues", readable by colour-blind people),
#: then no data and withheld (drawn with a hatch pattern on top of this fill).
BIN_FILLS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")
NO_DATA_FILL = "#f2f2f2"
WITHHELD_FILL = "#d9d9d9"


@dataclass(frozen=True)
class Shape:
    """One country's outline: ``code`` is ISO 3166-1 alpha-2, or "" when it has none."""

    code: str
    name: str
    path: str


@dataclass(frozen=True)
class MapCountry:
    code: str
    label: str
    path: str
    #: "bin", "withheld" or "none" (no published count).
    state: str
    count: int | None
    fill: str


@dataclass(frozen=True)
class LegendBin:
    low: int
    high: int
    fill: str


@dataclass(frozen=True)
class Choropleth:
    countries: list[MapCountry]
    legend: list[LegendBin]
    width: int = WIDTH
    height: int = HEIGHT


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:  # type: ignore[type-arg]
    """Absolute longitude/latitude points of each arc (TopoJSON quantized delta encoding)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> str:
    """An SVG subpath for one ring; a negative index ``~i`` is arc ``i`` reversed, and each
    arc after the first starts where the previous ended, so its first point is skipped.

    The geometry is on the sphere: a ring crossing the antimeridian (Russia's far east, Fiji)
    jumps from 180° to −180°. Its longitudes are unwrapped into one continuous ring, and when
    it then reaches past ±180° it is drawn a second time one turn over; the SVG's viewport
    clips both to the map, as d3-geo's antimeridian cutting would."""
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    unwrapped: list[tuple[float, float]] = []
    for lon, lat in points:
        if unwrapped:
            previous = unwrapped[-1][0]
            lon += 360 * round((previous - lon) / 360)
        unwrapped.append((lon, lat))
    lons = [lon for lon, _ in unwrapped]
    shifts = [0.0]
    if max(lons) > 180:
        shifts.append(-360.0)
    if min(lons) < -180:
        shifts.append(360.0)
    return "".join(_subpath(unwrapped, shift) for shift in shifts)


def _subpath(points: list[tuple[float, float]], shift: float) -> str:
    projected: list[str] = []
    for lon, lat in points:
        x = (lon + shift + 180) * SCALE
        y = (NORTH - min(max(lat, SOUTH), NORTH)) * SCALE
        point = f"{x:.1f} {y:.1f}"
        if not projected or projected[-1] != point:
            projected.append(point)
    return "M" + "L".join(projected) + "Z"


def _alpha2(numeric: str | None) -> str:
    found = pycountry.countries.get(numeric=numeric) if numeric else None
    return found.alpha_2 if found else ""


@functools.cache
def country_paths() -> tuple[Shape, ...]:
    """Every country's outline as an SVG path, decoded once per process."""
    topology = json.loads(ATLAS.read_text(encoding="utf-8"))
    arcs = _decode_arcs(topology)
    shapes = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        code = _alpha2(geometry.get("id"))
        if code in LEFT_OUT:
            continue
        path = "".join(_ring(ring, arcs) for polygon in polygons for ring in polygon)
        shapes.append(Shape(code=code, name=geometry["properties"]["name"], path=path))
    return tuple(shapes)


def count_bins(counts: list[int], *, min_cell: int) -> list[tuple[int, int]]:
    """Up to four bins from ``min_cell`` to the largest count, growing geometrically (counts
    of incidents are skewed: a few countries have most), as inclusive integer ranges."""
    if not counts:
        return []
    largest = max(counts)
    ratio = largest / min_cell
    edges = sorted({min_cell, *(math.ceil(min_cell * ratio ** (i / 4)) for i in (1, 2, 3))})
    edges = [e for e in edges if e <= largest]
    highs = [e - 1 for e in edges[1:]] + [largest]
    return list(zip(edges, highs, strict=True))


def choropleth(rows: list[Count], *, min_cell: int, label: Callable[[str], str]) -> Choropleth:
    """The map of the country table: a fill per count bin, withheld and no-data apart.
    ``label`` names an alpha-2 code in the reader's language."""
    by_code = {row.code: row.count for row in rows}
    bins = count_bins([n for n in by_code.values() if n is not None], min_cell=min_cell)
    legend = [LegendBin(low, high, BIN_FILLS[i]) for i, (low, high) in enumerate(bins)]
    countries = []
    for shape in country_paths():
        count = by_code.get(shape.code)
        if shape.code not in by_code:
            state, fill = "none", NO_DATA_FILL
        elif count is None:
            state, fill = "withheld", WITHHELD_FILL
        else:
            state = "bin"
            fill = next(b.fill for b in legend if b.low <= count <= b.high)
        countries.append(
            MapCountry(
                code=shape.code,
                label=(label(shape.code) if shape.code else shape.name),
                path=shape.path,
                state=state,
                count=count,
                fill=fill,
            )
        )
    return Choropleth(countries=countries, legend=legend)
