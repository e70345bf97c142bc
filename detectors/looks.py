"""When the object model runs on a camera's analysed frame: the adaptive detect rate (issue 11 item 4).

The model is most of a camera's CPU (bench/scale_profile.py: ~60 % of an engine camera at 5 fps).
Most of those runs re-detect what the tracker already knows: people and cars the tracker holds
with high scores, inside motion that those tracks explain. So per analysed frame:

- **look now** when something is not explained: a motion box that no confident track covers and
  that is not motion the last look found nothing in (a new object, someone stepping out of a
  group; motion the model looked at and found nothing in — a swaying tree, a ghost where a car
  stood — is looked at again at the lower rate), a track the tracker is not sure of (tentative, lost, last seen
  with a low score), a lighting switch, or the first frame;
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
        description="Motion overlapping (IoU) motion in which the last look found nothing this much is not new "
        "(a swaying tree, a ghost: looked at again at the low rate); 0: only tracks explain motion.")
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


class LookScheduler:
    """Per-camera state of the adaptive detect rate."""

    def __init__(self, config: LookConfig | None = None) -> None:
        self.config = config or LookConfig()
        self.last_run_ts: float | None = None
        self.last_full_ts: float | None = None
        self.looked_motion = np.zeros((0, 4), np.float32)  # motion the last look found nothing in
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
        """After a model run: remember the motion it found nothing in (clutter, ghosts), for `looked_iou`."""
        motion = np.asarray(motion_boxes, np.float32).reshape(-1, 4)
        if not len(motion) or not len(detections):
            self.looked_motion = motion
            return
        d = detections.xyxy
        cx, cy = (d[:, 0] + d[:, 2]) / 2, (d[:, 1] + d[:, 3]) / 2
        hit = (cx[None, :] >= motion[:, :1]) & (cx[None, :] <= motion[:, 2:3]) \
            & (cy[None, :] >= motion[:, 1:2]) & (cy[None, :] <= motion[:, 3:4])
        self.looked_motion = motion[~hit.any(axis=1)]

    def _decide(self, ts: float, motion: np.ndarray, global_change: bool, tracker: ByteTracker,
                high: float) -> LookDecision:
        cfg = self.config
        if cfg.full_look_s > 0 and (self.last_full_ts is None or ts - self.last_full_ts >= cfg.full_look_s - EPS_S):
            return LookDecision(True, True, "full_look")
        live = tracker.live_boxes()
        if not len(motion) and not len(live) and not global_change:
            return LookDecision(False, False, "idle")
        if cfg.track_look_s <= 0 or global_change or self.last_run_ts is None:
            return LookDecision(True, False, "motion")
        confident = _confident(tracker, high)
        if not confident.all():
            return LookDecision(True, False, "unsure_track")
        boxes = predicted_boxes(tracker, ts)[~tracker.held] if len(tracker.ids) else np.zeros((0, 4), np.float32)
        looked = self.looked_motion if cfg.looked_iou > 0 else np.zeros((0, 4), np.float32)
        if not _explained(motion, boxes, looked, cfg.cover_pad, cfg.looked_iou):
            return LookDecision(True, False, "new_motion")
        if ts - self.last_run_ts >= cfg.track_look_s - EPS_S:
            return LookDecision(True, False, "track_look")
        if _fast(tracker, cfg.track_look_s, cfg.fast_share):
            return LookDecision(True, False, "fast_track")
        return LookDecision(False, False, "coast")


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


def _explained(motion: np.ndarray, tracks: np.ndarray, looked: np.ndarray, pad: float, looked_iou: float) -> bool:
    """Every motion box is a track's (its centre inside a grown track box, not much bigger than
    it) or overlaps motion the last look saw (IoU >= `looked_iou`)."""
    if not len(motion):
        return True
    explained = np.zeros(len(motion), bool)
    if len(tracks):
        wh = tracks[:, 2:] - tracks[:, :2]
        grown = np.concatenate([tracks[:, :2] - pad * wh, tracks[:, 2:] + pad * wh], axis=1)
        cx, cy = (motion[:, 0] + motion[:, 2]) / 2, (motion[:, 1] + motion[:, 3]) / 2
        inside = (cx[:, None] >= grown[None, :, 0]) & (cx[:, None] <= grown[None, :, 2]) \
            & (cy[:, None] >= grown[None, :, 1]) & (cy[:, None] <= grown[None, :, 3])
        explained |= (inside & (_area(motion)[:, None] <= 1.5 * _area(grown)[None, :])).any(axis=1)
    if len(looked) and not explained.all():
        explained |= box_iou(motion, looked).max(axis=1) >= looked_iou
    return bool(explained.all())


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
