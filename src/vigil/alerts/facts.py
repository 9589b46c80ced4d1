"""What alert messages may say about a case, decided by the defenders' consent.

- no alert without the defender's own consent (``sharing_consent``: the defender, a
  recorded representative or the community's body; never the reporter's wish), unless a
  second staff member confirmed an emergency exception (``casework.emergency``);
- a defender who chose "record only" gets no alert at all, exception or not;
- victims who differ: the most restrictive strategy wins;
- messages say the alias by default; a name only with the ``share_with_stakeholders``
  consent of every defender in the incident (never for a forgotten person);
- the defender's strategy (quiet diplomacy / public action) is copied onto the alert so the
  analyst and later publication respect it.

Checked when an alert is drafted, when its message is written, and again right before it
is launched (consent may have been withdrawn in between).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.compose import Facts
from vigil.alerts.generalise import generalised
from vigil.alerts.models import Alert, ShareLevel
from vigil.casework.emergency import has_confirmed_exception
from vigil.companies.models import Company, Project
from vigil.core.crypto import Vault
from vigil.core.errors import Conflict, Invalid
from vigil.core.i18n import LOCALES
from vigil.defenders.consent import (
    ConsentScope,
    Strategy,
    has_consent,
    most_restrictive,
    sharing_consent,
)
from vigil.defenders.models import Defender
from vigil.defenders.service import reveal_name
from vigil.incidents.models import Act, Incident, Involvement
from vigil.organisations.models import Organisation


def _victims(session: Session, incident_id: int) -> list[Defender]:
    return list(
        session.scalars(
            select(Defender)
            .join(Act, Act.victim_id == Defender.id)
            .where(Act.incident_id == incident_id)
            .distinct()
            .order_by(Defender.id)
        )
    )


def consent_check(session: Session, *, incident_id: int, share_level: str) -> str:
    """The strategy to follow (the most restrictive of the victims'); raises Conflict when
    the defenders' consent forbids the alert or the level of detail asked for. The one rule
    for drafting, writing the message and launching."""
    if share_level not in ShareLevel.__members__:
        raise Invalid("Choose what the messages may say about the defender.")
    victims = _victims(session, incident_id)
    consents = [sharing_consent(session, defender=d) for d in victims]
    if any(c.refused for c in consents):
        raise Conflict(
            "The defender asked that this attack only be recorded: no alert may be sent."
        )
    missing = any(c.strategy is None for c in consents)
    if missing and not has_confirmed_exception(session, incident_id=incident_id):
        raise Conflict(
            "No alert without the defender's own consent: record their decision (or a "
            "representative's, or their community's), or an emergency exception confirmed "
            "by a second staff member."
        )
    if share_level == ShareLevel.name:
        for defender in victims:
            allowed = has_consent(
                session, defender_id=defender.id, scope=ConsentScope.share_with_stakeholders
            )
            if defender.forgotten_at is not None or not allowed:
                raise Conflict(
                    "The defender has not agreed to be named to stakeholders: use the alias."
                )
    # Under an emergency exception, a defender who could not be asked counts as quiet.
    return most_restrictive([c.strategy or Strategy.quiet for c in consents] or [Strategy.quiet])


def facts_for(session: Session, vault: Vault, alert: Alert) -> Facts:
    """What the messages may say, limited by the alert's share level (checked against
    consent when it was set and again at launch)."""
    incident = session.get(Incident, alert.incident_id)
    assert incident is not None
    victims = _victims(session, incident.id)
    if alert.share_level == ShareLevel.name:
        # A person forgotten after the alert was written is never named again (nor "withheld").
        names = [d.alias if d.forgotten_at else reveal_name(vault, d) or d.alias for d in victims]
        defender = ", ".join(names) or None
    elif alert.share_level == ShareLevel.alias:
        defender = ", ".join(d.alias for d in victims) or None
    else:
        defender = None
    act = session.scalar(select(Act).where(Act.incident_id == incident.id).order_by(Act.id))
    labels = {code: act.attack_type.label(code) for code in LOCALES} if act else {}
    companies = session.scalars(
        select(Company.name)
        .join(Involvement, Involvement.company_id == Company.id)
        .join(Act, Act.id == Involvement.act_id)
        .where(Act.incident_id == incident.id)
        .distinct()
    ).all()
    project = session.get(Project, incident.project_id) if incident.project_id else None
    if not companies and project is not None and project.operator_id:
        operator = session.get(Company, project.operator_id)
        companies = [operator.name] if operator else []
    organisation = session.get(Organisation, alert.organisation_id)
    facts = Facts(
        incident_id=incident.id,
        defender=defender,
        attack_type_labels=labels,
        country=incident.country,
        region=incident.region,
        occurred_on=incident.occurred_on,
        company=", ".join(sorted(companies)),
        project=project.name if project else "",
        analyst_note=vault.open(incident.data_key_id, alert.message_sealed) or "",
        organisation=organisation.name if organisation else "",
        urgency=alert.urgency,
        strategy=alert.strategy,
        date_precision=incident.date_precision,
    )
    if alert.share_level == ShareLevel.generalised:
        return generalised(facts, session, incident)
    return facts
