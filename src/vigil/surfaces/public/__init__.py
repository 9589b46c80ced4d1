"""The public surface: the de-identified overview page, its open-data API and the language
choice. No gate and no staff session."""

from __future__ import annotations

from fastapi import APIRouter

from vigil.surfaces.public import api, home, language


def build_router() -> APIRouter:
    group = APIRouter()
    for module in (home, api, language):
        group.include_router(module.router)
    return group
