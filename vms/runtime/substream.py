"""The analysed sub stream: a second connection to the camera, on its own thread, for analysis only.

When a camera has a sub stream (a smaller second encoding, e.g. 640x360 beside a 1080p main), the
worker records the main stream without decoding it at all and analyses the sub stream here. The
two connections are independent: recording never waits for this thread, and a sub stream that
fails or stalls costs only analysis (reported in health as `analysis_online`/`analysis_error`),
never footage; it is retried with its own capped backoff.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from camera_drivers.fanout import PacketFanout
from camera_drivers.stream import StreamError, StreamSession, StreamSource, TimedPacket
from vms.runtime.health import HealthReporter

if TYPE_CHECKING:
    from vms.runtime.worker import Backoff

log = logging.getLogger(__name__)
# Called once per connection with the open session; returns the per-packet analysis feed.
FeedFactory = Callable[[StreamSession], Callable[[TimedPacket], None]]


class SubStreamReader:
    """Reads one camera's sub stream on a thread until `stop` is set."""

    def __init__(self, camera_id: str, source: StreamSource, *, feed: FeedFactory, on_closed: Callable[[], None],
                 health: HealthReporter, packets: PacketFanout, backoff: Backoff, stop: threading.Event,
                 open_timeout_s: float, read_timeout_s: float):
        self.camera_id = camera_id
        self.source = source
        self.feed = feed
        self.on_closed = on_closed
        self.health = health
        self.packets = packets
        self.backoff = backoff
        self.stop = stop
        self.open_timeout_s, self.read_timeout_s = open_timeout_s, read_timeout_s
        self.connections = 0
        self.thread = threading.Thread(target=self._run, name=f"sub-{camera_id}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def join(self, timeout_s: float = 10.0) -> None:
        self.thread.join(timeout_s)

    def _run(self) -> None:
        while not self.stop.is_set():
            reason = self._connection()
            if self.stop.is_set():
                break
            self.health.analysis.disconnected(reason)
            self.health.flush(force=True)
            delay = self.backoff.next_delay()
            log.info("%s: sub stream: %s; analysis waits, recording goes on; retrying in %.1f s",
                     self.camera_id, reason, delay)
            self.stop.wait(delay)

    def _connection(self) -> str:
        """Read until the sub stream ends; return why (never containing credentials)."""
        try:
            with StreamSession(self.source, self.open_timeout_s, self.read_timeout_s) as session:
                assert session.video_stream is not None
                self.packets.opened("sub", [session.video_stream])
                feed = self.feed(session)
                connected = False
                for timed in session.packets():
                    if not connected:
                        codec = session.video_stream.codec_context
                        self.health.analysis.connected("sub", codec.width, codec.height)
                        self.health.flush(force=True)
                        self.backoff.reset()
                        self.connections += 1
                        connected = True
                    self.packets.packet("sub", timed)
                    feed(timed)
                    self.health.analysis.frame(timed.ts)
                    self.health.flush()
                    if self.stop.is_set():
                        return "stopping"
                return "sub stream ended" if connected else "sub stream ended before any video"
        except StreamError as error:
            return str(error)
        finally:
            self.packets.closed("sub")
            self.on_closed()
