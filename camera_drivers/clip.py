"""Cutting a time range out of recorded segments into one MP4, without re-encoding.

The clip starts at the last keyframe at or before the requested start (a player cannot begin
elsewhere) and takes every packet before the requested end. The camera's audio comes along,
placed by its wall time next to the video (its track is that of the first segment; a segment
whose audio differs, after a reconnect, adds video only). The output puts its index
first (`faststart`) so a browser can seek with HTTP range requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import av.error


class ClipError(RuntimeError):
    """No footage in the requested range, or the segments could not be read."""


class NoFootageInRange(ClipError):
    """The segments hold no packet inside the requested range."""


@dataclass(frozen=True)
class SourceSegment:
    path: Path
    start: float  # wall clock of the segment's first packet, epoch seconds


@dataclass(frozen=True)
class ClipInfo:
    path: Path
    start: float  # actual bounds, epoch seconds
    end: float
    packets: int  # video packets
    audio_packets: int = 0


def write_clip(segments: list[SourceSegment], start: float, end: float, out_path: Path) -> ClipInfo:
    """Remux the packets of `segments` that cover [start, end] into `out_path` (MP4, faststart)."""
    if end <= start:
        raise ClipError("the end of the range must be after its start")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    temp = out_path.with_name(out_path.name + ".tmp")
    writer = _ClipWriter(temp, start, end)
    try:
        for segment in sorted(segments, key=lambda s: s.start):
            if writer.done:
                break
            writer.add_segment(segment)
    finally:
        writer.close()
    if writer.packets == 0 or writer.actual_start is None:
        temp.unlink(missing_ok=True)
        raise NoFootageInRange("no recorded footage in the requested range")
    temp.replace(out_path)
    return ClipInfo(out_path, writer.actual_start, writer.actual_end, writer.packets, writer.audio_packets)


class _ClipWriter:
    def __init__(self, path: Path, start: float, end: float):
        self.path, self.start, self.end = path, start, end
        self.output: av.container.OutputContainer | None = None
        self.stream: av.VideoStream | None = None
        self.audio: av.AudioStream | None = None  # the clip's audio track, from its first segment
        self.base_ts: float | None = None  # wall time of the clip's first packet
        self.last_dts = -1
        self.audio_last_dts = -1
        self.packets = 0
        self.audio_packets = 0
        self.actual_start: float | None = None
        self.actual_end = start
        self.done = False

    def add_segment(self, segment: SourceSegment) -> None:
        try:
            with av.open(str(segment.path), format="mp4") as container:
                self._copy(container, segment.start)
        except (av.error.FFmpegError, OSError, IndexError) as error:
            raise ClipError(f"cannot read segment {segment.path.name}: {error}") from None

    def _copy(self, container: av.container.InputContainer, segment_start: float) -> None:
        source = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        time_base = source.time_base
        pending: list[tuple[av.Packet, float]] = []  # packets since the last keyframe before start
        held_audio: list[av.Packet] = []  # audio waiting for the clip's first video packet
        origin: float | None = None  # media time (s) of the segment's first video packet

        def wall(packet: av.Packet) -> float:
            assert origin is not None
            return segment_start + float(packet.pts * packet.time_base) - origin

        for packet in container.demux(*([source] + ([audio] if audio is not None else []))):
            if packet.size == 0 or packet.pts is None or packet.dts is None:
                continue
            if packet.stream.type == "audio":
                if origin is None or self.output is None:
                    held_audio.append(packet)
                elif wall(packet) >= self.end:
                    return
                else:
                    self._audio(packet, wall(packet), audio)
                continue
            if origin is None:
                origin = float(packet.pts * time_base)  # the segment's start time is that of its first packet
            ts = wall(packet)
            if ts >= self.end:
                self.done = True
                if audio is None or self.output is None:
                    return
                continue  # a fragment stores its audio after its video: read on to the end time
            if self.actual_start is None:
                if packet.is_keyframe:
                    pending = []
                    held_audio = [a for a in held_audio if wall(a) >= ts]
                pending.append((packet, ts))
                if ts >= self.start and pending[0][0].is_keyframe:
                    for held, held_ts in pending:
                        self._mux(held, held_ts, source, audio)
                    pending = []
            else:
                self._mux(packet, ts, source, audio)
            if self.output is not None and held_audio:
                for held in held_audio:
                    self._audio(held, wall(held), audio)
                held_audio = []

    def _open(self, ts: float, template: av.VideoStream, audio: av.AudioStream | None) -> None:
        self.output = av.open(str(self.path), "w", format="mp4", options={"movflags": "faststart"})
        self.stream = self.output.add_stream_from_template(template)
        if audio is not None:
            self.audio = self.output.add_stream_from_template(audio)
        self.base_ts = ts
        self.actual_start = ts

    def _mux(self, packet: av.Packet, ts: float, template: av.VideoStream, audio: av.AudioStream | None) -> None:
        if self.output is None:
            self._open(ts, template, audio)
        assert self.output is not None and self.stream is not None and self.base_ts is not None
        # Rebase on wall time; keep the packet's own PTS-DTS gap (B-frames) and strictly
        # increasing DTS across segment joins.
        reorder = packet.pts - packet.dts
        ticks = round((ts - self.base_ts) / float(template.time_base))
        dts = max(ticks - reorder, self.last_dts + 1)
        packet.dts = dts
        packet.pts = dts + reorder
        self.last_dts = dts
        packet.stream = self.stream
        self.output.mux(packet)
        self.packets += 1
        duration = float((packet.duration or 0) * template.time_base)
        self.actual_end = max(self.actual_end, ts + duration)

    def _audio(self, packet: av.Packet, ts: float, source: av.AudioStream | None) -> None:
        """An audio packet at wall time `ts`: kept when it falls inside the clip's video."""
        if self.output is None or self.audio is None or source is None or self.base_ts is None:
            return  # nothing to go with yet, or the clip has no audio track
        if ts < self.base_ts or ts >= self.end or not _same_audio(source, self.audio):
            return  # before the first keyframe, past the end, or a reconnect changed the audio
        dts = round((ts - self.base_ts) / float(source.time_base))
        if dts <= self.audio_last_dts:
            return
        self.audio_last_dts = packet.pts = packet.dts = dts
        packet.stream = self.audio
        self.output.mux(packet)
        self.audio_packets += 1

    def close(self) -> None:
        if self.output is not None:
            self.output.close()


def _same_audio(source: av.AudioStream, clip: av.AudioStream) -> bool:
    a, b = source.codec_context, clip.codec_context
    return (a.name, a.sample_rate, a.layout.nb_channels) == (b.name, b.sample_rate, b.layout.nb_channels)
