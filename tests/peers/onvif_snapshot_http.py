"""Camera-like HTTP server for snapshot tests: GET /snapshot.jpg behind HTTP Basic or Digest auth.

Everything else (any other path, any POST) gets a 404 HTML page, which also makes it the
"HTTP answers but it is not ONVIF" peer. The password comes from the environment variable
SNAPSHOT_PASSWORD (not argv).

usage: SNAPSHOT_PASSWORD=pw python onvif_snapshot_http.py HOST PORT basic|digest USER JPEG_FILE
"""

import base64
import hashlib
import hmac
import os
import secrets
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.request import parse_http_list, parse_keqv_list

REALM = "snapshot-test"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class Handler(BaseHTTPRequestHandler):
    scheme, user, password, jpeg = "basic", "", "", b""
    nonce = secrets.token_hex(16)

    def log_message(self, *args: object) -> None:  # keep the test output quiet
        pass

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        kind, _, value = header.partition(" ")
        if self.scheme == "basic" and kind.lower() == "basic":
            expected = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            return hmac.compare_digest(value.strip(), expected)
        if self.scheme == "digest" and kind.lower() == "digest":
            p = parse_keqv_list(parse_http_list(value))
            if p.get("username") != self.user or p.get("nonce") != self.nonce:
                return False
            ha1 = _md5(f"{self.user}:{REALM}:{self.password}")
            ha2 = _md5(f"GET:{p.get('uri', '')}")
            want = _md5(
                f"{ha1}:{self.nonce}:{p.get('nc', '')}:{p.get('cnonce', '')}:{p.get('qop', '')}:{ha2}"
            )
            return hmac.compare_digest(p.get("response", ""), want)
        return False

    def _send(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        if self.path != "/snapshot.jpg":
            self._send(404, b"<html><body>Not found</body></html>", "text/html")
        elif not self._authorized():
            challenge = (
                f'Basic realm="{REALM}"'
                if self.scheme == "basic"
                else f'Digest realm="{REALM}", qop="auth", nonce="{self.nonce}", algorithm=MD5'
            )
            self._send(401, b"<html><body>401</body></html>", "text/html", {"WWW-Authenticate": challenge})
        else:
            self._send(200, self.jpeg, "image/jpeg")

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
        self._send(404, b"<html><body>No SOAP here</body></html>", "text/html")


def main() -> int:
    host, port, scheme, user, jpeg_file = sys.argv[1:6]
    Handler.scheme, Handler.user = scheme, user
    Handler.password = os.environ["SNAPSHOT_PASSWORD"]
    with open(jpeg_file, "rb") as f:
        Handler.jpeg = f.read()
    server = ThreadingHTTPServer((host, int(port)), Handler)
    print(f"ready http://{host}:{port}/snapshot.jpg ({scheme})", flush=True)
    server.serve_forever()  # stopped by SIGTERM from the test (default action ends the process)
    return 0


if __name__ == "__main__":
    sys.exit(main())
