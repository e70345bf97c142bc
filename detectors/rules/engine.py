"""Run a camera's configured rules on each processed frame.

    engine = RuleEngine(rules_config)
    for frame in frames:
        result = pipeline.step(frame)
        for event in engine.update(frame, result.tracks):
            ...  # start / update / end, see `RuleEvent`
    engine.close(last_ts)  # end what is still open (end of a file)

Rules run in main-stream pixels (`Frame.main_wh`; the frame's own size when it is full size):
`tracks` must be in those pixels (`CameraAnalysis` maps them), as is the configured geometry.
Zone geometry needs that size, so rules are built on the first frame.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np

from detectors.frame import Frame
from detectors.rules.base import RuleEvent, TrackHistory, TrackTable
from detectors.rules.config import RulesConfig
from detectors.rules.hit_and_run import HitAndRunRule
from detectors.rules.tamper import TamperRule
from detectors.rules.zone_rules import LineCrossingRule, WrongWayRule, ZoneRule
from detectors.types import Detections


BLIND_HOLD_S = 2.0  # after a mass loss, decisions that rest on objects vanishing wait this long


def mass_loss(table: TrackTable, window_s: float = 0.25, min_lost: int = 3, share: float = 0.8) -> bool:
    """Most tracks vanished at the same moment: the view was lost (cover, blackout), not the objects."""
    recent = int(np.count_nonzero(table.lost_ts >= table.ts - window_s))
    return recent >= min_lost and recent >= share * (recent + len(table))


class RuleEngine:
    """Track history + every enabled rule of one camera."""

    def __init__(self, config: RulesConfig) -> None:
        self.config = config
        self.history = TrackHistory()
        self.tz = ZoneInfo(config.timezone)
        self.track_rules: list = []
        self.tamper: list[TamperRule] = []
        self.frame_wh: tuple[int, int] | None = None
        self.open: dict[str, RuleEvent] = {}  # key -> latest start/update
        self.table: TrackTable | None = None
        self.blind_until = -np.inf

    def _build(self, frame_wh: tuple[int, int]) -> None:
        self.frame_wh = frame_wh
        for rule in self.config.rules:
            if not rule.enabled:
                continue
            if rule.type == "hit_and_run":
                self.track_rules.append(HitAndRunRule(rule))
            elif rule.type in ("intrusion", "loitering"):
                self.track_rules.append(ZoneRule(rule, frame_wh, self.tz))
            elif rule.type == "line_crossing":
                self.track_rules.append(LineCrossingRule(rule))
            elif rule.type == "wrong_way":
                self.track_rules.append(WrongWayRule(rule, frame_wh))
            elif rule.type == "tamper":
                self.tamper.append(TamperRule(rule))

    def update(self, frame: Frame, tracks: Detections) -> list[RuleEvent]:
        """Feed one frame's tracked objects (tracker output, main-stream px); returns lifecycle steps in order."""
        if self.frame_wh is None:
            self._build(frame.main_wh or (frame.width, frame.height))
        table = self.history.update(frame.ts, tracks, self.frame_wh)
        self.table = table
        events: list[RuleEvent] = []
        for rule in self.tamper:
            events += rule.update(frame)
        if mass_loss(table):
            self.blind_until = frame.ts + BLIND_HOLD_S
        blind = any(rule.suspect for rule in self.tamper) or frame.ts < self.blind_until
        for rule in self.track_rules:
            if isinstance(rule, HitAndRunRule):
                events += rule.update(table, self.history, frame, blind)
            else:
                events += rule.update(table, frame)
        for event in events:
            if event.phase == "end" or (event.phase == "start" and event.end_ts is not None):
                self.open.pop(event.key, None)
            else:
                self.open[event.key] = event
        return events

    def close(self, ts: float) -> list[RuleEvent]:
        """End every open event at `ts` (end of a file or of a connection)."""
        out = [RuleEvent(key=e.key, phase="end", type=e.type, rule=e.rule, start_ts=e.start_ts, ts=ts, end_ts=ts,
                         severity=e.severity, zone=e.zone, objects=e.objects, evidence=e.evidence)
               for e in self.open.values()]
        self.open.clear()
        return out
