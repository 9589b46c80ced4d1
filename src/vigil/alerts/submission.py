"""The submission pack for the UN special procedures: a document the analyst downloads from
the alert page and sends through the special procedures' own channel.

The special procedures are not an alert recipient like a company: they cannot act on an alias
(they write to the state about a named person), they need to know that the person consented,
and they want the facts in their own order (who, consent, what happened where and when, who
is alleged to be responsible, what was done at home, what is asked). So instead of an
"acknowledge within 72 hours" e-mail (alerts/chain.py skips them) the analyst gets this
Markdown document, made from the case with exactly what the consent allows:

- refused unless every victim agreed to be named to stakeholders (``share_with_stakeholders``)
  and to the case going to UN and regional bodies (facts.recipient_consented), and the alert
  itself is allowed (the same consent rule as every alert: facts.consent_check);
- the region only with every victim's location consent (else the country alone), never the
  exact place; no files or evidence (they stay with the organisation, whatever the
  ``use_as_evidence`` scope says: the analyst attaches them by hand only when it is
  granted); the analyst's note for recipients, never the case
  summary or the sources (they may name witnesses);
- no contact details of the defender (the special procedures reply to the sending
  organisation), and no gender or identity: the analyst adds them only when the person
  agreed.

It is in English, a working language of the special procedures that every mandate reads;
the analyst may translate it. Each pack made is on the audit log (it names a person).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.compose import country_name, say_date
from vigil.alerts.facts import consent_check, location_allowed, recipient_consented
from vigil.alerts.models import Alert, ShareLevel
from vigil.alerts.notes import default_language, load_notes
from vigil.alerts.recipient_types import SPECIAL_PROCEDURES
from vigil.alerts.service import load_alert
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Conflict
from vigil.core.places import region_name
from vigil.defenders.consent import ConsentScope, has_consent
from vigil.defenders.models import Defender
from vigil.defenders.service import reveal_name
from vigil.incidents.models import Act, Incident, Involvement
from vigil.organisations.models import Organisation

NO_UN_CONSENT = (
    "The defender has not agreed, or no longer agrees, to share the case with UN and "
    "regional human-rights bodies: record that consent before preparing the submission pack."
)
NO_NAMING_CONSENT = (
    "The UN special procedures act only on a named case: record every defender's consent "
    "to be named to stakeholders before preparing the submission pack."
)
#: Mandates to suggest beyond the one on defenders, by attack type.
MANDATES = {
    "arbitrary_detention": "Working Group on Arbitrary Detention",
    "killing": "Special Rapporteur on extrajudicial, summary or arbitrary executions",
    "attempted_killing": "Special Rapporteur on extrajudicial, summary or arbitrary executions",
    "enforced_disappearance": "Working Group on Enforced or Involuntary Disappearances",
    "abduction": "Working Group on Enforced or Involuntary Disappearances",
    "torture": "Special Rapporteur on torture",
    "sexual_violence": "Special Rapporteur on violence against women and girls",
    "forced_eviction": "Special Rapporteur on adequate housing",
    "surveillance": "Special Rapporteur on the right to privacy",
    "judicial_criminal": "Special Rapporteur on the independence of judges and lawyers",
}
DEFENDERS_MANDATE = "Special Rapporteur on the situation of human rights defenders"
BUSINESS_MANDATE = "Working Group on Business and Human Rights"


@dataclass(frozen=True)
class SubmissionPack:
    filename: str
    text: str  # Markdown


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


def _named_victims(session: Session, vault: Vault, alert: Alert) -> list[tuple[Defender, str]]:
    """Each victim with their name; Conflict unless every one may be named."""
    consent_check(session, incident_id=alert.incident_id, share_level=ShareLevel.alias)
    if not recipient_consented(
        session,
        incident_id=alert.incident_id,
        kind="un",
        role=SPECIAL_PROCEDURES,
        at=utcnow(),
    ):
        raise Conflict(NO_UN_CONSENT)
    named = []
    for defender in _victims(session, alert.incident_id):
        allowed = defender.forgotten_at is None and has_consent(
            session, defender_id=defender.id, scope=ConsentScope.share_with_stakeholders
        )
        name = reveal_name(vault, defender) if allowed else None
        if not name:
            raise Conflict(NO_NAMING_CONSENT)
        named.append((defender, name))
    if not named:
        raise Conflict(NO_NAMING_CONSENT)
    return named


def _victim_lines(victims: list[tuple[Defender, str]]) -> list[str]:
    lines = []
    for defender, name in victims:
        kinds = ", ".join(t.label("en") for t in defender.types) or "human rights defender"
        lines.append(f"- **{name}** ({kinds})")
    return lines


def _involvement(involvement: Involvement) -> str:
    """How sure and in what role ("alleged, direct"): read by name, since the vocabulary of
    involvement is still moving (issue 18 point 9)."""
    said = [getattr(involvement, key, None) for key in ("certainty", "role", "degree")]
    return ", ".join(str(v).replace("_", " ") for v in said if v and v != "unspecified")


def _acts(session: Session, incident: Incident) -> tuple[list[str], list[str], list[str]]:
    """Violation types, alleged perpetrators, companies linked (English labels)."""
    acts = session.scalars(select(Act).where(Act.incident_id == incident.id).order_by(Act.id))
    types: list[str] = []
    perpetrators: list[str] = []
    companies: list[str] = []
    for act in acts:
        types.append(act.attack_type.label("en"))
        for involvement in session.scalars(
            select(Involvement).where(Involvement.act_id == act.id).order_by(Involvement.id)
        ):
            who = involvement.perpetrator_type.label("en")
            if involvement.company is not None:
                who += f", {involvement.company.name}"
                companies.append(involvement.company.name)
            perpetrators.append(f"{who} ({_involvement(involvement)})")
    return list(dict.fromkeys(types)), list(dict.fromkeys(perpetrators)), companies


def _mandates(session: Session, incident: Incident, linked_to_business: bool) -> list[str]:
    codes = session.scalars(
        select(Act).where(Act.incident_id == incident.id).order_by(Act.id)
    ).all()
    found = [MANDATES[a.attack_type.code] for a in codes if a.attack_type.code in MANDATES]
    extra = [BUSINESS_MANDATE] if linked_to_business else []
    return list(dict.fromkeys([DEFENDERS_MANDATE, *found, *extra]))


def _evidence_lines(session: Session, incident: Incident, organisation: str) -> list[str]:
    """Testimony and documents are offered only with every victim's ``use_as_evidence``
    grant; without it the pack says nothing of them (not even that they exist)."""
    victims = _victims(session, incident.id)
    allowed = bool(victims) and all(
        has_consent(session, defender_id=d.id, scope=ConsentScope.use_as_evidence) for d in victims
    )
    if not allowed:
        return []
    return [
        "## Supporting material",
        f"Testimony and documents can be provided by {organisation} on request.",
    ]


def _sections(
    session: Session, vault: Vault, alert: Alert, incident: Incident, organisation: str
) -> list[str]:
    victims = _named_victims(session, vault, alert)
    types, perpetrators, companies = _acts(session, incident)
    project = incident.project.name if incident.project else ""
    region = incident.region if location_allowed(session, incident_id=incident.id) else None
    place = ", ".join(
        p for p in (region_name(region, "en"), country_name(incident.country, "en")) if p
    )
    when = say_date(incident.occurred_on, incident.date_precision, "en") or "(date unknown)"
    notes = load_notes(vault.open(incident.data_key_id, alert.message_sealed))
    note = notes.get(default_language(notes), "")
    country = country_name(incident.country, "en")
    quiet = alert.strategy != "public"
    business = ", ".join(dict.fromkeys(companies)) + (f" ({project})" if project else "")
    return [
        "## 1. Alleged victim(s)",
        *_victim_lines(victims),
        "## 2. Consent",
        "Each person named above consented to be named to the bodies "
        f"{organisation} approaches on their behalf, and to this submission.",
        "The defender chose quiet diplomacy: please consult "
        f"{organisation} before any public statement or press release."
        if quiet
        else "The defender agreed to public action; please agree the timing of any public "
        f"statement with {organisation}.",
        "## 3. The facts",
        f"- Violation(s): {', '.join(types) or '(to complete)'}",
        f"- Date: {when}",
        f"- Place: {place}",
        f"- Description: {note or '(to complete: what happened, in chronological order)'}",
        "## 4. Alleged perpetrators",
        *([f"- {p}" for p in perpetrators] or ["- (to complete)"]),
        "## 5. Business involvement",
        f"- {business}" if companies else "- None recorded.",
        "## 6. Action taken at the national level",
        "(To complete: complaints filed, authorities informed and their response, "
        "protection measures requested or granted, court proceedings.)",
        *_evidence_lines(session, incident, organisation),
        "## 7. What is asked",
        "That the mandate holders consider a communication to the Government of "
        f"{country}" + (" and to the companies named above" if companies else "") + ", "
        "asking that the person named be protected, that the facts be investigated "
        "promptly and independently, and that those responsible be held to account.",
        "## Submitted by",
        f"{organisation}. Contact details: (to complete). Please reply to {organisation}, "
        "not to the person named.",
    ]


def submission_pack(
    session: Session,
    vault: Vault,
    *,
    org_id: int,
    alert_id: int,
    actor_user_id: int | None,
    today: date,
) -> SubmissionPack:
    """The pack for ``alert_id``; Conflict when the consent does not allow it."""
    alert = load_alert(session, org_id=org_id, alert_id=alert_id)
    incident = session.get(Incident, alert.incident_id)
    assert incident is not None
    org = session.get(Organisation, alert.organisation_id)
    organisation = org.name if org else ""
    sections = _sections(session, vault, alert, incident, organisation)
    mandates = _mandates(session, incident, bool(_acts(session, incident)[2]))
    head = [
        "# Submission to the UN special procedures",
        f"Case reference: VIGIL-{incident.id}. Prepared by {organisation} on {today.isoformat()}.",
        f"Suggested mandates: {'; '.join(mandates)}.",
    ]
    record_event(
        session,
        action="alert.submission_pack",
        organisation_id=alert.organisation_id,
        actor_user_id=actor_user_id,
        object_type="alert",
        object_id=alert.id,
        detail={"incident": incident.id},
    )
    return SubmissionPack(
        filename=f"VIGIL-{incident.id}-special-procedures.md",
        text="\n\n".join([*head, *sections]) + "\n",
    )
