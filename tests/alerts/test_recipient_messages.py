"""A message per recipient type and purpose (issue 18 point 5).

Each recipient type gets the body its playbook wrote for it, a type without one (and a
document stored before per-type bodies existed) gets the general body; an escalation names the
silent tier's organisations and the day they were informed; a resolution is a short notice
with no alias, company or place; the Portuguese texts are Brazilian, like the interface.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
import yaml

from vigil.alerts.compose import Facts, Links, compose
from vigil.alerts.purpose_texts import Silent
from vigil.alerts.recipient_types import SPECIAL_PROCEDURES, recipient_type
from vigil.core.i18n import LOCALES
from vigil.playbooks.parsing import parse_playbook_yaml
from vigil.playbooks.schema import RECIPIENT_TYPES, dump_document
from vigil.playbooks.service import default_playbook_files

BUNDLED = (
    "arbitrary_detention",
    "death_threat",
    "judicial_harassment",
    "killing",
    "physical_assault",
    "smear_campaign",
    "surveillance",
)
FACTS = Facts(
    incident_id=77,
    defender="PlantedAlias",
    attack_type_labels=dict.fromkeys(LOCALES, "PlantedAttack"),
    country="CO",
    region="CO-CAU",
    occurred_on=date(2026, 3, 14),
    company="PlantedCompany",
    project="PlantedProject",
    analyst_note="PlantedNote",
    organisation="Sending Org",
    urgency=1,
)
LINKS = Links(
    acknowledge_url="https://vigil.example.org/l/a",
    request_info_url="https://vigil.example.org/l/i",
    respond_url="https://vigil.example.org/l/r",
    unsubscribe_url="https://vigil.example.org/l/u",
)
#: A phrase only the body written for that type says, per language.
MARKERS = {
    "company": {"en": "Guiding Principles on Business and Human Rights (Principles 11 to 13)"},
    "investor": {"en": "as an investor, buyer or lender", "pt": "como investidor, comprador"},
    "embassy": {"en": "Voices at Risk", "es": "Voices at Risk", "pt": "Voices at Risk"},
    "state_mechanism": {"en": "armed escorts", "fr": "escorte armée", "pt": "escolta armada"},
}
#: European Portuguese the Brazilian interface does not use.
EUROPEAN_PORTUGUESE = (
    "equipa", "telemóvel", "contacto", "registe", "registar", "partilh", "receção",
    "ecrã", "pseudónimo", "dirige-se a si", "pedimos-lhe", "verificámos", "ficheiro",
)  # fmt: skip


def _document(code: str) -> dict:  # type: ignore[type-arg]
    path = next(p for p in default_playbook_files() if p.stem == code)
    return dump_document(parse_playbook_yaml(path.read_text()))


def _text(document, *, kind=None, purpose="alert", language="en", silent=()):  # type: ignore[no-untyped-def]
    return compose(
        document,
        FACTS,
        language=language,
        recipient_name="Recipient",
        tier=1,
        purpose=purpose,
        links=LINKS,
        alert_id=1,
        recipient_type=kind,
        silent=silent,
    ).text


@pytest.mark.parametrize("code", BUNDLED)
def test_every_bundled_playbook_has_a_body_per_recipient_type_in_every_language(code):
    document = _document(code)
    for language in ("en", "es", "fr", "pt"):
        assert set(document["messages"][language]["by_recipient"]) == set(RECIPIENT_TYPES)


@pytest.mark.parametrize("kind", RECIPIENT_TYPES)
def test_each_recipient_type_gets_its_own_body(kind):
    document = _document("death_threat")
    for language, marker in MARKERS[kind].items():
        assert marker in _text(document, kind=kind, language=language), (kind, language)
        for other in set(RECIPIENT_TYPES) - {kind}:
            assert marker not in _text(document, kind=other, language=language), other
        assert marker not in _text(document, kind=None, language=language)


def test_a_type_without_its_own_body_and_an_old_document_get_the_general_body():
    document = _document("death_threat")
    general = _text(document)
    partial = {
        **document,
        "messages": {"en": {**document["messages"]["en"], "by_recipient": {}}},
    }
    assert _text(partial, kind="embassy") == general
    old = {
        **document,
        "messages": {"en": {k: document["messages"]["en"][k] for k in ("subject", "body")}},
    }
    assert _text(old, kind="investor") == general
    assert _text(document, kind="msi") == general  # a type no playbook writes for


def test_the_recipient_type_comes_from_role_then_kind():
    assert recipient_type(kind="company", role="security_lead") == "company"
    assert recipient_type(kind="buyer", role="procurement_lead") == "investor"
    assert recipient_type(kind="lender", role="") == "investor"
    assert recipient_type(kind="other", role="embassy_officer") == "embassy"
    assert recipient_type(kind="nhri", role="") == "state_mechanism"
    assert recipient_type(kind="protection", role="protection_programme") == "state_mechanism"
    assert recipient_type(kind="other", role="special_procedures") == SPECIAL_PROCEDURES
    assert recipient_type(kind="msi", role="msi_secretariat") is None


@pytest.mark.parametrize("language", ["en", "es", "fr", "pt"])
def test_an_escalation_names_the_silent_organisations_and_when_they_were_informed(language):
    silent = (Silent("Operator S.A.", date(2026, 3, 14)), Silent("Parent plc", date(2026, 3, 15)))
    text = _text(_document("death_threat"), purpose="escalation", language=language, silent=silent)
    assert "Operator S.A." in text and "Parent plc" in text
    assert re.search(r"14", text) and re.search(r"15", text)
    assert text.index("Operator S.A.") < text.index(LINKS.acknowledge_url)
    plain = _text(_document("death_threat"), purpose="alert", language=language)
    assert "Operator S.A." not in plain


@pytest.mark.parametrize("code", BUNDLED)
@pytest.mark.parametrize("language", ["en", "es", "fr", "pt"])
def test_the_resolution_notice_says_no_case_details(code, language):
    text = _text(_document(code), purpose="resolution", language=language, kind="investor")
    for secret in ("PlantedAlias", "PlantedCompany", "PlantedProject", "PlantedNote", "Cauca"):
        assert secret not in text, (code, language, secret)
    assert "VIGIL-77" in text and LINKS.acknowledge_url not in text
    assert len(text) < 1600


@pytest.mark.parametrize("code", BUNDLED)
def test_portuguese_texts_are_brazilian(code):
    path = next(p for p in default_playbook_files() if p.stem == code)
    data = yaml.safe_load(path.read_text())
    texts = [data["title"]["pt"], data["guidance"]["pt"]]
    texts += [tier["label"]["pt"] for tier in data["tiers"]]
    message = data["messages"]["pt"]
    texts += [message["body"], *(v["body"] for v in message["by_recipient"].values())]
    said = " ".join(texts).casefold()
    for word in EUROPEAN_PORTUGUESE:
        assert not re.search(rf"\b{re.escape(word)}", said), (code, word)


def test_the_schema_checks_recipient_bodies_and_loads_documents_without_them():
    from tests.alerts.test_alert_flow import PLAYBOOK
    from vigil.playbooks.parsing import PlaybookInvalid

    assert parse_playbook_yaml(PLAYBOOK).messages["en"].by_recipient == {}
    variant = "\n".join(
        [
            "    by_recipient:",
            "      ngo:",
            "        body: 'Dear {{ recipient_name }}'",
            "      embassy:",
            "        body: 'Dear {{ recipient_name }}, {{ acknowledge_url }}'",
        ]
    )
    text = PLAYBOOK.replace(
        "      Unsubscribe: {{ unsubscribe_url }}\n  es:",
        f"      Unsubscribe: {{{{ unsubscribe_url }}}}\n{variant}\n  es:",
    )
    with pytest.raises(PlaybookInvalid) as refused:
        parse_playbook_yaml(text)
    assert "messages.en.by_recipient.ngo" in str(refused.value)
    fixed = text.replace("      ngo:\n        body: 'Dear {{ recipient_name }}'\n", "")
    with pytest.raises(PlaybookInvalid) as refused:
        parse_playbook_yaml(fixed)
    assert "by_recipient.embassy.body: the body must include {{ unsubscribe_url }}" in str(
        refused.value
    )
