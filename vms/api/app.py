"""The FastAPI application factory. Nothing is built at import time: the service passes its context."""

from __future__ import annotations

import asyncio
import html
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from vms.api import errors
from vms.api.context import AppContext
from vms.api.headers import SecurityHeaders
from vms.api.limits import BodyLimit
from vms.api.liveness import DatabaseProbe, HealthFastPath
from vms.api.overload import Admission, install_pool_timeout
from vms.playback_cache import ClipCache
from vms.api.push import EventWatcher
from vms.api.routes import (alarms, audit, auth, cameras, docs, events, exports, health, live, maintenance, metrics, onvif,
                            programme_map, recordings, records, reports, review, system_health, users, wall)
from vms.live.hub import LiveHub

WEB_DIR = Path(__file__).resolve().parent.parent / "web" / "static"


class RevalidatedStaticFiles(StaticFiles):
    """The UI's modules, revalidated (ETag, cheap 304) on every use: after an upgrade a browser never
    mixes cached old modules with new ones."""

    def file_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "no-cache"
        return response


class ServiceApp(FastAPI):
    """FastAPI behind a front door: GET /health (from the background database check) and admission
    control (at most `max_active` requests inside, a bounded wait, else a fast 503 + Retry-After)
    run before the framework's own stack. Under a flood most answers are these two, and the stack
    (error and telemetry middleware, body-limit wrapper, security headers, routing) costs the one
    event loop more than the answers themselves; the admitted requests go through all of it."""

    def __init__(self, *, probe: DatabaseProbe, max_active: int, queue_timeout_s: float, **kwargs: Any):
        super().__init__(**kwargs)
        self.admission = Admission(super().__call__, max_active=max_active, queue_timeout_s=queue_timeout_s)
        self._front = HealthFastPath(self.admission, probe=probe)

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Callable) -> None:
        await self._front(scope, receive, send)


def _watcher(context: AppContext) -> EventWatcher:
    return EventWatcher(context.session_factory, context.config.alarms, ZoneInfo(context.config.timezone),
                        events.events_json)


def create_app(context: AppContext) -> FastAPI:
    hub = LiveHub(context.paths.live_frames)
    probe = DatabaseProbe(context.session_factory.kw["bind"])

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """The one event watcher of this process runs while the app serves (pushes to open pages)."""
        watcher = _watcher(app.state.context)
        await asyncio.to_thread(probe.start)
        await asyncio.to_thread(watcher.start, asyncio.get_running_loop())
        app.state.watcher = watcher
        try:
            yield
        finally:
            app.state.watcher = None
            watcher.close_subscribers()
            await asyncio.to_thread(watcher.stop_polling)
            hub.close()  # live channels and transcoders stop with the server
            await asyncio.to_thread(probe.stop)

    # The framework's /docs, /redoc and /openapi.json are off: they load Swagger UI from a CDN and
    # need no login. vms.api.routes.docs serves them locally, behind login, under the CSP.
    server = context.config.server
    app = ServiceApp(title="VMS ANTT", version="0.1.0", description="Camera giám sát ANTT: recording, search, playback",
                     docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan,
                     # No OpenTelemetry here: otherwise FastAPI asks the global providers on every request.
                     telemetry={"tracing": False, "metrics": False, "logs": False},
                     probe=probe, max_active=server.max_active_requests, queue_timeout_s=server.queue_timeout_s)
    app.state.context = context
    app.state.watcher = None
    app.state.live_hub = hub
    app.state.db_probe = probe
    app.add_middleware(BodyLimit)  # bodies are refused over their route's limit before parsing
    app.add_middleware(SecurityHeaders)  # CSP, no framing, no sniffing, no referrer
    storage = context.config.storage
    app.state.clip_cache = ClipCache(context.paths.clip_cache, int(storage.playback_cache_gb * 1024**3))
    errors.install(app)
    install_pool_timeout(app)
    # alarms before events: /api/events/stream must not be taken for /api/events/{event_id}.
    for module in (health, metrics, auth, users, cameras, recordings, live, wall, alarms, events, exports, audit, reports,
                   onvif, docs, records, programme_map, maintenance, review, system_health):
        app.include_router(module.router)
    app.include_router(exports.key_router)
    app.mount("/static", RevalidatedStaticFiles(directory=WEB_DIR), name="static")

    # The page carries the site name (shown at login and on printed reports); no other data.
    page = (WEB_DIR / "index.html").read_text(encoding="utf-8")
    page = page.replace("{{SITE_NAME}}", html.escape(context.config.site_name, quote=True))

    @app.get("/", include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse(page, headers={"Cache-Control": "no-cache"})

    return app
