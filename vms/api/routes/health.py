"""Liveness for load balancers and monitoring: the only route without login."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import text

from vms.api.deps import SessionDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: bool


@router.get("/health", response_model=Health)
def health(db: SessionDep) -> Health:
    try:
        db.execute(text("SELECT 1"))
        ok = True
    except Exception:  # any database failure means "degraded", never a 500 here
        ok = False
    return Health(status="ok" if ok else "degraded", database=ok)
