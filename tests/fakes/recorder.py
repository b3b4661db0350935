"""A recording, fault-injecting reverse proxy in front of moto_server or the fake SSO portal.

It records which STS/IAM calls avault made and can make the endpoint misbehave the ways a
real one does (``faults``, a queue; each request takes the next matching fault):

* ``"delay:S"``: wait S seconds, then answer (a slow endpoint; beyond the read time-out);
* ``"500"``, ``"503"``: that status with an AWS error body (InternalFailure, ServiceUnavailable);
* ``"throttle"``: AWS's throttling error (``<ErrorResponse>...<Code>Throttling</Code>`` for the
  query APIs, 429 ``TooManyRequestsException`` for the JSON ones);
* ``"reset"``: read the request, then close the connection with a TCP RST.

``faults`` entries are consumed one per request; ``always`` (a fault) is applied to every
request once the queue is empty. ``only`` limits faults to requests whose path or body
contains that text (``"CreateAccessKey"``, ``"/federation/"``); others pass untouched.
DNS failure needs no proxy: an endpoint on ``*.invalid`` never resolves (RFC 6761).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

THROTTLE_XML = (
    b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
    b"<Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
    b"<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
)
SERVER_XML = (
    b"<ErrorResponse><Error><Type>Receiver</Type><Code>%s</Code><Message>injected</Message></Error>"
    b"<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
)
HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive", "date", "server"})
SERVER_CODES = {500: b"InternalFailure", 503: b"ServiceUnavailable"}


class Recorder:
    """Forwards every request to ``upstream`` and keeps each form body, parsed."""

    def __init__(self, upstream: str, *, faults: list[str] | None = None, only: str = "") -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.paths: list[str] = []
        self.faults: list[str] = list(faults or [])
        self.always = ""
        self.only = only
        self.injected: list[str] = []
        recorder = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self, method: str) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fault = ""
                with lock:
                    recorder.paths.append(self.path)
                    if "x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
                        recorder.requests.append(urllib.parse.parse_qs(body.decode()))
                    if not recorder.only or recorder.only in self.path or recorder.only.encode() in body:
                        fault = recorder.faults.pop(0) if recorder.faults else recorder.always
                    if fault:
                        recorder.injected.append(fault)
                if fault == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                if fault.startswith("delay:"):
                    time.sleep(float(fault.split(":", 1)[1]))
                form = "x-www-form-urlencoded" in (self.headers.get("Content-Type") or "")
                if fault == "throttle":
                    if form:
                        self._answer(400, THROTTLE_XML, "text/xml")
                    else:
                        self._answer(
                            429,
                            b'{"message":"Rate exceeded"}',
                            "application/json",
                            {"x-amzn-ErrorType": "TooManyRequestsException"},
                        )
                    return
                if fault in ("500", "503"):
                    status = int(fault)
                    if form:
                        self._answer(status, SERVER_XML % SERVER_CODES[status], "text/xml")
                    else:
                        code = SERVER_CODES[status].decode()
                        self._answer(
                            status, b'{"message":"injected"}', "application/json", {"x-amzn-ErrorType": code}
                        )
                    return
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
                }
                req = urllib.request.Request(
                    upstream + self.path,
                    data=body if method == "POST" else None,
                    method=method,
                    headers=headers,
                )
                try:
                    with urllib.request.urlopen(req, timeout=10) as resp:
                        status, data, got = resp.status, resp.read(), resp.headers
                except urllib.error.HTTPError as exc:
                    status, data, got = exc.code, exc.read(), exc.headers
                passed = {k: v for k, v in got.items() if k.lower() not in HOP_BY_HOP}
                self._answer(status, data, "", passed)

            def _answer(
                self, status: int, data: bytes, ctype: str, extra: dict[str, str] | None = None
            ) -> None:
                try:
                    self.send_response_only(status)
                    if ctype:
                        self.send_header("Content-Type", ctype)
                    for k, v in (extra or {}).items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    self.close_connection = True  # the client gave up (its read time-out)

            def do_POST(self) -> None:
                self._forward("POST")

            def do_GET(self) -> None:
                self._forward("GET")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def actions(self) -> list[str]:
        """The API actions in order (``GetSessionToken``, ``AssumeRole``, ...)."""
        return [r.get("Action", ["?"])[0] for r in self.requests]

    def token_codes(self) -> list[str]:
        """The MFA codes STS received."""
        return [r["TokenCode"][0] for r in self.requests if "TokenCode" in r]

    def close(self) -> None:
        self.server.shutdown()
