"""Credentials kept out of stream URIs, and joined back for the stream reader (no network)."""

from __future__ import annotations

import pytest

from camera_drivers.onvif.uris import split_credentials, strip_credentials, with_credentials


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (
            "rtsp://10.0.0.5:554/Streaming/Channels/101",
            ("rtsp://10.0.0.5:554/Streaming/Channels/101", None, None),
        ),
        ("rtsp://admin:12345@10.0.0.5/h264", ("rtsp://10.0.0.5/h264", "admin", "12345")),
        (
            "rtsp://admin:p%40ss%3Aw@10.0.0.5:8554/live?ch=1",
            ("rtsp://10.0.0.5:8554/live?ch=1", "admin", "p@ss:w"),
        ),
        ("rtsp://admin@10.0.0.5/s1", ("rtsp://10.0.0.5/s1", "admin", None)),
        ("rtsp://u:p@[fe80::1]:554/s", ("rtsp://[fe80::1]:554/s", "u", "p")),
        ("  rtsp://10.0.0.5/s  ", ("rtsp://10.0.0.5/s", None, None)),
    ],
    ids=["plain", "embedded", "percent-encoded", "user-only", "ipv6", "whitespace"],
)
def test_split_credentials(uri: str, expected: tuple) -> None:
    assert split_credentials(uri) == expected


@pytest.mark.parametrize(
    ("uri", "user", "password", "expected"),
    [
        ("rtsp://10.0.0.5/s", "admin", "12345", "rtsp://admin:12345@10.0.0.5/s"),
        ("rtsp://10.0.0.5:554/s", "ad min", "p@ss:w/rd", "rtsp://ad%20min:p%40ss%3Aw%2Frd@10.0.0.5:554/s"),
        ("rtsp://old:creds@10.0.0.5/s", "new", "pw", "rtsp://new:pw@10.0.0.5/s"),
        ("rtsp://old:creds@10.0.0.5/s", None, None, "rtsp://10.0.0.5/s"),
        ("rtsp://10.0.0.5/s", "admin", "", "rtsp://admin@10.0.0.5/s"),
    ],
    ids=["simple", "special-characters", "replaces", "none-strips", "empty-password"],
)
def test_with_credentials(uri: str, user: str | None, password: str | None, expected: str) -> None:
    assert with_credentials(uri, user, password) == expected


def test_round_trip_recovers_the_password() -> None:
    joined = with_credentials("rtsp://10.0.0.5/s", "admin", "p@ss:w/rd#1")
    assert split_credentials(joined) == ("rtsp://10.0.0.5/s", "admin", "p@ss:w/rd#1")
    assert strip_credentials(joined) == "rtsp://10.0.0.5/s"
