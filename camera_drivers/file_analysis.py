"""Run the full detection pipeline and rules over a video file (no database, no service).

Used by `vms analyze FILE` (footage a citizen hands in, or an export) and by the benchmarks
that run real clips as negatives. Frames are decoded with PyAV, time-stamped from PTS
(relative to `epoch`), optionally thinned to `every` n-th frame, and fed through
`DetectionPipeline` -> `RuleEngine`. Finished tracks are summarised for the output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import av
import numpy as np

from detectors.attributes import TrackSummary
from detectors.frame import Frame
from detectors.pipeline import DetectionPipeline, PipelineConfig
from detectors.rules import RuleEngine, RuleEvent, RulesConfig


@dataclass
class FileAnalysis:
    """Lifecycle steps, finished tracks and counters of one file."""

    events: list[RuleEvent] = field(default_factory=list)
    tracks: list[TrackSummary] = field(default_factory=list)
    frames: int = 0
    duration_s: float = 0.0
    model_runs: int = 0
    width: int = 0
    height: int = 0


def count_frames(path: Path) -> int | None:
    """Frame count from the container header, if it says (for a progress bar)."""
    with av.open(str(path)) as container:
        frames = container.streams.video[0].frames
    return frames or None


def analyze_file(path: Path, pipeline: PipelineConfig, rules: RulesConfig, *, epoch: float = 0.0,
                 every: int = 1, camera_id: str = "file", progress: Callable[[int], None] | None = None,
                 max_frames: int | None = None) -> FileAnalysis:
    """Decode `path` and run pipeline + rules on every `every`-th frame.

    Args:
        epoch: wall time of the first frame (events are reported at epoch + PTS seconds).
        progress: called with the number of decoded frames since the last call.
    """
    out = FileAnalysis()
    det = DetectionPipeline(pipeline)
    engine = RuleEngine(rules)
    ts = epoch
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        first_pts: float | None = None
        for index, vf in enumerate(container.decode(stream)):
            if progress is not None:
                progress(1)
            if max_frames is not None and index >= max_frames:
                break
            if index % every:
                continue
            pts_s = float(vf.pts * vf.time_base) if vf.pts is not None else index / float(stream.average_rate or 25)
            first_pts = pts_s if first_pts is None else first_pts
            ts = epoch + pts_s - first_pts
            y = vf.to_ndarray(format="gray") if vf.format.name not in ("yuv420p", "yuvj420p") else _luma(vf)
            frame = Frame(camera_id, ts, y, bgr_source=lambda vf=vf: vf.to_ndarray(format="bgr24"))
            result = det.step(frame)
            out.events += engine.update(frame, result.tracks)
            out.tracks += result.finished
            out.frames += 1
            out.width, out.height = frame.width, frame.height
    out.events += engine.close(ts)
    out.tracks += [det.attributes.pop(tid) for tid in det.attributes.track_ids()]
    out.duration_s = ts - epoch
    out.model_runs = det.model_runs
    return out


def _luma(vf: av.VideoFrame) -> np.ndarray:
    """The Y plane of a planar YUV frame without a colour conversion (drops row padding)."""
    plane = vf.planes[0]
    arr = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
    return arr[:, : plane.width].copy()
