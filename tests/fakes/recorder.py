"""A recording reverse proxy in front of moto_server: which STS/IAM calls avault made."""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Recorder:
    """Forwards every request to ``upstream`` and keeps each form body, parsed."""

    def __init__(self, upstream: str) -> None:
        self.requests: list[dict[str, list[str]]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorder.requests.append(urllib.parse.parse_qs(body.decode()))
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")
                }
                req = urllib.request.Request(upstream + self.path, data=body, method="POST", headers=headers)
                try:
                    with urllib.request.urlopen(req, timeout=10) as resp:
                        status, data = resp.status, resp.read()
                except urllib.error.HTTPError as exc:
                    status, data = exc.code, exc.read()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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
