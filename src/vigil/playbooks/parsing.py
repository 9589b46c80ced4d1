"""Reading a playbook's YAML: where each problem is (YAML path and line) and the rules that
span several fields (chains, subjects, templates). The document's shape is in
:mod:`vigil.playbooks.schema`; this module turns text into a checked
:class:`~vigil.playbooks.schema.PlaybookDocument` or one :class:`PlaybookInvalid` listing every
problem."""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from typing import Any

import yaml
from jinja2 import TemplateSyntaxError, meta, nodes
from pydantic import (
    ValidationError,
)

from vigil.playbooks.schema import (
    CLOSING_VARIABLES,
    ESCALATION_STEPS,
    MAX_YAML_CHARS,
    REQUIRED_IN_BODY,
    SAMPLE_CONTEXT,
    SUBJECT_VARIABLES,
    TEMPLATE_ENV,
    TEMPLATE_VARIABLES,
    UNSAFE_NODES,
    PlaybookDocument,
    PlaybookInvalid,
)
from vigil.playbooks.subjects import NEUTRAL_PROBLEM, is_neutral_subject, neutral_problem

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


#: libyaml's parser when PyYAML was built with it (the wheels are): the same safe loader, about
#: ten times faster, which matters because every organisation's default playbooks (over half a
#: megabyte of YAML) are parsed when they are installed.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(text: str) -> tuple[Any, yaml.Node | None]:
    """safe_load, keeping the node tree for line numbers; aliases are refused (a few lines of
    anchors can expand to a document too large to check)."""
    if len(text) > MAX_YAML_CHARS:
        raise PlaybookInvalid([f"the file is too large (at most {MAX_YAML_CHARS:,} characters)"])
    try:
        for event in yaml.parse(text, Loader=SAFE_LOADER):
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise PlaybookInvalid([f"line {line}: YAML aliases (*name) are not allowed"])
        loader = SAFE_LOADER(text)
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
        elif step.kind in ESCALATION_STEPS:
            spec = getattr(step, step.kind)
            tier((*at, step.kind, "from"), spec.from_)
            tier((*at, step.kind, "to"), spec.to)
            if spec.from_ == spec.to:
                found.append(((*at, step.kind), "from and to are the same"))
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
    for language, message in doc.messages.items():
        sources: list[tuple[YamlPath, str, str]] = [
            (("messages", language, "subject"), "subject", message.subject),
            (("messages", language, "body"), "body", message.body),
        ]
        sources += [
            (("messages", language, "by_recipient", kind, "body"), "body", variant.body)
            for kind, variant in message.by_recipient.items()
        ]
        if message.closing is not None:
            sources.append((("messages", language, "closing"), "closing", message.closing))
        for path, field, source in sources:
            for text, line in _check_template(field, source):
                if text.startswith(NEUTRAL_PROBLEM):  # the same subject goes out at every tier
                    text = f"playbook {doc.code!r}, every tier, {language}: {text}"
                found.append((path, text, line))
    return found


@functools.lru_cache(maxsize=2048)
def _check_template(field: str, source: str) -> tuple[tuple[str, int], ...]:
    """The problems of one template, as (message, line). Cached by text: the bundled
    playbooks' few hundred templates are checked once per process, not at every install
    (compiling them all takes seconds, and every new organisation installs them)."""
    try:
        tree = TEMPLATE_ENV.parse(source)
        heavy = next(tree.find_all(UNSAFE_NODES), None)
        if heavy is not None:
            return (("loops, macros and * or ** are not allowed in messages", heavy.lineno),)
        names = meta.find_undeclared_variables(tree)
        if field == "subject" and names - set(SUBJECT_VARIABLES):
            _path, text, line = _subject_problem((), tree, names)
            return ((text, line),)
        if field == "closing" and names - set(CLOSING_VARIABLES):
            listed = ", ".join(map(repr, sorted(names - set(CLOSING_VARIABLES))))
            allowed = ", ".join(CLOSING_VARIABLES)
            return ((f"a closing message may use only {allowed}, not {listed}", 0),)
        unknown = sorted(names - set(TEMPLATE_VARIABLES))
        if unknown:
            line = min(n.lineno for n in tree.find_all(nodes.Name) if n.name in unknown)
            listed = ", ".join(map(repr, unknown))
            available = ", ".join(TEMPLATE_VARIABLES)
            return ((f"unknown variable {listed} (available: {available})", line),)
        rendered = TEMPLATE_ENV.from_string(source).render(SAMPLE_CONTEXT)
    except TemplateSyntaxError as error:
        return ((f"template error: {error.message}", error.lineno or 0),)
    except Exception as error:
        return ((f"the template cannot be rendered: {error}", 0),)
    problems: list[tuple[str, int]] = []
    if field == "subject" and "\n" in rendered.strip():
        problems.append(("the subject must be one line", 0))
    elif field == "subject" and not is_neutral_subject(rendered, SAMPLE_CONTEXT["case_reference"]):
        problems.append((neutral_problem(rendered), 0))
    if field == "body":
        problems += [
            (f"the body must include {{{{ {name} }}}}", 0)
            for name in REQUIRED_IN_BODY
            if name not in names
        ]
    return tuple(problems)


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
