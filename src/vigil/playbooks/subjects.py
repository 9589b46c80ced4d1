"""What a subject may say: the case reference behind one fixed, neutral prefix.

A subject shows on lock screens, in mail gateways and in logs, where anyone near the
recipient reads it. Refusing every variable but ``case_reference`` is not enough: fixed text
("Killing: {{ case_reference }}", "Threat against the El Roble leader – ...") says what
happened as plainly as a variable would. So the rendered subject must be exactly one of the
neutral forms below, in any of the interface languages (a recipient may be written to in a
language other than the playbook's), followed by the reference. Letter case and runs of
spaces do not matter; anything else does.

The playbook schema refuses any other subject at import (parsing.py), and the composer
(alerts/compose.py) replaces one stored before this rule by the plain "Case VIGIL-n".
"""

from __future__ import annotations

#: The neutral prefixes: urgency and confidentiality, a request for action, "case" and
#: "Vigil case", in English, Spanish, French and Portuguese. Nothing about the person, the
#: attack, the place, the company or the project.
NEUTRAL_PREFIXES: tuple[str, ...] = (
    "",
    "Urgent:",  # en, fr
    "Urgent :",  # fr typography
    "Urgente:",  # es, pt
    # English
    "Case",
    "Vigil case",
    "Confidential: case",
    "Urgent and confidential: case",
    "Confidential: request for action, case",
    # Spanish
    "Caso",
    "Caso Vigil",
    "Confidencial: caso",
    "Urgente y confidencial: caso",
    "Confidencial: solicitud de actuación, caso",
    # French
    "Dossier",
    "Dossier Vigil",
    "Confidentiel : dossier",
    "Urgent et confidentiel : dossier",
    "Confidentiel : demande d'action, dossier",
    # Portuguese (Brazil)
    "Caso Vigil",
    "Confidencial: caso",
    "Urgente e confidencial: caso",
    "Confidencial: pedido de ação, caso",
)


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


_ALLOWED: frozenset[str] = frozenset(_normal(prefix) for prefix in NEUTRAL_PREFIXES)


def is_neutral_subject(rendered: str, reference: str) -> bool:
    """True when ``rendered`` is a neutral prefix followed by ``reference`` and nothing else."""
    said = _normal(rendered)
    tail = _normal(reference)
    if not tail or not said.endswith(tail):
        return False
    return said[: len(said) - len(tail)].strip() in _ALLOWED


#: How the import error starts (parsing.py names the playbook before it).
NEUTRAL_PROBLEM = "the subject renders as"


def neutral_problem(rendered: str) -> str:
    """The import error for a subject with more than the reference and a neutral prefix."""
    shown = " ".join(rendered.split())[:120]
    return (
        f"{NEUTRAL_PROBLEM} {shown!r}: a subject may say only the case reference, after "
        "a neutral prefix such as 'Case', 'Confidential: case' or 'Urgent and confidential: "
        "case' (any fixed text about the attack, person, place or company shows on lock "
        "screens and in mail gateways and logs)"
    )
