"""Uploaded files of the records: agreement scans and the site map image.

An upload is read in chunks and refused as soon as it passes its size cap (a 50 MB scan never
reaches the disk). The type is decided by the file's first bytes, not by its name or the
browser's claim. Files are stored under `state/records/` by content hash, so a stored name never
comes from the user (no path traversal by construction) and the same scan uploaded twice is one file.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image

from vms.api.errors import register

FILE_TOO_LARGE = register("records.file_too_large", "the file is larger than {max_mb} MB")
FILE_TYPE = register("records.file_type", "this file type is not accepted here; use {accepted}")
IMAGE_UNREADABLE = register("records.image_unreadable", "the image cannot be read")
IMAGE_TOO_BIG = register("records.image_too_big", "the image is larger than {max_pixels} megapixels")

MB = 1 << 20
CHUNK = 256 * 1024
SIGNATURES = {b"%PDF-": ("application/pdf", "pdf"), b"\xff\xd8\xff": ("image/jpeg", "jpg"),
              b"\x89PNG\r\n\x1a\n": ("image/png", "png")}
SCAN_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
MAP_TYPES = frozenset({"image/jpeg", "image/png"})
MAX_MAP_MEGAPIXELS = 80


class UploadRefused(ValueError):
    """An upload that was not stored; `code` and `params` make the API error."""

    def __init__(self, code: str, status: int = 422, **params: object) -> None:
        super().__init__(code)
        self.code, self.status, self.params = code, status, params


@dataclass(frozen=True)
class StoredFile:
    file_name: str  # under the records folder
    content_type: str
    sha256: str
    size: int


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the first bytes, or None for anything else."""
    for signature, kind in SIGNATURES.items():
        if head.startswith(signature):
            return kind
    return None


def _read_capped(stream: BinaryIO, max_bytes: int, spool: BinaryIO) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise UploadRefused(FILE_TOO_LARGE, 413, max_mb=max_bytes // MB)
        digest.update(chunk)
        spool.write(chunk)
    return digest.hexdigest(), size


def store_upload(stream: BinaryIO, folder: Path, prefix: str, max_bytes: int,
                 accepted: frozenset[str]) -> StoredFile:
    """Copy an upload into `folder` as `<prefix>-<sha256>.<ext>`; refuse it if too big or of another type."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".upload-", delete=False) as spool:
        try:
            sha, size = _read_capped(stream, max_bytes, spool)
            spool.flush()
            spool.seek(0)
            kind = sniff(spool.read(16))
            if kind is None or kind[0] not in accepted:
                raise UploadRefused(FILE_TYPE, 415, accepted=", ".join(sorted(t.split("/")[1] for t in accepted)))
            os.fsync(spool.fileno())
        except BaseException:
            os.unlink(spool.name)
            raise
    name = f"{prefix}-{sha}.{kind[1]}"
    os.replace(spool.name, folder / name)
    return StoredFile(name, kind[0], sha, size)


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) of a stored map image, read from its header; refuse unreadable or huge images."""
    try:
        with Image.open(path) as image:
            width, height = image.size
            image.verify()
    except (OSError, SyntaxError, Image.DecompressionBombError):
        raise UploadRefused(IMAGE_UNREADABLE) from None
    if width * height > MAX_MAP_MEGAPIXELS * 1_000_000:
        raise UploadRefused(IMAGE_TOO_BIG, max_pixels=MAX_MAP_MEGAPIXELS)
    return width, height


def stored_path(folder: Path, file_name: str) -> Path:
    """Path of a stored file; names come from the database (hash-based), checked once more anyway."""
    path = (folder / file_name).resolve()
    if path.parent != folder.resolve() or not path.is_file():
        raise FileNotFoundError(file_name)
    return path


def bytes_stream(data: bytes) -> BinaryIO:
    """A file-like object over bytes (for imports and tests)."""
    return io.BytesIO(data)
