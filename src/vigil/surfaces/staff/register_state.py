"""Where an incident stands with the public register, for the staff who decide what it
shows: its public code if it is in, and otherwise why not (the same rules the batch applies,
:mod:`vigil.public.deidentify`, read at the moment the page is shown)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.core.config import Settings
from vigil.core.crypto import Vault
from vigil.core.i18n import N_, gettext
from vigil.incidents.models import Incident
from vigil.public.deidentify import Reason, Refusal, SummaryWithheld, deidentify
from vigil.public.register_models import PublicIncident

REASONS = {
    Reason.not_verified: N_("Not verified: only verified incidents are published."),
    Reason.delay_not_passed: N_("The publication delay after verification has not passed."),
    Reason.no_victim: N_("No victim is linked to the incident."),
    Reason.victim_refused: N_(
        "A victim chose record only, withdrew keeping the record, or was forgotten."
    ),
    Reason.alias_not_granted: N_(
        "Not every victim has agreed, themselves, to the publication of their alias."
    ),
    Reason.date_unknown: N_("The date of the incident is not known."),
    Reason.withheld: N_("Withheld: the key protecting this record was destroyed."),
}
SUMMARY = {
    SummaryWithheld.missing: N_("No public summary is shown: none was written."),
    SummaryWithheld.unreviewed: N_("No public summary is shown: it is not reviewed yet."),
    SummaryWithheld.identifying: N_("No public summary is shown: it holds an identifying detail."),
}


@dataclass(frozen=True)
class RegisterState:
    #: The row's public code when the register holds it now (the batch runs every few minutes).
    code: str | None
    #: Why the rules keep it out now, translated; "" when they let it in.
    refused: str
    summary: str


def register_state(
    session: Session, *, vault: Vault, settings: Settings, incident: Incident, now: datetime
) -> RegisterState:
    code = session.scalar(
        select(PublicIncident.code).where(PublicIncident.incident_id == incident.id)
    )
    result = deidentify(
        session,
        vault=vault,
        incident=incident,
        now=now,
        delay_days=settings.publication_delay_days,
    )
    if isinstance(result, Refusal):
        return RegisterState(code=code, refused=gettext(REASONS[result.reason]), summary="")
    withheld = result.summary_withheld
    summary = gettext(SUMMARY[SummaryWithheld(withheld)]) if withheld else ""
    return RegisterState(code=code, refused="", summary=summary)
