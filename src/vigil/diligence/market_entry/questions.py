"""Questions to put to local defenders during the research (before entry, and again during
operations). Written for Vigil from the UN Guiding Principles' call for meaningful
consultation with potentially affected stakeholders (UNGP 18) and the protection practice
the report's sections describe; no other project's wording."""

from __future__ import annotations

from vigil.core.i18n import N_

#: Each question is shown in the reader's language; order is the order of a conversation:
#: safety first, then the context, then what the company could do.
QUESTIONS: tuple[str, ...] = (
    N_(
        "Is it safe for you to talk to us, here and now? How should we contact you, and "
        "what should we never do (visit, call, name you)?"
    ),
    N_(
        "Who has been threatened, attacked, sued or smeared in this area for defending land, "
        "water, labour or other rights in the last five years, and by whom?"
    ),
    N_(
        "Which companies, contractors or security providers are active here, and how do "
        "communities see them?"
    ),
    N_(
        "Was the community consulted about existing projects, and was its decision respected "
        "(free, prior and informed consent where it applies)?"
    ),
    N_(
        "Do the state's protection mechanism, the police and the courts protect defenders "
        "here in practice? Have you used them, and what happened?"
    ),
    N_(
        "Are there lawsuits or criminal complaints against defenders linked to business "
        "activity? Who filed them?"
    ),
    N_(
        "Which grievance mechanisms exist (company, industry, national human rights "
        "institution), and would you trust them with a complaint? Why or why not?"
    ),
    N_(
        "Which organisations, initiatives or embassies have helped defenders here, and what worked?"
    ),
    N_(
        "What should an incoming company commit to, and do, so that its arrival does not "
        "put you at greater risk?"
    ),
    N_(
        "How would you want to be kept informed, and how can you tell us later if something "
        "goes wrong, safely?"
    ),
)
