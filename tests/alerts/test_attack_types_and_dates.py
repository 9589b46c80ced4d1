"""What a message says of the attack and its date (issue 18 leftovers), on SQLite and
PostgreSQL: every attack type of the case, joined as the language joins a list, not only the
first one; and a date said with the preposition its precision takes ("on 14 March 2026" but
"in March 2026"), so a generalised alert never reads "on March 2026"."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import make_incident, make_org
from vigil.alerts.attack_types import join_labels
from vigil.alerts.compose import Links, compose, say_when
from vigil.alerts.facts import facts_for
from vigil.alerts.models import Alert
from vigil.core.i18n import LOCALES
from vigil.incidents.models import Act
from vigil.playbooks.models import Playbook
from vigil.playbooks.service import default_playbook_files, import_playbook
from vigil.vocabularies.service import get_term

LINKS = Links(
    "https://x.example/a", "https://x.example/i", "https://x.example/r", "https://x.example/u"
)
SAYS = {
    "messages": {
        language: {
            "subject": "{{ case_reference }}",
            "body": "{{ attack_type }}|{{ attack_type|lower }}|{{ occurred_when }}",
        }
        for language in LOCALES
    },
    "tiers": [{"label": {"en": "Tier"}, "deadline_hours": 24}],
}
TWO_TYPES = {
    "en": "Death threat and extortion|death threat and extortion",
    "es": "Amenaza de muerte y extorsión|amenaza de muerte y extorsión",
}
#: What the death-threat playbook says at the generalised level: the month, with "in".
MONTH_IN_THE_PLAYBOOK = {
    "en": "a death threat made in March 2026 against",
    "es": "amenaza de muerte recibida en marzo de 2026 por",
    "fr": "menace de mort proférée en mars 2026 contre",
    "pt": "ameaça de morte feita em março de 2026 contra",
}
WHEN = {
    "en": ("on March 14, 2026", "in March 2026", "in 2026", "since March 2026"),
    "es": ("el 14 de marzo de 2026", "en marzo de 2026", "en 2026", "desde marzo de 2026"),
    "fr": ("le 14 mars 2026", "en mars 2026", "en 2026", "depuis mars 2026"),
    "pt": ("em 14 de março de 2026", "em março de 2026", "em 2026", "desde março de 2026"),
}


def _alert(session, org, incident, share_level: str) -> Alert:  # type: ignore[no-untyped-def]
    text = next(p for p in default_playbook_files() if p.stem == "death_threat").read_text()
    playbook = import_playbook(session, org_id=org.id, yaml_text=text, actor_user_id=None)
    alert = Alert(
        organisation_id=org.id,
        incident_id=incident.id,
        playbook_id=playbook.id,
        status="draft",
        share_level=share_level,
    )
    session.add(alert)
    session.flush()
    return alert


def _said(facts, document, language: str) -> str:  # type: ignore[no-untyped-def]
    message = compose(
        document,
        facts,
        language=language,
        recipient_name="R",
        tier=1,
        purpose="alert",
        links=LINKS,
        alert_id=1,
    )
    return message.text.split("\n\n")[0]


def _with_extortion(session, incident) -> None:  # type: ignore[no-untyped-def]
    first = session.scalar(select(Act).where(Act.incident_id == incident.id))
    extortion = get_term(session, vocabulary="attack_type", code="extortion")
    session.add(
        Act(incident_id=incident.id, attack_type_id=extortion.id, victim_id=first.victim_id)
    )
    session.flush()


@pytest.mark.parametrize("language", sorted(TWO_TYPES))
def test_a_two_type_case_names_both_types_in_the_recipients_language(session, vault, language):
    org = make_org(session)
    incident = make_incident(session, org, vault=vault, attack_type="death_threat")
    _with_extortion(session, incident)
    _with_extortion(session, incident)  # a type recorded twice is said once
    alert = _alert(session, org, incident, "alias")
    said = _said(facts_for(session, vault, alert), SAYS, language)
    assert said.rsplit("|", 1)[0] == TWO_TYPES[language]


def test_a_one_type_case_says_its_type_alone(session, vault):
    org = make_org(session)
    incident = make_incident(session, org, vault=vault, attack_type="extortion")
    alert = _alert(session, org, incident, "alias")
    assert _said(facts_for(session, vault, alert), SAYS, "fr").startswith("Extorsion|extorsion|")


def test_labels_join_as_each_language_joins_a_list():
    labels = ["Death threat", "Extortion", "Surveillance"]
    assert join_labels(labels, "en") == "Death threat, extortion, and surveillance"
    assert join_labels(["Amenaza de muerte", "Extorsión"], "es") == "Amenaza de muerte y extorsión"
    assert join_labels(["Menace de mort", "Extorsion"], "fr") == "Menace de mort et extorsion"
    assert join_labels(["Ameaça de morte", "Extorsão"], "pt") == "Ameaça de morte e extorsão"
    assert join_labels(["Torture", "SLAPP suit"], "en") == "Torture and SLAPP suit"  # acronym
    assert join_labels([], "en") == ""
    assert join_labels(["Killing"], "xx") == "Killing"


@pytest.mark.parametrize("language", LOCALES)
def test_a_date_takes_the_preposition_of_its_precision(language):
    day, month, year, since = WHEN[language]
    when = date(2026, 3, 14)
    assert say_when(when, "day", language) == day
    assert say_when(when, "month", language) == month
    assert say_when(when, "year", language) == year
    assert say_when(when, "month", language, relation="since") == since
    assert say_when(None, "month", language) == ""


@pytest.mark.parametrize("language", LOCALES)
def test_a_generalised_alert_says_in_the_month_in_every_language(session, vault, language):
    org = make_org(session)
    incident = make_incident(session, org, vault=vault)
    incident.occurred_on = date(2026, 3, 14)
    session.flush()
    alert = _alert(session, org, incident, "generalised")
    document = session.get(Playbook, alert.playbook_id).document
    facts = facts_for(session, vault, alert)
    assert _said(facts, SAYS, language).endswith("|" + WHEN[language][1])
    text = compose(
        document,
        facts,
        language=language,
        recipient_name="R",
        tier=1,
        purpose="alert",
        links=LINKS,
        alert_id=alert.id,
    ).text
    assert MONTH_IN_THE_PLAYBOOK[language] in " ".join(text.split()), language
    assert "on March" not in text and " el marzo" not in text and " le mars" not in text
