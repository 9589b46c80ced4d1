"""Dialogue spaces and their periodic reports.

A space (a regional mining roundtable…) has members, who are directory contacts shown under
their organisation's name. Opening a reporting period asks every member, through a signed
link in their language, what they did about security in that period; staff review each
report, and only published ones reach the space's public page, beside the members who were
asked and did not report (that, too, is what a roundtable is for).

Why: the member's report is theirs (typed in a plain form, kept as typed on any refusal);
staff only choose to publish it or not, so a published report is the member's own words.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.access import Actor, load_in_org
from vigil.contacts.models import Contact
from vigil.core.audit import record_event
from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.core.errors import Conflict, NotFound
from vigil.core.i18n import N_
from vigil.links.models import LinkPurpose
from vigil.links.service import revoke_links
from vigil.statements.common import (
    MAX_BODY,
    MAX_NAME,
    MAX_REPORT,
    MAX_TITLE,
    mail_link,
    new_slug,
    one_line,
    require_publisher,
    text_block,
)
from vigil.statements.identifying import refuse_identifying
from vigil.statements.models import (
    DialogueMember,
    DialogueReport,
    DialogueSpace,
    ReportingPeriod,
    ReportState,
)

REPORT_SUBJECT = N_("%(organisation)s asks for your security report")
REPORT_TEXT = N_(
    "%(organisation)s asks the members of the dialogue what they did about security in this "
    "period. The link below opens a form for your organisation's report."
)


def _audit(
    session: Session, space: DialogueSpace, action: str, actor: int | None, **detail
) -> None:
    record_event(
        session,
        action=f"dialogue.{action}",
        organisation_id=space.organisation_id,
        actor_user_id=actor,
        object_type="dialogue_space",
        object_id=space.id,
        detail=detail or None,
    )


def get_space(session: Session, *, org_id: int, space_id: int) -> DialogueSpace:
    return load_in_org(session, DialogueSpace, space_id, org_id=org_id, missing="No such space.")


def list_spaces(session: Session, *, org_id: int) -> list[DialogueSpace]:
    query = select(DialogueSpace).where(DialogueSpace.organisation_id == org_id)
    return list(session.scalars(query.order_by(DialogueSpace.name)))


def save_space(
    session: Session,
    *,
    org_id: int,
    name: str,
    description: str,
    region: str,
    actor_user_id: int,
    space_id: int | None = None,
) -> DialogueSpace:
    """Create a space (``space_id`` None) or change one; its public address stays."""
    clean_name = one_line(name, MAX_TITLE, N_("Please give the space a name."), required=True)
    if space_id is None:
        space = DialogueSpace(organisation_id=org_id, slug=new_slug(session, DialogueSpace, name))
        session.add(space)
    else:
        space = get_space(session, org_id=org_id, space_id=space_id)
    space.name = clean_name
    space.description = text_block(description, MAX_BODY, N_("The description is too long."))
    space.region = one_line(region, MAX_NAME, N_("The region is too long."))
    session.flush()
    _audit(session, space, "saved", actor_user_id)
    return space


def members(session: Session, *, space: DialogueSpace) -> list[DialogueMember]:
    query = select(DialogueMember).where(DialogueMember.space_id == space.id)
    return list(session.scalars(query.order_by(DialogueMember.public_name)))


def add_member(
    session: Session,
    *,
    org_id: int,
    space_id: int,
    contact_id: int,
    public_name: str,
    actor_user_id: int,
) -> DialogueMember:
    """Add a directory contact, shown publicly under ``public_name`` (default: the contact's
    organisation; never the person's own name, which a public page must not carry)."""
    space = get_space(session, org_id=org_id, space_id=space_id)
    contact = load_in_org(session, Contact, contact_id, org_id=org_id, missing="No such contact.")
    shown = one_line(
        public_name or contact.organisation_name,
        MAX_TITLE,
        N_("Please give the organisation name to show publicly (at most 300 characters)."),
        required=True,
    )
    if session.get(DialogueMember, (space.id, contact.id)) is not None:
        raise Conflict(N_("This contact is already a member."))
    member = DialogueMember(space_id=space.id, contact_id=contact.id, public_name=shown)
    session.add(member)
    session.flush()
    _audit(session, space, "member_added", actor_user_id, contact=contact.id)
    return member


def remove_member(
    session: Session, *, org_id: int, space_id: int, contact_id: int, actor_user_id: int
) -> None:
    space = get_space(session, org_id=org_id, space_id=space_id)
    member = session.get(DialogueMember, (space.id, contact_id))
    if member is None:
        raise NotFound("No such member.")
    session.delete(member)
    session.flush()
    _audit(session, space, "member_removed", actor_user_id, contact=contact_id)


def periods(session: Session, *, space: DialogueSpace) -> list[ReportingPeriod]:
    query = select(ReportingPeriod).where(ReportingPeriod.space_id == space.id)
    return list(session.scalars(query.order_by(ReportingPeriod.opened_at.desc())))


def reports(session: Session, *, period_ids: Collection[int]) -> list[DialogueReport]:
    query = select(DialogueReport).where(DialogueReport.period_id.in_(list(period_ids)))
    return list(session.scalars(query.order_by(DialogueReport.public_name, DialogueReport.id)))


def open_period(
    session: Session,
    vault: Vault,
    settings: Settings,
    *,
    actor: Actor,
    space_id: int,
    label: str,
    now: datetime,
) -> ReportingPeriod:
    """Open a period (coordinators only) and e-mail every member a link to report."""
    require_publisher(actor)
    space = get_space(session, org_id=actor.org_id, space_id=space_id)
    clean = one_line(label, 40, N_("Please name the period, e.g. 2026-Q4."), required=True)
    taken = select(ReportingPeriod.id).where(
        ReportingPeriod.space_id == space.id, ReportingPeriod.label == clean
    )
    if session.scalar(taken) is not None:
        raise Conflict(N_("This period is already open."))
    period = ReportingPeriod(
        organisation_id=space.organisation_id, space_id=space.id, label=clean, opened_at=now
    )
    session.add(period)
    session.flush()
    if space.data_key_id is None:
        space.data_key_id = vault.new_key().id
    asked = 0
    for member in members(session, space=space):
        contact = session.get(Contact, member.contact_id)
        if contact is None:
            continue
        link_id = mail_link(
            session,
            vault,
            settings,
            contact=contact,
            data_key_id=space.data_key_id,
            purpose=LinkPurpose.dialogue_report,
            subject=REPORT_SUBJECT,
            paragraphs=[REPORT_TEXT],
            now=now,
        )
        session.add(
            DialogueReport(
                organisation_id=space.organisation_id,
                period_id=period.id,
                contact_id=contact.id,
                public_name=member.public_name,
                link_id=link_id,
            )
        )
        asked += 1
    session.flush()
    _audit(session, space, "period_opened", actor.user_id, period=period.id, asked=asked)
    return period


def report_for_link(
    session: Session, link_id: int
) -> tuple[DialogueReport, ReportingPeriod, DialogueSpace]:
    report = session.scalar(select(DialogueReport).where(DialogueReport.link_id == link_id))
    period = session.get(ReportingPeriod, report.period_id) if report else None
    space = session.get(DialogueSpace, period.space_id) if period else None
    if report is None or period is None or space is None:
        raise NotFound("No such report.")
    return report, period, space


def submit_report(
    session: Session, report: DialogueReport, *, body: str, now: datetime
) -> DialogueReport:
    """The member's report; it may be corrected until staff publish it."""
    if report.state in (ReportState.published, ReportState.rejected):
        raise Conflict(N_("This report was already reviewed; it can no longer be changed."))
    report.body = text_block(body, MAX_REPORT, N_("Please write your report."), required=True)
    report.state = ReportState.submitted
    report.submitted_at = now
    session.flush()
    record_event(
        session,
        action="dialogue.report_submitted",
        organisation_id=report.organisation_id,
        object_type="dialogue_report",
        object_id=report.id,
    )
    return report


def review_report(
    session: Session,
    vault: Vault,
    *,
    actor: Actor,
    report_id: int,
    publish: bool,
    now: datetime,
    space_id: int | None = None,
) -> DialogueReport:
    """Publish or reject a submitted report (coordinators only; ``space_id``: the space the
    page is about, which the report must belong to); the link then stops. A report that
    names a victim of the organisation's incidents cannot be published (``NamesAVictim``,
    scope in :mod:`vigil.statements.identifying`); it stays submitted, as the member wrote it."""
    require_publisher(actor)
    report = load_in_org(
        session, DialogueReport, report_id, org_id=actor.org_id, missing="No such report."
    )
    period = session.get(ReportingPeriod, report.period_id)
    if space_id is not None and (period is None or period.space_id != space_id):
        raise NotFound("No such report.")
    if report.state != ReportState.submitted:
        raise Conflict(N_("Only a submitted report can be reviewed."))
    if publish:
        refuse_identifying(
            session, vault=vault, org_id=report.organisation_id, country=None, texts=[report.body]
        )
    report.state = ReportState.published if publish else ReportState.rejected
    report.published_at = now if publish else None
    if report.link_id is not None:
        revoke_links(session, link_id=report.link_id, now=now)
    session.flush()
    record_event(
        session,
        action=f"dialogue.report_{report.state}",
        organisation_id=report.organisation_id,
        actor_user_id=actor.user_id,
        object_type="dialogue_report",
        object_id=report.id,
    )
    return report
