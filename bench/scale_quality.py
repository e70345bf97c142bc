"""Quality of the engine's own output during `bench/scale.py`: PETS09 and TUD-Campus, MOTA/IDF1.

Two extra cameras run beside the N cameras of an engine step (`scale_cameras.quality_camera_main`:
the sub stream of each clip, played once in real time, the cameras' frame options (detect fps),
`CameraAnalysis` and the step's detector service). Their tracks are scored on the frames they
analysed against the MOT ground truth mapped into sub-stream pixels: motmetrics, IoU >= 0.5,
persons only (as bench/detect_eval.py).
"""

from __future__ import annotations

import json
import multiprocessing
import tempfile
from collections.abc import Callable
from pathlib import Path

import motmetrics as mm
import numpy as np
from mot_score import load_mot_gt
from dual_source import make_dual_clip
from scale_cameras import quality_camera_main

from detectors.types import ClassId, box_iou

QUALITY_CLIPS = {"pets09": "pets09_s2l1", "tud_campus": "mot15_tud_campus"}
_SPAWN = multiprocessing.get_context("spawn")


def _video(folder: Path) -> Path:
    return next(p for p in sorted(folder.iterdir()) if p.suffix in {".mp4", ".avi"})


def quality_extra(data: Path, cache: Path, max_frames: int | None):  # type: ignore[no-untyped-def]
    """(extra, outputs): `extra(running)` starts the quality cameras and returns a waiter;
    `outputs()` maps clip name -> its JSON file."""
    out_dir = Path(tempfile.mkdtemp(prefix="vms-scale-quality-"))
    paths = {name: out_dir / f"{name}.json" for name in QUALITY_CLIPS}

    def extra(running) -> Callable[[], None]:  # type: ignore[no-untyped-def]
        spec = running.site.current_specs()[0].analysis
        processes = []
        for name, folder in QUALITY_CLIPS.items():
            clip = make_dual_clip(_video(data / folder), cache)
            process = _SPAWN.Process(target=quality_camera_main, name=f"quality-{name}",
                                     args=(name, str(clip.sub), spec, str(paths[name]), max_frames))
            process.start()
            processes.append(process)

        def wait() -> None:
            for process in processes:
                process.join(300)
                if process.is_alive():
                    process.terminate()
                    process.join(10)
        return wait

    return extra, lambda: paths


def score_quality(data: Path, cache: Path, outputs: dict[str, Path]) -> dict[str, dict]:
    """MOTA, IDF1, precision, recall per clip from the quality cameras' tracks."""
    results = {}
    for name, path in outputs.items():
        if not path.is_file():
            results[name] = {"error": "the quality camera wrote no output"}
            continue
        run = json.loads(path.read_text())
        folder = data / QUALITY_CLIPS[name]
        clip = make_dual_clip(_video(folder), cache)
        gt = load_mot_gt(folder / "gt.txt")  # {frame: (ids, xyxy)}, MOT "ignore" rows left out
        results[name] = {**_score(run["frames"], gt, clip), "frames": len(run["frames"]), "decoded": run["decoded"],
                         "model_runs_per_frame": round(run["model_runs"] / max(1, len(run["frames"])), 2),
                         "detector": run["detector"],
                         "lag_s_max": round(max((f["lag_s"] for f in run["frames"]), default=0.0), 2)}
    return results


def _score(frames: list[dict], gt: dict, clip) -> dict[str, float]:  # type: ignore[no-untyped-def]
    acc = mm.MOTAccumulator(auto_id=True)
    for f in frames:
        keep = np.asarray(f["class_id"], int) == int(ClassId.PERSON)
        boxes = np.asarray(f["xyxy"], np.float32).reshape(-1, 4)[keep]
        ids = np.asarray(f["id"], int)[keep]
        gid, gbox = gt.get(int(f["frame"]), (np.zeros(0, int), np.zeros((0, 4))))
        gxyxy = clip.to_stream(gbox, "sub")
        iou = box_iou(gxyxy, boxes)
        acc.update(gid.tolist(), ids.tolist(), np.where(iou >= 0.5, 1.0 - iou, np.nan))
    summary = mm.metrics.create().compute(acc, metrics=["mota", "idf1", "precision", "recall", "num_switches"],
                                          name="x")
    return {k: round(float(summary[k].iloc[0]), 3) for k in summary.columns}
