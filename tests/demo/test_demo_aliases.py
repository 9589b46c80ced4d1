"""Demo aliases hide their person: an alias that says the place or the project ("Community
leader, El Roble") identifies someone as surely as a name, and the demo is what people copy."""

from __future__ import annotations

import re

from vigil.core.i18n import LOCALES
from vigil.core.places import region_name
from vigil.demo.catalogue import COMPANIES, PROJECTS
from vigil.demo.incidents import REGION_CODES, STORY, generate_incidents


def _words(text: str) -> set[str]:
    return {word.casefold() for word in re.findall(r"[^\W\d_]{3,}", text)}


def _forbidden() -> set[str]:
    """Every word of a project's, company's or region's name, and every country code's."""
    generic = {"gold", "mine", "copper", "the", "and", "del", "los", "las", "group", "plc"}
    names = [project[1] for project in PROJECTS] + [company[1] for company in COMPANIES]
    names += list(REGION_CODES)
    names += [region_name(code, language) for code in REGION_CODES.values() for language in LOCALES]
    return set().union(*(_words(name) for name in names)) - generic


def test_no_demo_alias_says_a_place_a_project_a_company_or_the_name():
    forbidden = _forbidden()
    assert {"roble", "cauca"} <= forbidden  # the words that identified the story's leader
    incidents = generate_incidents()
    assert len(incidents) > 20 and incidents[0] is STORY
    for item in incidents:
        said = _words(item.defender_alias) & (forbidden | _words(item.defender_name))
        assert said == set(), (item.ref, item.defender_alias, said)
        assert item.defender_alias.casefold() not in item.title.casefold()
