"""The demo shows every "answer and publish" feature on the public pages, and none of them
says who a demo defender is."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from vigil.demo.incidents import generate_incidents
from vigil.demo.publishing_texts import ANSWER, DEFLECTION, STATEMENT_TITLE
from vigil.incidents.models import Incident
from vigil.public.register_models import PublicIncident
from vigil.statements.models import DialogueSpace, Statement
from vigil.urgent_actions.models import UrgentAction


def _text(client, path: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", page.text)))


def _code(session, ref: str) -> str:  # type: ignore[no-untyped-def]
    code = session.scalar(
        select(PublicIncident.code)
        .join(Incident, Incident.id == PublicIncident.incident_id)
        .where(Incident.external_ref == ref)
    )
    assert code, ref
    return code


def _pages(session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    statement = session.scalar(select(Statement).where(Statement.title == STATEMENT_TITLE))
    space = session.scalar(select(DialogueSpace))
    action = session.scalar(select(UrgentAction))
    assert statement is not None and space is not None and action is not None
    return {
        "answered": f"/incidents/{_code(session, 'demo-002')}",
        "deflection": f"/incidents/{_code(session, 'demo-003')}",
        "silent": f"/incidents/{_code(session, 'demo-005')}",
        "statement": f"/statements/{statement.slug}",
        "dialogue": f"/dialogues/{space.slug}",
        "action": f"/actions/{action.slug}",
    }


def test_the_demo_publishes_replies_a_statement_a_report_and_an_action(demo_data, session, client):
    pages = _pages(session)
    answered = _text(client, pages["answered"])
    assert ANSWER in answered and "Substantive response" in answered
    assert "did not respond" not in answered
    deflection = _text(client, pages["deflection"])
    assert DEFLECTION in deflection and "Deflection" in deflection
    silent = _text(client, pages["silent"])
    assert "Northbridge Perú S.A.C. Invited to respond; did not respond." in silent
    statement = _text(client, pages["statement"])
    assert "Colectivo Tierra y Agua (demo)" in statement
    assert "Andes Rights Network (demo)" in statement
    assert "Red de Mujeres Defensoras (demo)" not in statement  # invited, never answered
    assert "(fictional)" not in statement  # the signers' own names stay with the team
    dialogue = _text(client, pages["dialogue"])
    assert "2026-Q3" in dialogue and "Voluntary Principles" in dialogue
    assert "Members who did not report Vigilancia Segura Ltda. (fictional)" in dialogue
    action = _text(client, pages["action"])
    assert "What we ask" in action and "Release the defender at once" in action
    assert "Ministerio del Interior del Perú (fictional desk)" in action
    assert "Dear Minister," in action and "Señor Ministro:" in action
    assert pages["action"] in client.get("/actions").text


def test_no_demo_defender_name_or_internal_text_on_the_public_pages(demo_data, session, client):
    paths = [*_pages(session).values(), "/actions", "/statements", "/dialogues", "/incidents"]
    public = " ".join(_text(client, path) for path in paths).casefold()
    for item in generate_incidents():
        assert item.defender_name.casefold() not in public, item.ref
        assert item.title.casefold() not in public, item.ref
        assert item.summary.casefold() not in public, item.ref
