"""Translated labels for casework codes (statuses come from ``incidents.labels``)."""

from __future__ import annotations

from vigil.core.i18n import N_, gettext
from vigil.incidents.labels import label as incident_label

LABELS = {
    "ordinary": N_("Ordinary risk"),
    "extraordinary": N_("Extraordinary risk"),
    "extreme": N_("Extreme risk"),
    "unassessed": N_("Not assessed yet"),
    "threat_source": N_("Source of the threat"),
    "prior_attacks": N_("Earlier attacks"),
    "visibility": N_("Visibility of the defender"),
    "vulnerability": N_("Vulnerability"),
    "protection_available": N_("Protection available"),
    "low": N_("Low"),
    "medium": N_("Medium"),
    "high": N_("High"),
    "risk_reduced": N_("Risk reduced"),
    "threat_stopped": N_("Threat stopped"),
    "released": N_("The defender was released"),
    "charges_dropped": N_("Charges dropped, or the defender was acquitted"),
    "state_protection": N_("State protection is in place"),
    "handed_over": N_("Handed to another organisation (record the handover)"),
    "long_term_relocation": N_("Long-term relocation"),
    "defender_opted_out": N_("The defender opted out"),
    "defender_unreachable": N_(
        "The defender cannot be reached: opens an urgent verification task, the case stays open"
    ),
    "other": N_("Other (explain)"),
}


def label(code: str) -> str:
    message = LABELS.get(code)
    return gettext(message) if message else incident_label(code)
