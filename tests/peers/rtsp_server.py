#!/usr/bin/python3
"""A real RTSP server for tests, on GStreamer's gst-rtsp-server (Debian packages).

Runs under Debian's /usr/bin/python3, where python3-gi lives (not the project venv):
    /usr/bin/python3 tests/peers/rtsp_server.py --port 8554 --cams 4 --gop 15 --fps 15 --size 640x360

Mounts /cam1../camN: live H.264 (videotestsrc, a moving ball), exactly GOP frames between
keyframes, no B-frames, parameter sets repeated every second as real cameras do. With --sub WxH
each camera also has a sub stream /camN_sub at that size (same scene, its own encoder, as an IP
camera's second profile). With --audio-mounts the server also offers the codec mixes cameras
send: /h264_aac (AAC-LC 16 kHz, RFC 3640), /h264_pcmu and /h264_pcma (G.711 8 kHz), /h265 and
/h265_pcmu (x265); audio is a tone with a short beep every second. Optional RTSP Digest auth with
--user/--password. Prints "READY" once bound.
"""

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


# Audio branches: (encoder chain, RTP payloader). AAC as cameras send it (mpeg4-generic, RFC 3640).
AUDIO = {
    "aac": ("audio/x-raw,rate=16000,channels=1 ! voaacenc bitrate=32000 ! aacparse", "rtpmp4gpay"),
    "pcmu": ("audio/x-raw,rate=8000,channels=1 ! mulawenc", "rtppcmupay"),
    "pcma": ("audio/x-raw,rate=8000,channels=1 ! alawenc", "rtppcmapay"),
}
AUDIO_MOUNTS = {  # path: (video codec, audio codec or None)
    "/h264_aac": ("h264", "aac"), "/h264_pcmu": ("h264", "pcmu"), "/h264_pcma": ("h264", "pcma"),
    "/h265": ("h265", None), "/h265_pcmu": ("h265", "pcmu"),
}


def video_branch(index: int, size: str, codec: str, args: argparse.Namespace) -> str:
    width, height = size.split("x")
    colour = (0x2F6A1 * index) % 0xFFFFFF
    source = (f"videotestsrc is-live=true pattern=ball motion=sweep foreground-color=0xff{colour:06x} "
              f"! video/x-raw,width={width},height={height},framerate={args.fps}/1")
    if codec == "h265":
        return (f"{source} ! x265enc tune=zerolatency speed-preset=ultrafast key-int-max={args.gop} "
                f"bitrate={args.bitrate} ! video/x-h265,profile=main ! rtph265pay name=pay0 pt=96 config-interval=1")
    return (f"{source} ! x264enc tune=zerolatency speed-preset=ultrafast bframes=0 key-int-max={args.gop} "
            f"bitrate={args.bitrate} ! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1")


def audio_branch(codec: str) -> str:
    chain, payloader = AUDIO[codec]
    # "ticks" is a sine beep at the start of every second: A/V offsets stay visible in a recording.
    return f"audiotestsrc is-live=true wave=ticks volume=0.4 ! {chain} ! {payloader} name=pay1 pt=97"


def camera_pipeline(index: int, args: argparse.Namespace, size: str | None = None,
                    codec: str = "h264", audio: str | None = None) -> str:
    branches = [video_branch(index, size or args.size, codec, args)]
    if audio:
        branches.append(audio_branch(audio))
    return "( " + "  ".join(branches) + " )"


def add_mount(server: GstRtspServer.RTSPServer, path: str, launch: str) -> None:
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    factory.set_shared(True)  # one encoder per camera, however many clients
    server.get_mount_points().add_factory(path, factory)


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
    parser.add_argument("--sub", help="also offer /camN_sub at this size, e.g. 320x180")
    parser.add_argument("--audio-mounts", action="store_true", help="offer the audio/H.265 mounts too")
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    paths = []
    for index in range(1, args.cams + 1):
        add_mount(server, f"/cam{index}", camera_pipeline(index, args))
        paths.append(f"/cam{index}")
        if args.sub:
            add_mount(server, f"/cam{index}_sub", camera_pipeline(index, args, size=args.sub))
            paths.append(f"/cam{index}_sub")
    if args.audio_mounts:
        for index, (path, (codec, audio)) in enumerate(AUDIO_MOUNTS.items(), start=args.cams + 1):
            add_mount(server, path, camera_pipeline(index, args, codec=codec, audio=audio))
            paths.append(path)
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
