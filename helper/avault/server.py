"""The local ECS container-credentials endpoint (behaviour reference §1); ``avault.ecs_exec``
runs it beside a command or as ``avs --server``'s daemon.

Every AWS SDK given ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` and
``AWS_CONTAINER_AUTHORIZATION_TOKEN`` asks this server, which refreshes credentials before
they expire, so a 10-hour job never sees expired ones.

Hardening, because the port is reachable by every local user:

* bound to 127.0.0.1 unless ``--ecs-server-address`` (or $AVAULT_ECS_SERVER_ADDRESS) asks
  for another address, for containers; every request must carry the 40-character token
  (``hmac.compare_digest``), else 403 ``{"Message":"invalid Authorization token"}``;
* one selector thread reads every request head, which must arrive whole within 2 s and
  16 KiB; a wrong token is refused as soon as its line is in; accepting never waits, and
  only requests with the token get a thread (no slow client can starve the token holder);
* no file is ever served: any path answers with the profile's credentials (as aws-vault;
  the Ruby SDK asks for ``/get-credentials``), ``/role-arn/<ARN>`` with that role's.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import re
import secrets
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from avault import b64
from avault.errors import AvaultError

if TYPE_CHECKING:
    from collections.abc import Callable

    from avault.config.resolution import ProfileConfig
    from avault.context import Context
    from avault.creds import Credentials
    from avault.providers import Resolver

HOST = "127.0.0.1"
INVALID_TOKEN = b'{"Message":"invalid Authorization token"}'
BAD_ARN = b'{"Message":"not a role ARN; use /role-arn/arn:aws:iam::<account>:role/<name>"}'
DEFAULT_MARGIN = 15 * 60.0  # the SDKs refresh 15 min (advisory) before expiry
HEAD_DEADLINE = 2.0  # the whole request head, counted from the connection (not per read)
MAX_PENDING = 256  # request heads waited for at once; the oldest is dropped for a newcomer
MAX_WORKERS = 64  # requests with the token served at once; more get 503
WRITE_TIMEOUT = 5.0  # sending the answer
MAX_REQUEST_BYTES = 16 * 1024
MAX_ROLES = 32
ROLE_PREFIX = "/role-arn/"
ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}", re.ASCII)  # fullmatch
ADDRESS_VAR = "AVAULT_ECS_SERVER_ADDRESS"


def new_token() -> str:
    """30 random bytes, base64url without padding: 40 characters, as aws-vault."""
    return b64.url_encode(secrets.token_bytes(30)).rstrip("=")


# -- credentials -----------------------------------------------------------------------------


class CredentialCache:
    """Fetch once, then again whenever less than the margin is left."""

    def __init__(
        self,
        fetch: Callable[[], Credentials],
        *,
        now: Callable[[], float],
        margin: float | None = None,
        lock: threading.Lock | None = None,
    ) -> None:
        self._fetch = fetch
        self._now = now
        self._margin = margin
        self._lock = lock or threading.Lock()
        self._creds: Credentials | None = None
        self._fetched_at = 0.0

    def _stale(self, creds: Credentials) -> bool:
        if creds.expiration is None:
            return False
        left = creds.expiration - self._now()
        if self._margin is not None:
            return left <= self._margin
        lifetime = creds.expiration - self._fetched_at
        return left <= min(DEFAULT_MARGIN, lifetime / 2)

    def get(self) -> Credentials:
        with self._lock:
            creds = self._creds
            if creds is None or self._stale(creds):
                self._fetched_at = self._now()
                creds = self._creds = self._fetch()
            return creds


class Credentials4Server:
    """The base credentials of the profile, and roles assumed from them on request."""

    def __init__(
        self, ctx: Context, resolver: Resolver, config: ProfileConfig, *, margin: float | None
    ) -> None:
        from avault.providers import credentials_for  # noqa: PLC0415

        self.ctx = ctx
        self.resolver = resolver
        self.config = config
        self.margin = margin
        # botocore's client creation is not thread-safe: one STS call at a time.
        self._lock = threading.Lock()
        self.base = CredentialCache(
            lambda: credentials_for(resolver, config), now=ctx.now, margin=margin, lock=self._lock
        )
        self._roles: dict[str, CredentialCache] = {}
        self._roles_lock = threading.Lock()

    def role(self, arn: str) -> Credentials:
        with self._roles_lock:
            cache = self._roles.get(arn)
            if cache is None:
                if len(self._roles) >= MAX_ROLES:
                    self._roles.pop(next(iter(self._roles)))
                cache = self._roles[arn] = CredentialCache(
                    lambda: self._assume(arn), now=self.ctx.now, margin=self.margin, lock=threading.Lock()
                )
        return cache.get()

    def _assume(self, arn: str) -> Credentials:
        from avault.config.resolution import ROLE_CHAINING_MAXIMUM_DURATION, ProfileConfig  # noqa: PLC0415
        from avault.sts_api import Signer  # noqa: PLC0415

        base = self.base.get()
        c = self.config
        target = ProfileConfig(
            profile_name=f"{c.profile_name} /role-arn",
            role_arn=arn,
            region=c.region,
            endpoint_url=c.endpoint_url,
            sts_regional_endpoints=c.sts_regional_endpoints,
        )
        # Assumed from temporary credentials: role chaining, which AWS caps at 1h.
        duration = min(
            c.assume_role_duration or ROLE_CHAINING_MAXIMUM_DURATION, ROLE_CHAINING_MAXIMUM_DURATION
        )
        with self._lock:
            return self.resolver.sts().assume_role(
                Signer(base, c.profile_name, long_term=False),
                target,
                duration=duration,
                serial="",
                code="",
                session_name=self.resolver.session_name(c),
            )


# -- HTTP ------------------------------------------------------------------------------------
#
# One thread reads every request head with non-blocking sockets and a selector, so no
# client, however slow, can hold anything the next one needs: the whole head must arrive
# within HEAD_DEADLINE of the connection, a wrong token is refused as soon as its header
# line is complete, at most MAX_PENDING heads are waited for at once (the oldest is dropped
# for a newcomer) and accepting never waits. Only a request that carries the token gets a
# thread of its own, for the STS call and the answer.


@dataclass
class _Pending:
    deadline: float
    head: bytearray = field(default_factory=bytearray)


@dataclass(frozen=True)
class Head:
    """What the reader made of a request head so far: a verdict, or a request to serve."""

    status: int = 0  # an error to answer with (400, 403, 431), 0 if none
    method: str = ""
    target: str = ""  # set once the whole head is in and the token matched


def read_head(data: bytes, token: bytes) -> Head | None:
    """Judge the bytes received so far; None while more are needed.

    A malformed request line, folded or duplicated Authorization headers or a wrong token
    are refused as soon as the line that shows it is complete."""
    if len(data) > MAX_REQUEST_BYTES:
        return Head(status=431)
    text = data.replace(b"\r\n", b"\n")
    complete = b"\n\n" in text
    lines = text.split(b"\n\n", 1)[0].split(b"\n")
    if not complete:
        lines.pop()  # the line still being received
    if not lines:
        return None
    parts = lines[0].split(b" ")
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/") or not parts[1].startswith(b"/"):
        return Head(status=400)
    given: list[bytes] = []
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t"):
            return Head(status=400)  # obsolete line folding: never guess
        name, sep, value = line.partition(b":")
        if not sep:
            return Head(status=400)
        if name.strip().lower() == b"authorization":
            given.append(value.strip())
            if len(given) > 1 or not hmac.compare_digest(given[0], token):
                return Head(status=403)
    if not complete:
        return None
    if not given:
        return Head(status=403)
    try:
        method, target = parts[0].decode("ascii"), parts[1].decode("ascii")
    except UnicodeDecodeError:
        return Head(status=400)
    return Head(method=method, target=target)


def response(status: int, body: bytes) -> bytes:
    from http import HTTPStatus  # noqa: PLC0415

    head = (
        f"HTTP/1.0 {status} {HTTPStatus(status).phrase}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Cache-Control: no-store\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


ERRORS = {
    400: b'{"Message":"bad request"}',
    403: INVALID_TOKEN,
    405: b'{"Message":"only GET is served"}',
    431: b'{"Message":"request head too large"}',
    503: b'{"Message":"too many requests at once; try again"}',
}


def credentials_json(creds: Credentials, now: float) -> bytes:
    from avault.creds import format_rfc3339  # noqa: PLC0415

    # SDKs require an Expiration; keys that never expire are re-read every 15 minutes.
    expiration = creds.expiration if creds.expiration is not None else now + DEFAULT_MARGIN
    return json.dumps(
        {
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key,
            "Token": creds.session_token,
            "Expiration": format_rfc3339(expiration),
        }
    ).encode()


def listen_address(asked: str, ctx: Context) -> str:
    """``asked`` (--ecs-server-address) or $AVAULT_ECS_SERVER_ADDRESS, an IP literal; 127.0.0.1 by default."""
    import ipaddress  # noqa: PLC0415

    text = (asked or ctx.env.get(ADDRESS_VAR, "")).strip()
    if not text:
        return HOST
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        raise AvaultError(
            f"--ecs-server-address {text!r} is not an IP address; "
            "use e.g. 172.17.0.1 (the docker bridge) or 0.0.0.0, or leave it out for 127.0.0.1"
        ) from None


class EcsServer:
    """An HTTP server on <address>:<random port> (127.0.0.1 unless asked) that hands out
    credentials only to requests carrying the token."""

    def __init__(
        self, creds: Credentials4Server, token: str, now: Callable[[], float], address: str = HOST
    ) -> None:
        import ipaddress  # noqa: PLC0415

        self.creds = creds
        self.token_bytes = token.encode("ascii")
        self.now = now
        ip = ipaddress.ip_address(address)
        family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            if family == socket.AF_INET6:
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            self.socket.bind((address, 0))
            self.socket.listen(128)
        except OSError as exc:
            self.socket.close()
            raise AvaultError(
                f"the ECS server cannot listen on {address} ({exc.strerror or exc}); "
                "use an address of this machine, or leave --ecs-server-address out"
            ) from None
        self.socket.settimeout(0.0)
        self.server_address = self.socket.getsockname()
        host = "127.0.0.1" if ip.is_unspecified and ip.version == 4 else address
        host = "::1" if ip.is_unspecified and ip.version == 6 else host
        self._url_host = f"[{host}]" if ":" in host else host
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.settimeout(0.0)
        self._stop = threading.Event()
        self._done = threading.Event()
        self._workers = 0
        self._workers_lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://{self._url_host}:{self.server_address[1]}"

    def fds(self) -> list[int]:
        """The descriptors the server needs: its listening socket and its wake-up pair."""
        return [self.socket.fileno(), self._wake_r.fileno(), self._wake_w.fileno()]

    # -- the reader loop ---------------------------------------------------------------------
    def serve_forever(self, poll_interval: float = 0.2) -> None:
        sel = selectors.DefaultSelector()
        sel.register(self.socket, selectors.EVENT_READ)
        sel.register(self._wake_r, selectors.EVENT_READ)
        pending: dict[socket.socket, _Pending] = {}  # oldest first
        try:
            while not self._stop.is_set():
                timeout = poll_interval
                if pending:
                    oldest = next(iter(pending.values())).deadline
                    timeout = max(0.0, min(timeout, oldest - time.monotonic()))
                for key, _events in sel.select(timeout):
                    if key.fileobj is self.socket:
                        self._accept(sel, pending)
                    elif key.fileobj is self._wake_r:
                        with contextlib.suppress(OSError):
                            self._wake_r.recv(64)
                    else:
                        self._read(sel, pending, key.fileobj)  # type: ignore[arg-type]
                now = time.monotonic()
                while pending:  # deadlines are in accept order
                    conn, p = next(iter(pending.items()))
                    if p.deadline > now:
                        break
                    self._drop(sel, pending, conn)
        finally:
            for conn in list(pending):
                self._drop(sel, pending, conn)
            sel.close()
            self._done.set()

    def _accept(self, sel: selectors.BaseSelector, pending: dict[socket.socket, _Pending]) -> None:
        for _ in range(64):  # then let the others read
            try:
                conn, _peer = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # out of descriptors: the oldest waiting head makes room
                if pending:
                    self._drop(sel, pending, next(iter(pending)))
                return
            if len(pending) >= MAX_PENDING:
                self._drop(sel, pending, next(iter(pending)))
            conn.settimeout(0.0)
            pending[conn] = _Pending(time.monotonic() + HEAD_DEADLINE)
            sel.register(conn, selectors.EVENT_READ)

    def _read(
        self, sel: selectors.BaseSelector, pending: dict[socket.socket, _Pending], conn: socket.socket
    ) -> None:
        p = pending.get(conn)
        if p is None:
            return
        try:
            data = conn.recv(MAX_REQUEST_BYTES + 1 - len(p.head))
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(sel, pending, conn)
            return
        p.head += data
        head = read_head(bytes(p.head), self.token_bytes)
        if head is None:
            return
        sel.unregister(conn)
        del pending[conn]
        if head.status:
            self._refuse(conn, head.status)
            return
        with self._workers_lock:
            busy = self._workers >= MAX_WORKERS
            if not busy:
                self._workers += 1
        if busy:
            self._refuse(conn, 503)
            return
        threading.Thread(target=self._work, args=(conn, head), daemon=True).start()

    @staticmethod
    def _refuse(conn: socket.socket, status: int) -> None:
        with contextlib.suppress(OSError):
            conn.send(response(status, ERRORS[status]))  # small: fits the socket buffer
        conn.close()

    @staticmethod
    def _drop(
        sel: selectors.BaseSelector, pending: dict[socket.socket, _Pending], conn: socket.socket
    ) -> None:
        pending.pop(conn, None)
        with contextlib.suppress(KeyError, ValueError):
            sel.unregister(conn)
        conn.close()

    # -- one request that carries the token ------------------------------------------------
    def _work(self, conn: socket.socket, head: Head) -> None:
        try:
            conn.settimeout(WRITE_TIMEOUT)
            status, body = self.answer(head)
            with contextlib.suppress(OSError):
                conn.sendall(response(status, body))
        finally:
            conn.close()
            with self._workers_lock:
                self._workers -= 1

    def answer(self, head: Head) -> tuple[int, bytes]:
        """Any path gets the profile's credentials (the Ruby SDK asks for /get-credentials);
        ``/role-arn/<ARN>`` assumes that role from them."""
        if head.method != "GET":
            return 405, ERRORS[405]
        path = urlsplit(head.target).path
        try:
            if path.startswith(ROLE_PREFIX):
                arn = unquote(path[len(ROLE_PREFIX) :], errors="strict")
                if not ROLE_ARN.fullmatch(arn):
                    return 400, BAD_ARN
                creds = self.creds.role(arn)
            else:
                creds = self.creds.base.get()
        except UnicodeDecodeError:
            return 400, BAD_ARN
        except AvaultError as exc:
            return 500, json.dumps({"Message": str(exc)}).encode()
        except Exception as exc:
            return 500, json.dumps({"Message": f"internal error ({type(exc).__name__})"}).encode()
        return 200, credentials_json(creds, self.now())

    def shutdown(self) -> None:
        """Stop serve_forever and wait for it (as socketserver's)."""
        self._stop.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        self._done.wait(10)

    def server_close(self) -> None:
        for s in (self.socket, self._wake_r, self._wake_w):
            s.close()
