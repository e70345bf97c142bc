"""Where every actor is at scene time t: timed polylines driven by a behaviour clock.

Each actor follows a polyline of timed ground points ("path time"). Behaviours change how fast
path time runs against scene time: stop sets the rate to 0, resume restores it, accelerate
scales it, fall stops the actor and tips it over, vanish removes it. The map scene time -> path
time is piecewise linear, so the state at any t is a closed-form lookup: rendering and ground
truth are pure functions of (script, t), with no simulation state carried between frames.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

from camera_drivers.simulator.layout import lane_line
from camera_drivers.simulator.script import PALETTE, Actor, SceneScript

FALL_SECONDS = 0.5  # a fall tips the box over in this long (box aspect changes smoothly)
_ACCENTS = ("red", "blue", "white", "yellow", "green", "orange", "black", "pink", "cyan", "purple")


@dataclass(frozen=True, slots=True)
class Track:
    """One actor compiled for lookup.

    Attributes:
        track_id: ground-truth track id (scripted actors first, from 1, then background traffic).
        times: (k,) float64 path times of the ground points, strictly increasing.
        points: (k, 2) float64 ground points (x, y), px.
        cumlen: (k,) float64 distance travelled at each point, px (drives walking/wheel animation).
        heading: (k-1,) int8 pose per segment: 0 east, 1 west, 2 south, 3 north.
        clock: (m, 3) float64 rows (scene_t, path_t, rate) of the scene->path time map.
        falls: ((start_s, end_s), ...) fallen intervals in scene time.
        window: (first_s, last_s) scene-time interval in which the actor can be on its path.
    """

    track_id: int
    actor_id: str
    class_name: str
    color: tuple[int, int, int]
    accent: tuple[int, int, int]
    size: float
    times: np.ndarray
    points: np.ndarray
    cumlen: np.ndarray
    heading: np.ndarray
    clock: np.ndarray
    falls: tuple[tuple[float, float], ...]
    window: tuple[float, float]


@dataclass(frozen=True, slots=True)
class ActorState:
    """An actor at one scene time: ground point (x, y), velocity (px/s), pose and fall progress."""

    track: Track
    x: float
    y: float
    vx: float
    vy: float
    heading: int
    fall: float
    distance: float

    @property
    def stopped(self) -> bool:
        return self.vx * self.vx + self.vy * self.vy < 1.0


def compile_actor(script: SceneScript, actor: Actor, track_id: int) -> Track:
    """Turn a scripted actor into a lookup-ready Track."""
    times, points = _timed_points(script, actor)
    seg = np.diff(points, axis=0)
    cumlen = np.concatenate([[0.0], np.cumsum(np.hypot(seg[:, 0], seg[:, 1]))])
    clock, falls, vanish = _clock(actor)
    first = _scene_time_of(clock, times[0])
    last = min(_scene_time_of(clock, times[-1]), vanish)
    accent = _ACCENTS[zlib.crc32(actor.id.encode()) % len(_ACCENTS)]
    return Track(
        track_id=track_id, actor_id=actor.id, class_name=actor.class_name, color=PALETTE[actor.color],
        accent=PALETTE[accent], size=actor.size, times=times, points=points, cumlen=cumlen,
        heading=_headings(seg), clock=clock, falls=falls, window=(first, last),
    )


def _timed_points(script: SceneScript, actor: Actor) -> tuple[np.ndarray, np.ndarray]:
    if actor.waypoints is not None:
        arr = np.asarray(actor.waypoints, dtype=np.float64)
        return arr[:, 0].copy(), arr[:, 1:3].copy()
    if actor.path is not None:
        pts = np.asarray(actor.path, dtype=np.float64)
    else:
        lane = actor.lane
        assert lane is not None  # guaranteed by Actor validation
        line = lane_line(script, lane.road, lane.direction, lane.index, lane.offset_px)
        pts = np.asarray([line.start, line.end], dtype=np.float64)
        if actor.enter_at is not None:
            pts[0, 0 if line.horizontal else 1] = actor.enter_at
    seg = np.hypot(*np.diff(pts, axis=0).T)
    speed = float(actor.speed_px_s or 1.0)
    times = actor.start_s + np.concatenate([[0.0], np.cumsum(seg)]) / speed
    keep = np.concatenate([[True], np.diff(times) > 1e-9])  # drop repeated points (zero-length segments)
    return times[keep], pts[keep]


def _headings(seg: np.ndarray) -> np.ndarray:
    """Pose per segment; zero-length segments (waits) keep the previous pose."""
    out = np.zeros(len(seg), dtype=np.int8)
    prev = 0
    for i, (dx, dy) in enumerate(seg):
        if abs(dx) + abs(dy) > 1e-9:
            prev = (0 if dx >= 0 else 1) if abs(dx) >= abs(dy) else (2 if dy >= 0 else 3)
        out[i] = prev
    first_moving = next((i for i, (dx, dy) in enumerate(seg) if abs(dx) + abs(dy) > 1e-9), None)
    if first_moving is not None:
        out[:first_moving] = out[first_moving]
    return out


def _clock(actor: Actor) -> tuple[np.ndarray, tuple[tuple[float, float], ...], float]:
    """Scene->path time map, fallen intervals and vanish time from the behaviour list."""
    rows = [(0.0, 0.0, 1.0)]
    factor, halted = 1.0, False
    falls: list[list[float]] = []
    vanish = math.inf
    for b in actor.behaviours:
        t0, tau0, rate0 = rows[-1]
        tau = tau0 + rate0 * (b.at_s - t0)
        if b.action == "stop" or b.action == "fall":
            halted = True
            if b.action == "fall" and not (falls and falls[-1][1] == math.inf):
                falls.append([b.at_s, math.inf])
        elif b.action == "resume":
            halted = False
            if falls and falls[-1][1] == math.inf:
                falls[-1][1] = b.at_s
        elif b.action == "accelerate":
            factor = b.factor
        else:  # vanish
            vanish = min(vanish, b.at_s)
        rows.append((b.at_s, tau, 0.0 if halted else factor))
    return np.asarray(rows, dtype=np.float64), tuple((a, b) for a, b in falls), vanish


def _path_time(clock: np.ndarray, t: float) -> tuple[float, float]:
    """(path time, rate) at scene time t."""
    i = max(int(np.searchsorted(clock[:, 0], t, side="right")) - 1, 0)
    t0, tau0, rate = clock[i]
    return float(tau0 + rate * (t - t0)), float(rate)


def _scene_time_of(clock: np.ndarray, tau: float) -> float:
    """First scene time at which path time reaches tau (inf if it never does)."""
    for i, (t0, tau0, rate) in enumerate(clock):
        t_end = clock[i + 1, 0] if i + 1 < len(clock) else math.inf
        if tau <= tau0:
            return float(t0 - (tau0 - tau)) if i == 0 else float(t0)
        if rate > 0 and tau0 + rate * (t_end - t0) >= tau:
            return float(t0 + (tau - tau0) / rate)
    return math.inf


def state_at(track: Track, t: float) -> ActorState | None:
    """State of `track` at scene time t, or None if it is not on its path then."""
    first, last = track.window
    if not first <= t < last:
        return None
    tau, rate = _path_time(track.clock, t)
    times = track.times
    if tau < times[0] or tau > times[-1]:
        return None
    i = min(max(int(np.searchsorted(times, tau, side="right")) - 1, 0), len(times) - 2)
    span = times[i + 1] - times[i]
    f = (tau - times[i]) / span
    p0, p1 = track.points[i], track.points[i + 1]
    x, y = p0 + f * (p1 - p0)
    vx, vy = (p1 - p0) * (rate / span)
    fall = 0.0
    for start, end in track.falls:
        if start <= t < end:
            fall = min((t - start) / FALL_SECONDS, 1.0)
    distance = track.cumlen[i] + f * (track.cumlen[i + 1] - track.cumlen[i])
    return ActorState(track, float(x), float(y), float(vx), float(vy), int(track.heading[i]), fall, float(distance))
