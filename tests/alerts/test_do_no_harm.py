"""Asks that cannot harm (issue 18 point 4).

Every bundled playbook × tier × purpose × language × strategy is rendered: each message carries
the do-no-harm paragraph (confidentiality, no security measures of one's own, no contact with
the defender or those close to them, no tip to local authorities or armed forces, no public
statement); no message asks for an internal inquiry among employees or for a report to the
authorities (phrases taken from the texts as they were); under quiet diplomacy no message asks
for a public act. An imported playbook without any of this gets the paragraph too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from itertools import product

import pytest
from sqlalchemy import select

from vigil.alerts.compose import Facts, Links, compose
from vigil.alerts.do_no_harm import do_no_harm_paragraph
from vigil.alerts.message import preview, write_message
from vigil.alerts.service import draft_alert
from vigil.core.i18n import LOCALES
from vigil.defenders.consent import Strategy, record_consent
from vigil.demo.alerts import load_alert_demo
from vigil.incidents.models import Act
from vigil.incidents.service import find_incident_by_ref
from vigil.organisations.models import Organisation
from vigil.playbooks.parsing import parse_playbook_yaml
from vigil.playbooks.schema import RECIPIENT_TYPES, dump_document
from vigil.playbooks.service import default_playbook_files
from vigil.vocabularies.service import read_seed_terms

ATTACK_TYPES = {row["code"] for row in read_seed_terms() if row["vocabulary"] == "attack_type"}
FACTS = Facts(
    incident_id=4242,
    defender="Alias",
    attack_type_labels=dict.fromkeys(LOCALES, "Attack"),
    country="CO",
    region="CO-CAU",
    occurred_on=date(2026, 3, 14),
    company="Company",
    project="Project",
    analyst_note="",
    organisation="Sending Org",
    urgency=3,
)
LINKS = Links(
    acknowledge_url="https://vigil.example.org/l/a",
    request_info_url="https://vigil.example.org/l/i",
    respond_url="https://vigil.example.org/l/r",
    unsubscribe_url="https://vigil.example.org/l/u",
)
PURPOSES = ("alert", "reminder", "escalation", "resolution")
STRATEGIES = ("quiet", "public")
RECIPIENTS = (None, *RECIPIENT_TYPES)

#: What the texts asked before: an inquiry among staff (tips off suspects, exposes witnesses),
#: a report to the authorities without the defender's consent, family protection decided by
#: the company.
FORBIDDEN = {
    "en": [
        "find out whether",
        "whether any employee",
        "tell us what you find",
        "reported to the competent authorities",
        "report to the authorities",
        "how the safety of the family",
    ],
    "es": [
        "averigüe si",
        "si algún empleado",
        "nos informe de lo que encuentre",
        "se denuncien ante las autoridades",
        "denunciar ante las autoridades",
        "cómo se protegerá la seguridad de la familia",
    ],
    "fr": [
        "vérifier si",
        "si un salarié",
        "faire part de vos constats",
        "signalés aux autorités compétentes",
        "comment la sécurité de la famille",
        "la manière dont la sécurité de la famille",
    ],
    "pt": [
        "apure se",
        "algum trabalhador",
        "o que apurar",
        "comunicados às autoridades competentes",
        "como será protegida a segurança da família",
    ],
}
#: A public act: a statement, or speaking to the community (which reaches the stigmatisers).
PUBLIC_ACTS = {
    "en": ["public statement", "publicly", "to the community"],
    "es": ["declaración pública", "públicamente", "ante la comunidad"],
    "fr": ["déclaration publique", "publiquement", "auprès de la communauté"],
    "pt": ["declaração pública", "publicamente", "perante a comunidade"],
}
CONFIDENTIAL = {
    "en": "confidential",
    "es": "confidencial",
    "fr": "confidentiel",
    "pt": "confidencial",
}
PREVIOUSLY_WITHOUT_CONFIDENTIALITY = ("smear_campaign", "judicial_harassment")


def _documents() -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    return [
        (path.stem, dump_document(parse_playbook_yaml(path.read_text(), attack_types=ATTACK_TYPES)))
        for path in default_playbook_files()
    ]


def _messages(document):  # type: ignore[no-untyped-def]
    """Every (language, tier, purpose, strategy, text) the playbook can send, to every
    recipient type (and to a recipient of no type: the general message)."""
    for language in LOCALES:
        for tier in range(1, len(document["tiers"]) + 1):
            for purpose, strategy, kind in product(PURPOSES, STRATEGIES, RECIPIENTS):
                message = compose(
                    document,
                    replace(FACTS, strategy=strategy),
                    language=language,
                    recipient_name="Recipient",
                    tier=tier,
                    purpose=purpose,
                    links=LINKS,
                    alert_id=7,
                    recipient_type=kind,
                )
                yield language, tier, purpose, strategy, message


@pytest.mark.parametrize(("code", "document"), _documents())
def test_every_message_carries_the_do_no_harm_paragraph_before_the_links(code, document):
    for language, tier, purpose, strategy, message in _messages(document):
        paragraph = do_no_harm_paragraph(language, strategy=strategy, organisation="Sending Org")
        where = (code, language, tier, purpose, strategy)
        assert message.text.count(paragraph) == 1, where
        assert message.payload["text"] == message.text
        assert paragraph.split(":")[0] in message.html, where
        if purpose == "resolution":  # a short notice: no asks, no links but unsubscribing
            assert LINKS.acknowledge_url not in message.text, where
            assert message.text.index(paragraph) < message.text.index(LINKS.unsubscribe_url)
            continue
        # It follows the asks and precedes the links, in the HTML version too.
        assert message.text.index(paragraph) < message.text.index(LINKS.acknowledge_url), where
        assert message.text.index("2.") < message.text.index(paragraph), where
        assert paragraph.split(":")[0] in message.html, where


@pytest.mark.parametrize(("code", "document"), _documents())
def test_no_message_asks_for_an_internal_inquiry_or_a_report_to_the_authorities(code, document):
    for language, tier, purpose, strategy, message in _messages(document):
        text = message.text.casefold()
        for phrase in FORBIDDEN[language]:
            assert phrase.casefold() not in text, (code, language, tier, purpose, strategy, phrase)


@pytest.mark.parametrize(("code", "document"), _documents())
def test_under_quiet_diplomacy_no_message_asks_for_a_public_act(code, document):
    for language, _tier, _purpose, strategy, message in _messages(document):
        if strategy != "quiet":
            continue
        paragraph = do_no_harm_paragraph(language, strategy="quiet", organisation="Sending Org")
        asks = message.text.replace(paragraph, "").casefold()
        for phrase in PUBLIC_ACTS[language]:
            assert phrase not in asks, (code, language, phrase)


def test_the_smear_playbook_speaks_to_the_community_only_under_public_action():
    document = dict(_documents())["smear_campaign"]
    said = {
        strategy: compose(
            document,
            replace(FACTS, strategy=strategy),
            language="en",
            recipient_name="Recipient",
            tier=1,
            purpose="alert",
            links=LINKS,
            alert_id=7,
        ).text
        for strategy in STRATEGIES
    }
    assert "to the community" in said["public"]
    assert "to the community" not in said["quiet"]


@pytest.mark.parametrize("code", PREVIOUSLY_WITHOUT_CONFIDENTIALITY)
def test_smear_and_judicial_messages_ask_for_confidentiality(code):
    document = dict(_documents())[code]
    for language, _tier, _purpose, strategy, message in _messages(document):
        assert CONFIDENTIAL[language] in message.text.casefold(), (code, language, strategy)


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("language", LOCALES)
def test_the_paragraph_says_every_do_no_harm_rule(language, strategy):
    paragraph = do_no_harm_paragraph(language, strategy=strategy, organisation="Sending Org")
    assert paragraph.count("Sending Org") == 2  # authorities and public statements
    assert CONFIDENTIAL[language] in paragraph
    scope = {
        "quiet": {"en": "about this case", "es": "sobre este caso", "fr": "sur cette affaire"},
        "public": {"en": "naming the defender", "fr": "nommant la personne défenseure"},
    }[strategy].get(language)
    if scope:
        assert scope in paragraph
    if language == "pt":  # Brazilian Portuguese, like the interface
        assert "você" in paragraph and "contato" in paragraph


def test_an_imported_playbook_gets_the_paragraph_too():
    document = dict(_documents())["death_threat"]
    bare = {
        **document,
        "messages": {
            "en": {"subject": "Case {{ case_reference }}", "body": "Please help {{ defender }}."},
        },
    }
    message = compose(
        bare,
        FACTS,
        language="es",
        recipient_name="Recipient",
        tier=1,
        purpose="alert",
        links=LINKS,
        alert_id=7,
    )
    paragraph = do_no_harm_paragraph("en", strategy="quiet", organisation="Sending Org")
    assert message.text == f"Please help Alias.\n\n{paragraph}\n"


def test_without_the_link_the_paragraph_goes_before_the_closing_paragraph():
    document = dict(_documents())["death_threat"]
    body = "Dear {{ recipient_name }},\n\nPlease help.\n\nThank you,\n{{ organisation }}"
    bare = {**document, "messages": {"fr": {"subject": "Dossier", "body": body}}}
    message = compose(
        bare,
        replace(FACTS, strategy="public"),
        language="fr",
        recipient_name="R",
        tier=1,
        purpose="reminder",
        links=LINKS,
        alert_id=7,
    )
    paragraph = do_no_harm_paragraph("fr", strategy="public", organisation="Sending Org")
    assert message.text == f"Dear R,\n\nPlease help.\n\n{paragraph}\n\nThank you,\nSending Org\n"


def test_the_preview_of_a_real_alert_follows_the_defenders_strategy(
    session, vault, settings, demo_data
):
    """Through the service, on both databases: the paragraph in the organisation's name,
    widening from "about this case" to "naming the defender" only once the defender chose
    public action."""
    load_alert_demo(session)
    org = session.scalar(select(Organisation).where(Organisation.slug == "red-andina"))
    incident = find_incident_by_ref(session, org_id=org.id, external_ref="demo-000")
    alert = draft_alert(session, org_id=org.id, incident_id=incident.id, actor_user_id=None)
    quiet = {m.language: m.text for m in preview(session, vault, org_id=org.id, alert_id=alert.id)}
    assert set(quiet) == set(LOCALES)
    assert (
        f"make no public statement about this case unless agreed through {org.name}"
        in (quiet["en"])
    )
    assert "declaración pública sobre este caso" in quiet["es"]
    record_consent(
        session,
        given_by="defender",
        org_id=org.id,
        defender_id=session.scalar(select(Act.victim_id).where(Act.incident_id == incident.id)),
        scope="strategy",
        decision=Strategy.public,
        method="phone",
        actor_user_id=None,
    )
    write_message(
        session,
        vault,
        org_id=org.id,
        alert_id=alert.id,
        note="",
        share_level="alias",
        actor_user_id=None,
    )
    public = {m.language: m.text for m in preview(session, vault, org_id=org.id, alert_id=alert.id)}
    assert "make no public statement naming the defender" in public["en"]
    assert "about this case unless" not in public["en"]
    assert "que cite o nome da pessoa defensora" in public["pt"]
