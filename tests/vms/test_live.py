"""Live video: the fMP4 writer, the worker-side publisher, and the WebSocket a browser watches.

The relay runs for real: a simulated or file camera feeds `LiveRelay` (the worker's code) on a
Unix socket in the site's state folder, and the API's WebSocket serves what it relays.
Timing is never asserted; counts of messages and decoded frames are.
"""

from __future__ import annotations

import io
import json
import socket
import struct
import time
from pathlib import Path
from typing import Iterator

import av
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from starlette.websockets import WebSocketDisconnect

from camera_drivers.stream import StreamSource
from tests.media import make_h264_file
from tests.vms.conftest import ADMIN_PASSWORD, add_role_users, login
from tests.vms.live_feed import Feed
from vms.access import set_user_cameras
from vms.api.app import create_app
from vms.db.models import AuditEntry, User
from vms.live.fmp4 import H264Fragmenter, parse_extradata, split_annexb
from vms.live.protocol import HEADER, TYPE_PACKET, TYPE_STREAM, StreamInfo, socket_address, socket_path
from vms.live.publisher import LivePublisher
from vms.service import Site

SIM = StreamSource(kind="sim", location="street_day")


def packets_of(path: Path, limit: int = 1000) -> tuple[av.VideoStream, list[tuple[bytes, int, int, int, bool]]]:
    container = av.open(str(path))
    stream = container.streams.video[0]
    out = [(bytes(p), p.pts, p.dts, p.duration or 0, p.is_keyframe) for p in container.demux(stream) if p.size][:limit]
    return stream, out


def decoded_frames(data: bytes) -> int:
    with av.open(io.BytesIO(data), format="mp4") as container:
        return sum(1 for _ in container.decode(video=0))


# -- the fragmented MP4 writer --------------------------------------------------------------------

def test_fragments_of_an_mp4_file_decode_frame_for_frame(tmp_path: Path) -> None:
    """AVCC input (MP4 demuxer): init segment + one fragment per packet decode to every frame."""
    stream, packets = packets_of(make_h264_file(tmp_path / "a.mp4", 2.0, fps=15, gop=15))
    codec = stream.codec_context
    writer = H264Fragmenter(codec.extradata, codec.width, codec.height, stream.time_base.denominator)
    assert writer.config is not None and writer.config.codec.startswith("avc1.")
    out = [writer.init()]
    for data, pts, dts, duration, key in packets:
        new_init, fragment = writer.add(data, pts, dts, duration, key)
        assert new_init is None and fragment is not None
        out.append(fragment)
    assert decoded_frames(b"".join(out)) == len(packets) == 30


def test_annexb_stream_without_extradata_takes_parameter_sets_from_the_keyframe(tmp_path: Path) -> None:
    """MPEG-TS (Annex B, like RTSP): no init until the first keyframe brings SPS/PPS; frames before it are dropped."""
    stream, packets = packets_of(make_h264_file(tmp_path / "a.ts", 2.0, fps=15, gop=10, container_format="mpegts"))
    assert split_annexb(packets[0][0])  # start codes, not length prefixes
    writer = H264Fragmenter(None, 320, 180, 90000)
    assert writer.init() is None
    out: list[bytes] = []
    for data, pts, dts, duration, key in packets[5:]:  # joined mid-GOP, as a live viewer does
        new_init, fragment = writer.add(data, pts, dts, duration, key)
        out += [x for x in (new_init, fragment) if x]
    assert out[0][4:8] == b"ftyp"
    assert decoded_frames(b"".join(out)) == len(packets) - 10  # from the second keyframe on


@pytest.mark.parametrize("extradata", [
    bytes.fromhex("0164001fffe100046764001f01000468ee3cb0"),  # avcC
    bytes.fromhex("000000016764001f0000000168ee3cb0"),  # Annex B
])
def test_parameter_sets_from_either_extradata_form(extradata: bytes) -> None:
    sps, pps, length_size = parse_extradata(extradata)
    assert (sps, pps, length_size) == (bytes.fromhex("6764001f"), bytes.fromhex("68ee3cb0"), 4)


# -- the worker-side publisher --------------------------------------------------------------------

def read_messages(sock: socket.socket, count: int) -> list[tuple[int, bytes]]:
    messages, buffer = [], b""
    while len(messages) < count:
        chunk = sock.recv(65536)
        assert chunk, "publisher closed the socket"
        buffer += chunk
        while len(buffer) >= HEADER.size:
            length, kind = HEADER.unpack_from(buffer)
            if len(buffer) < HEADER.size + length:
                break
            messages.append((kind, buffer[HEADER.size:HEADER.size + length]))
            buffer = buffer[HEADER.size + length:]
    return messages


def info(kind: str = "sub") -> StreamInfo:
    return StreamInfo("cam1", kind, "h264", 320, 180, 1, 90000, 15.0, b"")  # type: ignore[arg-type]


def test_a_client_joining_mid_gop_gets_the_header_and_the_gop_from_its_keyframe(tmp_path: Path) -> None:
    with LivePublisher(tmp_path, "cam1", "sub") as publisher:
        publisher.start_stream(info())
        for i in range(12):  # keyframes at 0 and 8
            publisher.publish(i * 6000, i * 6000, 6000, i % 8 == 0, 1000.0 + i / 15, bytes([i]) * 10)
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(socket_address(socket_path(tmp_path, "cam1", "sub")))
            messages = read_messages(client, 5)
    assert messages[0][0] == TYPE_STREAM and StreamInfo.from_json(messages[0][1]).width == 320
    assert [m[1][-1] for m in messages[1:]] == [8, 9, 10, 11]
    assert all(kind == TYPE_PACKET for kind, _ in messages[1:])


def test_a_client_that_never_reads_is_dropped_and_publishing_never_waits(tmp_path: Path) -> None:
    with LivePublisher(tmp_path, "cam1", "sub", max_pending_bytes=256 * 1024) as publisher:
        publisher.start_stream(info())
        with socket.socket(socket.AF_UNIX) as stuck:
            stuck.connect(socket_address(socket_path(tmp_path, "cam1", "sub")))
            deadline = time.monotonic() + 10
            while not publisher._clients and time.monotonic() < deadline:
                time.sleep(0.01)
            for i in range(400):  # 400 x 64 KB: far beyond socket buffers and the pending limit
                publisher.publish(i, i, 1, i % 50 == 0, float(i), b"\0" * 65536)
            assert publisher.dropped_clients == 1
            assert publisher._clients == []


def test_socket_paths_longer_than_sun_path_still_work(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    with LivePublisher(deep, "cam1", "main") as publisher, socket.socket(socket.AF_UNIX) as client:
        publisher.start_stream(info("main"))
        client.connect(socket_address(socket_path(deep, "cam1", "main")))
        assert read_messages(client, 1)[0][0] == TYPE_STREAM


# -- the WebSocket --------------------------------------------------------------------------------

@pytest.fixture
def app(site: Site):  # type: ignore[no-untyped-def]
    add_role_users(site, cameras={"viewer": ["cam2"]})
    return create_app(site.app_context())


@pytest.fixture
def feed(site: Site) -> Iterator[Feed]:
    running = Feed(site.paths.live_frames, "cam1", SIM).start()
    yield running
    running.stop()


def receive_video(ws, fragments: int) -> tuple[dict, list[bytes]]:  # type: ignore[no-untyped-def]
    """The stream description and init + `fragments` media messages, skipping offline notices."""
    meta, media = None, []
    while len(media) < fragments + 1:
        message = ws.receive()
        if message.get("text"):
            body = json.loads(message["text"])
            if body["type"] == "stream":
                meta, media = body, []
            continue
        data = message["bytes"]
        if data[:1] == b"I":
            media = [data[1:]]
        elif media:
            media.append(data[17:])
    assert meta is not None
    return meta, media


def test_live_stream_is_the_cameras_h264_as_it_is(app, feed: Feed, site: Site) -> None:  # type: ignore[no-untyped-def]
    client = login(app, "admin")
    with client.websocket_connect("/api/cameras/cam1/live?stream=main") as ws:
        meta, media = receive_video(ws, 30)
    assert meta == {"type": "stream", "kind": "main", "codec": meta["codec"], "width": 640, "height": 360,
                    "transcoded": False}
    assert meta["codec"].startswith("avc1.")
    assert decoded_frames(b"".join(media)) == 30
    # The relay does not re-encode: the sample is the camera's keyframe, NAL unit for NAL unit
    # (only the framing changes: start codes become lengths; access unit delimiters go).
    sample = media[1][media[1].index(b"mdat") + 4:]
    sent = [[u for u in split_annexb(key) if u[0] & 0x1F != 9] for key in feed.keyframes]
    assert b"".join(struct.pack(">I", len(u)) + u for u in sent[-1]) == sample or any(
        b"".join(struct.pack(">I", len(u)) + u for u in units) == sample for units in sent)


def test_a_viewer_outside_the_camera_list_gets_no_stream(app, feed: Feed) -> None:  # type: ignore[no-untyped-def]
    viewer = login(app, "viewer")  # may see cam2 only
    with viewer.websocket_connect("/api/cameras/cam1/live") as ws:
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    assert closed.value.code == 4404
    with viewer.websocket_connect("/api/cameras/cam2/live") as ws:  # its own camera: allowed (no feed: offline)
        assert json.loads(ws.receive_text()) == {"type": "offline", "reason": "worker not running"}


def test_no_login_no_stream_and_other_origins_are_refused(app, feed: Feed) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app).websocket_connect("/api/cameras/cam1/live") as ws:
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_text()
    assert closed.value.code == 4401
    client = login(app, "admin")
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/api/cameras/cam1/live", headers={"origin": "http://evil.example"}):
            pass
    assert refused.value.code == 1008


def test_live_viewing_is_audited_from_start_to_end(app, feed: Feed, site: Site) -> None:  # type: ignore[no-untyped-def]
    client = login(app, "operator")
    with client.websocket_connect("/api/cameras/cam1/live?stream=sub") as ws:
        receive_video(ws, 3)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with site.session_factory() as db:
            rows = db.scalars(select(AuditEntry).where(AuditEntry.action.like("live_view%"))
                              .order_by(AuditEntry.id)).all()
        if len(rows) == 2:
            break
        time.sleep(0.05)
    start, end = rows
    assert (start.username, start.action, start.target) == ("operator", "live_view", "cam1")
    # This camera has no sub stream: a tile asking for it gets the main stream, and the row says so.
    assert start.details["requested"] == "sub" and start.details["stream"] == "main"
    assert (end.action, end.target) == ("live_view_end", "cam1")
    assert end.details["start"] == start.details["start"] and end.details["end"] >= end.details["start"]


def test_a_dropped_camera_shows_offline_then_resumes_by_itself(app, feed: Feed) -> None:  # type: ignore[no-untyped-def]
    client = login(app, "admin")
    with client.websocket_connect("/api/cameras/cam1/live") as ws:
        receive_video(ws, 2)
        feed.pause()
        while True:
            message = ws.receive()
            if message.get("text") and json.loads(message["text"])["type"] == "offline":
                break
        assert json.loads(message["text"])["reason"] == "camera disconnected"
        feed.resume()
        meta, media = receive_video(ws, 5)  # a new stream header, init segment and video again
        assert decoded_frames(b"".join(media)) == 5


def test_h265_only_camera_is_transcoded_to_h264_once_for_all_viewers(app, site: Site, tmp_path: Path
                                                                      ) -> None:  # type: ignore[no-untyped-def]
    clip = make_h264_file(tmp_path / "hevc.mp4", 20.0, fps=15, gop=15, codec="libx265")
    feed = Feed(site.paths.live_frames, "cam1", StreamSource(kind="file", location=str(clip))).start()
    try:
        tokens = [login(app, name).cookies["vms_session"] for name in ("admin", "operator")]
        # One TestClient context: both connections on the same event loop, as in the real server.
        with TestClient(app) as client, client.websocket_connect(
                "/api/cameras/cam1/live", headers={"Authorization": f"Bearer {tokens[0]}"}) as ws1, \
                client.websocket_connect("/api/cameras/cam1/live",
                                         headers={"Authorization": f"Bearer {tokens[1]}"}) as ws2:
            meta, media = receive_video(ws1, 10)
            meta2, media2 = receive_video(ws2, 10)
            channels = app.state.live_hub.channels
            assert list(channels) == [("cam1", "main")]  # one channel, one transcoder, two viewers
        assert meta["transcoded"] and meta["codec"].startswith("avc1.") and meta2["transcoded"]
        assert decoded_frames(b"".join(media)) == 10
        assert decoded_frames(b"".join(media2)) == 10
    finally:
        feed.stop()
