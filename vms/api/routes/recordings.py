"""Recorded segments by camera and time range, and playback of any range as MP4.

Playback cuts the range out of the segments without re-encoding into a cached MP4 with its
index first, served with HTTP range requests so the browser's player can seek.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse

from camera_drivers.clip import ClipError, SourceSegment, write_clip
from vms.access import sees_camera
from vms.api.deps import ContextDep, PlaybackUser, ScopeDep, SessionDep, client_ip
from vms.api.schemas import SegmentOut
from vms.audit import audit
from vms.db.models import Camera
from vms.recordings import segments_between

router = APIRouter(prefix="/api", tags=["recordings"])
MAX_PLAYBACK = timedelta(hours=2)
MAX_LISTED = 5000


def _check_range(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise HTTPException(422, "start and end need a time zone, e.g. 2026-11-23T14:00:00+07:00")
    if end <= start:
        raise HTTPException(422, "end must be after start")


@router.get("/recordings", response_model=list[SegmentOut])
def list_recordings(
    user: PlaybackUser,
    db: SessionDep,
    scope: ScopeDep,
    camera_id: str = Query(max_length=48),
    start: datetime = Query(description="ISO 8601 with time zone"),
    end: datetime = Query(description="ISO 8601 with time zone"),
) -> list[SegmentOut]:
    _check_range(start, end)
    if db.get(Camera, camera_id) is None or not sees_camera(scope, camera_id):
        raise HTTPException(404, "no such camera")
    segments = segments_between(db, camera_id, start, end)[:MAX_LISTED]
    return [SegmentOut.model_validate(s, from_attributes=True) for s in segments]


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
    _check_range(start, end)
    if end - start > MAX_PLAYBACK:
        raise HTTPException(422, "at most 2 hours per playback request")
    if db.get(Camera, camera_id) is None or not sees_camera(scope, camera_id):
        raise HTTPException(404, "no such camera")
    segments = segments_between(db, camera_id, start, end)
    if not segments:
        raise HTTPException(404, "no recorded footage in this range")
    key = f"{camera_id}|{start.timestamp()}|{end.timestamp()}|" + ",".join(str(s.id) for s in segments)
    clip_path = ctx.paths.clip_cache / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".mp4")
    bounds_path = clip_path.with_suffix(".json")  # the clip's actual bounds, for the player's clock
    if not clip_path.exists() or not bounds_path.exists():
        sources = [SourceSegment(ctx.paths.recordings / s.path, s.start.timestamp()) for s in segments]
        try:
            info = write_clip(sources, start.timestamp(), end.timestamp(), clip_path)
        except ClipError as error:
            raise HTTPException(404, str(error)) from None
        bounds_path.write_text(json.dumps({"start": info.start, "end": info.end}), encoding="utf-8")
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
