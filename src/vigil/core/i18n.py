"""Locales and message catalogues (Babel). The locale of a request lives in a ContextVar
set by middleware, so templates and services can translate without passing it around."""

from __future__ import annotations

import functools
from contextvars import ContextVar
from pathlib import Path

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
    """Cookie choice first, then the browser's Accept-Language, then the default."""
    if cookie_value in LOCALES:
        return cookie_value
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        primary = tag.split("-")[0]
        if primary in LOCALES:
            return primary
    return default if default in LOCALES else "en"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (translated when shown)."""
    return message
