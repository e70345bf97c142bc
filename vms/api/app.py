"""The FastAPI application factory. Nothing is built at import time: the service passes its context."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from vms.api.context import AppContext
from vms.api.routes import audit, auth, cameras, events, exports, health, onvif, recordings, reports, users

WEB_DIR = Path(__file__).resolve().parent.parent / "web" / "static"


def create_app(context: AppContext) -> FastAPI:
    app = FastAPI(title="VMS ANTT", version="0.1.0", description="Camera giám sát ANTT: recording, search, playback")
    app.state.context = context
    for module in (health, auth, users, cameras, recordings, events, exports, audit, reports, onvif):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    return app
