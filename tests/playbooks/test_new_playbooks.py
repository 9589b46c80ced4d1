"""The missing playbooks (issue 18 point 7), on SQLite and PostgreSQL: enforced disappearance
(split from abduction), sexual violence (survivor-led), threats against family members and
forced displacement, threat or intimidation, forced eviction and anti-union reprisal. Each
validates in the four languages, installs with the defaults and is the one proposed for its
attack types; the do-no-harm and subject tests (tests/alerts) cover them as bundled files.
The judicial-harassment guidance states the EU anti-SLAPP Directive correctly."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from tests.factories import make_org
from vigil.alerts.survivor_led import COMPANY_ROLES
from vigil.core.i18n import LOCALES
from vigil.playbooks.parsing import parse_playbook_yaml
from vigil.playbooks.service import (
    default_playbook_files,
    install_default_playbooks,
    playbook_for_attack_type,
)
from vigil.vocabularies.service import SEED_FILE, get_term, read_seed_terms

ATTACK_TYPES = {row["code"] for row in read_seed_terms() if row["vocabulary"] == "attack_type"}
#: Playbook code → the attack types it is the proposed playbook for.
NEW = {
    "enforced_disappearance": ["enforced_disappearance"],
    "abduction": ["abduction"],
    "sexual_violence": ["sexual_violence"],
    "threat_family": ["threat_family", "forced_displacement"],
    "threat_intimidation": ["threat_intimidation"],
    "forced_eviction": ["forced_eviction"],
    "anti_union_reprisal": ["job_loss_anti_union"],
}
WORKING_GROUP_GUIDANCE = "A/HRC/47/39/Add.2"


def _document(code: str):  # type: ignore[no-untyped-def]
    path = next(p for p in default_playbook_files() if p.stem == code)
    return parse_playbook_yaml(path.read_text(encoding="utf-8"), attack_types=ATTACK_TYPES)


@pytest.mark.parametrize("code", NEW)
def test_each_new_playbook_validates_in_the_four_languages(code):
    document = _document(code)
    assert document.code == code
    assert sorted(document.attack_types) == sorted(NEW[code])
    assert set(document.title) == set(LOCALES)
    assert set(document.guidance) == set(LOCALES)
    assert set(document.messages) == set(LOCALES)
    for tier in document.tiers:
        assert set(tier.label) == set(LOCALES)
    for language in LOCALES:
        assert WORKING_GROUP_GUIDANCE in document.guidance[language], (code, language)
        assert "{{ case_reference }}" in document.messages[language].subject
    # Brazilian Portuguese, like the interface.
    assert "você" in document.messages["pt"].body and "contato" in document.messages["pt"].body


def test_new_playbooks_install_and_are_proposed_for_their_attack_types(session):
    org = make_org(session)
    installed = {p.code for p in install_default_playbooks(session, org_id=org.id)}
    assert set(NEW) <= installed
    for code, attack_types in NEW.items():
        for attack_type in attack_types:
            found = playbook_for_attack_type(session, org_id=org.id, attack_type_code=attack_type)
            assert found is not None and found.code == code, attack_type


def test_enforced_disappearance_is_split_from_abduction(session):
    """Both codes are valid terms; the enforced-disappearance playbook does not cover a
    kidnapping by non-state actors, and says why the state's role matters."""
    org = make_org(session)
    install_default_playbooks(session, org_id=org.id)
    abduction = get_term(session, vocabulary="attack_type", code="abduction")
    enforced = get_term(session, vocabulary="attack_type", code="enforced_disappearance")
    assert "disappearance" not in abduction.label_en.casefold()
    assert enforced.label_en == "Enforced disappearance"
    chosen = playbook_for_attack_type(
        session, org_id=org.id, attack_type_code="enforced_disappearance"
    )
    assert chosen.code == "enforced_disappearance" and "abduction" not in chosen.attack_types
    other = playbook_for_attack_type(session, org_id=org.id, attack_type_code="abduction")
    assert other is not None and other.code == "abduction"
    guidance = _document("enforced_disappearance").guidance["en"]
    for needed in ("acquiescence", "Working Group on Enforced or Involuntary Disappearances"):
        assert needed in guidance


#: A ransom is never advised on or mentioned in a message, in any language.
RANSOM = {"en": "ransom", "es": "rescate", "fr": "rançon", "pt": "resgate"}


def test_the_abduction_playbook_gives_no_ransom_advice_and_puts_the_family_first():
    document = _document("abduction")
    guidance = " ".join(document.guidance["en"].split())
    for needed in (
        "Family first",
        "No ransom advice",
        "preserve records",
        "official investigation",
        "without the family's consent",
        "contractors and providers",
        "prosecutor",
        "protection programme",
        "enforced disappearance",
    ):
        assert needed in guidance, needed
    assert guidance.index("Family first") < guidance.index("State protection")
    for language, word in RANSOM.items():
        assert word in document.guidance[language].casefold(), language
        assert word not in document.messages[language].body.casefold(), language
        assert "2." in document.messages[language].body
    first = document.tiers[0].recipients
    roles = {(s.role, s.of, s.country) for s in first}
    assert ("protection_programme", None, "incident") in roles  # state protection at hour 0
    assert ("security_lead", "operator", None) in roles  # left out when the company is implicated
    english = document.messages["en"].body
    assert "contractors and security providers" in english and "prosecutor" in english


def test_the_sexual_violence_playbook_names_no_company():
    document = _document("sexual_violence")
    for tier in document.tiers:
        for selector in tier.recipients:
            assert selector.of in (None, "embassy"), selector
            assert selector.role not in COMPANY_ROLES, selector
    guidance = document.guidance["en"]
    for needed in ("Care first", "72 hours", "psychosocial", "A woman", "No company is alerted"):
        assert needed in guidance


@pytest.mark.parametrize(
    ("code", "needed"),
    [
        ("forced_eviction", ["Article 10", "free, prior and informed consent", "VGGT"]),
        ("anti_union_reprisal", ["Convention 87", "Convention 98", "global union federation"]),
        ("threat_family", ["Internal Displacement", "person at risk in their own right"]),
    ],
)
def test_each_playbook_cites_its_own_standards(code, needed):
    guidance = _document(code).guidance["en"]
    for phrase in needed:
        assert phrase in guidance, (code, phrase)


def test_the_judicial_guidance_states_the_directive_correctly():
    guidance = _document("judicial_harassment").guidance
    english = guidance["en"]
    # Article 4(3)(a) as written: not "manifestly" (that is Article 11's early dismissal).
    assert "manifestly disproportionate" not in english
    assert "disproportionate, excessive or unreasonable nature of the claim" in english
    assert "excessive dispute value" in english
    assert "does not apply to criminal proceedings" in english
    assert "civil and commercial matters with cross-border implications" in english
    assert "criminalisation has indicators of its own" in english
    for language, (phrase, before) in {
        "es": ("desproporcionado, excesivo o irrazonable", "manifiestamente desproporcionada"),
        "fr": ("disproportionné, excessif ou déraisonnable", "manifestement disproportionnée"),
        "pt": ("desproporcional, excessivo ou despropositado", "manifestamente desproporcional"),
    }.items():
        assert phrase in guidance[language], language
        assert before not in guidance[language], language
        assert "2015" in guidance[language]  # the IACHR report on criminalisation


def test_the_attack_type_codes_are_unique():
    with SEED_FILE.open(encoding="utf-8", newline="") as handle:
        keys = Counter((row["vocabulary"], row["code"]) for row in csv.DictReader(handle))
    assert [key for key, n in keys.items() if n > 1] == []
    assert {"abduction", "enforced_disappearance", "threat_family", "forced_displacement"} <= (
        ATTACK_TYPES
    )
