"""A messy N-row incident CSV, and its mapping, for the 100,000-row import benchmark.

It looks like a partner organisation's spreadsheet of several years: dates day-first in
several spellings ("03/04/2019", "3-4-19", "3 de abril de 2019", a month "04/2019" or a lone
year), ISO dates pasted from another system, country names in Spanish, English, French,
German and Portuguese, department names from ISO 3166-2 with and without accents, attack
types and sectors in Spanish and English (some in the file's own words that only the
mapping translates), ages with a few typos, free text with commas, quotes and line breaks.
Victims' names are fictional: random pairs drawn from common given names and surnames, never
a real person's record. Rows are written as they are generated (constant memory) and the
same seed writes the same bytes.

    python benchmarks/imports_data.py 100000 /tmp/incidents.csv   # also writes .toml
"""

from __future__ import annotations

import csv
import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pycountry

COLUMNS = [
    "ID",
    "Fecha",
    "País",
    "Departamento",
    "Nombre de la víctima",
    "Edad",
    "Género",
    "Tipo de agresión",
    "Sector",
    "Fuente",
    "Descripción",
]
#: The same country as different sources spell it.
COUNTRY_NAMES = {
    "CO": ["Colombia", "COLOMBIA", "Colombie", "Kolumbien"],
    "BR": ["Brasil", "Brazil", "Brésil"],
    "MX": ["México", "Mexico", "Mexique"],
    "HN": ["Honduras"],
    "GT": ["Guatemala"],
    "PE": ["Perú", "Peru", "Pérou"],
    "PH": ["Filipinas", "Philippines"],
    "CD": ["RD Congo", "Democratic Republic of the Congo", "Zaire"],
}
#: Skewed like real registers: the first countries have most of the rows.
COUNTRY_WEIGHTS = [30, 20, 15, 10, 8, 7, 6, 4]
#: (file word, Vigil code): vocabulary labels in Spanish or English, or the file's own words
#: that the mapping translates (``MAPPING``).
ATTACK_WORDS = [
    ("Asesinato", "killing"),
    ("asesinato", "killing"),
    ("Killing", "killing"),
    ("homicidio", "killing"),
    ("Amenaza de muerte", "death_threat"),
    ("Death threat", "death_threat"),
    ("amenazas", "threat_intimidation"),
    ("Agresión física", "physical_assault"),
    ("Detención arbitraria", "arbitrary_detention"),
    ("Criminalización: cargos penales", "judicial_criminal"),
    ("hostigamiento", "threat_intimidation"),
    ("Desplazamiento forzado", "forced_displacement"),
]
SECTOR_WORDS = ["Minería", "Mining & Extractives", "Agronegocios", "Palma", "Hidroeléctrica"]
SECTOR_WORDS += [
    "Logging",
    "Explotación forestal",
    "Petróleo y gas",
    "Construcción e infraestructura",
]
GENDER_WORDS = ["Hombre", "Mujer", "M", "F", "", "Man", "Woman"]
GIVEN = ["Ana", "Luis", "María", "José", "Rosa", "Pedro", "Carmen", "Jorge", "Lucía", "Juan"]
GIVEN += ["Marta", "Carlos", "Isabel", "Andrés", "Elena", "Miguel", "Sofía", "Raúl", "Inés"]
SURNAMES = ["Núñez", "Pérez", "Gómez", "Rodríguez", "López", "Martínez", "Hernández", "Díaz"]
SURNAMES += ["Torres", "Ramírez", "Flores", "Rivera", "Mendoza", "Cruz", "Ortiz", "Araújo"]
WORDS = ["río", "tierra", "comunidad", "mina", "represa", "bosque", "agua", "sindicato"]
MONTHS_ES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto"]
MONTHS_ES += ["septiembre", "octubre", "noviembre", "diciembre"]
FIRST_DAY, LAST_DAY = date(2012, 1, 1), date(2025, 12, 31)

MAPPING = """\
[source]
name = "Benchmark: partner spreadsheet"
kind = "partner_ngo"

[columns]
id = "ID"
date = { column = "Fecha", order = "DMY" }
country = "País"
region = "Departamento"
victim_name = "Nombre de la víctima"
age = "Edad"
gender = "Género"
attack_type = { column = "Tipo de agresión", split = ";" }
sector = "Sector"
source_url = "Fuente"
summary = "Descripción"

[values.country]
"RD Congo" = "CD"

[values.gender]
"M" = "man"
"F" = "woman"

[values.attack_type]
"homicidio" = "killing"
"amenazas" = "threat_intimidation"
"hostigamiento" = "threat_intimidation"

[values.sector]
"Mining & Extractives" = "mining"
"Palma" = "agribusiness"
"Hidroeléctrica" = "renewable_energy"
"Petróleo y gas" = "fossil_fuels"
"""


def regions(country: str) -> list[str]:
    """Top-level ISO 3166-2 subdivision names of ``country``, sorted so the seed decides."""
    subdivisions = pycountry.subdivisions.get(country_code=country) or []
    return sorted(s.name for s in subdivisions if s.parent_code is None)


def written_date(rng: random.Random, when: date) -> str:
    """``when`` as one of the ways day-first spreadsheets write it, some coarser."""
    style = rng.random()
    if style < 0.45:
        return f"{when.day:02}/{when.month:02}/{when.year}"
    if style < 0.60:
        return f"{when.day}-{when.month}-{when.year % 100:02}"
    if style < 0.75:
        return when.isoformat()
    if style < 0.85:
        return f"{when.day} de {MONTHS_ES[when.month - 1]} de {when.year}"
    if style < 0.95:
        return f"{when.month:02}/{when.year}"
    return str(when.year)


def rows(n: int, seed: int = 15) -> Iterator[list[str]]:
    """The file's data rows, one at a time."""
    rng = random.Random(seed)
    places = {code: regions(code) for code in COUNTRY_NAMES}
    span = (LAST_DAY - FIRST_DAY).days
    for number in range(1, n + 1):
        country = rng.choices(list(COUNTRY_NAMES), COUNTRY_WEIGHTS)[0]
        region = rng.choice(places[country] or [""])
        if rng.random() < 0.3:
            region = region.upper()
        when = FIRST_DAY + timedelta(days=rng.randrange(span))
        acts = rng.sample(ATTACK_WORDS, k=1 if rng.random() < 0.8 else 2)
        yield [
            f"P-{number:07}",
            written_date(rng, when),
            rng.choice(COUNTRY_NAMES[country]),
            region,
            f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}",
            _age(rng),
            rng.choice(GENDER_WORDS),
            "; ".join(word for word, _ in acts),
            rng.choice(SECTOR_WORDS),
            f"https://example.org/casos/{number}",
            _description(rng),
        ]


def _age(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.2:
        return ""
    if roll < 0.202:
        return str(rng.randrange(1000, 5000))  # a typo the import must flag
    return str(rng.randrange(16, 85))


def _description(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randrange(3, 12))
    text = " ".join(words).capitalize() + "."
    if rng.random() < 0.1:
        text += '\nSegún la comunidad, "no fue la primera vez", dijo un vecino.'
    return text


def write_csv(path: Path, n: int, seed: int = 15) -> Path:
    """Write ``n`` rows to ``path`` (UTF-8, Windows line breaks, as Excel saves "CSV UTF-8"
    without the mark) and the mapping next to it (``path`` with ``.toml``); return the
    mapping's path."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows(n, seed))
    mapping = path.with_suffix(".toml")
    mapping.write_text(MAPPING, encoding="utf-8")
    return mapping


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("incidents-benchmark.csv")
    print(write_csv(target, count))
