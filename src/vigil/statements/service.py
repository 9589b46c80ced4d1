"""Collective statements: drafted by staff, co-signed by directory contacts through signed
links, published by a coordinator.

Why it is built this way:
- A signatory signs *as an organisation*: ``signed_as`` is the name they want published; the
  signer's own name and title are kept for the team and never reach a public page.
- Text can change only while the statement is a draft, so nobody's signature ends up under
  words they did not see. A signature can be withdrawn until publication; publishing revokes
  the links still open, so the list of signatories is final when it goes public.
- Every change is audited with ids and states only (never a text or a name).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.access import Actor, load_in_org
from vigil.contacts.models import Contact
from vigil.core.audit import record_event
from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.core.i18n import LOCALES, N_
from vigil.links.models import LinkPurpose
from vigil.links.service import revoke_links
from vigil.statements.common import (
    MAX_BODY,
    MAX_NAME,
    MAX_TITLE,
    mail_link,
    new_slug,
    one_line,
    require_publisher,
    text_block,
)
from vigil.statements.identifying import refuse_identifying
from vigil.statements.models import (
    InvitationState,
    Statement,
    StatementInvitation,
    StatementState,
)

INVITE_SUBJECT = N_("%(organisation)s invites you to co-sign a statement")
INVITE_TEXT = N_(
    "%(organisation)s has drafted a public statement and invites your organisation to co-sign "
    "it. The link below shows the statement; you can sign it or decline."
)
REMINDER_SUBJECT = N_("Reminder: %(organisation)s invites you to co-sign a statement")
TITLE_ERROR = N_("Please give the statement a title (at most 300 characters).")
BODY_ERROR = N_("Please write the statement's text (at most 20,000 characters).")
TAG_ERROR = N_("Please keep the region, sector and company each under 200 characters.")
SIGN_ERROR = N_(
    "To sign, give your organisation's name and your name (each under 200 characters), or "
    "choose to decline."
)
#: Invitations that still count as open (a link may be live).
OPEN = (InvitationState.pending, InvitationState.signed, InvitationState.declined)


@dataclass(frozen=True)
class StatementInput:
    title: str = ""
    body: str = ""
    language: str = "en"
    country: str = ""
    region: str = ""
    sector: str = ""
    company: str = ""


def _clean(data: StatementInput) -> StatementInput:
    country = (data.country or "").strip().upper()
    if country and (len(country) != 2 or not country.isalpha()):
        raise Invalid(N_("The country must be a two-letter code."))
    if data.language not in LOCALES:
        raise Invalid(N_("Choose one of the languages offered."))
    return StatementInput(
        title=one_line(data.title, MAX_TITLE, TITLE_ERROR, required=True),
        body=text_block(data.body, MAX_BODY, BODY_ERROR, required=True),
        language=data.language,
        country=country,
        region=one_line(data.region, MAX_NAME, TAG_ERROR),
        sector=one_line(data.sector, MAX_NAME, TAG_ERROR),
        company=one_line(data.company, MAX_TITLE, TAG_ERROR),
    )


def _audit(session: Session, row: Statement, action: str, actor_id: int | None, **detail) -> None:
    record_event(
        session,
        action=f"statement.{action}",
        organisation_id=row.organisation_id,
        actor_user_id=actor_id,
        object_type="statement",
        object_id=row.id,
        detail=detail or None,
    )


def get_statement(session: Session, *, org_id: int, statement_id: int) -> Statement:
    return load_in_org(
        session, Statement, statement_id, org_id=org_id, missing="No such statement."
    )


def list_statements(session: Session, *, org_id: int) -> list[Statement]:
    query = select(Statement).where(Statement.organisation_id == org_id)
    return list(session.scalars(query.order_by(Statement.created_at.desc(), Statement.id.desc())))


def create_statement(
    session: Session, *, org_id: int, data: StatementInput, actor_user_id: int
) -> Statement:
    clean = _clean(data)
    row = Statement(
        organisation_id=org_id,
        slug=new_slug(session, Statement, clean.title),
        created_by=actor_user_id,
        **_fields(clean),
    )
    session.add(row)
    session.flush()
    _audit(session, row, "created", actor_user_id)
    return row


def _fields(clean: StatementInput) -> dict:
    return {
        "title": clean.title,
        "body": clean.body,
        "language": clean.language,
        "country": clean.country or None,
        "region": clean.region,
        "sector": clean.sector,
        "company": clean.company,
    }


def _draft(row: Statement) -> Statement:
    if row.state != StatementState.draft:
        raise Conflict(N_("Only a draft can be changed."))
    return row


def update_statement(
    session: Session, *, org_id: int, statement_id: int, data: StatementInput, actor_user_id: int
) -> Statement:
    """Change a draft. Signatures already given were given to the old words, so they go back
    to "asked" (the signatory signs again through the same link)."""
    row = _draft(get_statement(session, org_id=org_id, statement_id=statement_id))
    clean = _clean(data)
    changed_text = (clean.title, clean.body) != (row.title, row.body)
    for name, value in _fields(clean).items():
        setattr(row, name, value)
    reset = 0
    if changed_text:
        for invitation in invitations(session, statement=row):
            if invitation.state == InvitationState.signed:
                invitation.state = InvitationState.pending
                invitation.signed_at = None
                reset += 1
    session.flush()
    _audit(session, row, "updated", actor_user_id, signatures_reset=reset)
    return row


def invitations(session: Session, *, statement: Statement) -> list[StatementInvitation]:
    query = select(StatementInvitation).where(StatementInvitation.statement_id == statement.id)
    return list(session.scalars(query.order_by(StatementInvitation.id)))


def add_invitees(
    session: Session,
    *,
    org_id: int,
    statement_id: int,
    contact_ids: Collection[int],
    actor_user_id: int,
) -> int:
    """Add directory contacts of the organisation as invitees (nothing is sent yet); returns
    how many were new."""
    row = _draft(get_statement(session, org_id=org_id, statement_id=statement_id))
    known = {i.contact_id for i in invitations(session, statement=row)}
    added = 0
    for contact_id in dict.fromkeys(contact_ids):
        load_in_org(session, Contact, contact_id, org_id=org_id, missing="No such contact.")
        if contact_id in known:
            continue
        session.add(
            StatementInvitation(organisation_id=org_id, statement_id=row.id, contact_id=contact_id)
        )
        added += 1
    session.flush()
    _audit(session, row, "invitees_added", actor_user_id, added=added)
    return added


def _data_key(vault: Vault, row: Statement) -> int:
    if row.data_key_id is None:
        row.data_key_id = vault.new_key().id
    return row.data_key_id


def send_invitations(
    session: Session,
    vault: Vault,
    settings: Settings,
    *,
    org_id: int,
    statement_id: int,
    actor_user_id: int,
    now: datetime,
    reminder: bool = False,
) -> int:
    """E-mail a co-signing link to every invitee not yet asked (``reminder``: to every one
    asked who has not answered, with a new link replacing the old). Returns how many."""
    row = _draft(get_statement(session, org_id=org_id, statement_id=statement_id))
    sent = 0
    for invitation in invitations(session, statement=row):
        wanted = invitation.state == InvitationState.pending and (
            (invitation.sent_at is not None) if reminder else (invitation.sent_at is None)
        )
        contact = session.get(Contact, invitation.contact_id)
        if not wanted or contact is None:
            continue
        link_id = mail_link(
            session,
            vault,
            settings,
            contact=contact,
            data_key_id=_data_key(vault, row),
            purpose=LinkPurpose.cosign,
            subject=REMINDER_SUBJECT if reminder else INVITE_SUBJECT,
            paragraphs=[INVITE_TEXT],
            now=now,
        )
        if link_id is None:
            continue
        if invitation.link_id is not None:
            revoke_links(session, link_id=invitation.link_id, now=now)
        invitation.link_id = link_id
        if reminder:
            invitation.reminded_at = now
        else:
            invitation.sent_at = now
        sent += 1
    session.flush()
    _audit(session, row, "reminded" if reminder else "invited", actor_user_id, sent=sent)
    return sent


def revoke_invitation(
    session: Session, *, org_id: int, invitation_id: int, actor_user_id: int, now: datetime
) -> StatementInvitation:
    invitation = load_in_org(
        session, StatementInvitation, invitation_id, org_id=org_id, missing="No such invitation."
    )
    row = _draft(get_statement(session, org_id=org_id, statement_id=invitation.statement_id))
    if invitation.link_id is not None:
        revoke_links(session, link_id=invitation.link_id, now=now)
    invitation.state = InvitationState.revoked
    invitation.signed_at = None
    session.flush()
    _audit(session, row, "invitation_revoked", actor_user_id, invitation=invitation.id)
    return invitation


def publish_statement(
    session: Session, vault: Vault, *, actor: Actor, statement_id: int, now: datetime
) -> Statement:
    """Put the statement and its signatories on the public register (coordinators only); the
    links still open are revoked, so nobody signs or withdraws after the fact. A text that
    names a victim of the organisation's incidents is refused (``NamesAVictim``, scope in
    :mod:`vigil.statements.identifying`) and stays a draft as written."""
    require_publisher(actor)
    row = _draft(get_statement(session, org_id=actor.org_id, statement_id=statement_id))
    signed = [i for i in invitations(session, statement=row) if i.state == InvitationState.signed]
    if not signed:
        raise Invalid(N_("A statement needs at least one signatory to be published."))
    refuse_identifying(
        session,
        vault=vault,
        org_id=row.organisation_id,
        country=row.country,
        texts=(row.title, row.body, row.region, row.company),
    )
    for invitation in invitations(session, statement=row):
        if invitation.link_id is not None:
            revoke_links(session, link_id=invitation.link_id, now=now)
    row.state = StatementState.published
    row.published_at = now
    session.flush()
    _audit(session, row, "published", actor.user_id, signatories=len(signed))
    return row


def withdraw_statement(
    session: Session, *, actor: Actor, statement_id: int, now: datetime
) -> Statement:
    """Take a published statement off the public register (coordinators only)."""
    require_publisher(actor)
    row = get_statement(session, org_id=actor.org_id, statement_id=statement_id)
    if row.state != StatementState.published:
        raise Conflict(N_("Only a published statement can be withdrawn."))
    row.state = StatementState.withdrawn
    row.withdrawn_at = now
    session.flush()
    _audit(session, row, "withdrawn", actor.user_id)
    return row


def invitation_for_link(session: Session, link_id: int) -> tuple[StatementInvitation, Statement]:
    """The invitation a co-signing link was sent for, or ``NotFound``."""
    invitation = session.scalar(
        select(StatementInvitation).where(StatementInvitation.link_id == link_id)
    )
    statement = session.get(Statement, invitation.statement_id) if invitation else None
    if invitation is None or statement is None or invitation.state == InvitationState.revoked:
        raise NotFound("No such invitation.")
    return invitation, statement


def answer_invitation(
    session: Session,
    invitation: StatementInvitation,
    *,
    stance: str,
    signed_as: str = "",
    signer_name: str = "",
    signer_title: str = "",
    now: datetime,
) -> StatementInvitation:
    """Sign, decline or withdraw a signature (``stance``: sign, decline, withdraw), only while
    the statement is a draft."""
    statement = session.get(Statement, invitation.statement_id)
    if statement is None or statement.state != StatementState.draft:
        raise Conflict(N_("This statement can no longer be signed or changed."))
    if stance == "sign":
        invitation.signed_as = one_line(signed_as, MAX_TITLE, SIGN_ERROR, required=True)
        invitation.signer_name = one_line(signer_name, MAX_NAME, SIGN_ERROR, required=True)
        invitation.signer_title = one_line(signer_title, MAX_NAME, SIGN_ERROR)
        invitation.state = InvitationState.signed
        invitation.signed_at = now
    elif stance == "decline":
        invitation.state = InvitationState.declined
        invitation.signed_at = None
    elif stance == "withdraw" and invitation.state == InvitationState.signed:
        invitation.state = InvitationState.withdrawn
        invitation.signed_at = None
    else:
        raise Invalid(SIGN_ERROR)
    invitation.answered_at = now
    session.flush()
    record_event(
        session,
        action=f"statement.{invitation.state}",
        organisation_id=invitation.organisation_id,
        object_type="statement",
        object_id=invitation.statement_id,
        detail={"invitation": invitation.id},
    )
    return invitation
