"""A sector's current assessments side by side, and the CSV with the formula guard."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from tests.diligence.policies.support import TODAY, actor, form, make_company, typed
from vigil.diligence.policies import service
from vigil.diligence.policies.comparison import HEADER, comparison, comparison_csv

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def publish(session, who, company, score: int, *, tech: bool = False):  # type: ignore[no-untyped-def]
    row = service.start_assessment(
        session,
        actor=who,
        company_id=company.id,
        data=form(typed(score, tech=tech)),
        today=TODAY,
    )
    return service.publish_assessment(session, actor=who, assessment_id=row.id, now=NOW)


def test_best_percentage_first_and_the_csv_guards_formulas(session) -> None:  # type: ignore[no-untyped-def]
    who = actor(session)
    weak = make_company(session, '=HYPERLINK("https://evil.example")', "mining")
    strong = make_company(session, "Buena Minería", "mining")
    tech = make_company(session, "+Datos SA", "mining", "technology")
    publish(session, who, weak, 0)
    publish(session, who, strong, 2)
    publish(session, who, tech, 1, tech=True)
    rows = comparison(session, sector="mining")
    assert rows[0].company_name == "Buena Minería"
    assert [r.score.percent for r in rows] == [100, 50, 0]

    lines = list(csv.reader(io.StringIO(comparison_csv(rows))))
    assert lines[0] == HEADER
    by_name = {line[1]: dict(zip(HEADER, line, strict=True)) for line in lines[1:]}
    guarded = by_name['\'=HYPERLINK("https://evil.example")']
    assert guarded["percent"] == "0" and guarded["maximum"] == "22"
    assert guarded["technology_criteria"] == "no" and guarded["surveillance_sales"] == ""
    assert by_name["'+Datos SA"]["surveillance_sales"] == "1"
    assert by_name["'+Datos SA"]["maximum"] == "26"
    assert by_name["Buena Minería"]["assessed_on"] == TODAY.isoformat()
    assert comparison_csv(rows).endswith("\r\n")
