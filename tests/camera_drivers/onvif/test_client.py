"""OnvifCamera construction and the checks it makes before any network call (no network)."""

from __future__ import annotations

import asyncio

import pytest

from camera_drivers.onvif.client import OnvifCamera
from camera_drivers.onvif.errors import PtzNotSupported


@pytest.mark.parametrize(
    ("xaddr", "host", "port", "where", "url"),
    [
        (
            "http://10.0.0.5/onvif/device_service",
            "10.0.0.5",
            80,
            "10.0.0.5:80",
            "http://10.0.0.5:80/onvif/device_service",
        ),
        (
            "http://10.0.0.6:8899/onvif/device_service",
            "10.0.0.6",
            8899,
            "10.0.0.6:8899",
            "http://10.0.0.6:8899/onvif/device_service",
        ),
        (
            "http://admin:pw@10.0.0.7:8000/onvif/services",
            "10.0.0.7",
            8000,
            "10.0.0.7:8000",
            "http://10.0.0.7:8000/onvif/services",
        ),
        (
            "http://[fe80::1]:80/onvif/device_service",
            "fe80::1",
            80,
            "[fe80::1]:80",
            "http://[fe80::1]:80/onvif/device_service",
        ),
    ],
    ids=["default-port", "port", "credentials-dropped", "ipv6"],
)
def test_from_xaddr(xaddr: str, host: str, port: int, where: str, url: str) -> None:
    cam = OnvifCamera.from_xaddr(xaddr, "admin", "s3cret")
    assert (cam.host, cam.port, cam.where, cam.xaddr) == (host, port, where, url)
    assert "s3cret" not in repr(cam) and "pw" not in repr(cam)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: OnvifCamera.from_xaddr("rtsp://10.0.0.5/x"), "xaddr must be an http://"),
        (lambda: OnvifCamera.from_xaddr("10.0.0.5"), "xaddr must be an http://"),
        (lambda: OnvifCamera("10.0.0.5", 0), "port must be 1..65535"),
        (lambda: OnvifCamera("10.0.0.5", 80, timeout_s=0.05), "timeout_s must be between"),
    ],
    ids=["rtsp", "bare-host", "port-zero", "timeout"],
)
def test_bad_arguments(call, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        call()


def test_ptz_without_ptz_service_is_a_clear_error() -> None:
    cam = OnvifCamera("10.0.0.5", 80)  # never connected: no service list, so no PTZ service
    with pytest.raises(PtzNotSupported, match="has no PTZ"):
        asyncio.run(cam.ptz())
