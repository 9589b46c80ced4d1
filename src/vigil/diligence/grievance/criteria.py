"""The vocabularies of grievance mechanisms, with the labels pages show: kinds, channels,
ratings, and the eight effectiveness criteria of UN Guiding Principle 31 (facts of the
standard, in our own words)."""

from __future__ import annotations

from vigil.core.i18n import N_, gettext

KINDS: dict[str, str] = {
    "company": N_("Company mechanism"),
    "msi": N_("Multi-stakeholder initiative mechanism"),
    "nhri": N_("National human-rights institution"),
    "sports_body": N_("Sports-body mechanism"),
}

CHANNELS: dict[str, str] = {
    "online_form": N_("Online form"),
    "email": N_("E-mail"),
    "phone": N_("Telephone"),
    "in_person": N_("In person"),
    "post": N_("Post"),
    "hotline": N_("Hotline"),
}

#: UNGP 31 (a)–(h), in the order of the Principle.
CRITERIA: dict[str, str] = {
    "legitimate": N_("Legitimate"),
    "accessible": N_("Accessible"),
    "predictable": N_("Predictable"),
    "equitable": N_("Equitable"),
    "transparent": N_("Transparent"),
    "rights_compatible": N_("Rights-compatible"),
    "continuous_learning": N_("A source of continuous learning"),
    "engagement_dialogue": N_("Based on engagement and dialogue"),
}

CRITERIA_HELP: dict[str, str] = {
    "legitimate": N_("Trusted by those it is meant for; accountable for fair conduct."),
    "accessible": N_("Known to all it is for; help for those who face barriers to use it."),
    "predictable": N_("A clear procedure with time frames, and known possible outcomes."),
    "equitable": N_("Complainants have fair access to information, advice and expertise."),
    "transparent": N_("Parties are kept informed; enough is published to build confidence."),
    "rights_compatible": N_("Outcomes and remedies accord with human rights."),
    "continuous_learning": N_("Lessons are drawn to improve it and prevent future harm."),
    "engagement_dialogue": N_("Designed and run with the people it is for, through dialogue."),
}

RATINGS: dict[str, str] = {
    "met": N_("Met"),
    "partly_met": N_("Partly met"),
    "not_met": N_("Not met"),
    "no_information": N_("No information"),
}
#: A rating that states something needs evidence; "no information" says there is none.
NEEDS_EVIDENCE = frozenset({"met", "partly_met", "not_met"})


def label(table: dict[str, str], code: str) -> str:
    """A code in the reader's language (an unknown code as it is)."""
    return gettext(table[code]) if code in table else code
