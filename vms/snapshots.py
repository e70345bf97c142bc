"""Still images from recorded footage (decoding only the keyframe needed)."""

from __future__ import annotations

from pathlib import Path

import av
import av.error
import cv2


class SnapshotError(RuntimeError):
    pass


def latest_keyframe_jpeg(path: Path, quality: int = 80) -> bytes:
    """Decode the last keyframe of a segment and encode it as JPEG."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            last_key: av.Packet | None = None
            for packet in container.demux(stream):
                if packet.size and packet.is_keyframe:
                    last_key = packet
            if last_key is None:
                raise SnapshotError("segment holds no keyframe")
            frames = stream.codec_context.decode(last_key) + stream.codec_context.decode(None)
    except (av.error.FFmpegError, OSError) as error:
        raise SnapshotError(f"cannot read {path.name}: {error}") from None
    if not frames:
        raise SnapshotError("keyframe did not decode")
    ok, encoded = cv2.imencode(".jpg", frames[0].to_ndarray(format="bgr24"), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise SnapshotError("JPEG encoding failed")
    return encoded.tobytes()
