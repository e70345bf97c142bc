"""What a camera source may make the server open: which hosts, which local files, which scenes.

An installer (or a hostile ONVIF device through them) chooses the addresses the server connects to
and, for `file` and `sim` cameras, the paths it reads. Without limits that is a way to probe any
host:port from the server (loopback services, the link-local cloud metadata address) and to read
any file the service can (the password file, the site's own keys). The policy:

- addresses: loopback, link-local, "this host" (0.0.0.0, ::), multicast and broadcast are refused
  unless a network listed in `sources.camera_networks` contains them; when that list is not empty,
  only addresses inside it are allowed at all (the site's camera subnets);
- `file` cameras read only files under `sources.media_dirs` (default `DIR/media`), symlinks
  resolved first;
- `sim` cameras use a scene name from the built-in folder (or $VMS_SCENE_DIR), or a scene file
  under one of those or `sources.scene_dirs`.

The same check runs where a source is configured (config file: ConfigError naming the key; API:
422 with a code naming the field) and again in the camera's worker before every connection (a row
stored by an older version is reported in the camera's status, never opened).
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from vms.config import SiteConfig
    from vms.paths import DataPaths

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# Addresses that reach the server itself or its link, never a camera on the site network.
SPECIAL: tuple[tuple[str, Network], ...] = tuple(
    (kind, ipaddress.ip_network(net)) for kind, net in (
        ("loopback", "127.0.0.0/8"), ("loopback", "::1/128"),
        ("unspecified", "0.0.0.0/8"), ("unspecified", "::/128"),
        ("link-local", "169.254.0.0/16"), ("link-local", "fe80::/10"),
        ("multicast", "224.0.0.0/4"), ("multicast", "ff00::/8"), ("broadcast", "255.255.255.255/32"),
    ))
SCENE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# code -> English, with the fields each one fills in (the API registers them; the UI translates).
SOURCE_ERRORS = {
    "source.address_special": "{host} is a {kind} address ({address}): cameras are never there; "
                              "list it in sources.camera_networks to allow it",
    "source.address_outside": "{host} ({address}) is outside the camera networks (sources.camera_networks: {networks})",
    "source.host_unknown": "cannot resolve the camera host {host}",
    "source.file_outside": "{path} is outside the folders file cameras may read (sources.media_dirs: {folders})",
    "source.scene_outside": "{scene} is not a scene name nor a scene file in the scene folders "
                            "(sources.scene_dirs: {folders})",
}


class SourceRefused(ValueError):
    """A source the policy refuses; `code` is a key of SOURCE_ERRORS, `params` fills it in."""

    def __init__(self, code: str, **params: str):
        self.code = code
        self.params = params
        self.field = ""  # the config key / API field, where known
        super().__init__(SOURCE_ERRORS[code].format(**params))


def _within(path: Path, folders: tuple[Path, ...]) -> bool:
    return any(path == folder or path.is_relative_to(folder) for folder in folders)


@dataclass(frozen=True)
class SourcePolicy:
    """The limits of one site (picklable: each camera's worker gets a copy)."""

    camera_networks: tuple[Network, ...] = ()
    media_dirs: tuple[Path, ...] = ()
    scene_dirs: tuple[Path, ...] = ()

    @classmethod
    def create(cls, networks: list[str] | tuple[str, ...], media_dirs: list[Path], scene_dirs: list[Path]
               ) -> "SourcePolicy":
        # Imported here: the simulator package pulls in rendering code the API never needs.
        from camera_drivers.simulator.script import DEFAULT_SCENE_DIR

        extra_scenes = [Path(os.environ["VMS_SCENE_DIR"])] if os.environ.get("VMS_SCENE_DIR") else []
        return cls(
            camera_networks=tuple(ipaddress.ip_network(net, strict=False) for net in networks),
            media_dirs=tuple(Path(p).resolve() for p in media_dirs),
            scene_dirs=tuple(Path(p).resolve() for p in [DEFAULT_SCENE_DIR, *extra_scenes, *scene_dirs]),
        )

    # Addresses ---------------------------------------------------------------------------------
    def check_address(self, host: str, address: Address) -> None:
        address = getattr(address, "ipv4_mapped", None) or address  # ::ffff:127.0.0.1 is loopback
        if any(address in network for network in self.camera_networks):
            return
        kind = next((kind for kind, network in SPECIAL if address.version == network.version and address in network),
                    None)
        if kind is not None:
            raise SourceRefused("source.address_special", host=host, kind=kind, address=str(address))
        if self.camera_networks:
            raise SourceRefused("source.address_outside", host=host, address=str(address),
                                networks=", ".join(str(n) for n in self.camera_networks))

    def check_host(self, host: str, resolve: bool = True) -> None:
        """Refuse a camera host whose address (or any address its name resolves to) is not allowed.

        `resolve=False` checks only what needs no lookup (IP literals, localhost): for config files
        read at start-up, when a camera's name may not resolve yet."""
        bare = host.strip("[]")
        try:
            addresses: list[Address] = [ipaddress.ip_address(bare.split("%")[0])]
        except ValueError:
            if bare.lower() == "localhost" or bare.lower().endswith(".localhost"):
                addresses = [ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")]
            elif not resolve:
                return
            else:
                addresses = _resolve(bare)
        for address in addresses:
            self.check_address(host, address)

    def check_url(self, url: str, resolve: bool = True) -> None:
        host = urlsplit(url).hostname
        if host:
            self.check_host(host, resolve)

    # Local paths -------------------------------------------------------------------------------
    def check_file(self, path: str | Path) -> None:
        resolved = Path(path).resolve()
        if not _within(resolved, self.media_dirs):
            raise SourceRefused("source.file_outside", path=str(path),
                                folders=", ".join(str(p) for p in self.media_dirs) or "none")

    def check_scene(self, scene: str) -> None:
        if SCENE_NAME.fullmatch(scene) and not Path(scene).exists():
            return  # a name, looked up in the scene folders only
        if not _within(Path(scene).resolve(), self.scene_dirs):
            raise SourceRefused("source.scene_outside", scene=scene,
                                folders=", ".join(str(p) for p in self.scene_dirs))

    def check(self, kind: str, location: str, resolve: bool = True) -> None:
        """Refuse a stored source (camera row): kind rtsp | file | sim and its location."""
        if kind == "rtsp":
            self.check_url(location, resolve)
        elif kind == "file":
            self.check_file(location)
        else:
            self.check_scene(location)


def _resolve(host: str) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise SourceRefused("source.host_unknown", host=host) from None
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def site_policy(config: "SiteConfig", paths: "DataPaths") -> SourcePolicy:
    sources = config.sources
    return SourcePolicy.create(sources.camera_networks, [paths.media, *sources.media_dirs], sources.scene_dirs)


def check_camera_source(source: object, policy: SourcePolicy, resolve: bool = True) -> None:
    """Refuse a configured camera source (vms.config RtspSource | FileSource | SimulatedSource);
    the error's `field` names the key (e.g. "source.path")."""
    kind = getattr(source, "type")
    fields = {"rtsp": ("url", "sub_url"), "file": ("path", "sub_path"), "sim": ("scene",)}[kind]
    for name in fields:
        value = getattr(source, name)
        if value is None:
            continue
        try:
            policy.check(kind, str(value), resolve)
        except SourceRefused as error:
            error.field = f"source.{name}"
            raise


def check_config_sources(config: "SiteConfig", paths: "DataPaths") -> None:
    """The config file's cameras against the site's policy (no name lookups: a camera's name may not
    resolve yet at start-up; the worker checks again before connecting). ConfigError names the key."""
    from vms.config import ConfigError

    policy = site_policy(config, paths)
    for index, camera in enumerate(config.cameras):
        try:
            check_camera_source(camera.source, policy, resolve=False)
        except SourceRefused as error:
            raise ConfigError(f"cameras.{index}.{error.field}: {error}") from None
