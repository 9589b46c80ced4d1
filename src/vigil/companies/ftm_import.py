"""``vigil import ftm``: line-delimited FollowTheMoney entities into the registry.

The file is read twice. The first pass checks every line and sorts it: a legal entity, an
address, a link, a person, another schema, or a bad line (not JSON, unknown schema or
property, invalid value, no id, an id seen on an earlier line, a link to an entity that is
neither in the file nor in the registry). The second pass writes addresses, then legal
entities, then links, so references resolve in any line order. With ``strict`` a single bad
line means nothing is written; otherwise bad lines are reported and the rest imported.

**Persons are skipped, on purpose.** Vigil's registry is shared by every organisation and is
about companies; a person in an FtM file (a donor, a director, a shareholder) is not a
defender and not a company, and copying their name, address and links into a system about
threatened people would spread personal data without need (do no harm, data minimisation).
So ``Person`` entities, the links that have a person at either end (a directorship held by a
person, a person's payment) and addresses used only by persons are counted and left out.
A directorship held by a company (a corporate director) is imported.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from followthemoney import model
from followthemoney.exc import FollowTheMoneyException
from followthemoney.proxy import EntityProxy
from followthemoney.types import registry as ftm_types
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.companies.ftm import (
    ADDRESS_SCHEMA,
    EDGE_SCHEMATA,
    NODE_SCHEMATA,
    PERSON_SCHEMATA,
    Origin,
    key_of,
    write_address,
    write_company,
    write_relationship,
)
from vigil.companies.models import Address, Company, CompanyRelationship
from vigil.core.db import utcnow
from vigil.core.errors import Invalid
from vigil.vocabularies.models import VocabularyTerm

SKIP, ADDRESS, NODE, EDGE = 0, 1, 2, 3
#: ``on_created(entity_type, entity_id, line, key)``: told of each row an import *created*
#: ("company", "address", "relationship"), so a caller (an import run) can record it.
OnCreated = Callable[[str, int, int, str], None]
_MODELS = {ADDRESS: ("address", Address), EDGE: ("relationship", CompanyRelationship)}


@dataclass(frozen=True)
class Problem:
    line: int
    message: str
    unit: str = "line"  # "row" for CSV

    def __str__(self) -> str:
        return f"{self.unit} {self.line}: {self.message}"


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


class BadLines(Invalid):
    """``--strict`` and at least one bad line: nothing was imported."""

    def __init__(self, problems: list[Problem], unit: str = "line") -> None:
        self.problems = problems
        super().__init__(f"{_plural(len(problems), 'bad ' + unit)}; nothing imported (--strict).")


@dataclass
class ImportReport:
    dataset: str
    unit: str = "line"
    lines: int = 0
    written: Counter[str] = field(default_factory=Counter)  # "companies created", …
    skipped: Counter[str] = field(default_factory=Counter)  # "persons", …
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{n} {what}" for what, n in sorted(self.written.items()) if n]
        skipped = [f"{n} {what}" for what, n in sorted(self.skipped.items()) if n]
        text = f"Imported {self.dataset}: {', '.join(parts) or 'nothing'}"
        if skipped:
            text += f"; skipped {', '.join(skipped)}"
        return text + f"; {_plural(len(self.problems), 'bad ' + self.unit)}."


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        yield from enumerate(handle, start=1)


def parse_entity(text: str) -> EntityProxy:
    """One line as a cleaned entity, or ValueError saying what is wrong with it."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ValueError(f"not valid JSON ({error.args[0].split(':')[0]})") from None
    if not isinstance(data, dict):
        raise ValueError("not an entity (a JSON object with id, schema and properties)")
    schema = model.get(str(data.get("schema") or ""))
    if schema is None:
        raise ValueError(f"unknown schema {str(data.get('schema'))[:60]!r}")
    if schema.abstract:
        raise ValueError(f"abstract schema {schema.name!r} cannot hold entities")
    if not isinstance(data.get("id"), str) or not data["id"].strip():
        raise ValueError("no entity id")
    if not ftm_types.entity.validate(data["id"]):
        raise ValueError(f"{data['id'][:60]!r} is not an entity id (letters, digits, . and -)")
    properties = data.get("properties") or {}
    if not isinstance(properties, dict):
        raise ValueError("properties must be a JSON object")
    for name, values in properties.items():
        prop = schema.get(name)
        if prop is None:
            raise ValueError(f"unknown property {str(name)[:60]!r} of {schema.name}")
        if prop.stub:
            raise ValueError(f"{name} is the reverse of another property; give it there")
        for value in values if isinstance(values, list) else [values]:
            if isinstance(value, (dict, list)):
                raise ValueError(f"{name}: a value must be text, not {type(value).__name__}")
            if value in (None, ""):
                continue
            probe = model.make_entity(schema)
            probe.add(prop, value)  # cleans the value as get_proxy will; dropped if invalid
            if not probe.get(prop):
                raise ValueError(f"{name}: invalid value {str(value)[:60]!r}")
    try:
        return model.get_proxy(data, cleaned=False)
    except FollowTheMoneyException as error:
        raise ValueError(str(error)) from None


@dataclass
class _Plan:
    kinds: bytearray
    problems: list[Problem] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)


def _scan(session: Session, path: Path, tick: Callable[[], None]) -> _Plan:
    seen: dict[str, tuple[int, str]] = {}  # id → (line, schema)
    edges: list[tuple[int, list[str], list[str]]] = []
    address_refs: set[str] = set()
    addresses: list[tuple[int, str]] = []
    plan = _Plan(bytearray())
    for number, text in read_lines(path):
        tick()
        plan.kinds.append(SKIP)
        if not text.strip():
            continue
        try:
            proxy = parse_entity(text)
        except ValueError as error:
            plan.problems.append(Problem(number, str(error)))
            continue
        if proxy.id in seen:
            earlier = seen[proxy.id][0]
            plan.problems.append(
                Problem(number, f"entity {proxy.id!r} already appeared on line {earlier}")
            )
            continue
        name = proxy.schema.name
        seen[proxy.id] = (number, name)
        if name in NODE_SCHEMATA:
            first = (proxy.get("name") or [""])[0]
            if not first or len(first) > 300:
                plan.problems.append(Problem(number, "a legal entity needs a name (≤ 300 chars)"))
                del seen[proxy.id]
                continue
            plan.kinds[-1] = NODE
            address_refs.update(proxy.get("addressEntity"))
        elif name in EDGE_SCHEMATA:
            source, target, _kind = EDGE_SCHEMATA[name]
            edges.append((number, proxy.get(source), proxy.get(target)))
        elif name == ADDRESS_SCHEMA:
            addresses.append((number, proxy.id))
        elif name in PERSON_SCHEMATA:
            plan.skipped["persons"] += 1
        else:
            plan.skipped[f"{name} entities"] += 1
    for number, key in addresses:
        if key in address_refs:
            plan.kinds[number - 1] = ADDRESS
        else:
            plan.skipped["addresses of no company"] += 1
    _check_edges(session, plan, edges, seen)
    plan.problems.sort(key=lambda problem: problem.line)
    return plan


def _check_edges(
    session: Session,
    plan: _Plan,
    edges: list[tuple[int, list[str], list[str]]],
    seen: dict[str, tuple[int, str]],
) -> None:
    """Sort links: both ends legal entities (in the file or the registry) → import; a person
    at an end → skipped; another kind of entity (a vessel, a security) → skipped; an end
    found nowhere, or not exactly one entity at an end → a bad line."""
    outside = {key for _n, *ends in edges for end in ends for key in end if key not in seen}
    known = set()
    for chunk in _chunks(sorted(outside), 500):
        keys = {key_of(entity_id): entity_id for entity_id in chunk}
        found = session.scalars(select(Company.key).where(Company.key.in_(list(keys))))
        known.update(keys[key] for key in found if key)
    for number, sources, targets in edges:
        if len(sources) != 1 or len(targets) != 1:
            plan.problems.append(Problem(number, "a link needs exactly one entity at each end"))
            continue
        schemata = [seen[key][1] if key in seen else None for key in (*sources, *targets)]
        missing = [key for key in (*sources, *targets) if key not in seen and key not in known]
        if missing:
            plan.problems.append(
                Problem(number, f"{missing[0]!r} is neither in the file nor in the registry")
            )
        elif any(schema in PERSON_SCHEMATA for schema in schemata):
            plan.skipped["links to persons"] += 1
        elif any(schema is not None and schema not in NODE_SCHEMATA for schema in schemata):
            plan.skipped["links to other entities"] += 1
        else:
            plan.kinds[number - 1] = EDGE


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _sector_terms(session: Session) -> dict[str, VocabularyTerm]:
    terms = session.scalars(select(VocabularyTerm).where(VocabularyTerm.vocabulary == "sector"))
    return {term.code: term for term in terms}


def import_ftm(
    session: Session,
    *,
    path: Path,
    dataset: str | None = None,
    strict: bool = False,
    tick: Callable[[], None] = lambda: None,
    on_created: OnCreated | None = None,
) -> ImportReport:
    """Import one file (upserts on entity ids: a second run changes nothing). ``tick`` is
    called once per line per pass (twice per line in all) for a progress bar; ``on_created``
    hears of every entity the file created (not those it updated)."""
    report = ImportReport(dataset=dataset or path.name)
    plan = _scan(session, path, tick)
    report.lines, report.problems, report.skipped = len(plan.kinds), plan.problems, plan.skipped
    if strict and plan.problems:
        raise BadLines(plan.problems)
    if plan.skipped["persons"]:
        report.notes.append(
            f"{plan.skipped['persons']} persons were not imported, nor their links and "
            "addresses: Vigil keeps no personal data of people who are not defenders."
        )
    origin = Origin(dataset=report.dataset, imported_at=utcnow())
    sectors = _sector_terms(session)
    ids: dict[str, int] = {}
    for wanted in (ADDRESS, NODE, EDGE):
        for number, text in read_lines(path):
            kind = plan.kinds[number - 1]
            if kind != wanted:
                if wanted == EDGE and kind in (SKIP, ADDRESS, NODE):
                    tick()  # every line ticks once while writing
                continue
            proxy = parse_entity(text)
            if kind == ADDRESS:
                state = write_address(session, proxy, origin=origin, line=number)
                report.written[f"addresses {state}"] += 1
            elif kind == NODE:
                written = write_company(session, proxy, origin=origin, line=number, sectors=sectors)
                ids[proxy.id] = written.company.id
                report.written[f"companies {written.state}"] += 1
                state = written.state
                if on_created is not None and state == "created":
                    on_created("company", written.company.id, number, proxy.id)
            else:
                state = _write_edge(session, proxy, ids, origin=origin, line=number)
                report.written[f"relationships {state}"] += 1
                tick()
            if on_created is not None and state == "created" and kind in _MODELS:
                _tell_created(session, on_created, kind, proxy.id, number)
    return report


def _tell_created(
    session: Session, on_created: OnCreated, kind: int, entity_id: str, line: int
) -> None:
    entity_type, table = _MODELS[kind]
    row_id = session.scalars(select(table.id).where(table.key == key_of(entity_id))).one()
    on_created(entity_type, row_id, line, entity_id)


def _write_edge(
    session: Session, proxy: EntityProxy, ids: dict[str, int], *, origin: Origin, line: int
) -> str:
    source, target, _kind = EDGE_SCHEMATA[proxy.schema.name]
    ends = []
    for entity_id in (proxy.first(source), proxy.first(target)):
        if entity_id not in ids:
            key = key_of(entity_id)
            ids[entity_id] = session.scalars(select(Company.id).where(Company.key == key)).one()
        ends.append(ids[entity_id])
    return write_relationship(
        session, proxy, from_id=ends[0], to_id=ends[1], origin=origin, line=line
    )
