"""Rule geometry must lie on the camera's picture (main-stream pixels, detectors/rules/config.py).

A zone or line drawn off the picture never fires (or fires on a part of the view that does not
exist): the usual cause is geometry typed for another camera or another resolution, e.g. 1920x1080
coordinates on a 1280x720 camera. The frame is the MAIN stream's size as the camera last reported
it (camera status); before a camera ever connected, a simulated camera's scene gives it; an RTSP or
file camera that has not connected yet is not checked (its size is not known).
"""

from __future__ import annotations

from vms.api.errors import ApiError, register
from vms.config import DetectionSettings, FileSource, RtspSource, SimulatedSource
from vms.db.models import CameraStatus

OUTSIDE_FRAME = register("rule.outside_frame",
                         "{rule}: the point ({x}, {y}) lies outside the camera's picture ({width}x{height})")


def main_frame_size(status: CameraStatus | None, source: RtspSource | FileSource | SimulatedSource) -> tuple[int, int] | None:
    """(width, height) of the camera's main stream, or None when it is not known yet."""
    if status is not None and status.width > 0 and status.height > 0:
        return status.width, status.height
    if isinstance(source, SimulatedSource):
        # Imported here: the simulator package is not needed by the API otherwise.
        from camera_drivers.simulator.script import SceneError, load_scene

        try:
            scene = load_scene(source.scene)
        except (SceneError, OSError):
            return None  # the source check reports a bad scene
        return scene.width, scene.height
    return None


def check_rules_in_frame(detection: DetectionSettings, size: tuple[int, int] | None) -> None:
    """422 `rule.outside_frame` naming the first zone/line point outside [0, width] x [0, height]."""
    if size is None or not detection.rules:
        return
    width, height = size
    for index, rule in enumerate(detection.rules):
        shape = "polygon" if hasattr(rule, "polygon") else "line" if hasattr(rule, "line") else None
        if shape is None:
            continue
        for x, y in getattr(rule, shape):
            if not (0 <= x <= width and 0 <= y <= height):
                raise ApiError(422, OUTSIDE_FRAME, rule=rule.name, x=x, y=y, width=width, height=height,
                               field=f"detection.rules.{index}.{shape}")
