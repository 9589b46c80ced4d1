"""What the public pages read: published statements with their signatories, and a dialogue
space's published reports. Only published rows, and of them only public fields (the
organisation names signatories and members chose, dates, texts meant for publication): never a
signer's name or title, a contact, an address or a draft."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.errors import NotFound
from vigil.organisations.models import Organisation
from vigil.statements.models import (
    DialogueReport,
    DialogueSpace,
    InvitationState,
    ReportingPeriod,
    ReportState,
    Statement,
    StatementInvitation,
    StatementState,
)


@dataclass(frozen=True)
class Signatory:
    name: str
    signed_at: datetime


@dataclass(frozen=True)
class PublicStatement:
    slug: str
    title: str
    body: str
    language: str
    country: str | None
    region: str
    sector: str
    company: str
    published_at: datetime
    published_by: str
    signatories: list[Signatory]


def _public(session: Session, row: Statement) -> PublicStatement:
    query = (
        select(StatementInvitation)
        .where(
            StatementInvitation.statement_id == row.id,
            StatementInvitation.state == InvitationState.signed,
        )
        .order_by(StatementInvitation.signed_at, StatementInvitation.id)
    )
    organisation = session.get(Organisation, row.organisation_id)
    assert row.published_at is not None
    return PublicStatement(
        slug=row.slug,
        title=row.title,
        body=row.body,
        language=row.language,
        country=row.country,
        region=row.region,
        sector=row.sector,
        company=row.company,
        published_at=row.published_at,
        published_by=organisation.name if organisation else "",
        signatories=[
            Signatory(name=i.signed_as, signed_at=i.signed_at)
            for i in session.scalars(query)
            if i.signed_at is not None
        ],
    )


def published_statements(session: Session) -> list[PublicStatement]:
    query = select(Statement).where(Statement.state == StatementState.published)
    rows = session.scalars(query.order_by(Statement.published_at.desc(), Statement.id.desc()))
    return [_public(session, row) for row in rows]


def published_statement(session: Session, *, slug: str) -> PublicStatement:
    row = session.scalar(
        select(Statement).where(Statement.slug == slug, Statement.state == StatementState.published)
    )
    if row is None:
        raise NotFound("No such statement.")
    return _public(session, row)


@dataclass(frozen=True)
class PublicReport:
    name: str
    body: str
    published_at: datetime


@dataclass(frozen=True)
class PublicPeriod:
    label: str
    reports: list[PublicReport]
    not_reported: list[str]


@dataclass(frozen=True)
class PublicSpace:
    name: str
    description: str
    region: str
    periods: list[PublicPeriod]


def public_space(session: Session, *, slug: str) -> PublicSpace:
    """A space with, per period, the published reports and the members asked who sent
    nothing (a report sent and awaiting review, or not published, is in neither list)."""
    space = session.scalar(select(DialogueSpace).where(DialogueSpace.slug == slug))
    if space is None:
        raise NotFound("No such dialogue.")
    periods = session.scalars(
        select(ReportingPeriod)
        .where(ReportingPeriod.space_id == space.id)
        .order_by(ReportingPeriod.opened_at.desc(), ReportingPeriod.id.desc())
    )
    shown = []
    for period in periods:
        rows = list(
            session.scalars(
                select(DialogueReport)
                .where(DialogueReport.period_id == period.id)
                .order_by(DialogueReport.public_name, DialogueReport.id)
            )
        )
        shown.append(
            PublicPeriod(
                label=period.label,
                reports=[
                    PublicReport(r.public_name, r.body, r.published_at)
                    for r in rows
                    if r.state == ReportState.published and r.published_at is not None
                ],
                not_reported=[r.public_name for r in rows if r.state == ReportState.requested],
            )
        )
    return PublicSpace(space.name, space.description, space.region, shown)


def public_spaces(session: Session) -> list[tuple[str, str, str]]:
    """(slug, name, region) of every space that has opened a period."""
    query = (
        select(DialogueSpace.slug, DialogueSpace.name, DialogueSpace.region)
        .where(DialogueSpace.id.in_(select(ReportingPeriod.space_id)))
        .order_by(DialogueSpace.name)
    )
    return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]
