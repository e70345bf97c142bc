"""Inspecting segment files after the fact: probing, and recovering partials left by a crash."""

from __future__ import annotations

import glob
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import av
import av.error

from camera_drivers.recorder import PARTIAL_SUFFIX, ClosedSegment, fsync_file_and_dir, parse_segment_start

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SegmentProbe:
    """What a segment file holds: video packets, keyframes and media duration in seconds; its audio."""

    packets: int
    keyframes: int
    duration_s: float
    audio_codec: str = ""  # "" when the segment has no audio track
    audio_packets: int = 0
    audio_start_s: float = 0.0  # media time of the first audio sample (video starts at 0)
    audio_end_s: float = 0.0  # media time just after the last audio sample


def probe_segment(path: Path) -> SegmentProbe:
    """Read all packets of a segment (no decode). Raises av.error.FFmpegError if unreadable."""
    packets = keyframes = audio_packets = 0
    first_pts: int | None = None
    last_end = 0
    audio_first: float | None = None
    audio_end = 0.0
    with av.open(str(path), format="mp4") as container:
        stream = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        time_base = stream.time_base
        for packet in container.demux(*([stream] + ([audio] if audio is not None else []))):
            if packet.size == 0 or packet.pts is None:
                continue
            if packet.stream.type == "audio":
                audio_packets += 1
                start = float(packet.pts * packet.time_base)
                audio_first = start if audio_first is None else min(audio_first, start)
                audio_end = max(audio_end, start + float((packet.duration or 0) * packet.time_base))
                continue
            packets += 1
            keyframes += int(packet.is_keyframe)
            if first_pts is None:
                first_pts = packet.pts
            last_end = max(last_end, packet.pts + (packet.duration or 0))
        audio_codec = audio.codec_context.name if audio is not None else ""
    duration = float((last_end - (first_pts or 0)) * time_base) if packets else 0.0
    origin = float((first_pts or 0) * time_base)
    return SegmentProbe(packets=packets, keyframes=keyframes, duration_s=duration, audio_codec=audio_codec,
                        audio_packets=audio_packets, audio_start_s=(audio_first or origin) - origin,
                        audio_end_s=audio_end - origin if audio_packets else 0.0)


def decodable_frames(path: Path) -> int:
    """Decode every frame of a file and count them (used by tests and integrity checks)."""
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def complete_fragments_length(path: Path) -> int:
    """Byte length of the file without its torn tail: whole top-level MP4 boxes only.

    A crash can cut a fragmented MP4 anywhere. Everything before the torn box is valid, except a
    `moof` whose `mdat` was lost, which would point at missing bytes; it is dropped too.
    """
    size = path.stat().st_size
    boxes: list[tuple[bytes, int]] = []  # (type, end offset)
    offset = 0
    with open(path, "rb") as handle:
        while offset + 8 <= size:
            handle.seek(offset)
            header = handle.read(16)
            box_size = int.from_bytes(header[:4], "big")
            if box_size == 1 and len(header) == 16:
                box_size = int.from_bytes(header[8:16], "big")  # 64-bit "largesize"
            if box_size < 8 or offset + box_size > size:
                break
            offset += box_size
            boxes.append((header[4:8], offset))
    while boxes and boxes[-1][0] == b"moof":
        boxes.pop()
    if not any(kind == b"mdat" for kind, _ in boxes):
        return 0
    return boxes[-1][1]


def recover_partial(path: Path, camera_id: str) -> ClosedSegment | None:
    """Finish a `.partial` segment left by a crash, or delete it if nothing in it is playable.

    The torn tail is cut off at the last complete fragment; a partial with at least one keyframe
    left is renamed to its final name and returned with bounds from its name and content.
    """
    final = path.with_name(path.name.removesuffix(PARTIAL_SUFFIX))
    keep = complete_fragments_length(path)
    if keep == 0:
        path.unlink(missing_ok=True)
        return None
    os.truncate(path, keep)
    try:
        probe = probe_segment(path)
    except (av.error.FFmpegError, OSError, IndexError) as error:
        log.warning("%s: partial %s unreadable (%s); removing", camera_id, path.name, error)
        probe = SegmentProbe(0, 0, 0.0)
    if probe.keyframes == 0 or probe.duration_s <= 0:
        path.unlink(missing_ok=True)
        return None
    fsync_file_and_dir(path)
    os.replace(path, final)
    start = parse_segment_start(final)
    return ClosedSegment(camera_id, start, start + probe.duration_s, final, final.stat().st_size)


def find_partials(root: Path, camera_id: str | None = None) -> list[tuple[str, Path]]:
    """All `.partial` files under a recordings root (of one camera, if given), with the camera id
    (first path component)."""
    found: list[tuple[str, Path]] = []
    if not root.is_dir():
        return found
    folder = "*" if camera_id is None else glob.escape(camera_id)
    for path in sorted(root.glob(f"{folder}/*/*/*.mp4{PARTIAL_SUFFIX}")):
        found.append((path.relative_to(root).parts[0], path))
    return found
