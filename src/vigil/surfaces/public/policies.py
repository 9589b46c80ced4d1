"""Public pages of the company HRD-policy rubric: the current published assessment on a
company's page, a sector's companies compared, and the CSV of that comparison (and of every
current assessment).

Composed here because the rubric (``vigil.diligence``) sits above the public register
package; only published assessments are read (``current_assessment(s)`` never return a
draft). Names shown are the company's and the assessing organisation's, never the
assessor's."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from vigil.core.errors import NotFound
from vigil.core.i18n import current_locale, gettext
from vigil.diligence.policies.comparison import comparison, comparison_csv
from vigil.diligence.policies.criteria import CRITERIA
from vigil.diligence.policies.models import PolicyAssessment
from vigil.diligence.policies.scoring import Line, Score, breakdown, score_of
from vigil.diligence.policies.service import current_assessment
from vigil.organisations.models import Organisation
from vigil.public.company_record import in_register
from vigil.public.register_pages import term_labels
from vigil.web.deps import ReadOnlyDbSession
from vigil.web.templating import render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class PolicyView:
    assessment: PolicyAssessment
    score: Score
    lines: list[Line]
    organisation_name: str


def company_policy(session: Session, *, company_id: int) -> PolicyView | None:
    """The company's current assessment as its public page shows it; None: not assessed."""
    row = current_assessment(session, company_id=company_id)
    if row is None:
        return None
    organisation = session.get(Organisation, row.organisation_id)
    return PolicyView(row, score_of(row), breakdown(row), organisation.name if organisation else "")


def _sector_name(session: Session, code: str) -> str:
    labels = term_labels(session, vocabulary="sector", locale=current_locale.get())
    if code not in labels:
        raise NotFound(gettext("There is no such sector."))
    return labels[code]


def _csv(body: str, filename: str) -> Response:
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/sectors/{code}/policies", name="public.sector_policies")
def sector_policies(request: Request, code: str, session: ReadOnlyDbSession) -> Response:
    name = _sector_name(session, code)
    rows = comparison(session, sector=code)
    context = {
        "code": code,
        "name": name,
        "rows": rows,
        "criteria": CRITERIA,
        "linked": {row.company_id for row in rows if in_register(session, row.company_id)},
    }
    return render(request, "public/register/sector_policies.html", context)


@router.get("/sectors/{code}/policies.csv", name="public.sector_policies_csv")
def sector_policies_csv(code: str, session: ReadOnlyDbSession) -> Response:
    _sector_name(session, code)
    return _csv(comparison_csv(comparison(session, sector=code)), f"hrd-policies-{code}.csv")


@router.get("/data/policies.csv", name="public.policies_csv")
def all_policies_csv(session: ReadOnlyDbSession) -> Response:
    return _csv(comparison_csv(comparison(session)), "hrd-policies.csv")
