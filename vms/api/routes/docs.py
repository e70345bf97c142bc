"""The API's own documentation: the OpenAPI document and Swagger UI, behind login, from this server.

Swagger UI's files come from the `swagger-ui-bundle-v2` package installed with the service, never a
CDN: the page works on a site with no internet, and opening it tells no third party that a police
VMS exists at this address. The page keeps the UI's strict CSP: it is static HTML whose start-up
is a file of its own (vms/web/docs/init.js), no inline script. Like every route but /health, the
page, its assets and the schema (a map of every route and parameter) need a login.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from swagger_ui_bundle import swagger_ui_path

from vms.api.deps import CurrentUser
from vms.api.errors import ApiError, register

router = APIRouter(include_in_schema=False)
DOCS_DIR = Path(__file__).resolve().parents[2] / "web" / "docs"
SWAGGER_DIR = Path(str(swagger_ui_path))
# The only files served under /docs/assets/: name -> (folder, media type).
ASSETS: dict[str, tuple[Path, str]] = {
    "swagger-ui-bundle.js": (SWAGGER_DIR, "text/javascript"),
    "swagger-ui.css": (SWAGGER_DIR, "text/css"),
    "favicon-32x32.png": (SWAGGER_DIR, "image/png"),
    "init.js": (DOCS_DIR, "text/javascript"),
    "docs.css": (DOCS_DIR, "text/css"),
}
NO_SUCH_ASSET = register("docs.no_such_asset", "no such documentation file")
PRIVATE = {"Cache-Control": "private, no-cache"}


@router.get("/openapi.json")
def openapi_document(request: Request, user: CurrentUser) -> JSONResponse:
    return JSONResponse(request.app.openapi(), headers=PRIVATE)


@router.get("/docs")
def docs_page(user: CurrentUser) -> HTMLResponse:
    return HTMLResponse((DOCS_DIR / "index.html").read_text(encoding="utf-8"), headers=PRIVATE)


@router.get("/docs/assets/{name}")
def docs_asset(name: str, user: CurrentUser) -> FileResponse:
    if name not in ASSETS:
        raise ApiError(404, NO_SUCH_ASSET)
    folder, media_type = ASSETS[name]
    return FileResponse(folder / name, media_type=media_type, headers=PRIVATE)
