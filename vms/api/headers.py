"""Security headers on every HTTP response: what the browser may load, frame, sniff or leak.

The UI is plain ES modules and CSS from /static with no inline script or style, so the policy can
be strict: everything from this origin only, images and video also from `blob:` (the player and
snapshot previews), WebSockets to this same host (live video), no framing by other sites (the page
cannot be click-jacked), no MIME sniffing, no referrer leaving the site. The API documentation page
(/docs, Swagger UI served from this server) follows the same policy.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable


def content_security_policy(host: str) -> str:
    sockets = f" ws://{host} wss://{host}" if host else ""
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
            f"media-src 'self' blob:; connect-src 'self'{sockets}; worker-src 'self' blob:; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


# Answers made before the application (/health, the overload 503) are JSON, never a document: the
# strictest policy, and no per-request work.
FAST_ANSWER_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")]
_POLICIES: dict[str, bytes] = {}  # per Host header (a site has a handful of names; bounded below)


def _policy(host: str) -> bytes:
    policy = _POLICIES.get(host)
    if policy is None:
        policy = content_security_policy(host).encode()
        if len(_POLICIES) < 64:
            _POLICIES[host] = policy
    return policy


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response."""

    def __init__(self, app: Callable[..., Awaitable[None]]):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = next((value for name, value in scope.get("headers") or () if name == b"host"), b"").decode("latin-1")
        host = host if all(c.isalnum() or c in ".-:[]" for c in host) else ""
        extra = [*FAST_ANSWER_HEADERS[:-1], (b"content-security-policy", _policy(host))]

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers") or []) + extra
            await send(message)

        await self.app(scope, receive, with_headers)
