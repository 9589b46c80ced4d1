"""A case whose secrets are typed everywhere staff (or a company) may type them, taken through
the real services up to the public register, the counts, an urgent action, a statement and a
dialogue: the world ``test_no_public_byte_identifies`` crawls.

Two victims: "Rosa Abierta" granted ``publish_alias`` and ``publish_name`` (her name may be
shown); the other granted ``publish_alias`` only and carries every planted secret (name,
phone, e-mail), with the exact village as the case's place. Attempts to put the secrets into
a public text (public summary, company answers, urgent action) are made and must be refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_org, make_staff
from tests.public.register_helpers import DELAY_DAYS, grant
from tests.urgent_actions.helpers import contact as directory_contact
from tests.urgent_actions.helpers import mailer
from vigil.access.roles import Actor
from vigil.alerts.models import Alert, AlertResponse
from vigil.alerts.response_models import ResponseDetails
from vigil.companies.models import Company
from vigil.contacts.models import Contact
from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Invalid
from vigil.defenders.service import record_defender
from vigil.diligence.slapp import screening as slapp_screening
from vigil.diligence.slapp import service as slapp
from vigil.diligence.slapp.lawsuit_input import LawsuitInput
from vigil.incidents.public_summary import review_public_summary, write_public_summary
from vigil.incidents.schemas import ActCreate, IncidentCreate, InvolvementCreate, SourceCreate
from vigil.incidents.service import record_incident
from vigil.links.models import SignedLink
from vigil.public.publication import publish_snapshot
from vigil.public.register_batch import refresh_register
from vigil.public.register_models import PublicIncident
from vigil.responses.replies import Reply, record_reply
from vigil.responses.review import approve_response, classify_response, take_alert_response
from vigil.responses.service import Ask, ask_company
from vigil.statements import dialogues
from vigil.statements import service as statements
from vigil.statements.models import DialogueReport, StatementState
from vigil.urgent_actions import service as actions

NAME = "Dolores Quispe-Huamán"
PHONE = "+57 312 555 0199"
EMAIL = "dolores.qh@correo-vereda.example"
VILLAGE = "Vereda El Pindo"
SECRETS = f"{NAME}, {PHONE}, {EMAIL}, {VILLAGE}"
SHOWN_NAME = "Rosa Abierta"  # the victim who allowed her name
CLEAN_SUMMARY = "Private guards threatened two land defenders after a protest."
CLEAN_ANSWER = "We suspended the security contract pending an inquiry."
REFUSED = (Conflict, Invalid)


@dataclass
class World:
    code: str
    company_id: int
    action_slug: str
    statement_slug: str
    dialogue_slug: str


def _incident(session: Session, vault: Vault, org_id: int, company_id: int) -> PublicIncident:
    secret = record_defender(
        session,
        vault=vault,
        org_id=org_id,
        alias="Defender Q",
        name=NAME,
        contact=f"{PHONE} / {EMAIL} / {VILLAGE}",
        type_codes=["land_environment"],
    )
    named = record_defender(
        session, vault=vault, org_id=org_id, alias="Defender R", name=SHOWN_NAME
    )
    acts = [
        ActCreate(
            attack_type="death_threat",
            victim_id=victim.id,
            involvements=[
                InvolvementCreate(
                    perpetrator_type="private_security", role="direct", company_id=company_id
                )
            ],
        )
        for victim in (secret, named)
    ]
    incident = record_incident(
        session,
        vault=vault,
        org_id=org_id,
        data=IncidentCreate(
            title=f"Threat to {NAME} in {VILLAGE}, call {PHONE}",
            summary=f"Internal: {SECRETS}",
            occurred_on=date(2026, 3, 14),
            country="CO",
            region="CO-CAU",
            place=VILLAGE,
            status="verified",
            sector="mining",
            acts=acts,
            sources=[
                SourceCreate(kind="direct_report", reliability="high", description=SECRETS),
                SourceCreate(kind="media", description=f"Radio {VILLAGE} interviewed {NAME}"),
            ],
        ),
    )
    incident.verified_at = utcnow() - timedelta(days=DELAY_DAYS + 1)
    for scope in ("publish_alias", "publish_date"):
        grant(session, secret, scope)
        grant(session, named, scope)
    grant(session, named, "publish_name")
    for victim in (secret, named):
        grant(session, victim, "strategy", "public")
    session.flush()
    return incident


def _public_summary(session: Session, vault: Vault, org, incident) -> None:  # type: ignore[no-untyped-def]
    writer, reviewer = make_staff(session, org).user.id, make_staff(session, org).user.id
    for planted in (NAME, "Quispe", PHONE, "3125550199", EMAIL, VILLAGE, "El Pindo"):
        with pytest.raises(REFUSED):
            write_public_summary(
                session,
                vault=vault,
                org_id=org.id,
                incident_id=incident.id,
                text=f"A defender, {planted}, was threatened.",
                actor_user_id=writer,
            )
    write_public_summary(
        session,
        vault=vault,
        org_id=org.id,
        incident_id=incident.id,
        text=CLEAN_SUMMARY,
        actor_user_id=writer,
    )
    review_public_summary(
        session, vault=vault, org_id=org.id, incident_id=incident.id, actor_user_id=reviewer
    )


def _company_answers(session: Session, settings: Settings, vault: Vault, org, incident, company):  # type: ignore[no-untyped-def]
    """A reply by link and an alert response, both holding the secrets: approval refused;
    then a clean alert response approved, so the register carries an answer."""
    contact = Contact(
        organisation_id=org.id,
        name="Carla Contact",
        language="es",
        email="carla@minera-pindo.example",
        company_id=company.id,
    )
    session.add(contact)
    session.flush()
    now = utcnow() - timedelta(days=20)
    request = ask_company(
        session,
        settings,
        vault,
        org_id=org.id,
        incident_id=incident.id,
        ask=Ask(company_id=company.id, contact_id=contact.id, question="Did guards patrol?"),
        actor_user_id=None,
        now=now,
    )
    link = session.scalars(
        select(SignedLink).where(SignedLink.response_request_id == request.id)
    ).first()
    record_reply(
        session, vault, link=link, reply=Reply(text=f"We met {SECRETS}.", name=NAME), now=now
    )
    alert = Alert(organisation_id=org.id, incident_id=incident.id, status="active")
    session.add(alert)
    session.flush()
    requests = [request.id]
    for text in (f"Our guards know {SECRETS}.", CLEAN_ANSWER):
        response = AlertResponse(
            organisation_id=org.id,
            alert_id=alert.id,
            contact_id=contact.id,
            kind="substantive",
            data_key_id=incident.data_key_id,
            body_sealed=vault.seal(incident.data_key_id, text),
            created_at=now,
        )
        session.add(response)
        session.flush()
        session.add(
            ResponseDetails(
                response_id=response.id,
                responder_name=NAME,
                may_publish=True,
                data_key_id=incident.data_key_id,
            )
        )
        session.flush()
        taken = take_alert_response(
            session,
            vault,
            org_id=org.id,
            incident_id=incident.id,
            alert_response_id=response.id,
            actor_user_id=None,
        )
        requests.append(taken.id)
    for request_id in requests:
        classify_response(
            session,
            org_id=org.id,
            request_id=request_id,
            classification="substantive",
            deflection=False,
            actor_user_id=None,
        )
    for refused in requests[:2]:
        with pytest.raises(REFUSED):
            approve_response(
                session, vault, org_id=org.id, request_id=refused, actor_user_id=None, now=now
            )
    approve_response(
        session, vault, org_id=org.id, request_id=requests[2], actor_user_id=None, now=now
    )


def _urgent_action(session: Session, vault: Vault, settings: Settings, org, incident) -> str:  # type: ignore[no-untyped-def]
    coordinator = Actor(
        user_id=make_staff(session, org, "coordinator").user.id, org_id=org.id, role="coordinator"
    )
    action = actions.draft_action(session, actor=coordinator, incident_id=incident.id)
    for asks, letters in (
        ([f"Protect {NAME}."], {"en": "Dear Minister,"}),
        (["Protect the defender."], {"en": f"Dear Minister, call {PHONE}."}),
        (["Protect the defender."], {"es": f"Estimado Ministro: {VILLAGE}."}),
        ([f"Write to {EMAIL}."], {"en": "Dear Minister,"}),
    ):
        with pytest.raises(REFUSED):
            actions.edit_action(
                session,
                vault=vault,
                actor=coordinator,
                action_id=action.id,
                asks=asks,
                letters=letters,
                deadline=date(2027, 1, 31),
            )
    actions.edit_action(
        session,
        vault=vault,
        actor=coordinator,
        action_id=action.id,
        asks=["Protect the defender.", "Investigate the threats."],
        letters={"en": "Dear Minister,", "es": "Estimado Ministro:"},
        deadline=date(2027, 1, 31),
    )
    contact_id = directory_contact(session, org).id
    actions.set_recipients(
        session, actor=coordinator, action_id=action.id, contact_ids=[contact_id]
    )
    sender = mailer(vault, settings)
    actions.publish_action(session, sender, actor=coordinator, action_id=action.id)
    with pytest.raises(REFUSED):
        actions.publish_update(
            session, sender, actor=coordinator, action_id=action.id, note=f"{NAME} moved."
        )
    actions.publish_update(
        session, sender, actor=coordinator, action_id=action.id, note="The threats continue."
    )
    return action.slug


def _statement(session: Session, org) -> str:  # type: ignore[no-untyped-def]
    staff = make_staff(session, org, "coordinator").user.id
    draft = statements.StatementInput(title=f"Draft about {NAME}", body=SECRETS, language="es")
    statements.create_statement(session, org_id=org.id, data=draft, actor_user_id=staff)
    data = statements.StatementInput(
        title="Companies must respect defenders", body="We, the undersigned.", language="en"
    )
    row = statements.create_statement(session, org_id=org.id, data=data, actor_user_id=staff)
    row.state = StatementState.published  # signatories are the statements tests' concern
    row.published_at = utcnow()
    session.flush()
    return row.slug


def _dialogue(session: Session, vault: Vault, settings: Settings, org) -> str:  # type: ignore[no-untyped-def]
    coordinator = Actor(
        user_id=make_staff(session, org, "coordinator").user.id, org_id=org.id, role="coordinator"
    )
    space = dialogues.save_space(
        session,
        org_id=org.id,
        name="Cauca mining roundtable",
        description="Quarterly.",
        region="Cauca",
        actor_user_id=coordinator.user_id,
    )
    for n, company in enumerate(("Andes Mining SA", "Blue Hydro Ltd")):
        member = Contact(
            organisation_id=org.id,
            name=f"Member Person {n}",
            organisation_name=company,
            language="en",
            email=f"member{n}@dialogue.example",
        )
        session.add(member)
        session.flush()
        dialogues.add_member(
            session,
            org_id=org.id,
            space_id=space.id,
            contact_id=member.id,
            public_name="",
            actor_user_id=coordinator.user_id,
        )
    period = dialogues.open_period(
        session,
        vault,
        settings,
        actor=coordinator,
        space_id=space.id,
        label="2026-Q4",
        now=utcnow(),
    )
    published, pending = session.scalars(
        select(DialogueReport)
        .where(DialogueReport.period_id == period.id)
        .order_by(DialogueReport.id)
    ).all()
    dialogues.submit_report(session, published, body="We trained our guards.", now=utcnow())
    dialogues.review_report(
        session, vault, actor=coordinator, report_id=published.id, publish=True, now=utcnow()
    )
    dialogues.submit_report(session, pending, body=f"Awaiting review: {SECRETS}", now=utcnow())
    return space.slug


def _lawsuits(session: Session, vault: Vault, org) -> None:  # type: ignore[no-untyped-def]
    """A published lawsuit against the planted defender (secrets in the notes, the case
    number and the analyst's reasons) and an unpublished one naming her as claimant."""
    coordinator = Actor(user_id=None, org_id=org.id, role="coordinator")  # type: ignore[arg-type]
    defender = record_defender(
        session, vault=vault, org_id=org.id, alias="Defender S", name=NAME, contact=EMAIL
    )
    data = LawsuitInput(
        claimant_name="Minera Andina S.A.", case_number=PHONE, country="CO", notes=SECRETS
    )
    row = slapp.create_lawsuit(session, actor=coordinator, data=data)
    slapp.add_defendant(
        session, actor=coordinator, lawsuit_id=row.id, defender_id=defender.id,
        description="a land defender",
    )  # fmt: skip
    slapp_screening.record_judgement(
        session, actor=coordinator, lawsuit_id=row.id, indicator="c", judgement="met",
        reasoning=SECRETS, now=utcnow(),
    )  # fmt: skip
    slapp.set_published(session, actor=coordinator, lawsuit_id=row.id, published=True, now=utcnow())
    hidden = LawsuitInput(claimant_name=NAME, country="CO", notes=SECRETS)
    slapp.create_lawsuit(session, actor=coordinator, data=hidden)


def build_world(session: Session, vault: Vault, settings: Settings) -> World:
    org = make_org(session)
    company = Company(name="Minera Andina S.A.")
    session.add(company)
    session.flush()
    incident = _incident(session, vault, org.id, company.id)
    _public_summary(session, vault, org, incident)
    _company_answers(session, settings, vault, org, incident, company)
    settings = settings.model_copy(update={"publication_delay_days": DELAY_DAYS})
    refresh_register(session, vault=vault, settings=settings, now=utcnow())
    publish_snapshot(session, now=utcnow(), min_cell=2, delay_days=DELAY_DAYS)
    row = session.scalar(select(PublicIncident).where(PublicIncident.incident_id == incident.id))
    assert row is not None, "the planted case must be in the register for the crawl to bite"
    world = World(
        code=row.code,
        company_id=company.id,
        action_slug=_urgent_action(session, vault, settings, org, incident),
        statement_slug=_statement(session, org),
        dialogue_slug=_dialogue(session, vault, settings, org),
    )
    _lawsuits(session, vault, org)
    session.commit()
    return world
