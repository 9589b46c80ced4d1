"""The registry as FollowTheMoney entities (``vigil export ftm``).

Each entity is built from Vigil's columns first and then the properties an import kept
(:mod:`vigil.companies.ftm`), so imported entities leave with their schema and values.
Rows entered in Vigil (demo data, the edit form) get a schema from their kind. Not exported:
edges to projects (operator), and a home state as an edge: it leaves as the company's
``mainCountry``; supply-chain tiers have no FtM property.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from followthemoney import model
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from vigil.companies.ftm import (
    EDGE_SCHEMATA,
    NAME_PROPS,
    PROP_FOR_SCHEME,
    ROLE_FOR_KIND,
    SCHEMA_FOR_KIND,
    ftm_id,
    load_properties,
)
from vigil.companies.models import Address, Company, CompanyRelationship, NameKind, RelationshipKind

PROP_FOR_NAME_KIND = {kind: prop for prop, kind in NAME_PROPS.items()} | {NameKind.brand: "alias"}
SCHEMA_FOR_ACTOR = {
    "organisation": "Organization",
    "msi": "Organization",
    "public_body": "PublicBody",
}
BATCH = 500


def entity_id(row: Company | Address | CompanyRelationship) -> str:
    """The FtM id: the key it was imported with, else a stable id made from the row id."""
    if row.key:
        return ftm_id(row.key)
    kind = {Company: "company", Address: "address"}.get(type(row), "relationship")
    return f"vigil-{kind}-{row.id}"


def _entity(schema: str, key: str, props: dict[str, list[str]]) -> dict[str, Any]:
    """Column values first, then kept ones, without repeats; unknown properties dropped."""
    proxy = model.make_entity(schema)
    proxy.id = key
    for prop, values in props.items():
        if values and prop in proxy.schema.properties:
            proxy.add(prop, values, cleaned=True, quiet=True)
    return proxy.to_dict()


def _join(first: list[str], kept: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in [*first, *(kept or [])]:
        if value and value not in out:
            out.append(value)
    return out


def address_entity(address: Address) -> dict[str, Any]:
    kept = load_properties(address.ftm_properties)
    props = dict(kept)
    props["full"] = _join([address.full] if address.full else [], kept.get("full"))
    country = [address.country.lower()] if address.country else []
    props["country"] = _join(country, kept.get("country"))
    return _entity(address.ftm_schema or "Address", entity_id(address), props)


def company_entity(company: Company, *, home_states: list[str]) -> dict[str, Any]:
    kept = load_properties(company.ftm_properties)
    props = dict(kept)
    by_prop: dict[str, list[str]] = defaultdict(list)
    by_prop["name"].append(company.name)
    for entry in sorted(company.names, key=lambda n: n.id or 0):
        by_prop[PROP_FOR_NAME_KIND.get(entry.kind, "alias")].append(entry.name)
    for scheme_entry in sorted(company.identifiers, key=lambda i: i.id or 0):
        by_prop[PROP_FOR_SCHEME.get(scheme_entry.scheme, "idNumber")].append(scheme_entry.value)
    by_prop["legalForm"] = [company.legal_form] if company.legal_form else []
    by_prop["jurisdiction"] = [company.jurisdiction.lower()] if company.jurisdiction else []
    by_prop["website"] = [company.website] if company.website else []
    by_prop["sector"] = [term.code for term in company.sectors]
    by_prop["addressEntity"] = [entity_id(a) for a in company.addresses]
    by_prop["mainCountry"] = [c.lower() for c in home_states]
    for prop, values in by_prop.items():
        props[prop] = _join(values, kept.get(prop))
    schema = company.ftm_schema or SCHEMA_FOR_ACTOR.get(company.actor_kind, "Company")
    return _entity(schema, entity_id(company), props)


def relationship_entity(edge: CompanyRelationship, ids: dict[int, str]) -> dict[str, Any] | None:
    """An FtM link between two companies; None for edges FtM cannot express here."""
    schema = edge.ftm_schema or SCHEMA_FOR_KIND.get(RelationshipKind(edge.kind))
    if schema is None or edge.from_company_id is None or edge.to_company_id is None:
        return None
    source_prop, target_prop, _kind = EDGE_SCHEMATA[schema]
    props = load_properties(edge.ftm_properties)
    props[source_prop] = [ids[edge.from_company_id]]
    props[target_prop] = [ids[edge.to_company_id]]
    role = ROLE_FOR_KIND.get(RelationshipKind(edge.kind))
    if role and schema == "UnknownLink":
        props["role"] = _join([role], props.get("role"))
    if edge.source_dataset is None:  # entered in Vigil: columns are all there is
        if edge.percentage is not None:
            props["percentage"] = [f"{edge.percentage.normalize():f}"]
        if edge.start_date:
            props["startDate"] = [edge.start_date.isoformat()]
        if edge.end_date:
            props["endDate"] = [edge.end_date.isoformat()]
        if edge.source:
            prop = "sourceUrl" if edge.source.startswith(("http://", "https://")) else "publisher"
            props[prop] = [edge.source]
    return _entity(schema, entity_id(edge), props)


def export_registry(session: Session) -> Iterator[dict[str, Any]]:
    """Addresses, then companies, then links (so a reader meets ends before links)."""
    for address in session.scalars(select(Address).order_by(Address.id)).yield_per(BATCH):
        yield address_entity(address)
    home_states: dict[int, list[str]] = defaultdict(list)
    for company_id, country in session.execute(
        select(CompanyRelationship.from_company_id, CompanyRelationship.to_country)
        .where(
            CompanyRelationship.kind == RelationshipKind.headquartered_in,
            CompanyRelationship.to_country.is_not(None),
            CompanyRelationship.from_company_id.is_not(None),
        )
        .order_by(CompanyRelationship.id)
    ):
        home_states[company_id].append(country)
    ids: dict[int, str] = {}
    companies = (
        select(Company)
        .options(
            selectinload(Company.names),
            selectinload(Company.identifiers),
            selectinload(Company.sectors),
            selectinload(Company.addresses),
        )
        .order_by(Company.id)
    )
    for company in session.scalars(companies).yield_per(BATCH):
        ids[company.id] = entity_id(company)
        yield company_entity(company, home_states=home_states.get(company.id, []))
    edges = select(CompanyRelationship).order_by(CompanyRelationship.id)
    for edge in session.scalars(edges).yield_per(BATCH):
        entity = relationship_entity(edge, ids)
        if entity is not None:
            yield entity
