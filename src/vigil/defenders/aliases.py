"""Generated aliases: what staff and recipients call a defender who chose no name of their own.

A report's reporter may give "a name we may use for you"; without one, the defender is
called by a neutral word (a tree, a bird, a stone, a landscape) in the reporter's language,
so the record reads as a person's pseudonym rather than a file number ("Defender from
report 12" said which report they came from, and read like a case, not a person). The words
are not given names, places or peoples, so an alias never points at anyone. The word is
drawn at random (never from the report's number) and is unique within the organisation:
once every word of the language is taken, a number is added ("Ceibo 2").
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.defenders.models import Defender

WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "Alder", "Aspen", "Basalt", "Beacon", "Birch", "Bramble", "Canyon", "Cedar", "Comet",
        "Cypress", "Delta", "Ember", "Fern", "Fjord", "Granite", "Harbour", "Heron", "Juniper",
        "Kestrel", "Lantern", "Lichen", "Maple", "Meadow", "Moss", "Nimbus", "Oak", "Orchard",
        "Pebble", "Pine", "Quartz", "Ridge", "Sequoia", "Spruce", "Summit", "Thicket",
        "Tundra", "Valley", "Walnut", "Yarrow", "Zephyr",
    ),
    "es": (
        "Alerce", "Almendro", "Arrecife", "Bambú", "Cardón", "Ceibo", "Cedro", "Colibrí",
        "Cometa", "Cóndor", "Cuarzo", "Faro", "Garza", "Glaciar", "Granito", "Halcón",
        "Helecho", "Jacarandá", "Maguey", "Manantial", "Mirlo", "Musgo", "Nogal", "Olmo",
        "Ombú", "Páramo", "Pino", "Quebracho", "Mangle", "Roble", "Sauce", "Tapir", "Tucán",
        "Vicuña", "Zorzal", "Algarrobo", "Arrayán", "Guayacán", "Canelo", "Junco",
    ),
    "fr": (
        "Aulne", "Bouleau", "Bruyère", "Cèdre", "Châtaignier", "Chêne", "Colibri", "Comète",
        "Cyprès", "Érable", "Faucon", "Fougère", "Frêne", "Glacier", "Granit", "Héron", "Houx",
        "Lichen", "Mélèze", "Merle", "Mousse", "Noyer", "Orme", "Peuplier", "Phare", "Pin",
        "Platane", "Quartz", "Roseau", "Rocher", "Ruisseau", "Sapin", "Saule", "Sommet",
        "Sureau", "Tilleul", "Torrent", "Vallon", "Baobab", "Genévrier",
    ),
    "pt": (
        "Araucária", "Aroeira", "Bambu", "Baobá", "Beija-flor", "Buriti", "Cacto", "Carvalho",
        "Cedro", "Cerrado", "Cometa", "Coral", "Farol", "Garça", "Gavião", "Granito", "Ipê",
        "Jatobá", "Jequitibá", "Mangue", "Musgo", "Nogueira", "Pau-brasil", "Pinheiro",
        "Pitanga", "Quartzo", "Riacho", "Sabiá", "Samaúma", "Tucano", "Vale", "Juazeiro",
        "Umbu", "Caju", "Jacarandá", "Aguapé", "Angico", "Babaçu", "Cajueiro", "Seriema",
    ),
}  # fmt: skip


def words_for(language: str) -> tuple[str, ...]:
    """The alias words of ``language`` (``pt-BR`` → ``pt``), English for any other."""
    return WORDS.get(language.split("-")[0].split("_")[0].lower(), WORDS["en"])


def generate_alias(session: Session, *, org_id: int, language: str) -> str:
    """A pseudonym in ``language``, not yet used by a defender of the organisation."""
    taken = set(session.scalars(select(Defender.alias).where(Defender.organisation_id == org_id)))
    words = words_for(language)
    free = [word for word in words if word not in taken]
    if free:
        return secrets.choice(free)
    word = secrets.choice(words)
    number = 2
    while f"{word} {number}" in taken:
        number += 1
    return f"{word} {number}"
