"""The es/fr/pt catalogues are complete, well-formed and up to date with the sources, and the
real Jinja environment renders them. Fix failures with `make translations`, then translate."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from vigil.core import i18n
from vigil.web.templating import templates

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "src" / "vigil" / "translations"
LOCALES = ("es", "fr", "pt")
HINT = "run `make translations` and translate the new messages"

# Any %-conversion: %(name)s, %s, %d, %%... Newstyle Jinja gettext %-formats every message,
# so placeholders are checked on all messages, not only those flagged python-format.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[a-zA-Z%]")


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def load(locale: str) -> Catalog:
    with po_path(locale).open("rb") as f:
        return read_po(f, locale=locale)


def messages(catalog: Catalog) -> Iterator:
    return (m for m in catalog if m.id)  # skip the header


def msgid_key(msgid: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    return msgid if isinstance(msgid, str) else tuple(msgid)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def extracted_msgids() -> set[str | tuple[str, ...]]:
    """What `pybabel extract -F babel.cfg -k N_` finds now, run in-process."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f, "babel.cfg")
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    return {
        msgid_key(message)
        for _filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=keywords
        )
    }


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_is_translated(locale):
    catalog = load(locale)
    untranslated = []
    for message in messages(catalog):
        forms = message.string if message.pluralizable else (message.string,)
        complete = not message.pluralizable or len(forms) == catalog.num_plurals
        if not complete or not all(isinstance(form, str) and form.strip() for form in forms):
            untranslated.append(message.id)
    assert not untranslated, f"{locale}: untranslated messages {untranslated}; {HINT}"


@pytest.mark.parametrize("locale", LOCALES)
def test_no_fuzzy_messages(locale):
    catalog = load(locale)
    fuzzy = [m.id for m in messages(catalog) if m.fuzzy]
    assert not fuzzy, f"{locale}: fuzzy messages {fuzzy}; check them and remove the flag"


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_match(locale):
    catalog = load(locale)
    mismatches = []
    for message in messages(catalog):
        ids = message.id if message.pluralizable else (message.id,)
        strings = message.string if message.pluralizable else (message.string,)
        expected = placeholders(ids[-1])
        for msgid in ids:
            if placeholders(msgid) != expected:
                mismatches.append((msgid, "singular and plural msgids differ"))
        for msgstr in strings:
            if placeholders(msgstr) != expected:
                mismatches.append((ids[0], msgstr))
    assert not mismatches, f"{locale}: placeholders differ from the msgid: {mismatches}"
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert not problems, f"{locale}: Babel's catalogue checks failed: {problems}"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_has_every_message_in_the_sources(locale):
    catalogued = {msgid_key(m.id) for m in messages(load(locale))}
    missing = sorted(extracted_msgids() - catalogued, key=str)
    assert not missing, f"{locale}: messages missing from {po_path(locale).name}: {missing}; {HINT}"


@pytest.fixture(scope="module")
def compiled_catalogues() -> Iterator[None]:
    """Compile any missing or stale .mo (normally `make install` does), so this test stands
    alone; and drop catalogues cached before they were compiled."""
    for locale in LOCALES:
        po, mo = po_path(locale), po_path(locale).with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            catalog = load(locale)
            with mo.open("wb") as f:
                write_mo(f, catalog)
    i18n.catalogue.cache_clear()
    yield
    i18n.catalogue.cache_clear()


@pytest.fixture
def spanish(compiled_catalogues) -> Iterator[None]:
    token = i18n.current_locale.set("es")
    try:
        yield
    finally:
        i18n.current_locale.reset(token)


def test_spanish_renders_in_the_real_jinja_environment(spanish):
    assert i18n.gettext("Incidents") == "Incidentes"
    assert templates.env.from_string('{{ _("Incidents") }}').render() == "Incidentes"
    plural = templates.env.from_string(
        "{% trans count=n %}{{ count }} incident{% pluralize %}{{ count }} incidents{% endtrans %}"
    )
    assert plural.render(n=1) == "1 incidente"
    assert plural.render(n=3) == "3 incidentes"
    assert plural.render(n=1000000) == "1000000 de incidentes"


def test_english_is_the_source_text(compiled_catalogues):
    token = i18n.current_locale.set("en")
    try:
        assert templates.env.from_string('{{ _("Incidents") }}').render() == "Incidents"
    finally:
        i18n.current_locale.reset(token)
