"""Background traffic: road users generated from the scene seed so the street looks alive.

Arrivals are a Poisson process at `traffic.rate_per_min`; each arrival draws a class from
`traffic.mix` (motorbike-heavy by default), a lane or sidewalk, a speed and a colour. Vehicles in
one lane never overtake each other: a newcomer is held back or slowed so it keeps a headway
behind the previous one. The result is ordinary `Actor` models, compiled like scripted ones.
"""

from __future__ import annotations

import numpy as np

from camera_drivers.simulator.layout import lane_line, road_span, sidewalk_lines
from camera_drivers.simulator.script import PALETTE, Actor, SceneScript

# Speed ranges in px/s at 640 px frame width (scaled with the frame).
_SPEED = {
    "motorbike": (55, 95), "car": (50, 85), "truck": (40, 60), "bus": (38, 55),
    "bicycle": (22, 35), "person": (10, 18),
}
_VEHICLE_COLORS = ("white", "silver", "black", "grey", "red", "blue", "dark_blue", "maroon", "beige", "yellow")
_HEADWAY_S = 1.2


def generate_traffic(script: SceneScript) -> list[Actor]:
    """Background actors for `script` (empty when traffic.rate_per_min is 0). Deterministic by seed."""
    cfg = script.traffic
    end = cfg.end_s if cfg.end_s is not None else script.duration_s
    if cfg.rate_per_min <= 0 or end <= cfg.start_s or not cfg.mix:
        return []
    rng = np.random.default_rng([script.seed, 0x7AFF1C])
    classes = list(cfg.mix)
    weights = np.asarray([cfg.mix[c] for c in classes], dtype=np.float64)
    weights /= weights.sum()
    scale = script.width / 640.0
    lane_free: dict[tuple, tuple[float, float]] = {}  # lane -> (entry_s, exit_s) of the last vehicle
    actors: list[Actor] = []
    t = cfg.start_s
    while len(actors) < 2000:
        t += float(rng.exponential(60.0 / cfg.rate_per_min))
        if t >= end:
            break
        if any(a <= t < b for a, b in cfg.quiet):
            continue
        cls = classes[int(rng.choice(len(classes), p=weights))]
        lo, hi = _SPEED[cls]
        speed = float(rng.uniform(lo, hi)) * scale
        ident = f"bg{len(actors) + 1:04d}"
        if cls == "person":
            actor = _pedestrian(script, rng, ident, t, speed)
        else:
            actor = _vehicle(script, rng, ident, cls, t, speed, lane_free)
        if actor is not None:
            actors.append(actor)
    return actors


def _vehicle(script: SceneScript, rng: np.random.Generator, ident: str, cls: str, t: float, speed: float,
             lane_free: dict[tuple, tuple[float, float]]) -> Actor | None:
    road = script.layout.roads[int(rng.integers(len(script.layout.roads)))]
    dirs = ("east", "west") if road.axis == "horizontal" else ("south", "north")
    direction = dirs[int(rng.integers(2))]
    n = road.lanes_per_direction
    # Two-wheelers keep to the kerb lane, big vehicles to the inner lanes.
    if cls in ("motorbike", "bicycle"):
        index = 0 if n == 1 or rng.random() < 0.7 else int(rng.integers(n))
    else:
        index = n - 1 if n == 1 or rng.random() < 0.7 else int(rng.integers(n))
    offset = float(rng.uniform(-0.25, 0.25)) * road.lane_width if cls in ("motorbike", "bicycle") else 0.0
    line = lane_line(script, road.id, direction, index, offset)
    length = float(np.hypot(line.end[0] - line.start[0], line.end[1] - line.start[1]))
    open_lanes = [i for i in range(n) if not _closed(script, road.id, direction, i, t, t + length / speed)]
    if not open_lanes:
        return None
    if index not in open_lanes:
        index = min(open_lanes, key=lambda i: abs(i - index))
        line = lane_line(script, road.id, direction, index, offset)
    key = (road.id, direction, index, cls in ("motorbike", "bicycle"))
    if key in lane_free:
        prev_entry, prev_exit = lane_free[key]
        t = max(t, prev_entry + _HEADWAY_S)
        latest_speed = length / max(prev_exit + _HEADWAY_S - t, 1e-3)
        speed = min(speed, latest_speed)
        if speed < _SPEED[cls][0] * 0.5 * script.width / 640.0:
            return None  # lane congested: skip this arrival rather than crawl
    lane_free[key] = (t, t + length / speed)
    return Actor.model_validate({
        "id": ident, "class": cls, "color": _VEHICLE_COLORS[int(rng.integers(len(_VEHICLE_COLORS)))],
        "size": float(rng.uniform(0.9, 1.1)),
        "lane": {"road": road.id, "direction": direction, "index": index, "offset_px": offset},
        "speed_px_s": speed, "start_s": t,
    })


def _closed(script: SceneScript, road: str, direction: str, index: int, t0: float, t1: float) -> bool:
    """True if the lane is closed to background traffic at any time in [t0, t1]."""
    return any(c.road == road and c.direction == direction and c.index == index and c.start_s <= t1
               and t0 <= c.end_s for c in script.traffic.closed_lanes)


def _pedestrian(script: SceneScript, rng: np.random.Generator, ident: str, t: float, speed: float) -> Actor:
    road = script.layout.roads[int(rng.integers(len(script.layout.roads)))]
    crossings = [c for c in script.layout.crossings if c.road == road.id]
    w, h, m = script.width, script.height, 30.0
    if crossings and rng.random() < script.traffic.crossing_share:
        c = crossings[int(rng.integers(len(crossings)))]
        low, high = road_span(road)
        a, b = low - script.layout.sidewalk_width * 0.5, high + script.layout.sidewalk_width * 0.5
        lane_pos = c.at + float(rng.uniform(-0.3, 0.3)) * c.width
        if rng.random() < 0.5:
            a, b = b, a
        path = [(lane_pos, a), (lane_pos, b)] if road.axis == "horizontal" else [(a, lane_pos), (b, lane_pos)]
        # Walk along the far sidewalk out of the frame after crossing.
        exit_x = -m if rng.random() < 0.5 else w + m
        path.append((exit_x, b) if road.axis == "horizontal" else (b, h + m))
    else:
        walk = sidewalk_lines(script, road)[int(rng.integers(2))] + float(rng.uniform(-4, 4))
        ends = [-m, w + m] if road.axis == "horizontal" else [-m, h + m]
        if rng.random() < 0.5:
            ends.reverse()
        path = [(e, walk) for e in ends] if road.axis == "horizontal" else [(walk, e) for e in ends]
    palette = list(PALETTE)
    return Actor.model_validate({
        "id": ident, "class": "person", "color": palette[int(rng.integers(len(palette)))],
        "size": float(rng.uniform(0.9, 1.1)), "path": path, "speed_px_s": speed, "start_s": t,
    })
