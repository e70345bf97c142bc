"""PTZ argument checks, done before anything is sent to the camera (no network)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from camera_drivers.onvif.ptz import Ptz


class _Recorder:
    """Stands in for the zeep PTZ service proxy: records the requests it would send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, op: str):
        async def call(request: dict[str, Any]) -> None:
            self.sent.append((op, request))

        return call


async def _run(what: str, awaitable: Any, ptz: bool = False) -> Any:
    return await awaitable


def _ptz() -> tuple[Ptz, _Recorder]:
    rec = _Recorder()
    return Ptz(rec, "Profile_1", _run), rec


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (
            lambda p: p.continuous_move(0.5, -0.25, 0.0),
            (
                "ContinuousMove",
                {
                    "ProfileToken": "Profile_1",
                    "Velocity": {"PanTilt": {"x": 0.5, "y": -0.25}, "Zoom": {"x": 0.0}},
                },
            ),
        ),
        (
            lambda p: p.continuous_move(1, 0, 0, timeout_s=1.5),
            (
                "ContinuousMove",
                {
                    "ProfileToken": "Profile_1",
                    "Velocity": {"PanTilt": {"x": 1.0, "y": 0.0}, "Zoom": {"x": 0.0}},
                    "Timeout": "PT1.5S",
                },
            ),
        ),
        (lambda p: p.stop(), ("Stop", {"ProfileToken": "Profile_1", "PanTilt": True, "Zoom": True})),
        (
            lambda p: p.absolute_move(-1, 1),
            ("AbsoluteMove", {"ProfileToken": "Profile_1", "Position": {"PanTilt": {"x": -1.0, "y": 1.0}}}),
        ),
        (
            lambda p: p.absolute_move(0, 0, 0.75),
            (
                "AbsoluteMove",
                {
                    "ProfileToken": "Profile_1",
                    "Position": {"PanTilt": {"x": 0.0, "y": 0.0}, "Zoom": {"x": 0.75}},
                },
            ),
        ),
        (lambda p: p.goto_preset("3"), ("GotoPreset", {"ProfileToken": "Profile_1", "PresetToken": "3"})),
    ],
    ids=["continuous", "continuous-timeout", "stop", "absolute-pan-tilt", "absolute-zoom", "goto-preset"],
)
def test_requests_sent(call, expected: tuple[str, dict[str, Any]]) -> None:
    ptz, rec = _ptz()
    asyncio.run(call(ptz))
    assert rec.sent == [expected]


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda p: p.continuous_move(1.5, 0, 0), "pan must be within [-1, 1]"),
        (lambda p: p.continuous_move(0, -2, 0), "tilt must be within [-1, 1]"),
        (lambda p: p.continuous_move(0, 0, 0, timeout_s=0), "timeout_s must be within [0.1, 3600]"),
        (lambda p: p.absolute_move(0, 0, -0.1), "zoom must be within [0, 1]"),
        (lambda p: p.set_preset(""), "preset name must be 1..64 characters"),
    ],
    ids=["pan", "tilt", "timeout", "zoom-position", "preset-name"],
)
def test_out_of_range_is_refused_before_sending(call, words: str) -> None:
    ptz, rec = _ptz()
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]")):
        asyncio.run(call(ptz))
    assert rec.sent == []
