"""Rolling an import run back: delete exactly what the run created, or refuse and say why.

**What is deleted.** Only the entities the run recorded as created (``ImportedRecord``):
incidents (with their acts, involvements and sources), the defenders and sources it created,
companies with their names, identifiers, sectors and addresses links, relationships,
addresses, contacts and playbook versions. An entity that existed before the run (a company
a re-run updated, a contact whose e-mail address was already known) is never deleted. The
personal data of a deleted incident or defender is crypto-shredded: its data key is
destroyed too, so no backup can read it back.

**When it refuses.** Rollback is for taking back a mistaken import, not for deleting work:
when anything outside the run now refers to what the run created (an alert, a case note, a
risk assessment or an edit on an imported incident; an imported defender who is the victim
in another incident; an imported company named in an incident, a contact or a relationship
entered by hand; a playbook version an alert followed or a later version built on), nothing
is deleted and the error names the records (at most ten, then how many more). There is no
``--force``: those records are someone's work, and deleting them silently is exactly the
loss this check prevents. Remove or re-point the uses first, then roll back.

The check reads the schema, not a list: every foreign key that points at a created
entity's table counts as a use, except the rows that are part of the entity itself
(``_PART_OF``) and copies that are rebuilt from it (``_DERIVED``). A table added later is
therefore a use until someone says otherwise, which errs on the side of keeping data.

The run keeps its row (state ``rolled_back``) and its problems, for the record; its
``ImportedRecord`` rows go, so the same file can be imported again. One audit event names
the run and what was deleted, and each deleted incident gets its own event.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import ColumnElement, Select, Table, delete, false, select, update
from sqlalchemy.orm import Session

from vigil.core.audit import record_event
from vigil.core.crypto import DataKey
from vigil.core.db import Base, utcnow
from vigil.core.errors import Conflict
from vigil.imports.models import ImportedRecord, ImportRun, RunState
from vigil.imports.runs import KEY_CHUNK, ensure_not_rolled_back, get_run

#: Entity type recorded by importers → its table.
TABLES = {
    "relationship": "company_relationships",
    "involvement": "involvements",
    "source": "sources",
    "act": "acts",
    "incident": "incidents",
    "defender": "defenders",
    "contact": "alert_contacts",
    "company": "companies",
    "address": "addresses",
    "playbook": "playbooks",
}
#: Deletion order: what refers to something is deleted before it.
ORDER = list(TABLES)
#: Tables whose rows hold sealed personal data under their own data key.
SEALED = {"incidents", "defenders"}
#: Rebuilt from the entity (the public register, duplicate proposals, name tokens): never a use.
_DERIVED = {
    "public_incidents",
    "duplicate_members",
    "duplicate_links",
    "defender_name_tokens",
}
#: Tables whose rows are part of another entity: table → (column, entity type). A row of
#: them is part of the run when the entity it belongs to was created by the run.
_PART_OF = {
    "acts": ("incident_id", "incident"),
    "sources": ("incident_id", "incident"),
    "company_names": ("company_id", "company"),
    "company_identifiers": ("company_id", "company"),
    "company_sectors": ("company_id", "company"),
    "company_addresses": ("company_id", "company"),
    "defender_types": ("defender_id", "defender"),
    "defender_identities": ("defender_id", "defender"),
    "alert_contact_group_members": ("contact_id", "contact"),
}
#: Most records a refusal names before saying how many more.
NAMED = 10


def rollback_run(
    session: Session,
    *,
    run_id: int,
    organisation_id: int | None,
    by_user_id: int | None = None,
    every_organisation: bool = False,
) -> dict[str, int]:
    """Delete what run ``run_id`` created and mark it ``rolled_back``; returns the number of
    entities deleted per type. Conflict when it was already rolled back, is still running, or
    something outside it uses what it created (the message names those records); NotFound
    for another organisation's run. The caller commits."""
    run = get_run(
        session,
        run_id=run_id,
        organisation_id=organisation_id,
        every_organisation=every_organisation,
    )
    ensure_not_rolled_back(run)
    if run.state == RunState.running:
        raise Conflict(
            f"Import run #{run.id} is still running; wait for it to end (or fail) first."
        )
    ids = _created_ids(session, run)
    uses = list(_uses(session, run.id, ids))
    if uses:
        named = "; ".join(uses[:NAMED])
        more = f" (and {len(uses) - NAMED} more)" if len(uses) > NAMED else ""
        raise Conflict(
            f"Import run #{run.id} cannot be rolled back: records it created are in use "
            f"since: {named}{more}."
        )
    deleted = _delete(session, run, ids, by_user_id)
    session.execute(delete(ImportedRecord).where(ImportedRecord.run_id == run.id))
    run.state = RunState.rolled_back
    run.rolled_back_at = utcnow()
    record_event(
        session,
        action="import.rolled_back",
        organisation_id=run.organisation_id,
        actor_user_id=by_user_id,
        object_type="import_run",
        object_id=run.id,
        detail={"kind": run.kind, "deleted": deleted},
    )
    session.flush()
    session.expire_all()
    return deleted


def _created_ids(session: Session, run: ImportRun) -> dict[str, set[int]]:
    ids: dict[str, set[int]] = defaultdict(set)
    query = select(ImportedRecord.entity_type, ImportedRecord.entity_id).where(
        ImportedRecord.run_id == run.id
    )
    for entity_type, entity_id in session.execute(query):
        if entity_type not in TABLES:
            raise Conflict(f"Import run #{run.id} created {entity_type} records: no rollback.")
        ids[entity_type].add(entity_id)
    return ids


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _chunks(ids: set[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), KEY_CHUNK):
        yield ordered[start : start + KEY_CHUNK]


def _created_by(run_id: int, entity_type: str) -> Select[tuple[int]]:
    """The ids of one type the run created, as a subquery: a run of 100,000 rows never
    becomes 100,000 bound parameters."""
    return select(ImportedRecord.entity_id).where(
        ImportedRecord.run_id == run_id, ImportedRecord.entity_type == entity_type
    )


def _inside(table: Table, run_id: int, types: set[str]) -> ColumnElement[bool]:
    """The condition "this referring row is itself part of the run" for ``table``."""
    owned = _PART_OF.get(table.name)
    own_type = next((t for t, name in TABLES.items() if name == table.name), None)
    if owned is not None:
        column, entity_type = owned
        if entity_type not in types:
            return false()
        return table.c[column].in_(_created_by(run_id, entity_type))
    if table.name == "involvements" and "incident" in types:
        acts = _table("acts")
        mine = select(acts.c.id).where(acts.c.incident_id.in_(_created_by(run_id, "incident")))
        return table.c.act_id.in_(mine)
    if own_type is not None and own_type in types:
        return table.c.id.in_(_created_by(run_id, own_type))
    return false()


def _uses(session: Session, run_id: int, ids: dict[str, set[int]]) -> Iterator[str]:
    """One line per record outside the run that refers to something the run created."""
    for entity_type, entity_ids in ids.items():
        target = _table(TABLES[entity_type])
        for table in Base.metadata.sorted_tables:
            if table.name in _DERIVED or table.name == "imported_records":
                continue
            for fk in table.foreign_keys:
                if fk.column.table is not target:
                    continue
                inside = _inside(table, run_id, set(ids))
                yield from _uses_by(session, table, fk.parent, entity_type, entity_ids, inside)
    yield from _later_versions(session, ids.get("playbook", set()))


def _uses_by(
    session: Session,
    table: Table,
    column: ColumnElement[int],
    entity_type: str,
    entity_ids: set[int],
    inside: ColumnElement[bool],
) -> Iterator[str]:
    """Rows of ``table`` outside the run whose ``column`` names one of ``entity_ids``."""
    has_id = "id" in table.c
    for chunk in _chunks(entity_ids):
        columns = [table.c.id, column] if has_id else [column]
        query = select(*columns).where(column.in_(chunk), ~inside).limit(NAMED + 1)
        for row in session.execute(query):
            where = f"{table.name} #{row[0]}" if has_id else table.name
            yield f"{entity_type} #{row[-1]} is used by {where}"


def _later_versions(session: Session, playbook_ids: set[int]) -> Iterator[str]:
    """A playbook version something was built on: a later version of the same code."""
    if not playbook_ids:
        return
    table = _table("playbooks")
    mine = select(table.c.id, table.c.organisation_id, table.c.code, table.c.version).where(
        table.c.id.in_(sorted(playbook_ids))
    )
    for row_id, org_id, code, version in session.execute(mine).all():
        later = session.scalar(
            select(table.c.id).where(
                table.c.organisation_id == org_id,
                table.c.code == code,
                table.c.version > version,
                table.c.id.not_in(sorted(playbook_ids)),
            )
        )
        if later is not None:
            yield f"playbook #{row_id} ({code} v{version}) has a later version #{later}"


def _delete(
    session: Session, run: ImportRun, ids: dict[str, set[int]], by_user_id: int | None
) -> dict[str, int]:
    deleted: dict[str, int] = {}
    for entity_type in ORDER:
        entity_ids = ids.get(entity_type)
        if not entity_ids:
            continue
        table = _table(TABLES[entity_type])
        count = 0
        for chunk in _chunks(entity_ids):
            if entity_type == "incident":
                _audit_incidents(session, run, chunk, by_user_id)
            if entity_type == "playbook":
                _restore_previous_playbooks(session, chunk)
            keys: list[int] = []
            if table.name in SEALED:
                keys = list(
                    session.scalars(select(table.c.data_key_id).where(table.c.id.in_(chunk)))
                )
            count += session.execute(delete(table).where(table.c.id.in_(chunk))).rowcount or 0
            _destroy_keys(session, keys)
        deleted[entity_type] = count
    return deleted


def _audit_incidents(
    session: Session, run: ImportRun, chunk: list[int], by_user_id: int | None
) -> None:
    for incident_id in chunk:
        record_event(
            session,
            action="incident.deleted",
            organisation_id=run.organisation_id,
            actor_user_id=by_user_id,
            object_type="incident",
            object_id=incident_id,
            detail={"reason": "import_rolled_back", "import_run": run.id},
        )


def _restore_previous_playbooks(session: Session, chunk: list[int]) -> None:
    """A deleted current version hands "current" back to the version before it."""
    table = _table("playbooks")
    rows = session.execute(
        select(table.c.organisation_id, table.c.code, table.c.version).where(
            table.c.id.in_(chunk), table.c.is_current.is_(True)
        )
    ).all()
    for org_id, code, version in rows:
        previous = session.scalar(
            select(table.c.id)
            .where(
                table.c.organisation_id == org_id,
                table.c.code == code,
                table.c.version < version,
                table.c.id.not_in(chunk),
            )
            .order_by(table.c.version.desc())
            .limit(1)
        )
        if previous is not None:
            session.execute(update(table).where(table.c.id == previous).values(is_current=True))


def _destroy_keys(session: Session, key_ids: list[int]) -> None:
    """Crypto-shred the data keys of deleted incidents and defenders."""
    if key_ids:
        session.execute(
            update(DataKey)
            .where(DataKey.id.in_(key_ids), DataKey.wrapped.is_not(None))
            .values(wrapped=None, destroyed_at=utcnow())
        )
