"""What an assessment form must hold, checked field by field so the page can mark each
mistake next to its field (and keep everything typed).

The rules: the policy's URL is a web address; the assessment date is a real date, not in
the future; a score is 0, 1 or 2 (or left empty in a draft); a score above 0 is evidence,
so it needs the policy's own words quoted and the address they are read at.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from vigil.core.errors import Invalid
from vigil.core.i18n import N_
from vigil.diligence.policies.criteria import SCORES, applicable
from vigil.diligence.policies.models import MAX_EXCERPT, MAX_URL


@dataclass(frozen=True)
class CriterionInput:
    """As typed: ``score`` is "" (not scored yet), "0", "1" or "2"."""

    score: str = ""
    excerpt: str = ""
    evidence_url: str = ""


@dataclass(frozen=True)
class AssessmentInput:
    policy_url: str = ""
    #: ISO date as typed (``YYYY-MM-DD``).
    assessed_on: str = ""
    #: The assessor's answer; used only when the company has no sector in the registry.
    tech_applies: bool = False
    criteria: Mapping[str, CriterionInput] = field(default_factory=dict)


@dataclass(frozen=True)
class CleanScore:
    score: int
    excerpt: str
    evidence_url: str


@dataclass(frozen=True)
class CleanAssessment:
    policy_url: str
    assessed_on: date
    scores: dict[str, CleanScore]


class AssessmentInvalid(Invalid):
    """One or more fields break a rule: ``problems`` maps a field name (``policy_url``,
    ``assessed_on``, ``<criterion>.score``, ``<criterion>.excerpt``,
    ``<criterion>.evidence_url``) to an ``N_`` message."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__(N_("The assessment was not saved: correct the marked fields."))
        self.problems = problems


def is_web_address(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in text


def _url(text: str, problems: dict[str, str], name: str, *, required: bool) -> str:
    value = (text or "").strip()
    if not value:
        if required:
            problems[name] = N_("Give the web address (https://…).")
        return ""
    if len(value) > MAX_URL or not is_web_address(value):
        problems[name] = N_("Give a web address starting with https:// or http://.")
    return value


def _date(text: str, problems: dict[str, str], today: date) -> date:
    try:
        value = date.fromisoformat((text or "").strip())
    except ValueError:
        problems["assessed_on"] = N_("Give the date of the assessment (YYYY-MM-DD).")
        return today
    if value > today:
        problems["assessed_on"] = N_("The assessment date cannot be in the future.")
    return value


def _criterion(code: str, typed: CriterionInput, problems: dict[str, str]) -> CleanScore | None:
    raw = (typed.score or "").strip()
    excerpt = (typed.excerpt or "").replace("\r\n", "\n").strip()
    if not raw:
        return None
    if raw not in {str(score) for score in SCORES}:
        problems[f"{code}.score"] = N_("A score is 0, 1 or 2.")
        return None
    score = int(raw)
    if score > 0 and not excerpt:
        problems[f"{code}.excerpt"] = N_("A score above 0 needs an excerpt quoted from the policy.")
    elif len(excerpt) > MAX_EXCERPT:
        problems[f"{code}.excerpt"] = N_("Quote at most 2,000 characters.")
    url = _url(typed.evidence_url, problems, f"{code}.evidence_url", required=score > 0)
    return CleanScore(score, excerpt, url)


def clean_assessment(data: AssessmentInput, *, tech: bool, today: date) -> CleanAssessment:
    """The assessment as stored, or :class:`AssessmentInvalid` naming every wrong field.
    Criteria that do not apply are dropped, whatever was typed for them."""
    problems: dict[str, str] = {}
    policy_url = _url(data.policy_url, problems, "policy_url", required=True)
    assessed_on = _date(data.assessed_on, problems, today)
    scores = {}
    for criterion in applicable(tech=tech):
        clean = _criterion(
            criterion.code, data.criteria.get(criterion.code, CriterionInput()), problems
        )
        if clean is not None:
            scores[criterion.code] = clean
    if problems:
        raise AssessmentInvalid(problems)
    return CleanAssessment(policy_url, assessed_on, scores)
