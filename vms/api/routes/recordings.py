"""Recorded segments by camera and time range, and playback of any range as MP4.

Playback cuts the range out of the segments without re-encoding into a cached MP4 with its
index first, served with HTTP range requests so the browser's player can seek.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse

from camera_drivers.clip import ClipError, NoFootageInRange, SourceSegment, write_clip
from vms.access import sees_camera
from vms.api.ranges import check_range
from vms.api.deps import CAMERA_NOT_FOUND, ContextDep, PlaybackUser, ScopeDep, SessionDep, client_ip
from vms.api.errors import ApiError, register
from vms.api.schemas import SegmentOut
from vms.audit import audit
from vms.db.models import Camera
from vms.playback_cache import CacheBusy, ClipCache
from vms.recordings import segments_between

router = APIRouter(prefix="/api", tags=["recordings"])
MAX_PLAYBACK = timedelta(hours=2)
MAX_LISTED = 5000
NO_FOOTAGE = register("playback.no_footage", "no recorded footage in this range")
CLIP_FAILED = register("playback.clip_failed", "cannot cut this range from the recordings: {reason}")
BUSY = register("playback.busy", "you already have {limit} clips being prepared; try again in a moment")


@router.get("/recordings", response_model=list[SegmentOut])
def list_recordings(
    user: PlaybackUser,
    db: SessionDep,
    scope: ScopeDep,
    camera_id: str = Query(max_length=48),
    start: datetime = Query(description="ISO 8601 with time zone"),
    end: datetime = Query(description="ISO 8601 with time zone"),
) -> list[SegmentOut]:
    check_range(start, end)
    if db.get(Camera, camera_id) is None or not sees_camera(scope, camera_id):
        raise ApiError(404, CAMERA_NOT_FOUND, camera_id=camera_id)
    segments = segments_between(db, camera_id, start, end)[:MAX_LISTED]
    return [SegmentOut.model_validate(s, from_attributes=True) for s in segments]


def _build_clip(cache: ClipCache, username: str, clip_path, segments) -> None:  # type: ignore[no-untyped-def]
    """Cut the whole covered segments (cache key = the segments) into the cache, within the user's limit."""
    try:
        with cache.building(username, clip_path):
            if clip_path.exists() and clip_path.with_suffix(".json").exists():
                return  # another request for the same segments built it meanwhile
            sources = [SourceSegment(path, s.start.timestamp()) for path, s in segments]
            start, end = segments[0][1].start.timestamp(), segments[-1][1].end.timestamp()
            try:
                info = write_clip(sources, start, end, clip_path)
            except ClipError as error:
                if isinstance(error, NoFootageInRange):
                    raise ApiError(404, NO_FOOTAGE) from None
                raise ApiError(404, CLIP_FAILED, reason=str(error)) from None
            clip_path.with_suffix(".json").write_text(json.dumps({"start": info.start, "end": info.end}),
                                                      encoding="utf-8")
    except CacheBusy:
        raise ApiError(429, BUSY, headers={"Retry-After": "2"}, limit=cache.per_user) from None


@router.get(
    "/cameras/{camera_id}/playback.mp4",
    response_class=FileResponse,
    responses={200: {"content": {"video/mp4": {}}}, 206: {"content": {"video/mp4": {}}}},
)
def playback(
    camera_id: str,
    request: Request,
    user: PlaybackUser,
    db: SessionDep,
    scope: ScopeDep,
    ctx: ContextDep,
    start: datetime = Query(description="ISO 8601 with time zone"),
    end: datetime = Query(description="ISO 8601 with time zone"),
) -> FileResponse:
    check_range(start, end, MAX_PLAYBACK, "playback")
    if db.get(Camera, camera_id) is None or not sees_camera(scope, camera_id):
        raise ApiError(404, CAMERA_NOT_FOUND, camera_id=camera_id)
    segments = segments_between(db, camera_id, start, end)
    if not segments:
        raise ApiError(404, NO_FOOTAGE)
    cache: ClipCache = request.app.state.clip_cache
    clip_path = cache.path_for(camera_id, [s.id for s in segments])
    bounds_path = clip_path.with_suffix(".json")  # the clip's actual bounds, for the player's clock
    if not clip_path.exists() or not bounds_path.exists():
        _build_clip(cache, user.username, clip_path, [(ctx.paths.recordings / s.path, s) for s in segments])
    cache.touch(clip_path)
    bounds = json.loads(bounds_path.read_text(encoding="utf-8"))
    # One audit entry per viewing, not one per range request the player makes while seeking.
    if request.headers.get("range", "bytes=0-").startswith("bytes=0-"):
        audit(db, user.username, "playback", target=camera_id, client_ip=client_ip(request),
              start=start.isoformat(), end=end.isoformat())
        db.commit()
    # X-Clip-Start/End: wall-clock (epoch s) of the clip's first packet and end, so the player can
    # show the time of the frame on screen (the clip starts at the keyframe before `start`).
    headers = {"X-Clip-Start": f"{bounds['start']:.3f}", "X-Clip-End": f"{bounds['end']:.3f}"}
    return FileResponse(clip_path, media_type="video/mp4", filename=f"{camera_id}_{start:%Y%m%dT%H%M%S}.mp4",
                        content_disposition_type="inline", headers=headers)
