"""The register batch: the one writer of the public register (``public_incidents``).

It walks the incidents that could appear (verified or later, verified before the publication
delay) in chunks of :data:`CHUNK`, by id, so a million incidents never sit in memory at once;
each goes through :func:`vigil.public.deidentify.deidentify`, and its row is inserted,
updated, or deleted when the rules now refuse it (a consent withdrawn, a victim who chose
record only or was forgotten). Rows of incidents that are no longer candidates at all
(status changed, incident deleted) are deleted first, in one statement.

A row keeps its random ``code`` for as long as it exists, so links to it stay valid; once
deleted and published again it gets a new one (nothing ties the two together). The worker
runs the batch every ``VIGIL_REGISTER_REFRESH_MINUTES`` so a withdrawal takes effect within
minutes, and with the daily counts. Audited as ``public.register_refreshed`` with counts only.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.orm import Session, selectinload

from vigil.core.audit import record_event
from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.defenders.models import Defender
from vigil.incidents.identifying import find_identifying, identifying_details
from vigil.incidents.models import PUBLIC_STATUSES, Act, Incident, Involvement
from vigil.public.csv_lines import write_csv_parts
from vigil.public.deidentify import PublicRecord, Refusal, deidentify, preload_consents
from vigil.public.register_models import PublicIncident, PublicIncidentLabel, PublicResponse
from vigil.responses.publishing import register_view

CHUNK = 500
#: No 0/O or 1/I/L: a code read aloud or copied by hand stays right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
#: The columns a record sets (``code``, ``published_at`` and responses are the batch's own).
FIELDS = (
    "organisation_id",
    "title",
    "country",
    "region",
    "place",
    "year",
    "month",
    "occurred_on",
    "sort_date",
    "sector",
    "summary",
    "search_text",
    "detail",
    "attack_types",
    "defender_types",
    "genders",
    "companies",
)


@dataclass
class RefreshResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    #: Why candidates stayed out (reason -> count): for the audit log and staff.
    refused: Counter[str] = field(default_factory=Counter)


def _candidates(cutoff: datetime) -> Any:
    return select(Incident.id).where(
        Incident.status.in_([str(s) for s in PUBLIC_STATUSES]),
        Incident.verified_at.is_not(None),
        Incident.verified_at <= cutoff,
    )


def _delete_rows(session: Session, condition: ColumnElement[bool]) -> int:
    """Delete register rows (and their labels and responses) matching ``condition``,
    explicitly rather than through ON DELETE, which SQLite may not enforce."""
    ids = select(PublicIncident.id).where(condition)
    session.execute(
        delete(PublicIncidentLabel).where(PublicIncidentLabel.public_incident_id.in_(ids))
    )
    session.execute(delete(PublicResponse).where(PublicResponse.public_incident_id.in_(ids)))
    result = session.execute(delete(PublicIncident).where(condition))
    return int(getattr(result, "rowcount", 0) or 0)


def _new_code(session: Session, taken: set[str]) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if (
            code not in taken
            and session.scalar(select(PublicIncident.id).where(PublicIncident.code == code)) is None
        ):
            taken.add(code)
            return code


def _load_chunk(session: Session, ids: list[int]) -> list[Incident]:
    acts = selectinload(Incident.acts)
    return list(
        session.scalars(
            select(Incident)
            .where(Incident.id.in_(ids))
            .order_by(Incident.id)
            .options(
                selectinload(Incident.sector),
                acts.selectinload(Act.attack_type),
                acts.selectinload(Act.victim).selectinload(Defender.types),
                acts.selectinload(Act.victim).selectinload(Defender.identities),
                acts.selectinload(Act.involvements).selectinload(Involvement.company),
            )
        )
    )


def _apply(row: PublicIncident, record: PublicRecord, now: datetime) -> bool:
    """Copy ``record`` into ``row``; whether anything changed."""
    values = {name: getattr(record, name) for name in FIELDS}
    values["search_text"] = f"{record.search_text} {row.code.lower()}".strip()
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    wanted = sorted(set(record.labels))
    if sorted((label.kind, label.code) for label in row.labels) != wanted:
        row.labels = [PublicIncidentLabel(kind=kind, code=code) for kind, code in wanted]
        changed.append("labels")
    if changed:
        row.updated_at = now
    return bool(changed)


def set_response_data(
    session: Session, *, vault: Vault, rows: list[PublicIncident], now: datetime
) -> None:
    """Write the company right of reply into the register: each row's ``response_status``
    and its :class:`PublicResponse` rows, from ``responses.publishing.register_view``
    (approved answers verbatim, "invited, did not respond" after the deadline). An answer is
    checked again for identifying details here (a victim's name may have been recorded since
    its approval) and left out while it holds one."""
    if not rows:
        return
    view = register_view(session, vault=vault, incident_ids=[r.incident_id for r in rows], now=now)
    current: dict[int, dict[int, PublicResponse]] = {}
    for public in session.scalars(
        select(PublicResponse).where(PublicResponse.public_incident_id.in_([r.id for r in rows]))
    ):
        current.setdefault(public.public_incident_id, {})[public.request_id] = public
    for row in rows:
        entry = view[row.incident_id]
        incident = session.get(Incident, row.incident_id)
        details = identifying_details(session, vault=vault, incident=incident) if incident else None
        wanted = {
            r.request_id: r
            for r in entry.responses
            if details is not None and not find_identifying(r.text, details)
        }
        changed = row.response_status != entry.status
        row.response_status = entry.status
        have = current.get(row.id, {})
        for request_id in set(have) - set(wanted):
            session.delete(have[request_id])
            changed = True
        for request_id, response in wanted.items():
            values = asdict(response)
            public = have.get(request_id)
            if public is None:
                session.add(PublicResponse(public_incident_id=row.id, published_at=now, **values))
                changed = True
            elif any(getattr(public, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(public, key, value)
                changed = True
        if changed:
            row.updated_at = now
    session.flush()


def _refresh_chunk(
    session: Session,
    ids: list[int],
    *,
    vault: Vault,
    delay_days: int,
    now: datetime,
    result: RefreshResult,
    codes: set[str],
) -> None:
    existing = {
        row.incident_id: row
        for row in session.scalars(
            select(PublicIncident)
            .where(PublicIncident.incident_id.in_(ids))
            .options(selectinload(PublicIncident.labels))
        )
    }
    kept: list[PublicIncident] = []
    incidents = _load_chunk(session, ids)
    # Every victim's consent of the chunk in a few queries, not three per victim.
    victims = [act.victim for incident in incidents for act in incident.acts if act.victim]
    consents = preload_consents(session, victims, now=now)
    for incident in incidents:
        record = deidentify(
            session,
            vault=vault,
            incident=incident,
            now=now,
            delay_days=delay_days,
            consents=consents,
        )
        row = existing.get(incident.id)
        if isinstance(record, Refusal):
            result.refused[record.reason.value] += 1
            if row is not None:
                session.delete(row)
                result.removed += 1
            continue
        if row is None:
            row = PublicIncident(
                incident_id=incident.id, code=_new_code(session, codes), published_at=now
            )
            row.labels = []
            session.add(row)
            _apply(row, record, now)
            result.added += 1
        elif _apply(row, record, now):
            result.updated += 1
        else:
            result.unchanged += 1
        kept.append(row)
    session.flush()
    set_response_data(session, vault=vault, rows=kept, now=now)
    write_csv_parts(kept)


def refresh_register(
    session: Session,
    *,
    vault: Vault,
    settings: Settings,
    now: datetime,
    after_chunk: Callable[[], None] | None = None,
) -> RefreshResult:
    """Bring the public register in line with the incidents and consents as they are at
    ``now`` (audited; the caller commits). The worker passes ``after_chunk=session.commit``:
    each chunk is then a short transaction of its own, because on SQLite a write
    transaction locks the whole file and a refresh of a large register must not keep a
    defender's report waiting (a refresh cut short is finished by the next one)."""
    delay_days = settings.publication_delay_days
    candidates = _candidates(now - timedelta(days=delay_days))
    result = RefreshResult()
    result.removed += _delete_rows(session, PublicIncident.incident_id.not_in(candidates))
    if after_chunk is not None:
        after_chunk()
    codes: set[str] = set()
    last_id = 0
    while True:
        ids = list(
            session.scalars(
                candidates.where(Incident.id > last_id).order_by(Incident.id).limit(CHUNK)
            )
        )
        if not ids:
            break
        _refresh_chunk(
            session, ids, vault=vault, delay_days=delay_days, now=now, result=result, codes=codes
        )
        if after_chunk is not None:
            after_chunk()
        last_id = ids[-1]
    record_event(
        session,
        action="public.register_refreshed",
        object_type="public_register",
        detail={
            "added": result.added,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "removed": result.removed,
            "refused": dict(sorted(result.refused.items())),
        },
    )
    return result
