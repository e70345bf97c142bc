"""Camera audio as the recordings carry it: AAC kept as sent, anything else converted to AAC-LC.

Cameras send AAC or G.711 (pcm_mulaw / pcm_alaw, 8 kHz mono). Fragmented MP4, the format the
browser plays and the evidence exports hold, cannot carry G.711 (FFmpeg's mp4 muxer refuses it;
only QuickTime .mov has `ulaw`/`alaw`, and Chromium plays neither), so G.711 is decoded and
encoded once to AAC-LC at its own sample rate with FFmpeg's native encoder. At 8 kHz mono that
costs about 0.1 % of a core (bench/ingest.py) and loses nothing a G.711 channel held: the
narrow-band speech survives at 32 kbit/s, above G.711's useful band. The video is never touched.

Timestamps: the encoder's output keeps the input's sample clock (frame pts = samples since the
first packet of the connection), so converted audio stays in sync with the video: the AAC
encoder's priming frame maps to the 1024 samples before the first input sample, which is what a
player that ignores priming will show anyway.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from fractions import Fraction

import av
import av.error

log = logging.getLogger(__name__)

COPIED_CODECS = {"aac"}  # recorded exactly as the camera sends it
AAC_FRAME_SAMPLES = 1024
JITTER_S = 0.02  # a frame this close to where its run expects it continues the run


def aac_bit_rate(sample_rate: int, channels: int) -> int:
    """About 4 bits a sample, between 24 and 128 kbit/s: 32 kbit/s for G.711's 8 kHz mono."""
    return max(24_000, min(128_000, 4 * sample_rate * channels))


@dataclass(frozen=True, slots=True)
class ConvertedPacket:
    packet: av.Packet
    ts: float  # wall clock of the packet's first sample, epoch seconds
    duration_s: float


class AacConverter:
    """Decode one connection's audio stream and encode it as AAC-LC, keeping its sample clock.

    `stream` is the AAC encoder's stream, with the codec parameters (AudioSpecificConfig) a
    muxer needs: use it as the template of the recorded audio track.
    """

    def __init__(self, source: av.AudioStream):
        self.decoder = source.codec_context
        self.source_codec = self.decoder.name
        self.rate = self.decoder.sample_rate or 8000
        layout = "mono" if self.decoder.layout.nb_channels <= 1 else "stereo"
        # The encoder lives in an in-memory container that never gets a packet: start_encoding()
        # opens the encoder and fills the stream's codec parameters for the recording muxers.
        self._container = av.open(io.BytesIO(), "w", format="mp4")
        self.stream = self._container.add_stream("aac", rate=self.rate, layout=layout)
        self.stream.bit_rate = aac_bit_rate(self.rate, 1 if layout == "mono" else 2)
        self._container.start_encoding()
        self._resampler = av.AudioResampler(format="fltp", layout=layout, rate=self.rate)
        self._fifo = av.AudioFifo()
        self._base_wall: float | None = None
        self._next_pts: int | None = None  # expected start (samples) of the next decoded frame
        self._run_start = 0  # first sample of the current gap-free run
        self._run_read = 0  # samples of the run handed to the encoder
        self.gaps = 0

    def convert(self, packet: av.Packet, ts: float) -> list[ConvertedPacket]:
        """Decode `packet` (captured at wall time `ts`) and return the AAC packets now complete."""
        try:
            frames = self.decoder.decode(packet)
        except av.error.FFmpegError:
            return []  # a damaged audio packet costs that packet only
        out: list[ConvertedPacket] = []
        for frame in frames:
            if self._base_wall is None:
                self._base_wall = ts
            pts = round((ts - self._base_wall) * self.rate)
            ts += frame.samples / self.rate  # a packet may decode to several frames
            if not self._place(pts):
                continue
            self._next_pts = (self._next_pts or 0) + frame.samples
            for resampled in self._resampler.resample(frame):
                resampled.pts = None  # the run's own sample count gives the clock (see _place)
                self._fifo.write(resampled)
            out.extend(self._encode_ready())
        return out

    def _place(self, pts: int) -> bool:
        """Fit a decoded frame starting at sample `pts` into the current run; False to drop it.

        Within JITTER_S of where the run expects it, it continues the run (rounding of wall
        times must not break the sample clock). Earlier is overlap (dropped); later is a gap:
        the unfinished AAC frame is dropped and a new run starts at `pts`.
        """
        expected = self._next_pts
        if expected is not None and abs(pts - expected) <= JITTER_S * self.rate:
            return True
        if expected is not None and pts < expected:
            return False
        if expected is not None:
            self.gaps += 1
            self._fifo = av.AudioFifo()
        self._run_start = self._next_pts = pts
        self._run_read = 0
        return True

    def _encode_ready(self) -> list[ConvertedPacket]:
        out = []
        for chunk in self._fifo.read_many(AAC_FRAME_SAMPLES):
            chunk.pts = self._run_start + self._run_read
            self._run_read += chunk.samples
            for encoded in self.stream.encode(chunk):
                out.append(self._timed(encoded))
        return out

    def flush(self) -> list[ConvertedPacket]:
        """End of stream: encode what the FIFO and the encoder still hold (the last ~0.3 s)."""
        if self._base_wall is None:
            return []
        out = []
        tail = self._fifo.read()  # fewer than a frame's samples: the encoder takes a short last frame
        frames = [tail] if tail is not None else []
        for frame in frames + [None]:
            if frame is not None:
                frame.pts = self._run_start + self._run_read
                self._run_read += frame.samples
            try:
                out.extend(self._timed(encoded) for encoded in self.stream.encode(frame))
            except (av.error.FFmpegError, ValueError):
                break
        return out

    def _timed(self, packet: av.Packet) -> ConvertedPacket:
        assert self._base_wall is not None and packet.pts is not None
        time_base = packet.time_base or Fraction(1, self.rate)
        duration = float((packet.duration or AAC_FRAME_SAMPLES) * time_base)
        return ConvertedPacket(packet, self._base_wall + float(packet.pts * time_base), duration)

    def close(self) -> None:
        try:
            self._container.close()
        except (av.error.FFmpegError, OSError, ValueError):  # nothing was written: best effort
            pass


def open_converter(source: av.AudioStream, where: str) -> AacConverter | None:
    """An AAC converter for a non-AAC audio stream, or None (logged) if FFmpeg cannot decode it."""
    try:
        return AacConverter(source)
    except (av.error.FFmpegError, ValueError) as error:
        log.warning("%s: audio %s cannot be converted to AAC (%s); recording video only",
                    where, source.codec_context.name, error)
        return None
