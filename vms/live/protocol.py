"""The worker -> API live relay: what goes over a camera stream's Unix socket, and where it lives.

Each camera worker serves every stream it ingests (`main`, and `sub` where the camera has one) on
its own Unix socket, `state/live/<camera>.<kind>.sock`, next to `<camera>.<kind>.json` (the
stream's codec and size, for choosing a stream without connecting). The API process is the only
client in practice; it connects while someone watches, so the camera is opened once (by the
worker) however many people watch.

Messages are length-prefixed: `>I` payload length, one type byte, payload.
    S  stream header (JSON: StreamInfo) - a new camera connection; codec parameters may differ
    P  packet: `>qqiBd` pts, dts, duration (stream time base), keyframe, wall-clock capture time,
       then the compressed bytes exactly as the camera sent them
    D  the camera connection dropped (JSON: {"reason": ...}); a new S follows when it is back
A client that connects gets S and the packets since the last keyframe (the GOP buffer) at once,
so a new viewer has a picture to decode within one round trip.
"""

from __future__ import annotations

import base64
import json
import os
import struct
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

StreamKind = Literal["main", "sub"]
STREAM_KINDS: tuple[StreamKind, ...] = ("main", "sub")
HEADER = struct.Struct(">IB")
PACKET = struct.Struct(">qqiBd")
_PACKET_MESSAGE = struct.Struct(">IB" + PACKET.format[1:])
MAX_MESSAGE = 16 * 1024 * 1024  # a 4K keyframe is ~1-2 MB; anything bigger is a broken peer
TYPE_STREAM, TYPE_PACKET, TYPE_DOWN = b"S"[0], b"P"[0], b"D"[0]
# sockaddr_un.sun_path is 108 bytes on Linux; longer paths are reached through a directory fd.
_SUN_PATH_MAX = 107


@dataclass(frozen=True)
class StreamInfo:
    """Codec parameters of one camera stream, as its worker's current connection has them."""

    camera_id: str
    kind: StreamKind
    codec: str  # FFmpeg codec name: h264, hevc, ...
    width: int
    height: int
    time_base_num: int
    time_base_den: int
    fps: float
    extradata: bytes = b""

    @property
    def time_base(self) -> Fraction:
        return Fraction(self.time_base_num, self.time_base_den)

    def to_json(self) -> bytes:
        fields = asdict(self)
        fields["extradata"] = base64.b64encode(self.extradata).decode()
        return json.dumps(fields).encode()

    @classmethod
    def from_json(cls, data: bytes) -> "StreamInfo":
        fields = json.loads(data)
        fields["extradata"] = base64.b64decode(fields.get("extradata") or "")
        return cls(**fields)


@dataclass(frozen=True, slots=True)
class RelayPacket:
    pts: int
    dts: int
    duration: int
    keyframe: bool
    wall_ts: float
    data: bytes


def encode_stream(info: StreamInfo) -> bytes:
    payload = info.to_json()
    return HEADER.pack(len(payload), TYPE_STREAM) + payload


def encode_packet(pts: int, dts: int, duration: int, keyframe: bool, wall_ts: float, data: bytes) -> bytes:
    # One pack and one concatenation: the frame is copied once (this runs on the recording thread).
    return _PACKET_MESSAGE.pack(PACKET.size + len(data), TYPE_PACKET, pts, dts, duration, 1 if keyframe else 0,
                                wall_ts) + data


def encode_down(reason: str) -> bytes:
    payload = json.dumps({"reason": reason}).encode()
    return HEADER.pack(len(payload), TYPE_DOWN) + payload


def decode_packet(payload: bytes) -> RelayPacket:
    pts, dts, duration, key, wall = PACKET.unpack_from(payload)
    return RelayPacket(pts, dts, duration, bool(key), wall, payload[PACKET.size:])


def socket_path(live_dir: Path, camera_id: str, kind: StreamKind) -> Path:
    return live_dir / f"{camera_id}.{kind}.sock"


def info_path(live_dir: Path, camera_id: str, kind: StreamKind) -> Path:
    return live_dir / f"{camera_id}.{kind}.json"


_dir_fds: dict[str, int] = {}


def socket_address(path: Path) -> str:
    """A name `bind`/`connect` accept for `path`, however deep the data folder is.

    Paths longer than sun_path go through /proc/self/fd/<fd of the folder>/<name>: the kernel
    resolves the folder by its descriptor, so the address stays short. The descriptor is kept
    open for the process's lifetime (one per folder).
    """
    text = str(path)
    if len(text.encode()) <= _SUN_PATH_MAX:
        return text
    folder = str(path.parent)
    fd = _dir_fds.get(folder)
    if fd is None:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        _dir_fds[folder] = fd
    return f"/proc/self/fd/{fd}/{path.name}"


def read_info(live_dir: Path, camera_id: str, kind: StreamKind) -> dict | None:
    """The stream's published description ({codec, width, height, online, ...}), or None."""
    try:
        return json.loads(info_path(live_dir, camera_id, kind).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
