"""The tracker as it was before the `detectors/tracking/` package (main up to 49572cc), kept for
side-by-side measurement in bench/detect_eval.py (`--trackers new,legacy`). Bench only: not used
by the product, and it needs scipy (dev extra).

Frame-counted constant-velocity Kalman (no size rates), IoU-only class-agnostic Hungarian
association, `lost_frames` 30 frames whatever the frame rate, no appearance, no stationary
tracks. `LegacyTracker` adapts it to the new interface (`update(dets, ts, frame, regions)`,
`live_boxes()`, `stationary_boxes()`) so DetectionPipeline can run it unchanged.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy.optimize import linear_sum_assignment

from detectors.types import ClassId, Detections, box_iou

N_CLASSES = len(ClassId)
TENTATIVE, ACTIVE, LOST = 0, 1, 2


class TrackerConfig(BaseModel):
    """ByteTrack thresholds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    high_threshold: float = Field(0.5, ge=0.0, le=1.0, description="Score splitting high/low detections.")
    low_threshold: float = Field(0.1, ge=0.0, le=1.0, description="Detections below this are ignored.")
    new_track_threshold: float = Field(0.6, ge=0.0, le=1.0, description="Score needed to start a track.")
    match_iou: float = Field(0.2, ge=0.0, le=1.0, description="Min IoU, first (high-score) association.")
    low_match_iou: float = Field(0.5, ge=0.0, le=1.0, description="Min IoU, second (low-score) association.")
    min_hits: int = Field(2, ge=1, le=30, description="Consecutive hits before a track is reported.")
    lost_frames: int = Field(30, ge=1, le=1000, description="Frames a lost track is kept for re-matching.")


def _xyxy_to_z(xyxy: np.ndarray) -> np.ndarray:
    """(n, 4) xyxy -> (n, 4) cx, cy, w, h."""
    wh = xyxy[:, 2:] - xyxy[:, :2]
    return np.concatenate([xyxy[:, :2] + wh / 2, wh], axis=1)


def _z_to_xyxy(z: np.ndarray) -> np.ndarray:
    half = np.clip(z[:, 2:4], 1.0, None) / 2
    return np.concatenate([z[:, :2] - half, z[:, :2] + half], axis=1).astype(np.float32)


class _Kalman:
    """Batched constant-velocity Kalman filter, state (cx, cy, w, h, vcx, vcy, vw, vh)."""

    F = np.eye(8) + np.eye(8, k=4)
    H = np.eye(4, 8)
    POS_STD, VEL_STD = 1.0 / 20, 1.0 / 160  # relative to box height, as in ByteTrack

    def initiate(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = np.concatenate([z, np.zeros_like(z)], axis=1)
        h = z[:, 3:4]
        std = np.concatenate(
            [2 * self.POS_STD * h * [1, 1, 1, 1], 10 * self.VEL_STD * h * [1, 1, 1, 1]], axis=1
        )
        return mean, np.einsum("ni,ij->nij", std**2, np.eye(8))

    def predict(self, mean: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = mean[:, 3:4]
        std = np.concatenate([self.POS_STD * h * [1, 1, 1, 1], self.VEL_STD * h * [1, 1, 1, 1]], axis=1)
        q = np.einsum("ni,ij->nij", std**2, np.eye(8))
        mean = mean @ self.F.T
        cov = np.einsum("ij,njk,lk->nil", self.F, cov, self.F) + q
        return mean, cov

    def update(self, mean: np.ndarray, cov: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h = mean[:, 3:4]
        std = self.POS_STD * h * np.ones((1, 4))
        r = np.einsum("ni,ij->nij", std**2, np.eye(4))
        s = np.einsum("ij,njk,lk->nil", self.H, cov, self.H) + r
        pht = np.einsum("nij,kj->nik", cov, self.H)
        gain = np.linalg.solve(s, pht.transpose(0, 2, 1)).transpose(0, 2, 1)  # (n, 8, 4)
        innov = z - mean[:, :4]
        mean = mean + np.einsum("nij,nj->ni", gain, innov)
        cov = cov - np.einsum("nij,njk->nik", gain, np.einsum("ij,njk->nik", self.H, cov))
        return mean, cov


def _match(iou: np.ndarray, min_iou: float) -> tuple[np.ndarray, np.ndarray]:
    """Hungarian assignment on 1 - IoU; returns (track_idx, det_idx) pairs with IoU >= min_iou."""
    if iou.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    rows, cols = linear_sum_assignment(1.0 - iou)
    ok = iou[rows, cols] >= max(min_iou, 1e-6)
    return rows[ok], cols[ok]


class ByteTracker:
    """Multi-object tracker; call `update` once per processed frame."""

    def __init__(self, config: TrackerConfig | None = None) -> None:
        self.config = config or TrackerConfig()
        self._kf = _Kalman()
        self._next_id = 1
        self.ids = np.zeros(0, np.int64)
        self.state = np.zeros(0, np.int8)
        self.hits = np.zeros(0, np.int32)
        self.missed = np.zeros(0, np.int32)
        self.votes = np.zeros((0, N_CLASSES), np.float32)
        self.score = np.zeros(0, np.float32)
        self.mean = np.zeros((0, 8))
        self.cov = np.zeros((0, 8, 8))

    def live_boxes(self) -> np.ndarray:
        """(n, 4) float32 predicted boxes of active and lost tracks (for region planning)."""
        return _z_to_xyxy(self.mean[:, :4]) if len(self.ids) else np.zeros((0, 4), np.float32)

    def update(self, dets: Detections) -> Detections:
        """Associate detections with tracks.

        Args:
            dets: this frame's detections (any `tracker_id`).
        Returns:
            Detections of active tracks matched in this frame: box = filtered box, class_id =
            voted class, tracker_id set, confidence = matched detection's score.
        """
        cfg = self.config
        dets = dets[dets.confidence >= cfg.low_threshold]
        if len(self.ids):
            self.mean, self.cov = self._kf.predict(self.mean, self.cov)
        high = np.flatnonzero(dets.confidence >= cfg.high_threshold)
        low = np.flatnonzero(dets.confidence < cfg.high_threshold)
        track_boxes = self.live_boxes()
        matched_t: list[np.ndarray] = []
        matched_d: list[np.ndarray] = []

        # 1) high detections vs active + lost tracks
        pool = np.flatnonzero(self.state != TENTATIVE)
        t, d = _match(box_iou(track_boxes[pool], dets.xyxy[high]), cfg.match_iou)
        matched_t.append(pool[t])
        matched_d.append(high[d])
        rest_high = np.setdiff1d(high, high[d])
        # 2) low detections vs still-unmatched active tracks
        pool2 = np.setdiff1d(pool[self.state[pool] == ACTIVE], pool[t])
        t2, d2 = _match(box_iou(track_boxes[pool2], dets.xyxy[low]), cfg.low_match_iou)
        matched_t.append(pool2[t2])
        matched_d.append(low[d2])
        # 3) leftover high detections vs tentative tracks
        pool3 = np.flatnonzero(self.state == TENTATIVE)
        t3, d3 = _match(box_iou(track_boxes[pool3], dets.xyxy[rest_high]), cfg.match_iou + 0.1)
        matched_t.append(pool3[t3])
        matched_d.append(rest_high[d3])
        new = np.setdiff1d(rest_high, rest_high[d3])
        new = new[dets.confidence[new] >= cfg.new_track_threshold]

        mt, md = np.concatenate(matched_t), np.concatenate(matched_d)
        self._apply_matches(mt, md, dets)
        rows = self._age_unmatched(mt)
        new_rows = self._start(dets[new])
        return self._report(np.concatenate([rows, new_rows]), np.concatenate([md, new]), dets)

    def _apply_matches(self, mt: np.ndarray, md: np.ndarray, dets: Detections) -> None:
        if len(mt) == 0:
            return
        z = _xyxy_to_z(dets.xyxy[md].astype(np.float64))
        self.mean[mt], self.cov[mt] = self._kf.update(self.mean[mt], self.cov[mt], z)
        self.hits[mt] += 1
        self.missed[mt] = 0
        self.score[mt] = dets.confidence[md]
        np.add.at(self.votes, (mt, dets.class_id[md]), dets.confidence[md])
        promote = mt[(self.state[mt] == LOST) | (self.hits[mt] >= self.config.min_hits)]
        self.state[promote] = ACTIVE

    def _age_unmatched(self, mt: np.ndarray) -> np.ndarray:
        """Age and drop unmatched tracks; returns the new row indices of the matched rows `mt`."""
        unmatched = np.setdiff1d(np.arange(len(self.ids)), mt)
        self.missed[unmatched] += 1
        self.state[unmatched[self.state[unmatched] == ACTIVE]] = LOST
        drop = (self.missed > self.config.lost_frames) | ((self.state == TENTATIVE) & (self.missed > 0))
        keep = ~drop
        for name in ("ids", "state", "hits", "missed", "votes", "score", "mean", "cov"):
            setattr(self, name, getattr(self, name)[keep])
        # Only unmatched rows were dropped and order is kept, so a matched row's new index is
        # the number of kept rows before it.
        return (np.cumsum(keep) - 1)[mt] if len(mt) else mt

    def _report(self, rows: np.ndarray, md: np.ndarray, dets: Detections) -> Detections:
        active = self.state[rows] == ACTIVE
        rows, md = rows[active], md[active]
        return Detections(
            xyxy=_z_to_xyxy(self.mean[rows, :4]),
            confidence=dets.confidence[md],
            class_id=self.votes[rows].argmax(axis=1).astype(np.int32),
            tracker_id=self.ids[rows],
        )

    def _start(self, dets: Detections) -> np.ndarray:
        """Append tentative tracks (active at once when min_hits == 1); returns their rows."""
        n = len(dets)
        first = len(self.ids)
        if n == 0:
            return np.zeros(0, np.int64)
        mean, cov = self._kf.initiate(_xyxy_to_z(dets.xyxy.astype(np.float64)))
        ids = np.arange(self._next_id, self._next_id + n, dtype=np.int64)
        self._next_id += n
        votes = np.zeros((n, N_CLASSES), np.float32)
        votes[np.arange(n), dets.class_id] = dets.confidence
        state = np.full(n, ACTIVE if self.config.min_hits <= 1 else TENTATIVE, np.int8)
        self.ids = np.concatenate([self.ids, ids])
        self.state = np.concatenate([self.state, state])
        self.hits = np.concatenate([self.hits, np.ones(n, np.int32)])
        self.missed = np.concatenate([self.missed, np.zeros(n, np.int32)])
        self.votes = np.concatenate([self.votes, votes])
        self.score = np.concatenate([self.score, dets.confidence])
        self.mean = np.concatenate([self.mean, mean])
        self.cov = np.concatenate([self.cov, cov])
        return np.arange(first, first + n, dtype=np.int64)


class LegacyTracker(ByteTracker):
    """The old tracker behind the new tracker interface (ts, frame and regions are ignored)."""

    def update(self, dets: Detections, ts: float | None = None, frame: object = None,  # type: ignore[override]
               regions: np.ndarray | None = None) -> Detections:
        return super().update(dets)

    def stationary_boxes(self) -> np.ndarray:
        return np.zeros((0, 4), np.float32)
