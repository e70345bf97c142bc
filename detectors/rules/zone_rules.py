"""Zone and line rules: intrusion, loitering, line crossing, wrong-way.

Membership and line sides are computed for all tracks of a frame at once (`detectors.zones`);
the rules keep only small per-track state (entry time, last side, time against the lane).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time as dtime
from zoneinfo import ZoneInfo

import numpy as np

from detectors.frame import Frame
from detectors.rules.base import RuleEvent, TrackTable
from detectors.rules.config import (IntrusionConfig, LineCrossingConfig, LoiteringConfig, ScheduledZoneRule,
                                    WrongWayConfig, class_ids)
from detectors.zones import LineZone, PolygonZone


def in_schedule(ts: float, schedule: str | None, tz: ZoneInfo) -> bool:
    """Is epoch time `ts` inside the local 'HH:MM-HH:MM' window (wrapping midnight if end < start)?"""
    if schedule is None:
        return True
    a, b = schedule.split("-")
    start, end = (dtime(int(s[:2]), int(s[3:])) for s in (a, b))
    now = datetime.fromtimestamp(ts, tz).time()
    return start <= now < end if start <= end else (now >= start or now < end)


@dataclass(slots=True)
class _ZoneEpisode:
    key: str
    start_ts: float
    members: set[int] = field(default_factory=set)
    empty_since: float | None = None


class ZoneRule:
    """Intrusion and loitering share this: objects of chosen classes inside a polygon.

    Intrusion: one event per episode of the zone being occupied (objects join as updates).
    Loitering: one event per object whose dwell exceeds `min_inside_s` (gaps up to `max_gap_s`).
    """

    def __init__(self, config: ScheduledZoneRule, frame_wh: tuple[int, int], tz: ZoneInfo) -> None:
        self.cfg = config
        self.kind = config.type
        self.zone = PolygonZone(config.polygon, frame_wh)
        self.tz = tz
        self.classes = list(class_ids(config.classes))
        self.entered: dict[int, float] = {}  # stable id -> first time inside (this stay)
        self.seen_inside: dict[int, float] = {}  # stable id -> last time inside
        self.episode: _ZoneEpisode | None = None
        self.per_object: dict[int, str] = {}  # loitering: id -> event key
        self._n = 0

    def update(self, table: TrackTable, frame: Frame | None) -> list[RuleEvent]:
        ts = table.ts
        inside = self.zone.contains(table.anchor) & np.isin(table.class_id, self.classes)
        active = in_schedule(ts, self.cfg.schedule, self.tz)
        gap = getattr(self.cfg, "max_gap_s", 0.5)
        for row in np.flatnonzero(inside):
            tid = int(table.track_id[row])
            if tid not in self.entered or ts - self.seen_inside.get(tid, -np.inf) > gap:
                self.entered[tid] = ts
            self.seen_inside[tid] = ts
        for tid in [t for t, last in self.seen_inside.items() if ts - last > gap]:
            self.seen_inside.pop(tid)
            self.entered.pop(tid, None)
        qualified = {t for t, t0 in self.entered.items() if ts - t0 >= self.cfg.min_inside_s
                     and self.seen_inside[t] == ts} if active else set()
        if self.kind == "loitering":
            return self._loitering(table, qualified, frame)
        return self._intrusion(table, qualified, frame)

    def _event(self, phase: str, key: str, start: float, ts: float, objs: list[int], table: TrackTable,
               frame: Frame | None, evidence: dict) -> RuleEvent:
        role = "intruder" if self.kind == "intrusion" else "loiterer"
        rows = [r for r in (table.row(t) for t in objs) if r is not None]
        return RuleEvent(key=key, phase=phase, type=self.kind, rule=self.cfg.name, start_ts=start, ts=ts,
                         end_ts=ts if phase == "end" else None, severity="warning", zone=self.cfg.name,
                         objects=[(t, role) for t in objs], evidence=evidence,
                         frame=frame if phase != "end" else None,
                         boxes=table.xyxy[rows].copy() if rows else None)

    def _intrusion(self, table: TrackTable, qualified: set[int], frame: Frame | None) -> list[RuleEvent]:
        ts, ep = table.ts, self.episode
        if ep is None:
            if not qualified:
                return []
            self._n += 1
            start = min(self.entered[t] for t in qualified)
            self.episode = ep = _ZoneEpisode(f"{self.cfg.name}:intrusion:{self._n}", start, set(qualified))
            return [self._event("start", ep.key, start, ts, sorted(qualified), table, frame,
                                {"schedule": self.cfg.schedule, "count": len(qualified)})]
        out = []
        new = qualified - ep.members
        if new:
            ep.members |= new
            out.append(self._event("update", ep.key, ep.start_ts, ts, sorted(ep.members), table, frame,
                                   {"schedule": self.cfg.schedule, "count": len(ep.members)}))
        if qualified:
            ep.empty_since = None
        elif ep.empty_since is None:
            ep.empty_since = ts
        elif ts - ep.empty_since >= self.cfg.end_grace_s:
            out.append(self._event("end", ep.key, ep.start_ts, ep.empty_since, sorted(ep.members), table, None,
                                   {"count": len(ep.members)}))
            self.episode = None
        return out

    def _loitering(self, table: TrackTable, qualified: set[int], frame: Frame | None) -> list[RuleEvent]:
        out = []
        for tid in sorted(qualified - set(self.per_object)):
            self._n += 1
            key = f"{self.cfg.name}:loitering:{self._n}"
            self.per_object[tid] = key
            out.append(self._event("start", key, self.entered[tid], table.ts, [tid], table, frame,
                                   {"dwell_s": round(table.ts - self.entered[tid], 1)}))
        for tid, key in list(self.per_object.items()):
            if tid not in self.seen_inside:  # left (or unseen longer than max_gap_s)
                out.append(self._event("end", key, table.ts, table.ts, [tid], table, None, {}))
                del self.per_object[tid]
        return out


class LineCrossingRule:
    """Counts crossings per direction; each crossing in the configured direction is an event."""

    def __init__(self, config: LineCrossingConfig) -> None:
        self.cfg = config
        self.line = LineZone(*config.line)
        self.classes = list(class_ids(config.classes))
        self.last_point: dict[int, tuple[float, float]] = {}
        self.counts = {"in": 0, "out": 0}
        self._n = 0

    def update(self, table: TrackTable, frame: Frame | None) -> list[RuleEvent]:
        rows = np.flatnonzero(np.isin(table.class_id, self.classes))
        ids = table.track_id[rows]
        have = np.array([int(t) in self.last_point for t in ids], bool)
        out = []
        if have.any():
            before = np.array([self.last_point[int(t)] for t in ids[have]], np.float64)
            crossed = self.line.crossings(before, table.anchor[rows[have]])
            for row, sign in zip(rows[have][crossed != 0], crossed[crossed != 0]):
                out += self._crossing(table, int(row), "in" if sign > 0 else "out", frame)
        for row in rows:
            self.last_point[int(table.track_id[row])] = (float(table.anchor[row, 0]), float(table.anchor[row, 1]))
        if len(self.last_point) > 4096:  # forget ids not seen for a while (bounded memory)
            live = set(table.track_id.tolist()) | set(table.lost_id.tolist())
            self.last_point = {k: v for k, v in self.last_point.items() if k in live}
        return out

    def _crossing(self, table: TrackTable, row: int, direction: str, frame: Frame | None) -> list[RuleEvent]:
        self.counts[direction] += 1
        if self.cfg.direction not in (direction, "both"):
            return []
        self._n += 1
        tid = int(table.track_id[row])
        return [RuleEvent(key=f"{self.cfg.name}:line:{self._n}", phase="start", type="line_crossing",
                          rule=self.cfg.name, start_ts=table.ts, ts=table.ts, end_ts=table.ts, zone=self.cfg.name,
                          objects=[(tid, "crosser")], frame=frame, boxes=table.xyxy[[row]].copy(),
                          evidence={"direction": direction, "count_in": self.counts["in"],
                                    "count_out": self.counts["out"]})]


class WrongWayRule:
    """Vehicles inside a lane polygon moving against its direction for `min_duration_s`."""

    def __init__(self, config: WrongWayConfig, frame_wh: tuple[int, int]) -> None:
        self.cfg = config
        self.zone = PolygonZone(config.polygon, frame_wh)
        d = np.asarray(config.direction, np.float64)
        self.unit = d / max(float(np.hypot(*d)), 1e-9)
        self.classes = list(class_ids(config.classes))
        self.against_since: dict[int, float] = {}
        self.raised: set[int] = set()
        self._n = 0

    def update(self, table: TrackTable, frame: Frame | None) -> list[RuleEvent]:
        speed = np.hypot(table.velocity[:, 0], table.velocity[:, 1])
        along = table.velocity @ self.unit / np.maximum(speed, 1e-9)
        against = (self.zone.contains(table.anchor) & np.isin(table.class_id, self.classes)
                   & (table.speed_h >= self.cfg.min_speed) & (along < -0.7))
        now = set(table.track_id[against].tolist())
        for tid in list(self.against_since):
            if tid not in now:
                del self.against_since[tid]
        out = []
        for row in np.flatnonzero(against):
            tid = int(table.track_id[row])
            since = self.against_since.setdefault(tid, table.ts)
            if table.ts - since >= self.cfg.min_duration_s and tid not in self.raised:
                self.raised.add(tid)
                self._n += 1
                out.append(RuleEvent(key=f"{self.cfg.name}:wrong_way:{self._n}", phase="start", type="wrong_way",
                                     rule=self.cfg.name, start_ts=since, ts=table.ts, end_ts=table.ts,
                                     severity="warning", zone=self.cfg.name, objects=[(tid, "vehicle")],
                                     frame=frame, boxes=table.xyxy[[row]].copy(),
                                     evidence={"speed_px_s": round(float(speed[row]), 1)}))
        return out
