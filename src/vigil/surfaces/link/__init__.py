"""The signed-link surface: ``/l/{token}`` for people without an account (alert recipients,
defenders checking in). The token is the gate: it names one purpose (acknowledge, respond,
unsubscribe, check in) and nothing else, and no staff session is read or set."""

from __future__ import annotations

from fastapi import APIRouter

from vigil.surfaces.link import pages


def build_router() -> APIRouter:
    group = APIRouter()
    group.include_router(pages.router)
    return group
