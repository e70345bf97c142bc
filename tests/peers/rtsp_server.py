#!/usr/bin/python3
"""A real RTSP server for tests, on GStreamer's gst-rtsp-server (Debian packages).

Runs under Debian's /usr/bin/python3, where python3-gi lives (not the project venv):
    /usr/bin/python3 tests/peers/rtsp_server.py --port 8554 --cams 4 --gop 15 --fps 15 --size 640x360

Mounts /cam1../camN: live H.264 (videotestsrc, a moving ball), exactly GOP frames between
keyframes, no B-frames, parameter sets repeated every second as real cameras do. Optional
RTSP Digest auth with --user/--password. Prints "READY" once bound.
"""

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def camera_pipeline(index: int, args: argparse.Namespace) -> str:
    width, height = args.size.split("x")
    colour = (0x2F6A1 * index) % 0xFFFFFF
    return (
        f"( videotestsrc is-live=true pattern=ball motion=sweep foreground-color=0xff{colour:06x} "
        f"! video/x-raw,width={width},height={height},framerate={args.fps}/1 "
        f"! x264enc tune=zerolatency speed-preset=ultrafast bframes=0 key-int-max={args.gop} bitrate={args.bitrate} "
        f"! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1 )"
    )


def protect(server: GstRtspServer.RTSPServer, paths: list[str], user: str, password: str) -> None:
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "viewer")
    auth.add_digest(user, password, token)
    auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    server.set_auth(auth)
    mounts = server.get_mount_points()
    for path in paths:
        factory = mounts.match(path)[0]
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role("viewer", "media.factory.access", True)
        permissions.add_permission_for_role("viewer", "media.factory.construct", True)
        factory.set_permissions(permissions)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8554)
    parser.add_argument("--cams", type=int, default=1)
    parser.add_argument("--gop", type=int, default=15)
    parser.add_argument("--fps", type=int, default=15)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--bitrate", type=int, default=800, help="kbit/s")
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    paths = [f"/cam{i}" for i in range(1, args.cams + 1)]
    for index, path in enumerate(paths, start=1):
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(camera_pipeline(index, args))
        factory.set_shared(True)  # one encoder per camera, however many clients
        server.get_mount_points().add_factory(path, factory)
    if args.user:
        protect(server, paths, args.user, args.password or "")
    if server.attach(None) == 0:
        print(f"cannot bind {args.host}:{args.port}", file=sys.stderr, flush=True)
        return 1
    loop = GLib.MainLoop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
    print("READY", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
