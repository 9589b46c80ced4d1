"""Subjects carry the case reference only: they reach lock screens, mail gateways and logs.

Every bundled playbook, every tier, every purpose (alert, reminder, escalation, resolution),
every language, rendered with planted facts: none of them may appear in a subject. The schema
refuses a subject that asks for anything but ``case_reference``, and a stored playbook written
before that rule gets a plain "Case VIGIL-n" subject instead of its own.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from vigil.alerts.compose import Facts, Links, compose
from vigil.core.i18n import LOCALES
from vigil.core.places import region_name
from vigil.playbooks.parsing import PlaybookInvalid, parse_playbook_yaml
from vigil.playbooks.schema import SUBJECT_VARIABLES, TEMPLATE_VARIABLES, dump_document
from vigil.playbooks.service import default_playbook_files
from vigil.vocabularies.service import read_seed_terms

SEED = read_seed_terms()
ATTACK_TYPES = {row["code"] for row in SEED if row["vocabulary"] == "attack_type"}
#: Every attack-type label in every language: a subject says none, planted or fixed text.
ATTACK_LABELS = {
    row[language].casefold()
    for row in SEED
    if row["vocabulary"] == "attack_type"
    for language in LOCALES
}
PLANTED = {
    "defender": "PlantedAlias",
    "attack_type": "PlantedAttack",
    "company": "PlantedCompany",
    "project": "PlantedProject",
    "analyst_note": "PlantedNote",
}
FACTS = Facts(
    incident_id=4242,
    defender=PLANTED["defender"],
    attack_type_labels=dict.fromkeys(LOCALES, PLANTED["attack_type"]),
    country="CO",
    region="CO-CAU",
    occurred_on=date(2026, 3, 14),
    company=PLANTED["company"],
    project=PLANTED["project"],
    analyst_note=PLANTED["analyst_note"],
    organisation="PlantedOrganisation",
    urgency=3,
)
LINKS = Links(
    acknowledge_url="https://vigil.example.org/l/a",
    request_info_url="https://vigil.example.org/l/i",
    respond_url="https://vigil.example.org/l/r",
    unsubscribe_url="https://vigil.example.org/l/u",
)
PURPOSES = ("alert", "reminder", "escalation", "resolution")


def _forbidden(language: str) -> list[str]:
    """What no subject may say: the planted facts, the place, the country, the date."""
    place = [region_name("CO-CAU", language), "Cauca", "Colombia", "Colombie", "Colômbia"]
    return [*PLANTED.values(), "PlantedOrganisation", *place, "2026", "14"]


def _documents() -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    return [
        (path.stem, dump_document(parse_playbook_yaml(path.read_text(), attack_types=ATTACK_TYPES)))
        for path in default_playbook_files()
    ]


def _render(document, language: str, tier: int, purpose: str):  # type: ignore[no-untyped-def]
    return compose(
        document,
        FACTS,
        language=language,
        recipient_name="PlantedRecipient",
        tier=tier,
        purpose=purpose,
        links=LINKS,
        alert_id=7,
    )


@pytest.mark.parametrize(("code", "document"), _documents())
def test_no_bundled_subject_says_alias_company_project_place_or_attack_type(code, document):
    assert set(document["messages"]) == set(LOCALES), code
    for language in LOCALES:
        for tier in range(1, len(document["tiers"]) + 1):
            for purpose in PURPOSES:
                message = _render(document, language, tier, purpose)
                subject = message.subject
                assert "VIGIL-4242" in subject, (code, language, subject)
                assert message.payload["subject"] == subject
                for secret in _forbidden(language):
                    assert secret not in subject, (code, language, tier, purpose, secret)
                words = subject.casefold()
                said = [
                    label for label in ATTACK_LABELS if re.search(rf"\b{re.escape(label)}\b", words)
                ]
                assert said == [], (code, language, subject)
                # The facts were there to leak: the body says them (the test would bite),
                # except the resolution notice, which says none of them.
                if purpose == "resolution":
                    hidden = [*PLANTED.values(), region_name("CO-CAU", language), "2026"]
                    for secret in hidden:
                        assert secret not in message.text, (code, language, secret)
                else:
                    assert PLANTED["defender"] in message.text, (code, language)


def test_reminder_escalation_and_resolution_subjects_keep_only_the_reference():
    document = dict(_documents())["death_threat"]
    subjects = {p: _render(document, "es", 1, p).subject for p in PURPOSES}
    assert subjects["alert"] == "Urgente y confidencial: caso VIGIL-4242"
    assert (
        subjects["escalation"].endswith(subjects["alert"])
        and subjects["escalation"] != (subjects["alert"])
    )
    assert subjects["reminder"].endswith(subjects["alert"])
    assert subjects["resolution"].endswith(subjects["alert"])


@pytest.mark.parametrize("name", [n for n in TEMPLATE_VARIABLES if n not in SUBJECT_VARIABLES])
def test_the_schema_refuses_every_other_variable_in_a_subject(name):
    text = next(p for p in default_playbook_files() if p.stem == "death_threat").read_text()
    old = 'subject: "Urgente y confidencial: caso {{ case_reference }}"'
    assert text.count(old) == 1
    changed = text.replace(old, f'subject: "Urgente: {{{{ {name} }}}} {{{{ case_reference }}}}"')
    with pytest.raises(PlaybookInvalid) as caught:
        parse_playbook_yaml(changed, attack_types=ATTACK_TYPES)
    (problem,) = caught.value.problems
    line = changed.splitlines().index(
        f'    subject: "Urgente: {{{{ {name} }}}} {{{{ case_reference }}}}"'
    )
    assert problem.startswith(f"line {line + 1}: messages.es.subject: a subject may use only ")
    assert repr(name) in problem


def test_a_subject_may_use_the_case_reference_behind_a_neutral_prefix():
    text = next(p for p in default_playbook_files() if p.stem == "surveillance").read_text()
    for subject in ("{{ case_reference }}", "Case {{ case_reference | upper }}"):
        changed = re.sub(r'(\n  en:\n    subject: )"[^"]*"', rf'\1"{subject}"', text)
        assert parse_playbook_yaml(changed, attack_types=ATTACK_TYPES).messages["en"].subject == (
            subject
        )


@pytest.mark.parametrize("language", LOCALES)
def test_a_stored_subject_that_asks_for_the_alias_is_replaced_by_the_reference(language):
    """A playbook stored before the schema refused it never leaks through its subject."""
    document = dict(_documents())["killing"]
    messages = {
        code: {**message, "subject": "Urgent: {{ attack_type }} – {{ defender }} – {{ company }}"}
        for code, message in document["messages"].items()
    }
    message = _render({**document, "messages": messages}, language, 1, "escalation")
    for secret in _forbidden(language):
        assert secret not in message.subject
    expected = {"en": "Case VIGIL-4242", "es": "Caso VIGIL-4242", "fr": "Dossier VIGIL-4242"}
    expected["pt"] = "Caso VIGIL-4242"
    assert message.subject.endswith(expected[language])


def _with_en_subject(code: str, subject: str) -> str:
    text = next(p for p in default_playbook_files() if p.stem == code).read_text()
    changed, count = re.subn(r'(\n  en:\n    subject: )"[^"]*"', rf'\1"{subject}"', text)
    assert count == 1
    return changed


@pytest.mark.parametrize(
    "subject",
    [
        "Killing: {{ case_reference }}",
        "{{ case_reference }} – threat",
        "Case {{ case_reference }} (El Roble)",
        "Request",  # no reference at all
    ],
)
def test_fixed_text_beyond_a_neutral_prefix_is_refused_naming_the_playbook(subject):
    with pytest.raises(PlaybookInvalid) as caught:
        parse_playbook_yaml(_with_en_subject("killing", subject), attack_types=ATTACK_TYPES)
    (problem,) = caught.value.problems
    assert "messages.en.subject: playbook 'killing', every tier, en: the subject renders as" in (
        problem
    )


@pytest.mark.parametrize(
    "subject",
    ["Vigil case {{ case_reference }}", "  urgent AND confidential:  case {{ case_reference }}"],
)
def test_a_neutral_prefix_passes_whatever_its_letter_case(subject):
    document = parse_playbook_yaml(_with_en_subject("killing", subject), attack_types=ATTACK_TYPES)
    assert document.messages["en"].subject == subject


@pytest.mark.parametrize("language", LOCALES)
def test_a_stored_subject_with_fixed_text_is_replaced_at_compose_time(language):
    document = dict(_documents())["killing"]
    messages = {
        code: {**message, "subject": "Killing: {{ case_reference }}"}
        for code, message in document["messages"].items()
    }
    message = _render({**document, "messages": messages}, language, 1, "alert")
    assert "Killing" not in message.subject
    assert message.subject.endswith("VIGIL-4242")
