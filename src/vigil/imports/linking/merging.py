"""An analyst's decision on a proposed link: confirm (merge) or reject.

Confirming makes the pair ONE incident with several sources. Before anything moves, each
source is given what *its* incident said — date, region, type of attack — unless it already
says it (``Source.reported_*``), so merging never loses a source's own account: the kept
incident's page shows where they disagree (``disagreements``). The absorbed incident's
sources move to the kept one, and so do its acts against people the kept incident does not
already name (the matched victim's act is the same act, told twice). The absorbed incident
stays, marked a duplicate of the kept one, as ``casework.service.mark_duplicate`` does: its
history, notes and audit trail are never deleted. Both incidents get a history row and an
audit entry; the link records who decided and when.
"""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from vigil.access import Actor, load_in_org
from vigil.access.roles import may_write
from vigil.casework.service import touch_case
from vigil.core.audit import record_event
from vigil.core.crypto import Vault
from vigil.core.db import utcnow
from vigil.core.errors import Conflict, Forbidden, Invalid
from vigil.imports.linking.models import LinkState, ProposedLink
from vigil.incidents.models import Incident, IncidentEdit, IncidentStatus, Source


def load_link(session: Session, *, org_id: int, link_id: int) -> ProposedLink:
    """A link of the organisation; another organisation's is "not found" (no oracle)."""
    return load_in_org(session, ProposedLink, link_id, org_id=org_id, missing="No such proposal.")


def _open_link(session: Session, actor: Actor, link_id: int) -> ProposedLink:
    if not may_write(actor):
        raise Forbidden("Only analysts and coordinators decide on proposed links.")
    link = load_link(session, org_id=actor.org_id, link_id=link_id)
    if link.state != LinkState.proposed:
        raise Conflict("This proposal was already decided.")
    return link


def _decide(link: ProposedLink, actor: Actor, state: LinkState) -> None:
    link.state = state
    link.reviewer_id = actor.user_id
    link.reviewed_at = utcnow()


def reject_link(session: Session, *, actor: Actor, link_id: int) -> ProposedLink:
    """Not the same event: the pair is never proposed again."""
    link = _open_link(session, actor, link_id)
    _decide(link, actor, LinkState.rejected)
    session.flush()
    record_event(
        session,
        action="incidents.link_rejected",
        organisation_id=actor.org_id,
        actor_user_id=actor.user_id,
        object_type="proposed_link",
        object_id=link.id,
        detail={"incidents": [link.left_incident_id, link.right_incident_id]},
    )
    return link


def keep_own_account(source: Source, incident: Incident) -> None:
    """Give a source what its incident said, unless it already says something itself."""
    if source.reported_on or source.reported_region or source.reported_attack_type:
        return
    source.reported_on = incident.occurred_on
    source.reported_region = incident.region
    source.reported_attack_type = incident.acts[0].attack_type.code if incident.acts else None


def confirm_link(
    session: Session, *, vault: Vault, actor: Actor, link_id: int, keep_id: int | None = None
) -> Incident:
    """Merge the pair into the incident ``keep_id`` (by default the one recorded first) and
    return it."""
    link = _open_link(session, actor, link_id)
    pair = {link.left_incident_id: link.left, link.right_incident_id: link.right}
    keep_id = keep_id or link.left_incident_id
    if keep_id not in pair:
        raise Invalid("Keep one of the two incidents of the proposal.")
    kept = pair.pop(keep_id)
    absorbed = next(iter(pair.values()))
    if kept.duplicate_of_id is not None or absorbed.duplicate_of_id is not None:
        raise Conflict("One of these incidents was already merged into another.")
    matched = {link.left_victim_id, link.right_victim_id} - {None}
    if not absorbed.sources:  # its own account must survive as a source of the kept one
        absorbed.sources.append(Source(kind="other", description=absorbed.title))
    for incident in (kept, absorbed):
        for source in incident.sources:
            keep_own_account(source, incident)
    moved_sources = list(absorbed.sources)
    for source in moved_sources:
        source.incident = kept
    named = {act.victim_id for act in kept.acts if act.victim_id is not None} | matched
    moved_acts = [a for a in absorbed.acts if a.victim_id is not None and a.victim_id not in named]
    for act in moved_acts:
        act.incident = kept
    previous = absorbed.status
    absorbed.status, absorbed.duplicate_of_id = IncidentStatus.duplicate, kept.id
    _decide(link, actor, LinkState.confirmed)
    link.kept_incident_id = kept.id
    session.flush()
    told = f"incident #{absorbed.id}: {len(moved_sources)} source(s), {len(moved_acts)} act(s)"
    _history(session, vault, kept, actor, {"sources_merged": ("", told)})
    _history(session, vault, absorbed, actor, {"merged_into": ("", f"incident #{kept.id}")})
    touch_case(
        session,
        absorbed,
        "incident.merged",
        actor.user_id,
        into=kept.id,
        link=link.id,
        **{"from": previous},
    )
    touch_case(
        session, kept, "incident.merged_from", actor.user_id, duplicate=absorbed.id, link=link.id
    )
    return kept


def _history(
    session: Session, vault: Vault, incident: Incident, actor: Actor, changes: dict
) -> None:
    """A history row like every edit's (``incidents.editing``): values sealed with the
    incident's key."""
    session.add(
        IncidentEdit(
            incident_id=incident.id,
            edited_by_id=actor.user_id,
            fields=",".join(changes),
            values_sealed=vault.seal(incident.data_key_id, json.dumps(changes, sort_keys=True)),
        )
    )
    session.flush()
