"""Shared-memory ring buffers that carry frames from a camera process to the detector service.

One ring per camera (stdlib `multiprocessing.shared_memory`): a 16-byte ring header (slot count,
slot size as int64), then `slots` slots, each a 32-byte header (sequence number, height, width,
channels as int64) followed by room for one uint8 image. The
camera writes a frame into the next slot and sends only (ring name, slot, sequence) over the
control socket; the service copies the pixels out and checks that the sequence is unchanged
afterwards (seqlock), so an image overwritten while it was read is refused, never half-used.
No image is ever pickled.

The camera process creates and unlinks its rings. A ring that must grow (a bigger frame) gets a
new name with a generation number; the service attaches by name and forgets old ones.
"""

from __future__ import annotations

import mmap
import os
import secrets
from multiprocessing import shared_memory

import numpy as np

RING_HEADER_BYTES = 16  # int64: slots, slot_bytes
HEADER = 4  # int64 fields per slot: seq, h, w, c
HEADER_BYTES = HEADER * 8


def _slot_base(slot: int, slot_bytes: int) -> int:
    return RING_HEADER_BYTES + slot * (HEADER_BYTES + slot_bytes)


class RingWriter:
    """Camera side: owns the shared memory, writes frames into rotating slots."""

    def __init__(self, camera_id: str, slots: int = 3) -> None:
        self.camera_id = camera_id
        self.slots = slots
        self._prefix = f"vms_{secrets.token_hex(4)}_{''.join(c for c in camera_id if c.isalnum())[:20]}"
        self._generation = 0
        self._shm: shared_memory.SharedMemory | None = None
        self._slot_bytes = 0
        self._next = 0
        self._seq = 0

    @property
    def name(self) -> str | None:
        return self._shm.name if self._shm is not None else None

    def write(self, image: np.ndarray) -> tuple[str, int, int]:
        """Copy one (h, w, c) or (h, w) uint8 image into the next slot; returns (ring name, slot, seq)."""
        img = np.ascontiguousarray(image, dtype=np.uint8)
        if img.ndim == 2:
            img = img[:, :, None]
        if self._shm is None or img.nbytes > self._slot_bytes:
            self._grow(img.nbytes)
        assert self._shm is not None
        slot = self._next
        self._next = (self._next + 1) % self.slots
        self._seq += 1
        base = _slot_base(slot, self._slot_bytes)
        header = np.ndarray((HEADER,), np.int64, self._shm.buf, base)
        header[0] = -1  # being written: a reader that sees -1 or a changed seq refuses the slot
        body = np.ndarray(img.shape, np.uint8, self._shm.buf, base + HEADER_BYTES)
        body[...] = img
        header[1:] = img.shape
        header[0] = self._seq
        return self._shm.name, slot, self._seq

    def _grow(self, nbytes: int) -> None:
        self.close()
        self._generation += 1
        self._slot_bytes = max(nbytes, 640 * 360 * 3)
        size = _slot_base(self.slots, self._slot_bytes)
        self._shm = shared_memory.SharedMemory(f"{self._prefix}_{self._generation}", create=True, size=size)
        np.ndarray((2,), np.int64, self._shm.buf, 0)[:] = (self.slots, self._slot_bytes)
        self._next = 0

    def close(self) -> None:
        if self._shm is not None:
            self._shm.close()
            try:
                self._shm.unlink()
            except FileNotFoundError:
                pass
            self._shm = None


class RingReader:
    """Service side: maps rings read-only by name and copies frames out, checking the sequence.

    It maps /dev/shm/<name> itself instead of attaching a `SharedMemory`: on Python < 3.13 an
    attached `SharedMemory` is registered with the resource tracker, which may then unlink the
    camera's ring behind its back (the camera owns the ring, the service only reads it).
    """

    def __init__(self, root: str = "/dev/shm") -> None:
        self._root = root
        self._attached: dict[str, mmap.mmap] = {}

    def read(self, name: str, slot: int, seq: int) -> np.ndarray | None:
        """The image in `slot` if it still holds sequence `seq`, else None (overwritten or gone)."""
        buf = self._attach(name)
        if buf is None or len(buf) < RING_HEADER_BYTES:
            return None
        slots, slot_bytes = (int(v) for v in np.frombuffer(buf, np.int64, 2, 0))
        if not 0 <= slot < slots or _slot_base(slots, slot_bytes) > len(buf):
            return None
        base = _slot_base(slot, slot_bytes)
        header = np.frombuffer(buf, np.int64, HEADER, base)
        if int(header[0]) != seq:
            return None
        h, w, c = (int(v) for v in header[1:])
        if min(h, w, c) <= 0 or h * w * c > slot_bytes:
            return None
        image = np.frombuffer(buf, np.uint8, h * w * c, base + HEADER_BYTES).reshape(h, w, c).copy()
        if int(header[0]) != seq:
            return None
        return image if c > 1 else image[:, :, 0]

    def _attach(self, name: str) -> mmap.mmap | None:
        buf = self._attached.get(name)
        if buf is not None:
            return buf
        if "/" in name or not name.startswith("vms_"):
            return None  # only our own rings, never a path
        try:
            fd = os.open(os.path.join(self._root, name), os.O_RDONLY)
        except OSError:
            return None
        try:
            buf = mmap.mmap(fd, 0, prot=mmap.PROT_READ)
        except (OSError, ValueError):
            return None
        finally:
            os.close(fd)
        prefix = name.rsplit("_", 1)[0]
        for old in [n for n in self._attached if n.rsplit("_", 1)[0] == prefix]:
            self._attached.pop(old).close()
        self._attached[name] = buf
        return buf

    def close(self) -> None:
        for buf in self._attached.values():
            buf.close()
        self._attached.clear()
