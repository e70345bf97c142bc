"""Ingest cost: CPU seconds per camera-second for recording by remux, with and without decoding.

Side by side in one run, per resolution:
  record-only        PyAV demux -> SegmentRecorder (remux into fMP4 segments), no decode
  record+decode(Y)   the same plus decoding every frame and reading its luma plane (detection input)
  naive (decode BGR) baseline: decode every frame and convert to BGR, as a decode-everything NVR does

    python bench/ingest.py [--seconds 20] [--json PATH]

Clips are made on the spot with PyAV's libx264 (15 fps, GOP 15, moving texture + noise, so the
bitrate resembles a street camera's).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from camera_drivers.recorder import SegmentRecorder  # noqa: E402
from camera_drivers.stream import StreamSession, StreamSource  # noqa: E402

RESOLUTIONS = {"1080p": (1920, 1080), "360p": (640, 360)}
FPS = 15


def make_clip(path: Path, width: int, height: int, seconds: float, bitrate_kbps: int) -> Path:
    rng = np.random.default_rng(1)
    base = rng.integers(0, 255, (height // 8, width // 8, 3), dtype=np.uint8)
    texture = np.kron(base, np.ones((8, 8, 1), dtype=np.uint8))
    with av.open(str(path), "w") as output:
        stream = output.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = bitrate_kbps * 1000
        stream.options = {"g": "15", "bf": "0", "preset": "ultrafast", "tune": "zerolatency"}
        for index in range(int(seconds * FPS)):
            frame = np.roll(texture, index * 4, axis=1)
            noise = rng.integers(0, 12, frame.shape, dtype=np.uint8)
            output.mux(stream.encode(av.VideoFrame.from_ndarray(frame + noise, format="bgr24")))
        output.mux(stream.encode(None))
    return path


def run_mode(clip: Path, mode: str, out_dir: Path) -> tuple[float, float]:
    """Return (CPU seconds, media seconds) for one pass over the clip in `mode`."""
    recorder = SegmentRecorder("bench", out_dir / mode, 10.0, lambda closed: None)
    first = last = None
    cpu_start = time.process_time()
    with StreamSession(StreamSource(kind="file", location=str(clip), realtime=False)) as session:
        assert session.video_stream is not None
        decoder = session.video_stream.codec_context
        recorder.start_connection(session.video_stream)
        for timed in session.packets():
            first = timed.ts if first is None else first
            last = timed.ts + timed.duration_s
            if mode != "record-only":
                for frame in decoder.decode(timed.packet):
                    if mode == "naive (decode BGR)":
                        frame.to_ndarray(format="bgr24")
                    else:
                        np.frombuffer(frame.planes[0], np.uint8)  # the luma plane, no conversion
            recorder.write(timed)
    recorder.close()
    return time.process_time() - cpu_start, (last or 0) - (first or 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="clip length per resolution")
    parser.add_argument("--json", type=Path, help="write results here")
    args = parser.parse_args()
    results: dict[str, dict[str, dict[str, float]]] = {}
    modes = ["record-only", "record+decode(Y)", "naive (decode BGR)"]
    with tempfile.TemporaryDirectory() as tmp:
        for name, (width, height) in RESOLUTIONS.items():
            clip = make_clip(Path(tmp) / f"{name}.mp4", width, height, args.seconds,
                             4000 if name == "1080p" else 800)
            results[name] = {}
            for mode in modes:
                cpu, media = run_mode(clip, mode, Path(tmp))
                per_camera_second = cpu / media
                results[name][mode] = {
                    "cpu_s_per_camera_s": round(per_camera_second, 5),
                    "cameras_per_core": round(1 / per_camera_second, 1),
                    "core_percent_per_camera": round(100 * per_camera_second, 3),
                }
    print(f"{'stream':8} {'mode':20} {'CPU s / cam-s':>14} {'% core / cam':>13} {'cams / core':>12} {'vs naive':>9}")
    for name, by_mode in results.items():
        naive = by_mode["naive (decode BGR)"]["cpu_s_per_camera_s"]
        for mode, figures in by_mode.items():
            ratio = naive / figures["cpu_s_per_camera_s"]
            figures["speedup_vs_naive"] = round(ratio, 1)
            print(f"{name:8} {mode:20} {figures['cpu_s_per_camera_s']:14.5f} {figures['core_percent_per_camera']:13.3f} "
                  f"{figures['cameras_per_core']:12.1f} {ratio:8.1f}x")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
