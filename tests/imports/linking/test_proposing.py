"""Proposing pairs of incidents from different sources: on names' digests, within the window,
never from one source, never again once rejected, never across organisations."""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from tests.factories import make_org, make_staff
from tests.imports.linking.builders import imported, told
from vigil.access import Actor
from vigil.defenders.name_tokens import DefenderNameToken, backfill_name_tokens, name_words
from vigil.imports.linking.merging import reject_link
from vigil.imports.linking.models import LinkState, ProposedLink
from vigil.imports.linking.proposing import propose_links
from vigil.imports.linking.review import explanation_of

DAY = date(2025, 8, 14)
OTHER = "https://ngo-b.example/report"


def links(session, org):
    return session.scalars(select(ProposedLink).where(ProposedLink.organisation_id == org.id)).all()


def test_names_are_compared_without_accents_case_or_order():
    assert sorted(name_words("PÉREZ GÓMEZ, María-José de la Cruz")) == sorted(
        name_words("maria jose perez gomez cruz")
    )


def test_a_true_pair_is_proposed_with_its_explanation(session, vault):
    org = make_org(session)
    first = told(session, vault, org, name="María José Pérez Gómez", day=DAY)
    second = told(
        session, vault, org, name="PEREZ GOMEZ, Maria Jose", day=DAY + timedelta(3), url=OTHER
    )
    result = propose_links(session, org_id=org.id)
    assert result.proposed == 1
    [link] = links(session, org)
    assert (link.left_incident_id, link.right_incident_id) == (first.id, second.id)
    why = explanation_of(link)
    assert why.name == 1.0 and why.words_common == 4 and not why.exact_name
    assert (why.days_apart, why.region, why.attack) == (3, "same", "same")
    assert link.score == pytest.approx(why.score) and link.score > 0.9
    assert link.state == LinkState.proposed


def test_a_second_surname_missing_and_a_typo_still_match(session, vault):
    org = make_org(session)
    told(session, vault, org, name="Joao Rodrigues da Silva Santos", day=DAY)
    told(session, vault, org, name="João Rodriguez Silva", day=DAY, url=OTHER, region=None)
    [link] = propose_links(session, org_id=org.id) and links(session, org)
    why = explanation_of(link)
    assert why.words_common == pytest.approx(2.7)  # joão, silva, and rodrig… (prefix)
    assert why.region == "unknown"


def test_a_different_person_is_not_proposed(session, vault):
    org = make_org(session)
    told(session, vault, org, name="Juan Carlos Restrepo Díaz", day=DAY)
    told(session, vault, org, name="Ana Lucía Restrepo Mora", day=DAY, url=OTHER)
    told(session, vault, org, name="Pedro Alvarez", day=DAY, url="https://third.example/")
    assert propose_links(session, org_id=org.id).proposed == 0


def test_the_same_source_is_never_paired_with_itself(session, vault):
    org = make_org(session)
    # one newspaper (www. or not), one import run: each is one source
    paper = {
        told(session, vault, org, name="Berta Isabel Cáceres", day=DAY, url=url).id
        for url in ("https://www.paper.example/a", "https://paper.example/b")
    }
    rows = [
        told(
            session,
            vault,
            org,
            name="Berta Cáceres Flores",
            day=DAY,
            url=None,
            description=f"Row {n} of a spreadsheet",
        )
        for n in (1, 2)
    ]
    run = imported(session, org, rows[0], run=None)
    imported(session, org, rows[1], run=run)
    assert propose_links(session, org_id=org.id).proposed == 4
    for link in links(session, org):  # each pair crosses the newspaper and the import run
        assert len({link.left_incident_id, link.right_incident_id} & paper) == 1


@pytest.mark.parametrize(("days", "proposed"), [(4, 1), (5, 1), (6, 0)])
def test_the_window_edge(session, vault, days, proposed):
    org = make_org(session)
    told(session, vault, org, name="Francia Márquez Mina", day=DAY)
    told(session, vault, org, name="Francia Marquez Mina", day=DAY - timedelta(days), url=OTHER)
    assert propose_links(session, org_id=org.id, window_days=5).proposed == proposed


def test_a_rejected_pair_is_not_proposed_again(session, vault):
    org = make_org(session)
    analyst = make_staff(session, org)
    told(session, vault, org, name="Isidro Baldenegro López", day=DAY)
    told(session, vault, org, name="Isidro Baldenegro", day=DAY, url=OTHER)
    [link] = propose_links(session, org_id=org.id) and links(session, org)
    actor = Actor(user_id=analyst.user.id, org_id=org.id, role="analyst")
    reject_link(session, actor=actor, link_id=link.id)
    again = propose_links(session, org_id=org.id)
    assert (again.proposed, again.known) == (0, 1)
    assert [link.state for link in links(session, org)] == [LinkState.rejected]


def test_other_organisations_are_never_paired(session, vault):
    mine, theirs = make_org(session), make_org(session)
    told(session, vault, mine, name="Máxima Acuña Chaupe", day=DAY)
    told(session, vault, theirs, name="Maxima Acuna Chaupe", day=DAY, url=OTHER)
    assert propose_links(session, org_id=mine.id).proposed == 0
    assert propose_links(session, org_id=theirs.id).proposed == 0


def test_the_minimum_score_is_respected(session, vault):
    org = make_org(session)
    told(session, vault, org, name="Chico Mendes Filho", day=DAY, attack="killing")
    told(
        session,
        vault,
        org,
        name="Chico Mendes",
        day=DAY + timedelta(10),
        url=OTHER,
        attack="death_threat",
    )  # 0.6 x 0.9 + 0.15 x 21/31 + 0.1 + 0 = 0.74
    assert propose_links(session, org_id=org.id, min_score=0.95).proposed == 0
    assert propose_links(session, org_id=org.id, min_score=0.6).proposed == 1


def test_no_plaintext_name_is_stored_in_the_linking_tables(session, vault):
    org = make_org(session)
    told(session, vault, org, name="Nelsy Yohana Cuesta", day=DAY)
    told(session, vault, org, name="NELSY CUESTA", day=DAY, url=OTHER)
    propose_links(session, org_id=org.id)
    session.flush()
    dumped = []
    for table in ("defender_name_tokens", "linking_proposed_links"):
        for row in session.execute(text(f"SELECT * FROM {table}")):
            dumped.append(" ".join(str(value) for value in row).casefold())
    assert dumped and len(links(session, org)) == 1
    bare = unicodedata.normalize("NFKD", " ".join(dumped))
    for word in ("nelsy", "yohana", "cuesta", "cues"):
        assert word not in bare


def test_names_recorded_before_the_index_are_backfilled(session, vault):
    org = make_org(session)
    told(session, vault, org, name="Bertha Zúñiga", day=DAY)
    told(session, vault, org, name="Bertha Zuniga", day=DAY, url=OTHER)
    session.execute(DefenderNameToken.__table__.delete())
    assert propose_links(session, org_id=org.id).proposed == 0
    assert backfill_name_tokens(session, vault=vault, org_id=org.id) == 2
    assert backfill_name_tokens(session, vault=vault, org_id=org.id) == 0
    assert propose_links(session, org_id=org.id).proposed == 1
