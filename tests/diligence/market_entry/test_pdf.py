"""The report's PDF, rendered to PNG pages and read back as text (poppler's pdftoppm and
pdftotext, as a reader's viewer would show it)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest
from PIL import Image

from vigil.diligence.market_entry.questions import QUESTIONS
from vigil.diligence.market_entry.render import render_html, render_pdf
from vigil.diligence.market_entry.report import build_market_entry

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="poppler-utils is installed by .ci/run"
)


def test_the_pdf_has_pages_with_ink_and_the_report_text(demo_data, session, tmp_path):
    report = build_market_entry(
        session, country="CO", sector="mining", locale="pt", min_cell=5, today=date(2026, 12, 7)
    )
    pdf = render_pdf(render_html(report, locale="pt"))
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 2
    for page in pages:
        with Image.open(page) as image:
            low, _high = image.convert("L").getextrema()
            assert low < 128, f"{page.name} is blank"
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    flat = " ".join(text.split())
    assert "Minera Andina del Cauca" in flat
    assert "Colômbia" in flat  # the country's name in Portuguese
    assert "World Bank" in flat
    assert len([q for q in QUESTIONS if q.split()[0] in flat]) > 0
