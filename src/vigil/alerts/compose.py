"""Writing one alert message for one recipient, in the recipient's language.

The playbook holds Jinja2 templates per language; they are rendered in a sandbox with strict
undefined variables (a playbook is data written by coordinators, not code). The context says
only what consent allows about the defender (alias by default; a name only with recorded
consent to share it with stakeholders) and never a place more precise than the region (an
ISO 3166-2 subdivision, said by its name: never what a reporter typed). At the "generalised"
share level facts.py has already widened the facts (top-level region, the kind of project
instead of its name) and the date is said as a month.

Subjects reach lock screens, mail gateways and logs, so they are rendered with the case
reference behind a neutral prefix (playbooks/subjects.py): a stored playbook whose subject
says anything else (written before the schema refused it) gets a plain "Case VIGIL-n".
Every message carries the do-no-harm paragraph of do_no_harm.py, added here so that an
imported playbook gets it too.
The body is the one the playbook wrote for the recipient's type (company, investor, embassy,
state mechanism: recipient_types.py), or its general body. An escalation adds who was informed
when and did not respond; a resolution is a short notice without case details
(purpose_texts.py).
The same text goes out as plain text, as simple HTML, and inside the webhook payload.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date, format_skeleton
from jinja2 import StrictUndefined, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import escape

from vigil.alerts.do_no_harm import do_no_harm_paragraph, with_do_no_harm
from vigil.alerts.notes import note_for
from vigil.alerts.purpose_texts import (
    Silent,
    escalation_paragraph,
    resolution_text,
    with_escalation,
)
from vigil.alerts.recipient_types import body_for
from vigil.core.i18n import LOCALES, N_, current_locale, gettext
from vigil.core.places import region_name
from vigil.playbooks.schema import CLOSING_VARIABLES
from vigil.playbooks.subjects import is_neutral_subject

_env = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
)
_URL = re.compile(r"https?://[^\s<>\"]+")

PURPOSE_PREFIX = {
    "reminder": N_("Reminder: %(subject)s"),
    "escalation": N_("Escalation: %(subject)s"),
    "resolution": N_("Resolved: %(subject)s"),
}
SAFE_SUBJECT = N_("Case %(reference)s")
#: How a date is said, by its precision (a generalised alert says the month at most).
DATE_FORMATS = {"day": "long", "month": "yMMMM", "year": "y"}
#: The preposition before a date, by how the sentence uses it and the date's precision: a
#: day is "on 14 March", a month or a year "in March 2026" ("el 14 de marzo" but "en marzo
#: de 2026"; "le 14 mars" but "en mars 2026"). A language not listed says the bare date.
PREPOSITIONS: dict[str, dict[str, dict[str, str]]] = {
    "when": {
        "day": {"en": "on", "es": "el", "fr": "le", "pt": "em"},
        "month": {"en": "in", "es": "en", "fr": "en", "pt": "em"},
        "year": {"en": "in", "es": "en", "fr": "en", "pt": "em"},
    },
    "since": {
        "day": {"en": "since", "es": "desde el", "fr": "depuis le", "pt": "desde"},
        "month": {"en": "since", "es": "desde", "fr": "depuis", "pt": "desde"},
        "year": {"en": "since", "es": "desde", "fr": "depuis", "pt": "desde"},
    },
}


@dataclass(frozen=True)
class Links:
    acknowledge_url: str
    request_info_url: str
    respond_url: str
    unsubscribe_url: str


@dataclass(frozen=True)
class Facts:
    """What may be said about the case, already limited by consent (language-neutral)."""

    incident_id: int
    defender: str | None  # alias or consented name; None → "a human rights defender"
    attack_type_labels: Mapping[str, str]  # language → every type of the case, joined
    country: str
    region: str | None  # ISO 3166-2 code (never free text); messages say its name
    occurred_on: date | None
    company: str
    project: Mapping[str, str] | str  # a name, or (generalised) a description per language
    analyst_note: str
    organisation: str
    urgency: int
    strategy: str = "quiet"  # the defender's choice: quiet diplomacy or public action
    date_precision: str = "day"  # day, month or year: how much of occurred_on may be said
    reply_to: str = ""  # the organisation's contact address: where replies to e-mail go
    #: The note per language (alerts/notes.py); ``analyst_note`` is the one in
    #: ``note_language``, used with a marker where a language has none.
    analyst_notes: Mapping[str, str] = field(default_factory=dict)
    note_language: str = "en"

    @property
    def case_reference(self) -> str:
        return f"VIGIL-{self.incident_id}"


@dataclass(frozen=True)
class Message:
    language: str
    subject: str
    text: str
    html: str
    payload: dict[str, Any]
    unsubscribe_url: str
    reply_to: str = ""

    def content(self) -> dict[str, Any]:
        """The dict sealed into a delivery (see alerts/models.py Delivery.content_sealed)."""
        return {
            "subject": self.subject,
            "text": self.text,
            "html": self.html,
            "unsubscribe_url": self.unsubscribe_url,
            "payload": self.payload,
            "reply_to": self.reply_to,
        }


@contextmanager
def in_language(language: str) -> Iterator[None]:
    token = current_locale.set(language if language in LOCALES else "en")
    try:
        yield
    finally:
        current_locale.reset(token)


@lru_cache(maxsize=256)
def _template(source: str):  # type: ignore[no-untyped-def]
    return _env.from_string(source)


def pick_language(messages: Mapping[str, Any], wanted: str) -> str:
    return wanted if wanted in messages else "en"


def country_name(code: str, language: str) -> str:
    try:
        return Locale.parse(language).territories.get(code.upper(), code)
    except (ValueError, TypeError):
        return code


def say_date(value: date | None, precision: str, language: str) -> str:
    """The date in ``language``, no more precise than ``precision`` allows."""
    if value is None:
        return ""
    pattern = DATE_FORMATS.get(precision, DATE_FORMATS["month"])
    if pattern == "long":
        return format_date(value, format="long", locale=language)
    return format_skeleton(pattern, value, locale=language)


def say_when(value: date | None, precision: str, language: str, *, relation: str = "when") -> str:
    """The date with the preposition it takes in ``language`` ("on 14 March 2026", "in
    March 2026", "desde marzo de 2026"): ``relation`` is "when" or "since"."""
    said = say_date(value, precision, language)
    if not said:
        return ""
    level = precision if precision in DATE_FORMATS else "month"
    preposition = PREPOSITIONS[relation][level].get(language, "")
    return f"{preposition} {said}" if preposition else said


def _localised(value: Mapping[str, str] | str | None, language: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return value.get(language) or value.get("en") or ""


def context_for(
    facts: Facts,
    *,
    language: str,
    recipient_name: str,
    tier_label: Mapping[str, str] | str | None,
    deadline_hours: float | None,
    links: Links,
) -> dict[str, Any]:
    with in_language(language):
        defender = facts.defender or gettext("a human rights defender")
    return {
        "defender": defender,
        "attack_type": facts.attack_type_labels.get(language)
        or facts.attack_type_labels.get("en", ""),
        "country": country_name(facts.country, language),
        "region": region_name(facts.region, language),
        "occurred_on": say_date(facts.occurred_on, facts.date_precision, language),
        "occurred_when": say_when(facts.occurred_on, facts.date_precision, language),
        "occurred_since": say_when(
            facts.occurred_on, facts.date_precision, language, relation="since"
        ),
        "company": facts.company,
        "project": _localised(facts.project, language),
        "analyst_note": note_for(
            facts.analyst_notes, facts.analyst_note, facts.note_language, language
        ),
        "organisation": facts.organisation,
        "recipient_name": recipient_name,
        "tier_label": _localised(tier_label, language),
        "deadline_hours": int(deadline_hours) if deadline_hours else "",
        "acknowledge_url": links.acknowledge_url,
        "request_info_url": links.request_info_url,
        "respond_url": links.respond_url,
        "unsubscribe_url": links.unsubscribe_url,
        "strategy": facts.strategy,
        "case_reference": facts.case_reference,
    }


def render_subject(source: str, facts: Facts, language: str) -> str:
    """The subject, from the case reference alone (see the module docstring)."""
    try:
        subject = _template(source).render({"case_reference": facts.case_reference})
    except UndefinedError:
        subject = ""
    if not is_neutral_subject(subject, facts.case_reference):
        with in_language(language):
            subject = gettext(SAFE_SUBJECT) % {"reference": facts.case_reference}
    return " ".join(subject.split())


def text_to_html(text: str, language: str) -> str:
    """Paragraphs and clickable links; everything else escaped."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        parts: list[str] = []
        position = 0
        for match in _URL.finditer(block):
            parts.append(str(escape(block[position : match.start()])))
            url = escape(match.group(0))
            parts.append(f'<a href="{url}">{url}</a>')
            position = match.end()
        parts.append(str(escape(block[position:])))
        paragraphs.append("<p>" + "".join(parts).replace("\n", "<br>\n") + "</p>")
    body = "\n".join(paragraphs)
    return (
        f'<!doctype html>\n<html lang="{escape(language)}"><head><meta charset="utf-8"></head>'
        f"<body>\n{body}\n</body></html>\n"
    )


def _body(
    message: Mapping[str, Any],
    context: Mapping[str, Any],
    purpose: str,
    recipient_type: str | None,
    silent: Sequence[Silent],
    language: str,
) -> str:
    if purpose == "resolution":
        if message.get("closing"):  # the playbook's own (only CLOSING_VARIABLES: schema.py)
            closing = _template(message["closing"])
            return closing.render({name: context[name] for name in CLOSING_VARIABLES})
        return resolution_text(
            language,
            recipient_name=context["recipient_name"],
            case_reference=context["case_reference"],
            organisation=context["organisation"],
            unsubscribe_url=context["unsubscribe_url"],
        )
    text = _template(body_for(message, recipient_type)).render(context)
    if purpose == "escalation":
        paragraph = escalation_paragraph(
            language, organisation=context["organisation"], silent=silent
        )
        text = with_escalation(text, paragraph)
    return text


def compose(
    document: Mapping[str, Any],
    facts: Facts,
    *,
    language: str,
    recipient_name: str,
    tier: int,
    purpose: str,
    links: Links,
    alert_id: int,
    recipient_type: str | None = None,
    silent: Sequence[Silent] = (),
) -> Message:
    """Render the playbook's message for one recipient (``purpose``: alert, reminder,
    escalation or resolution; ``recipient_type``: see recipient_types.py; ``silent``: for an
    escalation, the organisations that were informed and did not respond)."""
    messages = document["messages"]
    language = pick_language(messages, language)
    tier_spec = document["tiers"][tier - 1] if 0 < tier <= len(document["tiers"]) else {}
    context = context_for(
        facts,
        language=language,
        recipient_name=recipient_name,
        tier_label=tier_spec.get("label"),
        deadline_hours=tier_spec.get("deadline_hours"),
        links=links,
    )
    subject = render_subject(messages[language]["subject"], facts, language)
    text = with_do_no_harm(
        _body(messages[language], context, purpose, recipient_type, silent, language),
        do_no_harm_paragraph(language, strategy=facts.strategy, organisation=facts.organisation),
        anchor=links.acknowledge_url,
    )
    if purpose in PURPOSE_PREFIX:
        with in_language(language):
            subject = gettext(PURPOSE_PREFIX[purpose]) % {"subject": subject}
    payload = {
        "type": f"alert.{purpose}",
        "alert_id": alert_id,
        "case_reference": facts.case_reference,
        "tier": tier,
        "urgency": facts.urgency,
        "language": language,
        "subject": subject,
        "text": text,
        "links": {
            "acknowledge": links.acknowledge_url,
            "request_info": links.request_info_url,
            "respond": links.respond_url,
            "unsubscribe": links.unsubscribe_url,
        },
    }
    return Message(
        language=language,
        subject=subject[:300],
        text=text,
        html=text_to_html(text, language),
        payload=payload,
        unsubscribe_url=links.unsubscribe_url,
        reply_to=facts.reply_to,
    )
