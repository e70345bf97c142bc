"""Errors the API returns as codes with parameters, so the UI can show them in the user's language.

Every 4xx a user can meet is raised as `ApiError(status, code, message, **params)`:

    raise ApiError(404, "camera.not_found", "no such camera", camera_id=camera_id)

The response body is `{"detail": {"code": "camera.not_found", "message": "no such camera",
"params": {"camera_id": "gate-1"}}}`. `message` is the English text (for logs, the CLI and API
users); the web UI looks `code` up in its vi/en catalogue and fills in `params`. Codes are
dotted, lower-case, stable: the UI catalogue and a test depend on them. Every code is listed in
`ERROR_CODES` (with its English template) so a test can check that the UI translates each one.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException

# code -> English message template ({name} fields come from params). Add a code here when you raise it.
ERROR_CODES: dict[str, str] = {}


def register(code: str, english: str) -> str:
    """Declare an error code and its English template; returns the code (use at module level)."""
    known = ERROR_CODES.get(code)
    if known is not None and known != english:
        raise ValueError(f"error code {code!r} declared twice with different texts")
    ERROR_CODES[code] = english
    return code


class ApiError(HTTPException):
    """An HTTP error with a stable code and parameters (see the module docstring)."""

    def __init__(self, status_code: int, code: str, message: str | None = None,
                 headers: dict[str, str] | None = None, **params: Any) -> None:
        if message is None:
            template = ERROR_CODES.get(code, code)
            try:
                message = template.format(**params)
            except (KeyError, IndexError, ValueError):
                message = template
        self.code = code
        self.params = params
        super().__init__(status_code, {"code": code, "message": message, "params": params}, headers=headers)
