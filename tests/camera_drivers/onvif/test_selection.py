"""Main/sub stream choice among media profiles (no network)."""

from __future__ import annotations

import pytest

from camera_drivers.onvif.errors import NoH264Profile
from camera_drivers.onvif.models import MediaProfile
from camera_drivers.onvif.selection import select_streams


def _p(token: str, encoding: str | None, w: int, h: int, fps: float | None = 25.0) -> MediaProfile:
    return MediaProfile(token=token, name=token, encoding=encoding, width=w, height=h, fps=fps, has_ptz=False)


@pytest.mark.parametrize(
    ("profiles", "main", "sub"),
    [
        ([_p("m", "H264", 1920, 1080), _p("s", "H264", 640, 360)], "m", "s"),
        ([_p("s", "H264", 640, 360), _p("m", "H264", 2560, 1440)], "m", "s"),
        ([_p("m", "H264", 1920, 1080), _p("s", "H264", 704, 576), _p("t", "H264", 352, 288)], "m", "t"),
        ([_p("j", "JPEG", 3840, 2160), _p("m", "H264", 1280, 720), _p("s", "H264", 640, 480)], "m", "s"),
        ([_p("only", "H264", 1280, 720), _p("mj", "JPEG", 640, 360)], "only", "only"),
        ([_p("a", "H264", 1280, 720, 12), _p("b", "H264", 1280, 720, 25)], "b", "b"),
        ([_p("a", "H264", 640, 360), _p("b", "H264", 640, 360)], "a", "a"),
        ([_p("m", "h264", 1920, 1080), _p("s", "H.264", 640, 360)], "m", "s"),
        ([_p("m", "H264", 0, 0, None), _p("s", "H264", 640, 360)], "s", "s"),
        ([_p("m", "H264", 1920, 1080), _p("s", "H264", 640, 360), _p("q", "H264", 176, 144)], "m", "s"),
        ([_p("m", "H264", 1920, 1080), _p("s", "H264", 320, 240)], "m", "s"),
    ],
    ids=[
        "usual",
        "sub-listed-first",
        "three-streams",
        "skip-mjpeg",
        "single-h264",
        "fps-tiebreak",
        "full-tie-keeps-order",
        "spelling",
        "unknown-size-is-not-a-sub-stream",
        "qcif-too-small-for-analysis",
        "320-wide-is-enough",
    ],
)
def test_select_streams(profiles: list[MediaProfile], main: str, sub: str) -> None:
    got = select_streams(profiles)
    assert (got[0].token, got[1].token) == (main, sub)


@pytest.mark.parametrize(
    ("profiles", "listed"),
    [
        ([_p("j", "JPEG", 1280, 720), _p("h", "H265", 3840, 2160)], "JPEG 1280x720, H265 3840x2160"),
        ([_p("x", None, 0, 0)], "? 0x0"),
        ([], "no profiles"),
    ],
    ids=["mjpeg-and-h265", "no-encoder", "empty"],
)
def test_no_h264_profile_names_what_was_found(profiles: list[MediaProfile], listed: str) -> None:
    with pytest.raises(NoH264Profile) as err:
        select_streams(profiles, "The camera at 10.0.0.5:80")
    assert str(err.value).startswith(f"The camera at 10.0.0.5:80 offers no H.264 stream (found: {listed}).")
