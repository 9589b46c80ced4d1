"""Labels of the case closure reasons as the public page says them (the codes are those of
``casework.models.ClosureReason``; the public surface may not import casework)."""

from __future__ import annotations

from vigil.core.i18n import N_

CLOSURE_REASONS = {
    "risk_reduced": N_("The risk to the defender was reduced."),
    "threat_stopped": N_("The threats stopped."),
    "released": N_("The defender was released."),
    "charges_dropped": N_("The charges were dropped."),
    "state_protection": N_("The state put protection measures in place."),
    "handed_over": N_("Another organisation follows the case."),
    "long_term_relocation": N_("The defender is safe elsewhere."),
    "defender_opted_out": N_("The defender asked us to stop the campaign."),
    "other": N_("The case was closed."),
}
