"""Recipient groups: named sets of contacts ("Embassies in Bogotá", "Cobalt buyers") that a
playbook can address by name (``directory.contacts_for(group_names=…)``) and the CSV import
fills from its ``groups`` column.

Names are unique per organisation whatever their case, and hold no semicolon (the CSV
separator). Deleting a group keeps its contacts. Every change is audited with ids only.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from vigil.access import load_in_org
from vigil.contacts.models import Contact, ContactGroup, ContactGroupMember
from vigil.contacts.service import get_contact, one_line, text_block
from vigil.core.audit import record_event
from vigil.core.errors import Conflict, Invalid
from vigil.core.i18n import N_, gettext


def _group_name(session: Session, org_id: int, name: str, but: int | None) -> str:
    name = one_line(name, 120, N_("Group name"))
    if not name:
        raise Invalid(gettext("Give the group a name."))
    if ";" in name:
        raise Invalid(gettext("A group name cannot contain a semicolon."))
    found = find_group(session, org_id=org_id, name=name)
    if found is not None and found.id != but:
        raise Conflict(gettext("A group with this name already exists."))
    return name


def find_group(session: Session, *, org_id: int, name: str) -> ContactGroup | None:
    """The organisation's group of that name, whatever its case."""
    wanted = " ".join(name.split()).casefold()
    groups = session.scalars(select(ContactGroup).where(ContactGroup.organisation_id == org_id))
    return next((g for g in groups if g.name.casefold() == wanted), None)


def create_group(
    session: Session, *, org_id: int, name: str, description: str = "", actor_user_id: int | None
) -> ContactGroup:
    group = ContactGroup(
        organisation_id=org_id,
        name=_group_name(session, org_id, name, None),
        description=text_block(description, N_("Description")),
    )
    session.add(group)
    session.flush()
    _audit_group(session, group, "contact_group.created", actor_user_id)
    return group


def rename_group(
    session: Session,
    *,
    org_id: int,
    group_id: int,
    name: str,
    description: str | None = None,
    actor_user_id: int | None,
) -> ContactGroup:
    group = get_group(session, org_id=org_id, group_id=group_id)
    group.name = _group_name(session, org_id, name, group.id)
    if description is not None:
        group.description = text_block(description, N_("Description"))
    session.flush()
    _audit_group(session, group, "contact_group.renamed", actor_user_id)
    return group


def delete_group(
    session: Session, *, org_id: int, group_id: int, actor_user_id: int | None
) -> None:
    """Delete the group (its contacts stay in the directory)."""
    group = get_group(session, org_id=org_id, group_id=group_id)
    _audit_group(session, group, "contact_group.deleted", actor_user_id)
    session.execute(delete(ContactGroupMember).where(ContactGroupMember.group_id == group.id))
    session.delete(group)
    session.flush()


def get_group(session: Session, *, org_id: int, group_id: int) -> ContactGroup:
    return load_in_org(
        session, ContactGroup, group_id, org_id=org_id, missing=gettext("No such group.")
    )


def list_groups(session: Session, *, org_id: int) -> list[tuple[ContactGroup, int]]:
    """The organisation's groups by name, each with its number of members."""
    count = func.count(ContactGroupMember.contact_id)
    rows = session.execute(
        select(ContactGroup, count)
        .outerjoin(ContactGroupMember, ContactGroupMember.group_id == ContactGroup.id)
        .where(ContactGroup.organisation_id == org_id)
        .group_by(ContactGroup.id)
        .order_by(func.lower(ContactGroup.name), ContactGroup.id)
    )
    return [(group, members) for group, members in rows]


def add_member(
    session: Session, *, org_id: int, group_id: int, contact_id: int, actor_user_id: int | None
) -> bool:
    """Put the contact in the group; False if it already was."""
    group = get_group(session, org_id=org_id, group_id=group_id)
    contact = get_contact(session, org_id=org_id, contact_id=contact_id)
    if session.get(ContactGroupMember, (group.id, contact.id)) is not None:
        return False
    session.add(ContactGroupMember(group_id=group.id, contact_id=contact.id))
    session.flush()
    _audit_group(session, group, "contact_group.member_added", actor_user_id, contact.id)
    return True


def remove_member(
    session: Session, *, org_id: int, group_id: int, contact_id: int, actor_user_id: int | None
) -> bool:
    """Take the contact out of the group; False if it was not in it."""
    group = get_group(session, org_id=org_id, group_id=group_id)
    contact = get_contact(session, org_id=org_id, contact_id=contact_id)
    member = session.get(ContactGroupMember, (group.id, contact.id))
    if member is None:
        return False
    session.delete(member)
    session.flush()
    _audit_group(session, group, "contact_group.member_removed", actor_user_id, contact.id)
    return True


def group_members(session: Session, *, org_id: int, group_id: int) -> list[Contact]:
    group = get_group(session, org_id=org_id, group_id=group_id)
    return list(
        session.scalars(
            select(Contact)
            .join(ContactGroupMember, ContactGroupMember.contact_id == Contact.id)
            .where(ContactGroupMember.group_id == group.id, Contact.organisation_id == org_id)
            .order_by(func.lower(Contact.name), Contact.id)
        )
    )


def contact_groups(session: Session, *, org_id: int, contact_id: int) -> list[ContactGroup]:
    contact = get_contact(session, org_id=org_id, contact_id=contact_id)
    return list(
        session.scalars(
            select(ContactGroup)
            .join(ContactGroupMember, ContactGroupMember.group_id == ContactGroup.id)
            .where(
                ContactGroupMember.contact_id == contact.id, ContactGroup.organisation_id == org_id
            )
            .order_by(func.lower(ContactGroup.name), ContactGroup.id)
        )
    )


def _audit_group(
    session: Session,
    group: ContactGroup,
    action: str,
    actor: int | None,
    contact_id: int | None = None,
) -> None:
    record_event(
        session,
        action=action,
        organisation_id=group.organisation_id,
        actor_user_id=actor,
        object_type="contact_group",
        object_id=group.id,
        detail={"contact_id": contact_id} if contact_id is not None else None,
    )
