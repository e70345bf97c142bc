"""The camera record as the API and the importer see it: bounded fields, closed vocabularies.

Free text is short and bounded (a record is a file card, not a document store); kinds, coverage and
status are codes the UI translates. A GPS position must lie in Vietnam: the check is a set of
boxes around the mainland and the island districts — coarse on purpose (it catches swapped or
mistyped coordinates and a phone set to another country, not a point a few km over a border).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from vms.api.errors import ERROR_CODES, register

PARTY_KINDS = ("household", "shop", "school", "agency", "commune", "other")
COVERAGE = ("road", "intersection", "market", "school_gate", "residential", "public_office", "park", "other")
STATUSES = ("planned", "active", "broken", "retired")

PartyKind = Literal["household", "shop", "school", "agency", "commune", "other"]
Coverage = Literal["road", "intersection", "market", "school_gate", "residential", "public_office", "park", "other"]
Status = Literal["planned", "active", "broken", "retired"]

# (lat_min, lat_max, lon_min, lon_max): mainland and coastal islands, Hoàng Sa, Trường Sa.
VIETNAM_BOXES = ((8.3, 23.4, 102.1, 109.5), (15.6, 17.2, 111.0, 113.0), (6.0, 12.0, 111.4, 117.9))
CAMERA_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,47}$"


# Cross-field problems, raised as pydantic errors whose type is an API error code (the UI translates it).
GPS_INCOMPLETE = register("records.gps_incomplete", "give both latitude and longitude, or neither")
GPS_OUTSIDE = register("records.gps_outside_vietnam", "the GPS position is outside Vietnam")
MAP_INCOMPLETE = register("records.map_position_incomplete", "give both map coordinates, or neither")
RETIRED_REASON = register("records.retired_needs_reason", "a retired camera needs the reason it was retired")
WARRANTY_ORDER = register("records.warranty_before_installation", "the warranty ends before the installation date")


def _problem(code: str) -> PydanticCustomError:
    return PydanticCustomError(code, ERROR_CODES[code])


def in_vietnam(latitude: float, longitude: float) -> bool:
    return any(a <= latitude <= b and c <= longitude <= d for a, b, c, d in VIETNAM_BOXES)


class RecordFields(BaseModel):
    """Every editable field of a camera record (all optional with empty defaults)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field("", max_length=120, description="name of a camera not connected to this server")
    owner_kind: PartyKind = "other"
    owner_name: str = Field("", max_length=120)
    owner_contact: str = Field("", max_length=120, description="phone or address of the owner")
    funder_kind: PartyKind = "other"
    funder_name: str = Field("", max_length=120)
    funder_contact: str = Field("", max_length=120)
    agreement_date: date | None = None
    agreement_ref: str = Field("", max_length=64, description="number of the agreement / consent on file")
    installer: str = Field("", max_length=120)
    installed_on: date | None = None
    warranty_until: date | None = None
    hamlet: str = Field("", max_length=80, description="thôn, bản, tổ dân phố")
    address: str = Field("", max_length=200)
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    map_x: float | None = Field(None, ge=0, le=1, description="position across the site map image, 0..1")
    map_y: float | None = Field(None, ge=0, le=1)
    coverage: list[Coverage] = Field(default_factory=list, max_length=len(COVERAGE))
    coverage_note: str = Field("", max_length=200)
    status: Status = "active"
    status_reason: str = Field("", max_length=500)
    status_since: date | None = None

    @field_validator("coverage")
    @classmethod
    def _unique_coverage(cls, value: list[str]) -> list[str]:
        return sorted(set(value), key=COVERAGE.index)

    @model_validator(mode="after")
    def _consistent(self) -> "RecordFields":
        if (self.latitude is None) != (self.longitude is None):
            raise _problem(GPS_INCOMPLETE)
        if self.latitude is not None and self.longitude is not None and not in_vietnam(self.latitude, self.longitude):
            raise _problem(GPS_OUTSIDE)
        if (self.map_x is None) != (self.map_y is None):
            raise _problem(MAP_INCOMPLETE)
        if self.status == "retired" and not self.status_reason:
            raise _problem(RETIRED_REASON)
        if self.installed_on and self.warranty_until and self.warranty_until < self.installed_on:
            raise _problem(WARRANTY_ORDER)
        return self


class MapPosition(BaseModel):
    """Where a camera's pin sits on the site map; both null removes the pin."""

    model_config = ConfigDict(extra="forbid")

    map_x: float | None = Field(None, ge=0, le=1, description="0..1 across the map image")
    map_y: float | None = Field(None, ge=0, le=1, description="0..1 down the map image")

    @model_validator(mode="after")
    def _both_or_neither(self) -> "MapPosition":
        if (self.map_x is None) != (self.map_y is None):
            raise _problem(MAP_INCOMPLETE)
        return self


class RecordOut(RecordFields):
    """A record as returned: the fields plus what the server keeps about it."""

    model_config = ConfigDict(extra="forbid")

    camera_id: str
    connected: bool = Field(description="a camera with this id is registered on this server")
    display_name: str
    live_status: Literal["online", "offline", "disabled", "not_connected"]
    has_agreement_scan: bool = False
    agreement_scan_name: str = ""
    open_tickets: int = 0
    updated_at: str | None = None
    updated_by: str = ""
