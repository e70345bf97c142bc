"""Reading an uploaded file from the raw request body with a hard size cap.

The cap is checked against Content-Length before anything is read, and again while streaming
(a client may send no length or lie about it), so an oversized upload is refused after at most
`max_bytes` have been received and is never stored.
"""

from __future__ import annotations

from fastapi import Request

from vms.api.errors import ApiError
from vms.records.files import FILE_TOO_LARGE, MB


def _too_large(max_bytes: int) -> ApiError:
    return ApiError(413, FILE_TOO_LARGE, max_mb=max(1, max_bytes // MB))


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The whole body, or 413 `records.file_too_large` as soon as it passes `max_bytes`."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise _too_large(max_bytes)
        chunks.append(chunk)
    return b"".join(chunks)
