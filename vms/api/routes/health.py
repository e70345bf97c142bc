"""Liveness for load balancers and monitoring: the only route without login.

GET /health is answered by vms.api.liveness.HealthFastPath before admission control and the
framework (so it never queues behind API requests); this route declares it in the API schema and
answers the same way where the fast path is not installed.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: bool


@router.get("/health", response_model=Health)
async def health(request: Request) -> Health:
    ok = request.app.state.db_probe.healthy()
    return Health(status="ok" if ok else "degraded", database=ok)
