"""Camera tampering from the luma plane: blackout, lens covered, defocus, camera moved/repointed.

A few times per second the frame is shrunk to 160 px wide and compared with a slowly learnt
reference (running averages of the image and of its statistics, frozen while a condition
holds, so the tampered view never becomes "normal"):

- blackout: mean luma collapses below `blackout_luma` (it was lit before);
- covered: contrast (luma std) collapses relative to the reference;
- defocus: edge energy collapses while contrast stays;
- moved: phase correlation finds a global shift, or most of a 4x4 grid of the picture no longer
  matches the reference (repointed; a big vehicle filling part of the view does not count).
One incident, one alarm: a condition must hold for `min_duration_s` to open an event, and the
event ends only once the view has looked like the pre-tamper reference for `restore_s` (a hand or
cloth going on and off the lens, or cover turning into blackout, stays one incident). A covered,
blacked-out or defocused view is never learnt as normal, however long it lasts; a view that stays
*moved* for `relearn_s` is accepted as the new normal (a camera re-aimed on purpose).

Lighting changes are not tampering: a brightness jump with the picture's structure intact (IR
switching on or off, lamps) re-learns the reference, and the defocus test compares sharpness
relative to contrast, so a darker, lower-contrast picture after an IR switch is not "defocus".
"""

from __future__ import annotations

import cv2
import numpy as np

from detectors.frame import Frame
from detectors.rules.base import RuleEvent
from detectors.rules.config import TamperConfig

WIDTH = 160


SHARP_WIDTH = 320  # defocus shows in fine detail, which a 160 px image has already lost
LIGHTING_RATIO = 1.6  # mean luma jumping by this factor is a lighting change (IR switch), not tampering


def frame_stats(y: np.ndarray, small: np.ndarray) -> tuple[float, float, float]:
    """(mean, std, sharpness) of a frame: mean/std on the small image, mean |Laplacian| at 320 px."""
    w = min(SHARP_WIDTH, y.shape[1])
    mid = cv2.resize(y, (w, max(8, round(y.shape[0] * w / y.shape[1]))), interpolation=cv2.INTER_AREA)
    sharp = float(np.abs(cv2.Laplacian(mid.astype(np.float32), cv2.CV_32F)).mean())
    return float(small.mean()), float(small.std()), sharp


def shrink(y: np.ndarray, width: int = WIDTH) -> np.ndarray:
    """(H, W) uint8 -> (h, width) float32, area-averaged (also averages sensor noise away)."""
    h = max(8, round(y.shape[0] * width / y.shape[1]))
    return cv2.resize(y, (width, h), interpolation=cv2.INTER_AREA).astype(np.float32)


def changed_share(img: np.ndarray, ref: np.ndarray, grid: int = 4) -> float:
    """Share of grid cells whose content no longer matches the reference (0..1).

    A big vehicle filling part of the view changes some cells; a repointed camera changes
    nearly all of them. Textured cells compare by correlation, flat cells by brightness.
    """
    h, w = img.shape
    changed = 0
    for i in range(grid):
        for j in range(grid):
            a = img[i * h // grid:(i + 1) * h // grid, j * w // grid:(j + 1) * w // grid]
            b = ref[i * h // grid:(i + 1) * h // grid, j * w // grid:(j + 1) * w // grid]
            da, db = a - a.mean(), b - b.mean()
            denom = float(np.sqrt((da * da).sum() * (db * db).sum()))
            if a.std() < 4 and b.std() < 4:
                changed += abs(float(a.mean() - b.mean())) > 25
            else:
                changed += (float((da * db).sum()) / max(denom, 1e-6)) < 0.3
    return changed / (grid * grid)


class TamperRule:
    """Stateful per camera; call `update(frame)` on every frame (it samples itself)."""

    def __init__(self, config: TamperConfig) -> None:
        self.cfg = config
        self.ref_img: np.ndarray | None = None
        self.ref_stats = np.zeros(3)
        self.learnt_s = 0.0
        self.last_ts: float | None = None
        self.pending: tuple[str, float] | None = None  # condition, since
        self.clear_since: float | None = None
        self.open: RuleEvent | None = None
        self._n = 0

    @property
    def suspect(self) -> bool:
        """The view is lost or doubtful right now: objects may vanish because of it, not by themselves."""
        return self.pending is not None or (self.open is not None and self.clear_since is None)

    def update(self, frame: Frame) -> list[RuleEvent]:
        ts = frame.ts
        if self.last_ts is not None and ts - self.last_ts < 1.0 / self.cfg.sample_hz:
            return []
        dt = 0.0 if self.last_ts is None else min(ts - self.last_ts, 2.0)
        self.last_ts = ts
        small = shrink(frame.y)
        stats = np.asarray(frame_stats(frame.y, small))
        if self.ref_img is None or self.ref_img.shape != small.shape:
            self.ref_img, self.ref_stats, self.learnt_s = small, stats, 0.0
            return []
        condition = self._condition(small, stats) if self.learnt_s >= 3.0 else None
        if condition == "relight":  # the scene's lighting changed (day/night, IR): learn it afresh
            self.ref_img, self.ref_stats, self.learnt_s, condition = small, stats, 0.0, None
        if condition is None and self.open is None:
            alpha = min(1.0, dt / min(self.cfg.reference_s, max(self.learnt_s, 1.0)))
            self.ref_img = self.ref_img + alpha * (small - self.ref_img)
            self.ref_stats = self.ref_stats + alpha * (stats - self.ref_stats)
            self.learnt_s += dt
        return self._lifecycle(condition, ts, frame, stats)

    def _condition(self, small: np.ndarray, stats: np.ndarray) -> str | None:
        cfg = self.cfg
        mean, std, edge = stats
        ref_mean, ref_std, ref_edge = self.ref_stats
        if mean < cfg.blackout_luma and mean < 0.3 * ref_mean:
            return "blackout"
        if ref_std < 3.0:  # a featureless reference (lens already covered, test pattern): nothing to compare
            return None
        if std < cfg.cover_contrast * ref_std:
            return "cover"
        # Contrast is intact: a big brightness jump is the lighting (IR switch, lamps), not tampering.
        if not 1 / LIGHTING_RATIO < (mean + 5) / (ref_mean + 5) < LIGHTING_RATIO:
            return "relight"
        # Sharpness relative to contrast: blur removes detail but keeps contrast; a darker or flatter
        # picture (night, IR) loses both alike.
        if edge / max(ref_edge, 1e-6) < cfg.defocus_sharpness * min(1.0, std / max(ref_std, 1e-6)):
            return "defocus"
        (dx, dy), _ = cv2.phaseCorrelate(self.ref_img, small)
        if np.hypot(dx, dy) >= cfg.moved_shift_px:
            return "moved"
        return "moved" if changed_share(small, self.ref_img) >= cfg.repoint_share else None

    def _lifecycle(self, condition: str | None, ts: float, frame: Frame, stats: np.ndarray) -> list[RuleEvent]:
        cfg = self.cfg
        if condition is None:
            self.pending = None
            if self.open is None:
                return []
            self.clear_since = self.clear_since or ts
            if ts - self.clear_since >= cfg.restore_s:  # the view is back: the incident is over
                return [self._end(self.clear_since)]
            return []
        self.clear_since = None  # still (or again) tampered: the same incident goes on
        if self.open is not None:
            if self.open.evidence["kind"] == "moved" and condition == "moved" and ts - self.open.start_ts >= cfg.relearn_s:
                self.ref_img, self.ref_stats, self.learnt_s = shrink(frame.y), stats, 0.0  # re-aimed for good
                return [self._end(ts)]
            return []
        since = self.pending[1] if self.pending is not None else ts
        self.pending = (condition, since)  # onset time kept when the kind changes (cover -> blackout)
        if ts - since < cfg.min_duration_s:
            return []
        return [self._start(condition, since, ts, frame, stats)]

    def _start(self, condition: str, since: float, ts: float, frame: Frame, stats: np.ndarray) -> RuleEvent:
        self._n += 1
        self.pending = None
        ref_mean, ref_std, ref_edge = self.ref_stats
        self.open = RuleEvent(
            key=f"{self.cfg.name}:tamper:{self._n}", phase="start", type="tamper", rule=self.cfg.name,
            start_ts=since, ts=ts, severity="alarm", frame=frame,
            evidence={"kind": condition, "mean": round(float(stats[0]), 1),
                      "std_ratio": round(float(stats[1] / max(ref_std, 1e-6)), 3),
                      "edge_ratio": round(float(stats[2] / max(ref_edge, 1e-6)), 3),
                      "reference_mean": round(float(ref_mean), 1)},
        )
        return self.open

    def _end(self, end_ts: float) -> RuleEvent:
        start = self.open
        assert start is not None
        self.open, self.clear_since, self.pending = None, None, None
        return RuleEvent(key=start.key, phase="end", type="tamper", rule=start.rule, start_ts=start.start_ts,
                         ts=end_ts, end_ts=end_ts, severity=start.severity, evidence=start.evidence)
