"""Which events are alarms, by type and local time of day (the site's `alarms:` config block).

An event type has a level: `alarm` (a banner on every open page and a sound that repeats until
someone acknowledges; waits in the queue of unhandled alarms), `notify` (waits in the queue, no
sound) or `log` (searchable only, e.g. line-crossing counts). `hours` narrows a level to a local
time window ("22:00-05:00", may wrap midnight): outside it the type falls back to `otherwise`. So
"intrusion at night" is `intrusion: {level: alarm, hours: "22:00-05:00", otherwise: notify}`.
The level is decided once, when the API first sees the event, and stored with it: changing the
policy later never turns past events into alarms.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

Level = Literal["alarm", "notify", "log"]
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


class TypePolicy(BaseModel):
    """How one event type is raised."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    level: Level = Field("notify", description="alarm: banner + repeating sound; notify: queue only; log: none")
    hours: str | None = Field(None, description="local time window 'HH:MM-HH:MM' for `level`; None = always")
    otherwise: Level = Field("notify", description="level outside `hours`")
    sound: bool = Field(True, description="alarm level only: play the alarm sound")
    repeat_s: float = Field(10, ge=2, le=600, description="the sound repeats this often until acknowledged")

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        if value is not None and not _HOURS.match(value):
            raise PydanticCustomError("rule.schedule_format", "must look like '22:00-05:00'")
        return value


DEFAULT_POLICY: dict[str, TypePolicy] = {
    "hit_and_run": TypePolicy(level="alarm"),
    "collision": TypePolicy(level="alarm"),
    "tamper": TypePolicy(level="alarm"),
    "intrusion": TypePolicy(level="alarm", hours="22:00-05:00", otherwise="notify"),
    "loitering": TypePolicy(level="notify"),
    "wrong_way": TypePolicy(level="notify"),
    "camera_offline": TypePolicy(level="notify"),
    "storage_alarm": TypePolicy(level="notify"),
    "line_crossing": TypePolicy(level="log"),
    "index_repair": TypePolicy(level="log"),
}


class AlarmsConfig(BaseModel):
    """Per event type: alarm, notify or log; types not listed use `default`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    types: dict[str, TypePolicy] = Field(default_factory=dict, description="overrides of DEFAULT_POLICY by type")
    default: TypePolicy = Field(TypePolicy(level="notify"), description="types in neither list")

    def policy(self, event_type: str) -> TypePolicy:
        return self.types.get(event_type) or DEFAULT_POLICY.get(event_type) or self.default

    def effective(self) -> dict[str, TypePolicy]:
        """Every known type's policy (defaults merged with the overrides), for the UI."""
        return {**DEFAULT_POLICY, **self.types}

    def level(self, event_type: str, start: datetime, tz: ZoneInfo) -> Level:
        """The level an event of `event_type` starting at `start` (aware) is raised at."""
        rule = self.policy(event_type)
        if rule.hours is None or in_window(rule.hours, start.astimezone(tz).time()):
            return rule.level
        return rule.otherwise


def in_window(hours: str, moment: time) -> bool:
    """Is `moment` inside 'HH:MM-HH:MM' (a window may wrap midnight)?"""
    match = _HOURS.match(hours)
    assert match is not None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = time(h1, m1), time(h2, m2)
    return start <= moment < end if start <= end else moment >= start or moment < end
