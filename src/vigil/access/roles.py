"""What each staff role may do, and the two questions every page asks of an object: may this
person see it, may they change it.

Roles: coordinators and analysts work cases; auditors only read,
and read the audit log with coordinators; only coordinators change playbooks, because a
playbook decides who is told about every future case of the organisation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from vigil.access.tenancy import OrgOwned, in_org


class Role(StrEnum):
    """A staff member's role in an organisation (``accounts.models.Membership.role``)."""

    coordinator = "coordinator"
    analyst = "analyst"
    auditor = "auditor"  # read-only


#: Roles that work cases (and can be on duty, be assigned a case, answer a report).
RESPONDER_ROLES: tuple[Role, ...] = (Role.coordinator, Role.analyst)
AUDIT_READER_ROLES: tuple[Role, ...] = (Role.coordinator, Role.auditor)
PLAYBOOK_EDITOR_ROLES: tuple[Role, ...] = (Role.coordinator,)


@dataclass(frozen=True)
class Actor:
    """The person asking, as far as access is concerned (the staff gate makes one)."""

    user_id: int
    org_id: int
    role: str


def may_write(actor: Actor) -> bool:
    """Change anything in the organisation's casework (auditors are read-only)."""
    return actor.role in RESPONDER_ROLES


def may_read_audit(actor: Actor) -> bool:
    return actor.role in AUDIT_READER_ROLES


def may_edit_playbooks(actor: Actor) -> bool:
    return actor.role in PLAYBOOK_EDITOR_ROLES


class Kind(StrEnum):
    """The kinds of object a staff member opens by id."""

    case = "case"
    report = "report"
    alert = "alert"
    contact = "contact"
    playbook = "playbook"


#: Which role predicate allows changing each kind; seeing only needs the same organisation.
CHANGERS: dict[Kind, Callable[[Actor], bool]] = {
    Kind.case: may_write,
    Kind.report: may_write,
    Kind.alert: may_write,
    Kind.contact: may_write,
    Kind.playbook: may_edit_playbooks,
}


def may_see(actor: Actor, row: OrgOwned | None) -> bool:
    """Every role sees everything of its own organisation and nothing of any other."""
    return in_org(row, actor.org_id)


def may_change(actor: Actor, kind: Kind, row: OrgOwned | None = None) -> bool:
    """Whether the actor's role may change objects of ``kind`` — and, given a row, this one
    (which must also be of the actor's organisation)."""
    if row is not None and not in_org(row, actor.org_id):
        return False
    return CHANGERS[kind](actor)
