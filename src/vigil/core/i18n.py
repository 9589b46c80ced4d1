"""Locales and message catalogues (Babel). The locale of a request lives in a ContextVar
set by middleware, so templates and services can translate without passing it around."""

from __future__ import annotations

import functools
from contextvars import ContextVar
from pathlib import Path

import babel
from babel.support import NullTranslations, Translations

LOCALES = ("en", "es", "fr", "pt")
LOCALE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "pt": "Português"}
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"

current_locale: ContextVar[str] = ContextVar("vigil_locale", default="en")


@functools.cache
def catalogue(locale: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS_DIR), [locale], domain="messages")


def gettext(message: str) -> str:
    return catalogue(current_locale.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalogue(current_locale.get()).ngettext(singular, plural, n)


def negotiate_locale(cookie_value: str | None, accept_language: str | None, default: str) -> str:
    """Cookie choice first, then the browser's Accept-Language (by q-value), then the default."""
    if cookie_value in LOCALES:
        return cookie_value
    preferred: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        preferred.append((-quality, position, tag.strip().replace("_", "-")))
    tags = [tag for quality, _pos, tag in sorted(preferred) if tag and quality < 0]
    chosen = babel.negotiate_locale(tags, list(LOCALES), sep="-")
    if chosen:
        return chosen
    return default if default in LOCALES else "en"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (translated when shown)."""
    return message
