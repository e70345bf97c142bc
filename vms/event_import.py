"""Importing a `vms analyze` result: the events found in handed-in footage join the searchable index.

The analysis JSON gives event times in seconds from the start of the video (and wall-clock times
when the analyst knew when the video started). Imported events belong to a camera of the site (the
one that filmed it, or one created for handed-in footage) and say where they came from.

An imported event is a claim, not a measurement of the site: it is stored with the detector
`imported:<name>` (`is_imported()`), returned with `imported: true`, searchable apart
(`origin=imported|site`) and counted apart in reports. What it may claim is bounded: only the
event types the rules produce (never `camera_offline`, `index_repair` or other events the site
itself writes about its own health) and only the names of detectors `vms analyze` runs.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from detectors.objects.configs import DetectorConfig
from detectors.rules.config import RuleConfig
from vms.db.models import Event, EventObject

MAX_EVENTS = 10_000
IMPORTED_PREFIX = "imported:"  # Event.detector of an imported event: "imported:<the name it claims>"
MAX_OFFSET_S = 366 * 86400.0  # an event more than a year after the video started is not real
MAX_EVIDENCE_BYTES = 8 * 1024  # a rule's evidence is a few numbers, never a payload
MAX_EVIDENCE_DEPTH = 4
UNKNOWN_DETECTOR = "unknown"  # an analysis that names no detector


def _literal_types(union: object) -> set[str]:
    """The `type` literals of the members of a discriminated config union."""
    members = get_args(get_args(union)[0])
    return {value for member in members for value in get_args(member.model_fields["type"].annotation)}


# The events the rules raise (hit_and_run also raises collision); nothing the site writes about itself.
RULE_EVENT_TYPES = frozenset(_literal_types(RuleConfig) | {"collision"})
# Detectors `vms analyze` runs on a file (the simulated one reads scripted truth: never a file).
ANALYSIS_DETECTORS = frozenset(_literal_types(DetectorConfig) - {"simulated"})


def is_imported(column: ColumnElement[str] | None = None) -> ColumnElement[bool]:
    """SQL condition: the event was imported (`~is_imported()`: detected by the site itself)."""
    return (Event.detector if column is None else column).startswith(IMPORTED_PREFIX)


# Why an analysis cannot be imported: code -> English (the API declares these codes for the UI).
IMPORT_ERRORS = {
    "import.no_start_time": "the analysis has no start time: give the wall-clock time the video started",
    "import.naive_start_time": "the start time needs a time zone, e.g. 2026-11-23T21:14:00+07:00",
}
# Raised by the validators below (pydantic custom error types are the API's error codes).
IMPORT_VALIDATION_ERRORS = {
    "import.event_type": "{field}: {value} is not an event type the rules raise ({known})",
    "import.detector": "{field}: {value} is not a detector vms analyze runs ({known})",
}


class ImportError_(ValueError):
    """The analysis cannot be imported; `code` (a key of IMPORT_ERRORS) says why."""

    def __init__(self, code: str):
        super().__init__(IMPORT_ERRORS[code])
        self.code = code


class ImportedObject(BaseModel):
    model_config = ConfigDict(extra="ignore")

    track_id: int = Field(-1, ge=-1, le=2**31 - 1)
    role: str = Field("", max_length=16)
    class_: str | None = Field(None, alias="class", max_length=16)
    colour: str | None = Field(None, max_length=16)
    direction: str | None = Field(None, max_length=8)
    speed_kmh: float | None = Field(None, ge=0, le=1000, allow_inf_nan=False)


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


class ImportedEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: str = Field(min_length=1, max_length=32, description="an event type the rules raise")
    start: float = Field(ge=0, le=MAX_OFFSET_S, allow_inf_nan=False, description="seconds from the start of the video")
    end: float | None = Field(None, ge=0, le=MAX_OFFSET_S, allow_inf_nan=False)
    severity: str = Field("info", max_length=8)
    zone: str | None = Field(None, max_length=64)
    rule: str | None = Field(None, max_length=64)
    evidence: dict = Field(default_factory=dict, description=f"at most {MAX_EVIDENCE_BYTES} bytes as JSON")
    objects: list[ImportedObject] = Field(default_factory=list, max_length=64)

    @field_validator("type")
    @classmethod
    def _rule_type(cls, value: str) -> str:
        if value not in RULE_EVENT_TYPES:
            raise PydanticCustomError("import.event_type", IMPORT_VALIDATION_ERRORS["import.event_type"].split(": ", 1)[1],
                                      {"value": value[:32], "known": ", ".join(sorted(RULE_EVENT_TYPES))})
        return value

    @field_validator("evidence")
    @classmethod
    def _small_evidence(cls, value: dict) -> dict:
        if _depth(value) > MAX_EVIDENCE_DEPTH:
            raise ValueError(f"nested deeper than {MAX_EVIDENCE_DEPTH} levels")
        try:
            size = len(json.dumps(value, allow_nan=False))
        except ValueError:
            raise ValueError("not JSON (NaN or Infinity)") from None
        if size > MAX_EVIDENCE_BYTES:
            raise ValueError(f"{size} bytes as JSON; at most {MAX_EVIDENCE_BYTES}")
        return value


class Analysis(BaseModel):
    """The parts of `vms analyze` output that are imported."""

    model_config = ConfigDict(extra="ignore")

    file: str = Field("", max_length=500)
    detector: str = Field("", max_length=32, description="the detector vms analyze ran (empty: unknown)")
    started_at: datetime | None = None
    events: list[ImportedEvent] = Field(default_factory=list, max_length=MAX_EVENTS)

    @field_validator("detector")
    @classmethod
    def _known_detector(cls, value: str) -> str:
        if value and value not in ANALYSIS_DETECTORS:
            raise PydanticCustomError("import.detector", IMPORT_VALIDATION_ERRORS["import.detector"].split(": ", 1)[1],
                                      {"value": value[:32], "known": ", ".join(sorted(ANALYSIS_DETECTORS))})
        return value


def import_analysis(session: Session, camera_id: str, analysis: Analysis, started_at: datetime | None) -> list[Event]:
    """Add the analysis' events for `camera_id`; `started_at` (or the file's own) anchors the times."""
    anchor = started_at or analysis.started_at
    if anchor is None:
        raise ImportError_("import.no_start_time")
    if anchor.tzinfo is None:
        raise ImportError_("import.naive_start_time")
    rows = []
    for item in analysis.events:
        start = (anchor + timedelta(seconds=item.start)).astimezone(timezone.utc)
        end = (anchor + timedelta(seconds=item.end)).astimezone(timezone.utc) if item.end is not None else start
        classes = sorted({o.class_ for o in item.objects if o.class_})
        row = Event(camera_id=camera_id, type=item.type, start=start, end=end, severity=item.severity,
                    zone=item.zone, object_classes=",".join(classes),
                    detector=IMPORTED_PREFIX + (analysis.detector or UNKNOWN_DETECTOR),
                    alarm_level="log",  # handed-in footage is history, never an alarm waiting for someone
                    details={"imported": True, "imported_from": analysis.file, "claimed_detector": analysis.detector,
                             "rule": item.rule, "evidence": item.evidence})
        session.add(row)
        session.flush()
        for obj in item.objects:
            session.add(EventObject(event_id=row.id, track_id=obj.track_id, role=obj.role,
                                    class_name=obj.class_ or "", colour=obj.colour or "",
                                    direction=obj.direction or "", speed_kmh=obj.speed_kmh))
        rows.append(row)
    return rows
