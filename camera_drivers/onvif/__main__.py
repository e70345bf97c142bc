"""Command line for the ONVIF driver; prints one JSON document on stdout.

    python -m camera_drivers.onvif discover --interface 192.168.1.10 --timeout 3
    python -m camera_drivers.onvif probe 192.168.1.64 --port 80 --username admin --password-env PW
    python -m camera_drivers.onvif snapshot http://192.168.1.64/snap.jpg --username admin --password-env PW
    python -m camera_drivers.onvif ptz 192.168.1.64 --username admin --password-env PW move 0.5 0 0

The password is read from the environment variable named by ``--password-env``, never from
the command line (argv is visible to every user in ``ps``). On failure the JSON is
``{"error": <code>, "type": <class>, "message": ..., "elapsed_s": ...}`` and the exit status 2.
Used by installers for field checks and by the tests, which run it inside network namespaces.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from typing import Any

from camera_drivers.onvif.client import OnvifCamera, probe_device
from camera_drivers.onvif.discovery import collect_matches, ipv4_interfaces, merge_matches
from camera_drivers.onvif.errors import OnvifError
from camera_drivers.onvif.snapshot import fetch_snapshot


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m camera_drivers.onvif", description=__doc__.splitlines()[0])
    ap.add_argument("--log-level", default="WARNING", help="log to stderr at this level (DEBUG shows SOAP)")
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("interfaces", help="list IPv4 interfaces to probe from")
    d = sub.add_parser("discover", help="WS-Discovery probe")
    d.add_argument("--interface", default=None, help="IPv4 address of the interface to probe from")
    d.add_argument("--timeout", type=float, default=3.0)

    def creds(p: argparse.ArgumentParser) -> None:
        p.add_argument("--username", default="")
        p.add_argument("--password-env", default=None, help="name of the env var holding the password")
        p.add_argument("--timeout", type=float, default=5.0)

    pr = sub.add_parser("probe", help="read device info, profiles, URIs, clock")
    pr.add_argument("address", help="host or http://host:port/onvif/device_service")
    pr.add_argument("--port", type=int, default=80)
    creds(pr)
    sn = sub.add_parser("snapshot", help="fetch a JPEG snapshot")
    sn.add_argument("uri")
    sn.add_argument("--out", default=None, help="write the JPEG here")
    sn.add_argument("--allow-basic", action="store_true",
                    help="allow HTTP Basic over plain http (the password travels in clear text)")
    creds(sn)
    pt = sub.add_parser("ptz", help="PTZ control of the main profile")
    pt.add_argument("address")
    pt.add_argument("--port", type=int, default=80)
    creds(pt)
    pt.add_argument("action", choices=["move", "stop", "absolute", "presets", "goto", "set"])
    pt.add_argument(
        "args", nargs="*", help="move: PAN TILT ZOOM; absolute: PAN TILT [ZOOM]; goto: TOKEN; set: NAME"
    )
    pt.add_argument("--seconds", type=float, default=1.0, help="move: stop after this long")
    return ap


async def _ptz(a: argparse.Namespace, password: str) -> dict[str, Any]:
    if a.address.startswith("http"):
        cam = OnvifCamera.from_xaddr(a.address, a.username, password, timeout_s=a.timeout)
    else:
        cam = OnvifCamera(a.address, a.port, a.username, password, timeout_s=a.timeout)
    async with cam:
        ptz = await cam.ptz()
        nums = [float(x) for x in a.args] if a.action in ("move", "absolute") else []
        if a.action == "move":
            await ptz.continuous_move(*nums[:3])
            await asyncio.sleep(min(max(a.seconds, 0.0), 30.0))
            await ptz.stop()
        elif a.action == "stop":
            await ptz.stop()
        elif a.action == "absolute":
            await ptz.absolute_move(*nums[:3])
        elif a.action == "presets":
            return {"presets": [p.model_dump() for p in await ptz.presets()]}
        elif a.action == "goto":
            await ptz.goto_preset(a.args[0])
        elif a.action == "set":
            return {"token": await ptz.set_preset(a.args[0])}
    return {"ok": True, "action": a.action}


async def _run(a: argparse.Namespace) -> dict[str, Any]:
    password = os.environ.get(a.password_env, "") if getattr(a, "password_env", None) else ""
    if a.command == "interfaces":
        return {"interfaces": [{"name": n, "ip": ip} for n, ip in ipv4_interfaces()]}
    if a.command == "discover":
        matches = await asyncio.to_thread(collect_matches, a.interface, a.timeout)
        devices = merge_matches(matches)
        return {
            "devices": [dict(d.model_dump(mode="json"), key=d.key) for d in devices],
            "replies": len(matches),
            "bare_probe_match_replies": sum(m.bare for m in matches),
        }
    if a.command == "probe":
        profile = await probe_device(a.address, a.port, a.username, password, timeout_s=a.timeout)
        return profile.model_dump(mode="json")
    if a.command == "snapshot":
        data = await fetch_snapshot(a.uri, a.username, password, timeout_s=a.timeout, allow_basic=a.allow_basic)
        if a.out:
            with open(a.out, "wb") as f:
                f.write(data)
        return {"bytes": len(data), "out": a.out}
    return await _ptz(a, password)


def main(argv: list[str] | None = None) -> int:
    a = _parser().parse_args(argv)
    logging.basicConfig(
        level=a.log_level.upper(), stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    start = time.monotonic()
    try:
        out = asyncio.run(_run(a))
        status = 0
    except OnvifError as err:
        out = {"error": err.code, "type": type(err).__name__, "message": str(err)}
        status = 2
    out["elapsed_s"] = round(time.monotonic() - start, 3)
    print(json.dumps(out, indent=1))
    return status


if __name__ == "__main__":
    sys.exit(main())
