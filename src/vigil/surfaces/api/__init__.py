"""The API surface: JSON for staff tools, behind the same gate as the staff pages (answers 401
in JSON instead of a redirect). The health check and the API documentation page are open."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from vigil.surfaces.api import (
    companies,
    company_leverage,
    incident_leverage,
    incidents,
    system,
)
from vigil.surfaces.gate import current_staff

#: Routes of this surface reachable without a session (health details need staff or a token).
OPEN = frozenset({"/healthz", "/api/docs"})


def build_router() -> APIRouter:
    group = APIRouter()
    group.include_router(system.router)
    gated = APIRouter(dependencies=[Depends(current_staff)])
    for module in (incidents, companies, incident_leverage, company_leverage):
        gated.include_router(module.router)
    group.include_router(gated)
    return group
