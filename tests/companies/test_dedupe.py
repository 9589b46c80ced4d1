"""The duplicate review queue on both databases: proposals, merge, unmerge, "not the same",
automatic merges only when asked, the audit trail, and who may do what on the staff page."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.factories import csrf_from, make_org, make_staff, sign_in
from vigil.companies.dedupe import (
    explain_json,
    list_proposals,
    merge_proposal,
    propose_duplicates,
    reject_proposal,
    unmerge_proposal,
)
from vigil.companies.match_search import match_companies
from vigil.companies.models import Address, Company
from vigil.companies.resolution_models import DuplicateProposal, ProposalStatus
from vigil.companies.service import CompanyIn, upsert_company
from vigil.core.audit import AuditEvent
from vigil.core.errors import Conflict, Invalid


def seed(session) -> dict[str, Company]:
    rows = [
        CompanyIn(key="d:akzo", name="Akzo Nobel N.V.", jurisdiction="NL"),
        CompanyIn(key="d:akzo2", name="AKZO NOBEL NV", jurisdiction="NL"),
        CompanyIn(key="d:akzo3", name="Akzo Novel", jurisdiction="NL"),
        CompanyIn(key="d:palmas", name="Palmas del Cesar Ltda.", jurisdiction="CO"),
        CompanyIn(key="d:palmas2", name="Palmas del César S.A.S.", jurisdiction="CO"),
        CompanyIn(key="d:shell", name="Shell Canada Limited", jurisdiction="CA"),
    ]
    return {data.key: upsert_company(session, data=data)[0] for data in rows}


def events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def pending(session) -> list[DuplicateProposal]:
    return list_proposals(session, status=ProposalStatus.pending).items


def test_dedupe_files_clusters_with_scores_and_explanations(session):
    companies = seed(session)
    report = propose_duplicates(session, threshold=0.9)
    assert (report.records, report.proposed, report.merged) == (6, 2, 0)
    akzo, palmas = sorted(pending(session), key=lambda p: len(p.members), reverse=True)
    assert {m.company_id for m in akzo.members} == {
        companies[k].id for k in ("d:akzo", "d:akzo2", "d:akzo3")
    }
    assert akzo.threshold == 0.9
    assert akzo.score == pytest.approx(0.93)  # the weakest link: a typo, same jurisdiction
    assert len(akzo.links) == 2
    assert all(link.score >= 0.9 for link in akzo.links)
    weakest = min(akzo.links, key=lambda link: link.score)
    assert json.loads(weakest.explanation)[0]["kind"] == "spelling"
    assert "Same jurisdiction: NL. (+0.03)" in explain_json(weakest.explanation)
    assert {m.company_id for m in palmas.members} == {
        companies["d:palmas"].id,
        companies["d:palmas2"].id,
    }
    assert all(c.merged_into_id is None for c in companies.values())  # nothing merged
    (run,) = events(session, "companies.dedupe_run")
    assert json.loads(run.detail)["proposed"] == 2

    again = propose_duplicates(session, threshold=0.9)
    assert (again.proposed, again.unchanged) == (0, 2)


def test_a_wider_run_supersedes_a_narrower_proposal(session):
    seed(session)
    propose_duplicates(session, threshold=0.95)
    (narrow,) = [p for p in pending(session) if "akzo" in p.members[0].company.key]
    assert len(narrow.members) == 2
    report = propose_duplicates(session, threshold=0.9)
    assert report.superseded == 1
    assert narrow.status == ProposalStatus.superseded


def test_merge_and_unmerge_are_reversible_and_audited(session):
    companies = seed(session)
    org = make_org(session)
    analyst = make_staff(session, org)
    propose_duplicates(session)
    proposal = next(p for p in pending(session) if len(p.members) == 3)
    survivor = companies["d:akzo"].id

    with pytest.raises(Invalid):
        merge_proposal(
            session, proposal_id=proposal.id, survivor_id=companies["d:shell"].id, actor_user_id=1
        )
    merge_proposal(
        session,
        proposal_id=proposal.id,
        survivor_id=survivor,
        actor_user_id=analyst.user.id,
        organisation_id=org.id,
    )
    assert proposal.status == ProposalStatus.merged
    assert companies["d:akzo2"].merged_into_id == survivor
    assert companies["d:akzo3"].merged_into_id == survivor
    assert companies["d:akzo"].merged_into_id is None
    (merged,) = events(session, "companies.merged")
    assert (merged.organisation_id, merged.actor_user_id) == (org.id, analyst.user.id)
    assert json.loads(merged.detail) == {
        "survivor": survivor,
        "merged": sorted([companies["d:akzo2"].id, companies["d:akzo3"].id]),
        "automatic": False,
    }
    # The merged records' names now lead to the survivor; a new run leaves them out.
    (best, *_rest) = match_companies(session, query="Akzo Novel")
    assert (best.company_id, best.via_company_id) == (survivor, companies["d:akzo3"].id)
    assert propose_duplicates(session).records == 4
    with pytest.raises(Conflict):
        merge_proposal(session, proposal_id=proposal.id, survivor_id=survivor, actor_user_id=1)

    unmerge_proposal(
        session, proposal_id=proposal.id, actor_user_id=analyst.user.id, organisation_id=org.id
    )
    assert proposal.status == ProposalStatus.pending
    assert all(companies[k].merged_into_id is None for k in ("d:akzo2", "d:akzo3"))
    (unmerged,) = events(session, "companies.unmerged")
    assert json.loads(unmerged.detail)["restored"] == sorted(
        [companies["d:akzo2"].id, companies["d:akzo3"].id]
    )
    with pytest.raises(Conflict):
        unmerge_proposal(session, proposal_id=proposal.id, actor_user_id=1, organisation_id=None)


def test_not_the_same_is_remembered(session):
    seed(session)
    org = make_org(session)
    propose_duplicates(session)
    palmas = next(p for p in pending(session) if len(p.members) == 2)
    reject_proposal(session, proposal_id=palmas.id, actor_user_id=None, organisation_id=org.id)
    assert palmas.status == ProposalStatus.rejected
    (rejected,) = events(session, "companies.not_duplicate")
    assert json.loads(rejected.detail)["companies"] == sorted(m.company_id for m in palmas.members)
    report = propose_duplicates(session)
    assert report.proposed == 0
    assert len(pending(session)) == 1  # only Akzo's cluster is left to review
    with pytest.raises(Conflict):
        reject_proposal(session, proposal_id=palmas.id, actor_user_id=None, organisation_id=None)


def test_automatic_merges_only_when_asked_and_only_above_the_bound(session):
    companies = seed(session)
    report = propose_duplicates(session, threshold=0.9, auto_merge_above=0.99)
    # Palmas (1.00) merges; Akzo's typo (0.93) stays in the queue.
    assert (report.proposed, report.merged) == (2, 1)
    merged = list_proposals(session, status=ProposalStatus.merged).items
    assert len(merged) == 1 and merged[0].automatic
    assert companies["d:palmas2"].merged_into_id == companies["d:palmas"].id
    assert companies["d:akzo3"].merged_into_id is None
    (event,) = events(session, "companies.merged")
    assert json.loads(event.detail)["automatic"] is True
    with pytest.raises(Invalid):
        propose_duplicates(session, threshold=0.9, auto_merge_above=0.8)


def test_addresses_tell_same_name_factories_apart(session):
    def factory(key: str, address: str) -> Company:
        company = upsert_company(
            session, data=CompanyIn(key=key, name="Silueta (Pvt) Ltd", jurisdiction="LK")
        )[0]
        company.addresses.append(Address(full=address, country="LK"))
        return company

    factory("d:s1", "Lot 14 BEPZ Walgama Malwana Biyagama, Sri Lanka")
    factory("d:s2", "Kalawellawa Road, Agalawatta, Western Province 12200")
    same = factory("d:s3", "lot 14 bepz walgama malwana biyagama")
    session.flush()
    propose_duplicates(session)
    (proposal,) = pending(session)
    assert {m.company.key for m in proposal.members} == {"d:s1", "d:s3"}
    assert "Addresses alike. (+0.05)" in explain_json(proposal.links[0].explanation)
    assert same.merged_into_id is None


# --- the staff page -------------------------------------------------------------------------


def test_page_needs_sign_in(client):
    response = client.get("/staff/companies/duplicates")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_auditors_read_but_cannot_decide(session, client):
    seed(session)
    propose_duplicates(session)
    auditor = make_staff(session, make_org(session), role="auditor")
    session.commit()
    sign_in(client, auditor)
    page = client.get("/staff/companies/duplicates")
    assert page.status_code == 200
    assert "Akzo Nobel N.V." in page.text
    assert "Why these records were proposed" in page.text
    assert "Merge into the record kept" not in page.text
    proposal = pending(session)[0]
    token = csrf_from(client.get("/staff/reports").text)
    refused = client.post(
        f"/staff/companies/duplicates/{proposal.id}/reject", data={"csrf_token": token}
    )
    assert refused.status_code == 403
    assert proposal.status == ProposalStatus.pending


def test_writers_merge_unmerge_and_reject_with_forms(session, client):
    companies = seed(session)
    propose_duplicates(session)
    decider_org, other_org = make_org(session), make_org(session)
    analyst = make_staff(session, decider_org)
    session.commit()
    sign_in(client, analyst)
    page = client.get("/staff/companies/duplicates")
    token = csrf_from(page.text)
    akzo = next(p for p in pending(session) if len(p.members) == 3)
    palmas = next(p for p in pending(session) if len(p.members) == 2)
    assert f'action="/staff/companies/duplicates/{akzo.id}/merge"' in page.text

    no_csrf = client.post(
        f"/staff/companies/duplicates/{akzo.id}/merge",
        data={"survivor_id": companies["d:akzo2"].id},
    )
    assert no_csrf.status_code == 403

    merged = client.post(
        f"/staff/companies/duplicates/{akzo.id}/merge",
        data={"survivor_id": companies["d:akzo2"].id, "csrf_token": token},
    )
    assert merged.status_code == 303
    assert merged.headers["location"] == "/staff/companies/duplicates?done=merged"
    session.expire_all()
    assert companies["d:akzo"].merged_into_id == companies["d:akzo2"].id
    done = client.get("/staff/companies/duplicates?status=merged&done=merged")
    assert "The records were merged. Unmerge restores them." in done.text
    assert f'action="/staff/companies/duplicates/{akzo.id}/unmerge"' in done.text
    twice = client.post(
        f"/staff/companies/duplicates/{akzo.id}/merge",
        data={"survivor_id": companies["d:akzo2"].id, "csrf_token": token},
    )
    assert twice.status_code == 409

    unmerged = client.post(
        f"/staff/companies/duplicates/{akzo.id}/unmerge", data={"csrf_token": token}
    )
    assert unmerged.status_code == 303
    session.expire_all()
    assert companies["d:akzo"].merged_into_id is None

    rejected = client.post(
        f"/staff/companies/duplicates/{palmas.id}/reject", data={"csrf_token": token}
    )
    assert rejected.status_code == 303
    fragment = client.get(
        "/staff/companies/duplicates?status=rejected", headers={"HX-Request": "true"}
    )
    assert "<html" not in fragment.text
    assert "Palmas del Cesar Ltda." in fragment.text

    # The registry is shared: every decision is audited under the decider's organisation.
    actions = {"companies.merged", "companies.unmerged", "companies.not_duplicate"}
    decided = [e for e in session.scalars(select(AuditEvent)) if e.action in actions]
    assert len(decided) == 3
    assert {(e.organisation_id, e.actor_user_id) for e in decided} == {
        (decider_org.id, analyst.user.id)
    }
    assert other_org.id not in {e.organisation_id for e in decided}


def test_unknown_proposal_and_bad_status(session, client):
    analyst = make_staff(session, make_org(session))
    session.commit()
    sign_in(client, analyst)
    token = csrf_from(client.get("/staff/companies/duplicates").text)
    missing = client.post("/staff/companies/duplicates/999999/reject", data={"csrf_token": token})
    assert missing.status_code == 404
    assert client.get("/staff/companies/duplicates?status=nonsense").status_code == 422
