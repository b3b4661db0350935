"""A local stand-in for the AWS sign-in federation endpoint (``getSigninToken``).

Start it, point ``AVAULT_FEDERATION_URL`` at ``.url``, and read back what avault sent.
``status`` and ``body`` change the answer (to test a refusal or a missing token).
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "FAKE-SIGNIN-TOKEN/with+odd=chars&more"


class FakeFederation:
    def __init__(self) -> None:
        self.requests: list[dict[str, list[str]]] = []
        self.status = 200
        self.body: bytes = json.dumps({"SigninToken": TOKEN}).encode()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = urllib.parse.urlsplit(self.path).query
                fake.requests.append(urllib.parse.parse_qs(query, keep_blank_values=True))
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(fake.body)))
                self.end_headers()
                self.wfile.write(fake.body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/federation"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def sessions(self) -> list[str]:
        """The raw ``Session`` JSON of every getSigninToken request, in order."""
        return [r["Session"][0] for r in self.requests if r.get("Action") == ["getSigninToken"]]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
