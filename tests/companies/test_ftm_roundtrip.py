"""Import then export gives back every entity and property Vigil supports.

Supported (kept whole, with every property): Company, Organization, PublicBody, LegalEntity;
Address entities used by one of them; Ownership, Directorship, Membership, UnknownLink,
Payment and Debt between two of them. Not supported, on purpose: Person entities, links with a
person at either end, addresses used only by persons (Vigil keeps no personal data of people
who are not defenders), and other schemata (vessels, securities…).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from followthemoney import model
from sqlalchemy import select

from vigil.companies.ftm import ftm_id, key_of
from vigil.companies.ftm_export import export_registry
from vigil.companies.ftm_import import import_ftm
from vigil.companies.models import CompanyRelationship
from vigil.companies.service import CompanyIn, RelationshipIn, upsert_company, upsert_relationship

DONATIONS = Path(__file__).resolve().parent.parent / "data" / "ftm-donations" / "donations.ijson"
SUPPORTED = {"Company", "Organization", "PublicBody", "LegalEntity", "Address"}
SUPPORTED_LINKS = {"Ownership", "Directorship", "Membership", "UnknownLink", "Payment", "Debt"}


def _values(entity: dict) -> dict[str, list[str]]:
    return {prop: sorted(values) for prop, values in entity["properties"].items() if values}


def test_donations_round_trip_keeps_every_supported_entity_and_property(session):
    source = {}
    for line in DONATIONS.read_text(encoding="utf-8").splitlines():
        proxy = model.get_proxy(json.loads(line), cleaned=False)
        source[proxy.id] = proxy.to_dict()
    persons = {key for key, e in source.items() if e["schema"] == "Person"}
    used_by_companies = {
        address
        for e in source.values()
        if e["schema"] in ("Company", "Organization")
        for address in e["properties"].get("addressEntity", [])
    }

    def supported(entity: dict) -> bool:
        if entity["schema"] == "Address":
            return entity["id"] in used_by_companies
        if entity["schema"] in SUPPORTED_LINKS:
            props = entity["properties"]
            return not {*props.get("payer", []), *props.get("beneficiary", [])} & persons
        return entity["schema"] in SUPPORTED

    import_ftm(session, path=DONATIONS)
    exported = {e["id"]: e for e in export_registry(session)}

    expected = {key for key, entity in source.items() if supported(entity)}
    assert set(exported) == expected
    assert Counter(e["schema"] for e in exported.values()) == {
        "Payment": 242,
        "Address": 69,
        "Company": 56,
        "Organization": 17,
    }
    for key in expected:
        assert exported[key]["schema"] == source[key]["schema"], key
        assert _values(exported[key]) == _values(source[key]), key
    # What was left out, and that no person's data leaves through another entity.
    left_out = Counter(e["schema"] for k, e in source.items() if k not in expected)
    assert left_out == {"Payment": 48, "Person": 22, "Address": 20}
    text = json.dumps(list(exported.values()), ensure_ascii=False)
    for key in persons:
        assert key not in text
        assert source[key]["properties"]["name"][0] not in text


def test_registry_entered_in_vigil_exports_and_imports_again_unchanged(session, tmp_path):
    for key, name, kind in (
        ("v:mine", "Minera Andina del Cauca S.A.S.", "company"),
        ("v:fund", "Nordic Workers' Pension Fund", "investor"),
        ("v:vps", "Voluntary Principles Initiative", "msi"),
    ):
        upsert_company(
            session,
            data=CompanyIn(
                key=key,
                name=name,
                actor_kind=kind,
                jurisdiction="CO" if key == "v:mine" else None,
                identifiers=[("registration", "CO-1")] if key == "v:mine" else [],
                sectors=["mining"] if key == "v:mine" else [],
            ),
        )
    edges = [
        RelationshipIn("v:inv", "investor", "v:fund", "v:mine", percentage=6, source="Report"),
        RelationshipIn("v:vp", "msi_member", "v:mine", "v:vps", source="https://vp.example/m"),
        RelationshipIn("v:hq", "headquartered_in", "v:mine", to_country="GB"),
    ]
    for edge in edges:
        upsert_relationship(session, data=edge)
    out = tmp_path / "registry.ijson"
    entities = list(export_registry(session))
    out.write_text("\n".join(json.dumps(e) for e in entities) + "\n", encoding="utf-8")

    by_id = {e["id"]: e for e in entities}
    # FtM ids allow letters, digits, "." and "-" only: "v:inv" leaves escaped, reversibly.
    assert ftm_id("v:inv") == "vigil.k.v.3ainv" and key_of("vigil.k.v.3ainv") == "v:inv"
    assert ftm_id("ok-id.1") == "ok-id.1"
    for key in ("csv:Müller & Söhne-", "vigil.k.x", "a..b:c"):
        assert key_of(ftm_id(key)) == key
        link = {"id": "x", "schema": "Ownership", "properties": {"owner": [ftm_id(key)]}}
        assert model.get_proxy(link, cleaned=False).get("owner") == [ftm_id(key)]
    investor = by_id[ftm_id("v:inv")]
    assert investor["schema"] == "Ownership"
    assert investor["properties"] == {
        "owner": [ftm_id("v:fund")],
        "asset": [ftm_id("v:mine")],
        "percentage": ["6"],
        "publisher": ["Report"],
    }
    assert by_id[ftm_id("v:vp")]["schema"] == "Membership"
    assert by_id[ftm_id("v:vps")]["schema"] == "Organization"
    mine = by_id[ftm_id("v:mine")]["properties"]
    assert mine["mainCountry"] == ["gb"] and mine["registrationNumber"] == ["CO-1"]
    assert mine["sector"] == ["mining"] and mine["jurisdiction"] == ["co"]
    assert all(model.get_proxy(e) for e in entities)

    report = import_ftm(session, path=out)
    assert not report.problems
    kinds = dict(session.execute(select(CompanyRelationship.key, CompanyRelationship.kind)).all())
    assert kinds == {"v:inv": "investor", "v:vp": "msi_member", "v:hq": "headquartered_in"}
    again = {e["id"]: e for e in export_registry(session)}
    assert {k: _values(e) for k, e in again.items()} == {k: _values(e) for k, e in by_id.items()}
