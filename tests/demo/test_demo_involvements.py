"""The demo records involvements as the current model does: a role and a certainty, apart.

The single "degree" of earlier clients mixed the two ("alleged" is a certainty, "direct" a
role); the demo must show the model staff actually use.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from vigil.demo import incidents as demo_incidents
from vigil.demo.incidents import generate_incidents
from vigil.incidents.models import Certainty, Role

DEMO = Path(demo_incidents.__file__).parent


def test_no_demo_module_uses_the_old_degree_field():
    for path in DEMO.glob("*.py"):
        assert "degree" not in path.read_text(), path.name


def test_every_demo_incident_has_a_role_and_a_certainty():
    names = {f.name for f in fields(demo_incidents.DemoIncident)}
    assert {"role", "certainty"} <= names and "degree" not in names
    items = generate_incidents(2, 1)
    assert {item.role for item in items} <= {r.value for r in Role}
    assert {item.certainty for item in items} <= {c.value for c in Certainty}
    # The scenarios keep what they said: some direct perpetrators, some unspecified.
    assert {"direct", "unspecified"} <= {item.role for item in items}
