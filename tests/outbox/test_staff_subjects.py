"""Staff e-mails leave the deployment in clear and their subjects show on lock screens: every
kind Vigil sends (urgent report, check-in help and miss, a recipient's answer, stale case and
its escalation) says a case or report number, never the alias, name, company, project, place,
attack type or the case's title."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.alerts.recipient_support import link_for, make_alert_world
from tests.factories import make_staff
from vigil.accounts.models import Membership
from vigil.alerts.recipient_actions import record_response
from vigil.casework.monitoring import run_case_monitoring
from vigil.checkins.service import raise_missed_check_ins, record_check_in, start_schedule
from vigil.companies.models import Company, Project
from vigil.core.db import utcnow
from vigil.core.i18n import LOCALES
from vigil.defenders.models import Defender
from vigil.incidents.models import Act, Involvement
from vigil.links.service import resolve_link
from vigil.outbox.paging import notify_urgent_report
from vigil.outbox.staff_email_models import OutboundEmail
from vigil.vocabularies.service import read_seed_terms

PLANTED = ("PlantedAlias", "PlantedTitle", "PlantedCompany", "PlantedProject", "Hidden Name")
PLACES = ("Cauca", "Colombia")
ATTACK_LABELS = {
    row[language].casefold()
    for row in read_seed_terms()
    if row["vocabulary"] == "attack_type"
    for language in LOCALES
}


def _planted_case(session, vault):  # type: ignore[no-untyped-def]
    """An active alert on a case whose every fact is planted, with an assignee, a second
    analyst on duty and a coordinator."""
    world = make_alert_world(session, vault)
    incident = world.incident
    company = Company(name="PlantedCompany S.A.")
    session.add(company)
    session.flush()
    project = Project(name="PlantedProject mine", kind="mine", country="CO", operator_id=company.id)
    session.add(project)
    session.flush()
    incident.title, incident.project_id, incident.status = "PlantedTitle", project.id, "active"
    act = session.scalar(select(Act).where(Act.incident_id == incident.id))
    session.get(Defender, act.victim_id).alias = "PlantedAlias"
    for involvement in session.scalars(select(Involvement).where(Involvement.act_id == act.id)):
        involvement.company_id = company.id
    assignee = make_staff(session, world.org)
    on_duty = make_staff(session, world.org)
    make_staff(session, world.org, role="coordinator")
    session.scalar(select(Membership).where(Membership.user_id == on_duty.user.id)).on_duty = True
    incident.assignee_id = assignee.user.id
    session.flush()
    return world, assignee


def _send_every_kind(session, vault, settings, world, assignee) -> None:  # type: ignore[no-untyped-def]
    incident, now = world.incident, utcnow()
    notify_urgent_report(
        session, org_id=world.org.id, report_id=91, received_at="now", staff_url="https://v.example"
    )
    schedule, _token = start_schedule(
        session,
        settings,
        org_id=world.org.id,
        incident_id=incident.id,
        every_hours=24,
        grace_minutes=30,
        actor_user_id=assignee.user.id,
        now=now,
    )
    record_check_in(session, settings, schedule=schedule, method="link", safe=False, now=now)
    raise_missed_check_ins(session, settings, now=schedule.next_due_at + timedelta(hours=1))
    for purpose in ("request_info", "respond"):
        link = resolve_link(session, settings, link_for(session, settings, world, purpose), now=now)
        record_response(session, settings, vault, link=link, body="PlantedAlias said", now=now)
    incident.last_action_at = now - timedelta(days=30)
    session.flush()
    run_case_monitoring(
        session, now=now, stale_after=timedelta(days=7), base_url="https://v.example"
    )


def test_no_staff_email_subject_says_who_what_or_where(session, vault, settings):
    world, assignee = _planted_case(session, vault)
    _send_every_kind(session, vault, settings, world, assignee)
    emails = list(session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)))
    subjects = {email.subject for email in emails}
    kinds = (
        "URGENT report",
        "help requested",
        "check-in was missed",
        "asked for more",
        "responded",
    )
    for kind in (*kinds, "has had no action", "still without action"):
        assert any(kind in subject for subject in subjects), (kind, subjects)
    for email in emails:
        for secret in (*PLANTED, *PLACES):
            assert secret not in email.subject, (secret, email.subject)
            assert secret not in email.body, (secret, email.body)
        words = email.subject.casefold()
        assert not [label for label in ATTACK_LABELS if label in words], email.subject
