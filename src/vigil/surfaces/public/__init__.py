"""The public surface: the de-identified overview page, its open-data API and the language
choice. No gate and no staff session."""

from __future__ import annotations

from fastapi import APIRouter

from vigil.surfaces.public import (
    actions,
    api,
    companies,
    data,
    home,
    incidents_api,
    language,
    register,
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
        actions,
        statements,
        statistics,
        register,
        companies,
    ):
        group.include_router(module.router)
    return group
