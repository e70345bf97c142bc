"""Audio is recorded with the video: AAC kept as sent, G.711 converted to AAC, in sync, in clips too."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from camera_drivers.audio import AacConverter
from camera_drivers.clip import SourceSegment, write_clip
from camera_drivers.recorder import ClosedSegment, SegmentRecorder
from camera_drivers.segments import probe_segment, recover_partial
from camera_drivers.stream import StreamSession, StreamSource
from tests.media import beep_times, flash_times, make_av_file

SYNC_TOLERANCE_S = 0.035  # about half a video frame at 15 fps; lip sync needs < 45 ms


def record(clip: Path, root: Path, segment_seconds: float = 2.0) -> tuple[list[ClosedSegment], str]:
    closed: list[ClosedSegment] = []
    recorder = SegmentRecorder("cam", root, segment_seconds, closed.append)
    with StreamSession(StreamSource(kind="file", location=str(clip), realtime=False), audio=True) as session:
        recorder.start_connection(session.video_stream, session.audio_stream)
        for timed in session.packets():
            recorder.write(timed)
        codec = session.audio_codec
    recorder.close()
    return closed, codec


def assert_in_sync(path: Path, expected_beeps: int) -> None:
    flashes, beeps = flash_times(path), beep_times(path)
    assert len(beeps) >= expected_beeps
    for beep in beeps:
        nearest = min(flashes, key=lambda flash: abs(flash - beep))
        assert abs(nearest - beep) < SYNC_TOLERANCE_S, (flashes, beeps)


@pytest.mark.parametrize(("codec", "suffix", "expected"), [
    ("aac", "mp4", "aac"), ("pcm_mulaw", "mov", "pcm_mulaw>aac"), ("pcm_alaw", "mov", "pcm_alaw>aac"),
])
def test_every_segment_has_audio_as_long_as_its_video(tmp_path: Path, codec: str, suffix: str, expected: str) -> None:
    clip = make_av_file(tmp_path / f"clip.{suffix}", 6.0, codec)
    closed, audio_codec = record(clip, tmp_path / "rec")
    assert audio_codec == expected
    assert len(closed) == 3
    for segment in closed:
        probe = probe_segment(segment.path)
        assert probe.audio_codec == "aac"
        assert probe.audio_start_s == pytest.approx(0.0, abs=0.13)  # one audio frame at most
        assert probe.audio_end_s == pytest.approx(probe.duration_s, abs=0.13)
    total_audio = sum(probe_segment(s.path).audio_end_s - probe_segment(s.path).audio_start_s for s in closed)
    assert total_audio == pytest.approx(6.0, abs=0.3)


def test_aac_is_copied_bit_for_bit(tmp_path: Path) -> None:
    clip = make_av_file(tmp_path / "clip.mp4", 4.0, "aac")
    closed, _ = record(clip, tmp_path / "rec", segment_seconds=10)

    def audio_payloads(path: Path) -> list[bytes]:
        with av.open(str(path)) as container:
            return [bytes(p) for p in container.demux(audio=0) if p.size]

    source, recorded = audio_payloads(clip), audio_payloads(closed[0].path)
    assert recorded and all(payload in source for payload in recorded)
    assert len(recorded) >= len(source) - 2  # at most the packets before the first keyframe


@pytest.mark.parametrize(("codec", "suffix"), [("aac", "mp4"), ("pcm_mulaw", "mov")])
def test_recorded_audio_stays_in_sync_with_video(tmp_path: Path, codec: str, suffix: str) -> None:
    clip = make_av_file(tmp_path / f"clip.{suffix}", 6.0, codec)
    closed, _ = record(clip, tmp_path / "rec", segment_seconds=2.5)
    for segment in closed:
        assert_in_sync(segment.path, expected_beeps=1)


@pytest.mark.parametrize(("codec", "suffix"), [("aac", "mp4"), ("pcm_mulaw", "mov")])
def test_clip_across_segments_carries_audio_in_sync(tmp_path: Path, codec: str, suffix: str) -> None:
    clip = make_av_file(tmp_path / f"clip.{suffix}", 8.0, codec)
    closed, _ = record(clip, tmp_path / "rec", segment_seconds=2.0)
    start = closed[0].start
    info = write_clip([SourceSegment(s.path, s.start) for s in closed], start + 1.5, start + 6.5, tmp_path / "out.mp4")
    assert info.audio_packets > 0
    with av.open(str(info.path)) as container:
        assert container.streams.audio[0].codec_context.name == "aac"
        video = container.streams.video[0]
        video_s = float(video.duration * video.time_base)
    audio = probe_audio_span(info.path)
    assert audio[1] - audio[0] == pytest.approx(video_s, abs=0.15)
    assert_in_sync(info.path, expected_beeps=4)


def probe_audio_span(path: Path) -> tuple[float, float]:
    with av.open(str(path)) as container:
        packets = [p for p in container.demux(audio=0) if p.size and p.pts is not None]
    return (float(packets[0].pts * packets[0].time_base),
            float((packets[-1].pts + packets[-1].duration) * packets[-1].time_base))


def test_partial_with_two_tracks_is_recovered(tmp_path: Path) -> None:
    clip = make_av_file(tmp_path / "clip.mov", 5.0, "pcm_mulaw")
    closed, _ = record(clip, tmp_path / "rec", segment_seconds=10)
    partial = closed[0].path.with_name(closed[0].path.name + ".partial")
    data = closed[0].path.read_bytes()
    closed[0].path.unlink()
    partial.write_bytes(data[: int(len(data) * 0.7)])  # the tail never reached the disk
    recovered = recover_partial(partial, "cam")
    assert recovered is not None
    probe = probe_segment(recovered.path)
    assert 1.0 <= probe.duration_s < 5.0
    assert probe.audio_codec == "aac" and probe.audio_packets > 0
    assert probe.audio_end_s == pytest.approx(probe.duration_s, abs=0.2)
    assert recovered.end - recovered.start == pytest.approx(probe.duration_s, abs=0.01)


def g711_packets(seconds: float, samples_per_packet: int = 160) -> list[av.Packet]:
    encoder = av.CodecContext.create("pcm_mulaw", "w")
    encoder.sample_rate, encoder.layout, encoder.format = 8000, "mono", "s16"
    encoder.open()
    tone = (np.sin(np.arange(int(seconds * 8000)) * 0.3) * 8000).astype(np.int16)
    packets = []
    for start in range(0, len(tone), samples_per_packet):
        frame = av.AudioFrame.from_ndarray(tone[None, start:start + samples_per_packet], format="s16", layout="mono")
        frame.sample_rate, frame.pts = 8000, start
        packets.extend(encoder.encode(frame))
    return packets


@pytest.fixture
def mulaw_stream(tmp_path: Path) -> av.AudioStream:
    container = av.open(str(make_av_file(tmp_path / "g711.mov", 1.0, "pcm_mulaw")))
    yield container.streams.audio[0]
    container.close()


def test_converter_keeps_the_sample_clock_through_jitter_and_restarts_after_a_gap(mulaw_stream: av.AudioStream) -> None:
    converter = AacConverter(mulaw_stream)
    out = []
    wall = 1_000.0
    for index, packet in enumerate(g711_packets(4.0)):
        jitter = 0.004 if index % 2 else 0.0  # delivery-time rounding must not break the clock
        if index == 100:
            wall += 0.5  # half a second of audio lost on the way
        out += converter.convert(packet, wall + index * 0.02 + jitter)
    assert converter.gaps == 1
    starts = [p.ts for p in out]
    steps = np.diff(starts)
    assert np.allclose(steps[steps < 0.2], 1024 / 8000)  # AAC frames back to back
    assert len(steps[steps >= 0.2]) == 1  # the one gap, in the right place
    gap_at = starts[int(np.argmax(steps)) + 1]
    assert gap_at == pytest.approx(1_000.0 + 2.0 + 0.5, abs=0.13)
    assert all(p.packet.size > 0 for p in out)
    converter.close()
