"""State protection in parallel from hour 0, with consent (issue 18 point 6): the death-threat
and assault playbooks put the host state's protection programme in tier 1, the tier the chain
notifies at launch, and their guidance warns in every language that state measures such as
armed escorts can themselves endanger a defender, so the defender chooses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.factories import consent_of_the_defender, make_incident, make_org
from vigil.alerts.escalation import Action, advance
from vigil.alerts.models import AlertRecipient
from vigil.alerts.service import draft_alert, launch_alert
from vigil.contacts.models import Contact, ContactKind
from vigil.core.errors import Conflict
from vigil.defenders.consent import record_consent
from vigil.outbox.models import Delivery
from vigil.playbooks.parsing import parse_playbook_yaml
from vigil.playbooks.schema import dump_document
from vigil.playbooks.service import default_playbook_files, install_default_playbooks

PROTECTION = {"role": "protection_programme", "country": "incident"}
PLAYBOOKS = ("death_threat", "physical_assault")
#: Words that carry the warning in each language: the escort, and the danger it can be.
WARNING = {
    "en": ("armed escort", "endanger", "defender decides"),
    "es": ("escolta armada", "peligro", "decide la persona defensora"),
    "fr": ("escorte armée", "danger", "la personne défenseure qui décide"),
    "pt": ("escolta armada", "perigo", "quem decide é a pessoa defensora"),
}


def _document(code: str) -> dict:  # type: ignore[type-arg]
    path = next(p for p in default_playbook_files() if p.stem == code)
    return dump_document(parse_playbook_yaml(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("code", PLAYBOOKS)
def test_the_protection_programme_is_in_the_tier_notified_at_hour_zero(code):
    document = _document(code)
    first, *later = document["tiers"]
    assert PROTECTION in first["recipients"]
    assert all(PROTECTION not in tier["recipients"] for tier in later)  # not last, not twice
    start = datetime(2026, 3, 14, 3, 0, tzinfo=UTC)
    plan = advance(document["chain"], step=0, repeats=0, tiers={}, now=start)
    assert Action(kind="notify", tier=1) in plan.actions  # at launch, before any wait


@pytest.mark.parametrize("code", PLAYBOOKS)
@pytest.mark.parametrize("language", sorted(WARNING))
def test_the_guidance_warns_that_state_measures_can_endanger_the_defender(code, language):
    text = " ".join(_document(code)["guidance"][language].split()).lower()
    for words in WARNING[language]:
        assert words in text, (code, language, words)


@pytest.mark.parametrize("attack_type", PLAYBOOKS)
def test_the_programme_is_drafted_in_tier_one_only_with_the_defenders_consent(
    session, vault, settings, attack_type
):
    org = make_org(session)
    install_default_playbooks(session, org_id=org.id)
    incident = make_incident(session, org, vault=vault, attack_type=attack_type)
    desk = Contact(
        organisation_id=org.id,
        name="Protection programme desk (test)",
        role="protection_programme",
        kind=ContactKind.protection,
        country=incident.country,
        language="es",
        email="urgent@protection.example.org",
    )
    session.add(desk)
    session.flush()

    with pytest.raises(Conflict, match="own consent"):  # the consent rule still applies
        draft_alert(session, org_id=org.id, incident_id=incident.id, actor_user_id=None)

    consent_of_the_defender(session, incident)
    alert = draft_alert(session, org_id=org.id, incident_id=incident.id, actor_user_id=None)
    row = session.scalar(
        select(AlertRecipient).where(
            AlertRecipient.alert_id == alert.id, AlertRecipient.contact_id == desk.id
        )
    )
    assert row is not None and row.tier == 1 and row.included  # even with the company implicated

    now = datetime(2026, 3, 14, 3, 0, tzinfo=UTC)
    with pytest.raises(Conflict, match="state protection"):  # its own consent scope too
        launch_alert(
            session, vault, settings, org_id=org.id, alert_id=alert.id, actor_user_id=None, now=now
        )
    record_consent(
        session,
        org_id=org.id,
        defender_id=incident.acts[0].victim_id,
        scope="share_state_mechanism",
        decision="grant",
        method="in_person",
        given_by="defender",
        actor_user_id=None,
    )
    launch_alert(
        session, vault, settings, org_id=org.id, alert_id=alert.id, actor_user_id=None, now=now
    )
    queued = session.scalars(
        select(Delivery).where(Delivery.alert_id == alert.id, Delivery.contact_id == desk.id)
    ).all()
    assert [d.tier for d in queued] == [1]  # queued at launch: hour 0
