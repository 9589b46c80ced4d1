"""The public register's world for the browser tests: register rows planted in the live
server's database (``tests/public/register_factories.py``), each set marked by one random word
so a search finds exactly that set whatever the demo data and other tests left there."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from tests.browser.conftest import LiveServer
from tests.public.register_factories import make_company, make_public_incident, make_response
from vigil.core.crypto import Vault, keystore_for
from vigil.core.db import make_engine, make_sessionmaker, session_scope, utcnow
from vigil.organisations.service import get_organisation_by_slug

#: Rows matching every filter of the journey: two full pages of 25 and one of 2.
MATCHING = 52
FIRST_DAY = date(2024, 6, 1)  # after the decoys (March)


@dataclass
class Planted:
    word: str
    company_id: int
    company_name: str
    #: The matching rows' codes, newest first (the register's order).
    codes: list[str]
    #: Rows the search finds but one filter (country, year or attack type) leaves out.
    decoys: list[str]


@contextmanager
def live_db(live_server: LiveServer) -> Iterator[tuple[Session, Vault]]:
    """A committed session on the live server's database and a vault of its key ring."""
    engine = make_engine(live_server.database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            ring = keystore_for(live_server.settings).current()
            session.info["keyring"] = ring
            yield session, Vault(session=session, ring=ring)
    finally:
        engine.dispose()


def plant_register(live_server: LiveServer) -> Planted:
    """``MATCHING`` death threats in Peru in 2024 linked to one company, and three decoys
    (Colombia; 2023; another attack type), all carrying the same random search word.
    The newest row was answered by the company, the next two were not."""
    word = "w" + secrets.token_hex(5)
    with live_db(live_server) as (session, _vault):
        org = get_organisation_by_slug(session, slug="red-andina")
        company = make_company(session, name=f"Planted Mining {word}")
        peru = {"country": "PE", "region": "PE-CUS", "words": word}
        rows = []
        for day in range(MATCHING):
            when = FIRST_DAY + timedelta(days=day)
            rows.append(
                make_public_incident(
                    session,
                    org,
                    **peru,
                    year=2024,
                    month=when.month,
                    sort_date=when,
                    companies=(company,),
                )
            )
        decoys = [
            make_public_incident(session, org, country="CO", year=2024, words=word),
            make_public_incident(session, org, **peru, year=2023),
            make_public_incident(
                session, org, **peru, year=2024, attack_types=("physical_assault",)
            ),
        ]
        newest = rows[-1]
        asked = utcnow().date() - timedelta(days=40)
        newest.response_status = "responded"
        make_response(
            session, newest, company, asked_on=asked, responded_after=3,
            classification="denial", text=f"We reject this account ({word}).",
        )  # fmt: skip
        for row in rows[-3:-1]:
            row.response_status = "did_not_respond"
            make_response(session, row, company, asked_on=asked)
        planted = Planted(
            word=word,
            company_id=company.id,
            company_name=company.name,
            codes=[row.code for row in reversed(rows)],
            decoys=[row.code for row in decoys],
        )
    return planted
