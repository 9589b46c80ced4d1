"""The import rules of docs/architecture.md hold, so `make test` fails the moment one is broken:
surfaces → domains → web → core, domains route-free (no fastapi, starlette, ``vigil.web`` or
surface), the five surfaces independent, and the anonymous ones kept away from staff accounts.

import-linter checks the contracts in pyproject.toml; the tests below also make sure those
contracts keep covering every domain (a new package cannot slip past them), and scan the source
the way the issue's ``grep -r "from fastapi" src/vigil/<domain>`` does, exactly (multi-line and
function-level imports included)."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "vigil"
#: Packages under vigil that are not domains: they may speak HTTP (or hold no Python code).
NOT_DOMAINS = frozenset({"surfaces", "web", "migrations", "translations"})
#: Domains that have their rows in the layers contract before they exist.
COMING = frozenset({"responses", "diligence", "imports"})
HTTP = ("fastapi", "starlette")
DOMAINS_CONTRACT = "Domains know nothing of HTTP, the web layer or the surfaces"
LAYERS_CONTRACT = "Surfaces above domains above core"


def domains() -> list[str]:
    """Every package directly under vigil except the surfaces, the web layer and non-code."""
    return sorted(
        path.name
        for path in PACKAGE.iterdir()
        if (path / "__init__.py").is_file() and path.name not in NOT_DOMAINS
    )


def contract(name: str) -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (found,) = [c for c in config["contracts"] if c["name"] == name]
    return found


def http_imports(source: str) -> list[str]:
    """The fastapi / starlette modules ``source`` imports, wherever the import statement is."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [name for name in names if name.split(".")[0] in HTTP]
    return found


def test_import_linter_contracts_are_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " 0 broken." in result.stdout


def test_the_contracts_cover_every_domain():
    """A new domain must be named in the forbidden contract and given a row in the layers."""
    assert {"alerts", "core", "links", "outbox", "contacts"} <= set(domains())
    sources = set(contract(DOMAINS_CONTRACT)["source_modules"])
    assert sources == {f"vigil.{name}" for name in domains()}
    layers = contract(LAYERS_CONTRACT)
    rows = [{tail.strip().strip("()") for tail in row.split("|")} for row in layers["layers"]]
    declared = set().union(*rows)
    assert set(domains()) | COMING <= declared
    assert layers["exhaustive"] is True  # so a new package fails lint-imports too
    for coming in COMING:
        assert f"({coming})" in " ".join(layers["layers"])  # optional until it exists
    order = [next(i for i, row in enumerate(rows) if name in row) for name in ("surfaces", "web")]
    assert order[0] < min(i for i, row in enumerate(rows) if row & set(domains())) < order[1]


def test_no_domain_module_imports_fastapi_or_starlette():
    offenders = {
        str(path.relative_to(ROOT)): imports
        for name in domains()
        for path in sorted((PACKAGE / name).rglob("*.py"))
        if (imports := http_imports(path.read_text()))
    }
    assert offenders == {}


def test_the_scan_sees_every_form_of_import():
    assert http_imports("from fastapi import Request\n") == ["fastapi"]
    assert http_imports("import starlette.responses as r\n") == ["starlette.responses"]
    multi_line = "def f():\n    from fastapi.responses import (\n        HTMLResponse,\n    )\n"
    assert http_imports(multi_line) == ["fastapi.responses"]
    assert http_imports("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import fastapi\n")
    assert http_imports("from vigil.core import fastapi_like\nimport fastapiish\n") == []
