"""Which message a contact gets: the recipient type, from the kind of body the contact speaks
for and the role they fill.

A company is asked to use its influence over its own operations; an investor, buyer or lender
to raise the case with the company it finances or buys from; an embassy to act as the EU
Guidelines on Human Rights Defenders and national guidelines such as Canada's *Voices at
Risk* describe (observe the trial, visit, raise the case with the host state); a national
human-rights institution or state protection mechanism to act within its mandate. UN special
procedures are not sent an e-mail at all: they need the defender's name and consent and write
to the state themselves, so the analyst sends them a submission pack (alerts/submission.py).

The playbook may hold a body per type (``messages.<lang>.by_recipient``); a type without one
gets the general body (see :func:`body_for`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: UN special procedures: a submission pack, never an alert e-mail.
SPECIAL_PROCEDURES = "special_procedures"

#: A contact role that says the type whatever the contact's kind.
_BY_ROLE = {
    "special_procedures": SPECIAL_PROCEDURES,
    "embassy_officer": "embassy",
    "nhri_officer": "state_mechanism",
    "protection_programme": "state_mechanism",
    "stewardship": "investor",
    "lender_esg": "investor",
}
#: Otherwise the kind of body (contacts.models.ContactKind) decides.
_BY_KIND = {
    "company": "company",
    "investor": "investor",
    "buyer": "investor",
    "lender": "investor",
    "embassy": "embassy",
    "nhri": "state_mechanism",
    "protection": "state_mechanism",
    "un": SPECIAL_PROCEDURES,
}


def recipient_type(*, kind: str | None, role: str | None) -> str | None:
    """The recipient type of a contact, or None (a multi-stakeholder initiative, "other":
    they get the general message)."""
    return _BY_ROLE.get(role or "") or _BY_KIND.get(kind or "")


def is_special_procedures(*, kind: str | None, role: str | None) -> bool:
    return recipient_type(kind=kind, role=role) == SPECIAL_PROCEDURES


def body_for(message: Mapping[str, Any], kind: str | None) -> str:
    """The body written for recipient type ``kind`` in one language's message, or the
    general body when the playbook has none for that type (or was stored before per-type
    bodies existed)."""
    variant = (message.get("by_recipient") or {}).get(kind or "") or {}
    return str(variant.get("body") or message["body"])
