"""The small vocabularies of SLAPP screening, with their labels (translated through the
message catalogues like every other label): claim types, outcomes, the indicators screened
and the three judgements an analyst can give.

The four lettered indicators are those of Art 4(3) of Directive (EU) 2024/1069 (the EU
anti-SLAPP Directive); the public-participation nexus (Art 4(1)) and the imbalance of power
between the parties (recital 6) are screened alongside them but are not counted in the
"n of 4" summary."""

from __future__ import annotations

from enum import StrEnum

from vigil.core.i18n import N_, gettext


class ClaimType(StrEnum):
    defamation = "defamation"
    criminal_defamation = "criminal_defamation"
    damages = "damages"
    criminal_complaint = "criminal_complaint"
    injunction = "injunction"
    privacy = "privacy"
    intellectual_property = "intellectual_property"
    other = "other"


class Outcome(StrEnum):
    pending = "pending"
    dismissed_early = "dismissed_early"
    dismissed_on_merits = "dismissed_on_merits"
    withdrawn_by_claimant = "withdrawn_by_claimant"
    settled = "settled"
    decided_for_defendant = "decided_for_defendant"
    decided_for_claimant = "decided_for_claimant"
    appeal_pending = "appeal_pending"


class Indicator(StrEnum):
    disproportionate = "a"
    multiple_proceedings = "b"
    intimidation = "c"
    bad_faith_tactics = "d"
    public_participation = "nexus"
    power_imbalance = "imbalance"


#: The Art 4(3) indicators, counted in "n of 4 judged met".
ART_4_3 = (
    Indicator.disproportionate,
    Indicator.multiple_proceedings,
    Indicator.intimidation,
    Indicator.bad_faith_tactics,
)


class Judgement(StrEnum):
    met = "met"
    not_met = "not_met"
    unclear = "unclear"


CLAIM_TYPE_LABELS = {
    ClaimType.defamation: N_("Defamation (civil)"),
    ClaimType.criminal_defamation: N_("Criminal defamation"),
    ClaimType.damages: N_("Damages"),
    ClaimType.criminal_complaint: N_("Criminal complaint"),
    ClaimType.injunction: N_("Injunction"),
    ClaimType.privacy: N_("Privacy or data protection"),
    ClaimType.intellectual_property: N_("Intellectual property"),
    ClaimType.other: N_("Other claim"),
}
OUTCOME_LABELS = {
    Outcome.pending: N_("Pending"),
    Outcome.dismissed_early: N_("Dismissed at an early stage"),
    Outcome.dismissed_on_merits: N_("Dismissed on the merits"),
    Outcome.withdrawn_by_claimant: N_("Withdrawn by the claimant"),
    Outcome.settled: N_("Settled"),
    Outcome.decided_for_defendant: N_("Decided for the defendant"),
    Outcome.decided_for_claimant: N_("Decided for the claimant"),
    Outcome.appeal_pending: N_("Appeal pending"),
}
INDICATOR_LABELS = {
    Indicator.disproportionate: N_("(a) Disproportionate, excessive or unreasonable claim"),
    Indicator.multiple_proceedings: N_(
        "(b) Multiple proceedings by the claimant or associated parties on similar matters"
    ),
    Indicator.intimidation: N_(
        "(c) Intimidation, harassment or threats by the claimant or its representatives"
    ),
    Indicator.bad_faith_tactics: N_(
        "(d) Bad-faith procedural tactics (delay, forum shopping, abusive discontinuation)"
    ),
    Indicator.public_participation: N_("Link to public participation"),
    Indicator.power_imbalance: N_("Imbalance of power between claimant and defendants"),
}
JUDGEMENT_LABELS = {
    Judgement.met: N_("met"),
    Judgement.not_met: N_("not met"),
    Judgement.unclear: N_("unclear"),
}


def _label(labels: dict, code: str | None) -> str:  # type: ignore[type-arg]
    return gettext(labels[code]) if code in labels else (code or "")


def claim_type_label(code: str | None) -> str:
    return _label(CLAIM_TYPE_LABELS, code)


def outcome_label(code: str | None) -> str:
    return _label(OUTCOME_LABELS, code)


def indicator_label(code: str | None) -> str:
    return _label(INDICATOR_LABELS, code)


def judgement_label(code: str | None) -> str:
    return _label(JUDGEMENT_LABELS, code)
