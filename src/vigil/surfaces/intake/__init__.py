"""The intake surface: anonymous reporting, follow-up by receipt, and check-in by receipt.

No gate and no staff session: nothing here reads or sets a staff cookie, and nothing here
imports the accounts domain or another surface.
"""

from __future__ import annotations

from fastapi import APIRouter

from vigil.surfaces.intake import checkins, reports


def build_router() -> APIRouter:
    group = APIRouter()
    for module in (reports, checkins):
        group.include_router(module.router)
    return group
