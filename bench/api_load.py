"""API under load (issue 14 item 21): N keep-alive clients on loopback against a real `vms serve`.

    nice -n 15 .venv/bin/python bench/api_load.py --clients 8,32,128,512 --seconds 15 --events 5000

Starts the service (tests/security/service.py: one simulated camera, one account per role), seeds
`--events` events, then for each client count runs that many closed-loop clients for `--seconds`,
each cycling through event search, camera list, timeline and /health on its own keep-alive
connection (raw asyncio HTTP/1.1, tests/security/flood.py, so the client side stays cheap). A request without an answer
within `--timeout` seconds counts as a timeout. Prints per level: requests/s, p50/p99 per kind,
503 (shed, with Retry-After) and other 5xx. Bounded in count and time; loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from statistics import quantiles

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")
sys.path.insert(0, str(ROOT))

from tests.security import flood  # noqa: E402
from tests.security import service as svc  # noqa: E402


def seed_events(service: svc.Service, count: int) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from vms.db.models import Event

    now = datetime.now(timezone.utc)
    engine = create_engine(service.database_url)
    try:
        with Session(engine) as session, session.begin():
            session.add_all(Event(camera_id=svc.CAMERA, type=("intrusion", "loitering", "line_crossing")[i % 3],
                                  start=now - timedelta(seconds=30 * i), end=now - timedelta(seconds=30 * i - 5),
                                  severity="warning", details={}, object_classes="person", detector="simulated")
                            for i in range(count))
    finally:
        engine.dispose()


def paths(now: datetime) -> list[tuple[str, str]]:
    start = (now - timedelta(hours=6)).isoformat().replace("+00:00", "Z")
    end = now.isoformat().replace("+00:00", "Z")
    return [("search", f"/api/events?limit=50&start={start}&end={end}"), ("cameras", "/api/cameras"),
            ("timeline", f"/api/timeline?start={start}&end={end}"), ("health", "/health")]


def pct(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return quantiles(values, n=100, method="inclusive")[q - 1]


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (its web process: the event loop, the handler threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


async def level(port: int, cookie: str, clients: int, seconds: float, timeout_s: float, server_pid: int) -> dict:
    kinds = paths(datetime.now(timezone.utc))
    server0 = cpu_seconds(server_pid)
    started, cpu0 = time.monotonic(), time.process_time()
    answers = await flood.flood(port, cookie, kinds, clients, timeout_s, deadline=started + seconds)
    elapsed = time.monotonic() - started
    client_cpu = time.process_time() - cpu0  # this process: the load generator itself
    server_cpu = cpu_seconds(server_pid) - server0
    out = [(a.kind, a.status, a.seconds) for a in answers]
    row: dict = {"clients": clients, "requests": len(out), "rps": round(len(out) / elapsed, 1),
                 "ok": sum(1 for _k, s, _t in out if s is not None and s < 400),
                 "shed_503": sum(1 for _k, s, _t in out if s == 503),
                 "other_5xx": sum(1 for _k, s, _t in out if s is not None and s >= 500 and s != 503),
                 "timeouts": sum(1 for _k, s, _t in out if s is None),
                 # % of one core the clients used: if near 100, the client (not the server) is the limit
                 "client_cpu_pct": round(100 * client_cpu / elapsed, 1),
                 # the server's web process (100 = one core: a GIL-bound process is saturated there)
                 "server_cpu_pct": round(100 * server_cpu / elapsed, 1),
                 "load_average": round(os.getloadavg()[0], 1)}
    for kind, _path in kinds:
        answered = [t * 1000 for k, s, t in out if k == kind and s is not None and s != 503]
        row[f"{kind}_p50_ms"] = round(pct(answered, 50), 1)
        row[f"{kind}_p99_ms"] = round(pct(answered, 99), 1)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="8,32,128,512")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--timeout", type=float, default=10)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--server", default="{}", help='JSON merged into the site config "server" section')
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="vms-api-load-"))
    service = svc.start(base, {"server": json.loads(args.server)})
    try:
        seed_events(service, args.events)
        logged_in = service.client("operator")
        cookie = "; ".join(f"{k}={v}" for k, v in logged_in.cookies.items())
        logged_in.close()
        assert service.process is not None
        rows = [asyncio.run(level(service.port, cookie, int(n), args.seconds, args.timeout, service.process.pid))
                for n in args.clients.split(",")]
    finally:
        svc.stop(service)
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in columns) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
