"""Playbooks as versioned data: import (a new version), export, history, and the bundled
defaults every organisation starts from.

A version is never changed once stored: an alert points at the exact version it followed
(``Alert.playbook_id``), so the protocol behind a past alert can always be shown as it was.
Saving a text whose content equals the current version adds nothing; anything else becomes
version *max + 1* and the current one. Every import is checked in full first
(playbooks/schema.py), so a bad file stores nothing.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vigil.access import load_in_org
from vigil.core.audit import record_event
from vigil.core.errors import Conflict, Invalid, NotFound
from vigil.playbooks.models import Playbook
from vigil.playbooks.parsing import parse_playbook_yaml
from vigil.playbooks.schema import PlaybookDocument, dump_document
from vigil.vocabularies.service import list_terms

DEFAULTS_DIR = Path(__file__).with_name("default_playbooks")


def attack_type_codes(session: Session) -> set[str]:
    return {term.code for term in list_terms(session, vocabulary="attack_type")}


def validate_playbook(session: Session, yaml_text: str) -> PlaybookDocument:
    """Check a playbook against the schema and this database's attack-type vocabulary."""
    return parse_playbook_yaml(yaml_text, attack_types=attack_type_codes(session))


def _current(session: Session, *, org_id: int, code: str) -> Playbook | None:
    return session.scalar(
        select(Playbook).where(
            Playbook.organisation_id == org_id,
            Playbook.code == code,
            Playbook.is_current.is_(True),
        )
    )


def import_playbook(
    session: Session,
    *,
    org_id: int,
    yaml_text: str,
    actor_user_id: int | None,
    expected_code: str | None = None,
) -> Playbook:
    """Store ``yaml_text`` as the next version of its playbook and make it current.

    Returns the current version unchanged when the content is the same. ``expected_code``
    (the edit form) refuses a text that renamed the playbook: a new code is a new playbook.
    """
    document = validate_playbook(session, yaml_text)
    if expected_code is not None and document.code != expected_code:
        raise Invalid(
            f"The code must stay {expected_code!r} (the text says {document.code!r}); "
            "to create another playbook, import it as a new file."
        )
    data = dump_document(document)
    current = _current(session, org_id=org_id, code=document.code)
    if current is not None and current.document == data:
        return current
    latest = session.scalar(
        select(func.max(Playbook.version)).where(
            Playbook.organisation_id == org_id, Playbook.code == document.code
        )
    )
    playbook = Playbook(
        organisation_id=org_id,
        code=document.code,
        version=(latest or 0) + 1,
        title=document.title["en"][:200],
        attack_types=list(document.attack_types),
        document=data,
        source_yaml=yaml_text,
        is_current=True,
        created_by_id=actor_user_id,
    )
    try:
        with session.begin_nested():
            if current is not None:
                current.is_current = False
            session.add(playbook)
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"Someone saved playbook {document.code!r} at the same moment; reload and try again."
        ) from None
    record_event(
        session,
        action="playbook.imported",
        organisation_id=org_id,
        actor_user_id=actor_user_id,
        object_type="playbook",
        object_id=playbook.id,
        detail={"code": playbook.code, "version": playbook.version},
    )
    return playbook


def list_playbooks(session: Session, *, org_id: int) -> list[Playbook]:
    """The current version of each of the organisation's playbooks, by code."""
    return list(
        session.scalars(
            select(Playbook)
            .where(Playbook.organisation_id == org_id, Playbook.is_current.is_(True))
            .order_by(Playbook.code)
        )
    )


def history(session: Session, *, org_id: int, code: str) -> list[Playbook]:
    """Every version of one playbook, newest first."""
    versions = list(
        session.scalars(
            select(Playbook)
            .where(Playbook.organisation_id == org_id, Playbook.code == code)
            .order_by(Playbook.version.desc())
        )
    )
    if not versions:
        raise NotFound(f"No playbook {code!r}.")
    return versions


def get_version(session: Session, *, playbook_id: int, org_id: int) -> Playbook:
    return load_in_org(session, Playbook, playbook_id, org_id=org_id, missing="No such playbook.")


def get_playbook(
    session: Session, *, org_id: int, code: str, version: int | None = None
) -> Playbook:
    """One version by code (the current one when ``version`` is None)."""
    if version is None:
        playbook = _current(session, org_id=org_id, code=code)
    else:
        playbook = session.scalar(
            select(Playbook).where(
                Playbook.organisation_id == org_id,
                Playbook.code == code,
                Playbook.version == version,
            )
        )
    if playbook is None:
        which = f"version {version} of " if version is not None else ""
        raise NotFound(f"No {which}playbook {code!r}.")
    return playbook


def export_playbook(session: Session, *, org_id: int, code: str, version: int | None = None) -> str:
    """The YAML of a version as it was imported (comments and layout kept)."""
    return get_playbook(session, org_id=org_id, code=code, version=version).source_yaml


def playbook_for_attack_type(
    session: Session, *, org_id: int, attack_type_code: str
) -> Playbook | None:
    """The current playbook proposed for an attack type: the one named after it if it covers
    it, else the most specific one (fewest attack types), else None."""
    covering = [
        p for p in list_playbooks(session, org_id=org_id) if attack_type_code in p.attack_types
    ]
    if not covering:
        return None
    return min(
        covering,
        key=lambda p: (p.code != attack_type_code, len(p.attack_types), p.code),
    )


def default_playbook_files() -> list[Path]:
    return sorted(DEFAULTS_DIR.glob("*.yaml"))


def install_default_playbooks(
    session: Session, *, org_id: int, actor_user_id: int | None = None
) -> list[Playbook]:
    """Import each bundled playbook whose code the organisation does not have yet (an edited
    or older version is never replaced). Idempotent; returns what was installed."""
    installed: list[Playbook] = []
    have = set(session.scalars(select(Playbook.code).where(Playbook.organisation_id == org_id)))
    codes = attack_type_codes(session)
    for path in default_playbook_files():
        text = path.read_text(encoding="utf-8")
        document = parse_playbook_yaml(text, attack_types=codes)
        if document.code in have:
            continue
        installed.append(
            import_playbook(session, org_id=org_id, yaml_text=text, actor_user_id=actor_user_id)
        )
        have.add(document.code)
    return installed
