"""The current assessments side by side (a sector's companies, or all of them) and the CSV
of that table.

The CSV has one line per company and one column per criterion code (empty when the
criterion does not apply), then points, maximum and percent, so a reader can re-rank by any
criterion. Every text cell goes through the public exports' spreadsheet formula guard: a
company name or an organisation's name starting with ``=`` must not run in a reader's
spreadsheet.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from vigil.companies.models import Company
from vigil.diligence.policies.criteria import CRITERIA
from vigil.diligence.policies.models import PolicyAssessment
from vigil.diligence.policies.scoring import Score, score_of
from vigil.diligence.policies.service import current_assessments
from vigil.organisations.models import Organisation
from vigil.public.exports import spreadsheet_safe


@dataclass(frozen=True)
class ComparisonRow:
    company_id: int
    company_name: str
    assessment: PolicyAssessment
    organisation_name: str
    score: Score
    #: Criterion code → score; absent when the criterion does not apply.
    scores: dict[str, int]

    @property
    def assessed_on(self) -> date:
        return self.assessment.assessed_on


def comparison(session: Session, *, sector: str | None = None) -> list[ComparisonRow]:
    """Best percentage first, then by name."""
    rows = []
    for assessment in current_assessments(session, sector=sector):
        company = session.get(Company, assessment.company_id)
        organisation = session.get(Organisation, assessment.organisation_id)
        score = score_of(assessment)
        rows.append(
            ComparisonRow(
                company_id=assessment.company_id,
                company_name=company.name if company else "",
                assessment=assessment,
                organisation_name=organisation.name if organisation else "",
                score=score,
                scores={s.criterion: s.score for s in assessment.scores},
            )
        )
    return sorted(rows, key=lambda row: (-row.score.percent, row.company_name.casefold()))


HEADER = [
    "company_id",
    "company",
    "assessed_on",
    "assessed_by",
    "policy_url",
    "technology_criteria",
    *(criterion.code for criterion in CRITERIA),
    "points",
    "maximum",
    "percent",
]


def comparison_csv(rows: list[ComparisonRow]) -> str:
    """RFC 4180 text (CRLF line ends) with a header line; the table is small (one line per
    assessed company), so it is written whole."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        tech = row.assessment.tech_applies
        cells = [
            str(row.company_id),
            spreadsheet_safe(row.company_name),
            row.assessed_on.isoformat(),
            spreadsheet_safe(row.organisation_name),
            spreadsheet_safe(row.assessment.policy_url),
            "yes" if tech else "no",
            *(str(row.scores.get(c.code, "")) if tech or not c.tech_only else "" for c in CRITERIA),
            str(row.score.points),
            str(row.score.maximum),
            str(row.score.percent),
        ]
        writer.writerow(cells)
    return out.getvalue()
