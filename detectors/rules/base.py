"""What every rule shares: the event record rules emit and the short track history they read.

`TrackHistory` turns the tracker's per-frame output into a `TrackTable` (parallel arrays:
stable id, class, box, anchor, velocity) plus the tracks that were lost a moment ago. It also
re-links a new tracker id to a track lost a moment before at the predicted place (same class
group), so an id broken by an occlusion does not look like "the victim vanished" or "a new
intruder". Rules loop only over their own per-track state; geometry is vectorised.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from detectors.frame import Frame
from detectors.types import ClassId, Detections

Phase = Literal["start", "update", "end"]
RELINK_DRIFT_PER_S = 0.5  # a lost track's predicted place drifts by about this many box sizes per second unseen
FRESH_ID_BASE = 1 << 40  # stable ids handed out on a re-link conflict (tracker ids stay far below)

# Classes that may carry one id across a tracker break (car/truck/bus flip, bicycle/motorbike flip).
RELINK_GROUP = {
    int(ClassId.CAR): 0, int(ClassId.TRUCK): 0, int(ClassId.BUS): 0,
    int(ClassId.BICYCLE): 1, int(ClassId.MOTORBIKE): 1,
    int(ClassId.PERSON): 2,
}


@dataclass(slots=True)
class RuleEvent:
    """One lifecycle step of an event (start, update or end) emitted by a rule.

    Attributes:
        key: unique per event within one engine (start, updates and end share it).
        phase: "start", "update" (meaningful change) or "end".
        type: event type stored in the database ("hit_and_run", "intrusion", ...).
        rule: the configured rule's name.
        start_ts, ts: event start and time of this step (UTC epoch seconds, frame time).
        end_ts: set on "end" (and for instantaneous events on "start").
        severity: "info" | "warning" | "alarm".
        zone: zone or line name, if any.
        objects: [(stable track id, role)], e.g. [(12, "vehicle"), (7, "victim")].
        evidence: JSON-friendly facts the rule relied on (contact time and place, dwell, ...).
        frame: best frame for the snapshot (start and update only), and `boxes` (k, 4) to draw.
    """

    key: str
    phase: Phase
    type: str
    rule: str
    start_ts: float
    ts: float
    end_ts: float | None = None
    severity: str = "info"
    zone: str | None = None
    objects: list[tuple[int, str]] = field(default_factory=list)
    evidence: dict = field(default_factory=dict)
    frame: Frame | None = None
    boxes: np.ndarray | None = None


@dataclass(slots=True)
class TrackTable:
    """Tracks seen in the current frame (n rows) and tracks lost recently (m rows).

    Attributes:
        ts: frame time.
        frame_wh: (width, height) px.
        track_id: (n,) int64 stable ids (re-linked across tracker id breaks).
        class_id: (n,) int32; xyxy: (n, 4) float32; anchor: (n, 2) float64 bottom centre.
        height: (n,) float64 box heights px; velocity: (n, 2) float64 anchor px/s;
        speed_h: (n,) float64 speed in box heights per second (scale-free across depth).
        lost_id: (m,) int64; lost_ts: (m,) float64 last seen; lost_xyxy: (m, 4) last box.
    """

    ts: float
    frame_wh: tuple[int, int]
    track_id: np.ndarray
    class_id: np.ndarray
    xyxy: np.ndarray
    anchor: np.ndarray
    height: np.ndarray
    velocity: np.ndarray
    speed_h: np.ndarray
    lost_id: np.ndarray
    lost_ts: np.ndarray
    lost_xyxy: np.ndarray

    def __len__(self) -> int:
        return len(self.track_id)

    def row(self, track_id: int) -> int | None:
        """Row of a stable id in this frame, or None if it was not seen."""
        hits = np.flatnonzero(self.track_id == track_id)
        return int(hits[0]) if len(hits) else None


@dataclass(slots=True)
class _Hist:
    class_id: int
    samples: deque  # (ts, x1, y1, x2, y2)
    velocity: np.ndarray
    prev_velocity: np.ndarray  # the velocity as it was at the sample before the last


class TrackHistory:
    """Short per-track history (a few seconds) with id re-linking."""

    def __init__(self, horizon_s: float = 4.0, velocity_window_s: float = 0.5,
                 relink_s: float = 1.5, relink_radius: float = 1.2) -> None:
        self.horizon_s = horizon_s
        self.velocity_window_s = velocity_window_s
        self.relink_s = relink_s
        self.relink_radius = relink_radius
        self.tracks: dict[int, _Hist] = {}
        self.last_seen: dict[int, float] = {}
        self.alias: dict[int, int] = {}  # tracker id -> stable id
        self._fresh = 0

    def update(self, ts: float, tracks: Detections, frame_wh: tuple[int, int]) -> TrackTable:
        """Record this frame's tracks and return the table rules read."""
        self._forget(ts)
        raw = tracks.tracker_id.tolist()
        seen_now: set[int] = set()
        stable = np.empty(len(raw), np.int64)
        for i, tid in enumerate(raw):
            sid = self.alias.get(tid)
            if sid is None:
                sid = self._relink(ts, tracks.xyxy[i], int(tracks.class_id[i]), seen_now)
                self.alias[tid] = sid if sid is not None else tid
                sid = self.alias[tid]
            elif sid in seen_now:
                # A re-link was wrong: the lost track came back while its stand-in is alive. The
                # first one this frame keeps the stable id; the other gets a fresh one.
                self._fresh += 1
                sid = self.alias[tid] = FRESH_ID_BASE + self._fresh
            stable[i] = sid
            seen_now.add(sid)
            self._record(ts, sid, int(tracks.class_id[i]), tracks.xyxy[i])
        return self._table(ts, tracks, stable, frame_wh)

    def samples(self, track_id: int, since: float) -> np.ndarray:
        """(k, 5) float64 rows (ts, x1, y1, x2, y2) of a stable id with ts >= since."""
        hist = self.tracks.get(track_id)
        if hist is None:
            return np.zeros((0, 5))
        arr = np.asarray(hist.samples, np.float64).reshape(-1, 5)
        return arr[arr[:, 0] >= since]

    def class_of(self, track_id: int) -> int | None:
        hist = self.tracks.get(track_id)
        return hist.class_id if hist else None

    def _record(self, ts: float, sid: int, class_id: int, box: np.ndarray) -> None:
        hist = self.tracks.get(sid)
        if hist is None:
            hist = self.tracks[sid] = _Hist(class_id, deque(), np.zeros(2), np.zeros(2))
        hist.class_id = class_id
        hist.prev_velocity = hist.velocity
        hist.samples.append((ts, *map(float, box)))
        while hist.samples and hist.samples[0][0] < ts - self.horizon_s:
            hist.samples.popleft()
        old = next((s for s in hist.samples if s[0] >= ts - self.velocity_window_s), hist.samples[0])
        dt = ts - old[0]
        if dt > 1e-6:
            now = np.array([(box[0] + box[2]) / 2, box[3]], np.float64)
            then = np.array([(old[1] + old[3]) / 2, old[4]], np.float64)
            hist.velocity = (now - then) / dt
        self.last_seen[sid] = ts

    def _relink(self, ts: float, box: np.ndarray, class_id: int, taken: set[int]) -> int | None:
        """A lost stable id of the same class group near where it should be now, else None."""
        group = RELINK_GROUP.get(class_id)
        anchor = np.array([(box[0] + box[2]) / 2, box[3]], np.float64)
        best, best_d = None, np.inf
        for sid, seen in self.last_seen.items():
            if seen >= ts or ts - seen > self.relink_s or sid in taken:
                continue
            hist = self.tracks[sid]
            if RELINK_GROUP.get(hist.class_id) != group:
                continue
            last = hist.samples[-1]
            pred = np.array([(last[1] + last[3]) / 2, last[4]]) + hist.velocity * (ts - seen)
            size = max(last[4] - last[2], last[3] - last[1], box[3] - box[1], box[2] - box[0])
            d = float(np.hypot(*(pred - anchor)))
            # Ranked by the distance plus the drift a prediction may have gathered while unseen:
            # where two lost tracks' predictions meet (one ran into the other), the one lost a
            # frame ago is likelier than one lost half a second ago.
            cost = d + RELINK_DRIFT_PER_S * size * (ts - seen)
            if d <= self.relink_radius * size and cost < best_d:
                best, best_d = sid, cost
        return best

    def _forget(self, ts: float) -> None:
        stale = [sid for sid, seen in self.last_seen.items() if ts - seen > self.horizon_s]
        for sid in stale:
            del self.last_seen[sid]
            del self.tracks[sid]
        if len(self.alias) > 4 * max(len(self.tracks), 64):
            live = set(self.tracks)
            self.alias = {raw: sid for raw, sid in self.alias.items() if sid in live}

    def _table(self, ts: float, tracks: Detections, stable: np.ndarray, frame_wh: tuple[int, int]) -> TrackTable:
        xyxy = tracks.xyxy.astype(np.float32)
        height = np.maximum((xyxy[:, 3] - xyxy[:, 1]).astype(np.float64), 1.0)
        velocity = np.asarray([self.tracks[int(s)].velocity for s in stable], np.float64).reshape(-1, 2)
        lost = [sid for sid, seen in self.last_seen.items() if seen < ts]
        lost_xyxy = np.asarray([self.tracks[s].samples[-1][1:] for s in lost], np.float32).reshape(-1, 4)
        return TrackTable(
            ts=ts, frame_wh=frame_wh, track_id=stable, class_id=tracks.class_id.astype(np.int32),
            xyxy=xyxy, anchor=tracks.anchors("bottom_center").astype(np.float64), height=height,
            velocity=velocity, speed_h=np.hypot(velocity[:, 0], velocity[:, 1]) / height,
            lost_id=np.asarray(lost, np.int64), lost_ts=np.asarray([self.last_seen[s] for s in lost], np.float64),
            lost_xyxy=lost_xyxy,
        )
