"""Human labels for incident codes, translated at render time in the reader's language."""

from __future__ import annotations

from vigil.core.i18n import N_, gettext

LABELS = {
    # statuses
    "received": N_("Received"),
    "triage": N_("Triage"),
    "verified": N_("Verified"),
    "active": N_("Active"),
    "monitoring": N_("Monitoring"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
    "rejected": N_("Rejected"),
    "duplicate": N_("Duplicate"),
    # roles in an act (incidents.models.Role)
    "unspecified": N_("Role not yet known"),
    "direct": N_("Direct perpetrator"),
    "instigator": N_("Instigator"),
    "complicit": N_("Complicit"),
    "beneficiary": N_("Beneficiary"),
    "acquiescence": N_("Acquiescence or failure to protect"),
    "linked": N_("Linked company, no involvement alleged"),
    # certainty of an involvement (incidents.models.Certainty)
    "alleged": N_("Alleged"),
    "documented": N_("Documented"),
    "established": N_("Established (court, official finding or admission)"),
    # reliability
    "high": N_("High"),
    "medium": N_("Medium"),
    "low": N_("Low"),
    # source kinds
    "direct_report": N_("Direct report"),
    "partner_ngo": N_("Partner organisation"),
    "media": N_("Media"),
    "court_record": N_("Court record"),
    "other": N_("Other"),
}


def label(code: str) -> str:
    """The translated label of a code, or the code itself if it has none."""
    message = LABELS.get(code)
    return gettext(message) if message else code
