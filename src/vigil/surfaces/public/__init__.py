"""The public surface: the de-identified overview page, its open-data API and the language
choice. No gate and no staff session."""

from __future__ import annotations

from fastapi import APIRouter

from vigil.surfaces.public import (
    actions,
    api,
    companies,
    data,
    grievance_mechanisms,
    home,
    incidents_api,
    language,
    market_entry,
    policies,
    register,
    slapp,
    statements,
    statistics,
)


def build_router() -> APIRouter:
    group = APIRouter()
    for module in (
        home,
        api,
        incidents_api,
        data,
        language,
        market_entry,
        actions,
        statements,
        grievance_mechanisms,
        slapp,
        statistics,
        register,
        companies,
        policies,
    ):
        group.include_router(module.router)
    return group
