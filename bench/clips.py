"""Benchmark clips: decoding them to BGR frames (decode is never timed), and making dual-stream
camera sources out of real clips (`make_dual_stream`: a 1080p main + 640x360 sub H.264 pair, the
one function bench/ingest.py and bench/scale.py share)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
from av.video.frame import PictureType
import numpy as np


def read_frames(path: Path, limit: int | None = None, step: int = 1) -> list[np.ndarray]:
    """Every `step`-th (H, W, 3) uint8 BGR frame of a clip, at most `limit` of them."""
    cap = cv2.VideoCapture(str(path))
    frames: list[np.ndarray] = []
    index = 0
    while limit is None or len(frames) < limit:
        ok, frame = cap.read()
        if not ok:
            break
        if index % step == 0:
            frames.append(frame)
        index += 1
    cap.release()
    return frames


# -- dual-stream camera sources from real clips (bench/ingest.py, bench/scale.py) ------------------

MAIN_WH = (1920, 1080)
SUB_WH = (640, 360)


@dataclass(frozen=True)
class DualStream:
    """A camera's two encodings of one clip: what a dual-stream IP camera sends.

    Attributes:
        main, sub: H.264 files (GOP `gop_s`, no B-frames unless asked), frame i at i / fps on both.
        fps: frame rate of both (the source clip's); sub_fps: the sub stream's, if thinned.
        frames: frames in the main file; main_wh, sub_wh: their sizes; source_wh: the clip's size
            (ground truth of the clip maps to main px per axis: main_wh / source_wh).
    """

    main: Path
    sub: Path
    fps: Fraction
    sub_fps: Fraction
    frames: int
    main_wh: tuple[int, int]
    sub_wh: tuple[int, int]
    source_wh: tuple[int, int]


def clip_frames(path: Path, count: int | None = None) -> Iterator[av.VideoFrame]:
    """The clip's decoded frames, looped until `count` (None: once through)."""
    made = 0
    while count is None or made < count:
        with av.open(str(path)) as container:
            for frame in container.decode(video=0):
                yield frame
                made += 1
                if count is not None and made >= count:
                    return
        if count is None or made == 0:
            return


def _video_stream(output: av.container.OutputContainer, wh: tuple[int, int], fps: Fraction, *, gop: int,
                  bframes: int, kbps: int) -> av.VideoStream:
    stream = output.add_stream("libx264", rate=fps)
    stream.width, stream.height, stream.pix_fmt = wh[0], wh[1], "yuv420p"
    stream.bit_rate = kbps * 1000
    stream.codec_context.time_base = 1 / fps
    options = {"g": str(gop), "keyint_min": str(gop), "sc_threshold": "0", "bf": str(bframes),
               "preset": "ultrafast" if bframes == 0 else "veryfast"}
    if bframes:
        # B-frames that nothing references (the decoder may skip them: NONREF), placed every time.
        options["x264-params"] = f"bframes={bframes}:b-adapt=0:b-pyramid=none"
    else:
        options["tune"] = "zerolatency"
    stream.options = options
    return stream


def _encode(output: av.container.OutputContainer, stream: av.VideoStream, frame: av.VideoFrame | None,
            pts: int) -> None:
    if frame is not None:
        frame = frame.reformat(width=stream.width, height=stream.height, format="yuv420p")
        frame.pts, frame.time_base = pts, stream.codec_context.time_base  # the source's own PTS would be kept
        frame.pict_type = PictureType.NONE  # ... and its frame types would force ours (key frames, B-frames)
    output.mux(stream.encode(frame))


def make_dual_stream(source: Path, out_dir: Path, *, seconds: float | None = None, main_wh: tuple[int, int] = MAIN_WH,
                     sub_wh: tuple[int, int] = SUB_WH, sub_fps: float | None = None, gop_s: float = 1.0,
                     bframes: int = 0, main_kbps: int = 4000, sub_kbps: int = 600, audio: str | None = None,
                     name: str | None = None) -> DualStream:
    """Encode a real clip as a dual-stream camera: main = the clip scaled to `main_wh`, sub = `sub_wh`.

    Frames are scaled per axis (stretched, as the issue's 1080p/640x360 pair asks for any clip),
    re-timed to the clip's frame rate from zero (frame i at i / fps) on both streams, looped when
    `seconds` is longer than the clip. `sub_fps` thins the sub stream to that rate on the same time
    grid (a sub stream set to the detect fps at ONVIF registration). `audio` ("aac" or
    "pcm_mulaw", i.e. G.711) adds a tone with noise to the main stream, as a camera microphone
    would. Decoding and encoding take a while at 1080p: a benchmark builds the pair before it
    starts timing.
    """
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        fps = Fraction(stream.average_rate or stream.guessed_rate or 25).limit_denominator(1000)
        source_wh = (stream.codec_context.width, stream.codec_context.height)
        total = stream.frames or None
    count = round(seconds * fps) if seconds is not None else total
    thin = Fraction(sub_fps).limit_denominator(1000) if sub_fps else fps
    stem = name or source.stem
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "mov" if audio == "pcm_mulaw" else "mp4"  # MP4 cannot carry G.711
    main_path, sub_path = out_dir / f"{stem}_main.{suffix}", out_dir / f"{stem}_sub.mp4"
    with av.open(str(main_path), "w") as main, av.open(str(sub_path), "w") as sub:
        gop = max(1, round(gop_s * fps))
        vmain = _video_stream(main, main_wh, fps, gop=gop, bframes=bframes, kbps=main_kbps)
        # The sub stream keeps the main's time base: a thinned sub's frames sit on the main's grid.
        vsub = _video_stream(sub, sub_wh, fps, gop=max(1, round(gop_s * thin)), bframes=bframes, kbps=sub_kbps)
        sound = main.add_stream(audio, rate=16000 if audio == "aac" else 8000, layout="mono") if audio else None
        made, next_sub, samples = 0, Fraction(0), 0
        for index, frame in enumerate(clip_frames(source, count)):
            _encode(main, vmain, frame, index)
            if sound is not None:
                samples = mux_tone(main, sound, samples, float((index + 1) / fps))
            if index / fps >= next_sub - Fraction(1, 1000):
                _encode(sub, vsub, frame, index)
                next_sub += 1 / thin
            made += 1
        _encode(main, vmain, None, 0)
        _encode(sub, vsub, None, 0)
        if sound is not None:
            main.mux(sound.encode(None))
    return DualStream(main_path, sub_path, fps, thin, made, main_wh, sub_wh, source_wh)


def mux_tone(output: av.container.OutputContainer, sound: av.AudioStream, done: int, until_s: float) -> int:
    """Encode a 440 Hz tone with noise up to `until_s`, in the codec's frame size; returns samples done."""
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
