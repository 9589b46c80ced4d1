"""The playbook document: what a coordinator writes in YAML, checked before anything is stored.

A playbook is data written by people, not code, and an alert follows it at 3 a.m. without
anyone re-reading it. So every rule the escalation engine (alerts/escalation.py), the
recipient proposal (alerts/proposal.py) and the message composer (alerts/compose.py) rely on
is checked here, and every problem is reported with where it is: the YAML path
(``tiers[1].recipients[0].of``) and, where the YAML parser knows it, the line.

The validated document is stored as plain JSON in ``Playbook.document`` (see
:func:`dump_document`); the keys are exactly those of the YAML.

Message templates are Jinja2, rendered in a sandbox with strict undefined variables; they may
use only :data:`TEMPLATE_VARIABLES`, and a subject only :data:`SUBJECT_VARIABLES` (subjects
reach lock screens, mail gateways and logs: never an alias, a company or an attack type, so an
imported playbook cannot bring them back). Each is rendered once here with
:data:`SAMPLE_CONTEXT`, so a typo fails at import rather than when the alert goes out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from jinja2 import StrictUndefined, nodes
from jinja2.sandbox import SandboxedEnvironment
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
    model_validator,
)

from vigil.contacts.roles import CONTACT_ROLES, LEVERAGE_ROLES
from vigil.core.errors import Invalid

MAX_YAML_CHARS = 200_000
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
CODE = r"^[a-z0-9_]+$"
Channel = Literal["email", "webhook"]
CHANNELS: tuple[Channel, ...] = ("email", "webhook")
STEP_KINDS = (
    "notify",
    "wait_hours",
    "remind",
    "escalate_if_no_response",
    "escalate_if_unacknowledged",
    "repeat",
)
#: The steps that pass a tier over to the next: by default when it gave no substantive
#: response; ``escalate_if_unacknowledged`` only when nobody in it even acknowledged.
ESCALATION_STEPS = ("escalate_if_no_response", "escalate_if_unacknowledged")
#: ``min_percentage`` only makes sense for holders of shares.
OWNERSHIP_ROLES = frozenset({"investor", "parent", "any"})

#: The variables a message template may use (the composer fills every one; text values are
#: "" when unknown, so templates can test them with ``{% if company %}``).
TEMPLATE_VARIABLES: tuple[str, ...] = (
    "defender",  # alias, or "a human rights defender"; a real name only with consent
    "attack_type",  # the attack type's label in the message language
    "country",  # the incident country's name in the message language
    "region",  # admin-1 region, never a more precise place
    "occurred_on",  # the date, formatted for the message language
    "occurred_when",  # the date with its preposition: "on 14 March 2026", "in March 2026"
    "occurred_since",  # the same after "since": "since 14 March 2026", "desde marzo de 2026"
    "company",  # the company the recipient is asked about
    "project",  # the project or site, if any
    "analyst_note",  # the analyst's own text for this alert
    "organisation",  # the sending organisation
    "recipient_name",
    "tier_label",  # the recipient's tier label in the message language
    "deadline_hours",  # the tier's deadline (an integer)
    "acknowledge_url",
    "request_info_url",
    "respond_url",
    "unsubscribe_url",
    "strategy",  # the defender's choice: "quiet" (quiet diplomacy) or "public" (public action)
    "case_reference",  # VIGIL-<incident id>: the only variable a subject may use
)
SUBJECT_VARIABLES: tuple[str, ...] = ("case_reference",)
#: What a closing message (sent to every alerted recipient when the case is resolved) may
#: say: by then the alert may no longer be wanted at all, so no alias, company, place or date.
CLOSING_VARIABLES: tuple[str, ...] = (
    "recipient_name",
    "organisation",
    "case_reference",
    "unsubscribe_url",
)
#: Every body must let the recipient acknowledge (the chain waits for it) and unsubscribe.
REQUIRED_IN_BODY = ("acknowledge_url", "unsubscribe_url")

#: A realistic, fictional context used to test-render every template.
SAMPLE_CONTEXT: dict[str, Any] = {
    "defender": "Defender A",
    "attack_type": "Death threat",
    "country": "Colombia",
    "region": "Cauca",
    "occurred_on": "14 March 2026",
    "occurred_when": "on 14 March 2026",
    "occurred_since": "since 14 March 2026",
    "company": "Example Mining S.A.S.",
    "project": "Example gold mine",
    "analyst_note": "The threat was delivered in writing at the defender's home.",
    "organisation": "Example Defenders Network",
    "recipient_name": "Alex Example",
    "tier_label": "Operator and parent company",
    "deadline_hours": 24,
    "acknowledge_url": "https://vigil.example.org/l/acknowledge-sample",
    "request_info_url": "https://vigil.example.org/l/request-info-sample",
    "respond_url": "https://vigil.example.org/l/respond-sample",
    "unsubscribe_url": "https://vigil.example.org/l/unsubscribe-sample",
    "strategy": "quiet",
    "case_reference": "VIGIL-1234",
}

#: A message needs variables, filters and {% if %}; loops and repetition could make one
#: template take minutes or gigabytes to render, here and in every alert.
UNSAFE_NODES = (nodes.For, nodes.Macro, nodes.CallBlock, nodes.Mul, nodes.Pow)

#: The same sandbox the composer uses: templates cannot reach Python objects or undefined names.
TEMPLATE_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def _compact(value: float) -> float | int:
    """Store 24 as 24, not 24.0 (the document reads like the YAML it came from)."""
    return int(value) if float(value).is_integer() else value


def _text_by_language(value: dict[str, str]) -> dict[str, str]:
    for language, text in value.items():
        if not LANGUAGE.match(language):
            raise ValueError(f"{language!r} is not a language code (use e.g. en, es, fr, pt)")
        if not text.strip():
            raise ValueError(f"the {language} text is empty")
    if "en" not in value:
        raise ValueError("an English text (en) is required")
    return value


Number = Annotated[float, PlainSerializer(_compact)]
Hours = Annotated[Number, Field(gt=0, le=24 * 365)]
LocalText = Annotated[dict[str, str], AfterValidator(_text_by_language)]
TierNumber = Annotated[int, Field(ge=1, le=20)]


class _Strict(BaseModel):
    # Strict: YAML's `yes` is not a tier number and `NO` (Norway) is not silently `false`.
    model_config = ConfigDict(strict=True, extra="forbid", populate_by_name=True)


class Selector(_Strict):
    """Who, in one tier: by contact role, by leverage role, by group, optionally narrowed."""

    role: str | None = None
    of: str | None = None
    max_tier: int | None = Field(default=None, ge=1, le=20)
    min_percentage: Number | None = Field(default=None, gt=0, le=100)
    country: str | None = None
    group: str | None = Field(default=None, min_length=1, max_length=120)

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str | None) -> str | None:
        if value is not None and value not in CONTACT_ROLES:
            raise ValueError(
                f"unknown contact role {value!r} (choose from {', '.join(sorted(CONTACT_ROLES))})"
            )
        return value

    @field_validator("of")
    @classmethod
    def _known_leverage_role(cls, value: str | None) -> str | None:
        if value is not None and value not in LEVERAGE_ROLES:
            raise ValueError(
                f"unknown leverage role {value!r} (choose from {', '.join(sorted(LEVERAGE_ROLES))})"
            )
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is None or value == "incident":
            return value
        if not re.fullmatch(r"[A-Za-z]{2}", value):
            raise ValueError(
                f"{value!r} is not a country: write 'incident' or a two-letter ISO code "
                "such as CO (quote it: 'NO' unquoted means false in YAML)"
            )
        return value.upper()

    @model_validator(mode="after")
    def _coherent(self) -> Selector:
        if not (self.role or self.of or self.group):
            raise ValueError("a recipient needs at least one of role, of or group")
        if self.max_tier is not None and self.of != "buyer":
            raise ValueError("max_tier only applies to buyers (of: buyer)")
        if self.min_percentage is not None and self.of not in OWNERSHIP_ROLES:
            raise ValueError(
                "min_percentage only applies to holders of shares (of: investor, parent or any)"
            )
        return self


class Tier(_Strict):
    label: LocalText
    deadline_hours: Hours
    recipients: list[Selector] = Field(min_length=1, max_length=50)
    channels: list[Channel] = Field(default_factory=lambda: list(CHANNELS), min_length=1)

    @field_validator("channels")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a channel is listed twice")
        return value


class Escalation(_Strict):
    from_: TierNumber = Field(alias="from")
    to: TierNumber


class Repeat(_Strict):
    from_step: int = Field(ge=0)
    times: int = Field(ge=1, le=20)


class ChainStep(_Strict):
    """Exactly one of the keys is set (see alerts/escalation.py for what each does)."""

    notify: TierNumber | None = None
    wait_hours: Hours | None = None
    remind: TierNumber | None = None
    escalate_if_no_response: Escalation | None = None
    escalate_if_unacknowledged: Escalation | None = None
    repeat: Repeat | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_key(cls, data: Any) -> Any:
        kinds = ", ".join(STEP_KINDS)
        if not isinstance(data, dict):
            raise ValueError(f"a step is a mapping with one key ({kinds})")
        unknown = [key for key in data if key not in STEP_KINDS]
        if unknown:
            raise ValueError(f"unknown step {unknown[0]!r} (choose from {kinds})")
        if len(data) != 1:
            raise ValueError(f"a step has exactly one key ({kinds}); this one has {len(data)}")
        key = next(iter(data))
        if data[key] is None:
            raise ValueError(f"{key} needs a value")
        return data

    @property
    def kind(self) -> str:
        return next(k for k in STEP_KINDS if getattr(self, k) is not None)


#: Who a message may be written for (alerts/recipient_types.py maps a contact onto one).
#: UN special procedures are not among them: they get a submission pack, not an e-mail.
RECIPIENT_TYPES: tuple[str, ...] = ("company", "investor", "embassy", "state_mechanism")
RecipientType = Literal["company", "investor", "embassy", "state_mechanism"]


class RecipientMessage(_Strict):
    """The body for one recipient type; the subject stays the language's own (case
    reference only), so a variant cannot bring back an identifying subject."""

    body: str = Field(min_length=1, max_length=20_000)


class Message(_Strict):
    """One language's message. ``body`` is the general message; ``by_recipient`` holds the
    bodies written for a recipient type (a company is asked something else than an embassy).
    A recipient type without its own body gets the general one, and so does every recipient
    of a document stored before ``by_recipient`` existed (it is optional, so old documents
    still load)."""

    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=20_000)
    by_recipient: dict[RecipientType, RecipientMessage] = Field(default_factory=dict)
    #: The closing message when the case is resolved (only :data:`CLOSING_VARIABLES`);
    #: without one, the standard notice of alerts/purpose_texts.py goes out.
    closing: str | None = Field(default=None, min_length=1, max_length=5_000)


class FourEyes(_Strict):
    """An alert of this playbook waits for a second staff member's approval before it is
    sent; after ``approve_within_minutes`` the analyst who launched it may send it alone
    (recorded). A death threat cannot wait for a colleague who is asleep."""

    approve_within_minutes: int = Field(ge=1, le=24 * 60)


class PlaybookDocument(_Strict):
    code: str = Field(pattern=CODE, max_length=60)
    title: LocalText
    attack_types: list[Annotated[str, Field(pattern=CODE, max_length=64)]] = Field(
        min_length=1, max_length=30
    )
    urgency: int = Field(ge=0, le=3)
    guidance: LocalText
    tiers: list[Tier] = Field(min_length=1, max_length=20)
    chain: list[ChainStep] = Field(min_length=1, max_length=100)
    messages: dict[str, Message]
    four_eyes: FourEyes | None = None

    @field_validator("messages")
    @classmethod
    def _languages(cls, value: dict[str, Message]) -> dict[str, Message]:
        for language in value:
            if not LANGUAGE.match(language):
                raise ValueError(f"{language!r} is not a language code (use e.g. en, es, fr, pt)")
        if "en" not in value:
            raise ValueError("an English message (en) is required")
        return value


def dump_document(document: PlaybookDocument) -> dict[str, Any]:
    """The JSON stored in ``Playbook.document``: the YAML's keys, unset options left out."""
    return document.model_dump(mode="json", by_alias=True, exclude_none=True)


class PlaybookInvalid(Invalid):
    """Every problem found, each "line N: path: what is wrong" (line when known)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        intro = "The playbook is not valid" + (f" ({count} problems)" if count > 1 else "")
        super().__init__(f"{intro}: " + "; ".join(self.problems))
