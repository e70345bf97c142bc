"""Stream sessions: credentials never leak, bad sources give clear errors, bad packets are survived."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from camera_drivers.stream import StreamError, StreamSession, StreamSource, redact_url
from tests.media import make_h264_file
from tests.peers.processes import free_port


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("rtsp://10.0.0.5:554/live", "rtsp://10.0.0.5:554/live"),
        ("rtsp://admin:s3cret@10.0.0.5:554/live", "rtsp://***@10.0.0.5:554/live"),
        ("rtsp://admin@cam.local/ch1?sub=1", "rtsp://***@cam.local/ch1?sub=1"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_unreachable_camera_fails_fast_without_credentials(tmp_path: Path) -> None:
    source = StreamSource(kind="rtsp", location=f"rtsp://127.0.0.1:{free_port()}/cam1", username="admin",
                          password="Sup3rSecret")
    started = time.monotonic()
    with pytest.raises(StreamError) as caught:
        with StreamSession(source, open_timeout_s=3, read_timeout_s=3):
            pass
    assert time.monotonic() - started < 10
    message = str(caught.value)
    assert "Sup3rSecret" not in message and "admin" not in message
    assert "cannot open stream" in message
    assert "Sup3rSecret" not in repr(source)
    assert message.startswith("rtsp://127.0.0.1:")  # once, not "rtsp:rtsp://"
    assert "connection refused" in message


@contextmanager
def loopback_listener(reply: bytes | None = None, backlog_full: bool = False) -> Iterator[int]:
    """A TCP port on 127.0.0.1 that says nothing, answers `reply`, or (backlog_full) drops new connects."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0 if backlog_full else 8)
    port = server.getsockname()[1]
    held = []
    if backlog_full:  # Linux drops SYNs to a full accept queue: a connect then times out like a dead host
        filler = socket.create_connection(("127.0.0.1", port))
        held.append(filler)
    elif reply is not None:
        def answer() -> None:
            conn, _ = server.accept()
            conn.recv(4096)
            conn.sendall(reply)
            conn.close()
        threading.Thread(target=answer, daemon=True).start()
    try:
        yield port
    finally:
        for conn in held:
            conn.close()
        server.close()


@pytest.mark.parametrize(
    ("listener", "expected"),
    [
        ({"backlog_full": True}, "host unreachable: 127.0.0.1:{port}"),
        ({}, "127.0.0.1:{port} accepted the connection but gave no RTSP answer within 2 s"),
        ({"reply": b"HTTP/1.0 200 OK\r\n\r\nhello"}, "127.0.0.1:{port} answered, but not as an RTSP camera"),
    ],
)
def test_rtsp_open_failure_names_the_cause(listener: dict, expected: str) -> None:
    with loopback_listener(**listener) as port:
        source = StreamSource(kind="rtsp", location=f"rtsp://127.0.0.1:{port}/live")
        with pytest.raises(StreamError) as caught:
            with StreamSession(source, open_timeout_s=2, read_timeout_s=2):
                pass
    message = str(caught.value)
    assert message.startswith(f"rtsp://127.0.0.1:{port}/live: cannot open stream: ")
    assert expected.format(port=port) in message
    assert "Invalid data" not in message.split("(")[0]


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StreamError, match="no such file"):
        with StreamSession(StreamSource(kind="file", location=str(tmp_path / "nope.mp4"))):
            pass


def test_not_a_video_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a video" * 1000)
    with pytest.raises(StreamError, match="cannot open stream"):
        with StreamSession(StreamSource(kind="file", location=str(junk))):
            pass


def test_corrupt_bytes_mid_stream_do_not_stop_reading(tmp_path: Path) -> None:
    clip = make_h264_file(tmp_path / "clip.ts", 6.0, container_format="mpegts")
    data = bytearray(clip.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4000] = bytes(range(256)) * 15 + bytes(160)  # a burst of garbage
    clip.write_bytes(bytes(data))
    with StreamSession(StreamSource(kind="file", location=str(clip), realtime=False)) as session:
        packets = list(session.packets())
    timestamps = [p.ts for p in packets]
    assert timestamps == sorted(timestamps)
    assert len(packets) > 60  # most of the 90 frames get through the damage
    assert packets[-1].ts - packets[0].ts > 5.0  # reading went on past the corruption


def test_timestamps_follow_pts_not_read_time(tmp_path: Path) -> None:
    clip = make_h264_file(tmp_path / "clip.mp4", 2.0, fps=10, gop=10)
    with StreamSession(StreamSource(kind="file", location=str(clip), realtime=False)) as session:
        packets = list(session.packets())
    gaps = {round(b.ts - a.ts, 4) for a, b in zip(packets, packets[1:])}
    assert gaps == {0.1}
    assert packets[0].keyframe and packets[10].keyframe and not packets[1].keyframe
