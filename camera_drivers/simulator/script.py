"""Scene scripts: the data that fully determines a simulated camera (with its seed).

A script is a frozen pydantic model loaded from YAML (``configs/scenes/<name>.yaml``), a path or
a dict. Everything is in image pixels and scene seconds. Validation errors name the bad key as a
dotted path (``actors.1.behaviours.0.action: ...``) so a scene author can fix the file quickly.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

ActorClass = Literal["car", "truck", "bus", "motorbike", "bicycle", "person"]
Direction = Literal["east", "west", "north", "south"]
IncidentType = Literal["hit_and_run", "collision", "intrusion", "loitering", "line_crossing", "tamper"]
TamperType = Literal["cover", "defocus", "moved", "blackout"]

# Named colours (BGR). Names, not tuples, keep scripts readable and renders consistent.
PALETTE: dict[str, tuple[int, int, int]] = {
    "white": (235, 235, 235), "black": (30, 30, 30), "silver": (190, 190, 185), "grey": (120, 120, 120),
    "red": (40, 40, 200), "maroon": (40, 30, 120), "blue": (190, 90, 30), "dark_blue": (110, 50, 20),
    "green": (60, 150, 50), "dark_green": (40, 90, 30), "yellow": (40, 210, 230), "orange": (30, 140, 240),
    "brown": (40, 70, 110), "beige": (160, 200, 220), "pink": (180, 150, 240), "purple": (140, 50, 120),
    "cyan": (200, 200, 60),
}
FALLING_CLASSES = frozenset({"person", "bicycle", "motorbike"})
DEFAULT_SCENE_DIR = Path(__file__).resolve().parents[2] / "configs" / "scenes"


class SceneError(ValueError):
    """A scene script could not be found, parsed or validated; the message names the bad key."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Lighting(_Model):
    time_of_day: Literal["day", "dusk", "night"] = Field("day", description="Overall lighting palette.")
    noise_sigma: float | None = Field(
        None, ge=0, le=30, description="Sensor noise std-dev in grey levels; default 0 day, 1 dusk, 2 night."
    )
    ir_switch_s: float | None = Field(
        None, ge=0, description="Night only: scene time at which the camera switches to IR (monochrome)."
    )
    depth_scale: float = Field(
        0.35, ge=0, le=0.8, description="Objects at the top edge are (1 - depth_scale) times their size at the bottom."
    )


class Road(_Model):
    id: str = Field("main", min_length=1, max_length=32, description="Name used by lanes and crossings.")
    axis: Literal["horizontal", "vertical"] = Field("horizontal", description="Road direction in the image.")
    center: float = Field(230, ge=0, le=4000, description="Centre line: y (horizontal) or x (vertical), px.")
    lanes_per_direction: int = Field(2, ge=1, le=4, description="Lanes each way.")
    lane_width: float = Field(26, ge=12, le=80, description="Lane width in px.")


class Crossing(_Model):
    road: str = Field(..., description="Id of the road the zebra crossing spans.")
    at: float = Field(..., ge=0, le=4000, description="Position along the road (x or y), px.")
    width: float = Field(36, ge=10, le=120, description="Crossing width, px.")


class Layout(_Model):
    roads: tuple[Road, ...] = Field((Road(),), max_length=4, description="Roads drawn on the background.")
    sidewalk_width: float = Field(26, ge=0, le=120, description="Sidewalk width on both sides of a road, px.")
    crossings: tuple[Crossing, ...] = Field((), max_length=8, description="Zebra crossings.")
    buildings: bool = Field(True, description="Draw a row of buildings above the top sidewalk.")
    trees: int = Field(5, ge=0, le=30, description="Trees along the sidewalks.")
    lamps: int = Field(4, ge=0, le=16, description="Street lamps (light pools at night).")


def _default_mix() -> dict[str, float]:
    # Vietnamese street traffic is mostly motorbikes.
    return {"motorbike": 0.62, "car": 0.16, "person": 0.12, "bicycle": 0.05, "truck": 0.03, "bus": 0.02}


class LaneClosure(_Model):
    road: str = Field("main", description="Road id.")
    direction: Direction = Field(..., description="Lane direction.")
    index: int = Field(0, ge=0, le=3, description="Lane index, 0 = next to the kerb.")
    start_s: float = Field(0, ge=0, description="No background vehicle uses the lane from this time...")
    end_s: float = Field(..., ge=0, description="...to this time (e.g. a fallen rider lies there).")


class Traffic(_Model):
    rate_per_min: float = Field(0, ge=0, le=400, description="Background road users entering per minute.")
    mix: dict[ActorClass, float] = Field(default_factory=_default_mix, description="Relative class weights.")
    start_s: float = Field(0, ge=0, description="No background traffic enters before this time.")
    end_s: float | None = Field(None, ge=0, description="No background traffic enters after this time.")
    quiet: tuple[tuple[float, float], ...] = Field(
        (), max_length=16, description="[start_s, end_s] windows in which no background traffic enters."
    )
    crossing_share: float = Field(0.3, ge=0, le=1, description="Share of pedestrians that use a crossing.")
    closed_lanes: tuple[LaneClosure, ...] = Field(
        (), max_length=16, description="Lanes background vehicles avoid for a while (moved to another lane)."
    )

    @field_validator("mix")
    @classmethod
    def _positive_mix(cls, mix: dict[str, float]) -> dict[str, float]:
        if any(w < 0 for w in mix.values()) or (mix and sum(mix.values()) <= 0):
            raise ValueError("weights must be >= 0 with a positive sum")
        return mix


class LaneRef(_Model):
    road: str = Field("main", description="Road id.")
    direction: Direction = Field(..., description="east/west on horizontal roads, north/south on vertical ones.")
    index: int = Field(0, ge=0, le=3, description="Lane index, 0 = next to the kerb.")
    offset_px: float = Field(0, ge=-40, le=40, description="Sideways offset from the lane centre, px.")


class Behaviour(_Model):
    at_s: float = Field(..., ge=0, description="Scene time of the behaviour.")
    action: Literal["stop", "resume", "fall", "vanish", "accelerate"] = Field(..., description="What happens.")
    factor: float = Field(1.0, gt=0, le=6, description="accelerate: new speed as a multiple of the scripted one.")


class Actor(_Model):
    id: str = Field(..., pattern=r"^[A-Za-z0-9_\-]{1,40}$", description="Unique id, used by incidents.")
    class_name: ActorClass = Field(..., alias="class", description="Object class.")
    color: str = Field("white", description="Named colour, see PALETTE.")
    size: float = Field(1.0, ge=0.5, le=2.0, description="Size multiplier on the class's default size.")
    waypoints: tuple[tuple[float, float, float], ...] | None = Field(
        None, min_length=2, max_length=200, description="[t_s, x, y] ground points, linear in between."
    )
    path: tuple[tuple[float, float], ...] | None = Field(
        None, min_length=2, max_length=200, description="[x, y] ground points travelled at speed_px_s."
    )
    lane: LaneRef | None = Field(None, description="Drive along a lane at speed_px_s, edge to edge.")
    speed_px_s: float | None = Field(None, gt=0, le=600, description="Speed for path/lane actors, px/s.")
    start_s: float = Field(0, ge=0, description="path/lane: scene time at the first point.")
    enter_at: float | None = Field(None, description="lane: coordinate along the lane at start_s (default: off-frame).")
    behaviours: tuple[Behaviour, ...] = Field((), max_length=50, description="Timed behaviours.")

    @field_validator("color")
    @classmethod
    def _known_color(cls, color: str) -> str:
        if color not in PALETTE:
            raise ValueError(f"unknown colour {color!r}; known: {', '.join(sorted(PALETTE))}")
        return color

    @model_validator(mode="after")
    def _one_motion(self) -> Actor:
        given = [k for k in ("waypoints", "path", "lane") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of waypoints, path, lane (got {given or 'none'})")
        if given[0] != "waypoints" and self.speed_px_s is None:
            raise ValueError(f"speed_px_s is required with {given[0]}")
        if self.waypoints is not None and any(b[0] <= a[0] for a, b in zip(self.waypoints, self.waypoints[1:])):
            raise ValueError("waypoints times must strictly increase")
        times = [b.at_s for b in self.behaviours]
        if times != sorted(times):
            raise ValueError("behaviours must be sorted by at_s")
        if self.class_name not in FALLING_CLASSES and any(b.action == "fall" for b in self.behaviours):
            raise ValueError(f"a {self.class_name} cannot fall (only {sorted(FALLING_CLASSES)})")
        return self


class Incident(_Model):
    id: str = Field(..., pattern=r"^[A-Za-z0-9_\-]{1,40}$", description="Unique incident id.")
    type: IncidentType = Field(..., description="Ground-truth incident type.")
    start_s: float = Field(..., ge=0, description="Scene time the incident starts.")
    end_s: float = Field(..., ge=0, description="Scene time the incident ends.")
    actors: tuple[str, ...] = Field((), max_length=20, description="Ids of the actors involved.")
    region: tuple[tuple[float, float], ...] | None = Field(
        None, min_length=2, max_length=32, description="Zone polygon or crossing line, px (for rule set-up)."
    )
    note: str = Field("", max_length=200, description="Free text.")

    @model_validator(mode="after")
    def _ordered(self) -> Incident:
        if self.end_s < self.start_s:
            raise ValueError("end_s must be >= start_s")
        return self


class Tamper(_Model):
    type: TamperType = Field(..., description="cover, defocus, moved or blackout.")
    start_s: float = Field(..., ge=0, description="Scene time the effect starts.")
    end_s: float = Field(..., ge=0, description="Scene time the effect ends.")
    strength: float = Field(1.0, ge=0.05, le=1, description="cover: opacity; defocus: blur amount.")
    shift_px: tuple[float, float] = Field((40, 24), description="moved: image shift (dx, dy), px.")

    @model_validator(mode="after")
    def _ordered(self) -> Tamper:
        if self.end_s <= self.start_s:
            raise ValueError("end_s must be > start_s")
        return self


class SceneScript(_Model):
    """A complete scene: camera format, lighting, background layout, actors, incidents, tamper."""

    name: str = Field("scene", min_length=1, max_length=64, description="Scene name.")
    width: int = Field(640, ge=160, le=1920, description="Frame width, px.")
    height: int = Field(360, ge=120, le=1080, description="Frame height, px.")
    fps: float = Field(15, ge=1, le=30, description="Frames per second.")
    gop: int = Field(30, ge=1, le=600, description="Keyframe interval in frames.")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed of traffic, textures and noise.")
    duration_s: float = Field(60, gt=0, le=3600, description="Scene length; a looping stream restarts after it.")
    lighting: Lighting = Field(default_factory=Lighting, description="Time of day, noise, IR switch, depth.")
    layout: Layout = Field(default_factory=Layout, description="Static background: roads, crossings, props.")
    traffic: Traffic = Field(default_factory=Traffic, description="Seeded background road users.")
    actors: tuple[Actor, ...] = Field((), max_length=200, description="Scripted actors.")
    incidents: tuple[Incident, ...] = Field((), max_length=100, description="Ground-truth incidents.")
    tamper: tuple[Tamper, ...] = Field((), max_length=20, description="Camera tamper effects.")
    timecode: bool = Field(False, description="Burn each frame's capture time into its top rows as black and "
                           "white blocks (camera_drivers/simulator/timecode.py), for glass-to-glass latency.")

    @model_validator(mode="after")
    def _cross_refs(self) -> SceneScript:
        road_axis = {r.id: r.axis for r in self.layout.roads}
        if len(road_axis) != len(self.layout.roads):
            raise ValueError("layout.roads: road ids must be unique")
        for i, crossing in enumerate(self.layout.crossings):
            if crossing.road not in road_axis:
                raise ValueError(f"layout.crossings.{i}.road: unknown road {crossing.road!r}")
        for i, closure in enumerate(self.traffic.closed_lanes):
            if closure.road not in road_axis:
                raise ValueError(f"traffic.closed_lanes.{i}.road: unknown road {closure.road!r}")
        ids = [a.id for a in self.actors]
        if len(set(ids)) != len(ids):
            raise ValueError("actors: ids must be unique")
        for i, actor in enumerate(self.actors):
            _check_lane(f"actors.{i}.lane", actor, road_axis, self.layout.roads)
        for i, inc in enumerate(self.incidents):
            missing = [a for a in inc.actors if a not in ids]
            if missing:
                raise ValueError(f"incidents.{i}.actors: unknown actor ids {missing}")
            if inc.type == "tamper":
                raise ValueError(f"incidents.{i}.type: tamper incidents come from the tamper: list")
        if self.lighting.ir_switch_s is not None and self.lighting.time_of_day != "night":
            raise ValueError("lighting.ir_switch_s: only for time_of_day night")
        return self


def _check_lane(key: str, actor: Actor, road_axis: dict[str, str], roads: tuple[Road, ...]) -> None:
    lane = actor.lane
    if lane is None:
        return
    if lane.road not in road_axis:
        raise ValueError(f"{key}.road: unknown road {lane.road!r}")
    horizontal = road_axis[lane.road] == "horizontal"
    if (lane.direction in ("east", "west")) != horizontal:
        raise ValueError(f"{key}.direction: {lane.direction} does not run along a {road_axis[lane.road]} road")
    road = next(r for r in roads if r.id == lane.road)
    if lane.index >= road.lanes_per_direction:
        raise ValueError(f"{key}.index: road {road.id} has {road.lanes_per_direction} lanes per direction")


def scene_dirs() -> list[Path]:
    """Directories searched for scene names: $VMS_SCENE_DIR (if set), then configs/scenes."""
    extra = os.environ.get("VMS_SCENE_DIR")
    return ([Path(extra)] if extra else []) + [DEFAULT_SCENE_DIR]


def load_scene(source: str | Path | dict[str, Any] | SceneScript) -> SceneScript:
    """Load a scene from a name in configs/scenes ("street_day"), a YAML path, or a dict.

    Raises:
        SceneError: unknown name, unreadable YAML, or invalid content; the message names the key.
    """
    if isinstance(source, SceneScript):
        return source
    label = "<dict>"
    if isinstance(source, dict):
        data: Any = source
    else:
        path = _resolve(source)
        label = str(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise SceneError(f"scene {label}: cannot read YAML: {exc}") from exc
        if not isinstance(data, dict):
            raise SceneError(f"scene {label}: top level must be a mapping")
        data = {"name": path.stem, **data}
    try:
        return SceneScript.model_validate(data)
    except ValidationError as exc:
        raise SceneError(f"scene {label}: " + _describe(exc)) from exc


def _resolve(source: str | Path) -> Path:
    path = Path(source)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise SceneError(f"scene file not found: {path}")
        return path
    for directory in scene_dirs():
        candidate = directory / f"{source}.yaml"
        if candidate.is_file():
            return candidate
    known = sorted({p.stem for d in scene_dirs() if d.is_dir() for p in d.glob("*.yaml")})
    raise SceneError(f"unknown scene {source!r}; known: {', '.join(known) or 'none'}")


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts)
