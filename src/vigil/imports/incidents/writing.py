"""Writing one draft through the defenders and incidents services.

Nothing is inserted behind the services' backs: the victim goes through
``defenders.service.record_defender`` (name sealed with the defender's own key, the blind
index and name tokens filled), the incident through ``incidents.service.record_incident``
(summary and place sealed, audited as recorded). No alert is ever launched: recording an
incident launches nothing; alerts start only when a person launches one from a case.

Status: an imported record is ``received`` unless the mapping says ``verified`` (see
docs/imports/README.md): the organisation has not checked it in Vigil yet, and "verified"
would put it in the public register's counts.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.crypto import Vault
from vigil.core.places import country_name
from vigil.defenders.aliases import words_for
from vigil.defenders.models import Defender
from vigil.defenders.service import record_defender
from vigil.imports.incidents.rows import COMPANY_PERPETRATORS, Draft
from vigil.imports.models import ImportRun
from vigil.imports.runs import record_created
from vigil.incidents.models import Incident
from vigil.incidents.schemas import ActCreate, IncidentCreate, InvolvementCreate, SourceCreate
from vigil.incidents.service import record_incident
from vigil.vocabularies.service import get_term


@dataclass
class AliasPool:
    """Pseudonyms for victims the file names without an alias, drawn like
    ``defenders.aliases.generate_alias`` but reading the organisation's aliases once per run
    rather than once per victim (thousands of rows would read them thousands of times)."""

    language: str
    taken: set[str] = field(default_factory=set)
    loaded: bool = False

    def draw(self, session: Session, *, org_id: int) -> str:
        if not self.loaded:
            query = select(Defender.alias).where(Defender.organisation_id == org_id)
            self.taken.update(session.scalars(query))
            self.loaded = True
        words = words_for(self.language)
        free = [word for word in words if word not in self.taken]
        if free:
            alias = secrets.choice(free)
        else:
            word, number = secrets.choice(words), 2
            while f"{word} {number}" in self.taken:
                number += 1
            alias = f"{word} {number}"
        self.taken.add(alias)
        return alias


@dataclass
class DraftWriter:
    """Records drafts for one run of one organisation."""

    org_id: int
    run: ImportRun
    file_name: str
    status: str
    source_kind: str
    actor_user_id: int | None
    aliases: AliasPool
    _labels: dict[str, str] = field(default_factory=dict)

    def write(self, session: Session, vault: Vault, draft: Draft) -> Incident:
        victim_id = self._victim(session, vault, draft)
        incident = record_incident(
            session,
            vault=vault,
            org_id=self.org_id,
            actor_user_id=self.actor_user_id,
            data=IncidentCreate(
                title=draft.title or self._title(session, draft),
                summary=_summary(draft),
                occurred_on=draft.occurred_on,
                date_precision=draft.precision,
                country=draft.country,
                region=draft.region,
                place=draft.place,
                status=self.status,
                sector=draft.sector,
                acts=[
                    ActCreate(
                        attack_type=code, victim_id=victim_id, involvements=_involvements(draft)
                    )
                    for code in draft.attack_types
                ],
                sources=[self._source(draft)],
            ),
        )
        record_created(
            session,
            run=self.run,
            entity_type="incident",
            entity_id=incident.id,
            line=draft.line,
            source_key=draft.key,
        )
        return incident

    def _victim(self, session: Session, vault: Vault, draft: Draft) -> int | None:
        victim = draft.victim
        if victim is None:
            return None
        defender = record_defender(
            session,
            vault=vault,
            org_id=self.org_id,
            alias=victim.alias or self.aliases.draw(session, org_id=self.org_id),
            name=victim.name,
            type_codes=victim.types,
            identity_codes=victim.genders,
        )
        record_created(
            session,
            run=self.run,
            entity_type="defender",
            entity_id=defender.id,
            line=draft.line,
            source_key=draft.key,
        )
        return defender.id

    def _source(self, draft: Draft) -> SourceCreate:
        said = f"Imported from {self.file_name}, line {draft.line} (import run #{self.run.id})"
        if draft.source_name:
            said += f"; source: {draft.source_name}"
        return SourceCreate(kind=self.source_kind, url=draft.source_url, description=said + ".")

    def _title(self, session: Session, draft: Draft) -> str:
        """ "Killing, Colombia, 2019-03": the first attack type, the country, the date as
        precise as the source was. Never a name: titles are not sealed."""
        code = draft.attack_types[0]
        if code not in self._labels:
            self._labels[code] = get_term(session, vocabulary="attack_type", code=code).label_en
        parts = [self._labels[code], country_name(draft.country)]
        if draft.occurred_on is not None:
            shown = {"year": "%Y", "month": "%Y-%m"}.get(draft.precision, "%Y-%m-%d")
            parts.append(draft.occurred_on.strftime(shown))
        return ", ".join(parts)


def _summary(draft: Draft) -> str:
    """The file's free text, sealed; the victim's age joins it, since a defender record has
    no age of its own and the source's fact must not be lost."""
    summary = draft.summary
    if draft.victim is not None and draft.victim.age is not None:
        summary = f"{summary}\n\nAge of the victim (source): {draft.victim.age}".strip()
    return summary


def _involvements(draft: Draft) -> list[InvolvementCreate]:
    """One involvement per perpetrator type; a mapped company is named on those acting for a
    company (staff, private security, contractors), else on an involvement of its own with
    the role "linked" (tied to the events, no part alleged: BHRRC's distinction)."""
    involvements = [
        InvolvementCreate(
            perpetrator_type=code,
            company_id=draft.company_id if code in COMPANY_PERPETRATORS else None,
        )
        for code in draft.perpetrators
    ]
    if draft.company_id is not None and not any(i.company_id for i in involvements):
        involvements.append(
            InvolvementCreate(
                perpetrator_type="unknown", role="linked", company_id=draft.company_id
            )
        )
    return involvements
