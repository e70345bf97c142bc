"""Errors the API returns as codes with parameters, so the UI can show them in the user's language.

Every 4xx a user can meet is raised as `ApiError(status, code, message, **params)`:

    raise ApiError(404, "camera.not_found", "no such camera", camera_id=camera_id)

The response body is `{"detail": {"code": "camera.not_found", "message": "no such camera",
"params": {"camera_id": "gate-1"}}}`. `message` is the English text (for logs, the CLI and API
users); the web UI looks `code` up in its vi/en catalogue and fills in `params`. Codes are
dotted, lower-case, stable: the UI catalogue and a test depend on them. Every code is listed in
`ERROR_CODES` (with its English template) so a test can check that the UI translates each one.

Request validation (pydantic) keeps FastAPI's list shape, `{"detail": [{"type", "loc", "msg",
"code", "params"}]}`, so the OpenAPI schema still holds; each item gains a code: the pydantic error
type as `validation.<type>` (e.g. `validation.string_too_short` with `min_length`), or the code a
project validator raised with `PydanticCustomError(code, english, params)`. `params.field` is the
dotted field path. The submitted value is never echoed (it may be a password).
"""

from __future__ import annotations

import math
from typing import Any, Iterable

from fastapi import FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

# code -> English message template ({name} fields come from params). Add a code here when you raise it.
ERROR_CODES: dict[str, str] = {}
# A field pattern -> the code that says what the pattern wants (instead of "not in the expected form").
PATTERN_CODES: dict[str, str] = {}


def register(code: str, english: str) -> str:
    """Declare an error code and its English template; returns the code (use at module level)."""
    known = ERROR_CODES.get(code)
    if known is not None and known != english:
        raise ValueError(f"error code {code!r} declared twice with different texts")
    ERROR_CODES[code] = english
    return code


def register_pattern(pattern: str, code: str, english: str) -> str:
    """Declare the code a `string_pattern_mismatch` against `pattern` becomes (e.g. the camera-id rule)."""
    PATTERN_CODES[pattern] = register(code, english)
    return code


def english(code: str, params: dict[str, Any]) -> str:
    """The English text of `code` with `params` filled in (the template itself if a field is missing)."""
    template = ERROR_CODES.get(code, code)
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


class ApiError(HTTPException):
    """An HTTP error with a stable code and parameters (see the module docstring)."""

    def __init__(self, status_code: int, code: str, message: str | None = None,
                 headers: dict[str, str] | None = None, **params: Any) -> None:
        if message is None:
            message = english(code, params)
        self.code = code
        self.params = params
        super().__init__(status_code, {"code": code, "message": message, "params": params}, headers=headers)


# Pydantic error types a request can trigger, with English templates; any other type falls back
# to `validation.invalid`. The UI has a vi/en text for each.
VALIDATION_TYPES: dict[str, str] = {
    "missing": "{field}: required",
    "extra_forbidden": "{field}: unknown field",
    "string_type": "{field}: must be text",
    "string_too_short": "{field}: at least {min_length} characters",
    "string_too_long": "{field}: at most {max_length} characters",
    "string_pattern_mismatch": "{field}: not in the expected form",
    "too_short": "{field}: at least {min_length} items",
    "too_long": "{field}: at most {max_length} items",
    "greater_than": "{field}: must be greater than {gt}",
    "greater_than_equal": "{field}: must be at least {ge}",
    "less_than": "{field}: must be less than {lt}",
    "less_than_equal": "{field}: must be at most {le}",
    "int_parsing": "{field}: must be a whole number",
    "int_type": "{field}: must be a whole number",
    "int_from_float": "{field}: must be a whole number",
    "float_parsing": "{field}: must be a number",
    "float_type": "{field}: must be a number",
    "finite_number": "{field}: must be a finite number",
    "bool_parsing": "{field}: must be true or false",
    "bool_type": "{field}: must be true or false",
    "datetime_parsing": "{field}: not a date and time (ISO 8601, e.g. 2026-11-23T14:00:00+07:00)",
    "datetime_from_date_parsing": "{field}: not a date and time (ISO 8601, e.g. 2026-11-23T14:00:00+07:00)",
    "datetime_type": "{field}: not a date and time",
    "timezone_aware": "{field}: needs a time zone, e.g. +07:00",
    "literal_error": "{field}: must be one of {expected}",
    "enum": "{field}: must be one of {expected}",
    "union_tag_invalid": "{field}: unknown type {tag}; expected one of {expected_tags}",
    "union_tag_not_found": "{field}: the {discriminator} key is missing",
    "list_type": "{field}: must be a list",
    "tuple_type": "{field}: must be a list",
    "dict_type": "{field}: must be an object",
    "model_type": "{field}: must be an object",
    "model_attributes_type": "{field}: must be an object",
    "json_invalid": "the request body is not valid JSON",
    "json_type": "{field}: not valid JSON",
    "value_error": "{field}: {error}",
    "invalid": "{field}: invalid value",
}
for _type, _text in VALIDATION_TYPES.items():
    register(f"validation.{_type}", _text)

# The location prefixes FastAPI adds ("body", "query", ...) and the discriminator tags pydantic adds
# inside unions (e.g. "rtsp" in body.source.rtsp.url) are not part of the field the user filled in.
_LOCATIONS = {"body", "query", "path", "header", "cookie"}


def _field(loc: Iterable[Any], body: Any) -> str:
    """The dotted field path of an error location, walking the submitted body to drop union tags."""
    parts = list(loc)
    if parts and parts[0] in _LOCATIONS:
        located_in_body = parts[0] == "body"
        parts = parts[1:]
    else:
        located_in_body = False
    names: list[str] = []
    current = body if located_in_body else None
    for part in parts:
        if isinstance(current, dict) and part not in current and current.get("type") == part:
            continue  # pydantic's discriminator tag (e.g. "rtsp" in source.rtsp.url)
        if isinstance(part, str) and part.startswith("function-"):
            continue
        names.append(str(part))
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        else:
            current = None
    return ".".join(names) or "(body)"


def _safe(value: Any) -> Any:
    """Context values as JSON (exceptions -> text, infinities -> text)."""
    if isinstance(value, BaseException):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return jsonable_encoder(value)


def validation_items(errors: list[dict[str, Any]], body: Any = None) -> list[dict[str, Any]]:
    """Pydantic errors -> items with a code and params (see the module docstring)."""
    items = []
    for error in errors:
        kind = str(error.get("type", "invalid"))
        params = {key: _safe(value) for key, value in (error.get("ctx") or {}).items()}
        params["field"] = _field(error.get("loc", ()), body)
        if kind in ERROR_CODES:  # a project validator's own code (PydanticCustomError)
            code = kind
        elif kind == "string_pattern_mismatch" and params.get("pattern") in PATTERN_CODES:
            code = PATTERN_CODES[params["pattern"]]
        elif kind in VALIDATION_TYPES:
            code = f"validation.{kind}"
        else:
            code = "validation.invalid"
        if code == "validation.value_error" and "error" not in params:
            params["error"] = str(error.get("msg", ""))
        items.append({"type": kind, "loc": [_safe(p) for p in error.get("loc", ())],
                      "msg": str(error.get("msg", "")), "code": code, "params": params})
    return items


async def request_validation_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse({"detail": validation_items(list(exc.errors()), exc.body)}, status_code=422)


def install(app: FastAPI) -> None:
    """Answer request validation errors with codes (see the module docstring)."""
    app.add_exception_handler(RequestValidationError, request_validation_handler)  # type: ignore[arg-type]
