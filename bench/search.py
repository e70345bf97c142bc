"""Search latency at scale: the five typical operator queries on SQLite and PostgreSQL, side by side.

    python bench/search.py --events 1000000 --json bench/out/search.json

Builds N synthetic events (+ ~1.5 objects each) over 50 cameras and one year, with the schema and
indexes of the real migrations (indexes dropped during the bulk load and rebuilt from the models),
then times each query through the service's own code path (`vms.search.search_events` + the
objects of the page, as GET /api/events does) with parameters drawn at random per repeat:

  latest            newest 50 events, all cameras
  camera_day        one camera over one day
  type_month        type = hit_and_run over one month
  class_colour_week a red motorbike over one week
  zone_dir_page3    zone + direction over 30 days, third page (keyset cursor)

PostgreSQL is a throwaway local server (tests/peers/postgres.py). Caches are warm (each query runs
a few times before timing), as on a service that has been up for a while.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from vms.db.engine import make_engine, make_session_factory  # noqa: E402
from vms.db.migrate import upgrade  # noqa: E402
from vms.db.models import Event, EventObject  # noqa: E402
from vms.search import EventFilter, objects_of, search_events  # noqa: E402

CAMERAS = [f"cam{i:02d}" for i in range(50)]
TYPES = {
    "intrusion": 0.25,
    "illegal_parking": 0.2,
    "loitering": 0.15,
    "wrong_way": 0.15,
    "line_crossing": 0.13,
    "crowd": 0.1,
    "hit_and_run": 0.02,
}
CLASSES = {"motorbike": 0.35, "person": 0.3, "car": 0.2, "truck": 0.07, "bicycle": 0.05, "bus": 0.03}
COLOURS = ["white", "black", "red", "blue", "silver", "grey", "yellow", "green", "brown", "orange"]
DIRECTIONS = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"]
ZONES = [f"zone{i}" for i in range(8)]
YEAR_START = datetime(2025, 11, 1, tzinfo=timezone.utc)
YEAR_S = 365 * 86400
CHUNK = 100_000
PAGE = 50


def synthetic(n: int, seed: int = 7) -> dict[str, np.ndarray]:
    """Column arrays for n events sorted by start and ~1.5 objects per event."""
    rng = np.random.default_rng(seed)
    offsets = np.sort(rng.integers(0, YEAR_S * 1_000_000, n, dtype=np.int64))  # microseconds
    objects_per_event = rng.integers(1, 3, n)
    m = int(objects_per_event.sum())
    return {
        "start_us": offsets,
        "camera": rng.integers(0, len(CAMERAS), n),
        "type": rng.choice(len(TYPES), n, p=list(TYPES.values())),
        "zone": rng.integers(0, len(ZONES), n),
        "obj_event": np.repeat(np.arange(1, n + 1), objects_per_event),
        "obj_first": np.cumsum(objects_per_event) - objects_per_event,
        "obj_count": objects_per_event,
        "obj_class": rng.choice(len(CLASSES), m, p=list(CLASSES.values())),
        "obj_colour": rng.integers(0, len(COLOURS), m),
        "obj_direction": rng.integers(0, len(DIRECTIONS), m),
    }


def iso_times(start_us: np.ndarray, sep: str, suffix: str) -> list[str]:
    base = np.datetime64(YEAR_START.replace(tzinfo=None), "us")
    stamps = np.datetime_as_string(base + start_us.astype("timedelta64[us]"), unit="us")
    return [s.replace("T", sep) + suffix for s in stamps.tolist()]


def event_rows(data: dict[str, np.ndarray], lo: int, hi: int, sep: str, suffix: str) -> list[tuple]:
    types, classes, starts = list(TYPES), list(CLASSES), iso_times(data["start_us"][lo:hi], sep, suffix)
    rows = []
    for i in range(hi - lo):
        first, count = data["obj_first"][lo + i], data["obj_count"][lo + i]
        shown = ",".join(sorted({classes[c] for c in data["obj_class"][first : first + count]}))
        rows.append(
            (
                lo + i + 1,
                CAMERAS[data["camera"][lo + i]],
                types[data["type"][lo + i]],
                starts[i],
                starts[i],
                "info",
                "{}",
                ZONES[data["zone"][lo + i]],
                shown,
                "bench",
                None,
                starts[i],
            )
        )
    return rows


def object_rows(data: dict[str, np.ndarray], lo: int, hi: int) -> list[tuple]:
    classes = list(CLASSES)
    return [
        (
            j + 1,
            int(data["obj_event"][j]),
            j,
            "",
            classes[data["obj_class"][j]],
            COLOURS[data["obj_colour"][j]],
            DIRECTIONS[data["obj_direction"][j]],
            None,
        )
        for j in range(lo, hi)
    ]


EVENT_COLS = (
    "id",
    "camera_id",
    "type",
    "start",
    '"end"',
    "severity",
    "details",
    "zone",
    "object_classes",
    "detector",
    "snapshot",
    "updated_at",
)
OBJECT_COLS = ("id", "event_id", "track_id", "role", "class_name", "colour", "direction", "speed_kmh")


def drop_search_indexes(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in (Event.__table__, EventObject.__table__):
            for index in table.indexes:
                conn.execute(text(f"DROP INDEX IF EXISTS {index.name}"))


def create_search_indexes(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in (Event.__table__, EventObject.__table__):
            for index in table.indexes:
                index.create(conn)


def load(engine: Engine, data: dict[str, np.ndarray]) -> None:
    """Bulk load: executemany on SQLite, COPY on PostgreSQL; indexes rebuilt afterwards."""
    sqlite = engine.dialect.name == "sqlite"
    sep, suffix = (" ", "") if sqlite else (" ", "+00")
    drop_search_indexes(engine)
    n, m = len(data["start_us"]), len(data["obj_event"])
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO cameras (id, name, location, source_kind, source_location, transport, seed, "
                "loop, enabled, retention_days, created_at) VALUES "
                + ", ".join(
                    f"('{c}', '{c}', '', 'sim', 'street_day', 'tcp', 0, false, true, 3650, "
                    f"'2025-01-01 00:00:00{suffix}')"
                    for c in CAMERAS
                )
            )
        )
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table, cols, total, rows in (
            ("events", EVENT_COLS, n, lambda lo, hi: event_rows(data, lo, hi, sep, suffix)),
            ("event_objects", OBJECT_COLS, m, lambda lo, hi: object_rows(data, lo, hi)),
        ):
            for lo in range(0, total, CHUNK):
                batch = rows(lo, min(total, lo + CHUNK))
                if sqlite:
                    marks = ", ".join("?" * len(cols))
                    cursor.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", batch)
                else:
                    with cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in batch:
                            copy.write_row(row)
        raw.commit()
    finally:
        raw.close()
    create_search_indexes(engine)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE" if sqlite else "VACUUM ANALYZE"))


def random_window(rng: np.random.Generator, days: float) -> tuple[datetime, datetime]:
    start = YEAR_START + timedelta(seconds=float(rng.uniform(0, YEAR_S - days * 86400)))
    return start, start + timedelta(days=days)


def page(session: Session, criteria: EventFilter, cursor: str | None = None) -> tuple[int, str | None]:
    """What GET /api/events does in the database: one page of events and their objects."""
    rows, next_cursor = search_events(session, criteria, PAGE, cursor)
    objects_of(session, [row.id for row in rows])
    return len(rows), next_cursor


def q_latest(session: Session, rng: np.random.Generator) -> int:
    return page(session, EventFilter())[0]


def q_camera_day(session: Session, rng: np.random.Generator) -> int:
    start, end = random_window(rng, 1)
    return page(session, EventFilter(start=start, end=end, cameras=frozenset({str(rng.choice(CAMERAS))})))[0]


def q_type_month(session: Session, rng: np.random.Generator) -> int:
    start, end = random_window(rng, 30)
    return page(session, EventFilter(start=start, end=end, types=("hit_and_run",)))[0]


def q_class_colour_week(session: Session, rng: np.random.Generator) -> int:
    start, end = random_window(rng, 7)
    return page(session, EventFilter(start=start, end=end, object_classes=("motorbike",), colour="red"))[0]


def zone_dir_criteria(rng: np.random.Generator) -> EventFilter:
    start, end = random_window(rng, 30)
    return EventFilter(
        start=start, end=end, zone=str(rng.choice(ZONES)), direction=str(rng.choice(DIRECTIONS))
    )


QUERIES: dict[str, Callable[[Session, np.random.Generator], int]] = {
    "latest": q_latest,
    "camera_day": q_camera_day,
    "type_month": q_type_month,
    "class_colour_week": q_class_colour_week,
}


def time_queries(engine: Engine, repeats: int, seed: int = 11) -> dict[str, dict[str, float]]:
    """p50/p99 (ms) per query; parameters drawn at random per repeat, same draws on every engine."""
    factory = make_session_factory(engine)
    results: dict[str, dict[str, float]] = {}
    with factory() as session:
        for name, query in QUERIES.items():
            rng = np.random.default_rng(seed)
            for _ in range(3):
                query(session, rng)  # warm caches and statement caches
            samples, rows = [], 0
            for _ in range(repeats):
                began = time.perf_counter()
                rows += query(session, rng)
                samples.append((time.perf_counter() - began) * 1000)
            results[name] = summarise(samples, rows / repeats)
        results["zone_dir_page3"] = time_page3(session, repeats, seed)
    return results


def time_page3(session: Session, repeats: int, seed: int) -> dict[str, float]:
    """Time the third page (or the last one, when a small data set has fewer than three)."""
    rng = np.random.default_rng(seed)
    samples, rows = [], 0
    for index in range(repeats + 3):
        criteria, cursor = zone_dir_criteria(rng), None
        for _ in range(2):
            _, following = page(session, criteria, cursor)
            if following is None:
                break
            cursor = following
        began = time.perf_counter()
        count, _ = page(session, criteria, cursor)
        if index >= 3:  # the first three warm up
            samples.append((time.perf_counter() - began) * 1000)
            rows += count
    return summarise(samples, rows / repeats)


def summarise(samples: list[float], mean_rows: float) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(p99, 2),
        "rows": round(mean_rows, 1),
    }


def run_engine(url: str, data: dict[str, np.ndarray], repeats: int) -> dict:
    upgrade(url)
    engine = make_engine(url)
    began = time.perf_counter()
    load(engine, data)
    load_s = time.perf_counter() - began
    queries = time_queries(engine, repeats)
    engine.dispose()
    worst = max(queries, key=lambda name: queries[name]["p99_ms"])
    return {
        "events": len(data["start_us"]),
        "objects": len(data["obj_event"]),
        "load_s": round(load_s, 1),
        "p99_ms": queries[worst]["p99_ms"],
        "worst_query": worst,
        "queries": queries,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=100, help="timed runs per query")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    data = synthetic(args.events)
    work = Path(tempfile.mkdtemp(prefix="vms-bench-search-"))
    work.chmod(0o755)
    results: dict[str, dict] = {}
    try:
        if "sqlite" in args.engines:
            results["sqlite"] = run_engine(f"sqlite:///{work / 'bench.db'}", data, args.repeats)
        if "postgresql" in args.engines:
            from tests.peers.postgres import PostgresServer

            server = PostgresServer(work / "pg").start()
            try:
                results["postgresql"] = run_engine(server.create_database(), data, args.repeats)
            finally:
                server.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 0


def print_table(results: dict[str, dict]) -> None:
    engines = list(results)
    print(
        f"events: {next(iter(results.values()))['events']:,}  (p50 / p99 ms, {PAGE} per page; target p99 <= 50)"
    )
    print(f"{'query':<20}" + "".join(f"{engine:>26}" for engine in engines))
    for name in [*QUERIES, "zone_dir_page3"]:
        cells = [
            f"{r['queries'][name]['p50_ms']:8.2f} / {r['queries'][name]['p99_ms']:8.2f}"
            for r in results.values()
        ]
        print(f"{name:<20}" + "".join(f"{cell:>26}" for cell in cells))
    print(f"{'load (s)':<20}" + "".join(f"{r['load_s']:>26}" for r in results.values()))
    print(f"{'worst p99 (ms)':<20}" + "".join(f"{r['p99_ms']:>26}" for r in results.values()))


if __name__ == "__main__":
    sys.exit(main())
