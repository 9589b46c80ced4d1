"""Headers every response carries, the health check, API docs, access log and language choice."""

from __future__ import annotations

import logging
import re

import pytest

PAGES = [
    "/",
    "/healthz",
    "/static/css/vigil.css",
    "/no-such-page",
    "/api/openapi.json",
    "/api/docs",
]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_kind_of_response(client, path):
    response = client.get(path)
    assert response.status_code == (404 if path == "/no-such-page" else 200)
    csp = response.headers.get("content-security-policy")
    assert csp, "no Content-Security-Policy"
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "http" not in csp.lower()  # no third-party host, not even over https
    assert response.headers.get("referrer-policy") == "no-referrer"
    assert response.headers.get("x-content-type-options") == "nosniff"


def test_not_found_page_is_friendly(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "This page does not exist." in response.text
    assert "text/html" in response.headers["content-type"]


def test_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_openapi_lists_the_incident_api(client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/incidents" in spec["paths"]
    assert spec["info"]["title"] == "Vigil"


def test_api_docs_use_only_vendored_assets(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "http://" not in page.text
    assert "https://" not in page.text
    references = re.findall(r'\b(?:src|href)="([^"]*)"', page.text)
    assert references, "the docs page loads no assets"
    for reference in references:
        assert reference.startswith("/static/"), reference
        asset = client.get(reference)
        assert asset.status_code == 200, reference
    assert "<script>" not in page.text  # the CSP forbids inline scripts, so none may be needed


def test_access_log_has_requests_but_no_client_address(client, caplog):
    caplog.set_level(logging.INFO, logger="vigil.http")
    client.get("/healthz?receipt=RC-SECRET-42")
    client.get("/no-such-page")
    client.post("/login", data={"email": "a@b.org", "password": "x"})

    lines = [record.getMessage() for record in caplog.records if record.name == "vigil.http"]
    assert any(line.startswith("GET /healthz 200") for line in lines), lines
    assert any(line.startswith("GET (unmatched) 404") for line in lines), lines
    assert not any("no-such-page" in line for line in lines), lines
    assert any(line.startswith("POST /login 403") for line in lines), lines
    log = "\n".join(lines)
    assert "testclient" not in log
    assert "127.0.0.1" not in log
    assert "RC-SECRET-42" not in log  # query strings are not logged either
    assert "a@b.org" not in log


def test_language_link_sets_a_cookie_and_returns(client):
    response = client.get("/language/es?next=/")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("vigil_lang="))
    assert cookie.startswith("vigil_lang=es;")
    home = client.get("/")
    assert home.headers["content-language"] == "es"
    assert '<html lang="es">' in home.text


@pytest.mark.parametrize(
    "target", ["//evil.example", "https://evil.example/", "/\\evil.example", "evil.example"]
)
def test_language_link_never_redirects_elsewhere(client, target):
    response = client.get("/language/es", params={"next": target})
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_unknown_language_is_not_remembered(client):
    response = client.get("/language/xx?next=/")
    assert response.status_code == 303
    assert "vigil_lang" not in response.headers.get("set-cookie", "")


def test_browser_language_is_used(client):
    response = client.get("/", headers={"Accept-Language": "es-CO"})
    assert response.headers["content-language"] == "es"
    fallback = client.get("/", headers={"Accept-Language": "de-DE"})
    assert fallback.headers["content-language"] == "en"
