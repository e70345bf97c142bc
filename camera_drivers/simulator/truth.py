"""Ground truth: which objects are where at scene time t, as struct-of-arrays, plus incidents.

Boxes follow from the actor's ground point, class, pose, size and a depth scale (objects near the
top of the frame are smaller). The renderer draws inside exactly these boxes, so ground truth and
pixels agree by construction. Boxes are clipped to the frame; `truncated` and `occluded` say how
much of each box is outside the frame or hidden behind nearer objects (drawn later, larger y).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from camera_drivers.simulator.kinematics import ActorState, Track, compile_actor, state_at
from camera_drivers.simulator.script import SceneScript
from camera_drivers.simulator.traffic import generate_traffic

# Box (w, h) in px at scale 1 for a 640 px wide frame: side pose (moving along x), front pose
# (moving along y), lying (fallen).
BOX_SIZE: dict[str, dict[str, tuple[float, float]]] = {
    "car": {"side": (62, 30), "front": (34, 32)},
    "truck": {"side": (92, 44), "front": (42, 48)},
    "bus": {"side": (118, 46), "front": (44, 52)},
    "motorbike": {"side": (30, 30), "front": (14, 32), "lying": (40, 15)},
    "bicycle": {"side": (30, 30), "front": (12, 32), "lying": (40, 14)},
    "person": {"side": (12, 30), "front": (12, 30), "lying": (30, 11)},
}
MIN_VISIBLE_PX = 3.0  # a clipped box narrower or lower than this is not "visible"
BLOCKING_TAMPER = frozenset({"blackout"})  # no object is visible through these


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """Every visible object at one scene time (n objects, parallel arrays).

    Attributes:
        t: scene time, s.
        frame_index: round(t * fps) within the loop.
        track_id: (n,) int32 stable id per actor (scripted actors from 1 in script order).
        actor_id: (n,) str actor id from the script ("bg0001" ... for background traffic).
        class_name: (n,) str class ("car", "truck", "bus", "motorbike", "bicycle", "person").
        xyxy: (n, 4) float32 boxes clipped to the frame, px.
        fallen: (n,) bool the actor is down (fall finished or in progress).
        stopped: (n,) bool speed under 1 px/s.
        velocity: (n, 2) float32 ground-point velocity, px/s.
        occluded: (n,) float32 fraction of the box hidden by nearer objects, 0..1.
        truncated: (n,) float32 fraction of the unclipped box outside the frame, 0..1.
        tamper: active tamper effect types at t.
        incidents: ids of scripted incidents active at t.
    """

    t: float
    frame_index: int
    track_id: np.ndarray
    actor_id: np.ndarray
    class_name: np.ndarray
    xyxy: np.ndarray
    fallen: np.ndarray
    stopped: np.ndarray
    velocity: np.ndarray
    occluded: np.ndarray
    truncated: np.ndarray
    tamper: tuple[str, ...] = ()
    incidents: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return int(self.track_id.shape[0])

    def to_records(self) -> list[dict]:
        """Objects as JSON-friendly dicts (one per object)."""
        return [
            {"track_id": int(self.track_id[i]), "actor_id": str(self.actor_id[i]),
             "class_name": str(self.class_name[i]), "xyxy": [round(float(v), 2) for v in self.xyxy[i]],
             "fallen": bool(self.fallen[i]), "stopped": bool(self.stopped[i]),
             "occluded": round(float(self.occluded[i]), 3), "truncated": round(float(self.truncated[i]), 3)}
            for i in range(len(self))
        ]


class CompiledScene:
    """A script with its actors (scripted + generated traffic) compiled for fast lookup by time."""

    def __init__(self, script: SceneScript):
        self.script = script
        actors = list(script.actors) + generate_traffic(script)
        self.tracks: list[Track] = [compile_actor(script, a, i + 1) for i, a in enumerate(actors)]
        self._first = np.asarray([tr.window[0] for tr in self.tracks], dtype=np.float64)
        self._last = np.asarray([tr.window[1] for tr in self.tracks], dtype=np.float64)
        self._frame_scale = script.width / 640.0

    def states_at(self, t: float) -> list[ActorState]:
        """States of actors on their paths at t, far to near (ascending ground y = drawing order)."""
        live = np.flatnonzero((self._first <= t) & (t < self._last))
        states = [s for i in live if (s := state_at(self.tracks[i], t)) is not None]
        states.sort(key=lambda s: (s.y, s.track.track_id))
        return states

    def box(self, s: ActorState) -> tuple[float, float, float, float]:
        """Unclipped box (x0, y0, x1, y1) of an actor state: bottom centre at the ground point."""
        sizes = BOX_SIZE[s.track.class_name]
        w, h = sizes["side" if s.heading < 2 else "front"]
        if s.fall > 0:
            lw, lh = sizes["lying"]
            w, h = w + (lw - w) * s.fall, h + (lh - h) * s.fall
        k = self.scale_at(s.y) * s.track.size * self._frame_scale
        w, h = w * k, h * k
        return s.x - w / 2, s.y - h, s.x + w / 2, s.y

    def scale_at(self, y: float) -> float:
        """Depth scale at ground y: 1 at the bottom edge, 1 - depth_scale at the top edge."""
        d = self.script.lighting.depth_scale
        return 1.0 - d * (1.0 - min(max(y / self.script.height, 0.0), 1.0))


def active_tamper(script: SceneScript, t: float) -> list:
    """Tamper items active at scene time t, in script order."""
    return [e for e in script.tamper if e.start_s <= t < e.end_s]


def objects_from_states(scene: CompiledScene, states: list[ActorState], t: float) -> GroundTruth:
    """Ground truth for states (already in drawing order) at scene time t."""
    script = scene.script
    tamper = active_tamper(script, t)
    names = tuple(e.type for e in tamper)
    blocked = any(e.type in BLOCKING_TAMPER or (e.type == "cover" and e.strength >= 0.8) for e in tamper)
    dx = sum(e.shift_px[0] for e in tamper if e.type == "moved")
    dy = sum(e.shift_px[1] for e in tamper if e.type == "moved")
    raw = np.asarray([scene.box(s) for s in states], dtype=np.float64).reshape(-1, 4) + [dx, dy, dx, dy]
    clipped = raw.copy()
    clipped[:, 0::2] = clipped[:, 0::2].clip(0, script.width)
    clipped[:, 1::2] = clipped[:, 1::2].clip(0, script.height)
    cw, ch = clipped[:, 2] - clipped[:, 0], clipped[:, 3] - clipped[:, 1]
    keep = (cw >= MIN_VISIBLE_PX) & (ch >= MIN_VISIBLE_PX) & (not blocked)
    area = np.maximum((raw[:, 2] - raw[:, 0]) * (raw[:, 3] - raw[:, 1]), 1e-9)
    truncated = 1.0 - cw * ch / area
    occluded = _occlusion(clipped)
    idx = np.flatnonzero(keep)
    incidents = tuple(i.id for i in script.incidents if i.start_s <= t <= i.end_s)
    return GroundTruth(
        t=t, frame_index=round(t * script.fps),
        track_id=np.asarray([states[i].track.track_id for i in idx], dtype=np.int32),
        actor_id=np.asarray([states[i].track.actor_id for i in idx], dtype=str),
        class_name=np.asarray([states[i].track.class_name for i in idx], dtype=str),
        xyxy=clipped[idx].astype(np.float32).reshape(-1, 4),
        fallen=np.asarray([states[i].fall > 0 for i in idx], dtype=bool),
        stopped=np.asarray([states[i].stopped for i in idx], dtype=bool),
        velocity=np.asarray([(states[i].vx, states[i].vy) for i in idx], dtype=np.float32).reshape(-1, 2),
        occluded=occluded[idx].astype(np.float32), truncated=truncated[idx].astype(np.float32),
        tamper=names, incidents=incidents,
    )


def _occlusion(boxes: np.ndarray) -> np.ndarray:
    """Fraction of each box covered by the union of later (nearer) boxes; boxes (n, 4) in drawing order."""
    n = len(boxes)
    out = np.zeros(n, dtype=np.float64)
    for i in range(n - 1):
        x0, y0, x1, y1 = np.floor(boxes[i]).astype(int)
        if x1 <= x0 or y1 <= y0:
            continue
        later = boxes[i + 1:]
        hit = (later[:, 0] < x1) & (later[:, 2] > x0) & (later[:, 1] < y1) & (later[:, 3] > y0)
        if not hit.any():
            continue
        mask = np.zeros((y1 - y0, x1 - x0), dtype=bool)
        for bx0, by0, bx1, by1 in later[hit]:
            mask[max(int(by0) - y0, 0):max(math.ceil(by1) - y0, 0),
                 max(int(bx0) - x0, 0):max(math.ceil(bx1) - x0, 0)] = True
        out[i] = mask.mean()
    return out


@dataclass(frozen=True, slots=True)
class IncidentTruth:
    """One ground-truth incident (scripted, or derived from a tamper item)."""

    id: str
    type: str
    start_s: float
    end_s: float
    actors: tuple[str, ...]
    region: tuple[tuple[float, float], ...] | None
    note: str


def incidents(script: SceneScript) -> list[IncidentTruth]:
    """Scripted incidents plus one `tamper` incident per tamper item, sorted by start time."""
    out = [IncidentTruth(i.id, i.type, i.start_s, i.end_s, i.actors, i.region, i.note) for i in script.incidents]
    out += [IncidentTruth(f"tamper{k + 1}", "tamper", e.start_s, e.end_s, (), None, e.type)
            for k, e in enumerate(script.tamper)]
    return sorted(out, key=lambda i: (i.start_s, i.id))


def ground_truth_track(script: SceneScript, t0: float = 0.0, t1: float | None = None,
                       scene: CompiledScene | None = None) -> Iterator[GroundTruth]:
    """Per-frame ground truth for frames with scene time in [t0, t1) (t1 defaults to the duration)."""
    scene = scene or CompiledScene(script)
    end = script.duration_s if t1 is None else t1
    first = math.ceil(t0 * script.fps - 1e-9)
    last = math.ceil(end * script.fps - 1e-9)
    for k in range(first, last):
        t = k / script.fps
        yield objects_from_states(scene, scene.states_at(t), t)
