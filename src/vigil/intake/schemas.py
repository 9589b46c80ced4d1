"""Parsing and checking the anonymous report form.

A bad field never discards the rest: :func:`parse_report_form` returns every value as typed
plus a message per faulty field, in the reporter's language, so the form is shown again
filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from babel import Locale

from vigil.core.i18n import gettext as _
from vigil.defenders.models import DefenderKind
from vigil.intake.models import Wish

TEXT_FIELDS = {  # name -> maximum length
    "defender_name": 300,
    "defender_contact": 500,
    "narrative": 20_000,
    "region": 120,
    "place": 300,
    "responsible": 2_000,
    "earlier_threats": 5_000,
}
CHOICE_FIELDS = (
    "target_kind",
    "defender_type",
    "attack_type",
    "perpetrator_type",
    "wish",
    "country",
    "organisation",
)
SENSITIVE = (
    "defender_name",
    "defender_contact",
    "narrative",
    "region",  # free text: sealed; the incident gets an ISO 3166-2 code only if it names one
    "place",
    "responsible",
    "earlier_threats",
)


@dataclass
class ReportForm:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    occurred_on: date | None = None
    date_precision: str | None = None

    @property
    def imminent(self) -> bool:
        return self.values.get("imminent") == "yes"

    def sensitive_answers(self) -> dict[str, str]:
        return {name: self.values[name] for name in SENSITIVE if self.values.get(name)}


def _date(form: ReportForm) -> None:
    year, month, day = (form.values.get(k, "").strip() for k in ("year", "month", "day"))
    if not (year or month or day):
        return
    try:
        if not year:
            raise ValueError
        occurred = date(int(year), int(month or 1), int(day or 1))
    except (ValueError, OverflowError):  # OverflowError: a year like 99999999999
        form.errors["date"] = _("This date does not exist. Give at least the year, e.g. 2026.")
        return
    if occurred > date.today() or occurred.year < 1950:
        form.errors["date"] = _("The date must be in the past.")
        return
    form.occurred_on = occurred
    form.date_precision = "day" if day else "month" if month else "year"


def parse_report_form(
    raw: dict[str, str],
    *,
    codes: dict[str, set[str]],
    organisations: set[str],
) -> ReportForm:
    """``codes`` maps each vocabulary field to its allowed codes (from the database)."""
    form = ReportForm(values={k: v for k, v in raw.items() if isinstance(v, str)})
    with_nul = _drop_nul_characters(form)
    for name, limit in TEXT_FIELDS.items():
        value = form.values.get(name, "").strip()
        form.values[name] = value
        if len(value) > limit:
            form.errors[name] = _("Please shorten this text to %(limit)s characters.") % {
                "limit": limit
            }
    if not form.values["narrative"]:
        form.errors["narrative"] = _("Please describe what happened.")
    allowed = {
        **codes,
        "target_kind": {k.value for k in DefenderKind},
        "wish": {w.value for w in Wish},
        "country": {c for c in Locale("en").territories if len(c) == 2 and c.isalpha()},
        "organisation": organisations,
    }
    for name in CHOICE_FIELDS:
        value = form.values.get(name, "").strip()
        form.values[name] = value
        if value and value not in allowed.get(name, set()):
            form.errors[name] = _("Please choose one of the options.")
    if not form.values["country"]:
        form.errors["country"] = _("Please choose the country.")
    if not form.values["wish"]:
        form.values["wish"] = Wish.quiet
    _date(form)
    for name in with_nul:
        form.errors.setdefault(
            name, _("This answer contained a character that cannot be stored. Please check it.")
        )
    return form


def _drop_nul_characters(form: ReportForm) -> set[str]:
    """NUL characters cannot be stored (PostgreSQL refuses them in text) and no keyboard types
    them: drop them from the values shown again, and name the visible fields that had one."""
    flagged: set[str] = set()
    for name, value in form.values.items():
        if "\x00" in value:
            form.values[name] = value.replace("\x00", "")
            if name in TEXT_FIELDS:
                flagged.add(name)
            elif name in ("year", "month", "day"):
                flagged.add("date")
    return flagged
