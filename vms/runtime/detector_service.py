"""The node's one detector service: a process that owns the model(s) and serves every camera.

Cameras (their `RemoteDetector`) connect over a local Unix socket (Linux abstract namespace,
authenticated with a per-site key: `multiprocessing.connection`), put frames into their own
shared-memory ring (`frame_ring`), and send small control messages only:

    {"op": "hello", "camera_id"}                       once per connection
    {"op": "detect", "id", "ring", "slot", "seq", "regions" | None, "model", "priority"}
    {"op": "stats"}                                    -> the service's figures (metrics)

Answers: {"id", "xyxy", "confidence", "class_id", "ms"} or {"id", "dropped": reason} or
{"id", "error"}. Requests are served one at a time (batching buys nothing on a CPU: RESULTS.md)
in the order the `Scheduler` picks: live-track cameras first, a per-camera budget, round robin,
drop-oldest-of-the-busiest under overload. Models are built on first use from the JSON detector
config the camera sends, so cameras with different detectors share one process, each model once.

If the service dies, the supervisor restarts it; cameras keep recording and their analysis gets
empty detections until they reconnect (see `RemoteDetector`).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, Listener

import numpy as np

from vms.runtime.detector_scheduler import Request, Scheduler, SchedulerConfig
from vms.runtime.frame_ring import RingReader

log = logging.getLogger(__name__)
LATENCY_SAMPLES = 512


@dataclass(frozen=True)
class DetectorServiceSpec:
    """Picklable settings of the service process (and what clients need to reach it)."""

    address: str  # "\0vms-detector-..." (abstract Unix socket: no file, no path length limit)
    authkey: bytes = field(repr=False)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)


@dataclass
class _Client:
    conn: Connection
    camera_id: str = "?"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message: dict) -> None:
        try:
            with self.lock:
                self.conn.send(message)
        except (OSError, EOFError, ValueError):
            pass  # the camera went away; its reader thread cleans up


class DetectorService:
    """Accepts cameras, queues their requests, runs the model(s) on one thread."""

    def __init__(self, spec: DetectorServiceSpec) -> None:
        self.spec = spec
        self.scheduler = Scheduler(spec.scheduler)
        self.cond = threading.Condition()
        self.rings = RingReader()
        self.models: dict[str, object] = {}
        self.model_errors: dict[str, str] = {}
        self.latency_ms: deque[float] = deque(maxlen=LATENCY_SAMPLES)
        self.started = time.time()
        self.runs = 0
        self._stop = threading.Event()
        self._listener = Listener(spec.address, family="AF_UNIX", authkey=spec.authkey)

    # -- connections ------------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn = self._listener.accept()
            except OSError:
                if self._stop.is_set():
                    return
                continue  # e.g. a client with a wrong key: refused, keep serving the others
            except Exception as error:  # noqa: BLE001 - an authentication failure must not end the service
                log.warning("detector service: refused a connection (%s)", error)
                continue
            client = _Client(conn)
            threading.Thread(target=self._read_loop, args=(client,), daemon=True, name="detector-client").start()

    def _read_loop(self, client: _Client) -> None:
        try:
            while True:
                message = client.conn.recv()
                if not isinstance(message, dict):
                    continue
                op = message.get("op")
                if op == "hello":
                    client.camera_id = str(message.get("camera_id", "?"))
                elif op == "detect":
                    self._enqueue(client, message)
                elif op == "stats":
                    client.send({"id": message.get("id"), "stats": self.stats()})
        except (EOFError, OSError):
            pass
        finally:
            with self.cond:
                self.scheduler.forget(client.camera_id)
            client.conn.close()

    def _enqueue(self, client: _Client, message: dict) -> None:
        request = Request(client.camera_id, int(message.get("id", 0)), time.monotonic(),
                          bool(message.get("priority")), (client, message))
        with self.cond:
            dropped = self.scheduler.add(request)
            self.cond.notify()
        for old in dropped:
            old.payload[0].send({"id": old.request_id, "dropped": "overload"})

    # -- inference --------------------------------------------------------------------------------
    def serve(self) -> None:
        """Run until `stop()`: accept cameras and answer their requests."""
        threading.Thread(target=self._accept_loop, daemon=True, name="detector-accept").start()
        while not self._stop.is_set():
            with self.cond:
                request, stale = self.scheduler.next(time.monotonic())
                if request is None and not stale:
                    self.cond.wait(0.5)
                    continue
            for old in stale:
                old.payload[0].send({"id": old.request_id, "dropped": "stale"})
            if request is not None:
                self._answer(request)

    def _answer(self, request: Request) -> None:
        client, message = request.payload
        image = self.rings.read(str(message.get("ring")), int(message.get("slot", -1)), int(message.get("seq", -1)))
        if image is None:
            client.send({"id": request.request_id, "dropped": "frame overwritten"})
            return
        try:
            detector = self._model(str(message.get("model")))
        except Exception as error:  # noqa: BLE001 - a bad model config is answered, not fatal
            client.send({"id": request.request_id, "error": str(error)})
            return
        started = time.perf_counter()
        regions = message.get("regions")
        if regions is None:
            (dets,) = detector.detect([image])  # type: ignore[attr-defined]
        else:
            dets = detector.detect_regions(image, np.asarray(regions, np.int32))  # type: ignore[attr-defined]
        ms = (time.perf_counter() - started) * 1000
        self.latency_ms.append(ms)
        self.runs += 1
        client.send({"id": request.request_id, "xyxy": dets.xyxy, "confidence": dets.confidence,
                     "class_id": dets.class_id, "ms": ms})

    def _model(self, config_json: str) -> object:
        if config_json in self.model_errors:
            raise RuntimeError(self.model_errors[config_json])
        if config_json not in self.models:
            from pydantic import TypeAdapter

            from detectors.objects import DetectorConfig, build_detector

            try:
                config = TypeAdapter(DetectorConfig).validate_json(config_json)
                if config.type == "simulated":
                    raise ValueError("the simulated detector runs inside the camera process")
                self.models[config_json] = build_detector(config)
                log.info("detector service: loaded %s", config_json)
            except Exception as error:
                self.model_errors[config_json] = f"{type(error).__name__}: {error}"
                log.error("detector service: cannot load %s: %s", config_json, error)
                raise
        return self.models[config_json]

    def stats(self) -> dict:
        """Per camera: runs, dropped, waiting; the service: runs, inference ms p50/p95, models."""
        with self.cond:
            cameras = {cid: {"runs": c.runs, "dropped": c.dropped, "queue": len(self.scheduler.queues.get(cid, ()))}
                       for cid, c in self.scheduler.counters.items()}
            pending = self.scheduler.pending()
        lat = np.asarray(self.latency_ms) if self.latency_ms else np.zeros(1)
        return {"cameras": cameras, "pending": pending, "runs": self.runs, "models": len(self.models),
                "inference_ms_p50": round(float(np.percentile(lat, 50)), 2),
                "inference_ms_p95": round(float(np.percentile(lat, 95)), 2),
                "uptime_s": round(time.time() - self.started, 1)}

    def stop(self) -> None:
        self._stop.set()
        with self.cond:
            self.cond.notify_all()
        self._listener.close()
        self.rings.close()


PARENT_CHECK_S = 1.0


def _stop_when_orphaned(service: DetectorService, parent_pid: int) -> None:
    """Stop the service once its parent is gone (a SIGKILLed `vms serve` must not leave a model
    process holding memory and a socket; camera workers do the same check)."""
    while not service._stop.wait(PARENT_CHECK_S):
        if os.getppid() != parent_pid:
            logging.getLogger(__name__).warning("parent process %d is gone: stopping", parent_pid)
            service.stop()


def detector_service_main(spec: DetectorServiceSpec) -> None:
    """Entry point of the service process (spawned by the supervisor)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s detector-service %(levelname)s %(message)s")
    service = DetectorService(spec)
    signal.signal(signal.SIGTERM, lambda *_: service.stop())
    signal.signal(signal.SIGINT, lambda *_: service.stop())
    threading.Thread(target=_stop_when_orphaned, args=(service, os.getppid()), daemon=True,
                     name="detector-parent-watch").start()
    try:
        service.serve()
    finally:
        service.stop()
