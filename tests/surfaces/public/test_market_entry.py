"""``/reports/market-entry``: a form, the report page (styles linked, never inline: the
Content-Security-Policy forbids them), the PDF, and a clear 422 that keeps the choice."""

from __future__ import annotations


def test_the_form_then_the_report_then_the_pdf(demo_data, client):
    form = client.get("/reports/market-entry")
    assert (
        form.status_code == 200 and 'name="country"' in form.text and 'value="mining"' in form.text
    )
    page = client.get("/reports/market-entry?country=CO&sector=mining")
    assert page.status_code == 200
    assert '<link rel="stylesheet" href="/reports/market-entry.css">' in page.text
    assert "<style>" not in page.text and "style=" not in page.text
    assert "Minera Andina del Cauca" in page.text
    assert client.get("/reports/market-entry.css").headers["content-type"].startswith("text/css")
    pdf = client.get("/reports/market-entry?country=CO&sector=mining&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]


def test_a_bad_choice_is_a_422_that_keeps_what_was_chosen(client):
    bad = client.get("/reports/market-entry?country=PE&sector=nothing")
    assert bad.status_code == 422
    assert 'role="alert"' in bad.text and '<option value="PE" selected>' in bad.text
    none = client.get("/reports/market-entry?country=ZZ&sector=mining")
    assert none.status_code == 422 and '<option value="mining" selected>' in none.text


def test_the_report_page_is_in_the_readers_language(client):
    page = client.get(
        "/reports/market-entry?country=PE&sector=mining", headers={"Accept-Language": "es"}
    )
    assert '<html lang="es">' in page.text
