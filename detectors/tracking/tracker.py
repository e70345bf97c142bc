"""Multi-object tracker on arrays: ByteTrack's two score passes, scale-aware, timed in seconds,
with stationary tracks.

Per processed frame (`update(dets, ts, frame, regions)`):
1. predict every track by the time since the previous frame (Kalman with size rates);
2. high-score detections vs confirmed tracks (active, lost, stationary): IoU first, then the
   scale-normalised distance inside the filter's gate (`association.fused_cost`); a lost track's
   gate widens with the time it has been lost, so a person behind a pillar for a second or a car
   hidden by a bus is re-associated instead of starting a new id;
3. low-score detections vs still-unmatched active tracks by IoU (ByteTrack: a half-hidden person
   scores low but continues its track);
4. leftover high-score detections vs tentative tracks (wide gate: a new track's velocity is not
   known yet), then new tentative tracks from what is left;
5. unmatched tracks: a track that has stood still for `still_after_s` is *stationary*; when the
   detector misses it, or did not look at it this frame, its Y-plane patch is compared with the
   template from its last detection (`patches.same_patch`): unchanged -> it is reported as held
   (data["stationary"] True, data["detected"] False), changed -> lost. Other tracks go lost;
   lost tracks are forgotten `lost_s` after they were last seen, a held track
   `stationary_hold_s` after the detector last confirmed it.
Detections and tracks of different class groups (person / two-wheeler / car-truck-bus) never
match: a cyclist's person box must not continue the bicycle's track.

State lives in parallel arrays (one row per track); Python loops run over matches only.
Class is a confidence-weighted vote per track (detectors flip car/truck from frame to frame).
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from detectors.frame import Frame
from detectors.tracking import appearance, patches
from detectors.tracking.association import FORBIDDEN, assign, fused_cost, iou_cost
from detectors.tracking.kalman import BoxKalman, xyxy_to_z, z_to_xyxy
from detectors.types import ClassId, Detections, box_iou

N_CLASSES = len(ClassId)
TENTATIVE, ACTIVE, LOST = 0, 1, 2
DEFAULT_FPS = 10.0  # time step assumed when `update` gets no timestamp
# Class groups that may share a track (detectors flip car/truck/bus and bicycle/motorbike).
CLASS_GROUP = np.array([0, 1, 1, 2, 2, 2], np.int8)  # indexed by ClassId
TEMPLATE_AFTER_S = 0.5  # still this long before templates are taken at each detection
# Score thresholds (high/low split, new track) that suit each detector's score scale: NanoDet-g
# scores run lower than the SSD's (best-F1 thresholds 0.40-0.45 on every shared clip, bench/
# RESULTS.md "Object detector choice"). Others get GENERIC_THRESHOLDS.
DETECTOR_THRESHOLDS: dict[str, tuple[float, float]] = {"nanodet": (0.4, 0.45)}
GENERIC_THRESHOLDS = (0.5, 0.6)


class TrackerConfig(BaseModel):
    """Tracker thresholds; times in seconds, distances in units of the track's own box."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    high_threshold: float | None = Field(
        None, ge=0.0, le=1.0, description="Score splitting high/low detections (default: the detector's own)."
    )
    low_threshold: float = Field(0.1, ge=0.0, le=1.0, description="Detections below this are ignored.")
    new_track_threshold: float | None = Field(
        None, ge=0.0, le=1.0, description="Score needed to start a track (default: the detector's own)."
    )
    match_iou: float = Field(0.2, ge=0.0, le=1.0, description="Min IoU, first (high-score) association.")
    low_match_iou: float = Field(0.5, ge=0.0, le=1.0, description="Min IoU, second (low-score) association.")
    min_hits: int = Field(2, ge=1, le=30, description="Consecutive hits before a track is reported.")
    confirm_first_frame: bool = Field(
        True, description="Tracks started on the tracker's first frame are reported at once (what is in the "
        "picture when analysis starts was there before it: waiting min_hits frames only hides it, 0.2 s at 5 fps).",
    )
    lost_s: float = Field(1.5, gt=0.0, le=60.0, description="Seconds a lost track is kept for re-association.")
    max_distance: float = Field(
        0.75, gt=0.0, le=10.0, description="Distance gate (box sizes) for a track seen in the previous frame."
    )
    lost_distance_rate: float = Field(
        1.0, ge=0.0, le=20.0, description="The distance gate widens by this many box sizes per second lost."
    )
    new_distance: float = Field(1.5, gt=0.0, le=10.0, description="Distance gate (box sizes) for tentative tracks.")
    max_size_change: float = Field(
        0.4, gt=0.0, le=2.0, description="Largest |log size ratio| the distance pass accepts (0.4 = 1.5x)."
    )
    appearance_weight: float = Field(
        1.0, ge=0.0, le=10.0, description="Weight of the colour-histogram distance in the first pass (0 = off)."
    )
    max_appearance: float = Field(
        0.65, ge=0.0, le=1.0, description="Pairs that look less alike than this never match in the first pass."
    )
    reid_max_appearance: float = Field(
        0.5, ge=0.0, le=1.0, description="A lost track re-associated by distance must look at least this alike."
    )
    still_after_s: float = Field(1.5, gt=0.0, le=60.0, description="Standing this long makes a track stationary.")
    still_radius: float = Field(0.2, gt=0.0, le=2.0, description="Drift (box heights) that still counts as standing.")
    stationary_min_hits: int = Field(
        3, ge=1, le=100, description="Detections while standing before the patch alone may hold a track."
    )
    stationary_missed_s: float = Field(
        3.0, gt=0.0, le=86400.0,
        description="A stationary track (held, or kept by low scores) the detector looked at and did not confirm "
        "with a high score for this long ends (a false detection of a static thing must not live on).",
    )
    stationary_look_s: float = Field(
        2.0, gt=0.0, le=3600.0,
        description="A held track nothing looked at for this long is in live_boxes() again (asks for a crop); "
        "longer than the engine's periodic full look, which then re-confirms it first.",
    )
    stationary_hold_s: float = Field(
        300.0, gt=0.0, le=86400.0,
        description="A held track ends this long after its last detection, even if the detector never looked.",
    )


    def for_detector(self, detector_type: str) -> TrackerConfig:
        """This config with unset score thresholds taken from DETECTOR_THRESHOLDS[detector_type]."""
        high, new = DETECTOR_THRESHOLDS.get(detector_type, GENERIC_THRESHOLDS)
        return self.model_copy(update={
            "high_threshold": high if self.high_threshold is None else self.high_threshold,
            "new_track_threshold": new if self.new_track_threshold is None else self.new_track_threshold,
        })


_ROW_FIELDS = ("ids", "state", "hits", "votes", "score", "mean", "cov", "last_ts", "seen_ts",
               "still_since", "still_hits", "missed_looks", "looked_ts", "anchor", "template", "template_box",
               "has_template", "held", "app")
APP_MEMORY = 0.8  # share of the old colour histogram kept at each clean sighting


class ByteTracker:
    """Multi-object tracker; call `update` once per processed frame."""

    def __init__(self, config: TrackerConfig | None = None, detector_type: str = "") -> None:
        """`detector_type` (a DetectorConfig `type`) picks the score thresholds left unset."""
        self.config = (config or TrackerConfig()).for_detector(detector_type)
        self._high = float(self.config.high_threshold or 0.0)  # set by for_detector
        self._new = float(self.config.new_track_threshold or 0.0)
        self._kf = BoxKalman()
        self._next_id = 1
        self._ts: float | None = None
        self._updates = 0  # update() calls so far
        self.ids = np.zeros(0, np.int64)
        self.state = np.zeros(0, np.int8)
        self.hits = np.zeros(0, np.int32)
        self.votes = np.zeros((0, N_CLASSES), np.float32)
        self.score = np.zeros(0, np.float32)
        self.mean = np.zeros((0, 8))
        self.cov = np.zeros((0, 8, 8))
        self.last_ts = np.zeros(0)  # last matched by a high-score detection (confirmed)
        self.seen_ts = np.zeros(0)  # last reported (detection or held by its patch)
        self.still_since = np.zeros(0)  # standing within `still_radius` of `anchor` since then
        self.still_hits = np.zeros(0, np.int32)  # detections since it stands
        self.missed_looks = np.zeros(0, np.int32)  # frames the detector looked and gave no high score, since the last
        self.looked_ts = np.zeros(0)  # last frame the model ran over it
        self.anchor = np.zeros((0, 3))  # cx, cy, h where it started standing
        self.template = np.zeros((0, patches.SIDE, patches.SIDE), np.float32)
        self.template_box = np.zeros((0, 4), np.float32)
        self.has_template = np.zeros(0, bool)
        self.held = np.zeros(0, bool)  # reported from its patch in the last frame
        self.app = np.zeros((0, appearance.DIM), np.float32)  # colour histogram (zeros: none yet)

    # ------------------------------------------------------------------ queries
    def live_boxes(self) -> np.ndarray:
        """(n, 4) float32 predicted boxes of the tracks the detector should look at next (for
        region planning): every track except stationary ones held by their patch, which are
        re-confirmed from the Y plane and by the periodic full-frame look; a held track nothing
        looked at for `stationary_look_s` asks for a look itself (one crop now and then, so a
        false detection of a static thing is found out even without full looks)."""
        if not len(self.ids):
            return np.zeros((0, 4), np.float32)
        due = ~self.held
        if self._ts is not None:
            due |= self._ts - self.looked_ts >= self.config.stationary_look_s
        return z_to_xyxy(self.mean[due, :4])

    def stationary_boxes(self) -> np.ndarray:
        """(k, 4) float32 boxes of the stationary tracks held by their patch."""
        return z_to_xyxy(self.mean[self.held, :4]) if len(self.ids) else np.zeros((0, 4), np.float32)

    def is_stationary(self, ts: float) -> np.ndarray:
        """(n,) bool per track row: standing still for at least `still_after_s`."""
        return ts - self.still_since >= self.config.still_after_s

    # ------------------------------------------------------------------ update
    def update(self, dets: Detections, ts: float | None = None, frame: Frame | None = None,
               regions: np.ndarray | None = None) -> Detections:
        """Associate one frame's detections with the tracks.

        Args:
            dets: this frame's detections (any `tracker_id`).
            ts: frame time in seconds (default: the previous one + 1 / DEFAULT_FPS).
            frame: the frame (its Y plane re-confirms stationary tracks); optional.
            regions: (k, 4) crops the model ran on this frame; None = the whole frame. A track
                outside every crop was not looked at, so a missing detection says nothing.
        Returns:
            Detections of the reported tracks: box = filtered box, class_id = voted class,
            tracker_id set, confidence = this frame's detection score (last score when held),
            data["stationary"] (n,) bool, data["detected"] (n,) bool.
        """
        cfg = self.config
        self._updates += 1
        ts = self._advance(ts)
        dets = dets[dets.confidence >= cfg.low_threshold]
        z = xyxy_to_z(dets.xyxy)
        app = self._describe(dets, frame)
        mt, md, new = self._associate(ts, dets, z, app)
        self._apply_matches(ts, mt, md, dets, z, frame, app)
        held = self._unmatched(ts, mt, frame, regions)
        rows, md = self._forget(ts, mt, md, held)
        new_rows = self._start(ts, dets[new], frame, app[new])
        return self._report(ts, np.concatenate([rows, new_rows]), np.concatenate([md, new]), dets)

    def _describe(self, dets: Detections, frame: Frame | None) -> np.ndarray:
        """(m, DIM) colour histograms of the high-score detections (zeros elsewhere / without a frame)."""
        app = np.zeros((len(dets), appearance.DIM), np.float32)
        high = dets.confidence >= self._high
        if frame is not None and self.config.appearance_weight > 0 and high.any():
            app[high] = appearance.descriptors(frame.bgr(), dets.xyxy[high])
        return app

    def _associate(self, ts: float, dets: Detections, z: np.ndarray, app: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The three passes (module docstring, steps 2-4). Returns matched (track rows, det
        indices) and the detections that start new tracks."""
        cfg = self.config
        pred = z_to_xyxy(self.mean[:, :4]) if len(self.ids) else np.zeros((0, 4), np.float32)
        maha = self._kf.mahalanobis(self.mean, self.cov, z)
        compatible = CLASS_GROUP[self.votes.argmax(axis=1)][:, None] == CLASS_GROUP[dets.class_id][None, :]
        high = np.flatnonzero(dets.confidence >= self._high)
        low = np.flatnonzero(dets.confidence < self._high)
        unseen = ts - self.seen_ts
        look = np.nan_to_num(appearance.distance(self.app, app), nan=0.0)

        def stage(pool: np.ndarray, cand: np.ndarray, cost_fn) -> tuple[np.ndarray, np.ndarray]:
            cost = cost_fn(pool, cand)
            cost = np.where(compatible[np.ix_(pool, cand)], cost, FORBIDDEN)
            r, c = assign(cost)
            return pool[r], cand[c]

        def first(p: np.ndarray, c: np.ndarray) -> np.ndarray:
            cost = fused_cost(pred[p], dets.xyxy[c], maha[np.ix_(p, c)], cfg.match_iou, gate[p], cfg.max_size_change)
            alike = look[np.ix_(p, c)]
            # Re-found by distance after a loss: only if it also looks like the lost track.
            reid = (cost > 1.0 - cfg.match_iou) & (unseen[p] > 0.25)[:, None] & (alike > cfg.reid_max_appearance)
            cost = np.where(reid | (alike > cfg.max_appearance), FORBIDDEN, cost)
            return np.where(cost < FORBIDDEN, cost + cfg.appearance_weight * alike, cost)

        confirmed = np.flatnonzero(self.state != TENTATIVE)
        gate = cfg.max_distance + cfg.lost_distance_rate * np.clip(unseen - 0.25, 0.0, None)
        # Seen once (confirmed on the first frame): its velocity is unknown, gate it like a tentative track.
        once = self.hits == 1
        gate = np.where(once, np.maximum(gate, cfg.new_distance), gate)
        maha = np.where(once[:, None], 0.0, maha)
        t1, d1 = stage(confirmed, high, first)
        pool2 = np.setdiff1d(confirmed[(self.state[confirmed] == ACTIVE)], t1)
        t2, d2 = stage(pool2, low, lambda p, c: iou_cost(pred[p], dets.xyxy[c], cfg.low_match_iou))
        rest = np.setdiff1d(high, d1)
        t3, d3 = stage(np.flatnonzero(self.state == TENTATIVE), rest, lambda p, c: fused_cost(
            pred[p], dets.xyxy[c], None, cfg.match_iou + 0.1, cfg.new_distance, cfg.max_size_change))
        new = np.setdiff1d(rest, d3)
        new = new[dets.confidence[new] >= self._new]
        return np.concatenate([t1, t2, t3]), np.concatenate([d1, d2, d3]), new

    def _advance(self, ts: float | None) -> float:
        """Predict every track forward to `ts`; held tracks stand still."""
        if ts is None:
            ts = 0.0 if self._ts is None else self._ts + 1.0 / DEFAULT_FPS
        dt = 0.0 if self._ts is None else max(0.0, ts - self._ts)
        self._ts = ts
        if len(self.ids):
            self.mean[self.held, 4:] = 0.0
            self.mean, self.cov = self._kf.predict(self.mean, self.cov, dt)
        return ts

    def _apply_matches(self, ts: float, mt: np.ndarray, md: np.ndarray, dets: Detections, z: np.ndarray,
                       frame: Frame | None, app: np.ndarray) -> None:
        if len(mt) == 0:
            return
        self._learn_appearance(mt, md, dets, app)
        self.mean[mt], self.cov[mt] = self._kf.update(self.mean[mt], self.cov[mt], z[md])
        self.hits[mt] += 1
        self.looked_ts[mt] = ts
        # Only a high score confirms: a static thing the model keeps scoring 0.3 in a zoomed crop
        # (a bin, a sign) must not live on as a stationary track through the low-score pass.
        confirmed = dets.confidence[md] >= self._high
        self.last_ts[mt[confirmed]] = ts
        self.seen_ts[mt] = ts
        self.held[mt] = False
        self.score[mt] = dets.confidence[md]
        np.add.at(self.votes, (mt, dets.class_id[md]), dets.confidence[md])
        promote = mt[(self.state[mt] == LOST) | (self.hits[mt] >= self.config.min_hits)]
        self.state[promote] = ACTIVE
        self._update_still(ts, mt, z[md], frame)
        self.missed_looks[mt[confirmed]] = 0
        self.missed_looks[mt[~confirmed]] += 1

    def _learn_appearance(self, mt: np.ndarray, md: np.ndarray, dets: Detections, app: np.ndarray) -> None:
        """Blend in the histograms of matched detections that overlap no other detection (a
        crossing partner's colours must not leak into the track)."""
        overlap = box_iou(dets.xyxy[md], dets.xyxy)
        overlap[np.arange(len(md)), md] = 0.0
        clean = (overlap.max(axis=1, initial=0.0) < 0.1) & (app[md].sum(axis=1) > 0)
        rows, cols = mt[clean], md[clean]
        fresh = self.app[rows].sum(axis=1) == 0
        self.app[rows] = np.where(fresh[:, None], app[cols], APP_MEMORY * self.app[rows] + (1 - APP_MEMORY) * app[cols])

    def _update_still(self, ts: float, rows: np.ndarray, z: np.ndarray, frame: Frame | None) -> None:
        """Restart the standing clock of tracks that moved; refresh templates of standing ones."""
        anchor = self.anchor[rows]
        drift = np.hypot(z[:, 0] - anchor[:, 0], z[:, 1] - anchor[:, 1]) / np.maximum(anchor[:, 2], 1.0)
        resized = np.abs(np.log(np.maximum(z[:, 3], 1.0) / np.maximum(anchor[:, 2], 1.0))) > 0.2
        moved = (drift > self.config.still_radius) | resized
        self.still_since[rows[moved]] = ts
        self.still_hits[rows[moved]] = 0
        self.still_hits[rows] += 1
        self.anchor[rows[moved]] = z[moved][:, [0, 1, 3]]
        if frame is None:
            return
        for r in rows[ts - self.still_since[rows] >= TEMPLATE_AFTER_S].tolist():
            box = z_to_xyxy(self.mean[r:r + 1, :4])[0]
            tpl = patches.patch(frame.y, box)
            self.has_template[r] = tpl is not None
            if tpl is not None:
                self.template[r], self.template_box[r] = tpl, box

    def _unmatched(self, ts: float, mt: np.ndarray, frame: Frame | None,
                   regions: np.ndarray | None) -> np.ndarray:
        """Hold stationary tracks whose patch is unchanged; others go lost. Returns held rows."""
        unmatched = np.setdiff1d(np.arange(len(self.ids)), mt)
        self.held[unmatched] = False
        looked = _looked(z_to_xyxy(self.mean[unmatched, :4]), regions)
        self.missed_looks[unmatched[looked]] += 1
        self.looked_ts[unmatched[looked]] = ts
        candidates = unmatched[self.is_stationary(ts)[unmatched] & self.has_template[unmatched]
                               & (self.state[unmatched] != TENTATIVE)
                               & (self.still_hits[unmatched] >= self.config.stationary_min_hits)]
        held = []
        if frame is not None:
            for r in candidates.tolist():
                current = patches.patch(frame.y, self.template_box[r])
                if current is not None and patches.same_patch(self.template[r], current):
                    held.append(r)
        held_rows = np.asarray(held, np.int64)
        self.held[held_rows] = True
        self.seen_ts[held_rows] = ts
        self.state[held_rows] = ACTIVE
        gone = ~np.isin(unmatched, held_rows)
        self.state[unmatched[gone & (self.state[unmatched] == ACTIVE)]] = LOST
        # A tentative track the detector looked at and did not find again was noise.
        self._drop_tentative = unmatched[gone & (self.state[unmatched] == TENTATIVE) & looked]
        return held_rows

    def _forget(self, ts: float, mt: np.ndarray, md: np.ndarray, held: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """Drop expired tracks; returns the new row indices of matched + held rows and their dets."""
        cfg = self.config
        drop = (ts - self.seen_ts > cfg.lost_s) & ~self.held
        unconfirmed = ts - self.last_ts
        drop |= self.held & (unconfirmed > cfg.stationary_hold_s)
        # Held or kept by low scores: a stationary track the model looked at and did not confirm.
        drop |= self.is_stationary(ts) & (unconfirmed > cfg.stationary_missed_s) & (self.missed_looks >= 2)
        drop[self._drop_tentative] = True
        keep = ~drop
        for name in _ROW_FIELDS:
            setattr(self, name, getattr(self, name)[keep])
        new_index = np.cumsum(keep) - 1
        rows = np.concatenate([mt, held])
        dets_of = np.concatenate([md, np.full(len(held), -1, np.int64)])
        alive = keep[rows] if len(rows) else np.zeros(0, bool)
        return new_index[rows[alive]], dets_of[alive]

    def _report(self, ts: float, rows: np.ndarray, md: np.ndarray, dets: Detections) -> Detections:
        active = self.state[rows] == ACTIVE
        rows, md = rows[active], md[active]
        detected = md >= 0
        score = self.score[rows].copy()
        score[detected] = dets.confidence[md[detected]]
        return Detections(
            xyxy=z_to_xyxy(self.mean[rows, :4]),
            confidence=score,
            class_id=self.votes[rows].argmax(axis=1).astype(np.int32),
            tracker_id=self.ids[rows],
            data={"stationary": self.is_stationary(ts)[rows], "detected": detected},
        )

    def _start(self, ts: float, dets: Detections, frame: Frame | None, app: np.ndarray) -> np.ndarray:
        """Append tentative tracks (active at once when min_hits == 1); returns their rows."""
        n, first = len(dets), len(self.ids)
        if n == 0:
            return np.zeros(0, np.int64)
        z = xyxy_to_z(dets.xyxy)
        mean, cov = self._kf.initiate(z)
        votes = np.zeros((n, N_CLASSES), np.float32)
        votes[np.arange(n), dets.class_id] = dets.confidence
        first_frame = self._updates == 1 and self.config.confirm_first_frame
        state = ACTIVE if self.config.min_hits <= 1 or first_frame else TENTATIVE
        fresh = {
            "ids": np.arange(self._next_id, self._next_id + n, dtype=np.int64),
            "state": np.full(n, state, np.int8), "hits": np.ones(n, np.int32), "votes": votes,
            "score": dets.confidence.astype(np.float32), "mean": mean, "cov": cov,
            "last_ts": np.full(n, ts), "seen_ts": np.full(n, ts), "still_since": np.full(n, ts),
            "still_hits": np.ones(n, np.int32), "missed_looks": np.zeros(n, np.int32),
            "looked_ts": np.full(n, ts),
            "anchor": z[:, [0, 1, 3]], "template": np.zeros((n, patches.SIDE, patches.SIDE), np.float32),
            "template_box": np.zeros((n, 4), np.float32), "has_template": np.zeros(n, bool),
            "held": np.zeros(n, bool), "app": app.astype(np.float32),
        }
        self._next_id += n
        for name in _ROW_FIELDS:
            setattr(self, name, np.concatenate([getattr(self, name), fresh[name]]))
        return np.arange(first, first + n, dtype=np.int64)


def _looked(boxes: np.ndarray, regions: np.ndarray | None) -> np.ndarray:
    """(n,) bool: the box centre lies inside one of the model's crops (all True without crops)."""
    if regions is None:
        return np.ones(len(boxes), bool)
    regions = np.asarray(regions, np.float32).reshape(-1, 4)
    cx = (boxes[:, 0] + boxes[:, 2])[:, None] / 2
    cy = (boxes[:, 1] + boxes[:, 3])[:, None] / 2
    inside = (cx >= regions[None, :, 0]) & (cx <= regions[None, :, 2]) & (cy >= regions[None, :, 1]) \
        & (cy <= regions[None, :, 3])
    return inside.any(axis=1)
