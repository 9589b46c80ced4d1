"""The "generalised" share level, and the warning that says when an alert needs it.

An alias hides a name, not a person: "a death threat on 3 October in a village of Cauca
against an opponent of the El Roble mine" points to one person without naming them. At the
generalised level the messages say no alias, the month instead of the day, the top-level
region instead of a department or province inside it, and "a project in the mining sector in
Colombia" instead of the project's name (the company the recipient is asked about stays: the
request is addressed to it).

:func:`identifying_circumstances` is the rule behind the warning on the alert page: the
circumstances alone identify the person when the messages would name a project, say a region,
and the attack type is rare there.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.alerts.compose import Facts, country_name, in_language
from vigil.companies.models import Project
from vigil.core.i18n import LOCALES, N_, gettext
from vigil.core.places import top_level_region
from vigil.incidents.models import Act, DatePrecision, Incident
from vigil.vocabularies.models import VocabularyTerm

#: An attack type recorded in fewer incidents than this in the same region (the case itself
#: included) is rare enough there to point to its victim.
RARE_BELOW = 3

BROAD_PROJECT = N_("a project in the %(sector)s sector in %(country)s")
BROAD_PROJECT_NO_SECTOR = N_("a project in %(country)s")


def generalised(facts: Facts, session: Session, incident: Incident) -> Facts:
    """``facts`` as a generalised alert may say them."""
    return replace(
        facts,
        defender=None,
        region=top_level_region(incident.region),
        date_precision=broad_date_precision(incident.date_precision),
        project=broad_project(session, incident),
    )


def broad_date_precision(precision: str) -> str:
    """Month, or year when even the month is unknown: never the day."""
    return DatePrecision.year if precision == DatePrecision.year else DatePrecision.month


def _sector(session: Session, incident: Incident, project: Project) -> VocabularyTerm | None:
    sector_id = project.sector_id or incident.sector_id
    term = session.get(VocabularyTerm, sector_id) if sector_id else None
    return term if term is not None and term.code != "other" else None


def broad_project(session: Session, incident: Incident) -> dict[str, str] | str:
    """The project said as its sector and country, in every language; "" without one."""
    project = session.get(Project, incident.project_id) if incident.project_id else None
    if project is None:
        return ""
    sector = _sector(session, incident, project)
    described: dict[str, str] = {}
    for language in LOCALES:
        with in_language(language):
            country = country_name(incident.country, language)
            if sector is None:
                described[language] = gettext(BROAD_PROJECT_NO_SECTOR) % {"country": country}
            else:
                values = {"sector": sector.label(language).lower(), "country": country}
                described[language] = gettext(BROAD_PROJECT) % values
    return described


def identifying_circumstances(session: Session, incident: Incident) -> bool:
    """True when a message that names the project and the region would identify the
    defender by the circumstances alone: a named project, a region, and an attack type that
    fewer than :data:`RARE_BELOW` incidents of the organisation have in that region."""
    if incident.project_id is None or not incident.region:
        return False
    attack_types = select(Act.attack_type_id).where(Act.incident_id == incident.id)
    counts = session.execute(
        select(Act.attack_type_id, func.count(func.distinct(Incident.id)))
        .join(Incident, Incident.id == Act.incident_id)
        .where(
            Act.attack_type_id.in_(attack_types),
            Incident.organisation_id == incident.organisation_id,
            Incident.country == incident.country,
            Incident.region == incident.region,
            Incident.duplicate_of_id.is_(None),
        )
        .group_by(Act.attack_type_id)
    ).all()
    return any(count < RARE_BELOW for _type, count in counts)
