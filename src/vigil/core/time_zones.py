"""Time zones: every time is stored in UTC and shown in the reader's zone, labelled with it.

A staff member sees their own zone if they chose one, else their organisation's; a reporter
or link holder sees the organisation's zone, and the page says which. The zone of the page
being rendered lives in a ContextVar, like the locale (``core.i18n``), so the date filter
needs no argument."""

from __future__ import annotations

import functools
import zoneinfo
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo

DEFAULT_ZONE = "UTC"
#: The regions of the IANA database whose zones are offered (the rest are aliases kept for
#: old systems: "US/Eastern", "Etc/GMT+5", "posixrules").
REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)

current_zone: ContextVar[str] = ContextVar("vigil_time_zone", default=DEFAULT_ZONE)


@functools.cache
def zone_names() -> tuple[str, ...]:
    """The zones a person may choose, sorted, UTC first."""
    names = sorted(
        name for name in zoneinfo.available_timezones() if name.split("/", 1)[0] in REGIONS
    )
    return (DEFAULT_ZONE, *names)


def is_time_zone(name: str) -> bool:
    """Whether ``name`` is an IANA zone ``zoneinfo`` knows (any of its names, aliases too)."""
    if not name or len(name) > 64:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_of(name: str | None) -> tzinfo:
    """The zone by name; UTC for none or a name no longer known (a stored name survives a
    tzdata update that drops it rather than break every page)."""
    if name and is_time_zone(name):
        return zoneinfo.ZoneInfo(name)
    return UTC


def zone_label(moment: datetime) -> str:
    """The abbreviation of an aware time's zone ("UTC", "CET", "EST"); zones without a
    letter abbreviation (America/Bogota: "-05") are written from UTC ("UTC-05")."""
    name = moment.tzname() or DEFAULT_ZONE
    return f"UTC{name}" if name[:1] in "+-" else name


def in_zone(moment: datetime, name: str | None = None) -> datetime:
    """``moment`` in zone ``name`` (default: the page's zone); naive times are UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone_of(name if name is not None else current_zone.get()))
