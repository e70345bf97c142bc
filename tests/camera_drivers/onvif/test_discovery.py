"""WS-Discovery reply parsing, scope parsing and merging (no network)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from camera_drivers.onvif.discovery import (
    ProbeMatch,
    build_probe,
    merge_matches,
    parse_probe_reply,
    parse_scopes,
)

ENV = 'xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"'
D2005 = 'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"'
D2009 = 'xmlns:d="http://docs.oasis-open.org/ws-dd/ns/discovery/2009/01"'


def _match(uuid: str, xaddrs: str, scopes: str) -> str:
    return (
        f"<d:ProbeMatch><a:EndpointReference><a:Address>{uuid}</a:Address></a:EndpointReference>"
        f"<d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>{scopes}</d:Scopes>"
        f"<d:XAddrs>{xaddrs}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch>"
    )


def _envelope(ns: str, body: str, relates: str = "urn:uuid:probe-1") -> bytes:
    header = f"<s:Header><a:RelatesTo>{relates}</a:RelatesTo></s:Header>" if relates else "<s:Header/>"
    return (
        f'<?xml version="1.0"?><s:Envelope {ENV} {ns}>{header}<s:Body>{body}</s:Body></s:Envelope>'.encode()
    )


SPEC_TWO = _envelope(
    D2005,
    "<d:ProbeMatches>"
    + _match("urn:uuid:a", "http://10.0.0.5/onvif/device_service", "onvif://www.onvif.org/name/Gate")
    + _match(
        "urn:uuid:b", "http://10.0.0.6:8000/onvif/device_service http://[fe80::1]/onvif/device_service", ""
    )
    + "</d:ProbeMatches>",
)
BARE = _envelope(D2005, _match("urn:uuid:c", "http://10.0.0.7:8080/onvif/device_service", "onvif://x/y"))
WSD_2009 = _envelope(
    D2009,
    "<d:ProbeMatches>" + _match("urn:uuid:d", "http://10.0.0.8/x", "") + "</d:ProbeMatches>",
    relates="",
)
HELLO = _envelope(D2005, "<d:Hello><d:XAddrs>http://10.0.0.9/onvif/device_service</d:XAddrs></d:Hello>")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            SPEC_TWO,
            [
                ("urn:uuid:a", ("http://10.0.0.5/onvif/device_service",), False, "urn:uuid:probe-1"),
                (
                    "urn:uuid:b",
                    ("http://10.0.0.6:8000/onvif/device_service", "http://[fe80::1]/onvif/device_service"),
                    False,
                    "urn:uuid:probe-1",
                ),
            ],
        ),
        (BARE, [("urn:uuid:c", ("http://10.0.0.7:8080/onvif/device_service",), True, "urn:uuid:probe-1")]),
        (WSD_2009, [("urn:uuid:d", ("http://10.0.0.8/x",), False, "")]),
        (HELLO, []),
        (b"not xml at all", []),
        (b"", []),
    ],
    ids=["probematches-two", "bare-probematch", "wsd-2009-namespace", "hello-ignored", "junk", "empty"],
)
def test_parse_probe_reply(data: bytes, expected: list[tuple]) -> None:
    got = parse_probe_reply(data, "10.0.0.5")
    assert [(m.endpoint, m.xaddrs, m.bare, m.relates_to) for m in got] == expected


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        (
            ["onvif://www.onvif.org/name/Cong%20An%20Xa", "onvif://www.onvif.org/hardware/DS-2CD1023"],
            ("Cong An Xa", "DS-2CD1023", None),
        ),
        (
            [
                "onvif://www.onvif.org/location/country/vietnam",
                "onvif://www.onvif.org/location/city/ha%20noi",
            ],
            (None, None, "country/vietnam, city/ha noi"),
        ),
        (["onvif://www.onvif.org/name/first", "onvif://www.onvif.org/name/second"], ("first", None, None)),
        (["ONVIF://www.onvif.org/Name/Upper"], ("Upper", None, None)),
        (
            [
                "onvif://www.onvif.org/name/",
                "onvif://www.onvif.org/type/video_encoder",
                "http://other/name/x",
            ],
            (None, None, None),
        ),
        (["onvif://www.onvif.org/name/C%C3%B4ng%20an"], ("Công an", None, None)),
        ([], (None, None, None)),
    ],
    ids=["name-hardware", "multi-level-locations", "first-name-wins", "case", "ignored", "utf8", "none"],
)
def test_parse_scopes(scopes: list[str], expected: tuple) -> None:
    assert parse_scopes(scopes) == expected


def _m(
    endpoint: str, xaddrs: tuple[str, ...], scopes: tuple[str, ...] = (), src: str = "10.0.0.5"
) -> ProbeMatch:
    return ProbeMatch(endpoint, xaddrs, scopes, ("dn:NetworkVideoTransmitter",), "", src, bare=False)


X5 = "http://10.0.0.5/onvif/device_service"
X6 = "http://10.0.0.6:8000/onvif/device_service"
V6 = "http://[fe80::1]/onvif/device_service"


@pytest.mark.parametrize(
    ("matches", "expected"),
    [
        # the same reply twice (probe sent twice)
        ([_m("urn:uuid:a", (X5,)), _m("urn:uuid:a", (X5,))], [("urn:uuid:a", X5, "10.0.0.5", 80)]),
        # two responders, same XAddr, different endpoints: one device, scopes united
        (
            [
                _m("urn:uuid:a", (X5,), ("onvif://www.onvif.org/name/A",)),
                _m("urn:uuid:z", (X5,), ("onvif://www.onvif.org/hardware/H",)),
            ],
            [("urn:uuid:a", X5, "10.0.0.5", 80)],
        ),
        # distinct devices, sorted by host
        (
            [_m("urn:uuid:b", (X6,), src="10.0.0.6"), _m("urn:uuid:a", (X5,))],
            [("urn:uuid:a", X5, "10.0.0.5", 80), ("urn:uuid:b", X6, "10.0.0.6", 8000)],
        ),
        # IPv6 link-local first in the list: the IPv4 address of the replying host is preferred
        ([_m("urn:uuid:b", (V6, X6), src="10.0.0.6")], [("urn:uuid:b", X6, "10.0.0.6", 8000)]),
        # a third match links two groups through a shared XAddr
        (
            [_m("urn:uuid:a", (X5,)), _m("urn:uuid:b", (X6,)), _m("urn:uuid:a", (X6,))],
            [("urn:uuid:a", X5, "10.0.0.5", 80)],
        ),
        # no XAddrs (needs a Resolve): dropped
        ([_m("urn:uuid:q", ())], []),
        # no endpoint reference: keyed by host:port
        ([_m("", (X5,)), _m("", (X5,))], [("", X5, "10.0.0.5", 80)]),
    ],
    ids=[
        "duplicate",
        "two-responders",
        "two-devices",
        "prefer-ipv4",
        "transitive",
        "no-xaddrs",
        "no-endpoint",
    ],
)
def test_merge_matches(matches: list[ProbeMatch], expected: list[tuple]) -> None:
    got = merge_matches(matches)
    assert [(d.endpoint, d.xaddr, d.host, d.port) for d in got] == expected


def test_merged_device_unites_scopes_and_keeps_a_stable_key() -> None:
    (dev,) = merge_matches(
        [
            _m("urn:uuid:a", (X5,), ("onvif://www.onvif.org/name/Gate",)),
            _m(
                "urn:uuid:z",
                (X5,),
                ("onvif://www.onvif.org/hardware/H1", "onvif://www.onvif.org/location/Yard"),
            ),
        ]
    )
    assert (dev.name, dev.hardware, dev.location, dev.key) == ("Gate", "H1", "Yard", "urn:uuid:a")
    assert dev.endpoints == ("urn:uuid:a", "urn:uuid:z")
    assert merge_matches([_m("", (X6,))])[0].key == "10.0.0.6:8000"


def test_probe_is_a_soap_probe_for_video_transmitters() -> None:
    root = ET.fromstring(build_probe("urn:uuid:1234"))
    texts = {el.tag.rsplit("}", 1)[-1]: (el.text or "") for el in root.iter()}
    assert texts["MessageID"] == "urn:uuid:1234"
    assert texts["Action"] == "http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe"
    assert texts["Types"] == "dn:NetworkVideoTransmitter"
