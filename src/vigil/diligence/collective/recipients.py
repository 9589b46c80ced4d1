"""Collective-action initiatives in an alert's recipient list: when an alert is drafted for a
case, the directory contact of each initiative covering the case's country and sector is
suggested, unticked, with the reason (``alerts.suggested``). An initiative a member of which
is named in the case is suggested too, but the reason says so first (the suitability guide's
reprisal factor): the analyst must see it before ticking."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vigil.access import load_in_org
from vigil.alerts.models import Alert
from vigil.alerts.suggested import Suggestion, suggest_recipients
from vigil.core.i18n import current_locale, gettext
from vigil.core.places import country_name
from vigil.diligence.collective.service import members
from vigil.diligence.collective.suitability import case_companies, covering_case
from vigil.incidents.models import Incident


def reason_for(initiative_name: str, incident: Incident, *, member_named: bool = False) -> str:
    """Said in the drafting analyst's language, and kept with the recipient as reviewed."""
    locale = current_locale.get()
    sector = incident.sector.label(locale) if incident.sector is not None else None
    values = {
        "name": initiative_name,
        "country": country_name(incident.country, locale),
        "sector": sector,
    }
    if sector is None:
        reason = gettext("%(name)s: collective-action initiative covering %(country)s") % values
    else:
        reason = (
            gettext("%(name)s: collective-action initiative covering %(sector)s in %(country)s")
            % values
        )
    if member_named:
        caution = gettext("Caution: a member is named in this case.")
        return f"{caution} {reason}"
    return reason


def suggest_initiatives(
    session: Session, *, org_id: int, alert_id: int, actor_user_id: int | None
) -> int:
    """Suggest the initiatives covering the alert's case; returns how many were added."""
    alert = load_in_org(session, Alert, alert_id, org_id=org_id, missing="No such alert.")
    incident = load_in_org(
        session, Incident, alert.incident_id, org_id=org_id, missing="No such incident."
    )
    named = case_companies(session, incident)
    suggestions = [
        Suggestion(
            initiative.contact_id,
            reason_for(
                initiative.name,
                incident,
                member_named=any(
                    c.id in named for _m, c in members(session, initiative_id=initiative.id)
                ),
            ),
        )
        for initiative in covering_case(session, org_id=org_id, incident=incident)
        if initiative.contact_id is not None
    ]
    return suggest_recipients(
        session,
        org_id=org_id,
        alert_id=alert.id,
        suggestions=suggestions,
        actor_user_id=actor_user_id,
    )
