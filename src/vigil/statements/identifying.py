"""The automatic identifying check of collective statements and dialogue reports, the same
one a company's published answer passes (:func:`vigil.incidents.identifying.find_identifying`).

Scope, and why: a statement or a report is tied to no incident, so the people it could
expose are the victims the publishing organisation itself knows of. A statement with a
country is checked against the victims and exact places of the organisation's incidents in
that country; a statement without one, and every dialogue report (a space has a free-text
region, no country), against all of the organisation's incidents. Another organisation's
cases are never read (tenancy), and a forgotten victim's name is gone with their key.

What is looked for: a victim's name (its words of three letters or more), their contact
details, an incident's exact place as written, and any phone number or e-mail address. The
internal incident titles are left out on purpose: they hold the region and the company a
public statement is expected to name, and would refuse every statement about a situation.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.crypto import Vault, Withheld
from vigil.core.errors import Conflict
from vigil.core.i18n import N_
from vigil.defenders.models import Defender, DefenderKind
from vigil.incidents.identifying import Finding, IdentifyingDetails, find_identifying
from vigil.incidents.models import Act, Incident

IDENTIFYING_ERROR = N_(
    "This text cannot be published: it holds details that could identify a defender. "
    "Remove them and try again."
)


class NamesAVictim(Conflict):
    """The text names, locates or gives the contact of someone: it cannot be published.
    ``findings`` are shown to the staff member who must remove them (never logged)."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__(IDENTIFYING_ERROR)


def _open(vault: Vault, key_id: int | None, sealed: bytes | None) -> str:
    try:
        return (vault.open(key_id, sealed) or "").strip()
    except Withheld:
        return ""


def organisation_details(
    session: Session, *, vault: Vault, org_id: int, country: str | None
) -> IdentifyingDetails:
    """The victims' names and contacts and the exact places of the organisation's incidents
    (in ``country`` when one is given), decrypted for one check only."""
    in_scope = [Incident.organisation_id == org_id]
    if country:
        in_scope.append(Incident.country == country)
    victims = session.execute(
        select(Defender.data_key_id, Defender.name_sealed, Defender.contact_sealed, Defender.kind)
        .join(Act, Act.victim_id == Defender.id)
        .join(Incident, Incident.id == Act.incident_id)
        .where(*in_scope, Defender.organisation_id == org_id)
        .distinct()
    ).all()
    places = session.execute(
        select(Incident.data_key_id, Incident.place_sealed).where(
            *in_scope, Incident.place_sealed.is_not(None)
        )
    ).all()
    # A person's name word by word; a collective's ("Cauca community committee") as written,
    # since its words are everyday words of any statement.
    names = {_open(vault, k, name) for k, name, _, kind in victims if kind == DefenderKind.person}
    groups = {_open(vault, k, name) for k, name, _, kind in victims if kind != DefenderKind.person}
    contacts = {_open(vault, key, contact) for key, _, contact, _ in victims} | groups
    exact_places = {p for p in (_open(vault, k, s) for k, s in places) if p}
    # A place is looked for as written (a phrase), not word by word: across all of an
    # organisation's incidents, single words of places ("community", "river") are everyday
    # words of a statement about security.
    return IdentifyingDetails(
        names=tuple(sorted(n for n in names if n)),
        contacts=tuple(sorted({c for c in contacts if c} | exact_places)),
    )


def refuse_identifying(
    session: Session, *, vault: Vault, org_id: int, country: str | None, texts: Iterable[str]
) -> None:
    """``NamesAVictim`` when any of ``texts`` holds an identifying detail in scope."""
    details = organisation_details(session, vault=vault, org_id=org_id, country=country)
    findings = [finding for text in texts if text for finding in find_identifying(text, details)]
    if findings:
        raise NamesAVictim(list(dict.fromkeys(findings)))
