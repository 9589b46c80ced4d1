"""Names whose only likeness is that one's words are found in the other's are never enough to
propose or merge: "University" ⊂ "University of Lima, Department of Law", "Vale" ⊂ "Vale
Mining". An address alike or a shared identifier can back them; the same name with
conflicting identifiers is not merged either."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from vigil.companies.blocking import cluster
from vigil.companies.dedupe import propose_duplicates
from vigil.companies.matching import SUBSET_CAP, Record, score
from vigil.companies.resolution_models import DuplicateProposal
from vigil.companies.service import CompanyIn, upsert_company

UNIVERSITY = "University"
FACULTY = "University of Lima, Department of Law"
LEI = frozenset({("lei", "5493001KJTIIGC8Y1R12")})


def test_containment_alone_scores_under_the_threshold_and_is_flagged():
    found = score(Record(1, (UNIVERSITY,), "PE"), Record(2, (FACULTY,), "PE"))
    assert found.evidence[0].kind == "contained"
    assert found.value == pytest.approx(SUBSET_CAP + 0.03)  # with the same jurisdiction
    assert found.value < 0.9
    assert found.subset_only
    typed = score(Record("q", (UNIVERSITY,)), Record(2, (FACULTY,)), query=True)
    assert typed.value == 1.0  # a typed name keeps the full credit (search, not merging)


@pytest.mark.parametrize("threshold", [0.5, 0.85, 0.9])
def test_containment_alone_is_never_a_cluster_whatever_the_threshold(threshold):
    records = [
        Record(1, (UNIVERSITY,), "PE"),
        Record(2, (FACULTY,), "PE"),
        Record(3, ("University of Lima",), "PE"),
    ]
    assert cluster(records, threshold=threshold) == []


def test_an_address_alike_backs_containment():
    address = ("Av. Javier Prado Este 4600, Lima",)
    records = [
        Record(1, (UNIVERSITY,), "PE", addresses=address),
        Record(2, (FACULTY,), "PE", addresses=address),
    ]
    [found] = cluster(records, threshold=0.9)
    assert sorted(found.members) == [1, 2]
    assert not found.links[0].score.subset_only
    elsewhere = [records[0], Record(2, (FACULTY,), "PE", addresses=("Jr. Ucayali 1, Cusco",))]
    assert cluster(elsewhere, threshold=0.9) == []


def test_holdings_and_mining_are_not_chained_through_the_bare_brand():
    records = [
        Record(1, ("Vale Holdings",), "BR"),
        Record(2, ("Vale",), "BR"),
        Record(3, ("Vale Mining S.A.",), "BR"),
    ]
    assert score(records[0], records[2]).value < 0.9
    assert cluster(records, threshold=0.9) == []  # the same country is not enough
    identified = [Record(1, ("Vale Holdings",), "BR", LEI), Record(3, ("Vale Mining",), "BR", LEI)]
    [found] = cluster(identified, threshold=0.9)
    assert sorted(found.members) == [1, 3]  # a shared identifier is


def test_the_same_name_with_conflicting_identifiers_is_not_merged():
    left = Record(1, ("Northbridge Gold plc",), "GB", LEI)
    right = Record(2, ("Northbridge Gold Ltd",), "GB", frozenset({("lei", "OTHER0000000000000")}))
    found = score(left, right)
    assert found.value == pytest.approx(1.0 + 0.03 - 0.30)  # same name and country, LEIs
    assert cluster([left, right], threshold=0.9) == []


def test_dedupe_proposes_none_of_them_on_both_databases(session):
    rows = [
        CompanyIn(key="s:uni", name=UNIVERSITY, jurisdiction="PE"),
        CompanyIn(key="s:faculty", name=FACULTY, jurisdiction="PE"),
        CompanyIn(key="s:holdings", name="Vale Holdings", jurisdiction="BR"),
        CompanyIn(key="s:vale", name="Vale", jurisdiction="BR"),
        CompanyIn(key="s:mining", name="Vale Mining S.A.", jurisdiction="BR"),
        CompanyIn(
            key="s:nb1",
            name="Northbridge Gold plc",
            jurisdiction="GB",
            identifiers=[("lei", "5493001KJTIIGC8Y1R12")],
        ),
        CompanyIn(
            key="s:nb2",
            name="Northbridge Gold Ltd",
            jurisdiction="GB",
            identifiers=[("lei", "OTHER0000000000000")],
        ),
    ]
    ids = {data.key: upsert_company(session, data=data)[0].id for data in rows}
    report = propose_duplicates(session, threshold=0.9, auto_merge_above=0.9)
    assert (report.records, report.proposed, report.merged, report.largest) == (7, 0, 0, 0)
    low = propose_duplicates(session, threshold=0.5)  # spelling alone may now propose some…
    assert low.proposed >= 1
    proposals = session.scalars(select(DuplicateProposal)).all()
    for proposal in proposals:  # …but containment alone never does
        members = {member.company_id for member in proposal.members}
        assert not {ids["s:uni"], ids["s:faculty"]} <= members
        assert ids["s:vale"] not in members
