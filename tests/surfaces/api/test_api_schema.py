"""Property-based checks of the whole JSON API against its own OpenAPI document
(schemathesis): no server errors, documented status codes and response shapes."""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.factories import make_incident, make_org, make_staff, sign_in
from vigil.web.cookies import SESSION_COOKIE


@pytest.fixture
def api_schema(app):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


@pytest.fixture
def staff_cookie(session, vault, client) -> str:  # type: ignore[no-untyped-def]
    org = make_org(session)
    make_incident(session, org, vault=vault)
    account = make_staff(session, org)
    session.commit()
    sign_in(client, account)
    return f"{SESSION_COOKIE}={client.cookies[SESSION_COOKIE]}"


def test_api_conforms_to_its_schema(api_schema, staff_cookie):  # type: ignore[no-untyped-def]
    # schemathesis' own pytest loader (from_fixture) does not work with pytest 9, so each
    # operation's Hypothesis strategy is driven here directly.
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/v1/incidents", "/api/v1/public/overview"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case):  # type: ignore[no-untyped-def]
            response = case.call(headers={"Cookie": staff_cookie}, base_url="https://testserver")
            case.validate_response(response)
            assert not re.search(r"\b127\.0\.0\.1\b", response.text)

        check()
