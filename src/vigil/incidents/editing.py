"""Editing an incident after it was recorded: its title and dates, its acts (a type of attack,
another defender) and its sources. Every edit leaves a history row (who, when, what, the
values before and after sealed with the incident's key) and an audit entry without values.

A case is documentation other people rely on (alerts, public counts, referrals): nothing is
changed silently, and nothing is lost from the record of what it said before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.access import load_in_org
from vigil.core.audit import record_event
from vigil.core.crypto import Vault, Withheld
from vigil.core.errors import Invalid, NotFound
from vigil.defenders.models import Defender
from vigil.incidents.labels import LABELS
from vigil.incidents.models import (
    Act,
    DatePrecision,
    Incident,
    IncidentEdit,
    Involvement,
    Reliability,
    Source,
)
from vigil.vocabularies.service import get_term

#: Kinds of source an analyst may add (``labels.LABELS`` names them).
SOURCE_KINDS = ("direct_report", "partner_ngo", "media", "court_record", "other")
assert all(kind in LABELS for kind in SOURCE_KINDS)


@dataclass(frozen=True)
class HistoryEntry:
    edited_at: datetime
    edited_by_id: int | None
    fields: list[str]
    #: ``{field: (before, after)}``; empty when the incident's key was destroyed.
    values: dict[str, tuple[str, str]]
    withheld: bool = False


def _load(session: Session, *, org_id: int, incident_id: int) -> Incident:
    return load_in_org(session, Incident, incident_id, org_id=org_id, missing="No such incident.")


def _record(
    session: Session,
    vault: Vault,
    incident: Incident,
    actor_user_id: int | None,
    changes: dict[str, tuple[str, str]],
) -> IncidentEdit:
    """One history row and one audit entry (field names only: values may name people)."""
    edit = IncidentEdit(
        incident_id=incident.id,
        edited_by_id=actor_user_id,
        fields=",".join(changes),
        values_sealed=vault.seal(incident.data_key_id, json.dumps(changes, sort_keys=True)),
    )
    session.add(edit)
    session.flush()
    record_event(
        session,
        action="incident.edited",
        organisation_id=incident.organisation_id,
        actor_user_id=actor_user_id,
        object_type="incident",
        object_id=incident.id,
        detail={"fields": list(changes), "edit": edit.id},
    )
    return edit


def _describe(act: Act) -> str:
    """An act in the history: its type of attack and, if known, the defender's alias."""
    kind = act.attack_type.label("en")
    return f"{kind} · {act.victim.alias}" if act.victim is not None else kind


def _text(value: object) -> str:
    return "" if value is None else value.isoformat() if isinstance(value, date) else str(value)


def edit_incident(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    incident_id: int,
    title: str,
    occurred_on: date | None,
    date_precision: str,
    actor_user_id: int | None,
) -> IncidentEdit | None:
    """Change the title and the date; returns None when nothing changed (no empty history)."""
    incident = _load(session, org_id=org_id, incident_id=incident_id)
    title = title.strip()
    if not title:
        raise Invalid("An incident needs a title.")
    if date_precision not in DatePrecision.__members__:
        raise Invalid(f"Unknown date precision {date_precision!r}.")
    wanted = {"title": title, "occurred_on": occurred_on, "date_precision": date_precision}
    changes = {
        field: (_text(getattr(incident, field)), _text(value))
        for field, value in wanted.items()
        if getattr(incident, field) != value
    }
    if not changes:
        return None
    for field, value in wanted.items():
        setattr(incident, field, value)
    return _record(session, vault, incident, actor_user_id, changes)


def add_act(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    incident_id: int,
    attack_type: str,
    victim_id: int | None,
    actor_user_id: int | None,
) -> Act:
    """Another act: a type of attack, against a defender of the same organisation (another
    defender of the same incident, or the same one attacked in another way)."""
    incident = _load(session, org_id=org_id, incident_id=incident_id)
    victim = None
    if victim_id is not None:
        victim = load_in_org(
            session, Defender, victim_id, org_id=org_id, missing="No such defender."
        )
    term = get_term(session, vocabulary="attack_type", code=attack_type)
    act = Act(attack_type=term, victim=victim, occurred_on=incident.occurred_on)
    # Who did it is what the incident already says: the new act carries the first known
    # perpetrator (its role left open), as conversion gives each act the report's.
    first = next((a.involvements[0] for a in incident.acts if a.involvements), None)
    if first is not None:
        act.involvements.append(
            Involvement(perpetrator_type_id=first.perpetrator_type_id, role="unspecified")
        )
    incident.acts.append(act)
    session.flush()
    _record(session, vault, incident, actor_user_id, {"act_added": ("", _describe(act))})
    return act


def remove_act(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    incident_id: int,
    act_id: int,
    actor_user_id: int | None,
) -> None:
    """Take out an act recorded by mistake; the last one stays (an incident is about acts)."""
    incident = _load(session, org_id=org_id, incident_id=incident_id)
    act = next((a for a in incident.acts if a.id == act_id), None)
    if act is None:
        raise NotFound("No such act.")
    if len(incident.acts) == 1:
        raise Invalid("An incident keeps at least one act: add the right one first.")
    described = _describe(act)
    incident.acts.remove(act)
    session.flush()
    _record(session, vault, incident, actor_user_id, {"act_removed": (described, "")})


def add_source(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    incident_id: int,
    kind: str,
    reliability: str,
    url: str,
    description: str,
    received_on: date | None,
    actor_user_id: int | None,
) -> Source:
    """Another source (an article, a partner's report, a court record)."""
    incident = _load(session, org_id=org_id, incident_id=incident_id)
    if kind not in SOURCE_KINDS:
        raise Invalid(f"Unknown kind of source {kind!r}.")
    if reliability not in Reliability.__members__:
        raise Invalid(f"Unknown reliability {reliability!r}.")
    url = url.strip()
    if url and not url.startswith(("https://", "http://")):
        raise Invalid("A source's address starts with https:// or http://.")
    if not url and not description.strip():
        raise Invalid("Describe the source or give its address.")
    source = Source(
        kind=kind,
        reliability=reliability,
        url=url or None,
        description=description.strip(),
        received_on=received_on,
    )
    incident.sources.append(source)
    session.flush()
    described = " · ".join(filter(None, [kind, url, description.strip()]))
    _record(session, vault, incident, actor_user_id, {"source_added": ("", described)})
    return source


def incident_history(session: Session, *, vault: Vault, incident: Incident) -> list[HistoryEntry]:
    """The incident's edits, newest first, with the values opened for a staff reader."""
    entries = []
    for edit in session.scalars(
        select(IncidentEdit)
        .where(IncidentEdit.incident_id == incident.id)
        .order_by(IncidentEdit.edited_at.desc(), IncidentEdit.id.desc())
    ):
        try:
            values = json.loads(vault.open(incident.data_key_id, edit.values_sealed) or "{}")
            withheld = False
        except Withheld:
            values, withheld = {}, True
        entries.append(
            HistoryEntry(
                edited_at=edit.edited_at,
                edited_by_id=edit.edited_by_id,
                fields=edit.fields.split(","),
                values={k: (v[0], v[1]) for k, v in values.items()},
                withheld=withheld,
            )
        )
    return entries
