"""What alert messages may say about a case, decided by the defenders' consent.

- a defender who chose "record only" gets no alert at all;
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
from vigil.alerts.models import Alert, ShareLevel
from vigil.companies.models import Company, Project
from vigil.core.crypto import Vault
from vigil.core.errors import Conflict, Invalid
from vigil.core.i18n import LOCALES
from vigil.defenders.consent import ConsentScope, Strategy, current_strategy, has_consent
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
    """The strategy to follow; raises Conflict when the defenders' consent forbids the alert
    or the level of detail asked for."""
    if share_level not in ShareLevel.__members__:
        raise Invalid("Choose what the messages may say about the defender.")
    victims = _victims(session, incident_id)
    strategies = [current_strategy(session, defender_id=d.id) for d in victims]
    if Strategy.record_only in strategies:
        raise Conflict(
            "The defender asked that this attack only be recorded: no alert may be sent."
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
    return Strategy.public if Strategy.public in strategies else Strategy.quiet


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
    return Facts(
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
    )
