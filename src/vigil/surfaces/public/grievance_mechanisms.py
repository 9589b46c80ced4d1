"""Public pages of grievance mechanisms (``/grievance-mechanisms``): the list, filtered by the
country a mechanism covers and by its kind, and one mechanism's page with how to use it, its
outcomes by year and its latest UNGP 31 assessment with the evidence. They read
``diligence.grievance.register`` only: published mechanisms, public fields, never the staff
member who assessed one."""

from __future__ import annotations

from typing import Annotated

from babel import Locale
from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from vigil.core.i18n import current_locale
from vigil.core.places import country_choices
from vigil.diligence.grievance.criteria import (
    CHANNELS,
    CRITERIA,
    CRITERIA_HELP,
    KINDS,
    RATINGS,
    label,
)
from vigil.diligence.grievance.register import published_mechanism, published_mechanisms
from vigil.diligence.scope import sector_terms
from vigil.web.deps import DbSession, ObjectId
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)


def language_name(code: str) -> str:
    """An ISO 639 code in the reader's language (CLDR's name; the code when CLDR has none)."""
    return Locale.parse(current_locale.get()).languages.get(code, code)


def _labels() -> dict:  # type: ignore[type-arg]
    return {
        "kinds": KINDS,
        "channels": CHANNELS,
        "criteria": CRITERIA,
        "criteria_help": CRITERIA_HELP,
        "ratings": RATINGS,
        "label": label,
        "language_name": language_name,
    }


@router.get("/grievance-mechanisms", name="public.grievance_mechanisms")
def mechanisms_page(
    request: Request,
    session: DbSession,
    country: Annotated[str, Query(max_length=2, pattern=r"^[A-Za-z]{0,2}$")] = "",
    kind: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    kind = kind if kind in KINDS else ""
    context = {
        **_labels(),
        "mechanisms": published_mechanisms(session, country=country or None, kind=kind or None),
        "country": country.upper(),
        "kind": kind,
        "countries": country_choices(current_locale.get()),
    }
    return render(request, "public/grievance/list.html", context)


@router.get("/grievance-mechanisms/{mechanism_id}", name="public.grievance_mechanism")
def mechanism_page(request: Request, session: DbSession, mechanism_id: ObjectId) -> Response:
    mechanism = published_mechanism(session, mechanism_id=mechanism_id)
    locale = current_locale.get()
    sectors = {t.code: t.label(locale) for t in sector_terms(session)}
    context = {**_labels(), "mechanism": mechanism, "sector_names": sectors}
    return render(request, "public/grievance/read.html", context)
