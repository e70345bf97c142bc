"""Choose the recorded (main) and detection (sub) streams among a camera's media profiles."""

from __future__ import annotations

from collections.abc import Sequence

from camera_drivers.onvif.errors import NoH264Profile
from camera_drivers.onvif.models import MediaProfile


def _is_h264(profile: MediaProfile) -> bool:
    return (profile.encoding or "").upper().replace(".", "") == "H264"


def select_streams(
    profiles: Sequence[MediaProfile], where: str = "the camera"
) -> tuple[MediaProfile, MediaProfile]:
    """(main, sub): the highest- and the lowest-resolution H.264 profiles.

    Ties on pixel count go to the higher frame rate, then to the camera's own order (the
    first listed profile is usually the vendor's main stream). With one H.264 profile, main
    and sub are the same profile. Raises NoH264Profile when none is H.264.
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
    sub = min(h264, key=lambda p: (p.width * p.height, -(p.fps or 0.0), order[p.token]))
    return main, sub
