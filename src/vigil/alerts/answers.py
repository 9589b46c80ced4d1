"""The team answers a recipient's request for information from inside Vigil: the answer is
kept (sealed), put on the alert's timeline and the audit log, and sent to that recipient
through the outbox, in their language, with the do-no-harm paragraph and fresh links to respond
and to unsubscribe.

Why it is built this way:
- An answer is written in a hurry to someone outside the organisation, so before it goes out
  it is checked against what the alert may say (alerts/facts.py): the defender's real name
  (unless the alert names them with their consent), their alias (when the alert does not say
  it), the precise place of the attack (never said in any message) and, at the "generalised"
  level, the region inside the top-level one. A match is a warning, not a refusal: the analyst
  may know that the recipient already has it. Sending anyway needs an explicit confirmation,
  and the override is recorded on the answer and in the audit log.
- The warning names what kind of thing was found, never the thing itself (the page may be
  read over a shoulder; the name is on the case page for those who may see it).
- Only an active alert can be answered: the outbox does not send an ended alert's messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.alerts.compose import Facts, text_to_html
from vigil.alerts.delivery_timeline import ALERT_TIMELINE
from vigil.alerts.do_no_harm import do_no_harm_paragraph, with_do_no_harm
from vigil.alerts.facts import consent_check, facts_for, location_allowed
from vigil.alerts.models import (
    Alert,
    AlertEvent,
    AlertEventKind,
    AlertRecipient,
    AlertResponse,
    AlertStatus,
    ShareLevel,
)
from vigil.alerts.proposal import channels_of
from vigil.alerts.response_models import AlertAnswer
from vigil.alerts.service import load_alert
from vigil.contacts.models import Contact
from vigil.core.audit import record_event
from vigil.core.config import Settings
from vigil.core.crypto import Vault, Withheld
from vigil.core.errors import Conflict, Invalid, NotFound, VigilError
from vigil.core.i18n import LOCALES
from vigil.core.places import region_name, top_level_region
from vigil.defenders.models import Defender
from vigil.defenders.service import WITHHELD, reveal_name
from vigil.incidents.models import Act, Incident
from vigil.links.models import LinkPurpose
from vigil.links.service import issue_link, link_url
from vigil.outbox.service import queue_delivery

MAX_ANSWER = 10_000
LINK_TTL = timedelta(days=30)
#: What the warning can name (the page says each in the reader's language).
NAME, ALIAS, PLACE, REGION = "name", "alias", "place", "region"

_SUBJECT = {
    "en": "Information on case %(case_reference)s",
    "es": "Información sobre el caso %(case_reference)s",
    "fr": "Informations sur le dossier %(case_reference)s",
    "pt": "Informações sobre o caso %(case_reference)s",
}
_BODY = {
    "en": (
        "Dear %(recipient_name)s,\n\n"
        "In answer to your request for more information on case %(case_reference)s:\n\n"
        "%(answer)s\n\n"
        "To respond to the alert: %(respond_url)s\n\n"
        "%(organisation)s\n\n"
        "To stop receiving alerts: %(unsubscribe_url)s"
    ),
    "es": (
        "Estimado/a %(recipient_name)s:\n\n"
        "En respuesta a su solicitud de más información sobre el caso %(case_reference)s:\n\n"
        "%(answer)s\n\n"
        "Para responder a la alerta: %(respond_url)s\n\n"
        "%(organisation)s\n\n"
        "Para dejar de recibir alertas: %(unsubscribe_url)s"
    ),
    "fr": (
        "Bonjour %(recipient_name)s,\n\n"
        "En réponse à votre demande d'informations sur le dossier %(case_reference)s :\n\n"
        "%(answer)s\n\n"
        "Pour répondre à l'alerte : %(respond_url)s\n\n"
        "%(organisation)s\n\n"
        "Pour ne plus recevoir d'alertes : %(unsubscribe_url)s"
    ),
    "pt": (
        "Prezado(a) %(recipient_name)s,\n\n"
        "Em resposta ao seu pedido de mais informações sobre o caso %(case_reference)s:\n\n"
        "%(answer)s\n\n"
        "Para responder ao alerta: %(respond_url)s\n\n"
        "%(organisation)s\n\n"
        "Para deixar de receber alertas: %(unsubscribe_url)s"
    ),
}


class NeedsConfirmation(VigilError):
    """The answer may reveal what the defender's consent does not allow (``found``: the kinds,
    see :data:`NAME` …); sending it needs the author's explicit confirmation."""

    def __init__(self, found: list[str]) -> None:
        self.found = found
        super().__init__("The answer may reveal what the defender's consent does not allow.")


def _mentions(text: str, needles: Iterable[str]) -> bool:
    """Whether ``text`` contains one of ``needles`` as whole words, ignoring case."""
    folded = text.casefold()
    for needle in needles:
        needle = " ".join(needle.split()).casefold()
        if len(needle) >= 3 and re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", folded):
            return True
    return False


def _name_parts(name: str) -> list[str]:
    """The whole name and each of its words long enough to identify (a surname alone does)."""
    return [name, *(part for part in name.split() if len(part) >= 4)]


def _may_name(session: Session, alert: Alert) -> bool:
    if alert.share_level != ShareLevel.name:
        return False
    try:
        consent_check(session, incident_id=alert.incident_id, share_level=ShareLevel.name)
    except Conflict:
        return False
    return True


def answer_warnings(session: Session, vault: Vault, *, alert: Alert, text: str) -> list[str]:
    """What ``text`` would reveal beyond what the alert may say (see the module docstring)."""
    incident = session.get(Incident, alert.incident_id)
    assert incident is not None
    victims = session.scalars(
        select(Defender)
        .join(Act, Act.victim_id == Defender.id)
        .where(Act.incident_id == incident.id)
    ).all()
    found: list[str] = []
    if not _may_name(session, alert):
        names = [reveal_name(vault, d) or "" for d in victims]
        if _mentions(text, [p for n in names if n and n != WITHHELD for p in _name_parts(n)]):
            found.append(NAME)
    hides_alias = alert.share_level in (ShareLevel.none, ShareLevel.generalised)
    if hides_alias and _mentions(text, [d.alias for d in victims]):
        found.append(ALIAS)
    try:
        place = vault.open(incident.data_key_id, incident.place_sealed) or ""
    except Withheld:  # the case was forgotten: nothing left to reveal
        place = ""
    parts = [place, *(p.strip() for p in re.split(r"[,;/\n]", place) if len(p.strip()) >= 4)]
    if place and _mentions(text, parts):
        found.append(PLACE)
    region = incident.region
    located = location_allowed(session, incident_id=incident.id)
    # Without the location consent, any region is too much (the country only).
    inner = region and (not located or top_level_region(region) != region)
    regions = {region_name(region, language) for language in LOCALES} if inner else set()
    said = {region_name(top_level_region(region), language) for language in LOCALES}
    regions |= said if region and not located else set()
    wide = alert.share_level == ShareLevel.generalised or not located
    if wide and _mentions(text, {r for r in regions if r}):
        found.append(REGION)
    return found


def _request(session: Session, alert: Alert, response_id: int) -> AlertResponse:
    request = session.get(AlertResponse, response_id)
    if request is None or request.alert_id != alert.id or request.kind != "info_request":
        raise NotFound("No such request for information.")
    return request


def _compose(
    session: Session,
    settings: Settings,
    *,
    alert: Alert,
    facts: Facts,
    contact: Contact,
    text: str,
    now: datetime,
) -> dict:
    """The answer as a delivery's content, in the contact's language."""
    language = contact.language if contact.language in _BODY else "en"
    urls = {
        purpose: link_url(
            settings,
            issue_link(
                session,
                settings,
                organisation_id=alert.organisation_id,
                purpose=purpose,
                alert_id=alert.id,
                contact_id=contact.id,
                ttl=LINK_TTL if purpose == LinkPurpose.respond else timedelta(days=365),
                now=now,
            ),
        )
        for purpose in (LinkPurpose.respond, LinkPurpose.unsubscribe)
    }
    values = {"case_reference": facts.case_reference, "organisation": facts.organisation}
    subject = _SUBJECT[language] % values
    body = _BODY[language] % {
        **values,
        "recipient_name": contact.name,
        "answer": text,
        "respond_url": urls[LinkPurpose.respond],
        "unsubscribe_url": urls[LinkPurpose.unsubscribe],
    }
    paragraph = do_no_harm_paragraph(
        language, strategy=alert.strategy, organisation=facts.organisation
    )
    body = with_do_no_harm(body, paragraph, anchor=urls[LinkPurpose.respond])
    payload = {
        "type": "alert.answer",
        "alert_id": alert.id,
        "case_reference": facts.case_reference,
        "language": language,
        "subject": subject,
        "text": body,
        "links": {
            "respond": urls[LinkPurpose.respond],
            "unsubscribe": urls[LinkPurpose.unsubscribe],
        },
    }
    return {
        "subject": subject,
        "text": body,
        "html": text_to_html(body, language),
        "unsubscribe_url": urls[LinkPurpose.unsubscribe],
        "payload": payload,
        "reply_to": facts.reply_to,
        "language": language,
    }


def answer_request(
    session: Session,
    vault: Vault,
    settings: Settings,
    *,
    org_id: int,
    alert_id: int,
    response_id: int,
    text: str,
    confirmed: bool,
    actor_user_id: int,
    now: datetime,
) -> AlertAnswer:
    """Answer a recipient's request for information (see the module docstring). Raises
    :class:`NeedsConfirmation` when the answer may reveal too much and was not confirmed."""
    alert = load_alert(session, org_id=org_id, alert_id=alert_id)
    request = _request(session, alert, response_id)
    answer = text.strip()
    if not answer:
        raise Invalid("Write the answer.")
    if len(answer) > MAX_ANSWER:
        raise Invalid(f"Please keep the answer under {MAX_ANSWER} characters.")
    if alert.status != AlertStatus.active:
        raise Conflict("The alert is no longer active: its recipients get no more messages.")
    contact = session.get(Contact, request.contact_id) if request.contact_id else None
    recipient = session.scalar(
        select(AlertRecipient).where(
            AlertRecipient.alert_id == alert.id, AlertRecipient.contact_id == request.contact_id
        )
    )
    if contact is None or recipient is None:
        raise Conflict("The recipient who asked is no longer in the directory.")
    if contact.opted_out_at is not None:
        raise Conflict("This recipient unsubscribed: they get no more messages.")
    pairs = channels_of(contact, ("email", "webhook"))
    if not pairs:
        raise Conflict("This recipient has no e-mail address or webhook to answer to.")
    found = answer_warnings(session, vault, alert=alert, text=answer)
    if found and not confirmed:
        raise NeedsConfirmation(found)
    return _send(
        session,
        vault,
        settings,
        alert=alert,
        request=request,
        recipient=recipient,
        contact=contact,
        pairs=pairs,
        text=answer,
        overridden=bool(found),
        actor_user_id=actor_user_id,
        now=now,
    )


def _send(
    session: Session,
    vault: Vault,
    settings: Settings,
    *,
    alert: Alert,
    request: AlertResponse,
    recipient: AlertRecipient,
    contact: Contact,
    pairs: list[tuple[str, str]],
    text: str,
    overridden: bool,
    actor_user_id: int,
    now: datetime,
) -> AlertAnswer:
    incident = session.get(Incident, alert.incident_id)
    assert incident is not None
    content = _compose(
        session,
        settings,
        alert=alert,
        facts=facts_for(session, vault, alert),
        contact=contact,
        text=text,
        now=now,
    )
    language = content.pop("language")
    for channel, address in pairs:
        queue_delivery(
            session,
            vault,
            organisation_id=alert.organisation_id,
            data_key_id=incident.data_key_id,
            alert_id=alert.id,
            contact_id=contact.id,
            tier=recipient.tier,
            purpose="answer",
            channel=channel,
            address=address,
            language=language,
            urgency=alert.urgency,
            content=content,
            timeline=ALERT_TIMELINE,
        )
    sealed = vault.seal(incident.data_key_id, text)
    assert sealed is not None
    answer = AlertAnswer(
        organisation_id=alert.organisation_id,
        alert_id=alert.id,
        contact_id=contact.id,
        response_id=request.id,
        author_id=actor_user_id,
        data_key_id=incident.data_key_id,
        body_sealed=sealed,
        warning_overridden=overridden,
        created_at=now,
    )
    session.add(answer)
    detail = "sent after the consent warning was confirmed" if overridden else ""
    session.add(
        AlertEvent(
            alert_id=alert.id,
            at=now,
            kind=AlertEventKind.answered,
            tier=recipient.tier,
            contact_id=contact.id,
            detail=detail,
        )
    )
    session.flush()
    record_event(
        session,
        action="alert.answered",
        organisation_id=alert.organisation_id,
        actor_user_id=actor_user_id,
        object_type="alert",
        object_id=alert.id,
        detail={"contact": contact.id, "request": request.id, "warning_overridden": overridden},
    )
    return answer


def answers_by_request(
    session: Session, vault: Vault, alert_id: int
) -> dict[int, list[tuple[AlertAnswer, str]]]:
    """The answers of an alert with their text, by the request they answer (alert page)."""
    found: dict[int, list[tuple[AlertAnswer, str]]] = {}
    for answer in session.scalars(
        select(AlertAnswer).where(AlertAnswer.alert_id == alert_id).order_by(AlertAnswer.id)
    ):
        if answer.response_id is not None:
            text = vault.reveal(answer.data_key_id, answer.body_sealed) or ""
            found.setdefault(answer.response_id, []).append((answer, text))
    return found
