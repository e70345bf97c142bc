"""Threat: a hostile camera. Cameras belong to households and shops; a device decides what it
answers to GetServices, GetStreamUri and GetSnapshotUri. It must not be able to make the server
fetch another camera's footage, reach another host or service, or receive credentials meant for
itself in clear text, and the installer sees every address before the camera is saved.

The device is tests/peers/hostile_onvif.py on 127.0.0.1; "another host" is a recording listener on
127.0.0.2. All calls go through the real service over HTTP as the installer.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from camera_drivers.stream import StreamError, StreamSession, StreamSource
from tests.peers.hostile_onvif import Answers, HostileDevice, Listener
from tests.security import service as svc

CAMERA_PASSWORD = "Cam-Secret-77"


@pytest.fixture
def listener() -> Iterator[Listener]:
    other = Listener().start()
    yield other
    other.stop()


@pytest.fixture
def device() -> Iterator[HostileDevice]:
    fake = HostileDevice().start()
    yield fake
    fake.stop()


def _credentials(device: HostileDevice, **extra: object) -> dict:
    return {"address": "127.0.0.1", "port": device.port, "username": "chu-nha", "password": CAMERA_PASSWORD,
            "timeout_s": 3, **extra}


def _foreign(listener: Listener) -> dict[str, Answers]:
    other = listener.base
    return {
        "stream over http to another host": Answers(main_uri=f"{other}/stream.ts"),
        "rtsp on another host": Answers(main_uri=f"rtsp://127.0.0.2:{listener.port}/main"),
        "another camera's recording": Answers(main_uri="file:/var/lib/vms/recordings/cong-cho/x.mp4"),
        "sub stream elsewhere": Answers(sub_uri=f"rtsp://127.0.0.2:{listener.port}/sub"),
        "snapshot on another host": Answers(snapshot_uri=f"{other}/snap.jpg"),
        "media service on another host": Answers(media_xaddr=f"{other}/onvif/media_service"),
    }


@pytest.mark.parametrize("case", ["stream over http to another host", "rtsp on another host",
                                  "another camera's recording", "sub stream elsewhere",
                                  "snapshot on another host", "media service on another host"])
def test_foreign_addresses_are_refused_and_nothing_is_sent_there(
        service: svc.Service, device: HostileDevice, listener: Listener, case: str) -> None:
    device.answers = _foreign(listener)[case]
    installer = service.client("installer")
    for route in ("probe", "snapshot"):
        answer = installer.post(f"/api/onvif/{route}", json=_credentials(device))
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"]["code"].startswith("onvif.foreign_uri.")
    answer = installer.post("/api/onvif/register", json=_credentials(
        device, id="hang-xom", name="Nhà hàng xóm", main_uri="rtsp://127.0.0.1:8554/main",
        sub_uri="rtsp://127.0.0.1:8554/sub"))
    assert answer.status_code == 422 and answer.json()["detail"]["code"].startswith("onvif.foreign_uri.")
    assert installer.get("/api/cameras/hang-xom").status_code == 404
    assert listener.seen == []  # not one request, so no credentials either


def test_basic_over_plain_http_needs_the_per_camera_opt_in(service: svc.Service, device: HostileDevice) -> None:
    installer = service.client("installer")
    refused = installer.post("/api/onvif/snapshot", json=_credentials(device))
    assert refused.status_code == 422 and refused.json()["detail"]["code"] == "onvif.basic_auth_refused"
    assert [s.authorization for s in device.seen if s.method == "GET"] == [None]  # asked, never answered
    allowed = installer.post("/api/onvif/snapshot", json=_credentials(device, allow_basic_http=True))
    assert allowed.status_code == 200 and allowed.content.startswith(b"\xff\xd8")


def test_registration_saves_only_the_addresses_the_installer_saw(service: svc.Service, device: HostileDevice) -> None:
    installer = service.client("installer")
    probe = installer.post("/api/onvif/probe", json=_credentials(device))
    assert probe.status_code == 200, probe.text
    shown = probe.json()["profile"]
    assert (shown["main_uri"], shown["sub_uri"]) == ("rtsp://127.0.0.1:8554/main", "rtsp://127.0.0.1:8554/sub")
    device.answers = Answers(main_uri="rtsp://127.0.0.1:8554/other-camera")  # changes its mind after the probe
    body = _credentials(device, id="cua-hang", name="Cửa hàng", main_uri=shown["main_uri"], sub_uri=shown["sub_uri"])
    changed = installer.post("/api/onvif/register", json=body)
    assert changed.status_code == 409 and changed.json()["detail"]["code"] == "onvif.uris_changed"
    device.answers = Answers()
    saved = installer.post("/api/onvif/register", json=body)
    assert saved.status_code == 201, saved.text
    audit = service.client("admin").get("/api/audit", params={"limit": 20}).json()["items"]
    entry = next(item for item in audit if item["action"] == "camera_create" and item["target"] == "cua-hang")
    assert entry["details"]["main_uri"] == shown["main_uri"] and entry["details"]["allow_basic_http"] is False
    assert CAMERA_PASSWORD not in str(audit)


@pytest.mark.parametrize("location", ["file:/etc/passwd", "http://127.0.0.2:9/stream.ts", "concat:/etc/passwd"])
def test_an_rtsp_camera_never_opens_another_protocol(location: str) -> None:
    """Defence in depth below the API: even a stored non-RTSP location is refused by ingest."""
    with pytest.raises(StreamError):
        with StreamSession(StreamSource(kind="rtsp", location=location, username="u", password="p"), 2, 2):
            pass


def test_ffmpeg_whitelist_refuses_local_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The whitelist ingest passes to FFmpeg for RTSP cameras: a file on disk cannot be opened with it."""
    import av

    from camera_drivers.stream import RTSP_PROTOCOL_WHITELIST
    from tests.media import make_h264_file

    clip = make_h264_file(tmp_path / "other-camera.mp4", 1.0, fps=10, gop=10)
    with av.open(f"file:{clip}", timeout=(2, 2)):
        pass  # readable without the whitelist
    with pytest.raises(av.error.FFmpegError):
        av.open(f"file:{clip}", options={"protocol_whitelist": RTSP_PROTOCOL_WHITELIST}, timeout=(2, 2))
