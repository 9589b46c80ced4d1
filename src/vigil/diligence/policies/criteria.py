"""The criteria of the rubric (DOMAIN.md, "Company HRD-policy rubric"; UN Working Group on
Business and Human Rights guidance on defenders, ¶11–13, ¶23, ¶34).

Codes are stable: they are stored with each score and used as CSV column names, so a
published assessment keeps its meaning when a label is reworded. Labels and guides are
English msgids, translated where they are shown. The two technology criteria apply only to
technology companies; for others they are neither asked nor counted in the maximum.
"""

from __future__ import annotations

from dataclasses import dataclass

from vigil.core.i18n import N_

#: Scores a criterion may take: 0 absent, 1 partial, 2 met.
SCORES = (0, 1, 2)
MAX_SCORE = max(SCORES)
#: The registry sector (vocabulary ``sector``) whose companies get the technology criteria.
TECH_SECTOR = "technology"


@dataclass(frozen=True)
class Criterion:
    code: str
    #: English msgid of the criterion's name.
    label: str
    #: English msgid: one line saying what 0, 1 and 2 mean.
    guide: str
    tech_only: bool = False


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "commitment",
        N_("Explicit commitment to human rights defenders"),
        N_(
            "0: defenders not mentioned · 1: mentioned only within general human-rights"
            " language · 2: a specific, stated commitment to respect and support defenders"
        ),
    ),
    Criterion(
        "zero_tolerance",
        N_("Zero tolerance of reprisals"),
        N_(
            "0: silent on reprisals · 1: reprisals opposed in general terms · 2: zero"
            " tolerance of reprisals by the company and its business partners, stated as such"
        ),
    ),
    Criterion(
        "non_interference",
        N_("Non-interference with peaceful activity"),
        N_(
            "0: silent · 1: respect for civic freedoms in general · 2: a commitment not to"
            " obstruct peaceful protest, speech or association, legal action included"
        ),
    ),
    Criterion(
        "business_partners",
        N_("Expectations on suppliers, partners and security providers"),
        N_(
            "0: no expectations · 1: vague, or on some partners only · 2: explicit"
            " expectations on suppliers, partners and security providers, with consequences"
        ),
    ),
    Criterion(
        "engagement_channel",
        N_("Engagement channel for defenders"),
        N_(
            "0: none · 1: a generic contact address · 2: a named, safe and confidential"
            " channel for defenders to raise concerns"
        ),
    ),
    Criterion(
        "leverage",
        N_("Commitment to use leverage and speak out"),
        N_(
            "0: silent · 1: a general willingness to engage authorities · 2: a commitment to"
            " use leverage and speak out, publicly or privately, when defenders are at risk"
        ),
    ),
    Criterion(
        "due_diligence",
        N_("Risks to defenders in human rights due diligence"),
        N_(
            "0: absent from due diligence · 1: civic space mentioned among risks · 2: risks"
            " to defenders assessed explicitly, with defenders consulted"
        ),
    ),
    Criterion(
        "grievance_mechanism",
        N_("Grievance mechanism accessible to defenders"),
        N_(
            "0: no mechanism · 1: a mechanism without safeguards for defenders · 2: open to"
            " defenders, anonymous if they wish, with protection from retaliation"
        ),
    ),
    Criterion(
        "remedy",
        N_("Remedy"),
        N_(
            "0: silent · 1: remedy promised in general terms · 2: a commitment to provide or"
            " cooperate in remedy for harm to defenders, saying how"
        ),
    ),
    Criterion(
        "public_reporting",
        N_("Public reporting on implementation"),
        N_(
            "0: no reporting · 1: occasional or anecdotal · 2: regular public reports on how"
            " the commitments are carried out, with cases or figures"
        ),
    ),
    Criterion(
        "senior_oversight",
        N_("Senior oversight"),
        N_(
            "0: nobody named · 1: a department is responsible · 2: the board or an executive"
            " is named as responsible for the commitments"
        ),
    ),
    Criterion(
        "transparency_reports",
        N_("Transparency reports on government data and takedown requests"),
        N_(
            "0: none · 1: partial or irregular reports · 2: regular reports on government"
            " data and takedown requests, country by country"
        ),
        tech_only=True,
    ),
    Criterion(
        "surveillance_sales",
        N_("Controls on selling surveillance technology"),
        N_(
            "0: no controls · 1: general export compliance only · 2: human-rights screening"
            " of customers before any sale of surveillance technology, refusals included"
        ),
        tech_only=True,
    ),
)
BY_CODE = {criterion.code: criterion for criterion in CRITERIA}


def applicable(*, tech: bool) -> tuple[Criterion, ...]:
    """The criteria an assessment is scored on: all of them for a technology company, the
    general ones otherwise."""
    return tuple(c for c in CRITERIA if tech or not c.tech_only)


def max_points(*, tech: bool) -> int:
    return MAX_SCORE * len(applicable(tech=tech))
