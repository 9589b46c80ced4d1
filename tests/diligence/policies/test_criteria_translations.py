"""Every criterion's name and guide exists in Spanish, French and Portuguese, and the score
keeps its "points / maximum (percent %)" shape in each."""

from __future__ import annotations

import pytest

from vigil.core.i18n import catalogue, current_locale
from vigil.diligence.policies.criteria import CRITERIA
from vigil.diligence.policies.scoring import Score


@pytest.mark.parametrize("locale", ["es", "fr", "pt"])
def test_labels_and_guides_are_translated(locale: str) -> None:
    words = catalogue(locale)
    for criterion in CRITERIA:
        for text in (criterion.label, criterion.guide):
            translated = words.gettext(text)
            assert translated and translated != text, (locale, criterion.code)
        guide = words.gettext(criterion.guide)
        assert all(f"{n}" in guide for n in (0, 1, 2)), (locale, criterion.code)


@pytest.mark.parametrize("locale", ["en", "es", "fr", "pt"])
def test_the_score_reads_the_same_in_every_language(locale: str) -> None:
    token = current_locale.set(locale)
    try:
        assert Score(14, 22).text() == "14 / 22 (64 %)"
    finally:
        current_locale.reset(token)
