"""Deterministic fictional incidents around the demo projects (same output on every run)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from vigil.demo.catalogue import PROJECTS

# attack type, perpetrator type, role (incidents.models.Role: what the perpetrator did; the
# certainty is always "alleged" in the demo), defender type, defender kind, title template
SCENARIOS = [
    (
        "death_threat",
        "unknown",
        "unspecified",
        "community_leader",
        "person",
        "Death threat against a community leader opposing the {project}",
    ),
    (
        "threat_intimidation",
        "private_security",
        "direct",
        "land_environment",
        "person",
        "Security guards intimidate land defenders near the {project}",
    ),
    (
        "judicial_civil_slapp",
        "company_staff",
        "direct",
        "land_environment",
        "person",
        "Defamation lawsuit filed against a critic of the {project}",
    ),
    (
        "judicial_criminal",
        "prosecutors",
        "instigator",
        "indigenous_peoples",
        "group",
        "Criminal charges against protesters at the {project}",
    ),
    (
        "physical_assault",
        "police",
        "direct",
        "community_leader",
        "group",
        "Protest against the {project} dispersed with force",
    ),
    (
        "smear_campaign",
        "company_staff",
        "unspecified",
        "journalist",
        "person",
        "Journalist reporting on the {project} labelled an enemy of development",
    ),
    (
        "surveillance",
        "private_security",
        "unspecified",
        "ngo_staff",
        "organisation",
        "NGO staff followed and photographed after meeting about the {project}",
    ),
    (
        "forced_eviction",
        "local_authorities",
        "complicit",
        "indigenous_peoples",
        "community",
        "Families evicted from land claimed for the {project}",
    ),
    (
        "job_loss_anti_union",
        "company_staff",
        "direct",
        "trade_unionist",
        "person",
        "Union organiser dismissed at the {project}",
    ),
    (
        "arbitrary_detention",
        "police",
        "direct",
        "land_environment",
        "person",
        "Water defender detained without charge near the {project}",
    ),
    (
        "killing",
        "armed_groups",
        "unspecified",
        "community_leader",
        "person",
        "Community leader killed after opposing the {project}",
    ),
    (
        "digital_attack",
        "unknown",
        "unspecified",
        "women_hrd",
        "person",
        "Hacked accounts and doxxing of a woman defender campaigning on the {project}",
    ),
]

GARMENT_SCENARIOS = [8, 5, 6, 1]  # indexes into SCENARIOS that fit factories

FIRST_NAMES = [
    "Amaru",
    "Lucía",
    "Kofi",
    "Marisol",
    "Dewi",
    "Tomasa",
    "Nuru",
    "Rafael",
    "Siti",
    "Joseph",
    "Ixchel",
    "Bich",
    "Ana Paula",
    "Chidi",
    "Esperanza",
    "Rahim",
]
LAST_NAMES = [
    "Quispe Ñaupa",
    "Mendoza Ortega",
    "Asante-Boateng",
    "Wulandari",
    "Okonjo",
    "Tzul Ajú",
    "Nakhumicha",
    "Sokha",
    "Ferreira da Luz",
    "Begum",
    "Mbuyi",
    "Hossain",
]

STATUS_CYCLE = [
    "verified",
    "active",
    "monitoring",
    "resolved",
    "closed",
    "active",
    "verified",
    "received",
    "triage",
    "rejected",
    "verified",
    "monitoring",
]


#: The ISO 3166-2 subdivision of each project region (an incident stores only such a code).
REGION_CODES = {
    "Cauca": "CO-CAU",
    "Cajamarca": "PE-CAJ",
    "Western": "GH-WP",
    "Huehuetenango": "GT-13",
    "Mindanao": "PH-10",  # Northern Mindanao (Region X)
    "Central Kalimantan": "ID-KT",
    "Gbarpolu": "LR-GP",
    "Pará": "BR-PA",
    "Marsabit": "KE-25",
    "Rivers": "NG-RI",
    "Tshopo": "CD-TO",
    "Kandal": "KH-8",
    "Dhaka": "BD-C",
    "Oaxaca": "MX-OAX",
    "Intibucá": "HN-IN",
}


@dataclass(frozen=True)
class DemoIncident:
    ref: str
    organisation: str  # slug
    project_key: str
    title: str
    summary: str
    occurred_on: date
    precision: str
    country: str
    region: str  # ISO 3166-2 code
    status: str
    attack_type: str
    perpetrator_type: str
    role: str  # incidents.models.Role
    certainty: str  # incidents.models.Certainty
    defender_type: str
    defender_kind: str
    defender_name: str
    defender_alias: str
    source_kind: str
    reliability: str


STORY = DemoIncident(
    ref="demo-000",
    organisation="red-andina",
    project_key="el-roble",
    title="Night-time death threat against a community leader opposing the El Roble mine expansion",
    summary=(
        "A community leader who spoke against the expansion of the El Roble gold mine at a "
        "public hearing received a handwritten death threat at home during the night. The "
        "local organisation that reported it asks for quiet diplomacy."
    ),
    occurred_on=date(2026, 10, 3),
    precision="day",
    country="CO",
    region="CO-CAU",
    status="active",
    attack_type="death_threat",
    perpetrator_type="unknown",
    role="unspecified",
    certainty="alleged",
    defender_type="community_leader",
    defender_kind="person",
    defender_name="Tomasa Yule Camayo",
    defender_alias="Defender 000",  # an alias names no place, project or role
    source_kind="direct_report",
    reliability="high",
)


#: Closed cases of earlier years: the public page publishes a country or type of attack only
#: from five counted incidents on, and the recent demo cases alone are too few for any.
ARCHIVE_STATUSES = ["closed", "resolved", "closed", "monitoring"]


def generate_incidents(
    count_per_project: int = 4, archive_per_project: int = 4
) -> list[DemoIncident]:
    """The story incident, ``count_per_project`` recent incidents per project, then
    ``archive_per_project`` older, mostly closed ones per project (seeded RNGs: the recent
    incidents are the same whatever the size of the archive)."""
    incidents = [STORY]
    recent = _incidents(random.Random(20261126), count_per_project, date(2024, 1, 1), None)
    incidents += recent
    incidents += _incidents(
        random.Random(20190101),
        archive_per_project,
        date(2019, 1, 1),
        ARCHIVE_STATUSES,
        first_number=len(recent) + 1,
    )
    return incidents


def _incidents(
    rng: random.Random,
    per_project: int,
    since: date,
    statuses: list[str] | None,
    first_number: int = 1,
) -> list[DemoIncident]:
    incidents = []
    cycle = statuses or STATUS_CYCLE
    number = first_number - 1
    for project_key, project_name, kind, country, region, *_rest in PROJECTS:
        org = "red-andina" if country in {"CO", "PE", "GT", "BR", "MX", "HN"} else "mekong-watch"
        choices = GARMENT_SCENARIOS if kind == "factory" else range(len(SCENARIOS))
        for offset in range(per_project):
            number += 1
            scenario = SCENARIOS[rng.choice(list(choices))]
            attack, perpetrator, role, dtype, dkind, title = scenario
            occurred = since + timedelta(days=rng.randrange(0, 1000))
            precision = "day" if offset % 5 else "month"
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            incidents.append(
                DemoIncident(
                    ref=f"demo-{number:03d}",
                    organisation=org,
                    project_key=project_key,
                    title=title.format(project=project_name),
                    summary=(
                        f"Reported {attack.replace('_', ' ')} linked to the {project_name} "
                        f"({kind}) in {region}. Details are held by the organisation."
                    ),
                    occurred_on=occurred,
                    precision=precision,
                    country=country,
                    region=REGION_CODES[region],
                    status=cycle[number % len(cycle)],
                    attack_type=attack,
                    perpetrator_type=perpetrator,
                    role=role,
                    certainty="alleged",
                    defender_type=dtype,
                    defender_kind=dkind,
                    defender_name=name if dkind == "person" else f"{region} {dkind} committee",
                    defender_alias=f"Defender {number:03d}",
                    source_kind=rng.choice(
                        ["direct_report", "partner_ngo", "media", "court_record"]
                    ),
                    reliability=rng.choice(["high", "medium", "medium", "low"]),
                )
            )
    return incidents
