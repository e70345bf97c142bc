"""Worker side of the live relay: serve one camera stream's packets on a Unix socket.

The recording loop calls `publish` for every packet; that must never wait for a viewer. So
sends are non-blocking: what a client cannot take at once is queued for it and written by the
publisher's own thread as the socket drains, and a client whose queue passes `max_pending_bytes`
(a stuck API process) is dropped (it reconnects and starts again from the GOP buffer).
The GOP buffer holds the stream header and the packets since the last keyframe, so a client
that connects gets a decodable start at once.
"""

from __future__ import annotations

import json
import logging
import os
import select
import socket
import threading
from pathlib import Path

from vms.live.protocol import (
    StreamInfo, encode_down, encode_packet, encode_stream, info_path, socket_address, socket_path, StreamKind,
)

log = logging.getLogger(__name__)
MAX_GOP_BYTES = 32 * 1024 * 1024  # a GOP longer than this (no keyframes?) is not buffered
MAX_PENDING_BYTES = 16 * 1024 * 1024


class _Client:
    __slots__ = ("sock", "pending")

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.pending = bytearray()


class LivePublisher:
    """One stream (`main` or `sub`) of one camera, served to any number of local clients."""

    def __init__(self, live_dir: Path, camera_id: str, kind: StreamKind,
                 max_pending_bytes: int = MAX_PENDING_BYTES):
        self.live_dir, self.camera_id, self.kind = live_dir, camera_id, kind
        self.path = socket_path(live_dir, camera_id, kind)
        self.max_pending_bytes = max_pending_bytes
        self._lock = threading.Lock()
        self._clients: list[_Client] = []
        self._header: bytes | None = None  # current stream header, None while the camera is down
        self._gop: list[bytes] = []
        self._gop_bytes = 0
        self._down: bytes = encode_down("connecting")
        self._listener: socket.socket | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self.dropped_clients = 0
        self._stream_fields: dict[str, object] = {}

    # -- life cycle ------------------------------------------------------------------------------
    def open(self) -> "LivePublisher":
        self.live_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.live_dir, 0o700)  # only this site's processes may watch
        address = socket_address(self.path)
        try:
            os.unlink(address)  # left by a worker that was killed
        except FileNotFoundError:
            pass
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(address)
        listener.listen(16)
        listener.setblocking(False)
        self._listener = listener
        self._write_info({"online": False})
        self._thread = threading.Thread(target=self._serve, name=f"live-{self.camera_id}-{self.kind}", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._closed.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            for client in self._clients:
                client.sock.close()
            self._clients.clear()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        for path in (self.path, info_path(self.live_dir, self.camera_id, self.kind)):
            try:
                os.unlink(socket_address(path) if path == self.path else path)
            except FileNotFoundError:
                pass
        self._wake_r.close()
        self._wake_w.close()

    def __enter__(self) -> "LivePublisher":
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- called by the recording loop ------------------------------------------------------------
    def start_stream(self, info: StreamInfo) -> None:
        """A new camera connection: new codec parameters; clients reset their decoders."""
        header = encode_stream(info)
        with self._lock:
            self._header, self._gop, self._gop_bytes = header, [], 0
            self._broadcast(header)
        self._stream_fields = {"codec": info.codec, "width": info.width, "height": info.height, "fps": info.fps}
        self._write_info({"online": True, **self._stream_fields})

    def publish(self, pts: int, dts: int, duration: int, keyframe: bool, wall_ts: float, data: bytes) -> None:
        message = encode_packet(pts, dts, duration, keyframe, wall_ts, data)
        with self._lock:
            if self._header is None:
                return
            if keyframe:
                self._gop, self._gop_bytes = [], 0
            if self._gop_bytes + len(message) <= MAX_GOP_BYTES and (keyframe or self._gop):
                self._gop.append(message)
                self._gop_bytes += len(message)
            else:
                self._gop, self._gop_bytes = [], 0
            if self._clients:
                self._broadcast(message)

    def stream_ended(self, reason: str) -> None:
        """The camera connection dropped (the worker will reconnect)."""
        down = encode_down(reason)
        with self._lock:
            self._header, self._gop, self._gop_bytes, self._down = None, [], 0, down
            self._broadcast(down)
        self._write_info({"online": False, "reason": reason, **self._stream_fields})  # the codec stays known

    # -- internals -------------------------------------------------------------------------------
    def _write_info(self, fields: dict) -> None:
        path = info_path(self.live_dir, self.camera_id, self.kind)
        temp = path.with_name(path.name + ".tmp")
        try:
            temp.write_text(json.dumps({"camera_id": self.camera_id, "kind": self.kind, **fields}), encoding="utf-8")
            os.replace(temp, path)
        except OSError as error:  # a full disk must not stop recording
            log.warning("%s: cannot write %s (%s)", self.camera_id, path.name, error)

    def _broadcast(self, message: bytes) -> None:
        """Lock held. Send to every client without blocking; queue the rest for the thread."""
        queued = False
        for client in list(self._clients):
            if not client.pending:
                try:
                    sent = client.sock.send(message)
                except BlockingIOError:
                    sent = 0
                except OSError:
                    self._drop(client, "gone")
                    continue
                if sent == len(message):
                    continue
                client.pending += message[sent:]
            else:
                client.pending += message
            queued = True
            if len(client.pending) > self.max_pending_bytes:
                self._drop(client, "too slow")
        if queued:
            self._wake()

    def _drop(self, client: _Client, why: str) -> None:
        self.dropped_clients += 1
        log.info("%s/%s: live client dropped (%s)", self.camera_id, self.kind, why)
        self._clients.remove(client)
        client.sock.close()

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except (BlockingIOError, OSError):
            pass  # already awake (buffer full) or closing

    def _serve(self) -> None:
        """Accept clients, write queued output, notice clients that hang up."""
        self._wake_r.setblocking(False)
        while not self._closed.is_set():
            with self._lock:
                clients = list(self._clients)
                writers = [c.sock for c in clients if c.pending]
            readers = [self._listener, self._wake_r] + [c.sock for c in clients]
            try:
                readable, writable, _ = select.select(readers, writers, [], 1.0)
            except (OSError, ValueError):  # a socket closed under us: look again
                continue
            if self._wake_r in readable:
                try:
                    self._wake_r.recv(4096)
                except BlockingIOError:
                    pass
            if self._listener in readable:
                self._accept()
            with self._lock:
                for client in list(self._clients):
                    if client.sock in writable:
                        self._flush(client)
                    if client.sock in readable and client in self._clients:
                        self._check_hangup(client)

    def _accept(self) -> None:
        assert self._listener is not None
        try:
            sock, _ = self._listener.accept()
        except (BlockingIOError, OSError):
            return
        sock.setblocking(False)
        client = _Client(sock)
        with self._lock:
            client.pending += b"".join([self._header, *self._gop]) if self._header else self._down
            self._clients.append(client)
            self._flush(client)

    def _flush(self, client: _Client) -> None:
        try:
            sent = client.sock.send(client.pending)
        except BlockingIOError:
            return
        except OSError:
            self._drop(client, "gone")
            return
        del client.pending[:sent]

    def _check_hangup(self, client: _Client) -> None:
        try:
            data = client.sock.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._clients.remove(client)
            client.sock.close()
