"""The de-identification rules of the public register, in one place: an incident becomes a
public record, or a refusal that says why (for staff; the public learns nothing of it).

An incident may appear only when all of these hold at the batch's ``now``:

- its status is verified or later and it was verified at least the publication delay ago
  (``VIGIL_PUBLICATION_DELAY_DAYS``, the same delay as the public counts);
- it has at least one linked victim, none of them refused (record only, ``store``
  withdrawn, forgotten: :func:`~vigil.defenders.consent.sharing_consent`), and *every* victim
  granted ``publish_alias`` themselves (a reporter's word allows nothing). With several
  victims the most restrictive choice wins, for appearing at all and for each detail below.

What it shows:

- each victim by name only with their own ``publish_name`` grant, otherwise by alias;
- the exact place only if every victim granted ``publish_place``; otherwise the region,
  generalised to its top-level subdivision (a department, not a district that may hold a
  few villages), as an ISO 3166-2 code;
- the day only if every victim granted ``publish_date`` and the day is known; otherwise the
  month if known, else the year;
- the public summary only once a second staff member reviewed it *and* it still holds no
  identifying detail (:func:`~vigil.incidents.identifying.find_identifying`); otherwise none,
  and the reason is kept for staff (``summary_withheld``);
- companies as registered (public registry data), types of attack, the victims' defender
  types and genders, the sector. Never the internal title, the internal summary, a contact,
  a source, or anything sealed but the reviewed public summary and the consented place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.core.crypto import Vault, Withheld
from vigil.core.db import utcnow
from vigil.core.places import country_name, region_name, region_of, top_level_region
from vigil.defenders.consent import (
    _allows,  # the one reading of an entry as permission: never a copy of it
    current_consent,
    sharing_consent,
)
from vigil.defenders.consent_ledger import (
    DEFAULT_CONSENT,
    STRATEGY,
    ConsentEntry,
    ConsentScope,
    Strategy,
)
from vigil.defenders.models import Defender
from vigil.incidents.identifying import WORD, find_identifying, fold, identifying_details
from vigil.incidents.models import PUBLIC_STATUSES, DatePrecision, Incident
from vigil.public.register_models import LabelKind, joined
from vigil.vocabularies.models import VocabularyTerm

#: The languages of the public site: the search box finds a label in any of them.
LANGUAGES = ("en", "es", "fr", "pt")


class Reason(StrEnum):
    """Why an incident is not in the register (shown to staff only)."""

    not_verified = "not_verified"  # status before verification, rejected, duplicate
    delay_not_passed = "delay_not_passed"
    no_victim = "no_victim"
    victim_refused = "victim_refused"  # record only, store withdrawn, forgotten
    alias_not_granted = "alias_not_granted"  # a victim has no own publish_alias grant
    date_unknown = "date_unknown"
    withheld = "withheld"  # the incident's key was destroyed


class SummaryWithheld(StrEnum):
    missing = "missing"
    unreviewed = "unreviewed"
    identifying = "identifying"


@dataclass(frozen=True)
class Refusal:
    reason: Reason


@dataclass(frozen=True)
class PublicRecord:
    """Exactly what the register row will hold (``register_batch`` copies it field by field)."""

    incident_id: int
    organisation_id: int
    title: str
    country: str
    region: str
    place: str
    year: int
    month: int | None
    occurred_on: date | None
    sort_date: date
    sector: str
    summary: str
    search_text: str
    detail: dict[str, Any]
    labels: tuple[tuple[str, str], ...]
    #: The many-valued fields joined with ";" (see ``PublicIncident.attack_types``).
    attack_types: str = ""
    defender_types: str = ""
    genders: str = ""
    companies: str = ""
    #: Why no summary is shown ("" when it is), for staff.
    summary_withheld: str = ""


@dataclass(frozen=True)
class _Dates:
    year: int
    month: int | None
    occurred_on: date | None
    sort_date: date


def victims_of(incident: Incident) -> list[Defender]:
    """The incident's linked victims, each once, in the order of its acts."""
    seen: dict[int, Defender] = {}
    for act in incident.acts:
        if act.victim is not None:
            seen.setdefault(act.victim.id, act.victim)
    return list(seen.values())


def _dates(incident: Incident, *, day_allowed: bool) -> _Dates | None:
    when = incident.occurred_on
    if when is None:
        return None
    if day_allowed and incident.date_precision == DatePrecision.day:
        return _Dates(when.year, when.month, when, when)
    if incident.date_precision in (DatePrecision.day, DatePrecision.month):
        return _Dates(when.year, when.month, None, date(when.year, when.month, 1))
    return _Dates(when.year, None, None, date(when.year, 1, 1))


def _shown_name(vault: Vault, victim: Defender, *, name_allowed: bool) -> tuple[str, bool]:
    """(what the register calls the victim, whether it is their name)."""
    if name_allowed and victim.forgotten_at is None:
        try:
            name = (vault.open(victim.data_key_id, victim.name_sealed) or "").strip()
        except Withheld:
            name = ""
        if name:
            return name, True
    return victim.alias, False


def _summary(
    session: Session, vault: Vault, incident: Incident
) -> tuple[str, SummaryWithheld | None]:
    """The reviewed public summary, or "" and why not. Raises Withheld without a key."""
    text = (vault.open(incident.data_key_id, incident.public_summary_sealed) or "").strip()
    if not text:
        return "", SummaryWithheld.missing
    reviewer = incident.public_summary_reviewed_by_id
    if incident.public_summary_reviewed_at is None or reviewer is None:
        return "", SummaryWithheld.unreviewed
    if reviewer == incident.public_summary_written_by_id:
        return "", SummaryWithheld.unreviewed
    details = identifying_details(session, vault=vault, incident=incident)
    if find_identifying(text, details):
        return "", SummaryWithheld.identifying
    return text, None


def _companies(incident: Incident) -> list[dict[str, Any]]:
    """Each company's part once per (role, certainty), as the registry names it."""
    found: dict[tuple[int, str, str], dict[str, Any]] = {}
    for act in incident.acts:
        for inv in act.involvements:
            if inv.company is None:
                continue
            key = (inv.company.id, inv.role, inv.certainty)
            found.setdefault(
                key,
                {
                    "id": inv.company.id,
                    "name": inv.company.name,
                    "role": inv.role,
                    "certainty": inv.certainty,
                },
            )
    return list(found.values())


def _unique(items: list[VocabularyTerm]) -> list[VocabularyTerm]:
    return list({term.code: term for term in items}.values())


@dataclass(frozen=True)
class VictimConsent:
    """What :func:`deidentify` asks of one victim's ledger: whether they refused outright
    (``sharing_consent(...).refused``) and every scope at ``now`` (``current_consent``)."""

    refused: bool
    scopes: dict[str, bool]


#: Defenders per consent query (well under SQLite's bound parameters).
CONSENT_BATCH = 500


def preload_consents(
    session: Session, victims: Iterable[Defender], *, now: datetime
) -> dict[int, VictimConsent]:
    """The consent of many victims in one query per ``CONSENT_BATCH`` (the register batch
    reads a chunk of incidents at once; asking per victim costs three queries each). Read
    exactly as ``sharing_consent`` and ``current_consent`` read it: the latest entry per
    scope; "store" against the clock (as ``sharing_consent``), the scopes at ``now``."""
    by_id = {victim.id: victim for victim in victims}
    latest: dict[int, dict[str, ConsentEntry]] = {victim_id: {} for victim_id in by_id}
    ids = sorted(by_id)
    for start in range(0, len(ids), CONSENT_BATCH):
        chunk = ids[start : start + CONSENT_BATCH]
        latest_ids = (
            select(func.max(ConsentEntry.id))
            .where(ConsentEntry.defender_id.in_(chunk))
            .group_by(ConsentEntry.defender_id, ConsentEntry.scope)
        )
        for entry in session.scalars(select(ConsentEntry).where(ConsentEntry.id.in_(latest_ids))):
            latest[entry.defender_id][entry.scope] = entry
    clock = utcnow()
    found = {}
    for victim_id, entries in latest.items():
        strategy = entries.get(STRATEGY)
        refused = (
            by_id[victim_id].forgotten_at is not None
            or not _allows(ConsentScope.store, entries.get(ConsentScope.store), clock)
            or (strategy is not None and strategy.decision == Strategy.record_only)
        )
        scopes = {scope: _allows(scope, entries.get(scope), now) for scope in DEFAULT_CONSENT}
        found[victim_id] = VictimConsent(refused=refused, scopes=scopes)
    return found


def _consent_of(
    session: Session, victim: Defender, now: datetime, preloaded: Mapping[int, VictimConsent]
) -> VictimConsent:
    if victim.id in preloaded:
        return preloaded[victim.id]
    if sharing_consent(session, defender=victim).refused:
        return VictimConsent(refused=True, scopes={})
    return VictimConsent(False, current_consent(session, defender_id=victim.id, at=now))


def _check_victims(
    session: Session,
    victims: list[Defender],
    now: datetime,
    preloaded: Mapping[int, VictimConsent],
) -> Refusal | list[dict[str, bool]]:
    """Each victim's publication scopes, or the refusal the most restrictive one imposes."""
    if not victims:
        return Refusal(Reason.no_victim)
    scopes = []
    for victim in victims:
        consent = _consent_of(session, victim, now, preloaded)
        if consent.refused:
            return Refusal(Reason.victim_refused)
        if not consent.scopes[ConsentScope.publish_alias]:
            return Refusal(Reason.alias_not_granted)
        scopes.append(consent.scopes)
    return scopes


def deidentify(
    session: Session,
    *,
    vault: Vault,
    incident: Incident,
    now: datetime,
    delay_days: int,
    consents: Mapping[int, VictimConsent] | None = None,
) -> PublicRecord | Refusal:
    """The incident as the public register may show it at ``now``, or why it may not.
    ``consents``: its victims' consent read beforehand by :func:`preload_consents` for the
    same ``now`` (a victim missing from it is read from the ledger)."""
    if incident.status not in PUBLIC_STATUSES or incident.verified_at is None:
        return Refusal(Reason.not_verified)
    if incident.verified_at > now - timedelta(days=delay_days):
        return Refusal(Reason.delay_not_passed)
    victims = victims_of(incident)
    scopes = _check_victims(session, victims, now, consents or {})
    if isinstance(scopes, Refusal):
        return scopes
    dates = _dates(incident, day_allowed=all(c[ConsentScope.publish_date] for c in scopes))
    if dates is None:
        return Refusal(Reason.date_unknown)
    try:
        summary, summary_withheld = _summary(session, vault, incident)
        place = ""
        if all(c[ConsentScope.publish_place] for c in scopes):
            place = (vault.open(incident.data_key_id, incident.place_sealed) or "").strip()
    except Withheld:
        return Refusal(Reason.withheld)
    shown = [
        _shown_name(vault, v, name_allowed=c[ConsentScope.publish_name])
        for v, c in zip(victims, scopes, strict=True)
    ]
    return _record(incident, victims, shown, dates, place, summary, summary_withheld)


def _record(
    incident: Incident,
    victims: list[Defender],
    shown: list[tuple[str, bool]],
    dates: _Dates,
    place: str,
    summary: str,
    summary_withheld: SummaryWithheld | None,
) -> PublicRecord:
    attack_types = _unique([act.attack_type for act in incident.acts])
    defender_types = _unique([t for v in victims for t in v.types])
    genders = _unique([t for v in victims for t in v.identities])
    companies = _companies(incident)
    region = top_level_region(region_of(incident.country, incident.region)) or ""
    sector = incident.sector.code if incident.sector else ""
    labels = (
        [(LabelKind.attack_type.value, t.code) for t in attack_types]
        + [(LabelKind.defender_type.value, t.code) for t in defender_types]
        + [(LabelKind.gender.value, t.code) for t in genders]
        + sorted({(LabelKind.company.value, str(c["id"])) for c in companies})
    )
    detail = {
        "attack_types": [t.code for t in attack_types],
        "victims": [
            {
                "shown_as": name,
                "named": named,
                "kind": victim.kind,
                "types": [t.code for t in victim.types],
                "genders": [t.code for t in victim.identities],
            }
            for victim, (name, named) in zip(victims, shown, strict=True)
        ],
        "companies": companies,
        "date_precision": "day" if dates.occurred_on else "month" if dates.month else "year",
    }
    terms = [*attack_types, *defender_types, *genders]
    if incident.sector is not None:
        terms.append(incident.sector)
    words = [term.label(language) for term in terms for language in LANGUAGES]
    words += [country_name(incident.country, language) for language in LANGUAGES]
    words += [region_name(region, language) for language in LANGUAGES] if region else []
    words += [c["name"] for c in companies] + [name for name, _ in shown]
    words += [place, summary, sector, incident.country, region]
    first = attack_types[0].label("en") if attack_types else ""
    return PublicRecord(
        incident_id=incident.id,
        organisation_id=incident.organisation_id,
        title=f"{first}, {country_name(incident.country, 'en')}".strip(", ")[:300],
        country=incident.country,
        region=region,
        place=place[:200],
        year=dates.year,
        month=dates.month,
        occurred_on=dates.occurred_on,
        sort_date=dates.sort_date,
        sector=sector,
        summary=summary,
        search_text=search_words(words),
        detail=detail,
        labels=tuple(labels),
        attack_types=joined(t.code for t in attack_types),
        defender_types=joined(sorted({t.code for t in defender_types})),
        genders=joined(sorted({t.code for t in genders})),
        companies=joined(c["name"] for c in companies),
        summary_withheld=summary_withheld.value if summary_withheld else "",
    )


def search_words(words: list[str]) -> str:
    """Lower-cased, accent-free, each distinct word once, in a stable order."""
    seen: dict[str, None] = {}
    for text in words:
        for word in WORD.findall(fold(text or "")):
            seen.setdefault(word, None)
    return " ".join(seen)
