"""Runtime strings in the reader's language: the details of an alert's timeline events (the
fixed ones and the counted ones), the tiers' names, why a recipient was proposed, and a
playbook's attack types. A detail Vigil did not write (a mail server's error) is shown as
written."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.factories import make_org, make_staff, sign_in
from vigil.alerts import event_details
from vigil.alerts.event_details import detail_text, shown_tiers
from vigil.alerts.implicated import LEFT_OUT_REASON
from vigil.alerts.proposal import _describe
from vigil.core import i18n
from vigil.core.i18n import gettext
from vigil.playbooks.service import install_default_playbooks


@pytest.fixture
def spanish():  # type: ignore[no-untyped-def]
    token = i18n.current_locale.set("es")
    yield
    i18n.current_locale.reset(token)


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        (event_details.UNSUBSCRIBED, "no enviado: el contacto se dio de baja"),
        (event_details.NO_SUBSTANTIVE_RESPONSE, "sin respuesta sustantiva en el plazo del nivel"),
        ("1 deliveries", "1 envío"),  # counted: one and several
        ("2 deliveries", "2 envíos"),
        (
            event_details.escalation_detail("unacknowledged", 1, 3),
            "el nivel 1 no acusó recibo; 3 envíos",
        ),
        (
            event_details.escalation_detail("no_response", 2, 1),
            "el nivel 2 no dio respuesta sustantiva en su plazo; 1 envío",
        ),
        ("declined", "se negó a actuar"),
        ("550 mailbox unavailable", "550 mailbox unavailable"),  # not ours: as written
        ("2 deliveries and more", "2 deliveries and more"),  # only the whole shape counts
        ("", ""),
    ],
)
def test_timeline_details_are_said_in_the_readers_language(spanish, written, shown):
    assert detail_text(written) == shown


def test_in_english_the_details_read_as_written():
    for written in (event_details.NO_CONSENT, event_details.deliveries_detail(4)):
        assert detail_text(written) == written


def test_tiers_are_named_from_the_playbook_in_the_readers_language():
    document = {
        "tiers": [
            {"label": {"en": "Employer", "es": "Empleador"}},
            {"label": {"en": "Buyers"}},  # not written in Spanish: English
        ]
    }
    rows = [
        SimpleNamespace(
            tier=n, label=f"stored {n}", notified_at=None, acknowledged_at=None, reminders_sent=0
        )
        for n in (1, 2, 3)  # a third tier the playbook no longer has: the stored name
    ]
    labels = [t.label for t in shown_tiers(rows, document, "es")]  # type: ignore[arg-type]
    assert labels == ["Empleador", "Buyers", "stored 3"]


def test_why_a_recipient_was_proposed_is_said_in_the_analysts_language(spanish):
    reason = _describe({"role": "human_rights_lead", "group": "Bancos", "country": "CO"})
    assert reason.startswith(gettext("Human-rights lead"))
    assert "grupo «Bancos»" in reason and "en CO" in reason
    assert gettext(LEFT_OUT_REASON) % {"why": "x"} == "Excluido: la empresa está implicada (x)."


def test_playbook_attack_types_are_named_in_the_readers_language(session, client):
    org = make_org(session)
    analyst = make_staff(session, org)
    install_default_playbooks(session, org_id=org.id)
    session.commit()
    sign_in(client, analyst)
    client.cookies.set("vigil_lang", "es")
    page = client.get("/staff/playbooks")
    assert page.status_code == 200
    assert "<td>Amenaza de muerte</td>" in page.text and "death_threat</td>" not in page.text
