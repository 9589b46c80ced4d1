"""Projects and sites edited from the staff pages: creating one under its operator, changing
its facts (location, land tenure, FPIC status…), its operator and its public documents.

The registry keeps one history, per company (:class:`CompanyRevision`), and analysts read a
project on its operator's page, so a project's changes are kept in its operator's history: one
row per changed field, each value prefixed with the project's name ("El Roble mine: contested").
A project imported without an operator must be given one before anything else changes, so no
edit goes unrecorded. Every change is also in the audit log (ids and field names only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from rigour import langs
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from vigil.companies.models import Company, CompanyRevision, FpicStatus, Project, ProjectDocument
from vigil.companies.service import ProjectDocumentIn, add_project_document, clean_country
from vigil.core.audit import record_event
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.core.i18n import gettext
from vigil.vocabularies.models import VocabularyTerm

#: History fields of a project (kept on its operator's company).
FIELD_PREFIX = "project_"
PROJECT = "project"  # the company started or stopped operating the project
DOCUMENT = "project_document"


def get_project(session: Session, *, project_id: int) -> Project:
    project = session.scalar(
        select(Project)
        .where(Project.id == project_id)
        .options(
            selectinload(Project.documents),
            selectinload(Project.operator),
            selectinload(Project.sector),
        )
    )
    if project is None:
        raise NotFound(gettext("No such project."))
    return project


@dataclass(frozen=True)
class ProjectEdit:
    """The project form. Empty region, land tenure or sector clear them."""

    name: str
    kind: str
    country: str
    region: str = ""
    land_tenure: str = ""
    fpic_status: str = FpicStatus.unknown
    sector: str = ""


def _clean(session: Session, data: ProjectEdit) -> dict[str, str | None]:
    name = " ".join(data.name.split())
    if not name or len(name) > 300:
        raise Invalid(gettext("A project needs a name of at most 300 characters."))
    kind = " ".join(data.kind.split())
    if not kind or len(kind) > 40:
        raise Invalid(
            gettext("Say what kind of project it is (mine, dam…) in at most 40 characters.")
        )
    country = clean_country(data.country) if data.country.strip() else None
    if country is None:
        raise Invalid(gettext("Choose the country where the project is."))
    region = " ".join(data.region.split()) or None
    if region and len(region) > 120:
        raise Invalid(gettext("A region has at most 120 characters."))
    land_tenure = data.land_tenure.strip() or None
    if land_tenure and len(land_tenure) > 5000:
        raise Invalid(gettext("The land tenure has at most 5,000 characters."))
    if data.fpic_status not in FpicStatus.__members__:
        raise Invalid(gettext("Choose the status of free, prior and informed consent."))
    sector = data.sector.strip() or None
    if sector is not None and _sector(session, sector) is None:
        raise Invalid(gettext("Choose a sector from the list."))
    return {
        "name": name,
        "kind": kind,
        "country": country,
        "region": region,
        "land_tenure": land_tenure,
        "fpic_status": data.fpic_status,
        "sector": sector,
    }


def _sector(session: Session, code: str) -> VocabularyTerm | None:
    return session.scalar(
        select(VocabularyTerm).where(
            VocabularyTerm.vocabulary == "sector", VocabularyTerm.code == code
        )
    )


def _current(project: Project, field: str) -> str | None:
    if field == "sector":
        return project.sector.code if project.sector else None
    value = getattr(project, field)
    return None if value is None else str(value)


def _tagged(project_name: str, value: str | None) -> str:
    return f"{project_name}: {value if value is not None else '—'}"


def _history(
    session: Session,
    *,
    company_id: int,
    org_id: int,
    actor_user_id: int,
    changes: list[tuple[str, str | None, str | None]],
) -> list[CompanyRevision]:
    revisions = [
        CompanyRevision(
            company_id=company_id,
            user_id=actor_user_id,
            organisation_id=org_id,
            origin="web",
            field=field,
            old_value=old,
            new_value=new,
        )
        for field, old, new in changes
    ]
    session.add_all(revisions)
    return revisions


def _audit(
    session: Session, action: str, project: Project, org_id: int, actor: int, **detail: object
) -> None:
    record_event(
        session,
        action=action,
        organisation_id=org_id,
        actor_user_id=actor,
        object_type="project",
        object_id=project.id,
        detail=detail or None,
    )


def _operator_id(project: Project) -> int:
    if project.operator_id is None:
        raise Conflict(
            gettext("Name the project's operator first: its changes are kept in their history.")
        )
    return project.operator_id


def _live_company(session: Session, company_id: int) -> Company:
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(gettext("No such company."))
    if company.merged_into_id is not None:
        raise Conflict(gettext("This record was merged into another company: choose that one."))
    return company


def create_project(
    session: Session, *, operator_id: int, data: ProjectEdit, org_id: int, actor_user_id: int
) -> Project:
    """A new project operated by ``operator_id``, recorded in the operator's history."""
    operator = _live_company(session, operator_id)
    values = _clean(session, data)
    sector = values.pop("sector")
    project = Project(
        operator_id=operator.id,
        sector=_sector(session, sector) if sector else None,
        **values,
    )
    session.add(project)
    session.flush()
    _history(
        session,
        company_id=operator.id,
        org_id=org_id,
        actor_user_id=actor_user_id,
        changes=[(PROJECT, None, project.name)],
    )
    session.flush()
    _audit(session, "project.created", project, org_id, actor_user_id, operator=operator.id)
    return project


def edit_project(
    session: Session, *, project_id: int, data: ProjectEdit, org_id: int, actor_user_id: int
) -> list[CompanyRevision]:
    """Apply the form; one history row per changed field. Nothing changed: nothing written."""
    project = get_project(session, project_id=project_id)
    operator_id = _operator_id(project)
    values = _clean(session, data)
    name_before = project.name
    changes: list[tuple[str, str | None, str | None]] = []
    for field, new in values.items():
        old = _current(project, field)
        if old == new:
            continue
        if field == "name":
            changes.append((FIELD_PREFIX + field, old, new))
        else:
            changes.append(
                (
                    FIELD_PREFIX + field,
                    _tagged(name_before, old),
                    _tagged(values["name"] or "", new),
                )
            )
        if field == "sector":
            project.sector = _sector(session, new) if new else None
        else:
            setattr(project, field, new)
    if not changes:
        return []
    revisions = _history(
        session,
        company_id=operator_id,
        org_id=org_id,
        actor_user_id=actor_user_id,
        changes=changes,
    )
    session.flush()
    fields = sorted(field.removeprefix(FIELD_PREFIX) for field, _old, _new in changes)
    _audit(session, "project.edited", project, org_id, actor_user_id, fields=fields)
    return revisions


def change_operator(
    session: Session, *, project_id: int, operator_id: int, org_id: int, actor_user_id: int
) -> bool:
    """Hand the project to another operator: the history of both companies says so.
    Returns False when that company already operates it."""
    project = get_project(session, project_id=project_id)
    operator = _live_company(session, operator_id)
    previous = project.operator_id
    if previous == operator.id:
        return False
    if previous is not None:
        _history(
            session,
            company_id=previous,
            org_id=org_id,
            actor_user_id=actor_user_id,
            changes=[(PROJECT, project.name, None)],
        )
    _history(
        session,
        company_id=operator.id,
        org_id=org_id,
        actor_user_id=actor_user_id,
        changes=[(PROJECT, None, project.name)],
    )
    project.operator = operator
    session.flush()
    _audit(
        session,
        "project.operator_changed",
        project,
        org_id,
        actor_user_id,
        **{"from": previous, "to": operator.id},
    )
    return True


@dataclass(frozen=True)
class DocumentForm:
    """The "link a public document" form, as typed (redisplayed as is after a mistake)."""

    kind: str = ""
    title: str = ""
    url: str = ""
    published_on: str = ""
    language: str = ""


#: language[-Script][-REGION][-variant…] (BCP 47 without extensions or private use).
_TAG = re.compile(
    r"([A-Za-z]{2,3})(?:-([A-Za-z]{4}))?(?:-([A-Za-z]{2}|[0-9]{3}))?"
    r"((?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*)"
)
_ISO2 = frozenset(langs.ISO2_MAP.values())


def clean_language(value: str) -> str | None:
    """A BCP 47 tag ("es", "pt-BR", "zh-Hant-TW", "ay" for Aymara), normalised ("pt_br" →
    "pt-BR"); None when empty. The language must be an ISO 639 code (rigour's table, which
    knows indigenous languages Babel has no locale for); script, region and variants are
    checked for their form."""
    value = value.strip().replace("_", "-")
    if not value:
        return None
    match = _TAG.fullmatch(value)
    language = match.group(1).lower() if match else ""
    known = language in _ISO2 if len(language) == 2 else language in langs.ISO3_ALL
    if match is None or not known or language in langs.NON_LANGS:
        raise Invalid(
            gettext("“%(value)s” is not a language tag such as es or pt-BR.") % {"value": value}
        )
    script, region, variants = match.group(2), match.group(3), match.group(4)
    parts = [language, script.title() if script else None, region.upper() if region else None]
    tag = "-".join(part for part in parts if part)
    return f"{tag}{variants.lower()}" if variants else tag


def _published_on(value: str, today: date) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        published = date.fromisoformat(value)
    except ValueError:
        raise Invalid(gettext("Write the date as year-month-day, e.g. 2024-02-01.")) from None
    if published > today:
        raise Invalid(gettext("A publication date cannot be in the future."))
    return published


def _document_text(project: Project, document: ProjectDocument) -> str:
    return f"{project.name}: {document.title} <{document.url}>"


def add_document(
    session: Session,
    *,
    project_id: int,
    form: DocumentForm,
    org_id: int,
    actor_user_id: int,
    today: date,
) -> ProjectDocument:
    """Link a public document (contract, impact assessment, social-audit report) to the
    project; the same address twice is refused rather than silently ignored."""
    project = get_project(session, project_id=project_id)
    operator_id = _operator_id(project)
    data = ProjectDocumentIn(
        kind=form.kind,
        title=form.title,
        url=form.url,
        published_on=_published_on(form.published_on, today),
        language=clean_language(form.language),
    )
    document, created = add_project_document(session, project_id=project.id, data=data)
    if not created:
        raise Conflict(gettext("This document is already linked to the project."))
    _history(
        session,
        company_id=operator_id,
        org_id=org_id,
        actor_user_id=actor_user_id,
        changes=[(DOCUMENT, None, _document_text(project, document))],
    )
    session.flush()
    _audit(
        session,
        "project.document_added",
        project,
        org_id,
        actor_user_id,
        document=document.id,
        kind=document.kind,
    )
    return document


def remove_document(
    session: Session, *, project_id: int, document_id: int, org_id: int, actor_user_id: int
) -> None:
    """Unlink a document; the history keeps what it was."""
    project = get_project(session, project_id=project_id)
    document = next((d for d in project.documents if d.id == document_id), None)
    if document is None:
        raise NotFound(gettext("No such document."))
    operator_id = _operator_id(project)
    _history(
        session,
        company_id=operator_id,
        org_id=org_id,
        actor_user_id=actor_user_id,
        changes=[(DOCUMENT, _document_text(project, document), None)],
    )
    project.documents.remove(document)
    session.flush()
    _audit(
        session,
        "project.document_removed",
        project,
        org_id,
        actor_user_id,
        document=document_id,
        kind=document.kind,
    )
