"""Grievance mechanisms for the tests: a complete UNGP 31 assessment and a mechanism input."""

from __future__ import annotations

from vigil.diligence.grievance.criteria import CRITERIA
from vigil.diligence.grievance.service import CriterionInput, MechanismInput

COMPLETE = {
    code: CriterionInput("partly_met", f"Excerpt about {code}.", f"https://example.org/{code}")
    for code in CRITERIA
}


def mechanism_input(**changes) -> MechanismInput:  # type: ignore[no-untyped-def]
    values = {
        "name": "Fictional Andes Gold complaints line",
        "kind": "company",
        "owner_institution": "Fictional Andes Gold",
        "procedures": "Write to the line; an answer within 30 days.",
        "languages": "es, quc en",
        "channels": ("email", "hotline"),
        "accepts_anonymous": True,
        "countries": "CO",
        "sectors": ("mining",),
    }
    values.update(changes)
    return MechanismInput(**values)
