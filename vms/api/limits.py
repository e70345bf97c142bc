"""Request-body size limits, per route: small by default, larger only where a route needs it.

A pure ASGI middleware (HTTP only; WebSocket traffic passes untouched) that refuses a body over the
limit with 413 before the application sees it: from Content-Length at once (the HTTP parser holds
the client to it), and a chunked body without length is read up to the limit, then replayed to the
application. Nothing reads a 30 MB login body any more.

Other features declare their larger limits where they define the route:

    from vms.api.limits import allow_body
    allow_body("POST", "/api/events/import", 32 * MIB)

Paths may end in `*` (prefix match, e.g. "/api/uploads/*").
"""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable

from vms.api.errors import register

KIB, MIB = 1024, 1024 * 1024
TOO_LARGE = register("request.too_large", "request body over {limit} bytes")
DEFAULT_LIMIT = 256 * KIB
_LIMITS: dict[tuple[str, str], int] = {}

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def allow_body(method: str, path: str, limit: int) -> None:
    """Let `method path` take bodies up to `limit` bytes (instead of DEFAULT_LIMIT)."""
    _LIMITS[(method.upper(), path)] = limit


def limit_for(method: str, path: str) -> int:
    exact = _LIMITS.get((method, path))
    if exact is not None:
        return exact
    for (known_method, known_path), limit in _LIMITS.items():
        if known_method == method and known_path.endswith("*") and path.startswith(known_path[:-1]):
            return limit
    return DEFAULT_LIMIT


def _body_413(limit: int) -> bytes:
    detail = {"code": TOO_LARGE, "message": f"request body over {limit} bytes", "params": {"limit": limit}}
    return json.dumps({"detail": detail}).encode()


class BodyLimit:
    """ASGI middleware enforcing `limit_for(method, path)` on every HTTP request body."""

    def __init__(self, app: Callable[..., Awaitable[None]]):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["method"], scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(send, limit)
            return
        if declared is not None:  # the server's HTTP parser holds the client to its Content-Length
            await self.app(scope, receive, send)
            return
        body = await _read_chunked(receive, limit)
        if body is None:
            await _refuse(send, limit)
            return
        await self.app(scope, _replay(body, receive), send)


async def _read_chunked(receive: Receive, limit: int) -> bytes | None:
    """A body sent without Content-Length, read up to `limit` bytes (None when it is longer)."""
    parts, seen = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(parts)
        chunk = message.get("body", b"")
        seen += len(chunk)
        if seen > limit:
            return None
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: disconnect notices, as usual

    return replay


async def _refuse(send: Send, limit: int) -> None:
    body = _body_413(limit)
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
