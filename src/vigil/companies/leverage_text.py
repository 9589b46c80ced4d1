"""Leverage map wording: entry names and explanations in the reader's language.

"buyer, tier 1 — buys from Minera Andina del Cauca S.A.S. — source: Refiner's supplier list"
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from babel import Locale
from babel.numbers import format_decimal

from vigil.core.i18n import N_, current_locale, gettext

if TYPE_CHECKING:
    from vigil.companies.leverage_graph import Edge, _Cand

ROLE_LABELS = {
    "operator": N_("Operator"),
    "involved": N_("Company named in the incident"),
    "company": N_("Company mapped"),
    "parent": N_("Parent or owner"),
    "joint_venture": N_("Joint-venture partner"),
    "buyer": N_("Buyer"),
    "investor": N_("Investor"),
    "lender": N_("Lender"),
    "security_provider": N_("Security provider"),
    "msi": N_("Multi-stakeholder initiative"),
    "embassy": N_("Home-state embassy"),
    "protection": N_("Host-state protection"),
}
#: How a path step reads: "<from> <kind> <to>".
KIND_LABELS = {
    "ownership": N_("owns"),
    "parent_subsidiary": N_("is the parent of"),
    "joint_venture": N_("is in a joint venture with"),
    "supplier_buyer": N_("supplies"),
    "investor": N_("invests in"),
    "lender": N_("lends to"),
    "security_provider": N_("provides security to"),
    "msi_member": N_("is a member of"),
    "headquartered_in": N_("is headquartered in"),
    "operator": N_("operates"),
}
#: Row titles of the picture, by layer.
LAYER_LABELS = {
    1: N_("Starting point"),
    2: N_("Parents and partners"),
    3: N_("Buyers"),
    4: N_("Investors and lenders"),
    5: N_("Security providers"),
    6: N_("Multi-stakeholder initiatives"),
    7: N_("Home-state embassies"),
    8: N_("Host state"),
}


def role_label(role: str) -> str:
    return gettext(ROLE_LABELS.get(role, role))


def kind_label(kind: str) -> str:
    return gettext(KIND_LABELS.get(kind, kind))


def layer_label(layer: int) -> str:
    return gettext(LAYER_LABELS.get(layer, ""))


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


@cache
def _decimal_mark(code: str) -> str | None:
    """The locale's decimal mark when Babel writes numbers under 1,000 as plain digits, that
    mark and up to three decimals (``#,##0.###`` and the like), else None."""
    locale = _locale(code)
    pattern = locale.decimal_formats.get(None)
    if (
        pattern is None
        or locale.default_numbering_system != "latn"
        or pattern.int_prec[0] != 1
        or pattern.frac_prec != (0, 3)
        or pattern.prefix[0]
        or pattern.suffix[0]
    ):
        return None
    return str(locale.number_symbols["latn"]["decimal"])


def percent(value: Decimal | None) -> str:
    """A percentage to two decimals at most, as Babel writes it in the reader's language (a
    map has hundreds of them: the common case skips Babel's pattern machinery)."""
    if value is None:
        return ""
    rounded = value.quantize(Decimal("0.01")).normalize()
    code = current_locale.get()
    mark = _decimal_mark(code)
    if mark is not None and 0 <= rounded < 1000:
        return format(rounded, "f").replace(".", mark)
    return format_decimal(rounded, locale=code)


def country(code: str | None) -> str:
    if not code:
        return ""
    return _locale(current_locale.get()).territories.get(code.upper(), code.upper())


def embassy_name(home: str, host: str | None) -> str:
    if not host:
        return gettext("Embassy of %(home)s") % {"home": country(home)}
    return gettext("Embassy of %(home)s in %(host)s") % {
        "home": country(home),
        "host": country(host),
    }


def protection_name(host: str) -> str:
    return gettext("National human rights institution / protection mechanism of %(country)s") % {
        "country": country(host)
    }


def exclusion_reason(edge: Edge, today: date) -> str | None:
    if edge.end_date is not None and edge.end_date < today:
        return gettext("ended on %(date)s") % {"date": edge.end_date.isoformat()}
    if edge.start_date is not None and edge.start_date > today:
        return gettext("starts on %(date)s") % {"date": edge.start_date.isoformat()}
    return None


def threshold_reason(share: Decimal, minimum: Decimal) -> str:
    return gettext("share of %(share)s %% is below the %(minimum)s %% threshold") % {
        "share": percent(share),
        "minimum": percent(minimum),
    }


def relation_of(cand: _Cand) -> str:
    """How a reached company relates to the map, as shown next to its name ("parent of …")."""
    via = cand.via.actor.name if cand.via else ""
    if cand.role == "operator":
        if cand.note:
            return gettext("operator of %(project)s") % {"project": cand.note}
        return gettext("operator")
    if cand.role == "involved":
        return gettext("named in the incident")
    if cand.role == "company":
        return gettext("the company mapped")
    if cand.role == "parent":
        return gettext("parent of %(company)s") % {"company": via}
    if cand.role == "joint_venture":
        return gettext("joint-venture partner of %(company)s") % {"company": via}
    if cand.role == "buyer":
        return gettext("buyer, tier %(tier)s") % {"tier": cand.tier}
    return ""


def _head(cand: _Cand) -> str:
    role, via = cand.role, cand.via
    if role == "parent":
        edge = cand.path[-1]
        majority = cand.direct is None or cand.direct > 50 or edge.kind == "parent_subsidiary"
        return gettext("parent company") if majority else gettext("part-owner")
    if role == "buyer":
        return gettext("buyer, tier %(tier)s") % {"tier": cand.tier}
    if role == "operator":
        return cand.relation or gettext("operator")
    if role == "investor":
        if cand.stake is None:
            return gettext("investor")
        if via is None or via.role in ("operator", "involved", "company"):
            return gettext("investor, %(pct)s %%") % {"pct": percent(cand.stake)}
        if via.role == "joint_venture":
            return gettext("investor, %(pct)s %% via joint-venture partner") % {
                "pct": percent(cand.stake)
            }
        return gettext("investor, %(pct)s %% via parent") % {"pct": percent(cand.stake)}
    if role == "security_provider":
        if via is not None and via.role == "operator":
            return gettext("security provider, engage through the operator")
        return gettext("security provider, engage through %(company)s") % {
            "company": via.actor.name if via else ""
        }
    return {
        "involved": gettext("company named in the incident"),
        "company": gettext("company mapped"),
        "joint_venture": gettext("joint-venture partner"),
        "lender": gettext("lender"),
        "msi": gettext("multi-stakeholder initiative"),
        "embassy": gettext("home-state embassy"),
        "protection": gettext("host-state protection"),
    }.get(role, role)


def _detail(cand: _Cand) -> str:
    role, via = cand.role, cand.via
    if role in ("operator", "involved", "company"):
        return ""
    if role == "protection":
        return gettext("the host state's duty to protect defenders in %(country)s") % {
            "country": country(cand.actor.country)
        }
    if via is None:
        return ""
    name, relation = via.actor.name, via.relation
    values = {"company": name, "relation": relation, "pct": percent(cand.direct)}
    if role == "parent":
        text = (
            gettext("owns %(pct)s %% of %(company)s") % values
            if cand.direct is not None
            else gettext("owns %(company)s") % values
        )
        if via.role == "parent" and cand.stake is not None:
            text += "; " + gettext("%(pct)s %% of %(company)s through the chain") % {
                "pct": percent(cand.stake),
                "company": _root_name(cand),
            }
        return text
    if role == "joint_venture":
        return gettext("with %(company)s (%(relation)s)") % values
    if role == "buyer":
        return gettext("buys from %(company)s") % values
    if role == "investor":
        if cand.direct is None:
            return gettext("in %(company)s (%(relation)s)") % values
        return gettext("%(pct)s %% in %(company)s (%(relation)s)") % values
    if role == "lender":
        return gettext("lends to %(company)s (%(relation)s)") % values
    if role == "security_provider":
        return gettext("provides security to %(company)s (%(relation)s)") % values
    if role == "msi":
        return gettext("%(company)s is a member (%(relation)s)") % values
    if role == "embassy":
        return gettext("%(country)s is the home state of %(company)s (%(relation)s)") % {
            **values,
            "country": country(cand.actor.country),
        }
    return ""


def _root_name(cand: _Cand) -> str:
    node = cand
    while node.via is not None:
        node = node.via
    return node.actor.name


def explain(cand: _Cand) -> str:
    """ "<role, numbers> — <how it is connected> — source: <where we know it from>"."""
    parts = [_head(cand), _detail(cand)]
    if cand.path and cand.path[-1].source:
        parts.append(gettext("source: %(source)s") % {"source": cand.path[-1].source})
    return " — ".join(part for part in parts if part)
