"""Fragmented MP4 for Media Source Extensions, written packet by packet: one fragment per frame.

Why our own writer and not FFmpeg's mp4 muxer: with `frag_every_frame` the muxer cuts a fragment
only when the *next* packet arrives (it needs that packet to know the sample's duration), which
adds a frame of latency (200 ms on a 5 fps sub stream), and it must be fed PyAV stream templates
the API process does not have. Live H.264 needs four box types per fragment, so the writer is
small: `init_segment` (ftyp + moov with the avcC built from SPS/PPS) once per connection, then
`fragment` (moof + mdat) per compressed frame, at once.

Input packets may be Annex B (start codes: RTSP, MPEG-TS) or AVCC (length prefixed: MP4 files);
MP4 samples are always AVCC with 4-byte lengths. Access unit delimiters are dropped; parameter
sets are kept in-band too (harmless, and a decoder re-synchronises on them).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

NAL_SPS, NAL_PPS, NAL_AUD = 7, 8, 9
_LENGTH = struct.Struct(">I")


class Fmp4Error(ValueError):
    """The stream cannot be described as H.264 in MP4 (no SPS/PPS yet, unknown format)."""


def _box(kind: bytes, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack(">I", 8 + len(body)) + kind + body


def _full_box(kind: bytes, version: int, flags: int, *payload: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *payload)


def split_annexb(data: bytes) -> list[bytes]:
    """NAL units of an Annex B byte string (3- or 4-byte start codes), without the start codes.

    A plain split is exact: emulation prevention keeps 00 00 01 out of every unit's payload."""
    pieces = data.split(b"\x00\x00\x01")
    last = len(pieces) - 1
    units: list[bytes] = []
    for i in range(1, len(pieces)):  # pieces[0] precedes the first start code
        # A 4-byte start code leaves a zero at the end of the previous unit; trailing zeros are padding.
        unit = pieces[i] if i == last else pieces[i].rstrip(b"\x00")
        if unit:
            units.append(unit)
    return units


def split_avcc(data: bytes, length_size: int = 4) -> list[bytes]:
    units, i = [], 0
    while i + length_size <= len(data):
        n = int.from_bytes(data[i:i + length_size], "big")
        i += length_size
        units.append(data[i:i + n])
        i += n
    return units


def is_annexb(data: bytes) -> bool:
    return data.startswith(b"\x00\x00\x01") or data.startswith(b"\x00\x00\x00\x01")


@dataclass(frozen=True)
class H264Config:
    """What the init segment needs: parameter sets and picture size."""

    sps: bytes
    pps: bytes
    width: int
    height: int
    length_size: int = 4  # of the input packets when they are AVCC

    @property
    def codec(self) -> str:
        """RFC 6381 codec string for MediaSource.isTypeSupported, e.g. avc1.42c01e."""
        return "avc1." + self.sps[1:4].hex()


def parse_extradata(extradata: bytes | None) -> tuple[bytes | None, bytes | None, int]:
    """(sps, pps, length_size) from codec extradata: avcC or Annex B; Nones when absent."""
    if not extradata:
        return None, None, 4
    if extradata[0] == 1 and len(extradata) > 7:  # avcC (ISO 14496-15)
        length_size = (extradata[4] & 3) + 1
        count, i = extradata[5] & 0x1F, 6
        sps = pps = None
        for _ in range(count):
            n = int.from_bytes(extradata[i:i + 2], "big")
            sps = sps or extradata[i + 2:i + 2 + n]
            i += 2 + n
        if i < len(extradata):
            count, i = extradata[i], i + 1
            for _ in range(count):
                n = int.from_bytes(extradata[i:i + 2], "big")
                pps = pps or extradata[i + 2:i + 2 + n]
                i += 2 + n
        return sps, pps, length_size
    sps = pps = None
    for unit in split_annexb(extradata):
        kind = unit[0] & 0x1F
        if kind == NAL_SPS and sps is None:
            sps = unit
        elif kind == NAL_PPS and pps is None:
            pps = unit
    return sps, pps, 4


def parameter_sets_in(units: list[bytes]) -> tuple[bytes | None, bytes | None]:
    sps = next((u for u in units if u[0] & 0x1F == NAL_SPS), None)
    pps = next((u for u in units if u[0] & 0x1F == NAL_PPS), None)
    return sps, pps


def _avcc_box(config: H264Config) -> bytes:
    sps, pps = config.sps, config.pps
    body = bytes([1, sps[1], sps[2], sps[3], 0xFF, 0xE1]) + struct.pack(">H", len(sps)) + sps
    body += bytes([1]) + struct.pack(">H", len(pps)) + pps
    return _box(b"avcC", body)


def _matrix() -> bytes:
    return struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def init_segment(config: H264Config, timescale: int) -> bytes:
    """ftyp + moov for one H.264 video track (track id 1) with no samples (they come in fragments)."""
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isomiso6avc1mp41")
    mvhd = _full_box(b"mvhd", 0, 0, struct.pack(">IIII", 0, 0, 1000, 0), struct.pack(">IH", 0x10000, 0x100),
                     bytes(10), _matrix(), bytes(24), struct.pack(">I", 2))
    tkhd = _full_box(b"tkhd", 0, 3, struct.pack(">IIIII", 0, 0, 1, 0, 0), bytes(8),
                     struct.pack(">HHHH", 0, 0, 0, 0), _matrix(),
                     struct.pack(">II", config.width << 16, config.height << 16))
    mdhd = _full_box(b"mdhd", 0, 0, struct.pack(">IIII", 0, 0, timescale, 0), struct.pack(">HH", 0x55C4, 0))
    hdlr = _full_box(b"hdlr", 0, 0, bytes(4), b"vide", bytes(12), b"VideoHandler\x00")
    avc1 = _box(b"avc1", bytes(6), struct.pack(">H", 1), bytes(16), struct.pack(">HH", config.width, config.height),
                struct.pack(">II", 0x480000, 0x480000), bytes(4), struct.pack(">H", 1), bytes(32),
                struct.pack(">Hh", 0x18, -1), _avcc_box(config))
    stsd = _full_box(b"stsd", 0, 0, struct.pack(">I", 1), avc1)
    empty_tables = b"".join(_full_box(kind, 0, 0, struct.pack(">I", 0)) for kind in (b"stts", b"stsc", b"stco"))
    stsz = _full_box(b"stsz", 0, 0, struct.pack(">II", 0, 0))
    stbl = _box(b"stbl", stsd, empty_tables, stsz)
    dinf = _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1), _full_box(b"url ", 0, 1)))
    minf = _box(b"minf", _full_box(b"vmhd", 0, 1, bytes(8)), dinf, stbl)
    trak = _box(b"trak", tkhd, _box(b"mdia", mdhd, hdlr, minf))
    mvex = _box(b"mvex", _full_box(b"trex", 0, 0, struct.pack(">IIIII", 1, 1, 0, 0, 0)))
    return ftyp + _box(b"moov", mvhd, trak, mvex)


# Sample flags (ISO 14496-12 8.8.3.1): a sync sample depends on nothing; others depend on earlier ones.
_SYNC_FLAGS = 0x02000000
_NON_SYNC_FLAGS = 0x01010000


# moof (mfhd, traf (tfhd, tfdt, trun with one sample)) + the mdat header, packed in one call: a
# live fragment is written per frame and per channel, so its header is one fixed-layout struct.
# trun flags: data-offset, duration, size, flags, composition offset (version 1: signed).
_MOOF_SIZE = 8 + 16 + 8 + 16 + 20 + 36
_FRAGMENT_HEAD = struct.Struct(">I4s" "I4sII" "I4s" "I4sII" "I4sIQ" "I4sIIiIIIi" "I4s")


def fragment_head(sequence: int, decode_time: int, duration: int, composition_offset: int, keyframe: bool,
                  sample_size: int) -> bytes:
    """moof + the mdat box header for one sample of `sample_size` bytes (which follows it)."""
    return _FRAGMENT_HEAD.pack(
        _MOOF_SIZE, b"moof",
        16, b"mfhd", 0, sequence,
        _MOOF_SIZE - 24, b"traf",
        16, b"tfhd", 0x020000, 1,  # default-base-is-moof, track 1
        20, b"tfdt", 0x01000000, max(0, decode_time),
        36, b"trun", 0x01000F01, 1, _MOOF_SIZE + 8, duration, sample_size,
        _SYNC_FLAGS if keyframe else _NON_SYNC_FLAGS, composition_offset,
        8 + sample_size, b"mdat")


def fragment(sequence: int, decode_time: int, duration: int, composition_offset: int, keyframe: bool,
             sample: bytes) -> bytes:
    """moof + mdat holding one sample (AVCC) of track 1; times in the track's timescale."""
    return fragment_head(sequence, decode_time, duration, composition_offset, keyframe, len(sample)) + sample


class H264Fragmenter:
    """Turns one connection's H.264 packets into an init segment and per-frame fragments.

    The init segment is known once parameter sets are: from the extradata, else from the first
    keyframe that carries them in-band. Frames before that (and before the first keyframe) are
    dropped, since no decoder can start there.
    """

    def __init__(self, extradata: bytes | None, width: int, height: int, timescale: int):
        sps, pps, self.length_size = parse_extradata(extradata)
        self.width, self.height, self.timescale = width, height, timescale
        self.config = H264Config(sps, pps, width, height, self.length_size) if sps and pps else None
        self.sequence = 0
        self.started = False
        self.last_dts: int | None = None
        self.frame_ticks = max(1, timescale // 15)

    def units(self, data: bytes) -> list[bytes]:
        return split_annexb(data) if is_annexb(data) else split_avcc(data, self.length_size)

    def init(self) -> bytes | None:
        return init_segment(self.config, self.timescale) if self.config else None

    def add(self, data: bytes, pts: int, dts: int, duration: int, keyframe: bool,
            prefix: bytes = b"") -> tuple[bytes | None, bytes | None]:
        """(init segment if it became known with this packet, fragment or None if not decodable yet).

        `prefix` is put before the fragment in the same buffer (the relay's wire header: one copy
        of the frame instead of two)."""
        units = [u for u in self.units(data) if u and u[0] & 0x1F != NAL_AUD]
        new_init = None
        if self.config is None and keyframe:
            sps, pps = parameter_sets_in(units)
            if sps and pps:
                self.config = H264Config(sps, pps, self.width, self.height, self.length_size)
                new_init = self.init()
        if self.config is None or not (self.started or keyframe) or not units:
            return new_init, None
        self.started = True
        if self.last_dts is not None and dts > self.last_dts:
            self.frame_ticks = dts - self.last_dts
        self.last_dts = dts
        self.sequence += 1
        parts = [prefix, b""]
        for unit in units:
            parts += (_LENGTH.pack(len(unit)), unit)
        parts[1] = fragment_head(self.sequence, dts, duration or self.frame_ticks, pts - dts, keyframe,
                                 sum(4 + len(u) for u in units))
        return new_init, b"".join(parts)
