"""A keyed blind index of each word of a defender's name, for fuzzy matching without names.

``Defender.name_index`` answers "is this exactly the same name?". Matching the same person
across two sources needs more: "María José Pérez" and "PEREZ, Maria Jose" are one person.
So each word of the name is normalised (accents dropped, case folded, particles such as
"de", "da", "van" left out) and stored as an HMAC with the organisation's index key; word
order is lost on purpose (sources swap given names and surnames). Each word of at least
:data:`NEAR_MIN` letters is also stored with each one of its letters left out (a *deletion
neighbourhood*): two words one typo apart ("Jacob"/"Jaocb", "Best"/"Bst", "Zamora"/"Zauora")
always share one of these digests, so a typo still counts for part of a match.

Why this is safe enough: the digests are keyed (a stolen database alone cannot test guessed
names) and per organisation (two tenants' digests of "Pérez" differ). Someone holding the
index key could test guessed words, which is why forgetting a person deletes their digests
with their name (:func:`forget_name_tokens`). Equal digests do tell a database reader that two
defenders share a word, or words one letter apart: that is the price of matching without
decrypting names in bulk.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import ForeignKey, Index, SmallInteger, String, delete, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from vigil.core.crypto import KeyRing, Vault, Withheld
from vigil.core.db import Base
from vigil.defenders.models import Defender

#: Shortest word whose one-letter-less variants are stored (shorter ones give 2-letter
#: variants that too many unrelated words share).
NEAR_MIN = 4
#: Name particles that say nothing about who someone is (Spanish, Portuguese, French, Dutch,
#: German, English): two people "de la Cruz" and "de Souza" share no real word.
PARTICLES = frozenset(
    [
        "de",
        "del",
        "la",
        "las",
        "los",
        "y",
        "e",
        "da",
        "das",
        "do",
        "dos",
        "du",
        "des",
        "le",
        "van",
        "von",
        "der",
        "den",
        "di",
        "al",
        "el",
        "bin",
    ]
)


class DefenderNameToken(Base):
    """One digest of one word of one defender's name: the word itself, or the word with one
    letter left out (``variant``)."""

    __tablename__ = "defender_name_tokens"
    __table_args__ = (Index("ix_defender_name_tokens_org_digest", "organisation_id", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    defender_id: Mapped[int] = mapped_column(
        ForeignKey("defenders.id", ondelete="CASCADE"), index=True
    )
    #: Which word of the name (0, 1, …; the order of the name as written, which says nothing).
    position: Mapped[int] = mapped_column(SmallInteger)
    variant: Mapped[bool] = mapped_column(default=False)
    digest: Mapped[str] = mapped_column(String(64))


def name_words(name: str) -> list[str]:
    """The name's words, normalised: accents and case dropped, punctuation splits words,
    particles and single letters (initials) left out, each word once, in order."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", name))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = re.split(r"[^\w]+|_", bare)
    return list(dict.fromkeys(w for w in words if len(w) > 1 and w not in PARTICLES))


def token_purpose(org_id: int) -> str:
    """Per organisation, like ``name_index_purpose``: a word's digest in one tenant says
    nothing in another. Words and variants share the purpose, so "bst" (a word) and "best"
    with its "e" left out give the same digest."""
    return f"defender-name-word:{org_id}"


def near_forms(word: str) -> set[str]:
    """The word with each one of its letters left out (none for a short word)."""
    if len(word) < NEAR_MIN:
        return set()
    return {word[:n] + word[n + 1 :] for n in range(len(word))} - {word}


def word_digests(ring: KeyRing, *, org_id: int, name: str) -> list[tuple[int, bool, str]]:
    """(position, is a variant, digest) of every word of ``name`` and of its variants."""
    purpose = token_purpose(org_id)
    found = []
    for position, word in enumerate(name_words(name)):
        found.append((position, False, ring.blind_index(purpose, word)))
        found.extend(
            (position, True, ring.blind_index(purpose, form)) for form in sorted(near_forms(word))
        )
    return found


def index_name_tokens(
    session: Session, *, ring: KeyRing, defender: Defender, name: str | None
) -> None:
    """Replace the defender's word digests with those of ``name`` (none when no name)."""
    session.execute(delete(DefenderNameToken).where(DefenderNameToken.defender_id == defender.id))
    rows = [
        {
            "organisation_id": defender.organisation_id,
            "defender_id": defender.id,
            "position": position,
            "variant": variant,
            "digest": digest,
        }
        for position, variant, digest in word_digests(
            ring, org_id=defender.organisation_id, name=name or ""
        )
    ]
    if rows:
        session.execute(insert(DefenderNameToken), rows)
    session.flush()


def forget_name_tokens(session: Session, *, defender_id: int) -> None:
    """A forgotten person's word digests go with their name: they could confirm a guess."""
    session.execute(delete(DefenderNameToken).where(DefenderNameToken.defender_id == defender_id))


def backfill_name_tokens(session: Session, *, vault: Vault, org_id: int, batch: int = 500) -> int:
    """Index the words of every named defender of the organisation not indexed yet (records
    made before this index existed). Each name is opened one at a time to compute its
    digests and dropped at once: it is never kept, returned or logged. Returns how many."""
    indexed = select(DefenderNameToken.defender_id).where(
        DefenderNameToken.organisation_id == org_id
    )
    done = 0
    last_id = 0
    while True:
        defenders = session.scalars(
            select(Defender)
            .where(
                Defender.organisation_id == org_id,
                Defender.id > last_id,
                Defender.forgotten_at.is_(None),
                Defender.name_sealed.is_not(None),
                Defender.id.not_in(indexed),
            )
            .order_by(Defender.id)
            .limit(batch)
        ).all()
        if not defenders:
            return done
        for defender in defenders:
            last_id = defender.id
            try:
                name = vault.open(defender.data_key_id, defender.name_sealed)
            except Withheld:
                continue
            index_name_tokens(session, ring=vault.ring, defender=defender, name=name)
            done += 1
