"""A staff member's paging page: numbers checked (E.164), a bad one returned as typed with a
clear message, numbers stored sealed (the raw number is nowhere in the row), the change
audited without the number, and the choice used by the next page."""

from __future__ import annotations

import json

from sqlalchemy import select, text

from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.core.audit import AuditEvent
from vigil.outbox.paging_choices import PagingInvalid, e164
from vigil.outbox.staff_page_models import PagingChoice

PAGE = "/staff/account/paging"


def _post(client, **fields):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(PAGE).text)
    return client.post(PAGE, data={"csrf_token": token, **fields})


def _signed_in(session, client):  # type: ignore[no-untyped-def]
    org = make_org(session)
    account = make_staff(session, org)
    session.commit()
    sign_in(client, account)
    return org, account


def test_numbers_are_saved_sealed_and_shown_to_their_owner(session, client):
    org, account = _signed_in(session, client)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "E-mail (always)" in page.text
    assert "not set up on this server" in page.text  # neither SMS nor Signal configured
    response = _post(
        client, phone="+52 55 1234 5678", signal_number="0057 300 123 4567", sms="yes", signal="yes"
    )
    assert response.status_code == 303
    shown = client.get(response.headers["location"]).text
    assert "Saved." in shown
    assert 'value="+525512345678"' in shown and 'value="+573001234567"' in shown
    row = session.execute(
        text(
            "SELECT phone_sealed, signal_sealed, sms, voice, signal FROM staff_paging_choices "
            "WHERE user_id = :u"
        ),
        {"u": account.user.id},
    ).one()
    assert bool(row.sms) and not bool(row.voice) and bool(row.signal)
    for sealed in (row.phone_sealed, row.signal_sealed):
        raw = bytes(sealed)
        for clear in (b"525512345678", b"573001234567", b"55 1234"):
            assert clear not in raw
    [event] = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "user.paging_changed",
            AuditEvent.organisation_id == org.id,
        )
    ).all()
    assert event.actor_user_id == account.user.id
    assert json.loads(event.detail) == {
        "sms": True,
        "voice": False,
        "signal": True,
        "phone_changed": True,
        "signal_number_changed": True,
    }
    assert "5512345678" not in str(event.detail)


def test_a_bad_number_comes_back_as_typed_with_a_clear_message(session, client):
    _org, account = _signed_in(session, client)
    response = _post(client, phone="55 1234 5678", signal_number="+57 12", voice="yes")
    assert response.status_code == 422
    assert "Nothing was saved" in response.text
    assert 'value="55 1234 5678"' in response.text and 'value="+57 12"' in response.text
    assert "Type the number with its country code, starting with +." in response.text
    assert "This is not a valid phone number for its country." in response.text
    assert 'name="voice" value="yes" checked' in response.text
    assert session.get(PagingChoice, account.user.id) is None


def test_a_ticked_channel_needs_its_number(session, client):
    _org, account = _signed_in(session, client)
    response = _post(client, sms="yes", signal="yes")
    assert response.status_code == 422
    assert "SMS and voice calls need a phone number." in response.text
    assert "Signal needs the number you use with Signal." in response.text
    # Numbers without channels are kept; clearing a number clears it.
    assert _post(client, phone="+525512345678").status_code == 303
    assert _post(client, phone="").status_code == 303
    session.expire_all()
    choice = session.get(PagingChoice, account.user.id)
    assert choice is not None and choice.phone_sealed is None and not choice.sms


def test_e164_edges():
    assert e164("") is None and e164("   ") is None
    assert e164("+1 (202) 555-0143") == "+12025550143"
    assert e164("0033 6 12 34 56 78") == "+33612345678"
    for bad in ("2025550143", "+1 202", "+" + "1" * 40, "+abc"):
        try:
            e164(bad)
        except Exception as problem:  # Invalid
            assert str(problem)
        else:
            raise AssertionError(bad)
    assert issubclass(PagingInvalid, Exception)


def test_the_paging_page_needs_a_signed_in_staff_member(client):
    response = client.get(PAGE)
    assert response.status_code in (303, 401)
