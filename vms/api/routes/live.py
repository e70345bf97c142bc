"""Live video over WebSocket: fragmented MP4 for Media Source Extensions, the camera's own H.264.

`WS /api/cameras/{id}/live?stream=sub|main`: a wall tile asks for `sub`, an enlarged view for
`main`. The server picks what the browser can play (an H.264 stream as it is, else the other
stream if that one is H.264, else a transcode) and says which in the first text message:
    {"type": "stream", "kind", "codec", "width", "height", "transcoded"}  then binary messages:
    b"I" + init segment, b"M" + `>d` capture time + one fragment (moof + mdat) per frame;
    {"type": "offline", "reason"} when the camera drops (video resumes with a new "stream").
Close codes: 4401 not logged in (or the session ended), 4403 role may not watch live,
4404 no such camera (or not in the user's camera list: the same answer, as for recordings).

Access and audit are checked like recordings: the `live` capability and the user's camera list;
each viewing is audit-logged when it starts (`live_view`) and when it ends (`live_view_end`,
with from/to). The database is used only for those short checks, in the thread pool; the
connection itself holds no session and no thread.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from datetime import datetime, timezone
from typing import Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from vms.access import camera_scope, can, sees_camera
from vms.api.context import AppContext
from vms.api.deps import request_token
from vms.audit import audit
from vms.auth import user_for_token
from vms.db.models import Camera
from vms.live.hub import Fragment, Init, LiveHub, Offline, Viewer
from vms.live.protocol import STREAM_KINDS, StreamKind, read_info

router = APIRouter(tags=["live"])
RECHECK_S = 60.0  # a logged-out or narrowed user stops seeing the stream within this long
RETRY_S = 1.0
CLOSE_LOGIN, CLOSE_ROLE, CLOSE_CAMERA, CLOSE_ORIGIN = 4401, 4403, 4404, 1008


def choose_stream(hub: LiveHub, camera_id: str, wanted: StreamKind) -> StreamKind | None:
    """The wanted stream if it is H.264, else the other one if that is, else the wanted (transcoded);
    None while the camera's worker serves no stream (not started yet, or stopped)."""
    order = [wanted] + [kind for kind in STREAM_KINDS if kind != wanted]
    infos = {kind: read_info(hub.live_dir, camera_id, kind) for kind in order}
    present = [kind for kind in order if infos[kind] is not None]
    if not present:
        return None
    # A stream whose codec is not known yet (camera still connecting) counts as playable.
    return next((kind for kind in present if infos[kind].get("codec") in (None, "h264")), present[0])


async def _wait_for_worker(websocket: WebSocket, hub: LiveHub, camera_id: str, wanted: StreamKind,
                           receiver: asyncio.Task[None]) -> StreamKind | None:
    """Choose the stream once the worker serves one; say "offline" meanwhile. None if the viewer left."""
    told = False
    while (kind := choose_stream(hub, camera_id, wanted)) is None:
        if not told:
            await websocket.send_text(json.dumps({"type": "offline", "reason": "worker not running"}))
            told = True
        done, _ = await asyncio.wait({receiver}, timeout=RETRY_S)
        if done:
            return None
    return kind


def _same_origin(websocket: WebSocket) -> bool:
    """Browsers send Origin on WebSockets and no CORS applies: refuse pages of other origins
    (a hostile page on another port of this host would otherwise ride the session cookie)."""
    origin = websocket.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == websocket.headers.get("host", "")


def _authorize(ctx: AppContext, token: str | None, camera_id: str) -> tuple[int, str]:
    """(0, username) when the holder of `token` may watch `camera_id`, else (close code, "")."""
    if not token:
        return CLOSE_LOGIN, ""
    with ctx.session_factory() as db:
        user = user_for_token(db, token)
        if user is None:
            return CLOSE_LOGIN, ""
        if not can(user, "live"):
            return CLOSE_ROLE, ""
        if db.get(Camera, camera_id) is None or not sees_camera(camera_scope(db, user), camera_id):
            return CLOSE_CAMERA, ""
        return 0, user.username


def _audit(ctx: AppContext, username: str, action: str, camera_id: str, ip: str, **details: object) -> None:
    with ctx.session_factory() as db:
        audit(db, username, action, target=camera_id, client_ip=ip, **details)
        db.commit()


async def _send(websocket: WebSocket, viewer: Viewer, kind: StreamKind) -> None:
    while True:
        message = await viewer.queue.get()
        if isinstance(message, Fragment):
            await websocket.send_bytes(message.wire)
        elif isinstance(message, Init):
            await websocket.send_text(json.dumps(message.meta(kind)))
            await websocket.send_bytes(message.wire)
        elif isinstance(message, Offline):
            await websocket.send_text(json.dumps({"type": "offline", "reason": message.reason}))


async def _receive(websocket: WebSocket) -> None:
    """The browser sends nothing; this returns when it goes away."""
    try:
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass
    except (WebSocketDisconnect, RuntimeError):
        return


async def _recheck(ctx: AppContext, token: str | None, camera_id: str) -> int:
    while True:
        await asyncio.sleep(RECHECK_S)
        code, _ = await run_in_threadpool(_authorize, ctx, token, camera_id)
        if code:
            return code


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat()


@router.websocket("/api/cameras/{camera_id}/live")
async def live(websocket: WebSocket, camera_id: str, stream: Literal["sub", "main"] = "sub") -> None:
    ctx: AppContext = websocket.app.state.context
    hub: LiveHub = websocket.app.state.live_hub
    if not _same_origin(websocket):
        await websocket.close(code=CLOSE_ORIGIN)  # before accepting: the handshake is refused (403)
        return
    await websocket.accept()
    token = request_token(websocket)  # type: ignore[arg-type]  # a WebSocket has headers and cookies too
    code, username = await run_in_threadpool(_authorize, ctx, token, camera_id)
    if code:
        await websocket.close(code=code)
        return
    receiver = asyncio.create_task(_receive(websocket))
    kind = await _wait_for_worker(websocket, hub, camera_id, stream, receiver)
    if kind is None:
        return
    ip = websocket.client.host if websocket.client else ""
    started = time.time()
    await run_in_threadpool(_audit, ctx, username, "live_view", camera_id, ip, stream=kind, requested=stream,
                            start=_iso(started))
    channel = hub.channel(camera_id, kind)
    viewer = channel.join()
    tasks = [asyncio.create_task(_send(websocket, viewer, kind)), receiver,
             asyncio.create_task(_recheck(ctx, token, camera_id))]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task.exception() is None and task is tasks[2]:
                await websocket.close(code=task.result())
    except (WebSocketDisconnect, RuntimeError, OSError):
        pass  # the browser went away mid-send
    finally:
        for task in tasks:
            task.cancel()
        channel.leave(viewer)
        ended = time.time()
        # Written even if this task is being cancelled (server shutdown): the executor finishes it.
        end_row = asyncio.get_running_loop().run_in_executor(None, functools.partial(
            _audit, ctx, username, "live_view_end", camera_id, ip, stream=kind, start=_iso(started),
            end=_iso(ended), seconds=round(ended - started, 1), skipped_frames=viewer.skipped))
        await asyncio.shield(end_row)
