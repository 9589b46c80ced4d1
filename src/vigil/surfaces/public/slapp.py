"""The public list of SLAPP cases (``/slapp``): lawsuits against defenders that a
coordinator published, with their outcomes and the indicators analysts judged. It reads
``diligence.slapp.register`` only, which holds the defendants' public descriptions and never
a defender's record; the claimant is named because a company or public figure suing is a fact
of the court record, and only once staff chose to publish it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from vigil.core.places import country_codes
from vigil.diligence.slapp.register import published_lawsuits
from vigil.diligence.slapp.vocabulary import (
    ART_4_3,
    claim_type_label,
    indicator_label,
    judgement_label,
    outcome_label,
)
from vigil.web.deps import DbSession
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/slapp", name="public.slapp")
def slapp_page(
    request: Request,
    session: DbSession,
    country: Annotated[str, Query(max_length=2)] = "",
) -> Response:
    code = country.upper() if country.upper() in country_codes() else ""
    context = {
        "cases": published_lawsuits(session, country=code or None),
        "country": code,
        "lettered": [i.value for i in ART_4_3],
        "claim_type_label": claim_type_label,
        "outcome_label": outcome_label,
        "indicator_label": indicator_label,
        "judgement_label": judgement_label,
    }
    return render(request, "public/slapp.html", context)
