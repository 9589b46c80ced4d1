"""Company-name keys and the pairwise matcher (blocking and clustering: ``blocking.py``).

``name_key`` removes legal forms (S.A., S.A.S., Ltda, GmbH, plc, PT, Tbk…) with rigour's
org-type list plus a few forms it lacks, transliterates to ASCII and squashes spaces, so
"PT Sawit Lestari Nusantara Tbk" and "Sawit Lestari Nusantara" share a key. It is what
``CompanyName.normalized`` stores (and what candidate generation searches).

``match_key`` builds on it for comparison: HTML entities decoded, "N.V.PHILIPS" split at the
dot, generic company words (co, corp, company, ltd, pvt…) and runs of spaced-out letters
("d s m") tidied. ``score`` compares two :class:`Record` s and returns a value in [0, 1] with
the evidence behind it: how alike the names are (rapidfuzz: spelling, word order, one name
contained in the other), then adjustments for numbers, branch/unit words, jurisdiction,
addresses and identifiers. ``describe`` turns each piece of evidence into one translated line.
Between records, one name merely containing the other's words scores at most ``SUBSET_CAP``
and is never a link on its own (``Score.subset_only``). Dedupe scores its candidate pairs in
bulk with the same values (``pair_scoring``).

The weights are round numbers checked on the Open Supply Hub labelled pairs only; the PATSTAT
gold clusters were never used to choose them (see tests/companies/test_matching_quality.py).
"""

from __future__ import annotations

import html
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process
from rigour.names import extract_org_types, normalize_name, remove_org_types
from rigour.text import ascii_text

from vigil.core.i18n import N_, gettext

#: Legal-form words rigour's list does not strip (checked against rigour 2.6).
EXTRA_FORMS = frozenset({"tbk", "persero", "sac", "saa", "eirl", "sarl", "sa de cv"})


def name_key(name: str) -> str:
    normalised = normalize_name(name) or ""
    stripped = " ".join(remove_org_types(normalised).split())
    words = [w for w in ascii_text(stripped).lower().split() if w not in EXTRA_FORMS]
    return " ".join(words)


#: Words that say "a company" in many registries but not which one (kept if nothing else is left).
GENERIC_WORDS = frozenset(
    {"co", "corp", "corporation", "company", "inc", "incorporated", "ltd", "limited", "llc"}
    | {"pvt", "private", "plc", "the", "and"}
)
#: Words naming a part of a company: two names that differ by one describe different sites.
SUBUNIT_WORDS = frozenset(
    {"branch", "division", "unit", "plant", "factory", "facility", "site", "mill"}
    | {"sucursal", "filial", "succursale", "subesi", "sube", "usine"}
)
_GLUED_DOT = re.compile(r"(?<=\.)(?=[^\W\d_]{2,})")  # "N.V.PHILIPS" -> "N.V. PHILIPS"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NUMBER = re.compile(r"\d+")


def clean_text(text: str, *, max_length: int = 300) -> str:
    """Drop control characters (NUL cannot even be stored on PostgreSQL) and cut the length."""
    return " ".join(_CONTROL.sub(" ", text).split())[:max_length]


def _join_spaced_letters(words: list[str]) -> list[str]:
    """ "d s m ip" -> "dsm ip": runs of two or more one-letter words are one word."""
    out: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        out.extend(["".join(run)] if len(run) > 1 else run)
        run = []
        if word:
            out.append(word)
    return out


def _prepare(name: str) -> str:
    return _GLUED_DOT.sub(" ", html.unescape(clean_text(name)))


def _tidy(key: str) -> str:
    words = _join_spaced_letters(key.split())
    kept = [w for w in words if w not in GENERIC_WORDS]
    return " ".join(kept or words)


@lru_cache(maxsize=65536)
def match_key(name: str) -> str:
    """The comparison key of a name: ``name_key`` after a few generic clean-ups."""
    return _tidy(name_key(_prepare(name)))


def match_key_of(name: str, stored: str | None) -> str:
    """``match_key(name)`` from the ``name_key`` stored with a registry name: rigour's
    normalisation (the costly part, ~25 µs) is skipped when the name needs none of the
    clean-ups ``match_key`` makes before it (entities, glued dots, control characters)."""
    if stored is not None and _prepare(name) == name:
        return _tidy(stored)
    return match_key(name)


@lru_cache(maxsize=65536)
def legal_forms(name: str) -> tuple[str, ...]:
    """The legal-form designations found in a name, as rigour spells them ("nv", "ltda")."""
    return tuple(found for found, _target in extract_org_types(normalize_name(name) or ""))


@dataclass(frozen=True)
class Record:
    """What the matcher knows of a company: its names, jurisdiction, identifiers, addresses."""

    id: Hashable
    names: tuple[str, ...]
    country: str | None = None
    identifiers: frozenset[tuple[str, str]] = frozenset()
    addresses: tuple[str, ...] = ()
    #: ``match_key`` of each name when already worked out (a name index keeps them).
    keys: tuple[str, ...] = ()

    def keyed_names(self) -> list[tuple[str, str]]:
        if len(self.keys) == len(self.names):
            return list(zip(self.names, self.keys, strict=True))
        return [(name, match_key(name)) for name in self.names]


@dataclass(frozen=True)
class Evidence:
    """One reason behind a score: ``kind`` picks the sentence, ``weight`` is the base
    similarity (name kinds) or the adjustment (others), ``detail`` fills the sentence."""

    kind: str
    weight: float
    detail: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Score:
    value: float
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    def explain(self) -> list[str]:
        return [describe(item) for item in self.evidence]

    @property
    def subset_only(self) -> bool:
        """The names' only likeness is that one's words are found in the other's, and nothing
        else (an address alike, an identifier) backs it: never enough to propose or merge."""
        kinds = {item.kind for item in self.evidence}
        return (
            bool(self.evidence)
            and self.evidence[0].kind == "contained"
            and not (kinds & CORROBORATING)
        )


NAME_KINDS = frozenset({"same_name", "spelling", "contained", "prefix", "identifier"})
SENTENCES = {
    "same_name": N_("Same name once legal forms and spelling marks are set aside: “%(a)s”."),
    "spelling": N_("Names spelt alike: “%(a)s” / “%(b)s”."),
    "contained": N_("The words of “%(a)s” are found in “%(b)s”."),
    "prefix": N_("“%(b)s” begins with what was typed: “%(a)s”."),
    "identifier": N_("Same identifier: %(scheme)s %(value)s."),
    "legal_forms": N_("Legal forms set aside: %(forms)s."),
    "numbers_differ": N_("The names carry different numbers: %(a)s / %(b)s."),
    "number_one_side": N_("Only one name carries a number: %(numbers)s."),
    "subunit": N_("Only one name names a branch, unit or division: %(words)s."),
    "same_country": N_("Same jurisdiction: %(country)s."),
    "other_country": N_("Different jurisdictions: %(a)s / %(b)s."),
    "identifier_conflict": N_("Different %(scheme)s identifiers: %(a)s / %(b)s."),
    "address_alike": N_("Addresses alike."),
    "address_differs": N_("Addresses differ."),
}

WEIGHTS = {
    "numbers_differ": -0.15,
    "number_one_side": -0.05,
    "subunit": -0.05,
    "same_country": 0.03,
    "other_country": -0.15,
    "identifier_conflict": -0.30,
    "address_alike": 0.05,
    "address_differs": -0.20,
}
ADDRESS_ALIKE, ADDRESS_DIFFERS = 0.95, 0.60
#: The most the records' own evidence (jurisdiction, address) can add to their names' value.
MAX_RECORD_BONUS = WEIGHTS["same_country"] + WEIGHTS["address_alike"]
#: Addresses compared per record, at most (the best pair counts).
MAX_ADDRESSES = 5


def describe(item: Evidence) -> str:
    """One line, in the current locale: the sentence, then its weight ("0.93", "+0.03")."""
    sentence = gettext(SENTENCES[item.kind]) % dict(item.detail)
    if item.kind in NAME_KINDS:
        return f"{sentence} ({item.weight:.2f})"
    if item.weight == 0:
        return sentence
    sign = "+" if item.weight > 0 else "−"
    return f"{sentence} ({sign}{abs(item.weight):.2f})"


def _squash(key: str) -> str:
    return key.replace(" ", "")


def _is_prefix(query: str, key: str) -> bool:
    """Each word of the query begins a word of the key, in order ("akzo no" / "akzo nobel")."""
    words = key.split()
    position = 0
    for part in query.split():
        while position < len(words) and not words[position].startswith(part):
            position += 1
        if position == len(words):
            return False
        position += 1
    return bool(query)


#: The most two names score from containment alone (one's words found in the other's) when
#: matching records: below the default threshold even with the same jurisdiction (+0.03), since
#: "University" ⊂ "University of X, Department of Y" and "Vale" ⊂ "Vale Mining" say nothing of
#: sameness; an address alike (+0.05) or a shared identifier must make up the rest. Matching
#: a typed name (``query``) keeps the full credit: there the words typed are all one has.
SUBSET_CAP = 0.85
#: Evidence that lets a pair whose names only contain one another be proposed all the same.
CORROBORATING = frozenset({"address_alike", "identifier"})


@lru_cache(maxsize=262144)
def name_similarity(a: str, b: str, *, query: bool = False) -> tuple[str, float]:
    """(kind, similarity) of two match keys; ``query`` also credits a typed beginning."""
    if not a or not b:
        return "spelling", 0.0
    if a == b or _squash(a) == _squash(b):
        return "same_name", 1.0
    spelling = max(fuzz.token_sort_ratio(a, b), fuzz.ratio(_squash(a), _squash(b))) / 100
    contained = fuzz.token_set_ratio(a, b) / 100
    if not query:  # containment alone is no evidence of sameness: see SUBSET_CAP
        if set(a.split()) == set(b.split()):  # the same words, repeated or in another order
            return "spelling", 1.0
        contained = min(contained, max(spelling, SUBSET_CAP))
    best = ("contained", contained) if contained > spelling else ("spelling", spelling)
    if query and best[1] < 0.9 and _is_prefix(a, b):
        best = ("prefix", 0.9)
    return best


def _name_evidence(
    name_a: str, name_b: str, a: str, b: str, *, query: bool
) -> tuple[float, list[Evidence]]:
    """Evidence from two names whose match keys are ``a`` and ``b``."""
    kind, similarity = name_similarity(a, b, query=query)
    short, long_ = (a, b) if len(a.split()) <= len(b.split()) else (b, a)
    if kind == "contained":
        a, b = short, long_
    evidence = [Evidence(kind, similarity, (("a", a), ("b", b)))]
    forms = sorted(set(legal_forms(name_a)) | set(legal_forms(name_b)))
    if forms:
        evidence.append(Evidence("legal_forms", 0.0, (("forms", ", ".join(forms)),)))
    numbers_a, numbers_b = set(_NUMBER.findall(a)), set(_NUMBER.findall(b))
    if numbers_a and numbers_b and numbers_a != numbers_b and not query:
        detail = (("a", " ".join(sorted(numbers_a))), ("b", " ".join(sorted(numbers_b))))
        evidence.append(Evidence("numbers_differ", WEIGHTS["numbers_differ"], detail))
    elif numbers_a != numbers_b and not query:
        numbers = " ".join(sorted(numbers_a ^ numbers_b))
        evidence.append(
            Evidence("number_one_side", WEIGHTS["number_one_side"], (("numbers", numbers),))
        )
    subunits = (set(a.split()) ^ set(b.split())) & SUBUNIT_WORDS
    if subunits and not query:
        words = ", ".join(sorted(subunits))
        evidence.append(Evidence("subunit", WEIGHTS["subunit"], (("words", words),)))
    return similarity + sum(e.weight for e in evidence[1:]), evidence


@lru_cache(maxsize=65536)
def address_similarity(a: str, b: str) -> float:
    """Addresses are often glued or reordered: compare them without spaces, letting the
    shorter one sit anywhere in the longer ("lot f2 seethawaka park" in a longer line)."""
    x = re.sub(r"[^a-z0-9]", "", ascii_text(a).lower())
    y = re.sub(r"[^a-z0-9]", "", ascii_text(b).lower())
    if not x or not y:
        return 0.0
    partial = fuzz.partial_ratio(x, y) if min(len(x), len(y)) >= 12 else 0.0
    return max(fuzz.ratio(x, y), partial) / 100


def _record_evidence(a: Record, b: Record) -> list[Evidence]:
    evidence: list[Evidence] = []
    if a.country and b.country:
        if a.country.upper() == b.country.upper():
            detail = (("country", a.country.upper()),)
            evidence.append(Evidence("same_country", WEIGHTS["same_country"], detail))
        else:
            detail = (("a", a.country.upper()), ("b", b.country.upper()))
            evidence.append(Evidence("other_country", WEIGHTS["other_country"], detail))
    schemes_a = {scheme for scheme, _ in a.identifiers}
    for scheme in sorted(schemes_a & {scheme for scheme, _ in b.identifiers}):
        values_a = {v for s, v in a.identifiers if s == scheme}
        values_b = {v for s, v in b.identifiers if s == scheme}
        if not values_a & values_b:
            detail = (("scheme", scheme), ("a", min(values_a)), ("b", min(values_b)))
            evidence.append(Evidence("identifier_conflict", WEIGHTS["identifier_conflict"], detail))
    if a.addresses and b.addresses:
        alike = max(
            address_similarity(x, y)
            for x in a.addresses[:MAX_ADDRESSES]
            for y in b.addresses[:MAX_ADDRESSES]
        )
        if alike >= ADDRESS_ALIKE:
            evidence.append(Evidence("address_alike", WEIGHTS["address_alike"]))
        elif alike < ADDRESS_DIFFERS:
            evidence.append(Evidence("address_differs", WEIGHTS["address_differs"]))
    return evidence


def query_values(
    typed: str,
    keys: Sequence[str],
    *,
    country: str | None = None,
    countries: Sequence[str | None] | None = None,
) -> list[tuple[float, float]]:
    """For each candidate name (match key ``keys[i]`` of a company registered in
    ``countries[i]``), the value :func:`score` gives it in query mode against a typed name
    (match key ``typed``, jurisdiction ``country``, no identifier or address), and how alike
    the two are letter by letter (a tie-breaker: among names scoring 1.0 because they contain
    every typed word, the one spelt like the query comes first).

    It is ``score``'s arithmetic without building the evidence: each rapidfuzz ratio runs
    over the whole list in one call (``token_ratio`` is token_sort and token_set at once), and
    only names the ratios leave below 0.9 are checked for a typed beginning. This ranks a
    query's candidates before the few shown are explained (see ``match_search``)."""
    similarity = [0.0] * len(keys)
    spelling = [0.0] * len(keys)
    words = typed.split()
    if words:
        for _key, value, position in process.extract(
            typed, keys, scorer=fuzz.token_ratio, limit=None
        ):
            similarity[position] = value
        squashed = [key.replace(" ", "") for key in keys]
        for _key, value, position in process.extract(
            _squash(typed), squashed, scorer=fuzz.ratio, limit=None
        ):
            spelling[position] = value
        similarity = [max(pair) for pair in zip(similarity, spelling, strict=True)]
        # _is_prefix only where the first and last typed words begin a word of the key.
        first, last = f" {words[0]}", f" {words[-1]}"
        for position in [i for i, key in enumerate(keys) if first in f" {key}"]:
            key = keys[position]
            if similarity[position] / 100 < 0.9 and last in f" {key}" and _is_prefix(typed, key):
                similarity[position] = 90.0
    wanted = (country or "").upper()
    if wanted and countries is not None:
        same, other = WEIGHTS["same_country"], WEIGHTS["other_country"]
        adjust = [
            (same if where.upper() == wanted else other) if where else 0 for where in countries
        ]
        values = [
            round(min(max(value / 100 + change, 0.0), 1.0), 4)
            for value, change in zip(similarity, adjust, strict=True)
        ]
    else:  # already between 0 and 1
        values = [round(value / 100, 4) for value in similarity]
    return list(zip(values, spelling, strict=True))


def score(a: Record, b: Record, *, query: bool = False) -> Score:
    """How likely ``a`` and ``b`` are the same company, with the evidence; ``query`` when ``a``
    is what someone typed (a beginning of a name is then credited, numbers are not held
    against it). A shared identifier settles it: 1.0."""
    shared = sorted(a.identifiers & b.identifiers)
    if shared:
        scheme, value = shared[0]
        evidence = (Evidence("identifier", 1.0, (("scheme", scheme), ("value", value))),)
        return Score(1.0, evidence + tuple(_record_evidence(a, b)))
    best: tuple[float, list[Evidence]] | None = None
    for name_a, key_a in a.keyed_names():
        for name_b, key_b in b.keyed_names():
            candidate = _name_evidence(name_a, name_b, key_a, key_b, query=query)
            if best is None or candidate[0] > best[0]:
                best = candidate
    if best is None:
        return Score(0.0)
    return _finish(a, b, best)


@lru_cache(maxsize=262144)
def name_value(a: str, b: str) -> float:
    """The value ``score`` gives the pair of names whose match keys are ``a`` and ``b``
    (legal forms, which weigh nothing, left aside), before the records' own evidence."""
    return _name_evidence("", "", a, b, query=False)[0]


def score_names(a: Record, b: Record, names: tuple[str, str, str, str]) -> Score:
    """``score(a, b)`` when its best pair of names is known: ``names`` is (name of ``a``, its
    match key, name of ``b``, its match key). See :mod:`vigil.companies.pair_scoring`."""
    shared = sorted(a.identifiers & b.identifiers)
    if shared:
        return score(a, b)
    name_a, key_a, name_b, key_b = names
    return _finish(a, b, _name_evidence(name_a, name_b, key_a, key_b, query=False))


def _finish(a: Record, b: Record, best: tuple[float, list[Evidence]]) -> Score:
    name_value, name_evidence = best
    record_evidence = _record_evidence(a, b)
    value = name_value + sum(e.weight for e in record_evidence)
    return Score(round(min(max(value, 0.0), 1.0), 4), (*name_evidence, *record_evidence))
