"""The playback cache: clips cut from recorded segments for the browser's player, bounded in bytes.

Without bounds, every distinct start/end (down to microseconds) built a new file, so a few requests
filled the disk. Now:
- a clip is keyed by the camera and the exact segments it covers, and always spans those whole
  segments (the player seeks to the asked time with X-Clip-Start), so any range inside the same
  segments is served from one file;
- the cache has a byte cap; the least recently used clips go first (a hit refreshes the mtime);
- one user builds at most `per_user` clips at a time (others get 429 with Retry-After);
- it is a cache, never footage: the storage janitor empties it before deleting any recording.
"""

from __future__ import annotations

import hashlib
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

DEFAULT_MAX_BYTES = 2 * 1024**3
SUFFIXES = (".mp4", ".json")


class CacheBusy(Exception):
    """The user already has as many clips being cut as allowed."""


class ClipCache:
    def __init__(self, folder: Path, max_bytes: int = DEFAULT_MAX_BYTES, per_user: int = 2):
        self.folder, self.max_bytes, self.per_user = folder, max_bytes, per_user
        self._lock = threading.Lock()
        self._building: dict[str, int] = {}
        self._key_locks: dict[str, threading.Lock] = {}

    def path_for(self, camera_id: str, segment_ids: list[int]) -> Path:
        key = f"{camera_id}|" + ",".join(str(i) for i in segment_ids)
        return self.folder / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".mp4")

    @contextmanager
    def building(self, username: str, path: Path) -> Iterator[None]:
        """Count a clip being cut for `username` (CacheBusy over the limit); one builder per clip."""
        with self._lock:
            if self._building.get(username, 0) >= self.per_user:
                raise CacheBusy
            self._building[username] = self._building.get(username, 0) + 1
            key_lock = self._key_locks.setdefault(path.name, threading.Lock())
        try:
            with key_lock:
                yield
        finally:
            with self._lock:
                self._building[username] -= 1
                self._key_locks.pop(path.name, None)
        self.evict(keep=path)

    @staticmethod
    def touch(path: Path) -> None:
        """Mark a clip as just used (LRU order is by mtime)."""
        try:
            os.utime(path)
        except FileNotFoundError:
            pass

    def evict(self, keep: Path | None = None) -> int:
        """Delete least recently used clips (never `keep`, the one about to be served) until the
        cache is within its cap; returns the bytes freed."""
        limit = self.max_bytes
        files = []
        for path in self.folder.glob("*.mp4"):
            if path == keep:
                continue
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            files.append((stat.st_mtime, stat.st_size, path))
        kept = keep.stat().st_size if keep is not None and keep.exists() else 0
        total, freed = kept + sum(size for _, size, _ in files), 0
        for _, size, path in sorted(files):
            if total <= limit:
                break
            for suffix in SUFFIXES:
                path.with_suffix(suffix).unlink(missing_ok=True)
            total, freed = total - size, freed + size
        return freed
