"""Run the full analysis (pipeline + rules) over a video file (no database, no service).

Used by `vms analyze FILE` (footage a citizen hands in, or an export) and by the benchmarks
that run real clips as negatives. Frames come from `camera_drivers.frames.file_frames` (PTS time
stamps relative to `epoch`, thinned to `every` n-th frame and/or a detect fps) and go through
`detectors.analysis.CameraAnalysis`. Finished tracks are summarised for the output, under the
same stable ids the events name.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from camera_drivers.frames import FrameOptions, file_frames
from detectors.analysis import CameraAnalysis
from detectors.attributes import TrackSummary
from detectors.objects import ObjectDetector
from detectors.pipeline import PipelineConfig
from detectors.rules import RuleEvent, RulesConfig


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


def analyse_file(path: Path, pipeline: PipelineConfig, rules: RulesConfig, *, epoch: float = 0.0,
                 every: int = 1, detect_fps: float | None = None, camera_id: str = "file",
                 progress: Callable[[int], None] | None = None, max_frames: int | None = None,
                 detector: ObjectDetector | None = None) -> FileAnalysis:
    """Decode `path` and run the analysis on every `every`-th frame (at most `detect_fps`).

    Args:
        epoch: wall time of the first frame (events are reported at epoch + PTS seconds).
        progress: called with the number of decoded frames since the last call.
        detector: a detector instance to use (shared); default: built from `pipeline.detector`.
    """
    out = FileAnalysis()
    analysis = CameraAnalysis(pipeline, rules, detector=detector)
    ts = epoch
    options = FrameOptions(detect_fps=detect_fps, every=every)
    for frame in file_frames(path, camera_id, options, epoch=epoch, max_frames=max_frames, progress=progress):
        step = analysis.step(frame)
        out.events += step.events
        out.tracks += step.finished
        out.frames += 1
        out.width, out.height = frame.width, frame.height
        ts = frame.ts
    out.events += analysis.close(ts)
    out.tracks = merge_tracks(out.tracks + analysis.finish_tracks())
    out.duration_s = ts - epoch
    out.model_runs = analysis.model_runs
    return out


def merge_tracks(tracks: list[TrackSummary]) -> list[TrackSummary]:
    """One summary per stable id: tracker tracks re-linked into one object become one track
    (its first and last time span them all; the rest comes from the longest piece)."""
    by_id: dict[int, list[TrackSummary]] = {}
    for t in tracks:
        by_id.setdefault(t.track_id, []).append(t)
    merged = []
    for pieces in by_id.values():
        main = max(pieces, key=lambda t: t.last_ts - t.first_ts)
        merged.append(replace(main, first_ts=min(t.first_ts for t in pieces),
                              last_ts=max(t.last_ts for t in pieces)))
    return merged
