"""The identifying-detail check every public text passes: names and places word by word
(accents and case ignored), contacts and the internal title as written, any phone number or
e-mail address."""

from __future__ import annotations

import pytest

from tests.factories import make_incident, make_org
from vigil.defenders.service import record_defender
from vigil.incidents.identifying import IdentifyingDetails, find_identifying, identifying_details
from vigil.incidents.models import Act

DETAILS = IdentifyingDetails(
    names=("María José Quispe de la Cruz",),
    contacts=("via her cousin Tomasa",),
    places=("Vereda San Ándres de Pisimbalá",),
    titles=("Threat at the mill",),
)


def kinds(text: str) -> list[str]:
    return [finding.kind for finding in find_identifying(text, DETAILS)]


@pytest.mark.parametrize(
    "text",
    ["maria spoke out", "MARÍA spoke out", "The QUISPE family", "a man named Jose", "CRUZ"],
)
def test_a_word_of_a_victims_name_is_found_whatever_its_case_and_accents(text):
    assert kinds(text) == ["name"]


@pytest.mark.parametrize(
    "text",
    [
        "Marias are many",  # not the whole word
        "the crossing (cruzado) was closed",
        "de la noche",  # particles are not names
        "Jos",  # a fragment
        "A community leader received threats after a meeting.",
    ],
)
def test_parts_of_words_particles_and_plain_text_pass(text):
    assert kinds(text) == []


def test_a_word_of_the_exact_place_is_found_and_short_words_are_not():
    assert kinds("near pisimbala") == ["place"]
    assert kinds("in the vereda") == ["place"]
    assert kinds("San") == ["place"]  # three letters: kept, whatever it costs
    assert kinds("de") == []


def test_a_contact_and_the_internal_title_are_found_as_written_not_word_by_word():
    assert kinds("He went VIA HER COUSIN TOMASA to warn them") == ["contact"]
    assert kinds("a cousin") == []
    assert kinds("the THREAT AT THE MILL was reported") == ["title"]
    assert kinds("a threat was made") == []


@pytest.mark.parametrize(
    "text",
    [
        "call 3001234567",
        "call +57 300 123 4567",
        "call (01) 234-5678",
        "call 300.123.4567",
        "call 123 4567",  # seven digits
    ],
)
def test_any_phone_like_number_is_found(text):
    assert kinds(text) == ["phone"]


@pytest.mark.parametrize("text", ["in 2026", "123 456", "between 2019 and 2021", "12 34 56"])
def test_years_and_numbers_under_seven_digits_pass(text):
    assert kinds(text) == []


@pytest.mark.parametrize("text", ["write to someone@example.org", "x.y+z@mail.co.uk now"])
def test_any_email_address_is_found(text):
    assert kinds(text) == ["email"]


def test_the_details_are_the_victims_names_and_contacts_the_place_and_the_title(session, vault):
    org = make_org(session)
    incident = make_incident(session, org, vault=vault, title="Attack on Doña Rosa")
    incident.place_sealed = vault.seal(incident.data_key_id, "Vereda El Placer")
    second = record_defender(
        session, vault=vault, org_id=org.id, alias="Birch", name="Tomás Yule", contact="+57 311"
    )
    incident.acts.append(Act(attack_type=incident.acts[0].attack_type, victim_id=second.id))
    session.flush()

    details = identifying_details(session, vault=vault, incident=incident)

    assert sorted(details.names) == ["Hidden Name", "Tomás Yule"]
    assert details.contacts == ("+57 311",)
    assert details.places == ("Vereda El Placer",)
    assert details.titles == ("Attack on Doña Rosa",)
    found = find_identifying("tomas and dona rosa met at el placer", details)
    assert sorted(f.kind for f in found) == ["name", "place", "title"]
    assert find_identifying("an attack on a defender", details) == []
