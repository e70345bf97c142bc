"""Per-camera health as the worker sees it: online/offline transitions, fps, bitrate, reconnects.

Rates are measured over a sliding window of packets on their PTS time (so delivery jitter and
catch-up bursts after a busy moment do not distort them) and flushed to the database every few
seconds (not per packet). An offline period is one `camera_offline` event whose end is set when
the camera comes back, so the gap in footage is explained on the timeline.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vms.db.models import CameraStatus, Event
from vms.recordings import to_utc

FLUSH_INTERVAL_S = 2.0
RATE_WINDOW_S = 5.0


class AnalysisHealth:
    """The analysed stream's connection as its reader sees it (the sub stream has its own thread).

    A sub stream that fails costs analysis only: it is reported here, never as the camera offline.
    """

    def __init__(self) -> None:
        self.stream = ""  # "sub", "main" or "" (no analysis)
        self.online = False
        self.width = self.height = 0
        self.error = ""
        self._times: deque[float] = deque()

    def connected(self, stream: str, width: int, height: int) -> None:
        self.stream, self.online, self.width, self.height, self.error = stream, True, width, height, ""

    def frame(self, ts: float) -> None:
        self._times.append(ts)
        while self._times and ts - self._times[0] > RATE_WINDOW_S:
            self._times.popleft()

    def disconnected(self, reason: str) -> None:
        self.online, self.error = False, reason
        self._times.clear()

    def fps(self) -> float:
        times = list(self._times)
        if len(times) < 2 or times[-1] <= times[0]:
            return 0.0
        return (len(times) - 1) / (times[-1] - times[0])


class HealthReporter:
    """Tracks one camera's health and writes it to `camera_status` and `events`."""

    def __init__(self, factory: sessionmaker[Session], camera_id: str):
        self.factory = factory
        self.camera_id = camera_id
        self.online = False
        self.reconnects = 0
        self.last_frame_ts: float | None = None
        self.last_error = ""
        self.width = self.height = 0
        self.codec = ""
        self.audio_codec = ""
        self.analysis = AnalysisHealth()
        self._window: deque[tuple[float, int]] = deque()
        self._last_flush = 0.0
        self._flush_lock = threading.Lock()  # the sub stream's thread flushes too

    def connected(self, first_ts: float, width: int, height: int, codec: str, audio_codec: str = "") -> None:
        """First packet of a connection arrived: close any open offline event at that time."""
        self.width, self.height, self.codec, self.audio_codec = width, height, codec, audio_codec
        self.online = True
        self.last_error = ""
        with self.factory.begin() as session:
            event = self._open_offline_event(session)
            if event is not None:
                event.end = to_utc(first_ts)
                event.details = {**event.details, "reconnects": self.reconnects}
        self.flush(force=True)

    def packet(self, ts: float, size: int) -> None:
        """One packet with its PTS-derived capture time `ts` (epoch seconds)."""
        self.last_frame_ts = ts
        self._window.append((ts, size))
        while self._window and ts - self._window[0][0] > RATE_WINDOW_S:
            self._window.popleft()
        if time.monotonic() - self._last_flush >= FLUSH_INTERVAL_S:
            self.flush()

    def disconnected(self, reason: str, *, counts_as_reconnect: bool = True) -> None:
        """The connection ended or failed: open an offline event unless one is already open."""
        was_online = self.online
        self.online = False
        self.last_error = reason
        self._window.clear()
        if counts_as_reconnect:
            self.reconnects += 1
        start = self.last_frame_ts if (was_online and self.last_frame_ts) else time.time()
        with self.factory.begin() as session:
            if self._open_offline_event(session) is None:
                session.add(
                    Event(
                        camera_id=self.camera_id,
                        type="camera_offline",
                        start=to_utc(start),
                        end=None,
                        severity="warning",
                        details={"reason": reason},
                    )
                )
        self.flush(force=True)

    def stopped(self) -> None:
        """The service is stopping: not the camera's fault, so no offline event.

        A camera that was already failing keeps its last error: that is what the installer needs.
        """
        if self.online:
            self.last_error = "service stopped"
        self.online = False
        self.flush(force=True)

    def rates(self) -> tuple[float, float]:
        """(frames per second, kbit/s) over the recent window of capture times."""
        if len(self._window) < 2:
            return 0.0, 0.0
        span = self._window[-1][0] - self._window[0][0]
        if span <= 0:
            return 0.0, 0.0
        fps = (len(self._window) - 1) / span
        kbps = sum(size for _, size in list(self._window)[1:]) * 8 / span / 1000
        return fps, kbps

    def flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_flush < FLUSH_INTERVAL_S:
            return
        with self._flush_lock:
            self._last_flush = now
            self._write()

    def _write(self) -> None:
        fps, kbps = self.rates()
        analysis = self.analysis
        with self.factory.begin() as session:
            status = session.get(CameraStatus, self.camera_id)
            if status is None:
                status = CameraStatus(camera_id=self.camera_id)
                session.add(status)
            status.online = self.online
            status.fps = round(fps, 2)
            status.bitrate_kbps = round(kbps, 1)
            status.width, status.height, status.codec = self.width, self.height, self.codec
            status.last_frame_at = to_utc(self.last_frame_ts) if self.last_frame_ts else None
            status.reconnects = self.reconnects
            status.last_error = self.last_error[:500]
            status.audio_codec = self.audio_codec
            status.analysis_stream = analysis.stream
            status.analysis_online = analysis.online
            status.analysis_width, status.analysis_height = analysis.width, analysis.height
            status.analysis_fps = round(analysis.fps(), 2)
            status.analysis_error = analysis.error[:500]
            status.updated_at = datetime.now(timezone.utc)

    def _open_offline_event(self, session: Session) -> Event | None:
        query = (
            select(Event)
            .where(Event.camera_id == self.camera_id, Event.type == "camera_offline", Event.end.is_(None))
            .order_by(Event.start.desc())
            .limit(1)
        )
        return session.scalars(query).first()
