"""Accessibility checks in the browser tests with axe-core (vendored: ``vendor/axe-core``,
MPL-2.0, provenance in its README; never served by Vigil).

Use :func:`assert_no_serious_axe_violations` on a loaded page of a JavaScript-enabled
context. The script is evaluated through Playwright (the DevTools protocol), not injected as
a ``<script>``, so the page's Content-Security-Policy stays as strict as in production and
nothing is fetched from anywhere.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
#: The impacts that fail a test; "minor" and "moderate" findings are only reported.
BLOCKING = ("serious", "critical")


@functools.cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def axe_violations(page: Page, *, disable: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Every axe violation on the page as it is now (WCAG 2.x A and AA rules and axe's best
    practices), with the rules in ``disable`` switched off."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    options = {
        "resultTypes": ["violations"],
        "rules": {rule: {"enabled": False} for rule in disable},
    }
    result = page.evaluate("async (options) => await window.axe.run(document, options)", options)
    return list(result["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    """One line per violation and up to three of its elements, to say what to fix."""
    lines = []
    for violation in violations:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        lines.append(f"{violation['impact']}: {violation['id']} ({violation['help']}) at {targets}")
    return "\n".join(lines)


def assert_no_serious_axe_violations(page: Page, *, disable: tuple[str, ...] = ()) -> None:
    """Fail if axe finds a serious or critical accessibility problem on ``page``."""
    blocking = [v for v in axe_violations(page, disable=disable) if v["impact"] in BLOCKING]
    assert not blocking, f"{page.url}:\n{describe(blocking)}"
