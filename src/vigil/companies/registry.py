"""Reading and editing the registry for the staff pages.

Companies are shared registry data: every organisation reads and (writers) edits the same
records. Every edit is kept as one :class:`CompanyRevision` per changed field and recorded in
the audit log. What *is* per organisation is the incidents linked to a company; the incidents
domain answers that (it sits above the registry), never this module.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import dataclass

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session, selectinload

from vigil.access import in_org
from vigil.companies.match_search import index_scans
from vigil.companies.matching import name_key
from vigil.companies.models import (
    Company,
    CompanyIdentifier,
    CompanyName,
    CompanyRelationship,
    CompanyRevision,
    NameKind,
    Project,
)
from vigil.companies.service import clean_country, clean_identifier, clean_website, rename_company
from vigil.core.audit import record_event
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.core.i18n import gettext

MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class CompanyPage:
    items: list[Company]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search_companies(
    session: Session, *, query: str = "", page: int = 1, per_page: int = 25
) -> CompanyPage:
    """Companies whose names contain the query's matching key (legal forms, accents and case
    do not matter: "minera andina sas" finds "Minera Andina del Cauca S.A.S."), or that hold
    exactly the query as an identifier. Records merged into another are left out."""
    page = max(page, 1)
    per_page = min(max(per_page, 1), MAX_PAGE_SIZE)
    conditions = [Company.merged_into_id.is_(None)]
    query = " ".join(query.split())[:300]
    trigrams = False
    if query:
        # On PostgreSQL the "contains" is answered from the pg_trgm index on
        # company_names.normalized when the key has a trigram, and the companies found are
        # read by primary key (5 ms against 25-60 ms with the planner's own choice, a
        # sequential scan of both tables, on 100,000 companies); one IN over a UNION, not two
        # INs joined by OR, lets it. SQLite scans, as before.
        key = name_key(query) or query.lower()
        trigrams = (
            session.get_bind().dialect.name == "postgresql" and len(key.replace(" ", "")) >= 3
        )
        conditions.append(
            Company.id.in_(
                union(
                    select(CompanyName.company_id).where(
                        CompanyName.normalized.contains(key, autoescape=True)
                    ),
                    select(CompanyIdentifier.company_id).where(CompanyIdentifier.value == query),
                )
            )
        )
    with index_scans(session, nested_loops=True) if trigrams else nullcontext():
        total = session.scalar(select(func.count()).select_from(Company).where(*conditions))
        items = session.scalars(
            select(Company)
            .where(*conditions)
            .options(selectinload(Company.identifiers))
            .order_by(Company.name, Company.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
    total = total or 0
    return CompanyPage(items=list(items), total=total, page=page, per_page=per_page)


def get_company(session: Session, *, company_id: int) -> Company:
    company = session.scalar(
        select(Company)
        .where(Company.id == company_id)
        .options(
            selectinload(Company.names),
            selectinload(Company.identifiers),
            selectinload(Company.sectors),
            selectinload(Company.addresses),
            selectinload(Company.revisions).selectinload(CompanyRevision.user),
        )
    )
    if company is None:
        raise NotFound(gettext("No such company."))
    return company


@dataclass(frozen=True)
class CompanyGraph:
    """The company's edges: ``outgoing`` start at it, ``incoming`` end at it."""

    outgoing: list[CompanyRelationship]
    incoming: list[CompanyRelationship]
    projects: list[Project]


def company_graph(session: Session, *, company_id: int) -> CompanyGraph:
    edges = (
        selectinload(CompanyRelationship.from_company),
        selectinload(CompanyRelationship.from_project),
        selectinload(CompanyRelationship.to_company),
        selectinload(CompanyRelationship.to_project),
    )
    order = (CompanyRelationship.kind, CompanyRelationship.id)
    outgoing = session.scalars(
        select(CompanyRelationship)
        .where(CompanyRelationship.from_company_id == company_id)
        .options(*edges)
        .order_by(*order)
    ).all()
    incoming = session.scalars(
        select(CompanyRelationship)
        .where(CompanyRelationship.to_company_id == company_id)
        .options(*edges)
        .order_by(*order)
    ).all()
    projects = session.scalars(
        select(Project)
        .where(Project.operator_id == company_id)
        .options(selectinload(Project.documents), selectinload(Project.sector))
        .order_by(Project.name, Project.id)
    ).all()
    return CompanyGraph(list(outgoing), list(incoming), list(projects))


def extra_properties(company: Company) -> list[tuple[str, list[str]]]:
    """The imported properties Vigil has no column for (country, address, notes…), sorted."""
    try:
        props = json.loads(company.ftm_properties or "{}")
    except ValueError:
        return []
    return sorted((str(k), [str(v) for v in vs]) for k, vs in props.items() if vs)


@dataclass(frozen=True)
class CompanyEdit:
    """The edit form. Empty ``alias``/``identifier_value`` add nothing; an empty legal form,
    jurisdiction or website clears it."""

    name: str
    legal_form: str = ""
    jurisdiction: str = ""
    website: str = ""
    alias: str = ""
    identifier_scheme: str = ""
    identifier_value: str = ""


def _clean_edit(data: CompanyEdit) -> dict[str, str | None]:
    name = " ".join(data.name.split())
    if not name or len(name) > 300:
        raise Invalid(gettext("A company needs a name of at most 300 characters."))
    legal_form = " ".join(data.legal_form.split()) or None
    if legal_form and len(legal_form) > 60:
        raise Invalid(gettext("A legal form has at most 60 characters."))
    jurisdiction = None
    if data.jurisdiction.strip():
        jurisdiction = clean_country(data.jurisdiction)
        if jurisdiction is None:
            raise Invalid(
                gettext("“%(value)s” is not a country (e.g. CO, GB).")
                % {"value": data.jurisdiction.strip()}
            )
    website = None
    if data.website.strip():
        website = clean_website(data.website)
        if website is None:
            raise Invalid(
                gettext("A website must be an http(s) address of at most 500 characters.")
            )
    return {
        "name": name,
        "legal_form": legal_form,
        "jurisdiction": jurisdiction,
        "website": website,
    }


def edit_company(
    session: Session,
    *,
    company_id: int,
    data: CompanyEdit,
    org_id: int,
    actor_user_id: int,
) -> list[CompanyRevision]:
    """Apply the edit, keeping one revision per changed field, and audit it.

    A renamed company keeps its old name as a former name (so matching still finds it).
    Nothing is written when nothing changed.
    """
    company = get_company(session, company_id=company_id)
    values = _clean_edit(data)
    alias = " ".join(data.alias.split())
    if len(alias) > 300:
        raise Invalid(gettext("An alias has at most 300 characters."))
    identifier = None
    if data.identifier_value.strip():
        identifier = (
            data.identifier_scheme,
            clean_identifier(data.identifier_scheme, data.identifier_value),
        )
    changes: list[tuple[str, str | None, str | None]] = []
    for field, new in values.items():
        old = getattr(company, field)
        if old != new:
            changes.append((field, old, new))
            if field == "name":
                rename_company(company, str(new))
            setattr(company, field, new)
    if alias and alias not in {n.name for n in company.names}:
        company.names.append(
            CompanyName(name=alias, kind=NameKind.alias, normalized=name_key(alias))
        )
        changes.append(("alias", None, alias))
    if identifier is not None:
        changes.extend(_add_identifier(session, company, *identifier))
    revisions = [
        CompanyRevision(
            user_id=actor_user_id,
            organisation_id=org_id,
            origin="web",
            field=field,
            old_value=old,
            new_value=new,
        )
        for field, old, new in changes
    ]
    if not revisions:
        return []
    company.revisions.extend(revisions)
    session.flush()
    record_event(
        session,
        action="company.edited",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="company",
        object_id=company.id,
        detail={"fields": sorted({field for field, _old, _new in changes})},
    )
    return revisions


def _add_identifier(
    session: Session, company: Company, scheme: str, value: str
) -> list[tuple[str, str | None, str | None]]:
    holder = session.scalar(
        select(CompanyIdentifier).where(
            CompanyIdentifier.scheme == scheme, CompanyIdentifier.value == value
        )
    )
    if holder is not None:
        if holder.company_id == company.id:
            return []
        raise Conflict(gettext("Another company already holds this identifier."))
    company.identifiers.append(CompanyIdentifier(scheme=scheme, value=value))
    return [("identifier", None, f"{scheme}: {value}")]


def revision_author(revision: CompanyRevision, *, org_id: int) -> str | None:
    """The editor's name for readers of the same organisation; None for everyone else, who
    are told only "another organisation" (staff of human-rights organisations are at risk
    too, and the registry is shared). Imports carry no person."""
    if revision.user is None or not in_org(revision, org_id):
        return None
    return revision.user.display_name or revision.user.email
