"""Events pushed to every open page: one watcher for all of them, Server-Sent Events to each.

Camera workers write events into the database from their own processes. One watcher thread per
API process polls for what is new — the newest event id, an indexed primary-key probe, every
`poll_s` (0.25 s) — classifies new events (alarm / notify / log, vms.alarms.policy), renders each
once, and hands it to every subscriber's in-memory queue on the event loop. So a new event
reaches every page within `poll_s` plus one render, whatever the number of pages, and the
database sees the same few queries per second for one page or five hundred. Review steps taken
through the API are re-sent the same way (`changed(event_id)`).

A subscriber (one open page) holds no database session and no thread: an `asyncio.Queue` and the
camera scope of its user, fixed when it connected. Every message has a sequence number (the SSE
`id`); a page that reconnects sends `Last-Event-ID` and gets what it missed from a ring buffer, or
a `resync` when that is gone. A subscriber that falls `QUEUE_SIZE` messages behind is dropped
(its page reconnects and resyncs) rather than holding memory for it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from vms.access import sees_camera
from vms.alarms.policy import AlarmsConfig
from vms.alarms.reviews import classify_unseen, open_counts
from vms.db.models import Event

log = logging.getLogger(__name__)
POLL_S = 0.25
BATCH = 200
QUEUE_SIZE = 500
REPLAY = 2000

Render = Callable[[Session, list[Event]], list[dict[str, Any]]]


@dataclass(eq=False)  # identity, not value: a set of open pages
class Subscriber:
    """One open page: its user's camera scope (None = all cameras) and its queue of messages."""

    scope: frozenset[str] | None
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    dropped: bool = False


@dataclass(frozen=True)
class Message:
    seq: int
    event: dict[str, Any]  # the rendered event (EventOut as JSON)
    counts: dict[str | None, dict[str, int]]  # unhandled alarms per camera, after this event


def scoped_counts(counts: dict[str | None, dict[str, int]], scope: frozenset[str] | None) -> dict[str, Any]:
    """Totals and per-camera counts of unhandled alarms a user with `scope` may see."""
    visible = {camera: per for camera, per in counts.items() if sees_camera(scope, camera)}
    total = {key: sum(per[key] for per in visible.values()) for key in ("new", "acknowledged", "alarm_new")}
    return {**total, "by_camera": {camera: per for camera, per in visible.items() if camera is not None}}


class EventWatcher:
    """The single poller of an API process (see the module docstring)."""

    def __init__(self, factory: sessionmaker[Session], alarms: AlarmsConfig, tz: ZoneInfo, render: Render,
                 poll_s: float = POLL_S) -> None:
        self.factory, self.alarms, self.tz, self.render, self.poll_s = factory, alarms, tz, render, poll_s
        self.subscribers: set[Subscriber] = set()
        self.replay: deque[Message] = deque(maxlen=REPLAY)
        self.counts: dict[str | None, dict[str, int]] = {}
        self.seq = 0
        self.last_id = 0
        self.polls = 0
        self._dirty: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle (called on the event loop by the app's lifespan) --
    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        with self.factory.begin() as session:
            classify_unseen(session, self.alarms, self.tz)
            self.last_id = session.scalar(select(func.max(Event.id))) or 0
            self.counts = open_counts(session)
        self._thread = threading.Thread(target=self._run, name="event-watcher", daemon=True)
        self._thread.start()

    def stop_polling(self) -> None:
        """End the poller thread (any thread; blocks until it has finished its poll)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def close_subscribers(self) -> None:
        """End every open stream (event loop only): their pages reconnect to the next server."""
        for subscriber in list(self.subscribers):
            self._drop(subscriber)

    # -- subscribers (event loop only) --
    def subscribe(self, scope: frozenset[str] | None, last_seq: int | None = None) -> tuple[Subscriber, bool]:
        """A new subscriber, with what it missed since `last_seq` queued; True if that is complete."""
        subscriber = Subscriber(scope)
        complete = last_seq is None or not self.replay or self.replay[0].seq <= last_seq + 1
        if last_seq is not None and complete:
            for message in self.replay:
                if message.seq > last_seq:
                    self._offer(subscriber, message)
        self.subscribers.add(subscriber)
        return subscriber, complete

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def _drop(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)
        subscriber.dropped = True
        while not subscriber.queue.empty():
            subscriber.queue.get_nowait()
        subscriber.queue.put_nowait(None)  # wakes the stream, which then closes

    def _offer(self, subscriber: Subscriber, message: Message) -> None:
        camera_id = message.event.get("camera_id")
        if not sees_camera(subscriber.scope, camera_id):
            return
        try:
            subscriber.queue.put_nowait(message)
        except asyncio.QueueFull:
            log.warning("a page fell %d messages behind; dropped (it reconnects)", QUEUE_SIZE)
            self._drop(subscriber)

    def _deliver(self, messages: list[Message]) -> None:
        for message in messages:
            self.replay.append(message)
            for subscriber in list(self.subscribers):
                self._offer(subscriber, message)

    # -- the poller (its own thread) --
    def changed(self, event_id: int) -> None:
        """An event's review changed (any thread): push it again with the next poll."""
        with self._lock:
            self._dirty.add(event_id)

    def _run(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.poll_once()
            except Exception:  # a database hiccup must not end pushes for good; the next poll retries
                log.exception("event watcher poll failed")

    def poll_once(self) -> int:
        """One look for new and changed events; returns how many messages were sent."""
        self.polls += 1
        with self._lock:
            dirty, self._dirty = self._dirty, set()
        with self.factory.begin() as session:
            newest = session.scalar(select(func.max(Event.id))) or 0
            if newest <= self.last_id and not dirty:
                return 0
            classify_unseen(session, self.alarms, self.tz)
            rows = list(session.scalars(select(Event).where(Event.id > self.last_id).order_by(Event.id).limit(BATCH)))
            if rows:
                self.last_id = rows[-1].id
            known = {row.id for row in rows}
            rows += list(session.scalars(select(Event).where(Event.id.in_(sorted(dirty - known)))))
            rendered = self.render(session, rows)
            self.counts = open_counts(session)
        messages = []
        for event in rendered:
            self.seq += 1
            messages.append(Message(self.seq, event, self.counts))
        if messages and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._deliver, messages)
        return len(messages)
