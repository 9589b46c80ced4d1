"""End to end: an incident the register batch publishes reaches the open data, and what the
batch keeps private (the defender's name, the internal title and summary) does not."""

from __future__ import annotations

import csv
import io

from tests.factories import make_org
from tests.public.register_helpers import publishable, refresh


def test_a_published_incident_is_in_every_export_without_its_secrets(
    session, vault, settings, client
):
    org = make_org(session)
    publishable(session, org, vault, title="Internal title: Ana at the river", country="CO")
    refresh(session, vault, settings)
    session.commit()

    table = list(csv.DictReader(io.StringIO(client.get("/data/incidents.csv").text)))
    assert len(table) == 1
    [row] = table
    assert row["country"] == "CO" and row["attack_types"] == "death_threat"
    assert row["url"].startswith("https://vigil.test/incidents/")
    everything = "".join(
        client.get(path).text
        for path in (
            "/data/incidents.csv",
            "/data/incidents.jsonl",
            "/data/incidents-hxl.csv",
            "/api/v1/public/incidents",
            f"/api/v1/public/incidents/{row['code']}",
            "/feeds/incidents.atom",
        )
    )
    assert row["code"] in everything
    for secret in ("Hidden Name", "Internal title", "What happened."):
        assert secret not in everything
