"""Why a camera stream did not open, in words an installer can act on.

FFmpeg's own reason is often misleading: a host that never answers comes back as "Invalid data
found when processing input" after the timeout. When an RTSP open fails, one short TCP connect to
the camera's host and port (the same address FFmpeg just tried, so no new traffic goes anywhere
else) tells an unknown host name, a refused port and an unreachable host apart from an answer
that is not RTSP. The text never contains credentials: it is built from host, port and FFmpeg's
reason only.
"""

from __future__ import annotations

import errno
import socket
from urllib.parse import urlsplit

import av.error

PROBE_TIMEOUT_S = 2.0
DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322}
_UNREACHABLE = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.ETIMEDOUT}


def ffmpeg_reason(error: av.error.FFmpegError) -> str:
    """FFmpeg errors carry the URL as `filename`; keep only the reason, never the credentials."""
    return getattr(error, "strerror", None) or type(error).__name__


def rtsp_open_failure(url: str, error: av.error.FFmpegError, elapsed_s: float, timeout_s: float) -> str:
    """The cause of a failed RTSP open (see the module docstring)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme, 554)
    except ValueError:
        return f"invalid port in the address ({ffmpeg_reason(error)})"
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    reason = ffmpeg_reason(error)
    if "401" in reason or "authorization failed" in reason.lower():
        return "the camera refused the user name or password"
    if "404" in reason:
        return f"the camera at {where} has no stream at this path"
    unreachable = _tcp_probe(host, port, where, min(PROBE_TIMEOUT_S, timeout_s))
    if unreachable is not None:
        return unreachable
    if elapsed_s >= 0.9 * timeout_s:
        return f"{where} accepted the connection but gave no RTSP answer within {timeout_s:g} s (wrong port?)"
    return f"{where} answered, but not as an RTSP camera ({reason})"


def _tcp_probe(host: str, port: int, where: str, timeout_s: float) -> str | None:
    """None if a TCP connection to the camera opens; else why not."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return None
    except socket.gaierror:
        return f"unknown host name: {where} (check the address)"
    except ConnectionRefusedError:
        return f"connection refused at {where} (wrong port, or the camera's RTSP service is off)"
    except TimeoutError:
        return f"host unreachable: {where} did not answer (check the IP address, the cable and the power)"
    except OSError as failure:
        if failure.errno in _UNREACHABLE:
            return f"host unreachable: {where} (check the IP address, the cable and the power)"
        return f"cannot connect to {where} ({failure.strerror or type(failure).__name__})"
