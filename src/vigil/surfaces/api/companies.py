"""``/api/v1/companies/match``: the registry's candidates for a name, for staff clients."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from vigil.companies.match_search import MAX_ADDRESS, Candidate, match_companies
from vigil.companies.matching import clean_text, name_key
from vigil.surfaces.gate import CurrentStaff
from vigil.web.deps import DbSession


class Problem(BaseModel):
    detail: str


class MatchCandidate(BaseModel):
    company_id: int
    name: str
    jurisdiction: str | None
    matched_name: str = Field(description="The registry name (or identifier) that matched.")
    via_company_id: int | None = Field(
        description="Set when the name belongs to a record merged into this company."
    )
    score: float = Field(ge=0, le=1)
    explanation: list[str] = Field(description="One sentence per piece of evidence.")

    @classmethod
    def of(cls, candidate: Candidate) -> MatchCandidate:
        return cls(
            company_id=candidate.company_id,
            name=candidate.name,
            jurisdiction=candidate.jurisdiction,
            matched_name=candidate.matched_name,
            via_company_id=candidate.via_company_id,
            score=candidate.value,
            explanation=candidate.explain(),
        )


class MatchResult(BaseModel):
    query: str
    key: str = Field(description="The query once legal forms and spelling marks are set aside.")
    country: str | None
    candidates: list[MatchCandidate]


router = APIRouter(
    prefix="/api/v1/companies",
    tags=["companies"],
    responses={401: {"model": Problem, "description": "Sign in required."}},
)


@router.get("/match", name="companies.api_match", response_model=MatchResult)
def api_match_companies(
    session: DbSession,
    _staff: CurrentStaff,
    q: Annotated[str, Query(min_length=1, max_length=300, description="A name or identifier.")],
    country: Annotated[
        str | None, Query(pattern="^[A-Za-z]{2}$", description="Jurisdiction to favour.")
    ] = None,
    address: Annotated[
        str | None,
        Query(
            max_length=MAX_ADDRESS,
            description="Street address; companies with an address alike rank higher.",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> MatchResult:
    """Registry companies that may be the one named ``q``, best first, each with its score
    (0 to 1) and the evidence behind it (with ``address``: also how alike the addresses the
    registry keeps for it are)."""
    country = country.upper() if country else None
    candidates = match_companies(session, query=q, country=country, address=address, limit=limit)
    return MatchResult(
        query=clean_text(q),
        key=name_key(clean_text(q)),
        country=country,
        candidates=[MatchCandidate.of(candidate) for candidate in candidates],
    )
