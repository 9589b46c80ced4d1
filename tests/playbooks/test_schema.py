"""The playbook document: every bundled default is valid, and every kind of mistake a
coordinator can make in the YAML is refused with a message that says where and what."""

from __future__ import annotations

import pytest
import yaml

from vigil.playbooks.parsing import PlaybookInvalid, parse_playbook_yaml
from vigil.playbooks.schema import SAMPLE_CONTEXT, TEMPLATE_ENV, TEMPLATE_VARIABLES, dump_document
from vigil.playbooks.service import default_playbook_files
from vigil.vocabularies.service import read_seed_terms

ATTACK_TYPES = {row["code"] for row in read_seed_terms() if row["vocabulary"] == "attack_type"}
DEATH_THREAT = next(p for p in default_playbook_files() if p.stem == "death_threat").read_text()
REQUIRED_DEFAULTS = {
    "death_threat": {"death_threat"},
    "killing": {"killing"},
    "physical_assault": {"physical_assault"},
    "judicial_harassment": {"judicial_criminal", "judicial_civil_slapp"},
    "smear_campaign": {"smear_campaign"},
    "surveillance": {"surveillance", "digital_attack"},
    "arbitrary_detention": {"arbitrary_detention"},
}


def problems_of(text: str) -> list[str]:
    with pytest.raises(PlaybookInvalid) as caught:
        parse_playbook_yaml(text, attack_types=ATTACK_TYPES)
    assert str(caught.value).startswith("The playbook is not valid")
    return caught.value.problems


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


@pytest.mark.parametrize("path", default_playbook_files(), ids=lambda p: p.stem)
def test_every_default_playbook_is_valid_and_complete(path):
    text = path.read_text(encoding="utf-8")
    document = parse_playbook_yaml(text, attack_types=ATTACK_TYPES)
    assert document.code == path.stem
    for field in (document.title, document.guidance):
        assert set(field) == {"en", "es", "fr", "pt"}
    assert set(document.messages) == {"en", "es", "fr", "pt"}
    assert len(document.guidance["en"].split("\n\n")) >= 4  # several paragraphs
    for tier in document.tiers:
        assert set(tier.label) == {"en", "es", "fr", "pt"}
    for language, message in document.messages.items():
        body = TEMPLATE_ENV.from_string(message.body).render(SAMPLE_CONTEXT)
        assert SAMPLE_CONTEXT["acknowledge_url"] in body, language
        assert SAMPLE_CONTEXT["unsubscribe_url"] in body, language
        assert SAMPLE_CONTEXT["defender"] in body, language
        assert "{{" not in body and "{%" not in body


def test_the_required_attack_types_each_have_a_default():
    covered = {}
    for path in default_playbook_files():
        document = parse_playbook_yaml(path.read_text(), attack_types=ATTACK_TYPES)
        covered[document.code] = set(document.attack_types)
    for code, attack_types in REQUIRED_DEFAULTS.items():
        assert attack_types <= covered[code], code


def test_the_death_threat_default_follows_the_documented_protocol():
    document = dump_document(parse_playbook_yaml(DEATH_THREAT, attack_types=ATTACK_TYPES))
    first, second, third = document["tiers"]
    assert first["deadline_hours"] == 24
    assert {"role": "security_lead", "of": "operator"} in first["recipients"]
    assert {"role": "human_rights_lead", "of": "parent"} in first["recipients"]
    assert {"of": "buyer", "max_tier": 1} in second["recipients"]
    assert {"of": "investor", "min_percentage": 1} in second["recipients"]
    assert {"of": "embassy"} in third["recipients"]
    assert {"role": "special_procedures"} in third["recipients"]
    assert document["chain"][0] == {"notify": 1}
    # By default a tier is passed over when it gives no substantive response (acknowledging
    # is not responding); the weaker rule is only for a playbook that chooses it.
    assert {"escalate_if_no_response": {"from": 1, "to": 2}} in document["chain"]
    assert not any("escalate_if_unacknowledged" in step for step in document["chain"])


def test_the_stored_document_keeps_the_yaml_keys_and_numbers():
    document = dump_document(parse_playbook_yaml(DEATH_THREAT))
    assert set(document) == {
        "code",
        "title",
        "attack_types",
        "urgency",
        "guidance",
        "tiers",
        "chain",
        "messages",
    }
    assert document["chain"][1] == {"wait_hours": 8}  # 8, not 8.0; unset keys left out
    assert document["tiers"][0]["channels"] == ["email", "webhook"]
    # Re-reading the stored document gives the same document (what export/import relies on).
    again = parse_playbook_yaml(yaml.safe_dump(document, allow_unicode=True))
    assert dump_document(again) == document


def test_a_yaml_syntax_error_gives_line_and_column():
    text = DEATH_THREAT.replace("urgency: 0", "urgency: [0")
    (problem,) = problems_of(text)
    assert problem.startswith("YAML syntax error at line ")
    assert "column" in problem


def test_an_unknown_leverage_role_names_the_path_line_and_choices():
    text = DEATH_THREAT.replace("{of: lender}", "{of: finance}")
    (problem,) = problems_of(text)
    line = line_of(text, "{of: finance}")
    assert problem.startswith(
        f"line {line}: tiers[1].recipients[2].of: unknown leverage role 'finance' (choose from "
    )
    assert "investor" in problem and "lender" in problem


def test_an_unknown_contact_role_is_refused():
    text = DEATH_THREAT.replace("{role: special_procedures}", "{role: un_expert}")
    (problem,) = problems_of(text)
    assert "tiers[2].recipients[1].role: unknown contact role 'un_expert'" in problem


def test_a_chain_step_naming_a_missing_tier_is_refused():
    text = DEATH_THREAT.replace("{remind: 3}", "{remind: 4}")
    (problem,) = problems_of(text)
    assert f"line {line_of(text, '{remind: 4}')}: chain[10].remind: tier 4 does not exist" in (
        problem
    )


def test_a_template_with_an_unknown_variable_names_language_and_field():
    # Only the language's main body is changed (the first occurrence: per-recipient bodies,
    # which repeat the greeting, come after it and are checked the same way).
    text = DEATH_THREAT.replace("Estimado/a {{ recipient_name }}", "Estimado/a {{ nombre }}", 1)
    (problem,) = problems_of(text)
    assert f"line {line_of(text, '{{ nombre }}')}: messages.es.body: unknown variable 'nombre'" in (
        problem
    )
    assert "recipient_name" in problem  # the available variables are listed


def test_problems_in_a_subject_and_its_body_are_both_reported():
    text = DEATH_THREAT.replace("case {{ case_reference }}", "case {{ case_reference }")
    text = text.replace("Dear {{ recipient_name }}", "Dear {{ name }}", 1)
    problems = problems_of(text)
    assert [p.split(": ")[1] for p in problems] == ["messages.en.subject", "messages.en.body"]


def test_a_template_syntax_error_points_at_its_line():
    text = DEATH_THREAT.replace("Bonjour {{ recipient_name }},", "Bonjour {{ recipient_name },", 1)
    (problem,) = problems_of(text)
    assert problem.startswith(f"line {line_of(text, 'Bonjour {{')}: messages.fr.body: template")


def test_english_is_required_for_messages_title_and_guidance():
    text = DEATH_THREAT.replace("\n  en:\n    subject:", "\n  de:\n    subject:")
    assert any("messages: an English message (en) is required" in p for p in problems_of(text))
    text = DEATH_THREAT.replace("title:\n  en: Death threat\n", "title:\n")
    assert any("title: an English text (en) is required" in p for p in problems_of(text))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("urgency: 0", "urgency: 0\nurgency: 1", "urgency: this key appears twice"),
        ("urgency: 0", "urgency: &u 0\nextra: *u", "aliases (*name) are not allowed"),
        ("urgency: 0", "urgency: 0\ncolour: red", "colour: unknown key"),
        ("urgency: 0", "urgency: 5", "urgency: input should be less than or equal to 3"),
        ("[death_threat]", "[death_threats]", "unknown attack type 'death_threats'"),
        ("{wait_hours: 8}", "{wait_hours: 0}", "chain[1].wait_hours: input should be greater"),
        ("{wait_hours: 8}", "{wait_hours: 8, notify: 2}", "chain[1]: a step has exactly one key"),
        ("{wait_hours: 8}", "{pause: 8}", "chain[1]: unknown step 'pause'"),
        ("  - {notify: 1}\n", "  - {wait_hours: 1}\n", "chain[0]: the chain must start with"),
        ("from_step: 9", "from_step: 11", "chain[11].repeat.from_step: must be an earlier step"),
        ("from_step: 9", "from_step: 10", "chain[11].repeat: steps 10 to 10 need a wait_hours"),
        ("{from: 2, to: 3}", "{from: 2, to: 2}", "from and to are the same"),
        (
            "{escalate_if_no_response: {from: 1, to: 2}}",
            "{escalate_if_unacknowledged: {from: 1, to: 1}}",
            "chain[4].escalate_if_unacknowledged: from and to are the same",
        ),
        (
            "{escalate_if_no_response: {from: 1, to: 2}}",
            "{escalate_if_no_response: {from: 1}}",
            "chain[4].escalate_if_no_response.to",
        ),
        ("country: incident", "country: NO", "quote the value"),
        ("{of: lender}", "{of: lender, max_tier: 1}", "max_tier only applies to buyers"),
        ("{of: lender}", "{of: lender, min_percentage: 5}", "min_percentage only applies"),
        ("{of: lender}", "{country: incident}", "needs at least one of role, of or group"),
        ("channels: [email, webhook]", "channels: [email, fax]", "channels[1]: input should be"),
        ("    deadline_hours: 48\n", "", "tiers[1].deadline_hours: is required"),
        (
            "{escalate_if_no_response: {from: 2, to: 3}}",
            "{wait_hours: 1}",
            "tiers[2]: tier 3 is never notified",
        ),
        (
            "To stop receiving them: {{ unsubscribe_url }}",
            "Thank you.",
            "messages.en.body: the body must include {{ unsubscribe_url }}",
        ),
        (
            "Dear {{ recipient_name }},",
            "Dear {{ recipient_name.x.y }},",
            "messages.en.body: the template cannot be rendered",
        ),
    ],
)
def test_mistakes_are_refused_with_their_place(old, new, expected):
    assert DEATH_THREAT.count(old) >= 1, old
    problems = problems_of(DEATH_THREAT.replace(old, new, 1))
    assert any(expected in problem for problem in problems), problems


def test_loops_and_repetition_are_refused_in_messages():
    for template in ("{% for i in range(99) %}x{% endfor %}", "{{ 'x' * 99999 }}"):
        text = DEATH_THREAT.replace("Dear {{ recipient_name }},", template, 1)
        (problem,) = problems_of(text)
        assert "messages.en.body: loops, macros and * or ** are not allowed" in problem


def test_not_a_mapping_or_empty_or_too_large():
    assert problems_of("") == ["the playbook is empty"]
    assert problems_of("- a\n- b\n") == ["the playbook must be a YAML mapping (key: value lines)"]
    assert "too large" in problems_of("#" * 300_000)[0]


def test_all_problems_are_reported_at_once():
    text = DEATH_THREAT.replace("{of: lender}", "{of: finance}").replace("urgency: 0", "urgency: 9")
    assert len(problems_of(text)) == 2


def test_template_variables_and_sample_context_agree():
    assert set(SAMPLE_CONTEXT) == set(TEMPLATE_VARIABLES)
