"""Test footage made on the spot with PyAV's bundled libx264 (no downloads, exact GOP)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np


def moving_square_frames(count: int, width: int = 320, height: int = 180) -> list[np.ndarray]:
    """Grey frames with a white square moving right 4 px per frame (BGR, uint8)."""
    frames = []
    for index in range(count):
        frame = np.full((height, width, 3), 64, np.uint8)
        x = (index * 4) % (width - 40)
        frame[60:100, x : x + 40] = 255
        frames.append(frame)
    return frames


def make_h264_file(path: Path, seconds: float, fps: int = 15, gop: int = 15, width: int = 320,
                   height: int = 180, container_format: str | None = None, codec: str = "libx264") -> Path:
    """Encode a moving-square clip: keyframe every `gop` frames, no B-frames (codec libx265: H.265)."""
    count = int(seconds * fps)
    with av.open(str(path), "w", format=container_format) as output:
        stream = output.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"g": str(gop), "keyint_min": str(gop), "sc_threshold": "0", "bf": "0",
                          "preset": "ultrafast", "tune": "zerolatency"}
        for image in moving_square_frames(count, width, height):
            frame = av.VideoFrame.from_ndarray(image, format="bgr24")
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return path


FLASH_EVERY_S = 1.0  # make_av_file: a white frame and a beep at the start of every second


def make_av_file(path: Path, seconds: float, audio: str, fps: int = 15, gop: int = 15, rate: int = 8000,
                 container_format: str | None = None) -> Path:
    """A clip with audio: dark video with a white frame every second, silence with a beep at the
    same instants (so A/V sync can be measured after recording). `audio` is an FFmpeg encoder:
    "aac" (use .mp4), "pcm_mulaw" or "pcm_alaw" (use .mov, which holds G.711)."""
    width, height = 160, 96
    with av.open(str(path), "w", format=container_format) as output:
        video = output.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"g": str(gop), "keyint_min": str(gop), "sc_threshold": "0", "bf": "0",
                         "preset": "ultrafast", "tune": "zerolatency"}
        sound = output.add_stream(audio, rate=rate, layout="mono")
        chunk = 1024 if audio == "aac" else 160  # AAC frames; G.711 cameras send 20 ms packets
        samples = _beeps(seconds, rate)
        fmt = "fltp" if audio == "aac" else "s16"
        frames_done = 0
        for start in range(0, len(samples), chunk):
            block = samples[start:start + chunk]
            data = block.astype(np.float32)[None] / 32768 if fmt == "fltp" else block[None]
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=fmt, layout="mono")
            frame.sample_rate, frame.pts = rate, start
            output.mux(sound.encode(frame))
            while frames_done / fps <= (start + chunk) / rate and frames_done < int(seconds * fps):
                bright = frames_done % round(fps * FLASH_EVERY_S) == 0
                image = np.full((height, width, 3), 235 if bright else 20, np.uint8)
                output.mux(video.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
                frames_done += 1
        output.mux(sound.encode(None))
        output.mux(video.encode(None))
    return path


def _beeps(seconds: float, rate: int) -> np.ndarray:
    """int16 mono: 50 ms of 1 kHz at the start of every FLASH_EVERY_S, silence otherwise."""
    t = np.arange(int(seconds * rate)) / rate
    on = (t % FLASH_EVERY_S) < 0.05
    return (np.sin(2 * np.pi * 1000 * t) * 12000 * on).astype(np.int16)


def flash_times(path: Path) -> list[float]:
    """Media times (s) of the white frames of a make_av_file clip (or a recording of one)."""
    with av.open(str(path)) as container:
        times = []
        for frame in container.decode(video=0):
            if frame.to_ndarray(format="gray").mean() > 128:
                times.append(float(frame.pts * frame.time_base))
    return times


def beep_times(path: Path) -> list[float]:
    """Media times (s) where the beeps of a make_av_file clip start, from the decoded audio.

    Onsets in the first and last 0.2 s of the track are left out: a track cut mid-beep there
    would show a false one."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        chunks, start = [], None
        for frame in container.decode(stream):
            if start is None:
                start = float(frame.pts * frame.time_base)
            chunks.append(frame.to_ndarray().reshape(-1, frame.samples)[0].astype(np.float32))
    if start is None:
        return []
    loud = np.abs(np.concatenate(chunks)) > (0.1 if chunks[0].dtype == np.float32 else 3000)
    envelope = np.convolve(loud, np.ones(rate // 200), mode="same") > 0  # 5 ms windows
    onsets = np.flatnonzero(envelope[1:] & ~envelope[:-1]) + 1
    times, last = [], -1.0
    for index in onsets:
        moment = start + index / rate
        if index < 0.2 * rate or index > len(loud) - 0.2 * rate:
            continue
        if moment - last > 0.5:
            times.append(float(moment))
            last = moment
    return times
