"""Defender records. Names and contacts are sealed with the defender's own data key; callers
must never log them or put them in audit details; publication rules (consent) arrive with the
casework issue."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.crypto import Vault, Withheld
from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.defenders.models import Defender, DefenderKind
from vigil.defenders.name_tokens import forget_name_tokens, index_name_tokens
from vigil.vocabularies.models import VocabularyTerm
from vigil.vocabularies.service import get_term

WITHHELD = "withheld"
#: A language code (ISO 639-1 or 639-3, optionally with a region: ``es``, ``quz``, ``pt-br``).
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,4})?")
CONTACT_TIMES_LIMIT = 300
LANGUAGES_LIMIT = 200  # Defender.language_codes


def name_index_purpose(org_id: int) -> str:
    """Per-organisation purpose: the same name in two organisations gives unrelated digests,
    so the index cannot be used to correlate defenders across tenants."""
    return f"defender-name:{org_id}"


def record_defender(
    session: Session,
    *,
    vault: Vault,
    org_id: int,
    alias: str,
    kind: str = DefenderKind.person,
    name: str | None = None,
    contact: str | None = None,
    type_codes: list[str] | None = None,
    identity_codes: list[str] | None = None,
) -> Defender:
    if kind not in DefenderKind.__members__:
        raise Invalid(f"Unknown defender kind {kind!r}.")
    if not alias.strip():
        raise Invalid("A defender needs a public alias (never their name).")
    key = vault.new_key()
    name = name.strip() if name else None
    defender = Defender(
        organisation_id=org_id,
        data_key_id=key.id,
        kind=kind,
        name_sealed=vault.seal(key.id, name),
        name_index=vault.ring.blind_index(name_index_purpose(org_id), name) if name else None,
        contact_sealed=vault.seal(key.id, contact.strip() if contact else None),
        alias=alias.strip(),
        types=[get_term(session, vocabulary="defender_type", code=c) for c in type_codes or []],
        identities=identity_terms(session, identity_codes or []),
    )
    session.add(defender)
    session.flush()
    if name:
        index_name_tokens(session, ring=vault.ring, defender=defender, name=name)
    return defender


def identity_terms(session: Session, codes: list[str]) -> list[VocabularyTerm]:
    """The gender and identity terms of ``codes``, each once (unknown codes are refused)."""
    return [get_term(session, vocabulary="gender_identity", code=c) for c in dict.fromkeys(codes)]


def add_identities(session: Session, defender: Defender, codes: list[str]) -> None:
    """Add identities not yet recorded (a later report may say more); none is removed."""
    known = {term.code for term in defender.identities}
    defender.identities.extend(t for t in identity_terms(session, codes) if t.code not in known)


def update_reach(
    session: Session,
    *,
    vault: Vault,
    defender: Defender,
    languages: list[str],
    contact_times: str,
) -> None:
    """The defender's languages and when it is safe to contact them. Times are sealed with
    the defender's own key (a routine can tell who and where someone is); language codes are
    kept plain, lower-case, each once. A forgotten defender's record stays empty."""
    if defender.forgotten_at is not None:
        raise Invalid("This person was forgotten: their record cannot be changed.")
    codes = [code.strip().lower() for code in languages]
    if any(not LANGUAGE_CODE.fullmatch(code) for code in codes if code):
        raise Invalid("Write languages as codes such as es, pt or qu, separated by commas.")
    if len(" ".join(codes)) > LANGUAGES_LIMIT:
        raise Invalid("Please list fewer languages.")
    if len(contact_times) > CONTACT_TIMES_LIMIT:
        raise Invalid(f"Please shorten the contact times to {CONTACT_TIMES_LIMIT} characters.")
    defender.language_codes = " ".join(dict.fromkeys(code for code in codes if code))
    times = contact_times.strip()
    defender.contact_times_sealed = vault.seal(defender.data_key_id, times) if times else None
    session.flush()


def reveal_contact_times(vault: Vault, defender: Defender) -> str:
    """When it is safe to contact them, or "" (none recorded, or forgotten)."""
    if defender.forgotten_at is not None or defender.contact_times_sealed is None:
        return ""
    try:
        return vault.open(defender.data_key_id, defender.contact_times_sealed) or ""
    except Withheld:
        return ""


def find_defenders_by_name(
    session: Session, *, vault: Vault, org_id: int, name: str
) -> list[Defender]:
    """Exact (case- and spacing-insensitive) name lookup through the blind index."""
    digest = vault.ring.blind_index(name_index_purpose(org_id), name)
    return list(
        session.scalars(
            select(Defender).where(
                Defender.organisation_id == org_id, Defender.name_index == digest
            )
        )
    )


def reveal_name(vault: Vault, defender: Defender) -> str | None:
    """The defender's name, or ``"withheld"`` once their key was destroyed."""
    if defender.forgotten_at is not None:
        return WITHHELD
    try:
        return vault.open(defender.data_key_id, defender.name_sealed)
    except Withheld:
        return WITHHELD


def erase_defender_record(session: Session, *, vault: Vault, defender: Defender) -> bool:
    """Crypto-shred the defender's own record: destroy their data key, so name and contacts
    are unreadable for good in this database and every backup made from now on (older
    archives still hold the wrapped key until its KEK is retired). Only one step of
    forgetting a person: the reports, case texts and messages that may name them are erased
    by ``vigil.forgetting.forget_person``, which callers should use. Returns False if the
    record was already erased."""
    if defender.forgotten_at is not None:
        return False
    vault.destroy(defender.data_key_id)
    defender.name_sealed = None
    defender.contact_sealed = None
    defender.contact_times_sealed = None
    defender.name_index = None  # the digest alone could still confirm a guessed name
    forget_name_tokens(session, defender_id=defender.id)  # so could each word's digest
    defender.identities = []  # gender and identity say who they are: forgotten with them
    defender.forgotten_at = utcnow()
    session.flush()
    return True
