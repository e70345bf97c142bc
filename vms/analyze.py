"""`vms analyze FILE --json OUT`: events and tracks found in a video file, as JSON.

For footage a citizen hands in, or an export: the full pipeline (motion -> offline SSD on
planned regions -> tracker -> rules) runs over the file; times are seconds from the start of
the video, plus wall-clock times when the caller says when the video started (`--start`).
Output (also importable by operators):

    {"file": ..., "detector": "nanodet", "frames": N, "duration_s": ..., "started_at": ISO | null,
     "events": [{"type", "start", "end", "start_time", "end_time", "severity", "zone", "evidence",
                 "objects": [{"track_id", "role", "class", "colour", "direction", "speed_kmh"}]}],
     "tracks": [{"track_id", "class", "colour", "direction", "speed_px_s", "speed_kmh", "first", "last"}]}
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import yaml
from pydantic import TypeAdapter, ValidationError
from tqdm import tqdm

from camera_drivers.frames import count_frames
from detectors.attributes import TrackSummary
from detectors.objects.configs import DetectorConfig, default_detector
from detectors.pipeline import PipelineConfig
from detectors.rules import RuleEvent, RulesConfig, default_rules
from vms.analysis.file import FileAnalysis, analyse_file
from vms.config import ConfigError
from vms.runtime.events_writer import compass, jsonable


def load_rules(path: Path | None, tz: str) -> RulesConfig:
    """Rules from a YAML file holding a `rules:` list (same format as a camera's detection.rules)."""
    if path is None:
        return RulesConfig(rules=default_rules().rules, timezone=tz)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return RulesConfig(rules=data.get("rules", []), timezone=tz)
    except (OSError, yaml.YAMLError, AttributeError) as error:
        raise ConfigError(f"{path}: cannot read rules ({error})") from None
    except ValidationError as error:
        raise ConfigError(f"{path}: " + "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())) from None


def parse_detector(text: str | None) -> DetectorConfig:
    """A detector config from YAML/JSON text (e.g. '{type: ssd_tflite}'); default: NanoDet-g."""
    if not text:
        return default_detector()
    try:
        return TypeAdapter(DetectorConfig).validate_python(yaml.safe_load(text))
    except (ValidationError, yaml.YAMLError) as error:
        raise ConfigError(f"--detector: {error}") from None


def run(path: Path, out: Path, *, rules: RulesConfig, detector: DetectorConfig, every: int = 1,
        detect_fps: float | None = 5.0, started_at: datetime | None = None, progress: bool = True) -> dict:
    """Analyse `path`, write the JSON report to `out`, and return it."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    if detector.type == "simulated":
        raise ConfigError("--detector: the simulated detector only works on simulated cameras")
    epoch = started_at.timestamp() if started_at else 0.0
    bar = tqdm(total=count_frames(path), unit="frame", desc=path.name, disable=not progress)
    try:
        result = analyse_file(path, PipelineConfig(detector=detector), rules, epoch=epoch, every=every,
                              detect_fps=detect_fps, progress=bar.update)
    finally:
        bar.close()
    report = to_json(path, result, detector.type, epoch, started_at is not None)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return report


def to_json(path: Path, result: FileAnalysis, detector: str, epoch: float, wall: bool) -> dict:
    """The report: one entry per event (start joined with its updates and end) and per track."""
    tracks = {t.track_id: t for t in result.tracks}
    events: dict[str, dict] = {}
    for step in result.events:
        entry = events.setdefault(step.key, _event_entry(step, epoch, wall))
        if step.phase == "end":
            entry["end"] = round((step.end_ts or step.ts) - epoch, 3)
            entry["end_time"] = _iso(step.end_ts or step.ts) if wall else None
        known = {o["track_id"] for o in entry["objects"]}
        entry["objects"] += [_object(tid, role, tracks.get(tid)) for tid, role in step.objects if tid not in known]
        entry["evidence"].update(jsonable(step.evidence))
    return {
        "file": str(path), "detector": detector, "frames": result.frames, "duration_s": round(result.duration_s, 3),
        "started_at": _iso(epoch) if wall else None, "model_runs": result.model_runs,
        "events": sorted(events.values(), key=lambda e: e["start"]),
        "tracks": [_track(t, epoch) for t in sorted(result.tracks, key=lambda t: t.first_ts)],
    }


def _event_entry(step: RuleEvent, epoch: float, wall: bool) -> dict:
    return {"type": step.type, "start": round(step.start_ts - epoch, 3), "end": None,
            "start_time": _iso(step.start_ts) if wall else None, "end_time": None, "severity": step.severity,
            "zone": step.zone, "rule": step.rule, "alert": round(step.ts - epoch, 3), "evidence": {}, "objects": []}


def _object(track_id: int, role: str, t: TrackSummary | None) -> dict:
    if t is None:
        return {"track_id": int(track_id), "role": role, "class": None}
    return {"track_id": int(track_id), "role": role, "class": t.class_en, "colour": t.colour_en,
            "direction": compass(t.direction_en), "speed_kmh": t.speed_kmh}


def _track(t: TrackSummary, epoch: float) -> dict:
    return {"track_id": t.track_id, "class": t.class_en, "colour": t.colour_en, "direction": compass(t.direction_en),
            "speed_px_s": round(t.speed_px_s, 1), "speed_kmh": t.speed_kmh,
            "first": round(t.first_ts - epoch, 3), "last": round(t.last_ts - epoch, 3)}


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat()
