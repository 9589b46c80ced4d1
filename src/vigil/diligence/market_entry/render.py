"""The report as a standalone HTML document (styles inline, no asset from anywhere) and as a
PDF rendered from that HTML by WeasyPrint, in the reader's language.

The report is rendered here rather than by the web layer's templates because the CLI writes
it with no web application running; the public page serves the same HTML, so what a company
downloads and what it reads online never differ."""

from __future__ import annotations

from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape

from vigil.core import i18n
from vigil.diligence.countries.indicators import CIVIC_SPACE_LABELS
from vigil.diligence.market_entry.report import MarketEntryReport
from vigil.diligence.slapp.vocabulary import outcome_label

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        country=lambda code: Locale.parse(i18n.current_locale.get()).territories.get(code, code),
        ldate=lambda value, fmt="medium": (
            format_date(value, fmt, locale=i18n.current_locale.get()) if value else ""
        ),
        number=lambda value: format_decimal(value, locale=i18n.current_locale.get()),
        civic=lambda code: i18n.gettext(CIVIC_SPACE_LABELS.get(code, code)),
        outcome=outcome_label,
    )
    return env


_ENV = _environment()


STYLESHEET = TEMPLATES / "market_entry.css"


def render_html(
    report: MarketEntryReport,
    *,
    locale: str,
    stylesheet_url: str | None = None,
    links: dict[str, str] | None = None,
) -> str:
    """The report in ``locale`` (one of ``i18n.LOCALES``), its styles inline unless
    ``stylesheet_url`` says where a page links them from."""
    token = i18n.current_locale.set(locale if locale in i18n.LOCALES else "en")
    try:
        return _ENV.get_template("market_entry.html").render(
            report=report,
            locale=i18n.current_locale.get(),
            stylesheet_url=stylesheet_url,
            links=links,
        )
    finally:
        i18n.current_locale.reset(token)


def render_pdf(html: str) -> bytes:
    """The PDF of ``html``. WeasyPrint is imported here: loading it (Pango, HarfBuzz) takes
    most of a second that no other command or page should pay. No ``base_url``: the
    document refers to nothing outside itself, so nothing is fetched."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_fetch_nothing).write_pdf()  # type: ignore[no-any-return]


def _fetch_nothing(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    """A report never loads anything: an address slipped into a source link or a company
    name must not make the server fetch it."""
    raise ValueError(f"the report does not load {url!r}")
