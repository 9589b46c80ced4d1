"""Company-name keys for matching (the matcher itself builds on these).

``name_key`` removes legal forms (S.A., S.A.S., Ltda, GmbH, plc, PT, Tbk…) with rigour's
org-type list plus a few forms it lacks, transliterates to ASCII and squashes spaces, so
"PT Sawit Lestari Nusantara Tbk" and "Sawit Lestari Nusantara" share a key.
"""

from __future__ import annotations

from rigour.names import normalize_name, remove_org_types
from rigour.text import ascii_text

#: Legal-form words rigour's list does not strip (checked against rigour 2.6).
EXTRA_FORMS = frozenset({"tbk", "persero", "sac", "saa", "eirl", "sarl", "sa de cv"})


def name_key(name: str) -> str:
    normalised = normalize_name(name) or ""
    stripped = " ".join(remove_org_types(normalised).split())
    words = [w for w in ascii_text(stripped).lower().split() if w not in EXTRA_FORMS]
    return " ".join(words)
