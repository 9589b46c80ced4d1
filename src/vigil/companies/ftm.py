"""FollowTheMoney entities ↔ registry rows, one entity at a time.

What Vigil keeps, and how it gives it back:

- **Legal entities** (``Company``, ``Organization``, ``PublicBody``, ``LegalEntity``) become
  companies. ``name``/``alias``/``previousName`` become names, ``legalForm``,
  ``jurisdiction`` and ``website`` columns, ``leiCode``/``registrationNumber``/``isinCode``/
  ``ticker``/``taxNumber`` identifiers, ``sector`` values that are Vigil sector codes sectors,
  ``addressEntity`` links to addresses. Everything else (``country``, ``notes``, a second
  legal form…) is kept verbatim in ``ftm_properties``.
- **Addresses** of companies become :class:`Address` rows (``full`` and ``country`` columns).
- **Links** become typed relationships: ``Ownership`` → ownership (owner → asset),
  ``Directorship`` → director, ``Membership`` → MSI membership, ``UnknownLink`` → linked (or
  joint venture / supplier / security provider by its role), ``Payment`` → payment (payer →
  beneficiary), ``Debt`` → lender (creditor → debtor). Their properties other than the two
  ends stay in ``ftm_properties`` as well (percentage and dates are also read into columns).
- **Persons are not imported**, nor links to them, nor addresses only persons use (see
  :mod:`vigil.companies.ftm_import`).

Export builds each entity from the columns first, then the kept properties, so an imported
entity comes back with the same schema and the same values.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from followthemoney.proxy import EntityProxy
from followthemoney.types import registry as ftm_types
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.companies.matching import name_key
from vigil.companies.models import (
    Address,
    Company,
    CompanyIdentifier,
    CompanyName,
    CompanyRelationship,
    CompanyRevision,
    IdentifierScheme,
    NameKind,
    RelationshipKind,
)
from vigil.companies.service import rename_company
from vigil.vocabularies.models import VocabularyTerm

#: FtM schema → Vigil actor kind of the company it becomes.
NODE_SCHEMATA = {
    "Company": "company",
    "Organization": "organisation",
    "PublicBody": "public_body",
    "LegalEntity": "company",
}
#: FtM schema → (property of the ``from`` end, property of the ``to`` end, relationship kind).
EDGE_SCHEMATA = {
    "Ownership": ("owner", "asset", RelationshipKind.ownership),
    "Directorship": ("director", "organization", RelationshipKind.director),
    "Membership": ("member", "organization", RelationshipKind.msi_member),
    "UnknownLink": ("subject", "object", RelationshipKind.linked),
    "Payment": ("payer", "beneficiary", RelationshipKind.payment),
    "Debt": ("creditor", "debtor", RelationshipKind.lender),
}
PERSON_SCHEMATA = frozenset({"Person"})
ADDRESS_SCHEMA = "Address"

NAME_PROPS = {"name": NameKind.primary, "alias": NameKind.alias, "previousName": NameKind.former}
IDENTIFIER_PROPS = {
    "leiCode": IdentifierScheme.lei,
    "registrationNumber": IdentifierScheme.registration,
    "isinCode": IdentifierScheme.isin,
    "ticker": IdentifierScheme.ticker,
    "taxNumber": IdentifierScheme.tax,
}
PROP_FOR_SCHEME = {scheme: prop for prop, scheme in IDENTIFIER_PROPS.items()}
#: How Vigil's own relationship kinds leave as FtM schemata.
SCHEMA_FOR_KIND = {
    RelationshipKind.ownership: "Ownership",
    RelationshipKind.investor: "Ownership",
    RelationshipKind.parent_subsidiary: "Ownership",
    RelationshipKind.director: "Directorship",
    RelationshipKind.msi_member: "Membership",
    RelationshipKind.payment: "Payment",
    RelationshipKind.lender: "Debt",
    RelationshipKind.linked: "UnknownLink",
    RelationshipKind.joint_venture: "UnknownLink",
    RelationshipKind.supplier_buyer: "UnknownLink",
    RelationshipKind.security_provider: "UnknownLink",
}
#: ``UnknownLink`` roles that name one of Vigil's kinds (both ways).
ROLE_FOR_KIND = {
    RelationshipKind.joint_venture: "joint venture",
    RelationshipKind.supplier_buyer: "supplier",
    RelationshipKind.security_provider: "security provider",
}
KIND_FOR_ROLE = {role: kind for kind, role in ROLE_FOR_KIND.items()}
_FULL_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
#: Marks an exported id that encodes a Vigil key FtM does not accept as an id ("demo:x").
ENCODED_KEY = "vigil.k."
_ENCODED_PART = re.compile(r"\.[0-9a-f]{2}|[^.]")


def ftm_id(key: str) -> str:
    """The FtM id for a registry key. FtM ids allow only letters, digits, "." and "-", so
    other keys are escaped reversibly ("demo:x" → "vigil.k.demo.3ax"): importing an export
    finds the same rows again."""
    if ftm_types.entity.validate(key) and not key.startswith(ENCODED_KEY):
        return key
    escaped = "".join(
        c if (c.isascii() and c.isalnum()) or c == "-" else "".join(f".{b:02x}" for b in c.encode())
        for c in key
    )
    if escaped.endswith("-"):
        escaped = escaped[:-1] + ".2d"
    return ENCODED_KEY + escaped


def key_of(entity_id: str) -> str:
    """The registry key of an FtM id (undoes :func:`ftm_id`)."""
    if not entity_id.startswith(ENCODED_KEY):
        return entity_id
    data = bytearray()
    for part in _ENCODED_PART.findall(entity_id[len(ENCODED_KEY) :]):
        data += bytes([int(part[1:], 16)]) if part.startswith(".") else part.encode()
    return data.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Origin:
    """Provenance stamped on every row an import writes."""

    dataset: str
    imported_at: datetime
    kind: str = "ftm"  # or "csv"

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.dataset}"[:220]


def dump_properties(props: dict[str, list[str]]) -> str:
    return json.dumps({k: v for k, v in props.items() if v}, ensure_ascii=False, sort_keys=True)


def load_properties(text: str | None) -> dict[str, list[str]]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _stamp(row: Company | Address | CompanyRelationship, origin: Origin, line: int) -> None:
    row.source_dataset = origin.dataset[:200]
    row.source_line = line
    row.imported_at = origin.imported_at


def _first_fitting(values: list[str], limit: int) -> tuple[str | None, list[str]]:
    """The first value if it fits a column of ``limit`` characters, and what stays raw."""
    if values and len(values[0]) <= limit:
        return values[0], values[1:]
    return None, values


def _country(values: list[str]) -> tuple[str | None, list[str]]:
    """The first value as an ISO alpha-2 column value if it is one (FtM also has "zz" for
    global, "gb-sct"…, which stay raw), and what stays raw."""
    if values and len(values[0]) == 2 and values[0].isalpha() and values[0] != "zz":
        return values[0].upper(), values[1:]
    return None, values


def write_address(session: Session, proxy: EntityProxy, *, origin: Origin, line: int) -> str:
    """Upsert an Address entity; returns "created", "updated" or "unchanged"."""
    props = proxy.to_dict()["properties"]
    full, rest_full = _first_fitting(props.pop("full", []), 100_000)
    country, rest_country = _country(props.pop("country", []))
    raw = {**props, "full": rest_full, "country": rest_country}
    key = key_of(proxy.id)
    address = session.scalar(select(Address).where(Address.key == key))
    state = "unchanged"
    if address is None:
        address = Address(key=key)
        session.add(address)
        state = "created"
    values = {"full": full or "", "country": country, "ftm_schema": ADDRESS_SCHEMA}
    values["ftm_properties"] = dump_properties(raw)
    for name, value in values.items():
        if getattr(address, name) != value:
            setattr(address, name, value)
            state = "updated" if state == "unchanged" else state
    _stamp(address, origin, line)
    session.flush()
    return state


@dataclass
class CompanyWrite:
    company: Company
    state: str  # created, updated or unchanged


def write_company(
    session: Session,
    proxy: EntityProxy,
    *,
    origin: Origin,
    line: int,
    sectors: dict[str, VocabularyTerm],
) -> CompanyWrite:
    """Upsert a legal entity on its id. Names, identifiers, sectors and addresses are added,
    never removed (an analyst's additions stay); column values follow the file, and a changed
    value of an existing company is kept as a revision by this import."""
    props = proxy.to_dict()["properties"]
    names: list[tuple[str, str]] = []
    for prop, kind in NAME_PROPS.items():
        rest = []
        for value in props.pop(prop, []):
            if len(value) <= 300 and value not in {n for n, _k in names}:
                names.append((value, kind))
            else:
                rest.append(value)
        props[prop] = rest
    legal_form, props["legalForm"] = _first_fitting(props.pop("legalForm", []), 60)
    jurisdiction, props["jurisdiction"] = _country(props.pop("jurisdiction", []))
    website, props["website"] = _first_fitting(props.pop("website", []), 500)
    identifiers = []
    for prop, scheme in IDENTIFIER_PROPS.items():
        values = props.pop(prop, [])
        identifiers += [(scheme, v, prop) for v in values if len(v) <= 100]
        props[prop] = [v for v in values if len(v) > 100]
    terms = [sectors[v] for v in props.get("sector", []) if v in sectors]
    props["sector"] = [v for v in props.pop("sector", []) if v not in sectors]
    address_ids = props.pop("addressEntity", [])

    key = key_of(proxy.id)
    company = session.scalar(select(Company).where(Company.key == key))
    state = "unchanged"
    primary = next(n for n, k in names if k == NameKind.primary)
    if company is None:
        company = Company(key=key, name=primary, actor_kind=NODE_SCHEMATA[proxy.schema.name])
        session.add(company)
        state = "created"
    columns = {
        "name": primary,
        "legal_form": legal_form,
        "jurisdiction": jurisdiction,
        "website": website,
    }
    for field, new in columns.items():
        old = getattr(company, field)
        if old == new:
            continue
        if state != "created":
            company.revisions.append(
                CompanyRevision(origin=origin.label, field=field, old_value=old, new_value=new)
            )
            state = "updated"
        if field == "name":
            rename_company(company, new)
        setattr(company, field, new)
    state = _merge_names(company, names, state)
    for term in terms:
        if term not in company.sectors:
            company.sectors.append(term)
            state = "updated" if state == "unchanged" else state
    session.flush()
    leftover = _merge_identifiers(session, company, identifiers)
    for scheme, value in leftover:
        props.setdefault(PROP_FOR_SCHEME[scheme], []).append(value)
    props["addressEntity"] = _link_addresses(session, company, address_ids)
    raw = dump_properties(props)
    if company.ftm_schema != proxy.schema.name or company.ftm_properties != raw:
        state = "updated" if state == "unchanged" else state
    company.ftm_schema = proxy.schema.name
    company.ftm_properties = raw
    _stamp(company, origin, line)
    session.flush()
    return CompanyWrite(company, state)


def _merge_names(company: Company, names: list[tuple[str, str]], state: str) -> str:
    existing = {entry.name: entry for entry in company.names}
    for value, kind in names:
        entry = existing.get(value)
        if entry is None:
            company.names.append(CompanyName(name=value, kind=kind, normalized=name_key(value)))
        elif entry.kind != kind:
            entry.kind = kind
        else:
            continue
        state = "updated" if state == "unchanged" else state
    return state


def _merge_identifiers(
    session: Session, company: Company, identifiers: list[tuple[str, str, str]]
) -> list[tuple[str, str]]:
    """Attach identifiers; one another company already holds is returned to be kept raw
    (registration numbers repeat across jurisdictions; the reviewer sees both records)."""
    leftover = []
    for scheme, value, _prop in identifiers:
        holder = session.scalar(
            select(CompanyIdentifier).where(
                CompanyIdentifier.scheme == scheme, CompanyIdentifier.value == value
            )
        )
        if holder is None:
            company.identifiers.append(CompanyIdentifier(scheme=scheme, value=value))
            session.flush()
        elif holder.company_id != company.id:
            leftover.append((scheme, value))
    return leftover


def _link_addresses(session: Session, company: Company, ids: list[str]) -> list[str]:
    """Link the addresses Vigil holds; references to others stay raw (round trip)."""
    unresolved = []
    for entity_id in ids:
        address = session.scalar(select(Address).where(Address.key == key_of(entity_id)))
        if address is None:
            unresolved.append(entity_id)
        elif address not in company.addresses:
            company.addresses.append(address)
    return unresolved


def parse_percentage(value: str) -> Decimal | None:
    try:
        number = Decimal(value.strip().rstrip("%").strip().replace(",", "."))
    except InvalidOperation:
        return None
    return number.quantize(Decimal("0.01")) if 0 <= number <= 100 else None


def parse_full_date(value: str) -> date | None:
    match = _FULL_DATE.match(value)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def write_relationship(
    session: Session,
    proxy: EntityProxy,
    *,
    from_id: int,
    to_id: int,
    origin: Origin,
    line: int,
) -> str:
    """Upsert a link on its id; returns "created", "updated" or "unchanged". Percentage and
    dates are read into columns and also kept verbatim (FtM dates may be "2011" or
    "2011-12", which no date column holds)."""
    schema = proxy.schema.name
    source_prop, target_prop, kind = EDGE_SCHEMATA[schema]
    props = proxy.to_dict()["properties"]
    props.pop(source_prop, None)
    props.pop(target_prop, None)
    key = key_of(proxy.id)
    edge = session.scalar(select(CompanyRelationship).where(CompanyRelationship.key == key))
    roles = props.get("role", [])
    if schema == "UnknownLink" and len(roles) == 1 and roles[0] in KIND_FOR_ROLE:
        kind = KIND_FOR_ROLE[props.pop("role")[0]]
    elif edge is not None and SCHEMA_FOR_KIND.get(edge.kind) == schema and schema != "UnknownLink":
        kind = RelationshipKind(edge.kind)  # keep investor/parent: both leave as Ownership
    first = {p: (props.get(p) or [""])[0] for p in ("percentage", "startDate", "date", "endDate")}
    source = (props.get("sourceUrl") or props.get("publisher") or [""])[0]
    values: dict[str, Any] = {
        "kind": kind.value,
        "from_company_id": from_id,
        "to_company_id": to_id,
        "percentage": parse_percentage(first["percentage"]) if first["percentage"] else None,
        "start_date": parse_full_date(first["startDate"] or first["date"]),
        "end_date": parse_full_date(first["endDate"]),
        "ftm_schema": schema,
        "ftm_properties": dump_properties(props),
    }
    state = "unchanged"
    if edge is None:
        edge = CompanyRelationship(key=key, source=source or origin.dataset[:1000])
        session.add(edge)
        state = "created"
    elif source and edge.source != source:
        edge.source = source
        state = "updated"
    for name, value in values.items():
        if getattr(edge, name) != value:
            setattr(edge, name, value)
            state = "updated" if state == "unchanged" else state
    _stamp(edge, origin, line)
    session.flush()
    return state
