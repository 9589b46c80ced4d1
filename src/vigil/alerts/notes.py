"""The analyst's note on an alert, written per language.

The note is one JSON object ``{language: text}`` sealed with the incident's key in
``Alert.message_sealed`` (an older alert holds plain text: read as the English note). Each
recipient's message carries the note in the message's language; when there is none in that
language, the note in the alert's default language is used, headed by a visible marker in the
recipient's language ("[Note en anglais]") so nobody mistakes it for a translation that was
forgotten, or thinks a part of their message is missing. The default language is English
when the analyst wrote an English note (the language every playbook has), else the first of
``LOCALES`` that has one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from babel import Locale

from vigil.core.i18n import LOCALES, N_, current_locale, gettext

NOTE_LIMIT = 5000
FALLBACK_MARKER = N_("[Note in %(language)s]")


def clean_notes(notes: Mapping[str, str]) -> dict[str, str]:
    """The non-empty notes of known languages, trimmed and cut at ``NOTE_LIMIT``."""
    return {
        language: text.strip()[:NOTE_LIMIT]
        for language, text in notes.items()
        if language in LOCALES and text and text.strip()
    }


def dump_notes(notes: Mapping[str, str]) -> str | None:
    """What is sealed: None when no language has a note."""
    cleaned = clean_notes(notes)
    return json.dumps(cleaned, ensure_ascii=False, sort_keys=True) if cleaned else None


def load_notes(text: str | None) -> dict[str, str]:
    """The notes from their sealed text (plain text from older alerts is the English note)."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"en": text}
    if not isinstance(value, dict):
        return {"en": text}
    return clean_notes({str(k): v for k, v in value.items() if isinstance(v, str)})


def default_language(notes: Mapping[str, str]) -> str:
    """The language whose note stands in for a missing one (see the module docstring)."""
    return next((language for language in LOCALES if notes.get(language)), "en")


def language_name(code: str, in_language: str) -> str:
    """``code``'s name said in ``in_language`` ("anglais" for en in fr)."""
    try:
        return Locale.parse(in_language).languages.get(code, code)
    except (ValueError, TypeError):
        return code


def note_for(notes: Mapping[str, str], default: str, note_language: str, language: str) -> str:
    """The note for a message in ``language``: its own, or ``default`` (written in
    ``note_language``) headed by the fallback marker; "" when there is no note at all."""
    own = notes.get(language)
    if own:
        return own
    if not default:
        return ""
    if note_language == language:
        return default
    token = current_locale.set(language if language in LOCALES else "en")
    try:
        marker = gettext(FALLBACK_MARKER) % {"language": language_name(note_language, language)}
    finally:
        current_locale.reset(token)
    return f"{marker}\n{default}"
