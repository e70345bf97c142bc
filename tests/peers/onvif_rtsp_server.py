#!/usr/bin/python3
"""GStreamer RTSP server for the ONVIF tests: live H.264 test patterns at /main and /sub.

Run with Debian's /usr/bin/python3 (python3-gi, gir1.2-gst-rtsp-server-1.0), inside the camera
network namespace: ``onvif_rtsp_server.py --host 198.19.7.2 --port 8654``. An ipycam emulator's
GetStreamUri points here, so the VMS reads a stream from a real RTSP server, not the emulator.
Stops on SIGTERM/SIGINT.
"""

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def _pipeline(width: int, height: int, fps: int, gop: int) -> str:
    # zerolatency + no B-frames: what cheap IP cameras send; config-interval=1 repeats SPS/PPS
    # every second so a late joiner can start decoding at the next keyframe.
    return (
        f"( videotestsrc is-live=true pattern=smpte "
        f"! video/x-raw,width={width},height={height},framerate={fps}/1 "
        f"! x264enc tune=zerolatency speed-preset=ultrafast bframes=0 key-int-max={gop} "
        "! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1 )"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--fps", type=int, default=15)
    args = ap.parse_args()
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    for path, (w, h) in {"/main": (640, 360), "/sub": (320, 180)}.items():
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(_pipeline(w, h, args.fps, gop=args.fps))
        factory.set_shared(True)  # one encoder per mount, however many clients
        mounts.add_factory(path, factory)
    if server.attach(None) == 0:
        print(f"cannot bind {args.host}:{args.port}", file=sys.stderr)
        return 1
    loop = GLib.MainLoop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"ready rtsp://{args.host}:{args.port}/main /sub", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
