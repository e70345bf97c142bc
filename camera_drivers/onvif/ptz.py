"""PTZ control of one profile: continuous move, stop, absolute move, presets.

Speeds and positions use ONVIF's generic spaces: pan/tilt in [-1, 1], zoom speed in [-1, 1],
zoom position in [0, 1]. Operations a camera lacks raise ``PtzNotSupported`` (for example
ipycam answers GetPresets with XML zeep cannot read: that is reported, not a crash).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from camera_drivers.onvif.models import PtzPreset

T = TypeVar("T")
Runner = Callable[..., Awaitable[Any]]


def _check(name: str, value: float, low: float, high: float) -> float:
    if not low <= value <= high:
        raise ValueError(f"{name} must be within [{low:g}, {high:g}], got {value!r}")
    return float(value)


def _duration(seconds: float) -> str:
    """xs:duration for ContinuousMove's Timeout, e.g. 1.5 -> 'PT1.5S'."""
    return f"PT{_check('timeout_s', seconds, 0.1, 3600):g}S"


class Ptz:
    """PTZ commands for one media profile; build it with ``OnvifCamera.ptz()``."""

    def __init__(self, service: Any, profile_token: str, run: Runner) -> None:
        self._service = service
        self.profile_token = profile_token
        self._run = run  # OnvifCamera._run: timeout + error mapping

    async def _call(self, op: str, params: dict[str, Any]) -> Any:
        request = {"ProfileToken": self.profile_token, **params}
        return await self._run(f"PTZ {op}", getattr(self._service, op)(request), ptz=True)

    async def continuous_move(
        self, pan: float, tilt: float, zoom: float = 0.0, timeout_s: float | None = None
    ) -> None:
        """Move at the given speeds until ``stop()`` (or until the camera's ``timeout_s`` runs out)."""
        velocity = {
            "PanTilt": {"x": _check("pan", pan, -1, 1), "y": _check("tilt", tilt, -1, 1)},
            "Zoom": {"x": _check("zoom", zoom, -1, 1)},
        }
        params: dict[str, Any] = {"Velocity": velocity}
        if timeout_s is not None:
            params["Timeout"] = _duration(timeout_s)
        await self._call("ContinuousMove", params)

    async def stop(self, pan_tilt: bool = True, zoom: bool = True) -> None:
        await self._call("Stop", {"PanTilt": pan_tilt, "Zoom": zoom})

    async def absolute_move(self, pan: float, tilt: float, zoom: float | None = None) -> None:
        """Go to a position; ``zoom`` None leaves the zoom as it is."""
        position: dict[str, Any] = {
            "PanTilt": {"x": _check("pan", pan, -1, 1), "y": _check("tilt", tilt, -1, 1)}
        }
        if zoom is not None:
            position["Zoom"] = {"x": _check("zoom", zoom, 0, 1)}
        await self._call("AbsoluteMove", {"Position": position})

    async def presets(self) -> list[PtzPreset]:
        reply = await self._call("GetPresets", {})
        return [
            PtzPreset(token=p.token, name=getattr(p, "Name", None) or "") for p in (reply or []) if p.token
        ]

    async def goto_preset(self, token: str) -> None:
        await self._call("GotoPreset", {"PresetToken": token})

    async def set_preset(self, name: str) -> str:
        """Store the current position under ``name``; returns the new preset token."""
        if not 1 <= len(name) <= 64:
            raise ValueError("preset name must be 1..64 characters")
        reply = await self._call("SetPreset", {"PresetName": name})
        return str(getattr(reply, "PresetToken", reply))
