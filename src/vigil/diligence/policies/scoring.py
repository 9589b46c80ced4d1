"""An assessment's score: points over the maximum its applicable criteria allow.

The maximum counts every applicable criterion, scored or not, so a draft with gaps never
looks better than it is; a technology company is scored out of more points (two more
criteria) and its percentage is comparable with other companies' only as a percentage.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from vigil.core.i18n import gettext
from vigil.diligence.policies.criteria import Criterion, applicable, max_points
from vigil.diligence.policies.models import PolicyAssessment, PolicyCriterionScore


@dataclass(frozen=True)
class Score:
    points: int
    maximum: int

    @property
    def percent(self) -> int:
        """Whole percent, half up (14 / 22 is 64 %), 0 when nothing can be scored."""
        if not self.maximum:
            return 0
        exact = Decimal(100 * self.points) / Decimal(self.maximum)
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def text(self) -> str:
        """ "14 / 22 (64 %)", in the reader's language."""
        return gettext("%(points)s / %(maximum)s (%(percent)s %%)") % {
            "points": self.points,
            "maximum": self.maximum,
            "percent": self.percent,
        }


@dataclass(frozen=True)
class Line:
    """One applicable criterion of an assessment, with its score row (None: not scored)."""

    criterion: Criterion
    row: PolicyCriterionScore | None


def breakdown(assessment: PolicyAssessment) -> list[Line]:
    """The applicable criteria in rubric order; scores of criteria that do not apply (left
    from before the technology box was unticked) are not shown or counted."""
    rows = {row.criterion: row for row in assessment.scores}
    return [Line(c, rows.get(c.code)) for c in applicable(tech=assessment.tech_applies)]


def score_of(assessment: PolicyAssessment) -> Score:
    points = sum(line.row.score for line in breakdown(assessment) if line.row is not None)
    return Score(points=points, maximum=max_points(tech=assessment.tech_applies))
