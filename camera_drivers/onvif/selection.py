"""Choose the recorded (main) and detection (sub) streams among a camera's media profiles."""

from __future__ import annotations

from collections.abc import Sequence

from camera_drivers.onvif.errors import NoH264Profile
from camera_drivers.onvif.models import MediaProfile


SUB_MIN_WIDTH = 320  # px: narrower sub streams are too coarse for detection


def _is_h264(profile: MediaProfile) -> bool:
    return (profile.encoding or "").upper().replace(".", "") == "H264"


def select_streams(
    profiles: Sequence[MediaProfile], where: str = "the camera"
) -> tuple[MediaProfile, MediaProfile]:
    """(main, sub): the highest-resolution H.264 profile, and the lowest-resolution one at least
    SUB_MIN_WIDTH px wide (analysis needs that much; a 176x144 QCIF profile is useless).

    Ties on pixel count go to the higher frame rate, then to the camera's own order (the
    first listed profile is usually the vendor's main stream). With one usable H.264 profile,
    main and sub are the same profile (the camera has no sub stream). Profiles of unknown size
    (0 x 0) can be the sub stream only when nothing else is. Raises NoH264Profile when none is H.264.
    """
    h264 = [p for p in profiles if _is_h264(p)]
    if not h264:
        found = ", ".join(f"{p.encoding or '?'} {p.width}x{p.height}" for p in profiles) or "no profiles"
        raise NoH264Profile(
            f"{where} offers no H.264 stream (found: {found}). "
            "Set the main and sub streams to H.264 in the camera's web page, then try again.",
            "", where=where, found=found,
        )
    order = {p.token: i for i, p in enumerate(h264)}

    def rank(p: MediaProfile) -> tuple[int, float, int]:
        return (p.width * p.height, p.fps or 0.0, -order[p.token])

    main = max(h264, key=rank)
    wide_enough = [p for p in h264 if p.width >= SUB_MIN_WIDTH] or [main]
    sub = min(wide_enough, key=lambda p: (p.width * p.height, -(p.fps or 0.0), order[p.token]))
    return main, sub
