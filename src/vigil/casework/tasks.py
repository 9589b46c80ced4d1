"""Case tasks: things to do by a date. Automatic tasks carry a ``source_key`` so a rule that
runs every day raises each of them once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.casework.models import CaseTask
from vigil.casework.service import load_case
from vigil.core.audit import record_event
from vigil.core.db import utcnow
from vigil.core.errors import Invalid, NotFound


def add_task(
    session: Session,
    *,
    org_id: int,
    incident_id: int,
    title: str,
    due_on: date,
    assignee_id: int | None = None,
    actor_user_id: int | None = None,
    origin: str = "analyst",
    source_key: str | None = None,
) -> CaseTask:
    """Create a task; with ``source_key`` an existing task with that key is returned instead."""
    incident = load_case(session, org_id=org_id, incident_id=incident_id)
    if source_key is not None:
        existing = session.scalar(select(CaseTask).where(CaseTask.source_key == source_key))
        if existing is not None:
            return existing
    if not title.strip():
        raise Invalid("Describe the task.")
    task = CaseTask(
        incident_id=incident.id,
        title=title.strip()[:300],
        due_on=due_on,
        assignee_id=assignee_id if assignee_id is not None else incident.assignee_id,
        origin=origin,
        source_key=source_key,
        created_by_id=actor_user_id,
    )
    session.add(task)
    if origin == "analyst":  # a task Vigil raises itself is not an action on the case
        incident.last_action_at = utcnow()
    session.flush()
    record_event(
        session,
        action="task.created",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="incident",
        object_id=incident.id,
        detail={"task": task.id, "origin": origin},
    )
    return task


def complete_task(session: Session, *, org_id: int, task_id: int, actor_user_id: int) -> CaseTask:
    task = session.get(CaseTask, task_id)
    if task is None:
        raise NotFound("No such task.")
    incident = load_case(session, org_id=org_id, incident_id=task.incident_id)
    if task.done_at is None:
        task.done_at = utcnow()
        incident.last_action_at = task.done_at
        session.flush()
        record_event(
            session,
            action="task.done",
            organisation_id=org_id,
            actor_user_id=actor_user_id,
            object_type="incident",
            object_id=incident.id,
            detail={"task": task.id},
        )
    return task


def open_tasks(session: Session, *, incident_id: int) -> list[CaseTask]:
    return list(
        session.scalars(
            select(CaseTask)
            .where(CaseTask.incident_id == incident_id, CaseTask.done_at.is_(None))
            .order_by(CaseTask.due_on, CaseTask.id)
        )
    )
