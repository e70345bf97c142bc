"""ONVIF WS-Discovery: probe one network interface and list the cameras that answer.

A raw UDP Probe for ``dn:NetworkVideoTransmitter`` goes to 239.255.255.250:3702 out of the chosen
interface (``IP_MULTICAST_IF``), and unicast replies are collected until the timeout. Why raw
UDP instead of the ``wsdiscovery`` package: its client drops replies that are not spec-exact,
and real cameras (and the ipycam emulator) answer with a bare ``ProbeMatch`` instead of
``ProbeMatches``; it also ignores loopback, and cannot be pinned to one interface simply.

Replies are merged per device: the probe is sent twice (UDP may drop one), so every device
answers twice, and a device may also be announced by two responders (same XAddrs, different
endpoint). Parsing is namespace-agnostic (local names only) because vendors use several
WS-Discovery namespace versions and prefixes.
"""

from __future__ import annotations

import fcntl
import socket
import struct
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from camera_drivers.onvif.models import DiscoveredDevice

WSD_GROUP = "239.255.255.250"
WSD_PORT = 3702
_SCOPE_PREFIX = "onvif://www.onvif.org/"
_MAX_DATAGRAM = 65535
# Replies that are not a ProbeMatch (Hello/Bye from cameras booting, other probes) are ignored;
# this bounds how many datagrams one discover() call will read, whatever the network does.
_MAX_REPLIES = 2000

_PROBE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"'
    ' xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing"'
    ' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"'
    ' xmlns:dn="http://www.onvif.org/ver10/network/wsdl">'
    "<e:Header><w:MessageID>{message_id}</w:MessageID>"
    '<w:To e:mustUnderstand="true">urn:schemas-xmlsoap-org:ws:2005:04:discovery</w:To>'
    '<w:Action e:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</w:Action>'
    "</e:Header><e:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></e:Body>"
    "</e:Envelope>"
)


@dataclass(frozen=True)
class ProbeMatch:
    """One ``ProbeMatch`` element of one reply, before merging."""

    endpoint: str
    xaddrs: tuple[str, ...]
    scopes: tuple[str, ...]
    types: tuple[str, ...]
    relates_to: str
    source_ip: str
    bare: bool  # True for a ProbeMatch not wrapped in ProbeMatches (ipycam, some cameras)


def build_probe(message_id: str) -> bytes:
    """The SOAP Probe datagram for ONVIF video transmitters."""
    return _PROBE.format(message_id=message_id).encode("utf-8")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child_text(elem: ET.Element, name: str) -> str:
    for child in elem.iter():
        if _local(child.tag) == name and child.text:
            return child.text.strip()
    return ""


def parse_probe_reply(data: bytes, source_ip: str) -> list[ProbeMatch]:
    """All ProbeMatch elements in one datagram: inside ``ProbeMatches`` or bare in the Body.

    Returns [] for anything that is not a well-formed reply with at least one ProbeMatch.
    """
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return []
    relates_to = _child_text(root, "RelatesTo")
    parents = {child: elem for elem in root.iter() for child in elem}
    matches = []
    for elem in root.iter():
        if _local(elem.tag) != "ProbeMatch":
            continue
        ref = next((e for e in elem if _local(e.tag) == "EndpointReference"), None)
        parent = parents.get(elem)
        matches.append(
            ProbeMatch(
                endpoint=_child_text(ref, "Address") if ref is not None else "",
                xaddrs=tuple(_child_text(elem, "XAddrs").split()),
                scopes=tuple(_child_text(elem, "Scopes").split()),
                types=tuple(_child_text(elem, "Types").split()),
                relates_to=relates_to,
                source_ip=source_ip,
                bare=parent is None or _local(parent.tag) != "ProbeMatches",
            )
        )
    return matches


def parse_scopes(scopes: Iterable[str]) -> tuple[str | None, str | None, str | None]:
    """(name, hardware, location) from ONVIF scope URIs, URL-decoded.

    The first name and hardware scopes win; all location scopes are kept, joined with ", "
    (a location may have several levels, e.g. ``location/city/hanoi`` gives ``city/hanoi``).
    """
    name = hardware = None
    locations: list[str] = []
    for scope in scopes:
        if not scope.lower().startswith(_SCOPE_PREFIX):
            continue
        kind, _, value = scope[len(_SCOPE_PREFIX) :].partition("/")
        value = unquote(value.strip("/"))
        if not value:
            continue
        kind = kind.lower()
        if kind == "name" and name is None:
            name = value
        elif kind == "hardware" and hardware is None:
            hardware = value
        elif kind == "location" and value not in locations:
            locations.append(value)
    return name, hardware, ", ".join(locations) or None


def _preferred_xaddr(xaddrs: Iterable[str], source_ip: str) -> str | None:
    """The http(s) XAddr on the replying host if any, else the first IPv4 one, else any."""
    usable = [x for x in xaddrs if urlsplit(x).scheme in ("http", "https") and urlsplit(x).hostname]
    for pick in (
        lambda x: urlsplit(x).hostname == source_ip,
        lambda x: ":" not in (urlsplit(x).hostname or ":"),
        lambda x: True,
    ):
        for x in usable:
            if pick(x):
                return x
    return None


def _to_device(group: list[ProbeMatch]) -> DiscoveredDevice | None:
    """One device from a group of matches in arrival order (first reply decides the source IP)."""
    xaddrs = tuple(dict.fromkeys(x for m in group for x in m.xaddrs))
    scopes = tuple(dict.fromkeys(s for m in group for s in m.scopes))
    endpoints = tuple(sorted({m.endpoint for m in group if m.endpoint}))
    source_ip = group[0].source_ip
    xaddr = _preferred_xaddr(xaddrs, source_ip)
    if xaddr is None:
        return None  # nothing we could connect to
    parts = urlsplit(xaddr)
    name, hardware, location = parse_scopes(scopes)
    return DiscoveredDevice(
        # The smallest endpoint, not the first to arrive: the key must not depend on timing.
        endpoint=endpoints[0] if endpoints else "",
        endpoints=endpoints,
        xaddrs=xaddrs,
        xaddr=xaddr,
        host=parts.hostname or "",
        port=parts.port or (443 if parts.scheme == "https" else 80),
        source_ip=source_ip,
        scopes=scopes,
        name=name,
        hardware=hardware,
        location=location,
        types=tuple(dict.fromkeys(t for m in group for t in m.types)),
    )


def merge_matches(matches: Iterable[ProbeMatch]) -> list[DiscoveredDevice]:
    """Merge matches that share an endpoint reference or any XAddr; sorted by (host, port).

    Merging is transitive (A~B and B~C gives one device). Matches without XAddrs cannot be
    connected to (they would need a WS-Discovery Resolve), so they are dropped.
    """
    groups: list[list[tuple[int, ProbeMatch]]] = []
    for item in enumerate(matches):
        m = item[1]
        hits = [
            g
            for g in groups
            if any((m.endpoint and m.endpoint == o.endpoint) or set(m.xaddrs) & set(o.xaddrs) for _, o in g)
        ]
        merged = sorted([item] + [o for g in hits for o in g], key=lambda pair: pair[0])
        groups = [g for g in groups if not any(g is h for h in hits)] + [merged]
    devices = [d for d in (_to_device([m for _, m in g]) for g in groups) if d is not None]
    return sorted(devices, key=lambda d: (d.host, d.port, d.endpoint))


_SIOCGIFADDR = 0x8915  # Linux ioctl: primary IPv4 address of an interface


def ipv4_interfaces() -> list[tuple[str, str]]:
    """(interface name, primary IPv4 address) of every interface that has one, loopback included.

    For the discovery page's interface picker (Linux only; no extra dependency).
    """
    found = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _index, name in socket.if_nameindex():
            request = struct.pack("256s", name.encode()[:15])
            try:
                reply = fcntl.ioctl(sock.fileno(), _SIOCGIFADDR, request)
            except OSError:  # no IPv4 address on this interface
                continue
            found.append((name, socket.inet_ntoa(reply[20:24])))
    return found


def _open_socket(interface_ip: str | None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    # TTL 1: cameras are on the installer's segment; never let a probe be routed further.
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
    if interface_ip:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface_ip))
    sock.bind((interface_ip or "", 0))
    return sock


def collect_matches(interface_ip: str | None, timeout_s: float = 3.0, repeats: int = 2) -> list[ProbeMatch]:
    """Send the probe ``repeats`` times and return every ProbeMatch received (not merged)."""
    if not 0.1 <= timeout_s <= 60:
        raise ValueError("timeout_s must be between 0.1 and 60 seconds")
    message_id = f"urn:uuid:{uuid.uuid4()}"
    probe = build_probe(message_id)
    matches: list[ProbeMatch] = []
    with _open_socket(interface_ip) as sock:
        for _ in range(max(1, repeats)):  # same MessageID: a retransmission, per WS-Discovery
            sock.sendto(probe, (WSD_GROUP, WSD_PORT))
        deadline = time.monotonic() + timeout_s
        for _ in range(_MAX_REPLIES):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sock.settimeout(left)
            try:
                data, (addr, _port) = sock.recvfrom(_MAX_DATAGRAM)
            except TimeoutError:
                break
            # Keep replies to our probe; some cameras omit RelatesTo, keep those too.
            matches += [m for m in parse_probe_reply(data, addr) if m.relates_to in ("", message_id)]
    return matches


def discover(interface_ip: str | None, timeout_s: float = 3.0, repeats: int = 2) -> list[DiscoveredDevice]:
    """Probe for ONVIF cameras and return them merged and sorted. Blocks for ``timeout_s``.

    ``interface_ip`` is the address of the interface to probe from (the installer's NIC on the
    camera switch); None lets the routing table choose. Call it in a worker thread from async
    code (``await asyncio.to_thread(discover, ip, 3.0)``).
    Raises OSError if ``interface_ip`` is not an address of this machine.
    """
    return merge_matches(collect_matches(interface_ip, timeout_s, repeats))
