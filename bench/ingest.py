"""Ingest cost: CPU seconds per camera-second for recording by remux, with and without decoding.

Part 1, side by side in one run, per resolution:
  record-only        PyAV demux -> SegmentRecorder (remux into fMP4 segments), no decode
  record+decode(Y)   the same plus decoding every frame and reading its luma plane (detection input)
  naive (decode BGR) baseline: decode every frame and convert to BGR, as a decode-everything NVR does

Part 2, dual stream (issue 11): one camera = a 1080p main stream WITH AUDIO (AAC, or G.711 that is
converted to AAC) and a 640x360 sub stream, both 15 fps:
  naive              record main + decode every main frame to BGR (the decode-everything design)
  single-stream      record main + decode every main frame, Y plane only (a camera without sub stream)
  dual, sub 15 fps   record main (no decode) + decode every sub frame, 1 in 3 kept (detect fps 5)
  dual, sub 5 fps    record main (no decode) + decode a sub stream set to 5 fps at registration
  record only        record main with its audio, no analysis (the floor)

    python bench/ingest.py [--seconds 20] [--source VIDEO] [--json PATH]

Clips are made on the spot with PyAV's libx264 (GOP 15, no B-frames, as IP cameras send): moving
texture + noise by default, or `--source` (a real video, e.g. $VMS_TEST_DATA/pets09_s2l1/...)
scaled to each size; audio is a tone with noise.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from camera_drivers.recorder import SegmentRecorder  # noqa: E402
from camera_drivers.stream import StreamSession, StreamSource  # noqa: E402

RESOLUTIONS = {"1080p": (1920, 1080), "360p": (640, 360)}
FPS = 15
DETECT_FPS = 5


def _synthetic_frames(width: int, height: int, count: int) -> Iterator[av.VideoFrame]:
    rng = np.random.default_rng(1)
    base = rng.integers(0, 255, (height // 8, width // 8, 3), dtype=np.uint8)
    texture = np.kron(base, np.ones((8, 8, 1), dtype=np.uint8))
    for index in range(count):
        frame = np.roll(texture, index * 4, axis=1)
        noise = rng.integers(0, 12, frame.shape, dtype=np.uint8)
        yield av.VideoFrame.from_ndarray(frame + noise, format="bgr24")


def _source_frames(source: Path, width: int, height: int, count: int) -> Iterator[av.VideoFrame]:
    """Frames of a real video scaled to width x height, looped as needed (re-timed to FPS)."""
    made = 0
    while made < count:
        with av.open(str(source)) as container:
            for frame in container.decode(video=0):
                yield frame.reformat(width=width, height=height, format="yuv420p")
                made += 1
                if made >= count:
                    return


def make_clip(path: Path, width: int, height: int, seconds: float, bitrate_kbps: int, fps: int = FPS,
              audio: str | None = None, source: Path | None = None) -> Path:
    """An IP-camera-like clip: H.264 GOP = 1 s, no B-frames; optional audio ("aac" or "pcm_mulaw")."""
    count = int(seconds * fps)
    with av.open(str(path), "w") as output:
        stream = output.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = bitrate_kbps * 1000
        stream.options = {"g": str(fps), "bf": "0", "preset": "ultrafast", "tune": "zerolatency"}
        sound = None
        if audio is not None:
            rate = 16000 if audio == "aac" else 8000
            sound = output.add_stream(audio, rate=rate, layout="mono")
        frames = _source_frames(source, width, height, count) if source else _synthetic_frames(width, height, count)
        audio_done = 0
        for index, frame in enumerate(frames):
            frame.pts = None
            output.mux(stream.encode(frame))
            if sound is not None:
                audio_done = _mux_audio(output, sound, audio_done, (index + 1) / fps)
        output.mux(stream.encode(None))
        if sound is not None:
            output.mux(sound.encode(None))
    return path


def _mux_audio(output: av.container.OutputContainer, sound: av.AudioStream, done: int, until_s: float) -> int:
    """Encode tone + noise up to `until_s` in the audio codec's frame size; returns samples done."""
    rate = sound.codec_context.sample_rate
    chunk = sound.codec_context.frame_size or 160
    rng = np.random.default_rng(done)
    while done + chunk <= until_s * rate:
        t = (done + np.arange(chunk)) / rate
        pcm = (np.sin(2 * np.pi * 440 * t) * 6000 + rng.normal(0, 800, chunk)).astype(np.int16)
        fmt = "fltp" if sound.codec_context.name == "aac" else "s16"
        data = pcm.astype(np.float32)[None] / 32768 if fmt == "fltp" else pcm[None]
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=fmt, layout="mono")
        frame.sample_rate, frame.pts = rate, done
        output.mux(sound.encode(frame))
        done += chunk
    return done


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


def decode_sub(clip: Path, keep_every: int) -> float:
    """Decode every frame of a sub stream (IP cameras send no B-frames: all are references) and
    read the luma plane of every `keep_every`-th one (the detect fps). Returns CPU seconds."""
    cpu_start = time.process_time()
    with StreamSession(StreamSource(kind="file", location=str(clip), realtime=False, role="sub")) as session:
        assert session.video_stream is not None
        decoder = session.video_stream.codec_context
        decoder.thread_type = "AUTO"
        decoded = 0
        for timed in session.packets():
            for frame in decoder.decode(timed.packet):
                if decoded % keep_every == 0:
                    np.frombuffer(frame.planes[0], np.uint8).copy()
                decoded += 1
    return time.process_time() - cpu_start


DUAL_MODES = ["naive: record main + decode main BGR", "single-stream: record main + decode main Y",
              "dual: record main + decode sub 15 fps", "dual: record main + decode sub 5 fps", "record only"]


def run_dual(tmp: Path, seconds: float, audio: str, source: Path | None) -> dict[str, dict[str, float]]:
    """Part 2 for one audio codec: each mode's CPU per camera-second (main 1080p + sub 360p)."""
    suffix = "mp4" if audio == "aac" else "mov"
    main = make_clip(tmp / f"main_{audio}.{suffix}", 1920, 1080, seconds, 4000, audio=audio, source=source)
    sub15 = make_clip(tmp / "sub15.mp4", 640, 360, seconds, 600, source=source)
    sub5 = make_clip(tmp / "sub5.mp4", 640, 360, seconds, 300, fps=5, source=source)
    rows: dict[str, dict[str, float]] = {}
    for index, mode in enumerate(DUAL_MODES):
        decode = {0: "bgr", 1: "y"}.get(index)
        cpu, media = record_main(main, tmp / f"rec_{audio}_{index}", decode)
        if index == 2:
            cpu += decode_sub(sub15, keep_every=FPS // DETECT_FPS)
        elif index == 3:
            cpu += decode_sub(sub5, keep_every=1)
        per_camera_second = cpu / media
        rows[mode] = {"cpu_s_per_camera_s": round(per_camera_second, 5),
                      "core_percent_per_camera": round(100 * per_camera_second, 3),
                      "cameras_per_core": round(1 / per_camera_second, 1)}
    naive = rows[DUAL_MODES[0]]["cpu_s_per_camera_s"]
    for figures in rows.values():
        figures["speedup_vs_naive"] = round(naive / figures["cpu_s_per_camera_s"], 1)
    return rows


def print_dual(results: dict[str, dict[str, dict[str, float]]]) -> None:
    print(f"\n{'audio':10} {'mode (main 1080p15 + sub 640x360)':42} {'% core / cam':>13} {'cams / core':>12} {'vs naive':>9}")
    for audio, rows in results.items():
        for mode, figures in rows.items():
            print(f"{audio:10} {mode:42} {figures['core_percent_per_camera']:13.3f} {figures['cameras_per_core']:12.1f} "
                  f"{figures['speedup_vs_naive']:8.1f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="clip length per resolution")
    parser.add_argument("--json", type=Path, help="write results here")
    parser.add_argument("--source", type=Path, help="a real video to scale to each size (default: synthetic)")
    parser.add_argument("--part", choices=["all", "remux", "dual"], default="all")
    args = parser.parse_args()
    dual: dict[str, dict[str, dict[str, float]]] = {}
    if args.part in ("all", "dual"):
        with tempfile.TemporaryDirectory() as tmp:
            for audio in ("aac", "pcm_mulaw"):
                dual[audio] = run_dual(Path(tmp), args.seconds, audio, args.source)
        print_dual(dual)
    if args.part == "dual":
        if args.json:
            args.json.write_text(json.dumps({"dual_stream": dual}, indent=2), encoding="utf-8")
        return 0
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
        args.json.write_text(json.dumps({**results, "dual_stream": dual}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
