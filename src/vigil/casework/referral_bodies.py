"""The bodies a case can be referred to: what each is for, and its usual deadline.

An analyst choosing where to refer a case at 3 a.m. needs to know, next to each kind of body,
what it can do and what it needs, so the form shows this list. Emergency procedures
(precautionary measures, urgent appeals, emergency funds, helplines, a request for urgent
state protection) count in hours, not in days: a threat can be carried out within the week a
deadline in business days would wait. Whatever the body, a referral is made only with the
defender's consent (the same rule as alerts).

The usual deadline is Vigil's default follow-up time when the analyst gives none, not the
body's legal deadline: its own rules may differ, and the analyst can always give another.
The national protection mechanism, the NHRI and the UN special procedures have none (their
referrals kept their earlier behaviour); the analyst gives hours for an urgent request.
"""

from __future__ import annotations

from dataclasses import dataclass

from vigil.core.i18n import N_


@dataclass(frozen=True)
class ReferralBody:
    kind: str
    label: str  # N_-marked, translated where shown
    purpose: str  # N_-marked: what it is for, what it needs, what to watch out for
    hours: int | None = None  # usual deadline of an emergency procedure
    business_days: int | None = None  # usual deadline otherwise

    @property
    def emergency(self) -> bool:
        return self.hours is not None


BODIES: tuple[ReferralBody, ...] = (
    ReferralBody(
        "national_protection_mechanism",
        N_("National protection mechanism"),
        N_(
            "The state programme that protects defenders (for example Colombia's UNP, "
            "Mexico's Protection Mechanism, Brazil's PPDDH). Ask for urgent measures from the "
            "first hour, in parallel with the alerts, and only with the defender's consent: "
            "some state measures, such as an armed escort, can themselves put a defender in "
            "danger. For an urgent request, give the deadline in hours."
        ),
    ),
    ReferralBody(
        "prosecutor",
        N_("Prosecutor's office"),
        N_(
            "Opens the criminal investigation and can order urgent protection measures. File "
            "only with the defender's consent: a complaint can expose the defender and "
            "witnesses where the authorities are close to the perpetrators."
        ),
        hours=72,
    ),
    ReferralBody(
        "nhri",
        N_("National human rights institution"),
        N_(
            "The ombudsperson or national human rights commission: it can visit, intervene "
            "with the authorities and follow the case."
        ),
    ),
    ReferralBody(
        "un_special_procedure",
        N_("UN special procedure"),
        N_(
            "UN special rapporteurs and working groups (such as the Special Rapporteur on "
            "human rights defenders) can send an urgent appeal to the state and to the "
            "companies concerned. They need the defender's name and consent. For an urgent "
            "appeal, give the deadline in hours."
        ),
    ),
    ReferralBody(
        "ohchr_office",
        N_("OHCHR country or regional office"),
        N_(
            "The UN Human Rights Office, where it has a presence in the country: it can raise "
            "the case with the authorities, visit, follow it and pass it to the special "
            "procedures."
        ),
        hours=48,
    ),
    ReferralBody(
        "iachr_precautionary",
        N_("IACHR precautionary measures"),
        N_(
            "The Inter-American Commission on Human Rights can ask a state of the Americas to "
            "protect a person or a community at serious and urgent risk of irreparable harm. "
            "The request needs the beneficiaries' identity and consent; the Commission often "
            "asks the state for information first."
        ),
        hours=72,
    ),
    ReferralBody(
        "achpr_defenders_rapporteur",
        N_("ACHPR Special Rapporteur on human rights defenders"),
        N_(
            "The African Commission on Human and Peoples' Rights' Special Rapporteur on human "
            "rights defenders can send an urgent appeal to a state party to the African "
            "Charter; the Commission can also ask the state for provisional measures."
        ),
        hours=72,
    ),
    ReferralBody(
        "oecd_ncp",
        N_("OECD National Contact Point"),
        N_(
            "Hears complaints (specific instances) about a multinational enterprise's conduct "
            "under the OECD Guidelines, in a country where the enterprise operates or is "
            "based. It offers dialogue and mediation, not protection: not an emergency "
            "procedure."
        ),
        business_days=60,
    ),
    ReferralBody(
        "dfi_accountability",
        N_("Accountability mechanism of a development lender"),
        N_(
            "The independent complaint office of a public lender that finances the project: "
            "the CAO for IFC and MIGA, MICI for the IDB Group, the IRM for the EBRD. Ask for "
            "confidentiality and tell it about the risk of reprisals; it is not an emergency "
            "procedure."
        ),
        business_days=15,
    ),
    ReferralBody(
        "icoca",
        N_("ICoCA (private security providers)"),
        N_(
            "The International Code of Conduct Association receives complaints about private "
            "security companies that are its members and can require them to act. Check that "
            "the provider is a member."
        ),
        business_days=30,
    ),
    ReferralBody(
        "grievance_mechanism",
        N_("Company or MSI grievance mechanism"),
        N_(
            "The company's own grievance mechanism, or that of a multi-stakeholder initiative "
            "it belongs to. Use it only where it is safe: not when the company or its security "
            "provider is suspected, unless the defender chooses it."
        ),
        business_days=30,
    ),
    ReferralBody(
        "emergency_fund",
        N_("Emergency fund"),
        N_(
            "Small, fast grants for defenders at risk: temporary relocation, security, legal "
            "or medical costs (for example Front Line Defenders, ProtectDefenders.eu, "
            "Lifeline). Say that the request is urgent."
        ),
        hours=72,
    ),
    ReferralBody(
        "helpline",
        N_("Emergency helpline"),
        N_(
            "A line open day and night for defenders in immediate danger or needing urgent "
            "digital-security help (for example Front Line Defenders' emergency line, Access "
            "Now's Digital Security Helpline)."
        ),
        hours=24,
    ),
    ReferralBody(
        "other",
        N_("Other body"),
        N_("Any other body: give its deadline as a date, in business days or in hours."),
    ),
)

BY_KIND: dict[str, ReferralBody] = {body.kind: body for body in BODIES}


def body_of(kind: str) -> ReferralBody | None:
    return BY_KIND.get(kind)
