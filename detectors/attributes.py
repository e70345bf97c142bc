"""Per-track attributes for search: class, dominant colour, direction, speed, best snapshot.

Colours (detectors/colour.py: the object's own pixels, white-balanced, "unknown" in an IR
picture) and directions are named in English and Vietnamese. The colour is named from several
frames of the track, not one: each new best view, and every COLOUR_EVERY-th update (at most
COLOUR_SAMPLES of them) of a track whose box is at least COLOUR_MIN_SHARE of its best so far,
adds the frame's colour probabilities (`detectors.colour.colour_scores`, with that frame's
motion mask), weighted by sqrt(box area); the track's colour is the most probable name of the sum
(one glint, shadow or partly hidden frame does not decide it). IR frames add nothing: a track seen
only at night is "unknown". Speed is px/s from the track's anchor (bottom-centre: feet, wheels) over the last second; km/h when the camera has a
calibration (a ground homography, or a flat metres-per-pixel scale).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from detectors.colour import COLOURS, UNKNOWN, Tone, colour_scores, frame_tone
from detectors.frame import Frame
from detectors.types import CLASS_NAMES_EN, CLASS_NAMES_VI, ClassId, Detections

# Octants counter-clockwise from east, image up = north unless calibrated.
DIRECTIONS: list[tuple[str, str]] = [
    ("east", "đông"),
    ("northeast", "đông bắc"),
    ("north", "bắc"),
    ("northwest", "tây bắc"),
    ("west", "tây"),
    ("southwest", "tây nam"),
    ("south", "nam"),
    ("southeast", "đông nam"),
]


class Calibration(BaseModel):
    """Optional per-camera ground calibration for km/h and compass directions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metres_per_pixel: float | None = Field(None, gt=0, le=10, description="Flat scale at the ground plane.")
    homography: list[list[float]] | None = Field(
        None, description="3x3 image->ground (metres) homography; wins over metres_per_pixel."
    )
    north_deg: float = Field(0.0, ge=-360, le=360, description="Compass bearing of image 'up', degrees.")


def _colour_index(hsv: np.ndarray) -> np.ndarray:
    """Vectorised colour naming. hsv: (n, 3) uint8 OpenCV HSV (H 0-179). Returns (n,) int codes."""
    h, s, v = (hsv[:, i].astype(np.int32) for i in range(3))
    code = np.full(len(hsv), 2)  # grey
    chroma = (s >= 60) & (v >= 50)
    hue_codes = np.select(
        [h < 8, h < 20, h < 33, h < 85, h < 130, h < 150, h < 170],
        [3, 4, 5, 6, 7, 8, 9],
        default=3,
    )
    code = np.where(chroma, hue_codes, code)
    code = np.where(chroma & (hue_codes == 4) & (v < 150), 10, code)  # dark orange is brown
    code = np.where((s < 60) & (v >= 180), 1, code)
    code = np.where(v < 50, 0, code)
    return code


def dominant_colour(bgr: np.ndarray) -> tuple[str, str]:
    """Most frequent named colour in the central part of a crop (edges are background).

    The simple method (kept as the colour benchmark's baseline and for crops without their
    frame); tracks are named by `detectors.colour.colour_scores` over several frames.

    Args:
        bgr: (h, w, 3) uint8 crop.
    Returns:
        (english, vietnamese) colour name.
    """
    h, w = bgr.shape[:2]
    inner = bgr[h // 5 : h - h // 5 or h, w // 5 : w - w // 5 or w]
    if inner.size == 0:
        inner = bgr
    small = cv2.resize(inner, (24, 24), interpolation=cv2.INTER_AREA)
    hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV).reshape(-1, 3)
    counts = np.bincount(_colour_index(hsv), minlength=len(COLOURS))
    return COLOURS[int(counts.argmax())]


def direction_name(dx: float, dy: float, north_deg: float = 0.0) -> tuple[str, str]:
    """Octant name of a displacement in image pixels (y grows downwards)."""
    angle = np.degrees(np.arctan2(-dy, dx)) + north_deg
    octant = int(np.round(angle / 45.0)) % 8
    return DIRECTIONS[octant]


def to_ground(points: np.ndarray, calibration: Calibration) -> np.ndarray | None:
    """(n, 2) image px -> (n, 2) ground metres, or None without calibration."""
    if calibration.homography is not None:
        hmat = np.asarray(calibration.homography, np.float64)
        return cv2.perspectiveTransform(points.reshape(-1, 1, 2).astype(np.float64), hmat).reshape(-1, 2)
    if calibration.metres_per_pixel is not None:
        return points.astype(np.float64) * calibration.metres_per_pixel
    return None


COLOUR_EVERY = 5  # sample a track's colour every this many updates (1 s at 5 fps): views differ
COLOUR_MIN_SHARE = 0.5  # ... when its box is at least this share of its best (largest) score so far
COLOUR_SAMPLES = 8  # ... at most this many times (~1 ms CPU each); a new best view always counts


@dataclass(slots=True)
class TrackSummary:
    """What search needs about one track."""

    track_id: int
    class_id: int
    class_en: str
    class_vi: str
    colour_en: str
    colour_vi: str
    direction_en: str | None
    direction_vi: str | None
    speed_px_s: float
    speed_kmh: float | None
    first_ts: float
    last_ts: float
    snapshot: np.ndarray | None  # (h, w, 3) uint8 BGR best crop


@dataclass(slots=True)
class _TrackState:
    first_ts: float
    history: deque = field(default_factory=lambda: deque(maxlen=64))  # (ts, x, y)
    class_id: int = 0
    best_score: float = -1.0
    snapshot: np.ndarray | None = None
    colour_votes: np.ndarray = field(default_factory=lambda: np.zeros(len(COLOURS), np.float64))
    updates: int = 0
    samples: int = 0

    @property
    def colour(self) -> tuple[str, str]:
        return COLOURS[int(self.colour_votes.argmax())] if self.colour_votes.any() else UNKNOWN


class TrackAttributes:
    """Accumulates per-track state from tracker output; loops only over tracks."""

    def __init__(self, calibration: Calibration | None = None, speed_window_s: float = 1.0) -> None:
        self.calibration = calibration or Calibration()
        self.speed_window_s = speed_window_s
        self._tracks: dict[int, _TrackState] = {}

    def update(self, frame: Frame, tracks: Detections, foreground: np.ndarray | None = None) -> None:
        """Record anchors, keep the best snapshot (confident, large, not cut by the frame edge) and
        add this frame's colour of the tracks due a sample. `foreground`: the frame's motion mask."""
        anchors = tracks.anchors("bottom_center")
        score = tracks.confidence * np.sqrt(tracks.area)
        tone: Tone | None = None
        for i, tid in enumerate(tracks.tracker_id.tolist()):
            st = self._tracks.setdefault(tid, _TrackState(first_ts=frame.ts))
            st.history.append((frame.ts, float(anchors[i, 0]), float(anchors[i, 1])))
            st.class_id = int(tracks.class_id[i])
            best = score[i] > st.best_score
            due = (st.updates % COLOUR_EVERY == 0 and st.samples < COLOUR_SAMPLES
                   and score[i] >= COLOUR_MIN_SHARE * st.best_score)
            st.updates += 1
            if not (best or due):
                continue
            bgr = frame.bgr()
            if best:
                x1, y1, x2, y2 = np.round(tracks.xyxy[i]).astype(int)
                crop = bgr[max(y1, 0) : max(y2, 0), max(x1, 0) : max(x2, 0)]
                if not crop.size:
                    continue
                st.best_score = float(score[i])
                st.snapshot = crop.copy()
            tone = tone or frame_tone(bgr)
            probs = colour_scores(bgr, tracks.xyxy[i], st.class_id == ClassId.PERSON, foreground, tone)
            st.samples += 1
            if probs is not None:
                st.colour_votes += np.sqrt(max(float(tracks.area[i]), 1.0)) * probs

    def track_ids(self) -> list[int]:
        return list(self._tracks)

    def pop(self, track_id: int) -> TrackSummary:
        """Summarise a finished track and forget it."""
        summary = self.summary(track_id)
        del self._tracks[track_id]
        return summary

    def summary(self, track_id: int) -> TrackSummary:
        st = self._tracks[track_id]
        hist = np.asarray(st.history, np.float64)  # (k, 3) ts, x, y
        recent = hist[hist[:, 0] >= hist[-1, 0] - self.speed_window_s]
        if len(recent) < 2:
            recent = hist[-2:]
        dt = recent[-1, 0] - recent[0, 0]
        disp = recent[-1, 1:] - recent[0, 1:]
        speed_px = float(np.hypot(*disp) / dt) if dt > 0 else 0.0
        ground = to_ground(recent[[0, -1], 1:], self.calibration)
        speed_kmh = (
            float(np.hypot(*(ground[1] - ground[0])) / dt * 3.6) if ground is not None and dt > 0 else None
        )
        moved = np.hypot(*(hist[-1, 1:] - hist[0, 1:])) > 2.0
        direction = (
            direction_name(*(hist[-1, 1:] - hist[0, 1:]), self.calibration.north_deg)
            if moved
            else (None, None)
        )
        colour = st.colour
        cls = ClassId(st.class_id)
        return TrackSummary(
            track_id=track_id,
            class_id=int(cls),
            class_en=CLASS_NAMES_EN[cls],
            class_vi=CLASS_NAMES_VI[cls],
            colour_en=colour[0],
            colour_vi=colour[1],
            direction_en=direction[0],
            direction_vi=direction[1],
            speed_px_s=speed_px,
            speed_kmh=speed_kmh,
            first_ts=st.first_ts,
            last_ts=float(hist[-1, 0]),
            snapshot=st.snapshot,
        )
