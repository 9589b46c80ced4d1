"""Support measures for the defender of a case (legal aid, relocation, an emergency grant…)
and the organisation's directory of service providers.

A measure moves requested → approved → delivered, or requested → refused; nothing else. An
emergency grant has steps of its own (casework/grants.py: approved by a coordinator, with
four eyes above the organisation's threshold, then disbursed, then reported). An
amount is a ``Decimal`` in an ISO 4217 currency with no more decimals than the currency has.
Notes are sealed with the incident's key. Every change is audited, never with the notes.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.access import in_org
from vigil.casework.labels import label as casework_label
from vigil.casework.models import (
    RETIRED_MEASURE_KINDS,
    MeasureKind,
    MeasureStatus,
    ServiceProvider,
    SupportMeasure,
)
from vigil.casework.money import clean_money, format_money, to_minor
from vigil.casework.service import load_case, touch_case
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.core.i18n import N_, current_locale, gettext
from vigil.core.places import country_choices, country_codes
from vigil.incidents.models import Act, Incident
from vigil.organisations.models import Organisation

S = MeasureStatus
MEASURE_MOVES: dict[str, tuple[str, ...]] = {
    S.requested: (S.approved, S.refused),
    S.approved: (S.delivered,),
    S.delivered: (),
    S.refused: (),
}
#: What a new measure or provider may be (the retired combined medical code is not offered).
OFFERED_KINDS = tuple(kind for kind in MeasureKind if kind not in RETIRED_MEASURE_KINDS)
PROVIDER_KINDS = (*OFFERED_KINDS, "other")
GRANT = MeasureKind.emergency_grant
#: What an emergency grant may do next, from each status (casework/grants.py does each).
GRANT_STEPS: dict[str, tuple[str, ...]] = {
    S.requested: ("approve", "refuse"),
    S.approved: ("disburse",),
    S.disbursed: ("report",),
    S.reported: (),
    S.refused: (),
}
DISBURSEMENT_METHODS = ("bank_transfer", "mobile_money", "money_transfer", "cash", "provider")

LABELS = {
    "legal_aid": N_("Legal aid"),
    "medical": N_("Medical care"),
    "psychosocial": N_("Psychosocial care"),
    "protective_accompaniment": N_("Protective accompaniment"),
    "security_plan_training": N_("Security plan and training"),
    "security_equipment": N_("Security equipment"),
    "collective_protection": N_("Collective protection"),
    "trial_observation": N_("Trial observation"),
    "medical_psychosocial": N_("Medical and psychosocial care (recorded before the split)"),
    "temporary_relocation": N_("Temporary relocation"),
    "international_relocation": N_("International relocation"),
    "digital_security": N_("Digital security"),
    "physical_security": N_("Physical security"),
    "family_support": N_("Support for the family"),
    "emergency_grant": N_("Emergency grant"),
    "requested": N_("Requested"),
    "approved": N_("Approved"),
    "delivered": N_("Delivered"),
    "refused": N_("Refused"),
    "disbursed": N_("Disbursed"),
    "reported": N_("Use reported"),
    "other": N_("Other"),
    "bank_transfer": N_("Bank transfer"),
    "mobile_money": N_("Mobile money"),
    "money_transfer": N_("Money transfer service"),
    "cash": N_("Cash handed over"),
    "provider": N_("Paid directly to a provider"),
}


def support_label(code: str) -> str:
    message = LABELS.get(code)
    return gettext(message) if message else casework_label(code)


def add_provider(
    session: Session,
    *,
    org_id: int,
    name: str,
    kind: str,
    country: str = "",
    contact: str = "",
    actor_user_id: int | None,
) -> ServiceProvider:
    name, country = " ".join(name.split()), country.strip().upper()
    if not name or len(name) > 200:
        raise Invalid("Give the provider's name (at most 200 characters).")
    if kind not in PROVIDER_KINDS:
        raise Invalid("Choose what the provider does.")
    if country and country not in country_codes():
        raise Invalid("Choose a country from the list.")
    if len(contact.strip()) > 300:
        raise Invalid("The contact is too long (at most 300 characters).")
    names = session.scalars(
        select(ServiceProvider.name).where(ServiceProvider.organisation_id == org_id)
    )
    if name.casefold() in {n.casefold() for n in names}:
        raise Conflict("A provider with this name is already in the directory.")
    provider = ServiceProvider(
        organisation_id=org_id,
        name=name,
        kind=kind,
        country=country or None,
        contact=contact.strip(),
    )
    session.add(provider)
    session.flush()
    record_event(
        session,
        action="provider.added",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="service_provider",
        object_id=provider.id,
        detail={"kind": kind},
    )
    return provider


def list_providers(session: Session, *, org_id: int) -> list[ServiceProvider]:
    return list(
        session.scalars(
            select(ServiceProvider)
            .where(ServiceProvider.organisation_id == org_id)
            .order_by(ServiceProvider.name, ServiceProvider.id)
        )
    )


def add_measure(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    incident_id: int,
    kind: str,
    provider_id: int | None = None,
    amount: str | Decimal | None = None,
    currency: str | None = None,
    requested_on: date | None = None,
    notes: str = "",
    actor_user_id: int | None,
) -> SupportMeasure:
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    if kind not in OFFERED_KINDS:
        raise Invalid("Choose a kind of support.")
    if provider_id is not None and not in_org(session.get(ServiceProvider, provider_id), org_id):
        raise Invalid("Choose a provider from your directory.")
    value, code = clean_money(amount, currency)
    if kind == GRANT and (value is None or not notes.strip()):
        raise Invalid("An emergency grant needs an amount, its currency and its purpose.")
    today = utcnow().date()
    requested_on = requested_on or today
    if requested_on > today:
        raise Invalid("The request date cannot be in the future.")
    measure = SupportMeasure(
        incident_id=incident.id,
        kind=kind,
        provider_id=provider_id,
        amount=value,
        currency=code,
        status=MeasureStatus.requested,
        requested_on=requested_on,
        notes_sealed=vault.seal(incident.data_key_id, notes.strip() or None),
        created_by_id=actor_user_id,
    )
    session.add(measure)
    session.flush()
    touch_case(session, incident, "measure.added", actor_user_id, measure=measure.id, kind=kind)
    return measure


def load_measure(
    session: Session, *, org_id: int, incident_id: int, measure_id: int
) -> tuple[Incident, SupportMeasure]:
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    measure = session.get(SupportMeasure, measure_id)
    if measure is None or measure.incident_id != incident.id:
        raise NotFound("No such support measure.")
    return incident, measure


def change_measure_status(
    session: Session,
    *,
    org_id: int,
    incident_id: int,
    measure_id: int,
    status: str,
    on: date | None = None,
    actor_user_id: int | None,
) -> SupportMeasure:
    """Approve, refuse or mark delivered, on a date between the request and today."""
    incident, measure = load_measure(
        session, org_id=org_id, incident_id=incident_id, measure_id=measure_id
    )
    if measure.kind == GRANT:
        raise Conflict(
            "An emergency grant moves through its own steps: approval, disbursement, report."
        )
    if status not in MEASURE_MOVES.get(measure.status, ()):
        raise Conflict(f"A measure cannot move from {measure.status} to {status}.")
    today = utcnow().date()
    on = on or today
    if on > today:
        raise Invalid("The date cannot be in the future.")
    earliest = measure.decided_on if status == S.delivered else measure.requested_on
    if earliest is not None and on < earliest:
        raise Invalid("The date cannot be before the request or the decision.")
    previous, measure.status = measure.status, status
    if status == S.delivered:
        measure.delivered_on = on
    else:
        measure.decided_on = on
    touch_case(
        session,
        incident,
        "measure.status_changed",
        actor_user_id,
        measure=measure.id,
        to=status,
        **{"from": previous},
    )
    return measure


def threshold_for(session: Session, *, org_id: int, currency: str) -> int | None:
    """The organisation's self-approval threshold for a currency, in minor units."""
    organisation = session.get(Organisation, org_id)
    value = (organisation.grant_thresholds or {}).get(currency) if organisation else None
    return int(value) if value is not None else None


def needs_second_approver(session: Session, *, org_id: int, measure: SupportMeasure) -> bool:
    """Above the threshold, or in a currency with no threshold set: four eyes."""
    if measure.amount is None or measure.currency is None:
        return True
    limit = threshold_for(session, org_id=org_id, currency=measure.currency)
    return limit is None or to_minor(measure.amount, measure.currency) > limit


def defender_ids(session: Session, *, incident_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Act.victim_id)
            .where(Act.incident_id == incident_id, Act.victim_id.is_not(None))
            .distinct()
        )
    )


def measures_for_defenders(
    session: Session, *, org_id: int, incident_id: int
) -> list[tuple[SupportMeasure, Incident]]:
    """Every measure of every case of this organisation with the same victim defender(s)."""
    victims = defender_ids(session, incident_id=incident_id)
    cases = select(Act.incident_id).where(Act.victim_id.in_(victims))
    rows = session.execute(
        select(SupportMeasure, Incident)
        .join(Incident, Incident.id == SupportMeasure.incident_id)
        .where(
            Incident.organisation_id == org_id,
            (Incident.id == incident_id) | Incident.id.in_(cases),
        )
        .order_by(SupportMeasure.requested_on.desc(), SupportMeasure.id.desc())
    ).all()
    return [(measure, incident) for measure, incident in rows]


def support_context(
    session: Session, *, vault: Vault, org_id: int, incident: Incident
) -> dict[str, Any]:
    """What ``casework/_support.html`` shows. Notes are opened only for this incident's
    own measures; measures of the defender's other cases show no notes."""
    load_case(session, org_id=org_id, incident_id=incident.id)
    providers = list_providers(session, org_id=org_id)
    names = {p.id: p.name for p in providers}
    everything = measures_for_defenders(session, org_id=org_id, incident_id=incident.id)
    own = [m for m, case in everything if case.id == incident.id]
    return {
        "measures": [
            {
                "row": m,
                "provider": names.get(m.provider_id) if m.provider_id else None,
                "amount": format_money(m.amount, m.currency),
                "notes": vault.reveal(incident.data_key_id, m.notes_sealed),
                "moves": () if m.kind == GRANT else MEASURE_MOVES.get(m.status, ()),
                "grant_steps": GRANT_STEPS.get(m.status, ()) if m.kind == GRANT else (),
                "second_approver": m.kind == GRANT
                and needs_second_approver(session, org_id=org_id, measure=m),
                "report": vault.reveal(incident.data_key_id, m.report_sealed),
            }
            for m in own
        ],
        "defender_measures": [
            {
                "row": m,
                "incident_id": case.id,
                "incident_title": case.title,
                "here": case.id == incident.id,
                "provider": names.get(m.provider_id) if m.provider_id else None,
                "amount": format_money(m.amount, m.currency),
            }
            for m, case in everything
        ],
        "measure_kinds": [kind for kind in OFFERED_KINDS if kind != GRANT],
        "disbursement_methods": DISBURSEMENT_METHODS,
        "provider_kinds": list(PROVIDER_KINDS),
        "providers": providers,
        "provider_countries": country_choices(current_locale.get()),
        "support_label": support_label,
        "support_today": utcnow().date().isoformat(),
    }
