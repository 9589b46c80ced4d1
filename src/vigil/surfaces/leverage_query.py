"""The query parameters of a leverage map (how deep, from which share), read alike by the
staff pages and the JSON API. The surfaces are independent of each other, so what two of
them read lives here, beside them, as the shared gate does."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from vigil.companies.leverage import MAX_DEPTH

Depth = Annotated[int, Query(ge=0, le=MAX_DEPTH, description="Most edges from the start.")]
Threshold = Annotated[
    float,
    Query(
        ge=0,
        le=100,
        allow_inf_nan=False,
        description="Leave out owners and investors whose effective share is known to be lower.",
    ),
]
