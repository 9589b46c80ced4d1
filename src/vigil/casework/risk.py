"""Risk per person, the way Protection International teaches it: risk grows with the threats
a person faces and with their vulnerabilities, and shrinks with their capacities —
``risk = threats × vulnerabilities ÷ capacities``.

Every factor is rated 0–3 and points one way only: a higher threat or vulnerability rating
never lowers the score, a higher capacity rating never raises it. The score only *suggests*
a level. The analyst chooses ordinary, extraordinary or extreme themselves, reading the
definitions of Colombia's national protection mechanism (UNP); a number must never decide
alone whether someone gets protection.

Pure rules, no database: the records live in :mod:`vigil.casework.persons_at_risk`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from vigil.casework.models import RiskLevel
from vigil.core.i18n import N_, gettext

THREATS = ("threat_credibility", "threat_escalation", "perpetrator_capability")
VULNERABILITIES = (
    "isolation",
    "communications",
    "gender_ethnicity",
    "dependants",
    "health",
    "legal_status",
)
CAPACITIES = ("support_network", "security_plan", "legal_support", "organisational_backing")
GROUPS = {"threats": THREATS, "vulnerabilities": VULNERABILITIES, "capacities": CAPACITIES}
FACTORS = THREATS + VULNERABILITIES + CAPACITIES
RATINGS = (0, 1, 2, 3)

#: Score from which a level is suggested (the score runs from 0 to 9).
EXTREME_FROM = Fraction(4)
EXTRAORDINARY_FROM = Fraction(3, 2)

#: Default days to the next review. Extreme and extraordinary follow the issue's practice
#: (a week, a month). Ordinary: 90 days — the UNP re-evaluates yearly, but a defender's
#: situation near a contested project changes faster than that; a quarter catches a quiet
#: worsening within a season without burying analysts in reviews, and any new incident
#: against the person raises a re-assessment task at once anyway.
REVIEW_DAYS = {RiskLevel.extreme: 7, RiskLevel.extraordinary: 30, RiskLevel.ordinary: 90}

ORDER = (RiskLevel.ordinary, RiskLevel.extraordinary, RiskLevel.extreme)

FACTOR_LABELS = {
    "threat_credibility": N_("Threat credibility"),
    "threat_escalation": N_("Escalation"),
    "perpetrator_capability": N_("Perpetrator's capability"),
    "isolation": N_("Isolation"),
    "communications": N_("Poor communications"),
    "gender_ethnicity": N_("Exposure through gender or ethnicity"),
    "dependants": N_("Dependants"),
    "health": N_("Health"),
    "legal_status": N_("Insecure legal status"),
    "support_network": N_("Support network"),
    "security_plan": N_("Security plan"),
    "legal_support": N_("Legal support"),
    "organisational_backing": N_("Organisational backing"),
}

#: What a high rating means, so nobody rates a capacity as if it were a weakness.
FACTOR_HINTS = {
    "threat_credibility": N_("3: specific, from someone able and willing to act"),
    "threat_escalation": N_("3: threats or attacks are becoming more frequent or serious"),
    "perpetrator_capability": N_("3: armed, organised, acting with impunity"),
    "isolation": N_("3: lives or works far from help, alone"),
    "communications": N_("3: no safe way to call for help"),
    "gender_ethnicity": N_("3: targeted or exposed as a woman, LGBTI person, Indigenous…"),
    "dependants": N_("3: children or relatives who can be used to pressure them"),
    "health": N_("3: a condition that makes flight or detention dangerous"),
    "legal_status": N_("3: no papers, insecure land title, or facing charges"),
    "support_network": N_("3: people nearby who react at once"),
    "security_plan": N_("3: a plan that is known, practised and followed"),
    "legal_support": N_("3: a lawyer who follows the case"),
    "organisational_backing": N_("3: an organisation that stands publicly behind them"),
}

GROUP_LABELS = {
    "threats": N_("Threats (raise the risk)"),
    "vulnerabilities": N_("Vulnerabilities (raise the risk)"),
    "capacities": N_("Capacities (lower the risk)"),
}

RELATION_LABELS = {
    "defender": N_("Defender"),
    "family": N_("Family member"),
    "community": N_("Community member"),
    "colleague": N_("Colleague or member of their organisation"),
}

RATING_LABELS = {0: N_("0 · none"), 1: N_("1 · low"), 2: N_("2 · medium"), 3: N_("3 · high")}

#: Colombia's protection levels, paraphrased (source: Decree 1066 of 2015, art. 2.4.1.2.3).
LEVEL_DEFINITIONS = {
    RiskLevel.ordinary: N_(
        "The risk everyone in the same society shares. It does not call for special "
        "protection: the State's general security duties cover it."
    ),
    RiskLevel.extraordinary: N_(
        "A risk the person should not have to bear: aimed at them or their group, concrete, "
        "present and serious, well beyond what others face. It gives a right to special "
        "protection measures."
    ),
    RiskLevel.extreme: N_(
        "Everything that makes a risk extraordinary, and moreover grave and imminent: harm "
        "to life or physical integrity could come at any moment. Protection is urgent."
    ),
}
DEFINITIONS_SOURCE = N_(
    "Definitions paraphrased from Colombia's Decree 1066 of 2015 (art. 2.4.1.2.3), used by "
    "the National Protection Unit (UNP)."
)


@dataclass(frozen=True)
class RiskScore:
    threats: Fraction
    vulnerabilities: Fraction
    capacities: Fraction
    score: Fraction

    @property
    def rounded(self) -> Decimal:
        value = Decimal(self.score.numerator) / Decimal(self.score.denominator)
        return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _mean(ratings: dict[str, int], factors: tuple[str, ...]) -> Fraction | None:
    rated = [ratings[f] for f in factors if f in ratings]
    return Fraction(sum(rated), len(rated)) if rated else None


def compute_score(ratings: dict[str, int]) -> RiskScore | None:
    """``T × V ÷ (1 + C)`` on the mean rating (0–3) of each group, so the score runs 0–9.

    Capacities count from one: a person with no capacities at all gets the undivided
    threats × vulnerabilities rather than a division by zero, and each capacity still
    lowers the score. Unrated capacities count as none (a capacity nobody has confirmed must
    not lower the risk). Without any rated threat or vulnerability there is nothing to
    compute: ``None``, and the analyst decides from the facts alone."""
    threats, vulnerabilities = _mean(ratings, THREATS), _mean(ratings, VULNERABILITIES)
    if threats is None or vulnerabilities is None:
        return None
    capacities = _mean(ratings, CAPACITIES) or Fraction(0)
    score = threats * vulnerabilities / (1 + capacities)
    return RiskScore(threats, vulnerabilities, capacities, score)


def suggest_level(score: RiskScore | None) -> str | None:
    if score is None:
        return None
    if score.score >= EXTREME_FROM:
        return RiskLevel.extreme
    if score.score >= EXTRAORDINARY_FROM:
        return RiskLevel.extraordinary
    return RiskLevel.ordinary


def default_review_on(level: str, assessed_on: date) -> date:
    return assessed_on + timedelta(days=REVIEW_DAYS[RiskLevel(level)])


def highest_level(levels: list[str]) -> str | None:
    """The most serious of several levels: a case is as much at risk as its most
    endangered person."""
    known = [ORDER.index(RiskLevel(level)) for level in levels]
    return ORDER[max(known)] if known else None


def clean_ratings(raw: dict[str, str]) -> dict[str, int]:
    """Form values to ratings; an empty value means "not known" and is left out."""
    ratings: dict[str, int] = {}
    for factor, value in raw.items():
        if factor not in FACTORS:
            raise ValueError(factor)
        if value == "":
            continue
        if value not in {str(r) for r in RATINGS}:
            raise ValueError(factor)
        ratings[factor] = int(value)
    return ratings


def risk_label(code: str | int) -> str:
    """Translated label of a factor, a group, a relation or a rating."""
    if isinstance(code, int):
        return gettext(RATING_LABELS[code])
    message = FACTOR_LABELS.get(code) or GROUP_LABELS.get(code) or RELATION_LABELS.get(code)
    return gettext(message) if message else code


def factor_hint(code: str) -> str:
    return gettext(FACTOR_HINTS[code])


def level_definition(level: str) -> str:
    return gettext(LEVEL_DEFINITIONS[RiskLevel(level)])
