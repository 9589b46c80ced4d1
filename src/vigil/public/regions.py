"""``regions.geojson``: published incidents counted per region, coarsened and suppressed.

The rule, per country (``m`` = ``VIGIL_PUBLIC_MIN_CELL``):

- a region (ISO 3166-2) with at least ``m`` incidents is a feature of its own, with its count;
- every other incident of the country (smaller regions, no region known) is merged into one
  "rest of the country" feature; its count is shown only if it is at least ``m``, otherwise
  the feature says ``withheld`` and carries no number;
- no country total is published, so no difference of shown numbers gives a withheld one;
- the HTTP route counts the whole register only (no filters), so no two views can be
  subtracted either.

Counts are computed by the database (``GROUP BY``), never by loading rows. Region features
have no geometry (RFC 7946 allows ``null``): no openly licensed subdivision outlines could be
vendored (see ``geodata/README.md``); country features carry the country's outline from
world-atlas (Natural Earth, public domain), decoded here from TopoJSON.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pycountry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.public.register import RegisterFilters, filtered_incidents

TOPOLOGY = Path(__file__).with_name("geodata") / "countries-110m.json"


def region_counts(session: Session, filters: RegisterFilters) -> dict[str, dict[str, int]]:
    """country -> region ("" for unknown) -> incidents, from the database."""
    inner = filtered_incidents(filters).order_by(None).subquery()
    rows = session.execute(
        select(inner.c.country, inner.c.region, func.count()).group_by(
            inner.c.country, inner.c.region
        )
    )
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for country, region, n in rows:
        counts[country][region or ""] = counts[country].get(region or "", 0) + n
    return counts


def coarsen(counts: dict[str, dict[str, int]], *, min_cell: int) -> list[dict[str, Any]]:
    """The features' properties, by the rule in the module docstring."""
    features: list[dict[str, Any]] = []
    for country in sorted(counts):
        rest = 0
        for region, n in sorted(counts[country].items()):
            if region and n >= min_cell:
                features.append(
                    {"level": "region", "country": country, "region": region, "count": n}
                )
            else:
                rest += n
        if rest:
            shown = rest >= min_cell
            features.append(
                {
                    "level": "country_rest",
                    "country": country,
                    "region": None,
                    "count": rest if shown else None,
                    "withheld": not shown,
                }
            )
    for feature in features:
        feature.setdefault("withheld", False)
    return features


def _decode_arc(
    arc: list[list[int]], scale: list[float], translate: list[float]
) -> list[list[float]]:
    x = y = 0
    points = []
    for dx, dy in arc:
        x, y = x + dx, y + dy
        points.append(
            [round(x * scale[0] + translate[0], 4), round(y * scale[1] + translate[1], 4)]
        )
    return points


@functools.cache
def country_geometries() -> dict[str, dict[str, Any]]:
    """alpha-2 -> GeoJSON geometry, decoded once from the vendored TopoJSON."""
    topology = json.loads(TOPOLOGY.read_text(encoding="utf-8"))
    transform = topology["transform"]
    arcs = [
        _decode_arc(arc, transform["scale"], transform["translate"]) for arc in topology["arcs"]
    ]

    def ring(indexes: list[int]) -> list[list[float]]:
        points: list[list[float]] = []
        for index in indexes:
            arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
            points.extend(arc if not points else arc[1:])
        return points

    found: dict[str, dict[str, Any]] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        country = pycountry.countries.get(numeric=str(geometry.get("id", "")).zfill(3))
        if country is None or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        if geometry["type"] == "Polygon":
            coordinates: Any = [ring(r) for r in geometry["arcs"]]
        else:
            coordinates = [[ring(r) for r in polygon] for polygon in geometry["arcs"]]
        found[country.alpha_2] = {"type": geometry["type"], "coordinates": coordinates}
    return found


def regions_geojson(
    session: Session, filters: RegisterFilters, *, min_cell: int, licence_statement: str
) -> dict[str, Any]:
    geometries = country_geometries()
    features = [
        {
            "type": "Feature",
            "geometry": None if props["level"] == "region" else geometries.get(props["country"]),
            "properties": props,
        }
        for props in coarsen(region_counts(session, filters), min_cell=min_cell)
    ]
    return {
        "type": "FeatureCollection",
        "min_cell": min_cell,
        "licence": licence_statement,
        "features": features,
    }
