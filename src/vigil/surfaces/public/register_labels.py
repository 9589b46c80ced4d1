"""Words the register's pages show for its codes, translated when the page is rendered.
(The same English messages as the staff pages where they exist, so they share translations;
this surface may not import the incidents package that holds those.)"""

from __future__ import annotations

from vigil.core.i18n import N_, gettext

RESPONSE_STATUS = {
    "not_invited": N_("Not invited to respond"),
    "invited": N_("Invited to respond, awaiting an answer"),
    "responded": N_("Responded"),
    "did_not_respond": N_("Invited to respond; did not respond"),
}
#: public_responses.classification (and the response_type vocabulary's codes).
CLASSIFICATION = {
    "substantive": N_("Substantive response"),
    "commitment": N_("Commitment or pledge"),
    "denial": N_("Denial or countering"),
    "request_for_information": N_("Request for information"),
    "request_information": N_("Request for information"),
    "token": N_("Token response"),
    "none": N_("No response"),
    "no_response": N_("No response"),
}
ROLE = {
    "unspecified": N_("Role not yet known"),
    "direct": N_("Direct perpetrator"),
    "instigator": N_("Instigator"),
    "complicit": N_("Complicit"),
    "beneficiary": N_("Beneficiary"),
    "acquiescence": N_("Acquiescence or failure to protect"),
    "linked": N_("Linked company, no involvement alleged"),
}
CERTAINTY = {
    "alleged": N_("Alleged"),
    "documented": N_("Documented"),
    "established": N_("Established (court, official finding or admission)"),
}
VICTIM_KIND = {
    "person": N_("Individual defender"),
    "group": N_("Group"),
    "community": N_("Community"),
    "organisation": N_("Organisation"),
}
GROUP_RELATION = {
    "parent": N_("Parent company or owner"),
    "subsidiary": N_("Subsidiary or owned company"),
}

TABLES = {
    "response_status": RESPONSE_STATUS,
    "classification": CLASSIFICATION,
    "role": ROLE,
    "certainty": CERTAINTY,
    "victim_kind": VICTIM_KIND,
    "group_relation": GROUP_RELATION,
}


def word(table: str, code: str | None) -> str:
    """The translated word for ``code`` in one of :data:`TABLES`; the code if it has none."""
    message = TABLES[table].get(code or "")
    return gettext(message) if message else (code or "")
