"""A hostile ONVIF device on loopback for the security tests: it answers the SOAP calls a VMS makes
when probing and registering a camera, with stream, snapshot and service addresses of its choosing.

It runs in a thread of the test process on 127.0.0.1 (loopback only). `Listener` is the "other
host" (127.0.0.2, also loopback): it records every request it gets, so a test can prove the VMS
never sent it anything, least of all credentials. Both record the requests they receive.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.peers.processes import free_port

ENV = "http://www.w3.org/2003/05/soap-envelope"
NS = {
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "tt": "http://www.onvif.org/ver10/schema",
}
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffd9")


@dataclass
class Seen:
    """One request a fake host received."""

    method: str
    path: str
    authorization: str | None
    body: bytes


def _envelope(body: str) -> bytes:
    names = " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items())
    return f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{ENV}" {names}><s:Body>{body}</s:Body></s:Envelope>'.encode()


def _clock() -> str:
    now = datetime.now(timezone.utc)
    return (
        "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>"
        "<tt:DaylightSavings>false</tt:DaylightSavings><tt:UTCDateTime>"
        f"<tt:Time><tt:Hour>{now.hour}</tt:Hour><tt:Minute>{now.minute}</tt:Minute><tt:Second>{now.second}</tt:Second></tt:Time>"
        f"<tt:Date><tt:Year>{now.year}</tt:Year><tt:Month>{now.month}</tt:Month><tt:Day>{now.day}</tt:Day></tt:Date>"
        "</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
    )


def _profile(token: str, width: int, height: int) -> str:
    return (
        f'<trt:Profiles token="{token}" fixed="true"><tt:Name>{token}</tt:Name>'
        f'<tt:VideoEncoderConfiguration token="ve-{token}"><tt:Name>ve-{token}</tt:Name><tt:UseCount>1</tt:UseCount>'
        f"<tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>{width}</tt:Width><tt:Height>{height}</tt:Height>"
        "</tt:Resolution><tt:Quality>5</tt:Quality><tt:RateControl><tt:FrameRateLimit>15</tt:FrameRateLimit>"
        "<tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>2048</tt:BitrateLimit></tt:RateControl>"
        "</tt:VideoEncoderConfiguration></trt:Profiles>"
    )


def _service(namespace: str, xaddr: str) -> str:
    return (f"<tds:Service><tds:Namespace>{namespace}</tds:Namespace><tds:XAddr>{xaddr}</tds:XAddr>"
            "<tds:Version><tt:Major>2</tt:Major><tt:Minor>5</tt:Minor></tds:Version></tds:Service>")


class _Server:
    """A ThreadingHTTPServer on a loopback address, recording what it receives."""

    def __init__(self, host: str):
        self.host, self.port = host, free_port()
        self.seen: list[Seen] = []
        self._httpd: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def respond(self, handler: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, str], bytes]:
        raise NotImplementedError

    def start(self) -> "_Server":
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                outer.seen.append(Seen(self.command, self.path, self.headers.get("authorization"), body))
                status, headers, payload = outer.respond(self, body)
                self.send_response(status)
                for key, value in {"Content-Length": str(len(payload)), **headers}.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _handle

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer((self.host, self.port), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()


class Listener(_Server):
    """The "other host" a hostile device points at: answers 401 Basic to everything, records all."""

    def __init__(self, host: str = "127.0.0.2"):
        super().__init__(host)

    def respond(self, handler, body):  # type: ignore[no-untyped-def]
        if handler.headers.get("authorization"):
            return 200, {"Content-Type": "image/jpeg"}, JPEG
        return 401, {"WWW-Authenticate": 'Basic realm="steal"'}, b""

    @property
    def credentials_seen(self) -> list[str]:
        return [s.authorization for s in self.seen if s.authorization] + [
            "UsernameToken" for s in self.seen if b"UsernameToken" in s.body]


@dataclass
class Answers:
    """What the device returns. `{base}` is replaced by the device's own http://host:port."""

    main_uri: str = "rtsp://127.0.0.1:8554/main"
    sub_uri: str = "rtsp://127.0.0.1:8554/sub"
    snapshot_uri: str = "{base}/snapshot.jpg"
    media_xaddr: str = "{base}/onvif/media_service"
    snapshot_auth: str = "basic"  # what /snapshot.jpg asks for: basic | none
    extra: dict = field(default_factory=dict)


class HostileDevice(_Server):
    """An ONVIF device (GetServices, device info, two H.264 profiles, stream and snapshot URIs)."""

    def __init__(self, answers: Answers | None = None, host: str = "127.0.0.1"):
        super().__init__(host)
        self.answers = answers or Answers()

    def _fill(self, text: str) -> str:
        return text.replace("{base}", self.base)

    def respond(self, handler, body):  # type: ignore[no-untyped-def]
        if handler.command == "GET":
            if self.answers.snapshot_auth == "basic" and not handler.headers.get("authorization"):
                return 401, {"WWW-Authenticate": 'Basic realm="cam"'}, b""
            return 200, {"Content-Type": "image/jpeg"}, JPEG
        return 200, {"Content-Type": "application/soap+xml; charset=utf-8"}, _envelope(self._soap(body))

    def _soap(self, body: bytes) -> str:
        a = self.answers
        if b"GetSystemDateAndTime" in body:
            return _clock()
        if b"GetServices" in body:
            return ("<tds:GetServicesResponse>" + _service(NS["tds"], f"{self.base}/onvif/device_service")
                    + _service(NS["trt"], self._fill(a.media_xaddr)) + "</tds:GetServicesResponse>")
        if b"GetDeviceInformation" in body:
            return ("<tds:GetDeviceInformationResponse><tds:Manufacturer>Hàng xóm</tds:Manufacturer>"
                    "<tds:Model>Evil-1</tds:Model><tds:FirmwareVersion>6.6.6</tds:FirmwareVersion>"
                    "<tds:SerialNumber>X1</tds:SerialNumber><tds:HardwareId>H1</tds:HardwareId>"
                    "</tds:GetDeviceInformationResponse>")
        if b"GetProfiles" in body:
            return "<trt:GetProfilesResponse>" + _profile("main", 1920, 1080) + _profile("sub", 640, 360) + "</trt:GetProfilesResponse>"
        if b"GetStreamUri" in body:
            uri = a.sub_uri if b">sub<" in body else a.main_uri
            return (f"<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>{self._fill(uri)}</tt:Uri>"
                    "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>"
                    "<tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>")
        if b"GetSnapshotUri" in body:
            return (f"<trt:GetSnapshotUriResponse><trt:MediaUri><tt:Uri>{self._fill(a.snapshot_uri)}</tt:Uri>"
                    "<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>"
                    "<tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetSnapshotUriResponse>")
        return ('<s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text xml:lang="en">'
                "not supported</s:Text></s:Reason></s:Fault>")
