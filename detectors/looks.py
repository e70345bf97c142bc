"""When the object model runs on a camera's analysed frame: the adaptive detect rate (issue 11 item 4).

The model is most of a camera's CPU (bench/scale_profile.py: ~60 % of an engine camera at 5 fps).
Most of those runs re-detect what the tracker already knows: people and cars the tracker holds
with high scores, inside motion that those tracks explain. So per analysed frame:

- **look now** when something is not explained: a motion box that no confident track covers and
  that is not a backed-off empty region (below) — a new object, someone stepping out of a group —,
  a track the tracker is not sure of (tentative, lost, last seen with a low score), a lighting
  switch, or the first frame;
- **back off on empty motion**: motion the model looked at and found nothing in (a swaying tree,
  a ghost where a car stood, a top-down car the model cannot see) is remembered as an empty
  region and followed from frame to frame (IoU with its box moved on at its speed; a near box of
  about its size; a smaller box inside it is a fragment of it). Clutter that stays in place is
  looked at again after `track_look_s`, then twice as long after every further empty look, at
  most `empty_backoff_s`; a region that travels (more than half its size from where it was
  first seen) is looked at every `track_look_s`, and at once when it grows at all (10 %: coming
  nearer, like a vehicle at night the model barely sees); a region that grows by `grow_ratio`,
  a motion box that is no region (new) or a detection inside it ends the back-off;
- **look at a lower rate** (`track_look_s`) when every live track is confident and every motion
  box is one of them: the tracker's Kalman filter carries the boxes in between (`coast`);
- **periodic full look** (`full_look_s`): the whole frame at least that often, motion or not, so
  objects that do not move (a parked motorbike, a person standing) are found and stationary
  tracks confirmed (issue 8);
- otherwise (nothing moves, nothing tracked) no run at all.

Timing is in seconds of frame time, never in frame counts, so the behaviour is the same at any
detect fps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from detectors.tracking import ByteTracker
from detectors.tracking.kalman import z_to_xyxy
from detectors.types import Detections, box_iou

ACTIVE = 1  # detectors.tracking.tracker's ACTIVE state
EPS_S = 1e-3  # frame times are floats: 0.4 s after a look is due at a 0.4 s interval
FRAGMENT_SCORE = 0.25  # match score of a motion box that is only a fragment of an empty region
APPROACH_RATIO = 1.1  # a moving empty region this much larger than at its last look is coming nearer


class LookConfig(BaseModel):
    """How often the model looks (the `looks:` block of a camera's `detection:` settings)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    track_look_s: float = Field(
        0.4, ge=0.0, le=5.0,
        description="When every moving thing is a confident track, the model runs at most this often "
        "(the tracker predicts the boxes in between); 0: on every frame with motion or tracks.")
    full_look_s: float = Field(
        2.0, ge=0.0, le=60.0,
        description="The whole frame at least this often, motion or not (still objects are found); 0: never.")
    cover_pad: float = Field(
        0.25, ge=0.0, le=2.0, description="A track box grown by this share of its size explains motion inside it.")
    looked_iou: float = Field(
        0.3, ge=0.0, le=1.0,
        description="A motion box overlapping (IoU) an empty region (motion a look found nothing in) this much "
        "is that region (a swaying tree, a ghost: looked at again after its back-off); 0: only tracks "
        "explain motion.")
    empty_backoff_s: float = Field(
        2.0, ge=0.0, le=60.0,
        description="Motion the model found nothing in is looked at again after track_look_s, then twice "
        "as long after every further empty look, at most this long; 0: after track_look_s every time.")
    grow_ratio: float = Field(
        1.5, ge=1.0, le=10.0,
        description="An empty region whose motion box grows to this many times its area at the last look "
        "is looked at at once (something new inside it).")
    forget_s: float = Field(
        1.0, ge=0.0, le=60.0, description="An empty region no motion box overlapped for this long is forgotten.")
    fast_share: float = Field(
        0.5, gt=0.0, le=10.0,
        description="A track predicted to move more than this share of its box size before the next "
        "low-rate look is looked at on every frame (the prediction would drift).")


@dataclass(slots=True)
class LookDecision:
    """What to do with one frame: run the model (`full`: on the whole frame) or coast the tracks."""

    run: bool
    full: bool
    reason: str


class EmptyRegions:
    """Motion regions the model looked at and found nothing in, each with its back-off.

    Rows are parallel arrays: `boxes` (k, 4) the region's latest motion box and `velocity` (k, 4)
    its corners' speed in px/s (followed from frame to frame by IoU with the box moved on at that
    speed, so a car the model cannot see stays one region even when it moves most of its length
    between analysed frames), `looked_area` its area at the last look, `empty_looks` the looks
    in a row that found nothing, `due_ts` when it is looked at again, `seen_ts` the last frame a
    motion box overlapped it.
    """

    def __init__(self, config: LookConfig) -> None:
        self.config = config
        self.boxes = np.zeros((0, 4), np.float32)
        self.velocity = np.zeros((0, 4), np.float32)
        self.origin = np.zeros((0, 2), np.float32)  # centre where the region was first seen
        self.looked_area = np.zeros(0, np.float32)
        self.empty_looks = np.zeros(0, np.int32)
        self.due_ts = np.zeros(0)
        self.seen_ts = np.zeros(0)

    def __len__(self) -> int:
        return len(self.boxes)

    def follow(self, ts: float, motion: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Match this frame's motion boxes to the regions (IoU >= `looked_iou`); matched regions
        move to their best box, regions unseen for `forget_s` are forgotten.

        Returns:
            (m,) bool per motion box: a region's, not grown, its back-off running (explained);
            (m,) bool per motion box: a region's whose back-off is over (to be looked at again).
        """
        cfg = self.config
        m = len(motion)
        backed, due = np.zeros(m, bool), np.zeros(m, bool)
        best, score = self._match(ts, motion)
        ok = best >= 0
        if ok.any():
            # A moving region that grows at all is coming nearer (an approaching vehicle at night
            # that the model barely sees): looked at at once, like clutter that grows a lot.
            ratio = np.where(self._moving()[best], APPROACH_RATIO, cfg.grow_ratio)
            grown = _area(motion) > ratio * self.looked_area[best]
            waiting = ts < self.due_ts[best] - EPS_S
            backed = ok & ~grown & waiting
            due = ok & ~grown & ~waiting
            for r in np.unique(best[ok]):  # each matched region follows its best-matching box
                rows = np.flatnonzero(best == r)
                i = rows[score[rows].argmax()]
                dt = ts - self.seen_ts[r]
                self.seen_ts[r] = ts
                if score[i] <= FRAGMENT_SCORE:
                    continue  # only fragments of it this frame: it stays where it was
                if dt > EPS_S:
                    self.velocity[r] = (motion[i] - self.boxes[r]) / dt
                self.boxes[r] = motion[i]

        self._keep(ts - self.seen_ts <= cfg.forget_s + EPS_S)
        return backed, due

    def looked(self, ts: float, motion: np.ndarray, empty: np.ndarray) -> None:
        """After a look at `ts`: motion boxes it found nothing in (`empty`, (m,) bool) start or
        extend a region's back-off (reset when grown); a region holding a detection is dropped."""
        cfg = self.config
        matched, score = self._match(ts, motion)
        hit = set(matched[~empty & (matched >= 0)].tolist())  # regions the model found something in
        extended: set[int] = set()
        # Best-matching box of each region first: it moves the region, its fragments do not.
        for i in sorted(np.flatnonzero(empty), key=lambda i: -score[i]):
            r = int(matched[i])
            area = float(_area(motion[i:i + 1])[0])
            if r < 0 or r in hit:
                self._add(motion[i], area, ts)
                continue
            if r in extended:
                continue
            extended.add(r)
            grown = area > cfg.grow_ratio * self.looked_area[r]
            self.empty_looks[r] = 1 if grown else self.empty_looks[r] + 1
            if score[i] > FRAGMENT_SCORE:
                self.boxes[r], self.looked_area[r] = motion[i], area
            self.seen_ts[r] = ts
            self.due_ts[r] = ts + self._backoff(int(self.empty_looks[r]), self._travelled(r))
        if hit:
            self._keep(~np.isin(np.arange(len(self)), list(hit)))

    def _match(self, ts: float, motion: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(m,) the region each motion box is (-1: none) and (m,) how well it matches.

        A box is a region when it overlaps (IoU >= `looked_iou`) the region's box, or that box
        moved on at the region's speed; or, failing that, when it is about as large (not smaller
        than 1/`grow_ratio` of it) and its centre is within one region size of the moved box's
        centre (a fast car moves most of its length between analysed frames at 5 fps).
        """
        cfg = self.config
        m = len(motion)
        if not len(self) or not m:
            return np.full(m, -1), np.zeros(m)
        dt = np.maximum(0.0, ts - self.seen_ts)[:, None]
        moved = (self.boxes + self.velocity * dt).astype(np.float32)
        iou = np.maximum(box_iou(motion, self.boxes), box_iou(motion, moved))
        centre = (motion[:, :2] + motion[:, 2:]) / 2
        moved_centre = (moved[:, :2] + moved[:, 2:]) / 2
        size = np.maximum(1.0, (moved[:, 2:] - moved[:, :2]).max(axis=1))
        dist = np.linalg.norm(centre[:, None, :] - moved_centre[None, :, :], axis=2) / size[None, :]
        areas = _area(self.boxes)[None, :]
        alike = (_area(motion)[:, None] * cfg.grow_ratio >= areas) & (dist <= 1.0)
        # A smaller box centred inside the region (grown by `cover_pad`): a fragment of it
        # (clutter half absorbed into the background moves only at its edges).
        pad = cfg.cover_pad * (self.boxes[:, 2:] - self.boxes[:, :2])
        lo = np.minimum(self.boxes[:, :2], moved[:, :2]) - pad  # where it was or would be now
        hi = np.maximum(self.boxes[:, 2:], moved[:, 2:]) + pad
        inside = (centre[:, None, :] >= lo[None]).all(axis=2) & (centre[:, None, :] <= hi[None]).all(axis=2) \
            & (_area(motion)[:, None] <= areas)
        # Overlap first; then a near, alike box; then a fragment.
        score = np.where(iou >= cfg.looked_iou, 1.0 + iou,
                         np.where(alike, 1.0 - dist / 2, np.where(inside, FRAGMENT_SCORE, 0.0)))
        best = score.argmax(axis=1)
        top = score[np.arange(m), best]
        return np.where(top > 0, best, -1), top

    def _moving(self) -> np.ndarray:
        """(k,) bool: the region's centre has moved more than half its size from where it was
        first seen: a moving thing (a car, a cyclist at night), not clutter that stays in place."""
        size = np.maximum(1.0, (self.boxes[:, 2:] - self.boxes[:, :2]).max(axis=1))
        centre = (self.boxes[:, :2] + self.boxes[:, 2:]) / 2
        return np.linalg.norm(centre - self.origin, axis=1) > 0.5 * size

    def _travelled(self, r: int) -> bool:
        return bool(self._moving()[r])

    def _backoff(self, empty_looks: int, travelled: bool = False) -> float:
        """Seconds to the next look at a region found empty `empty_looks` times in a row: the
        back-off doubles only for clutter that stays in place; a moving thing the model keeps
        missing is looked at every `track_look_s` (it may be found nearer, or better lit)."""
        cfg = self.config
        first = cfg.track_look_s
        if cfg.empty_backoff_s <= first or travelled:
            return first
        return min(cfg.empty_backoff_s, first * 2.0 ** (empty_looks - 1))

    def _add(self, box: np.ndarray, area: float, ts: float) -> None:
        self.boxes = np.concatenate([self.boxes, box[None].astype(np.float32)])
        self.velocity = np.concatenate([self.velocity, np.zeros((1, 4), np.float32)])
        self.origin = np.concatenate([self.origin, ((box[:2] + box[2:]) / 2)[None].astype(np.float32)])
        self.looked_area = np.append(self.looked_area, np.float32(area))
        self.empty_looks = np.append(self.empty_looks, np.int32(1))
        self.due_ts = np.append(self.due_ts, ts + self._backoff(1))
        self.seen_ts = np.append(self.seen_ts, ts)

    def _keep(self, keep: np.ndarray) -> None:
        if keep.all():
            return
        self.boxes, self.velocity, self.looked_area = self.boxes[keep], self.velocity[keep], self.looked_area[keep]
        self.origin = self.origin[keep]
        self.empty_looks, self.due_ts, self.seen_ts = self.empty_looks[keep], self.due_ts[keep], self.seen_ts[keep]


class LookScheduler:
    """Per-camera state of the adaptive detect rate."""

    def __init__(self, config: LookConfig | None = None) -> None:
        self.config = config or LookConfig()
        self.last_run_ts: float | None = None
        self.last_full_ts: float | None = None
        self.empty = EmptyRegions(self.config)  # motion the looks found nothing in, with back-off
        self.counts: dict[str, int] = {}

    def decide(self, ts: float, motion_boxes: np.ndarray, global_change: bool, tracker: ByteTracker,
               high: float) -> LookDecision:
        """Whether the model runs on the frame at `ts` (see the module doc)."""
        motion = np.asarray(motion_boxes, np.float32).reshape(-1, 4)
        decision = self._decide(ts, motion, global_change, tracker, high)
        self.counts[decision.reason] = self.counts.get(decision.reason, 0) + 1
        if decision.run:
            self.last_run_ts = ts
            if decision.full:
                self.last_full_ts = ts
        return decision

    def looked(self, motion_boxes: np.ndarray, detections: Detections) -> None:
        """After a model run (at the last `decide` that said run): remember the motion it found
        nothing in (clutter, ghosts, things the model cannot see), for the back-off."""
        motion = np.asarray(motion_boxes, np.float32).reshape(-1, 4)
        if self.last_run_ts is None or self.config.looked_iou <= 0:
            return
        empty = np.ones(len(motion), bool)
        if len(motion) and len(detections):
            d = detections.xyxy
            cx, cy = (d[:, 0] + d[:, 2]) / 2, (d[:, 1] + d[:, 3]) / 2
            hit = (cx[None, :] >= motion[:, :1]) & (cx[None, :] <= motion[:, 2:3]) \
                & (cy[None, :] >= motion[:, 1:2]) & (cy[None, :] <= motion[:, 3:4])
            empty = ~hit.any(axis=1)
        self.empty.looked(self.last_run_ts, motion, empty)

    def _decide(self, ts: float, motion: np.ndarray, global_change: bool, tracker: ByteTracker,
                high: float) -> LookDecision:
        cfg = self.config
        backed, due = self.empty.follow(ts, motion) if cfg.looked_iou > 0 else (np.zeros(len(motion), bool),) * 2
        if cfg.full_look_s > 0 and (self.last_full_ts is None or ts - self.last_full_ts >= cfg.full_look_s - EPS_S):
            return LookDecision(True, True, "full_look")
        live = tracker.live_boxes()
        if not len(motion) and not len(live) and not global_change:
            return LookDecision(False, False, "idle")
        if cfg.track_look_s <= 0 or global_change or self.last_run_ts is None:
            return LookDecision(True, False, "motion")
        # Lost tracks count as unsure too: looking for them at the lower rate cost PETS09 0.008
        # MOTA (bench/RESULTS.md, session 5), more than the runs it saved were worth.
        if not _confident(tracker, high).all():
            return LookDecision(True, False, "unsure_track")
        boxes = predicted_boxes(tracker, ts)[~tracker.held] if len(tracker.ids) else np.zeros((0, 4), np.float32)
        covered = _covered(motion, boxes, cfg.cover_pad)
        if not (covered | backed | due).all():
            return LookDecision(True, False, "new_motion")
        if not (covered | backed).all():
            return LookDecision(True, False, "empty_look")
        if len(live) and ts - self.last_run_ts >= cfg.track_look_s - EPS_S:
            return LookDecision(True, False, "track_look")
        if _fast(tracker, cfg.track_look_s, cfg.fast_share):
            return LookDecision(True, False, "fast_track")
        return LookDecision(False, False, "coast" if len(live) else "backoff")


def _confident(tracker: ByteTracker, high: float) -> np.ndarray:
    """(n,) per track row: active, seen at least twice (a track confirmed on the first frame has no
    velocity yet to coast on) and last matched with a high score (held stationary tracks count)."""
    if not len(tracker.ids):
        return np.zeros(0, bool)
    sure = (tracker.state == ACTIVE) & (tracker.hits >= 2) & (tracker.score >= high)
    return tracker.held | (sure & (tracker.seen_ts == tracker.last_ts))


def predicted_boxes(tracker: ByteTracker, ts: float) -> np.ndarray:
    """(n, 4) every track row's box predicted to `ts` from its filter state (velocities per second)."""
    t0 = tracker._ts if tracker._ts is not None else ts  # noqa: SLF001 - the filter's time, read only
    dt = max(0.0, ts - t0)
    mean = tracker.mean[:, :4] + tracker.mean[:, 4:8] * dt * (~tracker.held)[:, None]
    return z_to_xyxy(mean).astype(np.float32)


def _covered(motion: np.ndarray, tracks: np.ndarray, pad: float) -> np.ndarray:
    """(m,) bool per motion box: a track's (its centre inside a grown track box, not much bigger than it)."""
    covered = np.zeros(len(motion), bool)
    if len(motion) and len(tracks):
        wh = tracks[:, 2:] - tracks[:, :2]
        grown = np.concatenate([tracks[:, :2] - pad * wh, tracks[:, 2:] + pad * wh], axis=1)
        cx, cy = (motion[:, 0] + motion[:, 2]) / 2, (motion[:, 1] + motion[:, 3]) / 2
        inside = (cx[:, None] >= grown[None, :, 0]) & (cx[:, None] <= grown[None, :, 2]) \
            & (cy[:, None] >= grown[None, :, 1]) & (cy[:, None] <= grown[None, :, 3])
        covered = (inside & (_area(motion)[:, None] <= 1.5 * _area(grown)[None, :])).any(axis=1)
    return covered


def _area(b: np.ndarray) -> np.ndarray:
    return (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])


def _fast(tracker: ByteTracker, horizon_s: float, share: float) -> bool:
    """A non-held track that would move more than `share` of its size within `horizon_s`."""
    if not len(tracker.ids):
        return False
    moving = ~tracker.held
    step = np.hypot(tracker.mean[moving, 4], tracker.mean[moving, 5]) * horizon_s
    size = np.maximum(1.0, np.minimum(tracker.mean[moving, 2], tracker.mean[moving, 3]))
    return bool((step > share * size).any())


def coast(tracks: Detections, tracker: ByteTracker, ts: float) -> Detections:
    """The last reported tracks at `ts`, boxes predicted by the tracker's filter (a frame the model skipped).

    Tracks the tracker has dropped since are left out; data["detected"] is False for all.
    """
    if not len(tracks) or not len(tracker.ids):
        return Detections.empty()
    rows_of = {int(tid): r for r, tid in enumerate(tracker.ids.tolist())}
    keep = np.array([int(t) in rows_of for t in tracks.tracker_id.tolist()], bool)
    kept = tracks[keep]
    rows = np.array([rows_of[int(t)] for t in kept.tracker_id.tolist()], np.int64)
    boxes = predicted_boxes(tracker, ts)[rows] if len(rows) else np.zeros((0, 4), np.float32)
    data = dict(kept.data)
    data["detected"] = np.zeros(len(kept), bool)
    return Detections(xyxy=boxes, confidence=kept.confidence, class_id=kept.class_id,
                      tracker_id=kept.tracker_id, data=data)
