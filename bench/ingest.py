"""Ingest cost: CPU seconds per camera-second for recording by remux, with and without decoding.

Part 1 (`remux`), side by side in one run, per resolution (synthetic clips):
  record-only        PyAV demux -> SegmentRecorder (remux into fMP4 segments), no decode
  record+decode(Y)   the same plus decoding every frame and reading its luma plane (detection input)
  naive (decode BGR) baseline: decode every frame and convert to BGR, as a decode-everything NVR does

Part 2 (`dual`, issue 11): one camera = a 1080p main stream WITH AUDIO (AAC, or G.711 that is
converted to AAC) and a 640x360 sub stream at the same frame rate:
  naive              record main + decode every main frame to BGR (the decode-everything design)
  single-stream      record main + decode every main frame, Y plane only (a camera without sub stream)
  dual, sub full     record main (no decode) + decode the sub stream for the detect fps (5)
  dual, sub 5 fps    record main (no decode) + decode a sub stream set to 5 fps at registration
  record only        record main with its audio, no analysis (the floor)
Sub streams are decoded by the worker's own `camera_drivers.frames.FrameDecoder`.

Part 3 (`single`, issue 11): a camera WITHOUT sub stream, analysis decoding its 1080p main stream
through `FrameDecoder` at the detect fps, BGR built for every kept frame (what the detector reads),
against the naive decode-everything-to-BGR, with and without the decoder's savings: skip_frame
NONREF (non-reference B-frames never decoded), NONKEY (key frames only, when they alone come as
often as the detect fps), threaded decode, one resize (`max_width`). Two encodings of each clip:
no B-frames (what most IP cameras send) and non-reference B-frames.

    python bench/ingest.py [--seconds 20] [--part all|remux|dual|single] [--real | --source VIDEO ...] [--json PATH]

Synthetic clips (moving texture + noise) by default; `--real` takes the shared real clips
($VMS_TEST_DATA: PETS09, CDnet highway, Intel car-detection), `--source` any videos. Every camera
is made by `bench/clips.py: make_dual_stream` (main = the clip scaled to 1080p H.264, sub =
640x360, GOP 1 s, frame i at i / fps) before any timing starts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.clips import DualStream, make_dual_stream  # noqa: E402
from camera_drivers.frames import FrameDecoder, FrameOptions  # noqa: E402
from camera_drivers.recorder import SegmentRecorder  # noqa: E402
from camera_drivers.stream import StreamSession, StreamSource, TimedPacket  # noqa: E402

RESOLUTIONS = {"1080p": (1920, 1080), "360p": (640, 360)}
FPS = 15
DETECT_FPS = 5.0
REAL_CLIPS = {"PETS09": "pets09_s2l1/pets09_s2l1_view001_h264.mp4",
              "CDnet highway": "cdnet_highway/highway_input_h264.mp4",
              "Intel car-detection": "intel_sample_videos/car-detection.mp4"}
Rows = dict[str, dict[str, float]]
UNUSED_WH = (64, 36)  # a stream of a pair that a part does not read: cheap to encode


# -- clips -------------------------------------------------------------------------------------

def _synthetic_frames(width: int, height: int, count: int) -> Iterator[av.VideoFrame]:
    rng = np.random.default_rng(1)
    base = rng.integers(0, 255, (height // 8, width // 8, 3), dtype=np.uint8)
    texture = np.kron(base, np.ones((8, 8, 1), dtype=np.uint8))
    for index in range(count):
        frame = np.roll(texture, index * 4, axis=1)
        noise = rng.integers(0, 12, frame.shape, dtype=np.uint8)
        yield av.VideoFrame.from_ndarray(frame + noise, format="bgr24")


def make_clip(path: Path, width: int, height: int, seconds: float, bitrate_kbps: int, fps: int = FPS) -> Path:
    """A synthetic IP-camera-like clip: H.264 GOP = 1 s, no B-frames, frame i at i / fps."""
    with av.open(str(path), "w") as output:
        stream = output.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = bitrate_kbps * 1000
        stream.options = {"g": str(fps), "bf": "0", "preset": "ultrafast", "tune": "zerolatency"}
        for index, frame in enumerate(_synthetic_frames(width, height, int(seconds * fps))):
            frame.pts, frame.time_base = index, Fraction(1, fps)
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return path


def camera_sources(args: argparse.Namespace, tmp: Path) -> dict[str, Path]:
    """Name -> source clip: the real clips asked for, else one synthetic 1080p clip."""
    if args.real:
        root = Path(os.environ.get("VMS_TEST_DATA", "/work/shared/data"))
        return {name: root / rel for name, rel in REAL_CLIPS.items()}
    if args.source:
        return {path.stem: path for path in args.source}
    return {"synthetic": make_clip(tmp / "synthetic.mp4", 1920, 1080, args.seconds, 8000)}


# -- part 1: remux ------------------------------------------------------------------------------

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


def run_remux(seconds: float) -> dict[str, Rows]:
    results: dict[str, Rows] = {}
    modes = ["record-only", "record+decode(Y)", "naive (decode BGR)"]
    with tempfile.TemporaryDirectory() as tmp:
        for name, (width, height) in RESOLUTIONS.items():
            clip = make_clip(Path(tmp) / f"{name}.mp4", width, height, seconds, 4000 if name == "1080p" else 800)
            results[name] = {}
            for mode in modes:
                cpu, media = run_mode(clip, mode, Path(tmp))
                results[name][mode] = _figures(cpu, media)
            _ratios(results[name], "naive (decode BGR)")
    print(f"{'stream':8} {'mode':20} {'CPU s / cam-s':>14} {'% core / cam':>13} {'cams / core':>12} {'vs naive':>9}")
    for name, rows in results.items():
        for mode, f in rows.items():
            print(f"{name:8} {mode:20} {f['cpu_s_per_camera_s']:14.5f} {f['core_percent_per_camera']:13.3f} "
                  f"{f['cameras_per_core']:12.1f} {f['speedup_vs_naive']:8.1f}x")
    return results


def _figures(cpu: float, media: float, **extra: float) -> dict[str, float]:
    per = cpu / media
    return {"cpu_s_per_camera_s": round(per, 5), "core_percent_per_camera": round(100 * per, 3),
            "cameras_per_core": round(1 / per, 1), **extra}


def _ratios(rows: Rows, baseline: str) -> None:
    naive = rows[baseline]["cpu_s_per_camera_s"]
    for figures in rows.values():
        figures["speedup_vs_naive"] = round(naive / figures["cpu_s_per_camera_s"], 1)


# -- part 2: dual stream ------------------------------------------------------------------------

def record_main(clip: Path, out_dir: Path, decode: str | None = None) -> tuple[float, float]:
    """Record a main stream with its audio; decode=None | "y" | "bgr" decodes every video frame too.
    Returns (CPU seconds, media seconds)."""
    recorder = SegmentRecorder("bench", out_dir, 10.0, lambda closed: None)
    first = last = None
    cpu_start = time.process_time()
    with StreamSession(StreamSource(kind="file", location=str(clip), realtime=False), audio=True) as session:
        assert session.video_stream is not None and session.audio_stream is not None
        decoder = session.video_stream.codec_context
        decoder.thread_type = "AUTO"
        recorder.start_connection(session.video_stream, session.audio_stream)
        for timed in session.packets():
            if timed.kind == "video":
                first = timed.ts if first is None else first
                last = timed.ts + timed.duration_s
                if decode is not None:
                    for frame in decoder.decode(timed.packet):
                        frame.to_ndarray(format="bgr24") if decode == "bgr" else np.frombuffer(frame.planes[0], np.uint8)
            recorder.write(timed)
    recorder.close()
    return time.process_time() - cpu_start, (last or 0) - (first or 0)


def analyse_stream(clip: Path, options: FrameOptions, on_frame: Callable[[object], None] | None = None,
                   role: str = "sub") -> dict[str, float]:
    """Feed one connection's packets through a FrameDecoder as the worker does; CPU and counts."""
    wall, cpu = time.perf_counter(), time.process_time()
    first = last = None
    source = StreamSource(kind="file", location=str(clip), realtime=False, role=role)  # type: ignore[arg-type]
    with StreamSession(source) as session:
        assert session.video_stream is not None
        decoder = FrameDecoder(session.video_stream, "bench", options)
        packets = 0
        for timed in session.packets():
            first = timed.ts if first is None else first
            last = timed.ts + timed.duration_s
            packets += 1
            for frame in decoder.decode(timed.packet, timed.ts):
                if on_frame is not None:
                    on_frame(frame)
    return {"cpu_s": time.process_time() - cpu, "wall_s": time.perf_counter() - wall, "media_s": (last or 0) - (first or 0),
            "packets": packets, "decoded": decoder.decoded, "kept": decoder.kept}


DUAL_MODES = ["naive: record main + decode main BGR", "single-stream: record main + decode main Y",
              "dual: record main + decode sub (full rate)", "dual: record main + decode sub set to 5 fps",
              "record only"]


def run_dual(camera: DualStream, sub5: Path, tmp: Path) -> Rows:
    """Part 2 for one camera: each mode's CPU per camera-second (main 1080p + audio, sub 640x360)."""
    rows: Rows = {}
    sub_options = FrameOptions(detect_fps=DETECT_FPS)
    for index, mode in enumerate(DUAL_MODES):
        cpu, media = record_main(camera.main, tmp / f"rec_{camera.main.stem}_{index}", {0: "bgr", 1: "y"}.get(index))
        if index in (2, 3):
            cpu += analyse_stream(camera.sub if index == 2 else sub5, sub_options)["cpu_s"]
        rows[mode] = _figures(cpu, media)
    _ratios(rows, DUAL_MODES[0])
    return rows


def run_dual_part(sources: dict[str, Path], seconds: float, tmp: Path, synthetic: bool) -> dict[str, Rows]:
    results: dict[str, Rows] = {}
    for name, source in sources.items():
        for audio in ("aac", "pcm_mulaw") if synthetic else ("aac",):
            camera = make_dual_stream(source, tmp / "dual", seconds=seconds, audio=audio, name=f"{source.stem}_{audio}")
            sub5 = make_dual_stream(source, tmp / "dual", seconds=seconds, sub_fps=DETECT_FPS, main_wh=UNUSED_WH,
                                    name=f"{source.stem}_{audio}_5fps").sub
            label = f"{name} {float(camera.fps):g} fps, {'AAC' if audio == 'aac' else 'G.711'}"
            results[label] = run_dual(camera, sub5, tmp)
    print_table(results, ("camera", 34), ("mode (main 1080p + audio, sub 640x360)", 44), [
        ("% core / cam", lambda f: f"{f['core_percent_per_camera']:.3f}"),
        ("cams / core", lambda f: f"{f['cameras_per_core']:.1f}"),
        ("vs naive", lambda f: f"{f['speedup_vs_naive']:.1f}x")])
    return results


# -- part 3: single-stream cameras (decode only what analysis needs) ------------------------------

SINGLE_MODES: dict[str, FrameOptions | None] = {
    "naive: decode every frame to BGR": None,
    "decode all, 1 thread, BGR at 5 fps": FrameOptions(detect_fps=DETECT_FPS, skip_frames=False, threads=1),
    "decode all, 2 threads, BGR at 5 fps": FrameOptions(detect_fps=DETECT_FPS, skip_frames=False, threads=2),
    "skip_frame (NONREF), 2 threads, 5 fps": FrameOptions(detect_fps=DETECT_FPS, skip_frames=True, threads=2),
    "+ one resize to 640 px": FrameOptions(detect_fps=DETECT_FPS, skip_frames=True, threads=2, max_width=640),
    "detect fps 1: NONKEY (GOP 1 s)": FrameOptions(detect_fps=1.0, skip_frames=True, threads=2),
}


def naive_decode(clip: Path) -> dict[str, float]:
    """Every frame decoded and converted to BGR (threaded, as a decode-everything NVR would)."""
    wall, cpu = time.perf_counter(), time.process_time()
    first = last = None
    decoded = 0
    with StreamSession(StreamSource(kind="file", location=str(clip), realtime=False)) as session:
        assert session.video_stream is not None
        codec = session.video_stream.codec_context
        codec.thread_type, codec.thread_count = "AUTO", 2
        timed: TimedPacket
        for timed in session.packets():
            first = timed.ts if first is None else first
            last = timed.ts + timed.duration_s
            for frame in codec.decode(timed.packet):
                frame.to_ndarray(format="bgr24")
                decoded += 1
    return {"cpu_s": time.process_time() - cpu, "wall_s": time.perf_counter() - wall,
            "media_s": (last or 0) - (first or 0), "decoded": decoded, "kept": decoded}


def run_single(clip: Path, frames: int) -> Rows:
    rows: Rows = {}
    for mode, options in SINGLE_MODES.items():
        if options is None:
            r = naive_decode(clip)
        else:
            r = analyse_stream(clip, options, on_frame=lambda f: f.bgr(), role="main")  # type: ignore[attr-defined]
        rows[mode] = _figures(r["cpu_s"], r["media_s"], decoded_share=round(r["decoded"] / frames, 3),
                              kept=r["kept"], wall_s_per_camera_s=round(r["wall_s"] / r["media_s"], 5))
    _ratios(rows, "naive: decode every frame to BGR")
    return rows


def run_single_part(sources: dict[str, Path], seconds: float, tmp: Path) -> dict[str, Rows]:
    results: dict[str, Rows] = {}
    for name, source in sources.items():
        for bframes in (0, 2):
            camera = make_dual_stream(source, tmp / "single", seconds=seconds, bframes=bframes, sub_wh=UNUSED_WH,
                                      name=f"{source.stem}_bf{bframes}")
            label = f"{name} {float(camera.fps):g} fps, {'no B-frames' if bframes == 0 else 'B-frames'}"
            results[label] = run_single(camera.main, camera.frames)
    print_table(results, ("camera (1080p main only)", 36), ("analysis decode", 40), [
        ("% core / cam", lambda f: f"{f['core_percent_per_camera']:.3f}"),
        ("decoded", lambda f: f"{100 * f['decoded_share']:.0f}%"),
        ("wall / cam-s", lambda f: f"{f['wall_s_per_camera_s']:.4f}"),
        ("vs naive", lambda f: f"{f['speedup_vs_naive']:.1f}x")])
    return results


def print_table(results: dict[str, Rows], first: tuple[str, int], second: tuple[str, int],
                columns: list[tuple[str, Callable[[dict[str, float]], str]]]) -> None:
    """One row per (camera, mode): two left-aligned label columns, then right-aligned figures."""
    print("\n" + f"{first[0]:{first[1]}} {second[0]:{second[1]}} " + " ".join(f"{h:>13}" for h, _ in columns))
    for label, rows in results.items():
        for mode, figures in rows.items():
            cells = " ".join(f"{cell(figures):>13}" for _, cell in columns)
            print(f"{label:{first[1]}} {mode:{second[1]}} {cells}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="media seconds per camera (real clips loop)")
    parser.add_argument("--json", type=Path, help="write results here")
    parser.add_argument("--real", action="store_true", help="the shared real clips (VMS_TEST_DATA)")
    parser.add_argument("--source", type=Path, action="append", help="a video to make a camera of (repeatable)")
    parser.add_argument("--part", choices=["all", "remux", "dual", "single"], default="all")
    args = parser.parse_args()
    out: dict[str, object] = {"machine": {"cores": os.cpu_count(), "load_avg_start": os.getloadavg()}}
    with tempfile.TemporaryDirectory() as tmp:
        sources = camera_sources(args, Path(tmp))
        synthetic = not (args.real or args.source)
        if args.part in ("all", "remux"):
            out["remux"] = run_remux(args.seconds)
        if args.part in ("all", "dual"):
            out["dual_stream"] = run_dual_part(sources, args.seconds, Path(tmp), synthetic)
        if args.part in ("all", "single"):
            out["single_stream"] = run_single_part(sources, args.seconds, Path(tmp))
    out["machine"]["load_avg_end"] = os.getloadavg()  # type: ignore[index]
    print(f"\nload average (1, 5, 15 min): start {out['machine']['load_avg_start']}, "  # type: ignore[index]
          f"end {out['machine']['load_avg_end']}")  # type: ignore[index]
    if args.json:
        args.json.write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
