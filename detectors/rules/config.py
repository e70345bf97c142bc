"""Rule configuration: one pydantic model per rule type, a discriminated union on `type`.

A camera's `rules:` list in the site YAML validates into `RulesConfig`. Geometry is in image
pixels of the camera's MAIN (recorded) stream, whatever stream is analysed (detectors/geometry.py).
Speeds are in box heights per second, so one threshold works near and far from the camera (a car
60 px tall and one 30 px tall move alike).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from detectors.types import NAME_TO_CLASS, ClassId

ClassName = Literal["person", "bicycle", "motorbike", "car", "bus", "truck"]
Point = tuple[float, float]
RULE_NAME_PATTERN = r"^[A-Za-z0-9_.-]+$"
# The site time zone unless configured (Vietnam has one zone, no daylight saving).
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(..., min_length=1, max_length=64, pattern=RULE_NAME_PATTERN,
                      description="Rule name, unique per camera; stored as the event's zone for zone rules.")
    enabled: bool = Field(True, description="Disabled rules are validated but not run.")


def class_ids(names: list[str] | tuple[str, ...]) -> frozenset[int]:
    """Class names -> project class ids."""
    return frozenset(int(NAME_TO_CLASS[n]) for n in names)


class HitAndRunConfig(_Rule):
    """Vehicle contacts a person/bicycle/motorbike, the victim falls, stops or vanishes, the vehicle leaves.

    Also raises `collision` when the vehicle stops too (both stop).
    """

    type: Literal["hit_and_run"] = "hit_and_run"
    vehicles: tuple[ClassName, ...] = Field(("car", "truck", "bus", "motorbike"), description="Offender classes.")
    victims: tuple[ClassName, ...] = Field(("person", "bicycle", "motorbike"), description="Victim classes.")
    min_vehicle_speed: float = Field(0.8, ge=0, le=20, description="Vehicle speed at contact, heights/s.")
    min_closing_speed: float = Field(0.6, ge=0, le=20, description="Relative approach speed, vehicle heights/s.")
    min_closing_no_fall: float = Field(1.5, ge=0, le=20, description="Without a fall, the contact must close at least this fast (vehicle heights/s): queueing is slow.")
    contact_gap: float = Field(0.2, ge=0, le=2, description="Boxes this close in x (fraction of the smaller height) touch.")
    contact_depth: float = Field(0.45, gt=0, le=2, description="Max bottom-edge gap, fraction of the smaller height.")
    fall_aspect_ratio: float = Field(1.7, ge=1, le=10, description="Victim w/h grows by this factor: fallen.")
    fall_height_drop: float = Field(0.4, ge=0, le=0.9, description="... and its height shrinks by this fraction.")
    moving_speed: float = Field(0.5, ge=0, le=20, description="Victim 'was moving' at contact, heights/s.")
    stop_speed: float = Field(0.2, ge=0, le=5, description="Below this speed (heights/s) an object is stopped.")
    stop_within_s: float = Field(1.2, gt=0, le=10, description="A victim that stops must do so this soon after contact.")
    stop_hold_s: float = Field(1.5, gt=0, le=30, description="... and stay stopped this long.")
    vanish_s: float = Field(1.0, gt=0, le=30, description="Victim unseen this long (not at the frame edge): vanished.")
    outcome_window_s: float = Field(3.0, gt=0, le=30, description="Victim outcome must happen this soon after contact.")
    left_view_s: float = Field(0.4, gt=0, le=10, description="Vehicle unseen this long at the frame edge: it left.")
    lost_vehicle_s: float = Field(2.0, gt=0, le=30, description="Vehicle unseen this long anywhere: it left.")
    drive_off_widths: float = Field(3.0, gt=0, le=50, description="Vehicle this many widths from the contact, moving: fled.")
    max_vehicle_stop_s: float = Field(4.0, gt=0, le=120, description="Vehicle stopped longer than this: collision, not hit-and-run.")
    watch_s: float = Field(20.0, gt=1, le=300, description="A contact is watched this long for an outcome.")
    edge_margin: float = Field(0.04, ge=0, le=0.5, description="Frame-edge band, fraction of the width.")
    event_max_s: float = Field(60.0, gt=1, le=3600, description="Events end after this long at most.")


class ScheduledZoneRule(_Rule):
    polygon: list[Point] = Field(..., min_length=3, max_length=64, description="Zone vertices, image px.")
    classes: tuple[ClassName, ...] = Field(("person",), min_length=1, description="Classes that count.")
    schedule: str | None = Field(None, description="Local time window 'HH:MM-HH:MM' (may wrap midnight); None = always.")
    min_inside_s: float = Field(0.5, ge=0, le=600, description="An object must stay inside this long to count.")
    end_grace_s: float = Field(3.0, ge=0, le=600, description="Event ends when the zone has been empty this long.")

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        if value is not None and not _HHMM.match(value):
            raise PydanticCustomError("rule.schedule_format", "must look like '22:00-05:00'")
        return value


class IntrusionConfig(ScheduledZoneRule):
    """A chosen class enters a polygon zone during a schedule."""

    type: Literal["intrusion"] = "intrusion"


class LoiteringConfig(ScheduledZoneRule):
    """A person or motorbike stays in a zone longer than `min_inside_s`."""

    type: Literal["loitering"] = "loitering"
    classes: tuple[ClassName, ...] = Field(("person", "motorbike"), min_length=1, description="Classes that count.")
    min_inside_s: float = Field(30.0, gt=0, le=86400, description="Dwell time that makes it loitering.")
    max_gap_s: float = Field(3.0, ge=0, le=600, description="Unseen up to this long still counts as inside.")


class LineCrossingConfig(_Rule):
    """Objects crossing a line, with direction and running counts."""

    type: Literal["line_crossing"] = "line_crossing"
    line: tuple[Point, Point] = Field(..., description="Start and end, image px. 'in' = from left to right of start->end.")
    classes: tuple[ClassName, ...] = Field(("person", "bicycle", "motorbike", "car", "bus", "truck"), min_length=1)
    direction: Literal["in", "out", "both"] = Field("both", description="Which crossings raise events.")


class WrongWayConfig(_Rule):
    """A vehicle moving against a lane's direction inside the lane polygon."""

    type: Literal["wrong_way"] = "wrong_way"
    polygon: list[Point] = Field(..., min_length=3, max_length=64, description="Lane zone, image px.")
    direction: Point = Field(..., description="Allowed travel direction as an image vector (dx, dy).")
    classes: tuple[ClassName, ...] = Field(("bicycle", "motorbike", "car", "bus", "truck"), min_length=1)
    min_speed: float = Field(0.8, gt=0, le=20, description="Ignore slower objects, heights/s.")
    min_duration_s: float = Field(1.0, gt=0, le=60, description="Against the lane this long to raise.")


class TamperConfig(_Rule):
    """Lens covered, defocused, camera moved or repointed, sudden blackout."""

    type: Literal["tamper"] = "tamper"
    sample_hz: float = Field(3.0, gt=0, le=30, description="Frames per second examined.")
    min_duration_s: float = Field(1.5, gt=0, le=60, description="A condition must last this long.")
    blackout_luma: float = Field(20.0, ge=0, le=255, description="Mean luma below this (after being lit): blackout.")
    cover_contrast: float = Field(0.35, gt=0, le=1, description="Luma std / reference std below this: covered.")
    defocus_sharpness: float = Field(0.6, gt=0, le=1, description="Sharpness / reference below this: defocused.")
    moved_shift_px: float = Field(6.0, gt=0, le=500, description="Global shift (analysis px) above this: moved.")
    repoint_share: float = Field(0.75, gt=0, le=1, description="Share of the view no longer like the reference: repointed.")
    reference_s: float = Field(20.0, gt=1, le=3600, description="Reference background time constant.")
    restore_s: float = Field(5.0, ge=0, le=600, description="The view must look normal this long before a "
                             "tamper incident ends (on-off covering within it stays one alarm).")
    relearn_s: float = Field(60.0, gt=1, le=3600, description="A view moved this long is accepted as the new normal.")


RuleConfig = Annotated[
    Union[HitAndRunConfig, IntrusionConfig, LoiteringConfig, LineCrossingConfig, WrongWayConfig, TamperConfig],
    Field(discriminator="type"),
]


class RulesConfig(BaseModel):
    """All rules of one camera."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: list[RuleConfig] = Field(default_factory=list, description="Rules run on every processed frame.")
    timezone: str = Field(DEFAULT_TIMEZONE, description="Zone for schedules (site timezone).")

    @field_validator("rules")
    @classmethod
    def _unique(cls, rules: list) -> list:
        names = [r.name for r in rules]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise PydanticCustomError("rule.duplicate_names", "duplicate rule names: {names}",
                                      {"names": ", ".join(dupes)})
        return rules


def default_rules() -> RulesConfig:
    """Rules that need no geometry: hit-and-run/collision and tampering."""
    return RulesConfig(rules=[HitAndRunConfig(name="hit_and_run"), TamperConfig(name="tamper")])


__all__ = ["ClassId", "RuleConfig", "RulesConfig", "class_ids", "default_rules"]
