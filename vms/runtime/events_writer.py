"""Event lifecycle -> database: one Event row per rule event, its objects, a snapshot JPEG.

Rules emit start / update / end steps (`detectors.rules.RuleEvent`). The writer inserts the row
on start, touches it again only on a meaningful change (new objects involved, the end), and
saves the best frame with the objects boxed to DATA/state/snapshots/<camera>/<event id>.jpg.
Event boxes arrive in main-stream pixels (`detectors.geometry`); `details.boxes` keeps them with
`details.boxes_wh`, the main picture's size, so they line up with the recorded footage.
An event links to recordings by time: `details.clip` gives the span worth showing (start minus
pre-roll to end plus post-roll); `vms.recordings.segments_between` finds the segments.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from detectors.geometry import FrameGeometry
from detectors.rules import RuleEvent
from vms.db.models import Event, EventObject, utcnow
from vms.recordings import to_utc

log = logging.getLogger(__name__)
COMPASS = {"east": "E", "northeast": "NE", "north": "N", "northwest": "NW", "west": "W", "southwest": "SW",
           "south": "S", "southeast": "SE"}


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """What search needs about one involved object."""

    class_name: str
    colour: str = ""
    direction: str = ""  # N NE E SE S SW W NW, or ""
    speed_kmh: float | None = None


Describe = Callable[[int], ObjectInfo | None]


class EventsWriter:
    """Writes one camera's rule events. Not thread-safe: call from the analysis thread only."""

    def __init__(self, factory: sessionmaker[Session], camera_id: str, snapshots_root: Path | None,
                 detector: str, pre_roll_s: float = 5.0, post_roll_s: float = 5.0) -> None:
        self.factory = factory
        self.camera_id = camera_id
        self.snapshots_root = snapshots_root
        self.detector = detector
        self.pre_roll_s = pre_roll_s
        self.post_roll_s = post_roll_s
        self.ids: dict[str, int] = {}  # rule event key -> Event.id
        self.objects: dict[str, set[int]] = {}  # key -> track ids already stored
        self.writes = 0

    def close_stale(self, rule_types: set[str]) -> int:
        """End this camera's rule events left open by a previous run (crash, restart) at their last update."""
        if not rule_types:
            return 0
        with self.factory.begin() as session:
            rows = session.scalars(select(Event).where(
                Event.camera_id == self.camera_id, Event.end.is_(None), Event.type.in_(sorted(rule_types)))).all()
            for row in rows:
                row.end = max(row.updated_at, row.start)
                row.details = {**(row.details or {}), "ended_by": "restart"}
        return len(rows)

    def apply(self, events: list[RuleEvent], describe: Describe) -> None:
        """Store lifecycle steps in order (each step is one short transaction)."""
        for event in events:
            try:
                if event.phase == "start" and event.key not in self.ids:
                    self._start(event, describe)
                elif event.key in self.ids:
                    self._change(event, describe)
            except Exception:  # a failed write must never stop analysis (the next change retries)
                log.exception("%s: could not store %s event", self.camera_id, event.type)

    def _start(self, event: RuleEvent, describe: Describe) -> None:
        with self.factory.begin() as session:
            row = Event(camera_id=self.camera_id, type=event.type, start=to_utc(event.start_ts),
                        end=to_utc(event.end_ts) if event.end_ts is not None else None, severity=event.severity,
                        details=self._details(event), zone=event.zone, detector=self.detector, object_classes="")
            session.add(row)
            session.flush()
            self.ids[event.key] = row.id
            self.objects[event.key] = set()
            self._add_objects(session, row, event, describe)
            row.snapshot = self._snapshot(row.id, event)
        self.writes += 1
        if event.end_ts is not None:  # instantaneous (line crossing): nothing more will come
            self._forget(event.key)

    def _change(self, event: RuleEvent, describe: Describe) -> None:
        new = {tid for tid, _ in event.objects} - self.objects[event.key]
        if event.phase == "update" and not new:
            return  # not a meaningful change
        with self.factory.begin() as session:
            row = session.get(Event, self.ids[event.key])
            if row is None:
                return
            if new:
                self._add_objects(session, row, event, describe)
            if event.phase == "end":
                row.end = to_utc(event.end_ts if event.end_ts is not None else event.ts)
            details = dict(row.details or {})
            details.update(self._details(event, keep=details))
            row.details = details
            row.updated_at = utcnow()
        self.writes += 1
        if event.phase == "end":
            self._forget(event.key)

    def _forget(self, key: str) -> None:
        self.ids.pop(key, None)
        self.objects.pop(key, None)

    def _details(self, event: RuleEvent, keep: dict | None = None) -> dict:
        evidence = {**(keep or {}).get("evidence", {}), **event.evidence}
        end = event.end_ts if event.end_ts is not None else None
        clip = {"from": round(event.start_ts - self.pre_roll_s, 3),
                "to": round(end + self.post_roll_s, 3) if end is not None else None}
        details = {"rule": event.rule, "evidence": jsonable(evidence), "pre_roll_s": self.pre_roll_s,
                   "post_roll_s": self.post_roll_s, "clip": clip, "alert_ts": (keep or {}).get("alert_ts", event.ts)}
        if event.boxes is not None and len(event.boxes) and event.frame is not None:
            # Main-stream px (what the recording and the rule editor show), with the picture size they are in.
            details["boxes"] = [[round(float(v), 1) for v in box] for box in np.asarray(event.boxes).reshape(-1, 4)]
            details["boxes_wh"] = list(event.frame.main_wh or (event.frame.width, event.frame.height))
        return details

    def _add_objects(self, session: Session, row: Event, event: RuleEvent, describe: Describe) -> None:
        known = self.objects[event.key]
        classes = set(filter(None, (row.object_classes or "").split(",")))
        for tid, role in event.objects:
            if tid in known:
                continue
            info = describe(tid) or ObjectInfo("")
            session.add(EventObject(event_id=row.id, track_id=int(tid), role=role, class_name=info.class_name,
                                    colour=info.colour, direction=info.direction, speed_kmh=info.speed_kmh))
            known.add(tid)
            if info.class_name:
                classes.add(info.class_name)
        row.object_classes = ",".join(sorted(classes))

    def _snapshot(self, event_id: int, event: RuleEvent) -> str | None:
        if self.snapshots_root is None or event.frame is None:
            return None
        image = event.frame.bgr().copy()
        boxes = FrameGeometry.of(event.frame).boxes_to_frame(event.boxes if event.boxes is not None else np.zeros((0, 4)))
        for x1, y1, x2, y2 in np.round(boxes).astype(int):  # event boxes are main px; the snapshot is the analysed frame
            cv2.rectangle(image, (int(x1) - 2, int(y1) - 2), (int(x2) + 2, int(y2) + 2), (0, 0, 255), 2)
        rel = Path(self.camera_id) / f"{event_id}.jpg"
        path = self.snapshots_root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
        if not ok:
            return None
        path.write_bytes(data.tobytes())
        return rel.as_posix()


def jsonable(value: object) -> object:
    """NumPy scalars and tuples -> plain JSON types."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def compass(direction_en: str | None) -> str:
    """'northeast' -> 'NE' ('' when unknown)."""
    return COMPASS.get(direction_en or "", "")
