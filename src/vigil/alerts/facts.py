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

- no alert on a case without a linked victim (nobody could have consented), unless an
  emergency exception holds; an exception holds only until it expires or is withdrawn, and
  a later tier is then not sent (``alert_refusal``);
- the region only with every victim's ``share_location`` grant, else the country alone
  (``location_allowed``); the exact place never. Messages carry no file, attachment or
  evidence description at all, so ``use_as_evidence`` has nothing to release here;
- some recipient types need their own consent scope besides the strategy (a state
  protection mechanism, UN and regional bodies, funders, the media): every victim must
  have granted it, and the grant must not have expired (``RECIPIENT_SCOPES``); a holding
  emergency exception stands in for a scope a victim never decided on, never for the media.

Checked when an alert is drafted, when its message is written, and again right before it
is launched (consent may have been withdrawn in between); a recipient whose type's consent
lapsed after the launch is skipped when a later tier is sent (``recipient_consented``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.attack_types import attack_type_labels
from vigil.alerts.compose import Facts
from vigil.alerts.generalise import generalised
from vigil.alerts.models import Alert, AlertRecipient, ShareLevel
from vigil.alerts.notes import default_language, load_notes
from vigil.alerts.recipient_types import SPECIAL_PROCEDURES, recipient_type
from vigil.casework.emergency import has_confirmed_exception
from vigil.companies.models import Company, Project
from vigil.contacts.models import Contact
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid
from vigil.defenders.consent import (
    ConsentScope,
    Decision,
    SharingConsent,
    Strategy,
    current_entries,
    has_consent,
    most_restrictive,
    sharing_consent,
)
from vigil.defenders.models import Defender
from vigil.defenders.service import reveal_name
from vigil.incidents.models import Act, Incident, Involvement
from vigil.organisations.models import Organisation

#: Recipient type (``alerts.recipient_types``) -> the consent scope it needs from every victim.
RECIPIENT_SCOPES: dict[str, str] = {
    "state_mechanism": ConsentScope.share_state_mechanism,
    SPECIAL_PROCEDURES: ConsentScope.share_un_regional,
    "regional_body": ConsentScope.share_un_regional,
    "funder": ConsentScope.share_funders,
    "media": ConsentScope.share_media,
}
#: How a refusal names each scope (domain errors are shown as written).
_SCOPE_NAMES = {
    ConsentScope.share_state_mechanism: "state protection mechanisms and human-rights institutions",
    ConsentScope.share_un_regional: "UN and regional human-rights bodies",
    ConsentScope.share_funders: "funders",
    ConsentScope.share_media: "the media",
}


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


NO_VICTIM = (
    "No alert on a case without a defender: link the defender to the case and record their "
    "consent first (or an emergency exception confirmed by a second staff member)."
)
RECORD_ONLY = "The defender asked that this attack only be recorded: no alert may be sent."
NO_CONSENT = (
    "No alert without the defender's own consent: record their decision (or a "
    "representative's, or their community's), or an emergency exception confirmed "
    "by a second staff member. An exception lasts a limited time and may have expired "
    "or been withdrawn."
)


def _lacks_consent(consents: list[SharingConsent]) -> bool:
    """No victim at all, or one who never gave their own strategy (nor refused)."""
    return not consents or any(c.strategy is None and not c.refused for c in consents)


def alert_refusal(session: Session, *, incident_id: int, at: datetime | None = None) -> str | None:
    """Why no alert on the case may go out at ``at`` (now by default), or None: "record
    only" from any victim; a victim without their own strategy, or no victim at all, unless
    an emergency exception holds at that instant (it expires and may be withdrawn)."""
    consents = [sharing_consent(session, defender=d) for d in _victims(session, incident_id)]
    if any(c.refused for c in consents):
        return RECORD_ONLY
    if _lacks_consent(consents) and not has_confirmed_exception(
        session, incident_id=incident_id, at=at
    ):
        return NO_CONSENT if consents else NO_VICTIM
    return None


def consent_lapsed(session: Session, *, incident_id: int, at: datetime) -> bool:
    """Whether an alert already sent went out on an emergency exception that no longer holds
    at ``at`` (expired or withdrawn), or has no victim left to have consented: its later
    tiers and queued deliveries must not go. A refusal ("record only", forgetting) is
    :func:`send_refusal`'s: it stops the whole alert (alerts/consent_stop.py)."""
    consents = [sharing_consent(session, defender=d) for d in _victims(session, incident_id)]
    return _lacks_consent(consents) and not has_confirmed_exception(
        session, incident_id=incident_id, at=at
    )


NOT_NAMED = "The defender no longer agrees to be named to stakeholders."


def send_refusal(session: Session, *, alert: Alert, at: datetime) -> str | None:
    """Why an alert already launched may send nothing more at ``at``, or None: the one
    check asked before each later tier and before each batch of its queued deliveries
    (alerts/consent_stop.py). Everything the launch required must still hold: no refusal
    ("record only", ``store`` withdrawn, forgotten), the victims' own strategy or an
    emergency exception that has not expired nor been withdrawn, and for an alert that
    names the defender, every victim's ``share_with_stakeholders`` grant."""
    refusal = alert_refusal(session, incident_id=alert.incident_id, at=at)
    if refusal is not None or alert.share_level != ShareLevel.name:
        return refusal
    for defender in _victims(session, alert.incident_id):
        allowed = has_consent(
            session, defender_id=defender.id, scope=ConsentScope.share_with_stakeholders, at=at
        )
        if defender.forgotten_at is not None or not allowed:
            return NOT_NAMED
    return None


def _scope_allowed(
    session: Session, defender: Defender, scope: str, at: datetime, incident_id: int
) -> bool:
    """The victim's own grant, else a holding emergency exception for a scope they never
    refused (never for the media: naming in public is the defender's call alone)."""
    if has_consent(session, defender_id=defender.id, scope=scope, at=at):
        return True
    if scope == ConsentScope.share_media:
        return False
    entry = current_entries(session, defender_id=defender.id).get(scope)
    if entry is not None and entry.decision == Decision.withdraw:
        return False
    return has_confirmed_exception(session, incident_id=incident_id, at=at)


def recipient_consented(
    session: Session, *, incident_id: int, kind: str | None, role: str | None, at: datetime
) -> bool:
    """Whether a contact of this kind and role may still get the case at ``at``: the alert
    itself still allowed (``consent_lapsed``: own consent, or an exception that has not
    expired nor been withdrawn), and for a type with a scope of its own
    (``RECIPIENT_SCOPES``) every victim's grant, not expired, or a holding exception
    (casework/emergency.py)."""
    if consent_lapsed(session, incident_id=incident_id, at=at):
        return False
    scope = RECIPIENT_SCOPES.get(recipient_type(kind=kind, role=role) or "")
    if scope is None:
        return True
    return all(
        _scope_allowed(session, d, scope, at, incident_id) for d in _victims(session, incident_id)
    )


def location_allowed(session: Session, *, incident_id: int, at: datetime | None = None) -> bool:
    """Whether every victim agreed to their location being shared (``share_location``): if
    not, messages, answers and the submission pack say the country only, never the region
    or the place. An emergency exception never stands in for it."""
    victims = _victims(session, incident_id)
    return bool(victims) and all(
        has_consent(session, defender_id=d.id, scope=ConsentScope.share_location, at=at)
        for d in victims
    )


def recipient_scope_check(
    session: Session, *, alert_id: int, incident_id: int, at: datetime | None = None
) -> None:
    """Raise Conflict when an included recipient is of a type a victim has not agreed to
    (or whose agreement has expired at ``at``, now by default)."""
    when = at or utcnow()
    contacts = session.execute(
        select(Contact.kind, Contact.role)
        .join(AlertRecipient, AlertRecipient.contact_id == Contact.id)
        .where(AlertRecipient.alert_id == alert_id, AlertRecipient.included.is_(True))
        .distinct()
    ).all()
    refused = sorted(
        {
            _SCOPE_NAMES[RECIPIENT_SCOPES[recipient_type(kind=kind, role=role) or ""]]
            for kind, role in contacts
            # Special procedures get no e-mail (a submission pack, sent by hand): not here.
            if recipient_type(kind=kind, role=role) != SPECIAL_PROCEDURES
            and not recipient_consented(
                session, incident_id=incident_id, kind=kind, role=role, at=when
            )
        }
    )
    if refused:
        raise Conflict(
            "Nothing was sent: the defender has not agreed, or no longer agrees, to share the "
            "case with " + "; ".join(refused) + ". Leave those recipients out or record "
            "their consent."
        )


def consent_check(
    session: Session, *, incident_id: int, share_level: str, alert_id: int | None = None
) -> str:
    """The strategy to follow (the most restrictive of the victims'); raises Conflict when
    the defenders' consent forbids the alert, the level of detail asked for or, given the
    ``alert_id``, one of its recipient types. The one rule for drafting, writing the
    message and launching."""
    if share_level not in ShareLevel.__members__:
        raise Invalid("Choose what the messages may say about the defender.")
    victims = _victims(session, incident_id)
    refusal = alert_refusal(session, incident_id=incident_id)
    if refusal is not None:
        raise Conflict(refusal)
    consents = [sharing_consent(session, defender=d) for d in victims]
    if share_level == ShareLevel.name:
        for defender in victims:
            allowed = has_consent(
                session, defender_id=defender.id, scope=ConsentScope.share_with_stakeholders
            )
            if defender.forgotten_at is not None or not allowed:
                raise Conflict(
                    "The defender has not agreed to be named to stakeholders: use the alias."
                )
    if alert_id is not None:
        recipient_scope_check(session, alert_id=alert_id, incident_id=incident_id)
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
    labels = attack_type_labels(session, incident_id=incident.id)  # every type, joined
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
    notes = load_notes(vault.open(incident.data_key_id, alert.message_sealed))
    note_language = default_language(notes)
    facts = Facts(
        incident_id=incident.id,
        defender=defender,
        attack_type_labels=labels,
        country=incident.country,
        region=incident.region,
        occurred_on=incident.occurred_on,
        company=", ".join(sorted(companies)),
        project=project.name if project else "",
        analyst_note=notes.get(note_language, ""),
        analyst_notes=notes,
        note_language=note_language,
        organisation=organisation.name if organisation else "",
        urgency=alert.urgency,
        strategy=alert.strategy,
        date_precision=incident.date_precision,
        reply_to=(organisation.contact_email or "") if organisation else "",
    )
    if alert.share_level == ShareLevel.generalised:
        facts = generalised(facts, session, incident)
    if not location_allowed(session, incident_id=incident.id):
        facts = replace(facts, region=None)  # the country only
    return facts
