"""Which camera's request the node's detector serves next (pure logic, no I/O, no clock of its own).

Policy, in order:
1. Cameras whose request says `priority` (live tracks or an open alarm) go before the others;
   a request that has waited `promote_after_s` (half of `max_wait_s` unless set) counts as
   priority too, so under overload the scheduler turns into plain round robin instead of
   starving cameras without tracks (a quiet camera's few requests are new motion: maybe an
   intruder) until their requests go stale.
2. Within a class, cameras still inside their budget (`budget_runs_per_s` model runs over the last
   second) go before cameras over it; the scheduler stays work-conserving, so an over-budget
   camera is still served when nobody else waits.
3. Round robin: the camera served longest ago goes first.
Overload: a request older than `max_wait_s` is dropped (its camera has moved on), and while more
than `max_pending` requests wait, the oldest request of the busiest camera (most waiting, then
most runs in the last second) is dropped. Every drop is counted per camera and handed back to
the caller, who tells the camera at once so that it never waits for an answer that won't come.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Request:
    """One detection request waiting in the service."""

    camera_id: str
    request_id: int
    received: float  # service monotonic clock
    priority: bool = False
    payload: Any = None  # whatever the service needs to answer (message, connection)


@dataclass(frozen=True)
class SchedulerConfig:
    max_pending: int = 16
    max_wait_s: float = 1.0
    budget_runs_per_s: float = 10.0
    window_s: float = 1.0
    promote_after_s: float | None = None  # None: max_wait_s / 2

    @property
    def promote_s(self) -> float:
        return self.max_wait_s / 2 if self.promote_after_s is None else self.promote_after_s


@dataclass
class CameraCounters:
    runs: int = 0
    dropped: int = 0
    recent: deque[float] = field(default_factory=deque)  # run times within the window


class Scheduler:
    """Per-camera queues with priority, budget, round robin and drop-oldest-of-busiest."""

    def __init__(self, config: SchedulerConfig | None = None) -> None:
        self.config = config or SchedulerConfig()
        self.queues: dict[str, deque[Request]] = defaultdict(deque)
        self.counters: dict[str, CameraCounters] = defaultdict(CameraCounters)
        self._last_served: dict[str, float] = {}
        self._serial = 0.0  # tie-break for cameras never served: arrival order

    def pending(self) -> int:
        return sum(len(q) for q in self.queues.values())

    def add(self, request: Request) -> list[Request]:
        """Queue a request; returns the requests dropped to make room (to be answered 'dropped')."""
        self.queues[request.camera_id].append(request)
        self.counters[request.camera_id]  # a camera seen once is reported from then on
        if request.camera_id not in self._last_served:
            self._serial += 1e-9
            self._last_served[request.camera_id] = -1e18 + self._serial
        dropped = []
        while self.pending() > self.config.max_pending:
            dropped.append(self._drop(self._busiest(request.received)))
        return dropped

    def next(self, now: float) -> tuple[Request | None, list[Request]]:
        """The request to serve now (or None) and the stale requests dropped on the way."""
        stale = []
        for queue in self.queues.values():
            while queue and now - queue[0].received > self.config.max_wait_s:
                stale.append(self._drop_from(queue))
        waiting = [cid for cid, q in self.queues.items() if q]
        if not waiting:
            return None, stale
        cfg = self.config

        def rank(cid: str) -> tuple[bool, bool, float]:
            head = self.queues[cid][0]
            urgent = head.priority or now - head.received >= cfg.promote_s
            over = self._recent_runs(cid, now) >= cfg.budget_runs_per_s * cfg.window_s
            return (not urgent, over, self._last_served[cid])

        camera = min(waiting, key=rank)
        request = self.queues[camera].popleft()
        self._last_served[camera] = now
        counters = self.counters[camera]
        counters.runs += 1
        counters.recent.append(now)
        return request, stale

    def forget(self, camera_id: str) -> list[Request]:
        """A camera disconnected: drop its queue (not counted: nobody waits for the answers)."""
        queue = self.queues.pop(camera_id, deque())
        return list(queue)

    def _recent_runs(self, camera_id: str, now: float) -> int:
        recent = self.counters[camera_id].recent
        while recent and now - recent[0] > self.config.window_s:
            recent.popleft()
        return len(recent)

    def _busiest(self, now: float) -> str:
        waiting = [cid for cid, q in self.queues.items() if q]
        return max(waiting, key=lambda cid: (len(self.queues[cid]), self._recent_runs(cid, now),
                                             -self.queues[cid][0].received))

    def _drop(self, camera_id: str) -> Request:
        return self._drop_from(self.queues[camera_id])

    def _drop_from(self, queue: deque[Request]) -> Request:
        request = queue.popleft()
        self.counters[request.camera_id].dropped += 1
        return request
