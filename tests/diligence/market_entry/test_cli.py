"""``vigil report market-entry``: writes the PDF or HTML; mistakes are one clear line."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from typer.testing import CliRunner

from vigil import cli
from vigil.core.errors import Invalid, NotFound
from vigil.diligence.market_entry import cli as report_cli


@pytest.fixture
def run(session, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    @contextmanager
    def this_session(_url):  # type: ignore[no-untyped-def]
        yield session

    monkeypatch.setattr(report_cli, "database_session", this_session)
    env = {"VIGIL_DATA_DIR": str(tmp_path / "var")}
    return lambda *args: CliRunner().invoke(cli.app, ["report", "market-entry", *args], env=env)


def test_pdf_and_html_are_written(run, session, tmp_path):
    pdf, html = tmp_path / "r.pdf", tmp_path / "r.html"
    result = run("--country", "pe", "--sector", "mining", "-o", str(pdf), "--language", "fr")
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF-") and "Wrote" in result.output
    assert run("--country", "PE", "--sector", "mining", "-o", str(html)).exit_code == 0
    text = html.read_text()
    assert (
        text.startswith("<!DOCTYPE html>")
        and "<style>" in text
        and "http" not in text.split("<body>")[0]
    )


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        (["--sector", "mining", "--language", "de"], Invalid, "--language"),
        (["--sector", "mining", "-o", "x.docx"], Invalid, "--output"),
        (["--sector", "nothing"], Invalid, "Unknown sector"),
    ],
)
def test_mistakes_are_one_clear_error(run, tmp_path, args, error, words):
    out = ["-o", str(tmp_path / "r.pdf")] if "-o" not in args else []
    result = run("--country", "PE", *args, *out)
    assert isinstance(result.exception, error) and words in str(result.exception)


def test_an_unknown_country_is_refused(run, tmp_path):
    result = run("--country", "XX", "--sector", "mining", "-o", str(tmp_path / "r.pdf"))
    assert isinstance(result.exception, NotFound | Invalid)
