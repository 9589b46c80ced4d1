"""The demo's "answer and publish" side, run through the real services (``vigil demo load``).

Everything here is fictional: the desks and organisations (``example.org`` addresses nobody
receives), the answers, the statement and the report. It shows each public feature once:

- right of reply on three published cases: one answer approved and published verbatim, one
  deflection ("security is the state's business"), one request past its deadline with no
  answer, which the register shows as "did not respond";
- a collective statement with two signatories (and one invitee who never answered);
- a dialogue space with a published report for one period and a member who did not report;
- an urgent action on the one case whose victim chose public action herself (the demo
  records that choice here, in person, as the story case records quiet diplomacy).

Requests and answers are dated in the past (the services take ``now``), so deadlines have
passed as they would have. Idempotent: each part is skipped when its row already exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.access.roles import Actor, Role
from vigil.accounts.models import Membership, User
from vigil.companies.service import get_company_by_key
from vigil.contacts.models import Contact
from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.defenders.consent import STRATEGY, ConsentGiver, ConsentMethod, Strategy, record_consent
from vigil.demo.publishing_texts import (
    ANSWER,
    DEFLECTION,
    DESKS,
    ORG,
    QUESTION,
    STATEMENT_BODY,
    STATEMENT_TITLE,
)
from vigil.incidents.models import Incident
from vigil.incidents.service import find_incident_by_ref
from vigil.links.models import SignedLink
from vigil.organisations.models import Organisation
from vigil.responses.models import ResponseRequest
from vigil.responses.replies import Reply, record_reply
from vigil.responses.review import approve_response, classify_response
from vigil.responses.service import Ask, ask_company
from vigil.statements import dialogues
from vigil.statements import service as statements
from vigil.statements.models import DialogueSpace, ReportState, Statement
from vigil.urgent_actions import service as urgent
from vigil.urgent_actions.models import UrgentAction


@dataclass(frozen=True)
class Context:
    session: Session
    settings: Settings
    vault: Vault
    org: Organisation
    coordinator: Actor
    now: datetime


def load_publishing(
    session: Session, *, settings: Settings, vault: Vault, now: datetime
) -> dict[str, int]:
    """Load what is missing; returns how many of each thing were created. Call after the
    register's first refresh (actions and replies need published cases) and refresh again."""
    org = session.scalar(select(Organisation).where(Organisation.slug == ORG))
    user = session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == (org.id if org else 0))
        .where(Membership.role == Role.coordinator)
        .order_by(User.id)
    )
    if org is None or user is None:
        return {}
    actor = Actor(user_id=user.id, org_id=org.id, role=Role.coordinator)
    ctx = Context(session, settings, vault, org, actor, now)
    desks = {key: _desk(ctx, *fields) for key, fields in DESKS.items()}
    return {
        "company response requests": _replies(ctx, desks),
        "statements": _statement(ctx, desks),
        "dialogue spaces": _dialogue(ctx, desks),
        "urgent actions": _urgent_action(ctx, desks),
    }


def _desk(
    ctx: Context, name: str, kind: str, owner: str, country: str, language: str, email: str
) -> Contact:
    contact = ctx.session.scalar(
        select(Contact).where(Contact.organisation_id == ctx.org.id, Contact.email == email)
    )
    if contact is not None:
        return contact
    company = get_company_by_key(ctx.session, key=owner) if owner.startswith("demo:") else None
    contact = Contact(
        organisation_id=ctx.org.id,
        name=name,
        title=name.replace(" (fictional)", ""),
        kind=kind,
        organisation_name=company.name if company else owner,
        company_id=company.id if company else None,
        country=country,
        language=language,
        email=email,
    )
    ctx.session.add(contact)
    ctx.session.flush()
    return contact


def _incident(ctx: Context, ref: str) -> Incident | None:
    return find_incident_by_ref(ctx.session, org_id=ctx.org.id, external_ref=ref)


def _replies(ctx: Context, desks: dict[str, Contact]) -> int:
    """demo-002 answered and published, demo-003 a published deflection, demo-005 asked and
    silent past its deadline."""
    plan = [
        ("demo-002", desks["andina"], ANSWER, "substantive", False),
        ("demo-003", desks["andina"], DEFLECTION, "denial", True),
        ("demo-005", desks["peru"], None, "", False),
    ]
    created = 0
    for ref, desk, answer, classification, deflection in plan:
        incident = _incident(ctx, ref)
        if incident is None or ctx.session.scalar(
            select(ResponseRequest.id).where(ResponseRequest.incident_id == incident.id)
        ):
            continue
        asked = ctx.now - timedelta(days=60)
        request = ask_company(
            ctx.session,
            ctx.settings,
            ctx.vault,
            org_id=ctx.org.id,
            incident_id=incident.id,
            ask=Ask(
                company_id=desk.company_id or 0,
                contact_id=desk.id,
                question=QUESTION,
                deadline=asked + timedelta(days=14),
            ),
            actor_user_id=ctx.coordinator.user_id,
            now=asked,
        )
        created += 1
        if answer is None:
            continue
        link = ctx.session.scalar(
            select(SignedLink).where(SignedLink.response_request_id == request.id)
        )
        assert link is not None
        record_reply(
            ctx.session,
            ctx.vault,
            link=link,
            reply=Reply(text=answer, title=desk.title),
            now=asked + timedelta(days=9),
        )
        classify_response(
            ctx.session,
            org_id=ctx.org.id,
            request_id=request.id,
            classification=classification,
            deflection=deflection,
            actor_user_id=ctx.coordinator.user_id,
        )
        approve_response(
            ctx.session,
            ctx.vault,
            org_id=ctx.org.id,
            request_id=request.id,
            actor_user_id=ctx.coordinator.user_id,
            now=asked + timedelta(days=10),
        )
    return created


def _statement(ctx: Context, desks: dict[str, Contact]) -> int:
    """Published with two signatories; the third invitee never answered."""
    if ctx.session.scalar(select(Statement.id).where(Statement.organisation_id == ctx.org.id)):
        return 0
    user_id = ctx.coordinator.user_id
    row = statements.create_statement(
        ctx.session,
        org_id=ctx.org.id,
        data=statements.StatementInput(
            title=STATEMENT_TITLE, body=STATEMENT_BODY, language="en", sector="mining"
        ),
        actor_user_id=user_id,
    )
    invitees = [desks["ngo_a"].id, desks["ngo_b"].id, desks["ngo_c"].id]
    statements.add_invitees(
        ctx.session,
        org_id=ctx.org.id,
        statement_id=row.id,
        contact_ids=invitees,
        actor_user_id=user_id,
    )
    asked = ctx.now - timedelta(days=20)
    statements.send_invitations(
        ctx.session,
        ctx.vault,
        ctx.settings,
        org_id=ctx.org.id,
        statement_id=row.id,
        actor_user_id=user_id,
        now=asked,
    )
    signers = ["Coordinator (fictional)", "Director (fictional)"]
    first_two = statements.invitations(ctx.session, statement=row)[:2]
    for invitation, signer in zip(first_two, signers, strict=True):
        contact = ctx.session.get(Contact, invitation.contact_id)
        statements.answer_invitation(
            ctx.session,
            invitation,
            stance="sign",
            signed_as=contact.organisation_name if contact else "",
            signer_name=signer,
            now=asked + timedelta(days=2),
        )
    statements.publish_statement(
        ctx.session,
        ctx.vault,
        actor=ctx.coordinator,
        statement_id=row.id,
        now=asked + timedelta(days=7),
    )
    return 1


def _dialogue(ctx: Context, desks: dict[str, Contact]) -> int:
    """One period: the mining company reported (published), the security firm did not."""
    if ctx.session.scalar(
        select(DialogueSpace.id).where(DialogueSpace.organisation_id == ctx.org.id)
    ):
        return 0
    user_id = ctx.coordinator.user_id
    space = dialogues.save_space(
        ctx.session,
        org_id=ctx.org.id,
        name="Mining and security roundtable (demo)",
        description=(
            "Companies and their security contractors report each quarter what they did to "
            "keep defenders safe. Fictional demonstration content."
        ),
        region="Cauca, Colombia",
        actor_user_id=user_id,
    )
    for key in ("andina", "security"):
        dialogues.add_member(
            ctx.session,
            org_id=ctx.org.id,
            space_id=space.id,
            contact_id=desks[key].id,
            public_name="",
            actor_user_id=user_id,
        )
    opened = ctx.now - timedelta(days=30)
    period = dialogues.open_period(
        ctx.session,
        ctx.vault,
        ctx.settings,
        actor=ctx.coordinator,
        space_id=space.id,
        label="2026-Q3",
        now=opened,
    )
    for report in dialogues.reports(ctx.session, period_ids=[period.id]):
        if report.contact_id != desks["andina"].id or report.state == ReportState.published:
            continue
        dialogues.submit_report(
            ctx.session,
            report,
            body=(
                "This quarter we trained our security staff on the Voluntary Principles, "
                "opened a confidential complaints line, and met community representatives "
                "twice. Two complaints were received and are under review."
            ),
            now=opened + timedelta(days=10),
        )
        dialogues.review_report(
            ctx.session,
            ctx.vault,
            actor=ctx.coordinator,
            report_id=report.id,
            publish=True,
            now=opened + timedelta(days=12),
        )
    return 1


ACTION_REF = "demo-006"


def _urgent_action(ctx: Context, desks: dict[str, Contact]) -> int:
    """demo-006 (a detention): its victim chose public action themselves, in person; the action
    is published with its asks, two recipients and a model letter in two languages."""
    incident = _incident(ctx, ACTION_REF)
    if incident is None or ctx.session.scalar(
        select(UrgentAction.id).where(UrgentAction.incident_id == incident.id)
    ):
        return 0
    for victim_id in {act.victim_id for act in incident.acts if act.victim_id}:
        record_consent(
            ctx.session,
            org_id=ctx.org.id,
            defender_id=victim_id,
            scope=STRATEGY,
            decision=Strategy.public,
            method=ConsentMethod.in_person,
            given_by=ConsentGiver.defender,
            actor_user_id=None,
        )
    action = urgent.draft_action(ctx.session, actor=ctx.coordinator, incident_id=incident.id)
    urgent.edit_action(
        ctx.session,
        vault=ctx.vault,
        actor=ctx.coordinator,
        action_id=action.id,
        asks=[
            "Release the defender at once unless charged with a recognised offence.",
            "Guarantee the defender's safety and access to a lawyer of their choice.",
            "Investigate the role of the mine's private security in the detention.",
        ],
        letters={
            "en": (
                "Dear Minister,\n\nI am writing about a human rights defender detained "
                "without charge (urgent action of the demo register). I urge you to release "
                "the defender unless charged with a recognised offence, to guarantee their "
                "safety and access to a lawyer, and to investigate the role of private "
                "security in the detention.\n\nYours sincerely,"
            ),
            "es": (
                "Señor Ministro:\n\nLe escribo sobre una persona defensora de derechos "
                "humanos detenida sin cargos (acción urgente del registro de demostración). "
                "Le pido que la libere si no se le imputa un delito reconocido, que "
                "garantice su seguridad y su acceso a un abogado, y que investigue el papel "
                "de la seguridad privada en la detención.\n\nAtentamente,"
            ),
        },
        deadline=date(ctx.now.year + 1, 1, 31),
    )
    urgent.set_recipients(
        ctx.session,
        actor=ctx.coordinator,
        action_id=action.id,
        contact_ids=[desks["ministry"].id, desks["peru"].id],
    )
    mailer = urgent.Mailer(
        vault=ctx.vault,
        secret=ctx.settings.secret,
        base_url=str(ctx.settings.base_url).rstrip("/"),
    )
    urgent.publish_action(ctx.session, mailer, actor=ctx.coordinator, action_id=action.id)
    return 1
