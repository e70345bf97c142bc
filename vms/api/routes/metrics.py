"""Prometheus `/metrics`: per camera decode/analysis fps, drops, model runs; the detector service's
queue depth, runs and inference ms; CPU and RSS per process.

Open without login from this machine only (a Prometheus agent or node exporter beside the
service); from anywhere else it needs an administrator's login, like the rest of the API.
"""

from __future__ import annotations

import ipaddress

from fastapi import APIRouter, Depends, Request, Response, status
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import CollectorRegistry

from vms.api.deps import ROLE_REQUIRED, ContextDep, SessionDep, get_current_user
from vms.api.errors import ApiError
from vms.runtime.metrics import NodeCollector

router = APIRouter(tags=["health"])


def _is_loopback(request: Request) -> bool:
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def metrics_access(request: Request, db: SessionDep) -> None:
    """Loopback clients pass; anyone else must be logged in as an administrator."""
    if _is_loopback(request):
        return
    user = get_current_user(request, db)
    if user.role != "admin":
        raise ApiError(status.HTTP_403_FORBIDDEN, ROLE_REQUIRED, roles=["admin"])


@router.get("/metrics", response_class=Response, dependencies=[Depends(metrics_access)],
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}})
def metrics(context: ContextDep) -> Response:
    registry = CollectorRegistry()
    registry.register(NodeCollector(context.node_metrics))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
