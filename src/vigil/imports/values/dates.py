"""Reading incident dates as people wrote them, without guessing.

"03/04/2019" is 3 April in Bogotá and March 4 in Washington: unless the mapping declares the
order (DMY, MDY, YMD) such a value is refused, and under a declared order a value impossible
in it ("13/25/2019" under MDY) is reported rather than swapped. Year-first dates (ISO 8601)
are always read. A lone year or month and year keep their coarser precision instead of being
padded to a fake day. Two-digit years are read as the latest matching year not after
``pivot_year`` (by default this year): an incident is never in the future.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Literal

from babel.dates import get_month_names

from vigil.imports.values import ValueProblem

Order = Literal["DMY", "MDY", "YMD"]
Precision = Literal["day", "month", "year"]

#: Earlier years are read as typos ("0219", "1019"), not as history.
MIN_YEAR = 1900
MONTH_LANGUAGES = ("en", "es", "fr", "pt")
_TIME = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}([.,]\d+)?)?\s*([ap]\.?m\.?)?$", re.IGNORECASE)
_ISO = re.compile(r"(\d{4})[-/. ](\d{1,2})(?:[-/. ](\d{1,2}))?|(\d{4})(\d{2})(\d{2})|(\d{4})")
_NUMERIC = re.compile(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{4}|\d{2})")
_MONTH_YEAR = re.compile(r"(\d{1,2})[-/. ](\d{4})")
_TOKENS = re.compile(r"[^\W\d_]+|\d+|[^\w\s]", re.UNICODE)
#: Words that may surround a date written out: "3 de abril de 2019", "the 3rd of April".
_FILLER = frozenset({"de", "del", "of", "the", "le", "st", "nd", "rd", "th", "er", "o", "a"})


@dataclass(frozen=True, slots=True)
class ParsedDate:
    """A date and how much of it the source knew: ``precision`` matches
    ``incidents.models.DatePrecision``; a month or year date is its first day."""

    date: date
    precision: Precision


def parse_date(
    value: str,
    *,
    order: Order | None = None,
    fmt: str | None = None,
    pivot_year: int | None = None,
) -> ParsedDate | ValueProblem:
    """Read ``value`` (an empty value is a problem: the caller decides if a date is needed).

    ``fmt`` is a ``strptime`` format that wins over everything; ``order`` the day/month order
    of numeric dates; ``pivot_year`` the last year a two-digit year may mean (this year when
    None). A date before ``MIN_YEAR`` or after today is a problem.
    """
    text = " ".join(str(value).split())
    if not text:
        return ValueProblem("The date is empty.")
    if fmt:
        return _with_format(text, fmt)
    text = _TIME.sub("", text)
    pivot = pivot_year if pivot_year is not None else date.today().year
    if iso := _ISO.fullmatch(text):
        return _from_iso(iso.groups(), text)
    if numeric := _NUMERIC.fullmatch(text):
        return _from_numbers(text, *numeric.groups(), order=order, pivot=pivot)
    if month_year := _MONTH_YEAR.fullmatch(text):
        month, year = month_year.groups()
        return _build(text, int(year), int(month), None)
    return _from_words(text, order=order, pivot=pivot)


def _with_format(text: str, fmt: str) -> ParsedDate | ValueProblem:
    try:
        moment = datetime.strptime(text, fmt)
    except ValueError:
        return ValueProblem(f"{text!r} does not match the declared date format {fmt!r}.")
    has = {directive for directive in re.findall(r"%(.)", fmt)}
    if has & {"d", "j"}:
        return _build(text, moment.year, moment.month, moment.day)
    if has & {"m", "b", "B"}:
        return _build(text, moment.year, moment.month, None)
    return _build(text, moment.year, None, None)


def _from_iso(groups: tuple[str | None, ...], text: str) -> ParsedDate | ValueProblem:
    year, month, day, compact_y, compact_m, compact_d, lone_year = groups
    if compact_y:
        return _build(text, int(compact_y), int(compact_m or 0), int(compact_d or 0))
    if lone_year:
        return _build(text, int(lone_year), None, None)
    return _build(text, int(year or 0), int(month or 0), int(day) if day else None)


def _from_numbers(
    text: str, first: str, second: str, last: str, *, order: Order | None, pivot: int
) -> ParsedDate | ValueProblem:
    """A numeric date written day or month first, or (declared YMD) with a two-digit year
    first. Without a declared order it is read only when a single reading exists."""
    a, b = int(first), int(second)
    if order == "YMD":
        if len(last) == 4:
            return ValueProblem(
                f"{text!r} ends with a year, but the dates are declared year-first (YMD)."
            )
        return _build(text, _full_year(first, pivot), b, int(last))
    year = _full_year(last, pivot)
    if order is None:
        if a <= 12 and b <= 12 and a != b:
            return ValueProblem(
                f"{text!r} could be day/month or month/day: declare the date order "
                "(DMY or MDY) in the mapping."
            )
        order = "MDY" if b > 12 else "DMY"
    day, month = (a, b) if order == "DMY" else (b, a)
    if not 1 <= month <= 12:
        return ValueProblem(
            f"{text!r} is impossible with dates declared {order}: there is no month {month}."
        )
    return _build(text, year, month, day)


def _from_words(text: str, *, order: Order | None, pivot: int) -> ParsedDate | ValueProblem:
    """Dates with a month name in en/es/fr/pt: "3 April 2019", "April 3, 2019", "3 de abril
    de 2019", "abr. 2019", "3-Apr-19". The name settles which number is the month; of the
    other two the four-digit one (else the last, or the first when declared YMD) is the year.
    """
    months: list[int] = []
    numbers: list[str] = []
    for token in _TOKENS.findall(_fold(text)):
        if token.isdigit():
            numbers.append(token)
        elif token in _month_names():
            months.append(_month_names()[token])
        elif token.isalpha() and token not in _FILLER:
            return ValueProblem(f"{text!r} is not a date that can be read.")
    if len(months) != 1 or not 1 <= len(numbers) <= 2:
        return ValueProblem(f"{text!r} is not a date that can be read.")
    if len(numbers) == 1:
        if len(numbers[0]) != 4:
            return ValueProblem(f"{text!r} has no four-digit year.")
        return _build(text, int(numbers[0]), months[0], None)
    long = [index for index, number in enumerate(numbers) if len(number) == 4]
    year_index = long[0] if long else 0 if order == "YMD" else 1
    year_text, day_text = numbers[year_index], numbers[1 - year_index]
    return _build(text, _full_year(year_text, pivot), months[0], int(day_text))


def date_from_parts(
    year: str | int | None,
    month: str | int | None = None,
    day: str | int | None = None,
    *,
    pivot_year: int | None = None,
) -> ParsedDate | ValueProblem:
    """A date from separate year, month and day columns: an empty day gives month precision,
    an empty month year precision; a month may be a number or a name in en/es/fr/pt."""
    year_text, month_text, day_text = (_part(part) for part in (year, month, day))
    shown = "/".join(part for part in (year_text, month_text, day_text) if part) or "(empty)"
    if not year_text:
        return ValueProblem(f"The date {shown} has no year.")
    if not year_text.isdigit() or len(year_text) not in (2, 4):
        return ValueProblem(f"{year_text!r} is not a year.")
    pivot = pivot_year if pivot_year is not None else date.today().year
    full_year = _full_year(year_text, pivot)
    if not month_text:
        if day_text:
            return ValueProblem(f"The date {shown} has a day but no month.")
        return _build(shown, full_year, None, None)
    month_number = (
        int(month_text)
        if month_text.isdigit()
        else _month_names().get(_fold(month_text).rstrip("."))
    )
    if month_number is None:
        return ValueProblem(f"{month_text!r} is not a month.")
    if day_text and not day_text.isdigit():
        return ValueProblem(f"{day_text!r} is not a day of the month.")
    return _build(shown, full_year, month_number, int(day_text) if day_text else None)


def _part(part: str | int | float | None) -> str:
    if part is None:
        return ""
    if isinstance(part, float) and part.is_integer():
        part = int(part)
    text = str(part).strip()
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


def _full_year(text: str, pivot: int) -> int:
    """A four-digit year as written; a two-digit one as the latest year ending in those
    digits that is not after ``pivot`` ("19" → 2019, "45" → 1945 when the pivot is 2026)."""
    if len(text) != 2:
        return int(text)
    year = pivot - (pivot - int(text)) % 100
    return year


def _build(text: str, year: int, month: int | None, day: int | None) -> ParsedDate | ValueProblem:
    if year < MIN_YEAR:
        return ValueProblem(f"{text!r} is before {MIN_YEAR}: probably a typo in the year.")
    if month is not None and not 1 <= month <= 12:
        return ValueProblem(f"{text!r} has no month {month}.")
    try:
        when = date(year, month or 1, day or 1)
    except ValueError:
        return ValueProblem(
            f"{text!r} is not a day of the calendar ({month:02}/{year} has no day {day})."
        )
    if when > date.today():
        return ValueProblem(f"{text!r} is in the future.")
    precision: Precision = "day" if day is not None else "month" if month is not None else "year"
    return ParsedDate(when, precision)


def _fold(text: str) -> str:
    """Lower case without accents, so "Févr." and "fevr" are one spelling."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@cache
def _month_names() -> dict[str, int]:
    """Month names and abbreviations in the languages sources are written in, folded, from
    the CLDR data Babel ships (plus each name's first three letters, "sep", "dic"); a
    spelling that would mean two different months is left out."""
    found: dict[str, set[int]] = {}
    for language in MONTH_LANGUAGES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, language).items():
                    folded = _fold(name).rstrip(".")
                    for spelling in (folded, folded[:3]):
                        found.setdefault(spelling, set()).add(number)
    return {name: numbers.pop() for name, numbers in found.items() if len(numbers) == 1}
