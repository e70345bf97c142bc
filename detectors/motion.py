"""Vectorised motion detection on a downscaled luma plane.

Per frame (all whole-array OpenCV calls, no Python loops over pixels):

1. downscale the Y plane to `work_width` and median-filter it (kills sensor noise and
   rain/snow speckle);
2. subtract a running-average background, after removing the global brightness offset
   (auto-exposure steps, clouds);
3. threshold against a per-pixel adaptive level `max(min_threshold, k * noise)`, where
   `noise` is a running mean of the absolute difference: swaying trees and water raise their
   own threshold instead of firing forever;
4. optionally drop pure illumination changes: cast shadows (darker by a bounded ratio, same
   texture) and light pools such as headlight sweeps (brighter by a bounded ratio, same texture);
5. morphology (open removes speckle and insects' thin trails, close fills cars' uniform
   roofs/windows), ignore-area mask, outer contours -> boxes (optionally split at column
   valleys: people walking side by side; and merge fragments of one upright object, see
   `detectors.blobs`);
6. update background and noise only where there is no motion, so slow objects are not eaten;
   if most of the frame changes at once (IR day/night switch, lights on) the background is
   re-learnt from this frame and no motion is reported; motion pixels that stay unchanged for
   `absorb_after_frames` frames join the background (ghosts, stopped objects).

Masks, sensitivity and a day/night schedule are per camera (`MotionConfig`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from detectors.blobs import mask_boxes, merge_stacked, split_blobs

Polygon = list[tuple[float, float]]

# Share of min_area a blob needs to be kept as a fragment that may still be merged.
FRAGMENT_SHARE = 0.25


class MotionProfile(BaseModel):
    """Sensitivity knobs; a camera may have one for day and one for night."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold_k: float = Field(3.0, ge=0.5, le=20.0, description="Threshold = k x per-pixel noise level.")
    min_threshold: float = Field(12.0, ge=1.0, le=128.0, description="Lowest luma difference counted.")
    min_area: float = Field(
        0.0005, ge=0.0, le=0.5, description="Smallest motion box, as a fraction of the frame area."
    )
    alpha: float = Field(0.02, gt=0.0, le=0.5, description="Background learning rate per frame.")
    foreground_alpha_ratio: float = Field(
        0.02,
        ge=0.0,
        le=1.0,
        description="Learning rate under motion relative to alpha (how fast stopped objects fade).",
    )
    absorb_after_frames: int = Field(
        20,
        ge=1,
        le=255,
        description="Motion pixels unchanged frame to frame for this many frames join the background "
        "(ghosts of objects that left, objects that stopped).",
    )
    shadow_ratio: tuple[float, float] = Field(
        (0.45, 0.92), description="Luma ratio frame/background treated as cast shadow (lo, hi)."
    )
    light_ratio: tuple[float, float] = Field(
        (1.1, 4.0), description="Luma ratio frame/background treated as a light pool (lo, hi)."
    )


class MotionConfig(BaseModel):
    """Per-camera motion settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    work_width: int = Field(320, ge=64, le=1920, description="Width in px motion runs at.")
    blur_kernel: int = Field(3, ge=1, le=21, description="Odd median filter size at work size.")
    close_kernel: int = Field(
        7, ge=1, le=31, description="Closing kernel at work size; fills object interiors."
    )
    day: MotionProfile = Field(default_factory=MotionProfile, description="Profile used by day.")
    night: MotionProfile | None = Field(None, description="Profile used at night (default: day's).")
    night_hours: tuple[int, int] = Field((18, 6), description="Night from hour a to hour b, camera-local.")
    utc_offset_hours: float = Field(7.0, ge=-12, le=14, description="Camera-local time offset (Vietnam +7).")
    ignore_areas: list[Polygon] = Field(
        default_factory=list, description="Polygons in normalised [0,1] x,y where motion is ignored."
    )
    global_change_fraction: float = Field(
        0.5, gt=0.0, le=1.0, description="Share of pixels changing at once that means a lighting switch."
    )
    shadows: bool = Field(False, description="Suppress cast shadows (sunny scenes; costs ~0.3 ms).")
    light_pools: bool = Field(
        False,
        description="Suppress light pools (headlight sweeps on walls/roads at night; ~0.3 ms). "
        "Also hides texture-poor objects 1.1-4x brighter than the background.",
    )
    split_valley: float = Field(
        0.0,
        ge=0.0,
        lt=1.0,
        description="Split a blob where its column profile drops below this share of the peaks on "
        "both sides (people walking side by side); 0 disables.",
    )
    merge_gap: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Merge fragments stacked one above the other when the gap between them is at "
        "most this share of the taller one's height and their union is upright (a walker cut by "
        "a sign or lamp post); 0 disables.",
    )


@dataclass(slots=True)
class MotionResult:
    """Output of one motion step.

    Attributes:
        mask: (h, w) uint8 {0, 255} motion mask at work resolution.
        boxes: (k, 4) int32 xyxy in full-frame pixels.
        areas: (k,) int32 motion pixel count per box at work resolution.
        global_change: True when the frame was treated as a lighting switch.
        profile: "day" or "night".
    """

    mask: np.ndarray
    boxes: np.ndarray
    areas: np.ndarray
    global_change: bool
    profile: str


def _odd(k: int) -> int:
    return k if k % 2 == 1 else k + 1


class MotionDetector:
    """Stateful per-camera motion detector; feed it consecutive Y planes."""

    THRESH_EVERY = 4

    def __init__(self, config: MotionConfig | None = None) -> None:
        self.config = config or MotionConfig()
        self._bg: np.ndarray | None = None  # (h, w) float32 background
        self._noise: np.ndarray | None = None  # (h, w) float32 mean |frame - bg|
        self._ignore: np.ndarray | None = None  # (h, w) uint8, 255 where motion counts
        self._size: tuple[int, int] = (0, 0)
        self._in_shape: tuple[int, ...] = ()
        self._scale = 1.0
        self._thresh: np.ndarray | None = None  # (h, w) uint8 per-pixel threshold
        self._bg_mask: np.ndarray | None = None  # (h, w) uint8, 255 where last frame was still
        self._prev: np.ndarray | None = None  # (h, w) uint8 previous work frame
        self._still: np.ndarray | None = None  # (h, w) uint8 frames a motion pixel stayed unchanged
        self._offset = 0.0  # global brightness offset frame - background
        self._n = 0  # frames seen since the background was (re)started
        # Rectangular kernels: OpenCV runs them separably, several times faster than ellipses.
        self._k_open = cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3))
        ck = self.config.close_kernel
        self._k_close = cv2.getStructuringElement(cv2.MORPH_RECT, (ck, ck))

    def profile_at(self, ts: float | None) -> tuple[str, MotionProfile]:
        """Pick the day or night profile for a UTC timestamp (seconds)."""
        cfg = self.config
        if ts is None or cfg.night is None:
            return "day", cfg.day
        local = datetime.fromtimestamp(ts, tz=UTC) + timedelta(hours=cfg.utc_offset_hours)
        start, end = cfg.night_hours
        hour = local.hour
        is_night = (start <= hour or hour < end) if start > end else (start <= hour < end)
        return ("night", cfg.night) if is_night else ("day", cfg.day)

    def _setup(self, shape: tuple[int, int]) -> None:
        h, w = shape
        self._scale = min(1.0, self.config.work_width / w)
        self._size = (max(1, round(w * self._scale)), max(1, round(h * self._scale)))
        ww, wh = self._size
        ignore = np.full((wh, ww), 255, np.uint8)
        for poly in self.config.ignore_areas:
            pts = np.round(np.asarray(poly, np.float32) * [ww, wh]).astype(np.int32)
            cv2.fillPoly(ignore, [pts], 0)
        self._ignore = ignore

    def reset(self) -> None:
        """Forget the background (e.g. after a PTZ move or reconnect)."""
        self._bg = None
        self._noise = None
        self._thresh = None

    def _prepare(self, y: np.ndarray) -> np.ndarray:
        """Downscale and median-filter the luma plane; returns (h, w) uint8."""
        if y.shape[:2] != self._in_shape:
            # First frame, or the stream changed resolution (reconnect, profile switch).
            self._in_shape = y.shape[:2]
            self._setup(self._in_shape)
            self.reset()
        small = y if self._scale == 1.0 else cv2.resize(y, self._size, interpolation=cv2.INTER_AREA)
        k = _odd(self.config.blur_kernel)
        if k > 1:
            # Median, not mean: an isolated bright pixel (rain, snow, sensor hot pixel) vanishes
            # instead of spreading into a 3x3 blob that survives the opening.
            small = cv2.medianBlur(small, k)
        return small

    def _start(self, cur: np.ndarray, prof: MotionProfile) -> None:
        self._bg = cur.astype(np.float32)
        self._noise = np.full(cur.shape, prof.min_threshold / prof.threshold_k, np.float32)
        self._bg_mask = np.full(cur.shape, 255, np.uint8)
        self._still = np.zeros(cur.shape, np.uint8)
        self._prev = cur
        self._thresh = None
        self._n = 0

    def detect(self, y: np.ndarray, ts: float | None = None) -> MotionResult:
        """Run one step.

        Args:
            y: (H, W) uint8 luma plane.
            ts: frame time (UTC seconds) for the day/night schedule.
        """
        name, prof = self.profile_at(ts)
        # uint8 for everything per-pixel except the float background and noise accumulators:
        # 4x less memory traffic, which is what this step's cost mostly is.
        cur = self._prepare(y)
        if self._bg is None:
            self._start(cur, prof)
            return self._result(np.zeros(cur.shape, np.uint8), False, name, prof)
        slow = self._n % self.THRESH_EVERY == 0
        if slow:
            # Global offset (exposure step), measured on last frame's background pixels only.
            self._offset = cv2.mean(cur, self._bg_mask)[0] - cv2.mean(self._bg, self._bg_mask)[0]
            # The noise map moves slowly: refreshing the threshold every few frames is enough.
            thresh = cv2.max(cv2.multiply(self._noise, prof.threshold_k), prof.min_threshold)
            self._thresh = cv2.convertScaleAbs(thresh)
        self._n += 1
        ref = cv2.convertScaleAbs(self._bg)  # bg >= 0, so this is a saturating cast to uint8
        if abs(self._offset) >= 2.0:
            ref = cv2.add(ref, self._offset) if self._offset > 0 else cv2.subtract(ref, -self._offset)
        adiff = cv2.absdiff(cur, ref)
        fg = cv2.compare(adiff, self._thresh, cv2.CMP_GT)
        if self.config.shadows or self.config.light_pools:
            fg = self._drop_illumination(fg, cur.astype(np.float32), prof)
        fg = cv2.bitwise_and(fg, self._ignore)
        if cv2.countNonZero(fg) > self.config.global_change_fraction * fg.size:
            self._bg = cur.astype(np.float32)
            return self._result(np.zeros(cur.shape, np.uint8), True, name, prof)
        fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, self._k_open)
        fg = cv2.morphologyEx(fg, cv2.MORPH_CLOSE, self._k_close)
        self._absorb_still(cur, fg, prof)
        self._update(cur, adiff, fg, prof, slow)
        self._prev = cur
        return self._result(fg, False, name, prof)

    def _drop_illumination(self, fg: np.ndarray, cur: np.ndarray, prof: MotionProfile) -> np.ndarray:
        """Drop pixels whose change is only illumination: the frame/background ratio lies in a
        bounded band (shadow: darker, light pool: brighter) and is locally smooth there, while
        an object brings its own edges and texture and makes the ratio vary."""
        ratio = cv2.divide(cur, cv2.max(self._bg, 1.0))
        band = np.zeros(fg.shape, np.uint8)
        if self.config.shadows:
            band = cv2.bitwise_or(band, cv2.inRange(ratio, *prof.shadow_ratio))
        if self.config.light_pools:
            band = cv2.bitwise_or(band, cv2.inRange(ratio, *prof.light_ratio))
        ratio_blur = cv2.blur(ratio, (5, 5))
        flat = cv2.compare(cv2.absdiff(ratio, ratio_blur), 0.04 * cv2.max(ratio_blur, 1.0), cv2.CMP_LT)
        lit = cv2.bitwise_and(band, flat)
        return cv2.bitwise_and(fg, cv2.bitwise_not(lit))

    def _absorb_still(self, cur: np.ndarray, fg: np.ndarray, prof: MotionProfile) -> None:
        """Count, per motion pixel, frames without frame-to-frame change; copy long-still
        pixels into the background. This clears ghosts left where an object stood when the
        background was learnt, which selective updating alone would keep forever."""
        unchanged = cv2.compare(cv2.absdiff(cur, self._prev), prof.min_threshold * 0.5, cv2.CMP_LT)
        still = cv2.bitwise_and(unchanged, fg)
        self._still = cv2.bitwise_and(cv2.add(self._still, 1), still)
        absorb = cv2.compare(self._still, prof.absorb_after_frames, cv2.CMP_GE)
        cv2.accumulateWeighted(cur, self._bg, 1.0, mask=absorb)  # alpha 1: copy

    def _update(
        self, cur: np.ndarray, adiff: np.ndarray, fg: np.ndarray, prof: MotionProfile, slow: bool
    ) -> None:
        bg_mask = cv2.bitwise_not(fg)
        # Bootstrap: a plain mean over the first frames, then the configured running average.
        alpha = max(prof.alpha, 1.0 / (self._n + 1))
        cv2.accumulateWeighted(cur, self._bg, alpha, mask=bg_mask)
        if slow:
            # Slow maps are updated every THRESH_EVERY frames with a matching larger rate.
            every = self.THRESH_EVERY
            # Objects that stop, and ghosts they leave behind, fade into the background slowly.
            if prof.foreground_alpha_ratio > 0:
                cv2.accumulateWeighted(
                    cur, self._bg, min(1.0, every * prof.alpha * prof.foreground_alpha_ratio), mask=fg
                )
            cv2.accumulateWeighted(adiff, self._noise, min(1.0, every * alpha), mask=bg_mask)
        self._bg_mask = bg_mask

    def _result(self, fg: np.ndarray, global_change: bool, name: str, prof: MotionProfile) -> MotionResult:
        boxes, areas = self._boxes(fg, prof.min_area * fg.size)
        if len(boxes):
            boxes = np.round(boxes / self._scale).astype(np.int32)
        return MotionResult(mask=fg, boxes=boxes, areas=areas, global_change=global_change, profile=name)

    def _boxes(self, fg: np.ndarray, min_area: float) -> tuple[np.ndarray, np.ndarray]:
        """Blobs -> boxes at work resolution: split merged blobs, merge fragments, then drop
        what is still smaller than `min_area`."""
        cfg = self.config
        # With merging on, fragments below min_area are kept until they had a chance to join
        # their object (a head is small on its own).
        floor = min_area * FRAGMENT_SHARE if cfg.merge_gap > 0 else min_area
        boxes, areas = mask_boxes(fg, floor)
        parents = np.arange(len(boxes), dtype=np.int32)
        if cfg.split_valley > 0 and len(boxes):
            boxes, areas, parents = split_blobs(fg, boxes, areas, cfg.split_valley, floor)
        if cfg.merge_gap > 0 and len(boxes):
            boxes, areas = merge_stacked(boxes, areas, parents, cfg.merge_gap)
            keep = areas >= min_area
            boxes, areas = boxes[keep], areas[keep]
        return boxes, areas
