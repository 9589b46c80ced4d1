"""What the case page shows, gathered in one place (one context per page)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from vigil.access import RESPONDER_ROLES, CaseView
from vigil.access.roles import Role
from vigil.accounts.models import Membership, User
from vigil.casework.defender_reach import reach_context
from vigil.casework.handover import handovers_of
from vigil.casework.labels import label
from vigil.casework.lifecycle import allowed_moves
from vigil.casework.models import RISK_FACTORS, CaseNote, ClosureReason, RiskAssessment, RiskLevel
from vigil.casework.persons_at_risk import persons_context
from vigil.casework.projects import project_context
from vigil.casework.referrals import referral_context
from vigil.casework.risk import risk_label
from vigil.casework.service import duplicates_of
from vigil.casework.support import support_context
from vigil.casework.tasks import open_tasks
from vigil.closing.blockers import closing_blockers
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.defenders.consent import OWN_GIVERS
from vigil.imports.runs import provenance_for
from vigil.incidents.editing import incident_history
from vigil.incidents.models import IncidentStatus
from vigil.incidents.service import case_for_reading
from vigil.intake.conversations import read_thread, source_reports
from vigil.surfaces.gate import Staff
from vigil.surfaces.staff.case_collective import collective_summary
from vigil.surfaces.staff.case_consent import consent_context
from vigil.surfaces.staff.case_summary import summary_context
from vigil.web.templating import render


def case_context(
    session: Session, *, vault: Vault, staff: Staff, incident_id: int
) -> dict[str, Any]:
    incident = case_for_reading(
        session, actor=staff.actor, incident_id=incident_id, view=CaseView.case
    )
    assessments = session.scalars(
        select(RiskAssessment)
        .where(RiskAssessment.incident_id == incident.id)
        .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.id.desc())
    ).all()
    notes = session.scalars(
        select(CaseNote).where(CaseNote.incident_id == incident.id).order_by(CaseNote.id.desc())
    ).all()
    people = dict(
        session.execute(
            select(User.id, User.display_name)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == staff.organisation_id)
        ).all()
    )
    responders = session.execute(
        select(User.id, User.display_name)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id == staff.organisation_id,
            Membership.role.in_(RESPONDER_ROLES),
        )
        .order_by(User.display_name)
    ).all()
    context: dict[str, Any] = {
        "incident": incident,
        "moves": [
            m
            for m in allowed_moves(incident.status)
            if m not in (IncidentStatus.closed, IncidentStatus.duplicate)
        ],
        "can_merge": IncidentStatus.duplicate in allowed_moves(incident.status),
        "can_close": IncidentStatus.closed in allowed_moves(incident.status)
        and incident.closure_requested_by_id is None,
        "closure_reasons": list(ClosureReason),
        "handovers": handovers_of(session, vault=vault, incident=incident),
        "handover_givers": list(OWN_GIVERS),
        "assessments": [
            {
                "row": a,
                "factors": json.loads(a.factors),
                "reasons": vault.reveal(incident.data_key_id, a.reasons_sealed),
            }
            for a in assessments
        ],
        "notes": [
            {"row": n, "body": vault.reveal(incident.data_key_id, n.body_sealed)} for n in notes
        ],
        "tasks": open_tasks(session, incident_id=incident.id),
        "closing_blockers": closing_blockers(session, incident=incident),
        "closing_message": vault.reveal(incident.data_key_id, incident.closing_message_sealed)
        if incident.closing_message_sealed
        else None,
        "may_override": staff.role == Role.coordinator,
        "conversations": conversations(session, vault=vault, staff=staff, incident_id=incident.id),
        "duplicates": duplicates_of(session, incident_id=incident.id),
        "people": people,
        "responders": responders,
    }
    context.update(
        support_context(session, vault=vault, org_id=staff.organisation_id, incident=incident)
    )
    context.update(
        referral_context(session, vault=vault, org_id=staff.organisation_id, incident=incident)
    )
    context.update(
        consent_context(session, vault=vault, org_id=staff.organisation_id, incident=incident)
    )
    context.update(project_context(session, incident=incident))
    context.update(
        summary_context(session, incident=incident, assessments=list(assessments)),
        history=incident_history(session, vault=vault, incident=incident),
    )
    context.update(persons_context(session, incident=incident), risk_label=risk_label)
    context.update(reach_context(session, vault=vault, incident=incident))
    context["provenance"] = provenance_for(
        session,
        entity_type="incident",
        entity_id=incident.id,
        organisation_id=staff.organisation_id,
    )
    context.update(collective_summary(session, incident=incident))
    return context


def conversations(
    session: Session, *, vault: Vault, staff: Staff, incident_id: int
) -> list[dict[str, Any]]:
    """The reporter's conversation of every report the case came from, with the messages
    nobody had read marked (opening the case reads them: audited, and the marks clear)."""
    return [
        {
            "report": report,
            "thread": read_thread(
                session,
                vault=vault,
                report=report,
                actor_user_id=staff.user_id,
                now=utcnow(),
                where="case",
            ),
        }
        for report in source_reports(session, org_id=staff.organisation_id, incident_id=incident_id)
    ]


def render_case(
    request: Request,
    session: Session,
    *,
    vault: Vault,
    staff: Staff,
    incident_id: int,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """The case page; ``extra`` carries a notice or a form typed again after an error."""
    context = case_context(session, vault=vault, staff=staff, incident_id=incident_id)
    context.update(
        staff=staff,
        factors=RISK_FACTORS,
        label=label,
        levels=list(RiskLevel),
        today=date.today(),
    )
    context.update(extra)
    return render(request, "staff/casework/case.html", context, status_code)
