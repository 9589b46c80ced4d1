"""What the case page shows, gathered in one place (one context per page)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.access import RESPONDER_ROLES, CaseView
from vigil.accounts.models import Membership, User
from vigil.casework.handover import handovers_of
from vigil.casework.lifecycle import allowed_moves
from vigil.casework.models import CaseNote, ClosureReason, RiskAssessment
from vigil.casework.persons_at_risk import persons_context
from vigil.casework.projects import project_context
from vigil.casework.referrals import referral_context
from vigil.casework.risk import risk_label
from vigil.casework.service import duplicates_of
from vigil.casework.support import support_context
from vigil.casework.tasks import open_tasks
from vigil.core.crypto import Vault
from vigil.defenders.consent import OWN_GIVERS
from vigil.incidents.models import IncidentStatus
from vigil.incidents.service import case_for_reading
from vigil.surfaces.gate import Staff
from vigil.surfaces.staff.case_consent import consent_context


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
    context.update(persons_context(session, incident=incident), risk_label=risk_label)
    return context
