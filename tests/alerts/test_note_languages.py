"""The analyst's note, written per language on the alert page (plain form post, JavaScript
off): each recipient's message carries the note in its own language; a language without one
gets the default note under a visible marker in the recipient's language (SQLite and
PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.factories import csrf_from, make_staff, sign_in
from vigil.alerts.compose import Facts
from vigil.alerts.message import preview
from vigil.alerts.models import Alert
from vigil.alerts.notes import default_language, load_notes, note_for
from vigil.alerts.service import draft_alert, launch_alert
from vigil.contacts.models import Contact
from vigil.core.audit import AuditEvent
from vigil.core.db import utcnow
from vigil.demo.alerts import load_alert_demo
from vigil.incidents.service import find_incident_by_ref
from vigil.organisations.models import Organisation
from vigil.outbox.models import Delivery
from vigil.playbooks.service import import_playbook

PLAYBOOK = """
code: note_languages
title: {en: Note languages}
attack_types: [death_threat]
urgency: 0
guidance: {en: "Ask whether the defender is safe now."}
tiers:
  - label: {en: Operator and parent}
    deadline_hours: 24
    recipients:
      - {role: security_lead, of: operator}
      - {role: human_rights_lead, of: parent}
chain:
  - {notify: 1}
messages:
  en:
    subject: "Urgent: {{ case_reference }}"
    body: |
      Dear {{ recipient_name }},

      {{ defender }} received a {{ attack_type }}.
      {{ analyst_note }}

      Acknowledge: {{ acknowledge_url }}
      Unsubscribe: {{ unsubscribe_url }}
  es:
    subject: "Urgente: {{ case_reference }}"
    body: |
      Estimado/a {{ recipient_name }}:

      {{ defender }} recibió una {{ attack_type }}.
      {{ analyst_note }}

      Acuse de recibo: {{ acknowledge_url }}
      Darse de baja: {{ unsubscribe_url }}
  fr:
    subject: "Urgent : {{ case_reference }}"
    body: |
      Madame, Monsieur {{ recipient_name }},

      {{ defender }} a reçu une {{ attack_type }}.
      {{ analyst_note }}

      Accusé de réception : {{ acknowledge_url }}
      Se désabonner : {{ unsubscribe_url }}
"""
NOTE_EN = "Armed men came to her house at night."
NOTE_ES = "Hombres armados llegaron a su casa de noche."


@pytest.fixture
def alert(session, demo_data):  # type: ignore[no-untyped-def]
    load_alert_demo(session)
    org = session.scalar(select(Organisation).where(Organisation.slug == "red-andina"))
    incident = find_incident_by_ref(session, org_id=org.id, external_ref="demo-000")
    playbook = import_playbook(session, org_id=org.id, yaml_text=PLAYBOOK, actor_user_id=None)
    return draft_alert(
        session, org_id=org.id, incident_id=incident.id, actor_user_id=None, playbook_id=playbook.id
    )


def _write_notes(session, client, alert: Alert, **notes: str):  # type: ignore[no-untyped-def]
    sign_in(client, make_staff(session, session.get(Organisation, alert.organisation_id)))
    url = f"/staff/alerts/{alert.id}"
    page = client.get(url)
    for language in ("en", "es", "fr", "pt"):  # one textarea per language
        assert f'name="note_{language}"' in page.text
    data = {"share_level": "alias", "csrf_token": csrf_from(page.text)}
    data.update({f"note_{language}": text for language, text in notes.items()})
    response = client.post(f"{url}/message", data=data, follow_redirects=False)
    assert response.status_code == 303
    session.expire_all()  # written by the app: read it again
    return client.get(url).text


def test_each_recipient_reads_the_note_of_their_language_or_the_marked_default(
    session, vault, settings, client, alert
):
    page = _write_notes(session, client, alert, en=NOTE_EN, es=NOTE_ES, fr="")
    # The form comes back with each note in its own box; the preview shows the fallback.
    assert f'lang="es" rows="4" maxlength="5000">{NOTE_ES}</textarea>' in page
    assert "[Note en anglais]" in page
    harriet = session.scalar(select(Contact).where(Contact.name == "Harriet Cole (fictional)"))
    harriet.language = "fr"
    session.flush()
    launch_alert(
        session,
        vault,
        settings,
        org_id=alert.organisation_id,
        alert_id=alert.id,
        actor_user_id=None,
        now=utcnow(),
    )
    queued = session.scalars(select(Delivery).where(Delivery.alert_id == alert.id)).all()
    texts = {
        d.language: json.loads(vault.open(d.data_key_id, d.content_sealed))["text"] for d in queued
    }
    assert set(texts) == {"es", "fr"}
    # The Spanish recipient: the Spanish note, no marker, not the English one.
    assert NOTE_ES in texts["es"] and NOTE_EN not in texts["es"] and "[Nota" not in texts["es"]
    # The French recipient: no French note, so the English one, marked in French.
    assert f"[Note en anglais]\n{NOTE_EN}" in texts["fr"] and NOTE_ES not in texts["fr"]
    written = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "alert.message_written")
    ).all()
    assert [json.loads(e.detail)["languages"] for e in written] == [["en", "es"]]


def test_without_an_english_note_the_first_written_stands_in(session, vault, client, alert):
    _write_notes(session, client, alert, es=NOTE_ES)
    messages = {
        m.language: m.text
        for m in preview(session, vault, org_id=alert.organisation_id, alert_id=alert.id)
    }
    assert f"[Note in Spanish]\n{NOTE_ES}" in messages["en"]
    assert f"[Note en espagnol]\n{NOTE_ES}" in messages["fr"]
    assert NOTE_ES in messages["es"] and "[Nota" not in messages["es"]


def test_no_note_at_all_adds_no_marker(session, vault, client, alert):
    _write_notes(session, client, alert)
    messages = preview(session, vault, org_id=alert.organisation_id, alert_id=alert.id)
    assert messages and all("[Not" not in m.text for m in messages)


def test_an_older_plain_note_reads_as_the_english_one():
    notes = load_notes("Written before notes had languages.")
    assert notes == {"en": "Written before notes had languages."}
    assert default_language(notes) == "en"
    assert note_for(notes, notes["en"], "en", "pt").startswith("[Nota em inglês]\n")
    assert note_for({}, "", "en", "es") == ""
    assert Facts.__dataclass_fields__["note_language"].default == "en"
