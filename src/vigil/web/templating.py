"""One Jinja2 environment for every surface: autoescaping, Babel gettext, and the helpers
templates need (CSRF field, country names, dates) in the request's locale. Times are shown
in the request's time zone (``show_times_in``; UTC until a surface names one), labelled."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape
from starlette.responses import Response

from vigil.core import i18n
from vigil.core.places import region_name
from vigil.core.time_zones import DEFAULT_ZONE, current_zone, in_zone, zone_label
from vigil.web.csrf import csrf_token

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
SURFACES_DIR = Path(__file__).resolve().parent.parent / "surfaces"
#: Each surface keeps its templates beside its routes; a template is named after its surface
#: ("staff/casework/case.html", "intake/form.html"). The shared layouts and the error page
#: have no prefix. The templates are found by folder, so this layer imports no surface.
SURFACE_NAMES = ("staff", "api", "intake", "link", "public")


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return Locale.parse(i18n.current_locale.get()).territories.get(code.upper(), code.upper())


def localised_date(value: date | datetime | None, precision: str = "day") -> str:
    if value is None:
        return ""
    locale = i18n.current_locale.get()
    if isinstance(value, datetime):
        local = in_zone(value)
        shown = format_datetime(local, "medium", tzinfo=local.tzinfo, locale=locale)
        return f"{shown} {zone_label(local)}"
    if precision == "year":
        return str(value.year)
    if precision == "month":
        return format_date(value, "MMMM y", locale=locale)
    return format_date(value, "medium", locale=locale)


def localised_number(value: float | int) -> str:
    return format_decimal(value, locale=i18n.current_locale.get())


def show_times_in(request: Request, zone: str | None) -> None:
    """The time zone this request's pages show times in (an IANA name; UTC for none): the
    staff gate sets the reader's, the anonymous surfaces the organisation's."""
    request.state.time_zone = zone or DEFAULT_ZONE


def is_htmx(request: Request) -> bool:
    """HTMX requests get the page's fragment only (same URL, same handler)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def build_environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [
                PrefixLoader(
                    {
                        name: FileSystemLoader(SURFACES_DIR / name / "templates")
                        for name in SURFACE_NAMES
                    }
                ),
                FileSystemLoader(TEMPLATES_DIR),
            ]
        ),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    env.globals.update(
        csrf_token=csrf_token,
        locales=i18n.LOCALES,
        locale_names=i18n.LOCALE_NAMES,
        current_locale=i18n.current_locale.get,
        time_zone_name=current_zone.get,
        is_htmx=is_htmx,
    )
    env.filters.update(country=country_name, ldate=localised_date, number=localised_number)
    env.filters["region"] = lambda code: region_name(code, i18n.current_locale.get())
    return env


templates = Jinja2Templates(env=build_environment())


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Response:
    zone = current_zone.set(getattr(request.state, "time_zone", DEFAULT_ZONE))
    try:  # the template is rendered here, so the zone holds for every date on the page
        return templates.TemplateResponse(request, name, context or {}, status_code=status_code)
    finally:
        current_zone.reset(zone)
