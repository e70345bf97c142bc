"""A stand-in for a camera worker in live tests: one source looped through the worker's packet
fanout (camera_drivers.fanout) into `LiveRelay`.

Fanout and relay are the worker's own code; only the loop around them is the test's, so a test
can drop the "camera" (the relay says the connection ended) and bring it back.
"""

from __future__ import annotations

import threading
from pathlib import Path

from camera_drivers.stream import StreamSession, StreamSource
from vms.live.protocol import StreamKind
from camera_drivers.fanout import PacketFanout
from vms.live.relay import LiveRelay


class Feed:
    """Streams `source` into `live_dir` as `camera_id`'s `kind` stream until stopped."""

    def __init__(self, live_dir: Path, camera_id: str, source: StreamSource, kind: StreamKind = "main"):
        self.relay = LiveRelay(live_dir, camera_id)
        self.fanout = PacketFanout()
        self.fanout.add(self.relay)
        self.source, self.kind = source, kind
        self.packets = 0
        self.keyframes: list[bytes] = []  # the last few keyframes exactly as the camera sent them
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"feed-{camera_id}", daemon=True)

    def start(self) -> "Feed":
        self._thread.start()
        return self

    def pause(self) -> None:
        """The camera drops: the relay reports the connection ended, no packets until resume()."""
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.relay.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._paused.wait(0.05):
                continue
            with StreamSession(self.source) as session:
                assert session.video_stream is not None
                self.fanout.opened(self.kind, [session.video_stream])
                for timed in session.packets():
                    if timed.keyframe:
                        self.keyframes = [*self.keyframes[-7:], bytes(timed.packet)]
                    self.fanout.packet(self.kind, timed)
                    self.packets += 1
                    if self._stop.is_set() or self._paused.is_set():
                        break
            self.fanout.closed(self.kind)
