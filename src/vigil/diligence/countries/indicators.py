"""The indicators a profile knows, their published scales and labels, and the fixed
provenance of each source. A value outside its scale is a broken file, never a score."""

from __future__ import annotations

from dataclasses import dataclass

from vigil.core.i18n import N_
from vigil.diligence.countries.models import ScoreSource


@dataclass(frozen=True)
class Indicator:
    source: ScoreSource
    code: str
    label: str  # N_() msgid
    low: float
    high: float


WJP_FACTORS = (
    N_("Constraints on government powers"),
    N_("Absence of corruption"),
    N_("Open government"),
    N_("Fundamental rights"),
    N_("Order and security"),
    N_("Regulatory enforcement"),
    N_("Civil justice"),
    N_("Criminal justice"),
)

#: Every indicator, in the order a profile shows them.
INDICATORS: tuple[Indicator, ...] = (
    Indicator(ScoreSource.wjp, "overall", N_("Rule of Law Index: overall score"), 0.0, 1.0),
    *(
        Indicator(ScoreSource.wjp, f"factor_{n}", label, 0.0, 1.0)
        for n, label in enumerate(WJP_FACTORS, start=1)
    ),
    Indicator(ScoreSource.wgi, "RL.EST", N_("Rule of law (estimate)"), -2.5, 2.5),
    Indicator(ScoreSource.wgi, "VA.EST", N_("Voice and accountability (estimate)"), -2.5, 2.5),
    Indicator(ScoreSource.civic_space, "rating", N_("Civic space rating"), 1.0, 5.0),
)

BY_KEY = {(i.source.value, i.code): i for i in INDICATORS}

#: Civic-space ratings, best first; stored as their rank (1 = open … 5 = closed).
CIVIC_SPACE_RATINGS = ("open", "narrowed", "obstructed", "repressed", "closed")
#: Lower case on purpose: "Open" is already the verb of a button in the catalogues.
CIVIC_SPACE_LABELS = {
    "open": N_("open"),
    "narrowed": N_("narrowed"),
    "obstructed": N_("obstructed"),
    "repressed": N_("repressed"),
    "closed": N_("closed"),
}


def civic_space_rating(rank: float) -> str:
    return CIVIC_SPACE_RATINGS[round(rank) - 1]


@dataclass(frozen=True)
class Provenance:
    source_name: str
    source_url: str
    licence: str


#: What an imported file of each source is credited to, unless the command says otherwise.
PROVENANCE = {
    ScoreSource.wjp: Provenance(
        "World Justice Project Rule of Law Index",
        "https://worldjusticeproject.org/rule-of-law-index/",
        "World Justice Project terms of use",
    ),
    ScoreSource.wgi: Provenance(
        "The World Bank: Worldwide Governance Indicators (Kaufmann and Kraay)",
        "https://www.govindicators.org",
        "CC BY 4.0",
    ),
    ScoreSource.civic_space: Provenance("", "", ""),
}

SOURCE_LABELS = {
    ScoreSource.wjp.value: N_("World Justice Project Rule of Law Index"),
    ScoreSource.wgi.value: N_("Worldwide Governance Indicators (World Bank)"),
    ScoreSource.civic_space.value: N_("Civic space"),
}

FLAG_LABELS = {
    "hrd_protection_law_or_mechanism": N_("National law or mechanism protecting defenders"),
    "nbap_business_human_rights": N_("National action plan on business and human rights"),
    "mandatory_hrdd_law": N_("Mandatory human-rights due-diligence law"),
    "anti_slapp_protection": N_("Protection against SLAPPs"),
    "escazu_party": N_("Party to the Escazú Agreement"),
}

STATUS_LABELS = {
    "yes": N_("Yes"),
    "no": N_("No"),
    "partial": N_("Partial"),
    "pending": N_("Pending"),
}
