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
from collections.abc import Collection, Mapping, Sequence
from typing import Annotated, Any, Literal

import yaml
from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    field_validator,
    model_validator,
)

from vigil.alerts.roles import CONTACT_ROLES, LEVERAGE_ROLES
from vigil.core.errors import Invalid

MAX_YAML_CHARS = 200_000
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
CODE = r"^[a-z0-9_]+$"
Channel = Literal["email", "webhook"]
CHANNELS: tuple[Channel, ...] = ("email", "webhook")
STEP_KINDS = ("notify", "wait_hours", "remind", "escalate_if_unacknowledged", "repeat")
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
#: Every body must let the recipient acknowledge (the chain waits for it) and unsubscribe.
REQUIRED_IN_BODY = ("acknowledge_url", "unsubscribe_url")

#: A realistic, fictional context used to test-render every template.
SAMPLE_CONTEXT: dict[str, Any] = {
    "defender": "Defender A",
    "attack_type": "Death threat",
    "country": "Colombia",
    "region": "Cauca",
    "occurred_on": "14 March 2026",
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


class Message(_Strict):
    subject: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=20_000)


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


# --- Locating problems in the YAML ------------------------------------------------------------

YamlPath = tuple[str | int, ...]


def format_path(path: YamlPath) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part != "[key]":
            text += f".{part}" if text else str(part)
    return text


def _node_at(root: yaml.Node | None, path: YamlPath) -> yaml.Node | None:
    """The deepest YAML node along ``path`` (the parent when a key is missing)."""
    node = root
    for part in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if str(k.value) == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if 0 <= part < len(node.value) else None
        if child is None:
            break
        node = child
    return node


def _problem(root: yaml.Node | None, path: YamlPath, message: str, template_line: int = 0) -> str:
    node = _node_at(root, path)
    where = format_path(path)
    located = f"{where}: {message}" if where else message
    if node is None:
        return located
    line = node.start_mark.line + 1
    if template_line:  # a line inside a block scalar starts on the line after "|"
        block = isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")
        line += template_line if block else template_line - 1
    return f"line {line}: {located}"


def _pydantic_problem(error: Mapping[str, Any]) -> tuple[YamlPath, str]:
    path = tuple(error["loc"])
    kind = error["type"]
    if kind == "missing":
        return path, "is required"
    if kind == "extra_forbidden":
        return path, "unknown key"
    message = str(error["msg"]).removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    if isinstance(error.get("input"), bool):
        message += " (yes, no, on, off, true and false mean true or false in YAML: quote the value)"
    return path, message


def _duplicate_keys(node: yaml.Node | None, path: YamlPath, found: list[str]) -> None:
    """PyYAML keeps the last of two equal keys silently; a playbook must not."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                where = format_path((*path, name))
                found.append(
                    f"line {key.start_mark.line + 1}: {where}: this key appears twice "
                    "in the same mapping"
                )
            seen.add(name)
            _duplicate_keys(value, (*path, name), found)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _duplicate_keys(item, (*path, index), found)


def _load(text: str) -> tuple[Any, yaml.Node | None]:
    """safe_load, keeping the node tree for line numbers; aliases are refused (a few lines of
    anchors can expand to a document too large to check)."""
    if len(text) > MAX_YAML_CHARS:
        raise PlaybookInvalid([f"the file is too large (at most {MAX_YAML_CHARS:,} characters)"])
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise PlaybookInvalid([f"line {line}: YAML aliases (*name) are not allowed"])
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()  # type: ignore[no-untyped-call]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        what = error.problem or error.context or "not valid YAML"
        if error.context and error.context_mark and error.problem:  # where the open thing began
            what += f" ({error.context} that starts at line {error.context_mark.line + 1})"
        raise PlaybookInvalid([f"YAML syntax error at {where}: {what}"]) from None
    except yaml.YAMLError as error:
        raise PlaybookInvalid([f"YAML syntax error: {error}"]) from None
    return data, root


# --- Rules across fields ----------------------------------------------------------------------


def _chain_problems(doc: PlaybookDocument) -> list[tuple[YamlPath, str]]:
    found: list[tuple[YamlPath, str]] = []
    count = len(doc.tiers)
    reached: set[int] = set()

    def tier(path: YamlPath, number: int) -> None:
        if number > count:
            found.append((path, f"tier {number} does not exist (the playbook has {count})"))

    if doc.chain[0].kind != "notify":
        found.append((("chain", 0), "the chain must start with a notify step"))
    for index, step in enumerate(doc.chain):
        at: YamlPath = ("chain", index)
        if step.notify is not None:
            tier((*at, "notify"), step.notify)
            reached.add(step.notify)
        elif step.remind is not None:
            tier((*at, "remind"), step.remind)
        elif step.escalate_if_unacknowledged is not None:
            spec = step.escalate_if_unacknowledged
            tier((*at, "escalate_if_unacknowledged", "from"), spec.from_)
            tier((*at, "escalate_if_unacknowledged", "to"), spec.to)
            if spec.from_ == spec.to:
                found.append(((*at, "escalate_if_unacknowledged"), "from and to are the same"))
            reached.add(spec.to)
        elif step.repeat is not None:
            target = step.repeat.from_step
            if target >= index:
                found.append(
                    ((*at, "repeat", "from_step"), f"must be an earlier step (below {index})")
                )
            elif not any(s.wait_hours is not None for s in doc.chain[target:index]):
                found.append(
                    ((*at, "repeat"), f"steps {target} to {index - 1} need a wait_hours step")
                )
    for number in range(1, count + 1):
        if number not in reached:
            found.append((("tiers", number - 1), f"tier {number} is never notified by the chain"))
    return found


def _subject_problem(
    path: YamlPath, tree: nodes.Template, names: set[str]
) -> tuple[YamlPath, str, int]:
    """Anything but the case reference in a subject, refused with where it is used."""
    refused = sorted(names - set(SUBJECT_VARIABLES))
    line = min(n.lineno for n in tree.find_all(nodes.Name) if n.name in refused)
    listed = ", ".join(map(repr, refused))
    message = (
        f"a subject may use only {{{{ case_reference }}}}, not {listed}: subjects show on "
        "lock screens and in mail gateways and logs, so the alias, company, project, place "
        "and attack type belong in the body"
    )
    return (path, message, line)


def _template_problems(doc: PlaybookDocument) -> list[tuple[YamlPath, str, int]]:
    found: list[tuple[YamlPath, str, int]] = []
    allowed = set(TEMPLATE_VARIABLES)
    for language, message in doc.messages.items():
        for field in ("subject", "body"):
            path: YamlPath = ("messages", language, field)
            source = getattr(message, field)
            try:
                tree = TEMPLATE_ENV.parse(source)
                heavy = next(tree.find_all(UNSAFE_NODES), None)
                if heavy is not None:
                    refused = "loops, macros and * or ** are not allowed in messages"
                    found.append((path, refused, heavy.lineno))
                    continue
                names = meta.find_undeclared_variables(tree)
                if field == "subject" and names - set(SUBJECT_VARIABLES):
                    found.append(_subject_problem(path, tree, names))
                    continue
                unknown = sorted(names - allowed)
                if unknown:
                    line = min(n.lineno for n in tree.find_all(nodes.Name) if n.name in unknown)
                    listed = ", ".join(map(repr, unknown))
                    available = ", ".join(TEMPLATE_VARIABLES)
                    unknown_text = f"unknown variable {listed} (available: {available})"
                    found.append((path, unknown_text, line))
                    continue
                rendered = TEMPLATE_ENV.from_string(source).render(SAMPLE_CONTEXT)
            except TemplateSyntaxError as error:
                found.append((path, f"template error: {error.message}", error.lineno or 0))
                continue
            except Exception as error:
                found.append((path, f"the template cannot be rendered: {error}", 0))
                continue
            if field == "subject" and "\n" in rendered.strip():
                found.append((path, "the subject must be one line", 0))
            if field == "body":
                for name in REQUIRED_IN_BODY:
                    if name not in names:
                        found.append((path, f"the body must include {{{{ {name} }}}}", 0))
    return found


def parse_playbook_yaml(
    text: str, *, attack_types: Collection[str] | None = None
) -> PlaybookDocument:
    """Parse and check a playbook; raises :class:`PlaybookInvalid` (an ``Invalid``) listing
    every problem. ``attack_types``: the codes of the attack-type vocabulary, when known."""
    if not text.strip():
        raise PlaybookInvalid(["the playbook is empty"])
    data, root = _load(text)
    duplicates: list[str] = []
    _duplicate_keys(root, (), duplicates)
    if duplicates:
        raise PlaybookInvalid(duplicates)
    if not isinstance(data, dict):
        raise PlaybookInvalid(["the playbook must be a YAML mapping (key: value lines)"])
    try:
        doc = PlaybookDocument.model_validate(data)
    except ValidationError as error:
        located = [_pydantic_problem(e) for e in error.errors(include_url=False)]
        raise PlaybookInvalid([_problem(root, p, m) for p, m in located]) from None
    problems = [_problem(root, p, m) for p, m in _chain_problems(doc)]
    if attack_types is not None:
        known = set(attack_types)
        for index, code in enumerate(doc.attack_types):
            if code not in known:
                message = f"unknown attack type {code!r} (choose from {', '.join(sorted(known))})"
                problems.append(_problem(root, ("attack_types", index), message))
    if len(set(doc.attack_types)) != len(doc.attack_types):
        problems.append(_problem(root, ("attack_types",), "an attack type is listed twice"))
    problems += [_problem(root, p, m, line) for p, m, line in _template_problems(doc)]
    if problems:
        raise PlaybookInvalid(problems)
    return doc
