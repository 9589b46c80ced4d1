"""Parsing and checking the anonymous report form.

A bad field never discards the rest: :func:`parse_report_form` returns every value as typed
plus a message per faulty field, in the reporter's language, so the form is shown again
filled in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from vigil.core.i18n import N_, current_locale
from vigil.core.i18n import gettext as _
from vigil.core.places import country_codes, country_name, region_label, region_of
from vigil.defenders.models import DefenderKind
from vigil.intake.models import Wish

TEXT_FIELDS = {  # name -> maximum length
    "chosen_alias": 120,  # "a name we may use for you": the defender's alias (Defender.alias)
    "defender_name": 300,
    "defender_contact": 500,
    "narrative": 20_000,
    "region": 120,
    "place": 300,
    "responsible": 2_000,
    "earlier_threats": 5_000,
    "others_at_risk": 2_000,
    "needs_now": 2_000,
}
#: Who is reporting, and whether the defender knows and agrees (issue 18): the answer that
#: says whether the report can be read as the defender's own wish. It never counts as their
#: consent (``defenders.consent``), and the staff page says so when they do not know.
REPORTER_RELATIONS = {
    "defender": N_("The person or group targeted, themselves"),
    "family": N_("A family member"),
    "colleague": N_("A colleague or their organisation"),
    "community": N_("Someone from their community"),
    "other": N_("Someone else"),
}
DEFENDER_KNOWS = {
    "agrees": N_("Yes, they know about this report and agree"),
    "knows_not_agreed": N_("They know, but have not agreed"),
    "does_not_know": N_("No, they do not know about this report"),
    "not_sure": N_("I am not sure"),
}
#: Answered by choosing; kept with the sealed answers (they say who the reporter is).
REPORTER_CHOICES = {"reporter_relation": REPORTER_RELATIONS, "defender_knows": DEFENDER_KNOWS}
CHOICE_FIELDS = (
    "target_kind",
    "defender_type",
    "perpetrator_type",
    "wish",
    "country",
    "organisation",
)
SENSITIVE = (
    "chosen_alias",  # chosen by the reporter: it may be a nickname people know them by
    "defender_name",
    "defender_contact",
    "narrative",
    "region",  # free text: sealed; the incident gets an ISO 3166-2 code only if it names one
    "place",
    "responsible",
    "earlier_threats",
    "reporter_relation",
    "defender_knows",
    "others_at_risk",  # names of family or neighbours: sealed
    "gender_identity",  # can expose a person (LGBTI defenders): sealed, never in clear
    "needs_now",
)


#: Fields answered by ticking several options: the surface joins their values with
#: ``MULTI_SEPARATOR`` into one string (vocabulary codes never contain it).
MULTI_CHOICE_FIELDS = ("attack_type", "gender_identity")
MULTI_SEPARATOR = ","


def split_multi(value: str | None) -> list[str]:
    """The codes of a multi-choice value, each once, in the order given."""
    codes = (code.strip() for code in (value or "").split(MULTI_SEPARATOR))
    return list(dict.fromkeys(code for code in codes if code))


#: What an ISO 3166-2 code looks like (``PE-ARE``, ``FR-01``): the form's region list sends one.
REGION_CODE = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}")


@dataclass
class ReportForm:
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    occurred_on: date | None = None
    date_precision: str | None = None

    @property
    def imminent(self) -> bool:
        return self.values.get("imminent") == "yes"

    def chosen(self, name: str) -> list[str]:
        """The options ticked for a multi-choice field (``MULTI_CHOICE_FIELDS``)."""
        return split_multi(self.values.get(name))

    def typed_region(self) -> str:
        """A region written as text (older forms, other clients), offered again as typed;
        empty for a code or nothing."""
        region = self.values.get("region", "")
        return "" if REGION_CODE.fullmatch(region.upper()) else region

    def sensitive_answers(self) -> dict[str, str]:
        return {name: self.values[name] for name in SENSITIVE if self.values.get(name)}


def _region(form: ReportForm) -> None:
    """A region chosen from the list must be a subdivision of the chosen country (a list
    from an earlier country choice can send another country's). Text that is not a code
    (older forms, other clients) is kept as written: it stays sealed with the answers."""
    region = form.values.get("region", "")
    if not REGION_CODE.fullmatch(region.upper()):
        return
    country = form.values.get("country", "")
    if country and region_of(country, region) is None:
        form.errors["region"] = _(
            "%(region)s is not a region of %(country)s. Please choose the region again."
        ) % {
            "region": region_label(region, current_locale.get()),
            "country": country_name(country, current_locale.get()),
        }
    else:
        form.values["region"] = region.upper()


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
        "country": country_codes(),
        "organisation": organisations,
    }
    for name in CHOICE_FIELDS:
        value = form.values.get(name, "").strip()
        form.values[name] = value
        if value and value not in allowed.get(name, set()):
            form.errors[name] = _("Please choose one of the options.")
    for name, options in REPORTER_CHOICES.items():
        value = form.values.get(name, "").strip()
        form.values[name] = value
        if value and value not in options:
            form.errors[name] = _("Please choose one of the options.")
    for name in MULTI_CHOICE_FIELDS:
        chosen = split_multi(form.values.get(name))
        form.values[name] = MULTI_SEPARATOR.join(chosen)
        if any(code not in allowed.get(name, set()) for code in chosen):
            form.errors[name] = _("Please choose one of the options.")
    if not form.values["country"]:
        form.errors["country"] = _("Please choose the country.")
    if not form.values["wish"]:
        form.values["wish"] = Wish.quiet
    _region(form)
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


def reporter_options() -> dict[str, list[tuple[str, str]]]:
    """The choices of the "who is reporting" questions, translated, for the form."""
    return {
        name: [(code, _(text)) for code, text in options.items()]
        for name, options in REPORTER_CHOICES.items()
    }


def reporter_answer_label(name: str, code: str) -> str:
    """A stored answer to a "who is reporting" question, as staff read it."""
    text = REPORTER_CHOICES.get(name, {}).get(code)
    return _(text) if text else code
