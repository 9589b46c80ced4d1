"""``vigil demo load``: the fictional world, idempotently (a second run adds nothing).

Demo staff accounts get random passwords and TOTP seeds, written once to
``<data_dir>/demo-credentials.txt`` (mode 0600): no fixed password exists anywhere in code.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.accounts.models import Membership, Role, User
from vigil.accounts.service import seal_totp_seed
from vigil.companies.models import Project
from vigil.companies.service import (
    CompanyIn,
    ProjectIn,
    RelationshipIn,
    get_company_by_key,
    upsert_company,
    upsert_project,
    upsert_relationship,
)
from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.security import hash_password, new_totp_secret
from vigil.defenders.consent import (
    STRATEGY,
    ConsentGiver,
    ConsentMethod,
    Strategy,
    has_consent,
    record_consent,
)
from vigil.defenders.consent_ledger import ConsentScope
from vigil.defenders.service import record_defender
from vigil.demo.catalogue import COMPANIES, PROJECTS, RELATIONSHIPS
from vigil.demo.collective import load_collective
from vigil.demo.incidents import STORY, DemoIncident, generate_incidents
from vigil.demo.policy_assessments import load_policy_assessments
from vigil.demo.publishing import load_publishing
from vigil.demo.slapp import load_slapp
from vigil.diligence.countries.models import CountryLegalFlag, CountryScore
from vigil.diligence.countries.reference import load_reference
from vigil.incidents.schemas import ActCreate, IncidentCreate, InvolvementCreate, SourceCreate
from vigil.incidents.service import find_incident_by_ref, record_incident
from vigil.organisations.service import ensure_organisation
from vigil.public.register_batch import refresh_register
from vigil.urgent_actions.service import Mailer
from vigil.urgent_actions.standing import recheck_actions
from vigil.vocabularies.service import seed_vocabularies

ORGANISATIONS = [
    ("red-andina", "Red Andina de Protección (demo)", "CO"),
    ("mekong-watch", "Mekong & Delta Rights Watch (demo)", "TH"),
]
CREDENTIALS_FILE = "demo-credentials.txt"


@dataclass
class DemoReport:
    created: dict[str, int] = field(default_factory=dict)
    credentials: list[str] = field(default_factory=list)

    def add(self, what: str, created: bool) -> None:
        self.created[what] = self.created.get(what, 0) + int(created)

    def lines(self) -> list[str]:
        summary = ", ".join(f"{n} {what}" for what, n in self.created.items())
        lines = [f"Demo data loaded; newly created: {summary or 'nothing'}."]
        lines += self.credentials
        return lines


def load_demo(session: Session, *, settings: Settings, vault: Vault) -> DemoReport:
    report = DemoReport()
    report.created["vocabulary terms"] = seed_vocabularies(session)
    orgs = {
        slug: ensure_organisation(session, slug=slug, name=name, country=country)
        for slug, name, country in ORGANISATIONS
    }
    _load_registry(session, report)
    for item in generate_incidents():
        report.add("incidents", _load_incident(session, vault, orgs[item.organisation].id, item))
    _load_users(session, settings, vault, orgs, report)
    report.created["policy assessments"] = load_policy_assessments(session, today=utcnow().date())
    report.created["publication grants"] = _grant_publication(session, orgs)
    now = utcnow()
    refresh_register(session, vault=vault, settings=settings, now=now)
    # Replies, a statement, a dialogue report and an urgent action on the published cases,
    # then the register again so it carries the published replies.
    for what, count in load_publishing(session, settings=settings, vault=vault, now=now).items():
        report.created[what] = count
    refresh_register(session, vault=vault, settings=settings, now=now)
    report.created["lawsuits"] = load_slapp(session, org_id=orgs["red-andina"].id, now=now)
    report.created["collective action and grievance records"] = load_collective(
        session, org_id=orgs["red-andina"].id, today=now.date()
    )
    base_url = str(settings.base_url).rstrip("/")
    recheck_actions(session, mailer=Mailer(vault=vault, secret=settings.secret, base_url=base_url))
    report.created["country reference values"] = _new_reference_values(session)
    return report


#: Demo incidents whose defenders agreed to appear in the public register under their alias
#: (the first also to the day): verified long ago, so the register has rows at once.
PUBLISHED_REFS = ("demo-003", "demo-004", "demo-006", "demo-011", "demo-002", "demo-005")
DATED_REF = "demo-003"


def _grant_publication(session: Session, orgs: dict) -> int:  # type: ignore[type-arg]
    """Each PUBLISHED_REFS victim's own ``publish_alias`` grant, given in person (and
    ``publish_date`` for DATED_REF); idempotent. Returns how many grants were new."""
    granted = 0
    for organisation in orgs.values():
        for ref in PUBLISHED_REFS:
            incident = find_incident_by_ref(session, org_id=organisation.id, external_ref=ref)
            if incident is None:
                continue
            scopes = [ConsentScope.publish_alias]
            if ref == DATED_REF:
                scopes.append(ConsentScope.publish_date)
            for act in incident.acts:
                for scope in scopes:
                    if act.victim_id is None or has_consent(
                        session, defender_id=act.victim_id, scope=scope
                    ):
                        continue
                    record_consent(
                        session,
                        org_id=organisation.id,
                        defender_id=act.victim_id,
                        scope=scope,
                        decision="grant",
                        method=ConsentMethod.in_person,
                        given_by=ConsentGiver.defender,
                        actor_user_id=None,
                    )
                    granted += 1
    return granted


def _load_registry(session: Session, report: DemoReport) -> None:
    for key, name, form, jurisdiction, kind, sectors, identifiers, aliases in COMPANIES:
        _company, created = upsert_company(
            session,
            data=CompanyIn(
                key=f"demo:{key}",
                name=name,
                legal_form=form,
                jurisdiction=jurisdiction,
                actor_kind=kind,
                sectors=sectors,
                identifiers=identifiers,
                aliases=aliases,
            ),
        )
        report.add("companies", created)
    for key, name, kind, country, region, operator, sector, fpic in PROJECTS:
        _project, created = upsert_project(
            session,
            data=ProjectIn(
                key=f"demo:{key}",
                name=name,
                kind=kind,
                country=country,
                region=region,
                operator_key=f"demo:{operator}",
                sector=sector,
                fpic_status=fpic,
            ),
        )
        report.add("projects", created)
    for key, kind, source, target, percentage, tier, provenance in RELATIONSHIPS:
        target_kind, _, target_key = target.rpartition(":")
        _edge, created = upsert_relationship(
            session,
            data=RelationshipIn(
                key=f"demo:{key}",
                kind=kind,
                from_company_key=f"demo:{source}",
                to_company_key=None if target_kind else f"demo:{target_key}",
                to_project_key=f"demo:{target_key}" if target_kind == "project" else None,
                to_country=target_key if target_kind == "country" else None,
                percentage=percentage,
                tier=tier,
                source=provenance,
            ),
        )
        report.add("relationships", created)


def _load_incident(session: Session, vault: Vault, org_id: int, item: DemoIncident) -> bool:
    if find_incident_by_ref(session, org_id=org_id, external_ref=item.ref) is not None:
        return False
    project_key = f"demo:{item.project_key}"
    project = next(p for p in PROJECTS if p[0] == item.project_key)
    operator = get_company_by_key(session, key=f"demo:{project[5]}")
    project_row = session.scalar(select(Project).where(Project.key == project_key))
    defender = record_defender(
        session,
        vault=vault,
        org_id=org_id,
        alias=item.defender_alias,
        kind=item.defender_kind,
        name=item.defender_name,
        type_codes=[item.defender_type],
    )
    incident = record_incident(
        session,
        vault=vault,
        org_id=org_id,
        data=IncidentCreate(
            external_ref=item.ref,
            title=item.title,
            summary=item.summary,
            occurred_on=item.occurred_on,
            date_precision=item.precision,
            country=item.country,
            region=item.region,
            status=item.status,
            sector=project[6],
            project_id=project_row.id if project_row else None,
            acts=[
                ActCreate(
                    attack_type=item.attack_type,
                    victim_id=defender.id,
                    involvements=[
                        InvolvementCreate(
                            perpetrator_type=item.perpetrator_type,
                            role=item.role,
                            certainty=item.certainty,
                            company_id=operator.id,
                        )
                    ],
                )
            ],
            sources=[
                SourceCreate(
                    kind=item.source_kind,
                    reliability=item.reliability,
                    description="Fictional demo source",
                )
            ],
        ),
    )
    if incident.verified_at is not None:
        # Demo incidents happened months ago: say they were verified a week later, so the
        # public counts (which wait for the publication delay) include them.
        week_after = datetime.combine(item.occurred_on + timedelta(days=7), time(12), tzinfo=UTC)
        incident.verified_at = min(incident.verified_at, week_after)
    if item.ref == STORY.ref:
        _record_story_consent(session, org_id, defender.id)
    return True


def _record_story_consent(session: Session, org_id: int, defender_id: int) -> None:
    """The story case is the one the demo alerts on, so it shows what that takes: the
    reporting organisation's wish (kept, but not consent), then the defender's own choice of
    quiet diplomacy, asked in person, and her agreement that the state protection programme be
    told (tier 1 of the death-threat playbook). Every other demo case has no consent: no
    alert."""
    record_consent(
        session,
        org_id=org_id,
        defender_id=defender_id,
        scope=ConsentScope.share_state_mechanism,
        decision="grant",
        method=ConsentMethod.in_person,
        given_by=ConsentGiver.defender,
        actor_user_id=None,
    )
    for giver, method in (
        (ConsentGiver.reporter, ConsentMethod.through_reporter),
        (ConsentGiver.defender, ConsentMethod.in_person),
    ):
        record_consent(
            session,
            org_id=org_id,
            defender_id=defender_id,
            scope=STRATEGY,
            decision=Strategy.quiet,
            method=method,
            given_by=giver,
            actor_user_id=None,
        )


def _load_users(
    session: Session,
    settings: Settings,
    vault: Vault,
    orgs: dict,  # type: ignore[type-arg]
    report: DemoReport,
) -> None:
    lines: list[str] = []
    for slug, organisation in orgs.items():
        for role in (Role.coordinator, Role.analyst):
            email = f"{role}@{slug}.example"
            if session.scalar(select(User).where(User.email == email)) is not None:
                continue
            password = secrets.token_urlsafe(12)
            secret = new_totp_secret()
            user = User(
                email=email,
                display_name=f"Demo {role} ({organisation.name})",
                password_hash=hash_password(password),
                enrolled_at=utcnow() - timedelta(days=1),
            )
            session.add(user)
            session.flush()
            user.totp_secret_sealed = seal_totp_seed(vault, user, secret)
            session.add(Membership(user_id=user.id, organisation_id=organisation.id, role=role))
            lines.append(f"{email}  password: {password}  TOTP secret: {secret}")
            report.add("users", True)
    path = settings.data_dir / CREDENTIALS_FILE
    if lines:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as handle:
            handle.write("\n".join(lines) + "\n")
    if path.exists():
        report.credentials.append(f"Demo sign-in details (fictional staff): {path}")


def _new_reference_values(session: Session) -> int:
    """Load the shipped and demo country reference data; how many values and flags are new
    (a reload replaces them in place, so a second load creates none)."""

    def count() -> int:
        scores = session.scalar(select(func.count()).select_from(CountryScore)) or 0
        return scores + (session.scalar(select(func.count()).select_from(CountryLegalFlag)) or 0)

    before = count()
    load_reference(session, demo=True)
    session.flush()
    return count() - before
