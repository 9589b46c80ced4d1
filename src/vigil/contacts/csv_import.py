"""Import the recipient directory from a spreadsheet saved as CSV (UTF-8, a header row).

Columns (any order, any case; only ``name``, ``role`` and one of ``email`` / ``webhook_url``
are needed): name, role, title, kind, organisation, company (a registry company's key or
id), country, language, email, webhook_url, groups (group names separated by ";", created
when missing), notes. Spreadsheets that save with ";" or tabs between columns (common in
French, Spanish and Portuguese settings) are recognised from the header.

A row with an e-mail address already in the organisation's directory *updates* that contact
(a row without one: the contact of the same name and webhook address), so importing the same
file twice changes nothing. On an update, a column the file does not
have leaves the field as it is; an empty cell clears it. Groups are only ever added.

Every row is checked by the same rules as the staff form (``directory.clean_contact``). A
bad row is reported with its line number (the header is line 1) and the reason, and the
good rows are imported; with ``strict`` nothing is imported when any row is bad.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field, fields

from sqlalchemy.orm import Session

from vigil.contacts.groups import add_member, create_group, find_group
from vigil.contacts.service import (
    ContactInput,
    contact_input,
    create_contact,
    find_by_email,
    find_by_webhook,
    resolve_company,
    update_contact,
)
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.core.i18n import gettext

#: CSV column → ContactInput field.
COLUMNS = {
    "name": "name",
    "role": "role",
    "title": "title",
    "kind": "kind",
    "organisation": "organisation_name",
    "company": "company_id",
    "country": "country",
    "language": "language",
    "email": "email",
    "webhook_url": "webhook_url",
    "groups": None,
    "notes": "notes",
}
ALIASES = {"organization": "organisation", "webhook": "webhook_url", "e-mail": "email"}
MAX_ROWS = 20_000
MAX_BYTES = 5 * 1024 * 1024
#: ``on_created("contact", contact_id, line, key)``: told of each contact a file *created*
#: (not those it updated), so an import run can record it and roll it back.
OnCreated = Callable[[str, int, int, str], None]


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    #: False when ``strict`` refused the whole file because of bad rows.
    imported: bool = True

    def summary(self) -> str:
        if not self.imported:
            return f"{_rows(len(self.errors))} with errors: nothing imported (strict)."
        text = f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        return text + (f"; {_rows(len(self.errors))} with errors." if self.errors else ".")


def _rows(count: int) -> str:
    return f"{count} row{'' if count == 1 else 's'}"


def decode_csv(raw: bytes) -> str:
    """The text of an uploaded or read file: UTF-8 (a spreadsheet's byte-order mark is fine)."""
    if len(raw) > MAX_BYTES:
        message = gettext("The file is too large (at most %(mb)d MB).")
        raise Invalid(message % {"mb": MAX_BYTES // (1024 * 1024)})
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        message = gettext("The file is not UTF-8 text (byte %(byte)d): save it as CSV UTF-8.")
        raise Invalid(message % {"byte": error.start + 1}) from None


def _delimiter(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t")}
    return max(counts, key=lambda sep: counts[sep]) if any(counts.values()) else ","


def _header(cells: list[str]) -> list[str]:
    names = []
    for cell in cells:
        name = cell.strip().lower().replace(" ", "_")
        name = ALIASES.get(name, name)
        if name not in COLUMNS:
            message = gettext("Unknown column %(name)s (columns: %(names)s).")
            raise Invalid(message % {"name": repr(cell.strip()), "names": ", ".join(COLUMNS)})
        if name in names:
            raise Invalid(gettext("The column %(name)s appears twice.") % {"name": repr(name)})
        names.append(name)
    if "name" not in names or "role" not in names:
        raise Invalid(gettext("The header must have at least the columns name and role."))
    if "email" not in names and "webhook_url" not in names:
        raise Invalid(gettext("The header must have an email or a webhook_url column."))
    return names


def _malformed(line: int, error: csv.Error) -> str:
    message = gettext("Line %(line)d: the CSV is malformed (%(reason)s).")
    return message % {"line": line, "reason": error}


def _groups(cell: str) -> list[str]:
    return [" ".join(part.split()) for part in cell.split(";") if part.strip()]


def import_contacts_csv(
    session: Session,
    vault: Vault,
    *,
    org_id: int,
    text: str,
    strict: bool = False,
    actor_user_id: int | None = None,
    on_created: OnCreated | None = None,
) -> ImportResult:
    """Import ``text`` (a whole CSV file) into the organisation's directory. A malformed
    header raises ``Invalid`` (nothing imported); bad rows are collected in the result.
    ``on_created`` is told of the contacts created, once the file is taken (never for a file
    ``strict`` refused)."""
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise Invalid(_malformed(1, error)) from None
    if header is None or not any(cell.strip() for cell in header):
        raise Invalid(
            gettext("The file is empty: it needs a header row, then one row per contact.")
        )
    columns = _header(header)
    result, rows = ImportResult(), 0
    seen: dict[str, int] = {}  # e-mail address → line where it was imported
    created: list[tuple[int, int, str]] = []  # (contact id, line, key)
    outer = session.begin_nested()
    try:
        line = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows += 1
                if rows > MAX_ROWS:
                    message = gettext("The file has more than %(rows)d rows: split it.")
                    raise Invalid(message % {"rows": MAX_ROWS})
                row = _import_row(vault, org_id, columns, cells, line, seen, result, actor_user_id)
                if row is not None:
                    created.append(row)
            line = reader.line_num + 1
    except csv.Error as error:
        outer.rollback()
        raise Invalid(_malformed(line, error)) from None
    except BaseException:
        outer.rollback()
        raise
    if strict and result.errors:
        outer.rollback()
        return ImportResult(errors=result.errors, imported=False)
    outer.commit()
    for contact_id, line, key in created if on_created is not None else ():
        on_created("contact", contact_id, line, key)
    record_event(
        session,
        action="contacts.imported",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="contact_import",
        detail={
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "errors": len(result.errors),
        },
    )
    return result


def _import_row(
    vault: Vault,
    org_id: int,
    columns: list[str],
    cells: list[str],
    line: int,
    seen: dict[str, int],
    result: ImportResult,
    actor_user_id: int | None,
) -> tuple[int, int, str] | None:
    """Take one row; (contact id, line, key) when it created a contact."""
    if len(cells) > len(columns):
        message = gettext("%(cells)d cells for %(columns)d columns.")
        result.errors.append(
            RowError(line, message % {"cells": len(cells), "columns": len(columns)})
        )
        return None
    row = dict(zip(columns, cells, strict=False))  # missing trailing cells are empty
    row.update((name, "") for name in columns[len(cells) :])
    email = row.get("email", "").strip().lower()
    if email and email in seen:
        message = gettext("The same e-mail address is on line %(line)d.")
        result.errors.append(RowError(line, message % {"line": seen[email]}))
        return None
    try:
        with vault.session.begin_nested():
            outcome, contact_id = _write_row(vault, org_id, row, actor_user_id)
    except (Invalid, Conflict, NotFound) as error:
        result.errors.append(RowError(line, str(error)))
        return None
    if email:
        seen[email] = line
    setattr(result, outcome, getattr(result, outcome) + 1)
    if outcome != "created":
        return None
    basis = email or f"{row.get('webhook_url', '').strip()}|{row.get('name', '').strip()}"
    return contact_id, line, email or hashlib.sha256(basis.encode()).hexdigest()[:32]


def _write_row(
    vault: Vault, org_id: int, row: dict[str, str], actor: int | None
) -> tuple[str, int]:
    """Create or update one contact and its groups (in ``vault``'s session, which seals the
    webhook secrets); returns "created", "updated" or "unchanged", and the contact's id."""
    session = vault.session
    existing = None
    if row.get("email", "").strip():
        existing = find_by_email(session, org_id=org_id, email=row["email"].strip())
    elif row.get("webhook_url", "").strip():
        existing = find_by_webhook(
            session, org_id=org_id, url=row["webhook_url"].strip(), name=row.get("name", "")
        )
    data = contact_input(existing) if existing is not None else ContactInput()
    names = {f.name for f in fields(ContactInput)}
    for column, target in COLUMNS.items():
        if column not in row or target is None:
            continue
        if target == "company_id":
            data.company_id = resolve_company(session, row[column])
        elif target in names:
            setattr(data, target, row[column])
    if existing is None:
        contact = create_contact(session, vault, org_id=org_id, data=data, actor_user_id=actor)
        outcome = "created"
    else:
        contact = existing
        changed = update_contact(
            session, vault, org_id=org_id, contact_id=existing.id, data=data, actor_user_id=actor
        )
        outcome = "updated" if changed else "unchanged"
    for name in _groups(row.get("groups", "")):
        group = find_group(session, org_id=org_id, name=name)
        if group is None:
            group = create_group(session, org_id=org_id, name=name, actor_user_id=actor)
        added = add_member(
            session, org_id=org_id, group_id=group.id, contact_id=contact.id, actor_user_id=actor
        )
        if added and outcome == "unchanged":
            outcome = "updated"
    return outcome, contact.id
