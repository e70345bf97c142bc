"""`RemoteDetector`: the camera-side client of the node's detector service.

It implements the `ObjectDetector` seam, so the per-camera pipeline does not know whether the
model runs in-process or in the service: `DetectionPipeline(config, detector=RemoteDetector(...))`.
A frame goes into this camera's shared-memory ring; only its slot number and the regions travel
over the socket. The camera process never imports a model runtime (OpenVINO, LiteRT, onnxruntime).

Failure is cheap and never blocks for long: if the service is down (crashed, restarting), every
call returns no detections at once and a reconnect is tried at most every `retry_s`; an answer
that does not come within `timeout_s`, or that the service dropped under overload, also gives no
detections. Motion, tracking and rules go on; recording never depends on any of this.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from multiprocessing.connection import Client, Connection

import numpy as np
from pydantic import BaseModel

from detectors.objects.base import ObjectDetector
from detectors.types import Detections
from vms.runtime.frame_ring import RingWriter

log = logging.getLogger(__name__)


class RemoteDetector(ObjectDetector):
    """Sends frames to the detector service and waits (bounded) for the answer."""

    def __init__(self, address: str, authkey: bytes, camera_id: str, model: BaseModel,
                 timeout_s: float = 2.0, retry_s: float = 1.0) -> None:
        self.name = f"{getattr(model, 'type', 'detector')}@service"
        self.address, self._authkey, self.camera_id = address, authkey, camera_id
        self.model_json = model.model_dump_json()
        self.timeout_s, self.retry_s = timeout_s, retry_s
        self.priority = False  # set by the analysis: live tracks or an open alarm on this camera
        self.ring = RingWriter(camera_id)
        self._conn: Connection | None = None
        self._next_try = 0.0
        self._id = 0
        self.counts = {"requests": 0, "answered": 0, "dropped": 0, "timeouts": 0, "unavailable": 0,
                       "errors": 0, "connects": 0}
        self.last_error: str | None = None

    # -- ObjectDetector --------------------------------------------------------------------------
    def detect(self, images: Sequence[np.ndarray]) -> list[Detections]:
        return [self._ask(image, None) for image in images]

    def detect_regions(self, frame_bgr: np.ndarray, regions: np.ndarray) -> Detections:
        if len(regions) == 0:
            return Detections.empty()
        return self._ask(frame_bgr, np.asarray(regions, np.int32).tolist())

    # -- plumbing ------------------------------------------------------------------------------------
    def _connect(self) -> Connection | None:
        if self._conn is not None:
            return self._conn
        now = time.monotonic()
        if now < self._next_try:
            return None
        self._next_try = now + self.retry_s
        try:
            conn = Client(self.address, family="AF_UNIX", authkey=self._authkey)
            conn.send({"op": "hello", "camera_id": self.camera_id})
        except (OSError, EOFError) as error:
            self.last_error = f"detector service unreachable: {error}"
            return None
        except Exception as error:  # noqa: BLE001 - AuthenticationError and the like
            self.last_error = f"detector service refused the connection: {error}"
            return None
        self._conn = conn
        self.counts["connects"] += 1
        return conn

    def _ask(self, image: np.ndarray, regions: list | None) -> Detections:
        self.counts["requests"] += 1
        conn = self._connect()
        if conn is None:
            self.counts["unavailable"] += 1
            return Detections.empty()
        self._id += 1
        ring, slot, seq = self.ring.write(image)
        try:
            conn.send({"op": "detect", "id": self._id, "ring": ring, "slot": slot, "seq": seq,
                       "regions": regions, "model": self.model_json, "priority": bool(self.priority)})
            return self._wait(conn, self._id)
        except (OSError, EOFError) as error:
            self._disconnect(f"detector service connection lost: {error}")
            self.counts["unavailable"] += 1
            return Detections.empty()

    def _wait(self, conn: Connection, request_id: int) -> Detections:
        deadline = time.monotonic() + self.timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not conn.poll(remaining):
                self.counts["timeouts"] += 1
                return Detections.empty()
            answer = conn.recv()
            if answer.get("id") != request_id:
                continue  # a late answer to a request we stopped waiting for
            if "dropped" in answer:
                self.counts["dropped"] += 1
                return Detections.empty()
            if "error" in answer:
                self.counts["errors"] += 1
                if answer["error"] != self.last_error:
                    log.error("%s: detector service: %s", self.camera_id, answer["error"])
                self.last_error = answer["error"]
                return Detections.empty()
            self.counts["answered"] += 1
            return Detections(answer["xyxy"], answer["confidence"], answer["class_id"])

    def _disconnect(self, reason: str) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
        self._conn = None
        self.last_error = reason

    def close(self) -> None:
        self._disconnect("closed")
        self.ring.close()


def service_stats(address: str, authkey: bytes, timeout_s: float = 2.0) -> dict | None:
    """The service's figures (for metrics and the health page), or None when it does not answer."""
    try:
        conn = Client(address, family="AF_UNIX", authkey=authkey)
    except Exception:  # noqa: BLE001 - down or restarting
        return None
    try:
        conn.send({"op": "stats", "id": 0})
        if not conn.poll(timeout_s):
            return None
        return conn.recv().get("stats")
    except (OSError, EOFError):
        return None
    finally:
        conn.close()
