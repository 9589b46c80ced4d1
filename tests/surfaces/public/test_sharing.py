"""The share block on the register's incident page and on a statement page: Open Graph and
Twitter-card tags with the plain URL, e-mail and copy-link sharing, nothing loaded from
another host."""

from __future__ import annotations

import re

from tests.factories import make_org, make_staff
from tests.urgent_actions.helpers import case
from vigil.core.db import utcnow
from vigil.public.register_models import PublicIncident
from vigil.statements import service
from vigil.statements.models import Statement, StatementState


def _shared(html: str, url: str, base_url: str) -> None:
    assert f'<meta property="og:url" content="{url}">' in html
    assert 'property="og:title"' in html and 'name="twitter:card" content="summary"' in html
    assert "mailto:?subject=" in html and f'value="{url}"' in html
    assert "utm_" not in html and "<iframe" not in html
    for value in re.findall(r'\b(?:src|href|action)="([^"]*)"', html):
        if not value.startswith(("mailto:", "#", "/")):
            assert value.startswith(base_url), value
        assert not value.startswith("//"), value


def test_the_incident_page_can_be_shared(session, vault, settings, client):
    org = make_org(session)
    incident = case(session, org, vault)
    code = session.query(PublicIncident).filter_by(incident_id=incident.id).one().code
    session.commit()
    page = client.get(f"/incidents/{code}")
    assert page.status_code == 200
    _shared(page.text, f"{settings.base_url}/incidents/{code}", settings.base_url)
    assert incident.title not in page.text


def test_a_statement_page_can_be_shared(session, settings, client):
    org = make_org(session)
    staff = make_staff(session, org, "coordinator")
    data = service.StatementInput(
        title="Stop the attacks", body="We stand with defenders.", language="en"
    )
    row = service.create_statement(session, org_id=org.id, data=data, actor_user_id=staff.user.id)
    statement = session.get(Statement, row.id)
    statement.state = StatementState.published
    if hasattr(statement, "published_at"):
        statement.published_at = utcnow()
    session.commit()
    page = client.get(f"/statements/{row.slug}")
    assert page.status_code == 200, page.text
    _shared(page.text, f"{settings.base_url}/statements/{row.slug}", settings.base_url)
    assert '<meta property="og:description" content="We stand with defenders.">' in page.text
