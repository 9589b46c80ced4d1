"""Translating a file's words into Vigil's codes: vocabularies, countries, regions, companies.

A word is taken only when it is *the same word* once case, accents and spacing are set aside:
either an entry of the mapping's ``[values.<field>]`` table, or a Vigil code, or one of the
term's labels in any of Vigil's languages ("Asesinato" is the Spanish label of ``killing``).
Nothing is guessed from a near spelling: a word that matches nothing is *unmapped*, listed with
its count and first lines, and the user adds it to the mapping. Companies are looked up in the
shared registry by name (legal forms aside, as the registry matches them) or key, never
created: an unknown company is unmapped too.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.companies.matching import name_key
from vigil.companies.models import Company, CompanyName
from vigil.core.errors import Invalid
from vigil.core.places import country_codes
from vigil.imports.incidents.mapping import VOCABULARY_OF, Mapping, folded, where
from vigil.vocabularies.models import VocabularyTerm

LANGUAGES = ("en", "es", "fr", "pt")


@dataclass(frozen=True)
class Translated:
    """What a file's word became: a code, ``""`` (the word says nothing: an empty cell or a
    value the mapping maps to ""), or ``None`` (unmapped: nobody said what it means)."""

    code: str | None

    @property
    def unmapped(self) -> bool:
        return self.code is None


NOTHING = Translated("")
UNMAPPED = Translated(None)


class Vocabularies:
    """Every term of the vocabularies a mapping can feed, read once per import."""

    def __init__(self, terms: list[VocabularyTerm]) -> None:
        self.codes: dict[str, set[str]] = {}
        self.words: dict[str, dict[str, str]] = {}
        for term in terms:
            self.codes.setdefault(term.vocabulary, set()).add(term.code)
            words = self.words.setdefault(term.vocabulary, {})
            for word in (term.code, *(getattr(term, f"label_{lang}") for lang in LANGUAGES)):
                words.setdefault(folded(word), term.code)
            words.setdefault(folded(term.code.replace("_", " ")), term.code)

    @classmethod
    def load(cls, session: Session) -> Vocabularies:
        names = sorted(set(VOCABULARY_OF.values()))
        query = select(VocabularyTerm).where(VocabularyTerm.vocabulary.in_(names))
        return cls(list(session.scalars(query.order_by(VocabularyTerm.position))))


class Translator:
    """The mapping's tables and Vigil's vocabularies together: one word in, one code out."""

    def __init__(self, session: Session, mapping: Mapping, vocabularies: Vocabularies) -> None:
        self.session = session
        self.mapping = mapping
        self.vocabularies = vocabularies
        self._companies: dict[str, Translated] = {}

    def check_codes(self) -> None:
        """Every code the mapping names exists: a misspelt code would otherwise turn a whole
        column into unmapped rows, or worse, into the wrong term."""
        for name, entries in self.mapping.values.items():
            for word, code in entries.items():
                if code:
                    self._check_code(name, word, code)

    def _check_code(self, name: str, word: str, code: str) -> None:
        line = self.mapping.value_lines.get((name, word))
        if name in VOCABULARY_OF:
            known = self.vocabularies.codes.get(VOCABULARY_OF[name], set())
            if code not in known:
                close = difflib.get_close_matches(code, sorted(known), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise Invalid(
                    f"{where(line)}{code!r} is not a code of the {VOCABULARY_OF[name]} "
                    f"vocabulary{hint}."
                )
        elif name == "country" and code.upper() not in country_codes():
            raise Invalid(f"{where(line)}{code!r} is not an ISO 3166-1 country code (e.g. CO).")
        elif name == "region" and pycountry.subdivisions.get(code=code.upper()) is None:
            raise Invalid(f"{where(line)}{code!r} is not an ISO 3166-2 region code (e.g. CO-CAU).")
        elif name == "company" and self._find_company(code) is None:
            raise Invalid(
                f"{where(line)}no company named or keyed {code!r} in the registry "
                "(add it with `vigil import companies` first)."
            )

    def mapped(self, name: str, value: str) -> Translated | None:
        """The mapping's own entry for ``value``, if it has one."""
        code = self.mapping.values.get(name, {}).get(folded(value))
        return None if code is None else Translated(code)

    def term(self, name: str, value: str) -> Translated:
        """A vocabulary field's word: the mapping's entry, else a code or a label."""
        if not value.strip():
            return NOTHING
        entry = self.mapped(name, value)
        if entry is not None:
            return entry
        code = self.vocabularies.words.get(VOCABULARY_OF[name], {}).get(folded(value))
        return UNMAPPED if code is None else Translated(code)

    def company(self, value: str) -> tuple[Translated, int | None]:
        """The registry company a word names (its id), looked up once per distinct word."""
        if not value.strip():
            return NOTHING, None
        entry = self.mapped("company", value)
        wanted = value if entry is None else entry.code
        if not wanted:
            return NOTHING, None
        company_id = self._find_company(wanted)
        if company_id is None:
            return UNMAPPED, None
        return Translated(str(company_id)), company_id

    def _find_company(self, name: str) -> int | None:
        """One live (not merged) company whose key is ``name`` or one of whose names has the
        same matching key; None when there is none, or several (an ambiguous name must be
        mapped to a key)."""
        cache_key = folded(name)
        if cache_key in self._companies:
            cached = self._companies[cache_key].code
            return int(cached) if cached else None
        found = self.session.scalars(
            select(Company.id).where(Company.key == name.strip(), Company.merged_into_id.is_(None))
        ).all()
        key = name_key(name)
        if not found and key:
            found = self.session.scalars(
                select(CompanyName.company_id)
                .join(Company, Company.id == CompanyName.company_id)
                .where(CompanyName.normalized == key, Company.merged_into_id.is_(None))
                .distinct()
            ).all()
        company_id = found[0] if len(set(found)) == 1 else None
        self._companies[cache_key] = Translated(str(company_id) if company_id else "")
        return company_id
