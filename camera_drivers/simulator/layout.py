"""Road geometry shared by the background painter, lane-driving actors and background traffic.

Traffic drives on the right (Vietnam): on a horizontal road eastbound lanes are the lower
(nearer) half, on a vertical road southbound lanes are the left half. Lane index 0 is the lane
next to the kerb, where motorbikes ride.
"""

from __future__ import annotations

from dataclasses import dataclass

from camera_drivers.simulator.script import Road, SceneScript

# Ground contact point of a vehicle sits a little below the lane centre line (oblique view).
GROUND_OFFSET = 0.3


@dataclass(frozen=True, slots=True)
class LanePath:
    """A lane as a straight line crossing the whole frame, in driving order.

    Attributes:
        start: (x, y) ground point where the lane enters the frame.
        end: (x, y) ground point where it leaves.
        horizontal: True if the lane runs along x.
    """

    start: tuple[float, float]
    end: tuple[float, float]
    horizontal: bool


def lane_line(script: SceneScript, road_id: str, direction: str, index: int, offset_px: float = 0.0,
              margin: float = 70.0) -> LanePath:
    """Ground line of a lane from `margin` px outside one frame edge to `margin` px outside the other."""
    road = road_by_id(script, road_id)
    dist = road.lane_width * (road.lanes_per_direction - index - 0.5) + offset_px
    w, h = script.width, script.height
    if road.axis == "horizontal":
        y = road.center + (dist if direction == "east" else -dist) + GROUND_OFFSET * road.lane_width
        xs = (-margin, w + margin) if direction == "east" else (w + margin, -margin)
        return LanePath((xs[0], y), (xs[1], y), True)
    x = road.center + (-dist if direction == "south" else dist)
    ys = (-margin, h + margin) if direction == "south" else (h + margin, -margin)
    return LanePath((x, ys[0]), (x, ys[1]), False)


def road_by_id(script: SceneScript, road_id: str) -> Road:
    return next(r for r in script.layout.roads if r.id == road_id)


def road_span(road: Road) -> tuple[float, float]:
    """(low, high) edge of the carriageway across the road axis, px."""
    half = road.lanes_per_direction * road.lane_width
    return road.center - half, road.center + half


def sidewalk_lines(script: SceneScript, road: Road) -> list[float]:
    """Ground coordinates (across the road axis) of the middle of each sidewalk of `road`."""
    low, high = road_span(road)
    half = script.layout.sidewalk_width / 2
    return [low - half + 4, high + half + 4] if road.axis == "horizontal" else [low - half, high + half]
