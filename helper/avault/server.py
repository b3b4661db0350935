"""``avault exec --ecs-server``: a local ECS container-credentials endpoint (behaviour reference §1).

The child gets ``AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:<port>`` and
``AWS_CONTAINER_AUTHORIZATION_TOKEN`` and no keys; every AWS SDK then asks this server,
which refreshes credentials before they expire, so a 10-hour job never sees expired ones.

Hardening, because the port is reachable by every local user:

* bound to 127.0.0.1 only; every request must carry the 40-character token
  (``hmac.compare_digest``), else 403 ``{"Message":"invalid Authorization token"}``;
* at most ``MAX_WORKERS`` connections are served at once, each with a socket timeout, a
  hard deadline and a 16 KiB cap on the request line plus headers (no slowloris, no flood);
* no file is ever served; only ``/`` and ``/role-arn/<ARN>`` exist;
* core dumps are off in this process (the credentials are in its memory).

``--background`` (for the shell's ``avs --server``) detaches the server, prints shell code
that exports the two variables plus ``AVS_SERVER_PID``, and serves until killed or until
the shell (``--watch-pid``, default the parent process) exits.

Environment: ``AVAULT_ECS_REFRESH_MARGIN`` (Go duration; refresh credentials this long
before they expire; default 15m, at most half their lifetime).
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import json
import os
import re
import secrets
import signal
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from avault.errors import AvaultError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from types import FrameType

    from avault.config import ProfileConfig
    from avault.context import Context
    from avault.creds import Credentials
    from avault.providers import Resolver

HOST = "127.0.0.1"
STARTING = (
    "Starting a local ECS credential server; "
    "your app's AWS sdk must support AWS_CONTAINER_CREDENTIALS_FULL_URI."
)
INVALID_TOKEN = b'{"Message":"invalid Authorization token"}'
BAD_ARN = b'{"Message":"not a role ARN; use /role-arn/arn:aws:iam::<account>:role/<name>"}'
MARGIN_VAR = "AVAULT_ECS_REFRESH_MARGIN"
DEFAULT_MARGIN = 15 * 60.0  # the SDKs refresh 15 min (advisory) before expiry
MAX_WORKERS = 8
ACCEPT_WAIT = 2.0  # how long a new connection waits for a free worker
SOCKET_TIMEOUT = 5.0  # per read
REQUEST_DEADLINE = 30.0  # per connection, whatever it does
MAX_REQUEST_BYTES = 16 * 1024
MAX_ROLES = 32
WATCH_INTERVAL = 1.0
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
CONTAINER_URI = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
CONTAINER_TOKEN = "AWS_CONTAINER_AUTHORIZATION_TOKEN"  # noqa: S105 - a variable name


def new_token() -> str:
    """30 random bytes, base64url without padding: 40 characters, as aws-vault."""
    return base64.urlsafe_b64encode(secrets.token_bytes(30)).decode("ascii").rstrip("=")


def disable_core_dumps() -> tuple[int, int] | None:
    """No core dumps and not dumpable (avault.proc); returns the limits from before main()
    lowered them (for the child), None where unsupported. execve makes the child dumpable again."""
    from avault.proc import child_core_limit, no_core_dumps  # noqa: PLC0415

    no_core_dumps()
    return child_core_limit()


def _restore_core_limit(pid: int, limits: tuple[int, int] | None) -> None:
    """The child should dump core as it normally would: undo our limit for it (Linux)."""
    if limits is None:
        return
    try:
        import resource  # noqa: PLC0415

        prlimit = getattr(resource, "prlimit", None)
        if prlimit is not None:
            prlimit(pid, resource.RLIMIT_CORE, limits)
    except (ImportError, ValueError, OSError):
        pass


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
        from avault.config import ROLE_CHAINING_MAXIMUM_DURATION, ProfileConfig  # noqa: PLC0415
        from avault.providers import Signer  # noqa: PLC0415

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


class _CappedReader:
    """The request line and headers may not exceed ``budget`` bytes in total."""

    def __init__(self, raw: Any, budget: int) -> None:  # noqa: ANN401 - a socket file
        self._raw = raw
        self._budget = budget

    def readline(self, limit: int = -1) -> bytes:
        if self._budget <= 0:
            raise ValueError("request too large")
        size = self._budget if limit < 0 else min(limit, self._budget)
        line: bytes = self._raw.readline(size)
        self._budget -= len(line)
        return line

    def read(self, _size: int = -1) -> bytes:
        return b""  # GET only: a body is never read

    def close(self) -> None:
        self._raw.close()


class _Handler(BaseHTTPRequestHandler):
    server: EcsServer
    protocol_version = "HTTP/1.0"  # one request per connection
    server_version = "avault"
    sys_version = ""
    timeout = SOCKET_TIMEOUT

    def setup(self) -> None:
        super().setup()
        self.rfile = _CappedReader(self.rfile, MAX_REQUEST_BYTES)  # type: ignore[assignment]
        self._deadline = threading.Timer(REQUEST_DEADLINE, self._expire)
        self._deadline.daemon = True
        self._deadline.start()

    def _expire(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        self._deadline.cancel()
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002, ANN401
        pass  # nothing about requests is logged (headers carry the token)

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        given = self.headers.get("Authorization", "").encode("latin-1", "replace")
        if not hmac.compare_digest(given, self.server.token_bytes):
            self._send(403, INVALID_TOKEN)
            return
        path = urlsplit(self.path).path
        try:
            if path in ("", "/"):
                creds = self.server.creds.base.get()
            elif path.startswith("/role-arn/"):
                arn = unquote(path[len("/role-arn/") :])
                if not ROLE_ARN.match(arn):
                    self._send(400, BAD_ARN)
                    return
                creds = self.server.creds.role(arn)
            else:
                self._send(404, b'{"Message":"not found; use / or /role-arn/<ARN>"}')
                return
        except AvaultError as exc:
            self._send(500, json.dumps({"Message": str(exc)}).encode())
            return
        except Exception as exc:
            self._send(500, json.dumps({"Message": f"internal error ({type(exc).__name__})"}).encode())
            return
        self._send(200, credentials_json(creds, self.server.now()))


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


class EcsServer(socketserver.TCPServer):
    """A TCP server on 127.0.0.1:<random> with a bounded number of worker threads."""

    allow_reuse_address = False
    request_queue_size = 16

    def __init__(self, creds: Credentials4Server, token: str, now: Callable[[], float]) -> None:
        super().__init__((HOST, 0), _Handler)
        self.creds = creds
        self.token_bytes = token.encode("ascii")
        self.now = now
        self._slots = threading.BoundedSemaphore(MAX_WORKERS)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}"

    def process_request(self, request: Any, client_address: Any) -> None:  # noqa: ANN401
        if not self._slots.acquire(timeout=ACCEPT_WAIT):
            self.shutdown_request(request)  # every worker is busy: drop, do not queue
            return
        threading.Thread(target=self._work, args=(request, client_address), daemon=True).start()

    def _work(self, request: Any, client_address: Any) -> None:  # noqa: ANN401
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: S110 - a bad client must not stop the server
            pass
        finally:
            self.shutdown_request(request)
            self._slots.release()


# -- exec ------------------------------------------------------------------------------------


def _validate(args: argparse.Namespace) -> None:
    if getattr(args, "ec2_server", False):
        if args.ecs_server:
            raise AvaultError("Can't use --ec2-server with --ecs-server")
        raise AvaultError(
            "--ec2-server is not supported: it needs root to serve 169.254.169.254:80 to every process; "
            "use --ecs-server, which every current AWS SDK understands"
        )
    if not args.ecs_server:
        raise AvaultError("--background and --lazy need --ecs-server; run 'avault exec --ecs-server ...'")
    if args.json:
        raise AvaultError("Can't use --ecs-server with --json")
    if args.no_session:
        raise AvaultError("Can't use --ecs-server with --no-session")
    if args.background and args.format not in ("zsh", "bash", "fish"):
        raise AvaultError("--background prints shell code: add --format zsh, bash or fish")
    if args.background and args.cmd:
        raise AvaultError("--background runs no command; drop the command, or drop --background")


def _resolve(args: argparse.Namespace, ctx: Context, profile: str) -> tuple[Resolver, ProfileConfig]:
    from avault import config as cfgmod  # noqa: PLC0415
    from avault.commands.export import session_flags, without_switch_region  # noqa: PLC0415
    from avault.providers import Resolver  # noqa: PLC0415
    from avault.vault.select import open_vault  # noqa: PLC0415

    env = without_switch_region(ctx.env)
    flags, mfa = session_flags(args, ctx, env)
    cfg = cfgmod.ConfigFile.load(cfgmod.config_path(env, ctx.home), home=ctx.home)
    resolver = Resolver(ctx, open_vault(args, ctx), mfa=mfa)
    cfgmod.ensure_profile_exists(profile, cfg, resolver.stored)
    return resolver, cfgmod.resolve(profile, cfg, env, flags, log=ctx.log)


def _margin(ctx: Context) -> float | None:
    from avault.durations import parse_go_duration  # noqa: PLC0415

    text = ctx.env.get(MARGIN_VAR, "")
    if not text:
        return None
    seconds = parse_go_duration(text)
    if seconds is None or seconds < 0:
        raise AvaultError(f"{MARGIN_VAR}={text!r} is not a duration; use e.g. 10m, or unset it")
    return seconds


def run_exec(args: argparse.Namespace, ctx: Context) -> int:
    from avault.commands.exec import base_child_env  # noqa: PLC0415
    from avault.commands.export import NESTED_EXEC, check_nested, profile_arg  # noqa: PLC0415

    _validate(args)
    check_nested(ctx.env, NESTED_EXEC)
    profile = profile_arg(args, ctx, "exec")
    core_limits = disable_core_dumps()  # before any secret is in memory
    margin = _margin(ctx)
    resolver, config = _resolve(args, ctx, profile)
    if margin is not None:
        # A cached session with less than the margin left is not worth serving.
        resolver.cache.min_ttl = max(resolver.cache.min_ttl, margin)
    creds = Credentials4Server(ctx, resolver, config, margin=margin)
    if not args.lazy:
        creds.base.get()  # MFA and errors now, before the app starts
    token = new_token()
    server = EcsServer(creds, token, ctx.now)
    if args.background:
        return _background(args, ctx, server, token=token, profile=profile, config=config)

    command = list(args.cmd or [])
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        command = [ctx.env.get("SHELL") or "/bin/sh"]
    env = base_child_env(ctx.env, profile, config.region, config.endpoint_url)
    env.update({CONTAINER_URI: server.url, CONTAINER_TOKEN: token})
    ctx.info(STARTING)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    try:
        return _run_child(command, env, core_limits)
    finally:
        server.shutdown()
        server.server_close()


def _run_child(command: list[str], env: dict[str, str], core_limits: tuple[int, int] | None) -> int:
    import subprocess  # noqa: PLC0415

    from avault.commands.exec import start_error  # noqa: PLC0415

    # Handlers go in before the child exists, so a signal that arrives while it starts is
    # delivered to it afterwards instead of killing us and orphaning it.
    child: subprocess.Popen[bytes] | None = None
    pending: list[int] = []

    def forward(signum: int, _frame: FrameType | None) -> None:
        if child is None:
            pending.append(signum)
            return
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    forwarded = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {s: signal.signal(s, forward) for s in forwarded}
    try:
        try:
            child = subprocess.Popen(command, env=env)
        except OSError as exc:
            raise start_error(command, exc) from None
        _restore_core_limit(child.pid, core_limits)
        for signum in pending:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signum)
        code = child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 128 - code if code < 0 else code


def _background(
    args: argparse.Namespace,
    ctx: Context,
    server: EcsServer,
    *,
    token: str,
    profile: str,
    config: ProfileConfig,
) -> int:
    from avault.commands.export import switch_base  # noqa: PLC0415
    from avault.render import render  # noqa: PLC0415

    watch = int(args.watch_pid or os.getppid())
    ctx.stdout.flush()
    ctx.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the daemon; exercised by the e2e tests
        code = 0
        try:
            _daemon(server, watch)
        except BaseException:
            code = 1
        os._exit(code)
    server.server_close()  # the daemon has its own copy of the socket

    unset, base = switch_base(ctx.env, profile, config.region, config.endpoint_url)
    new: dict[str, str | None] = {
        CONTAINER_URI: server.url,
        CONTAINER_TOKEN: token,
        "AVS_SERVER_PID": str(pid),
        **base,
    }
    ctx.info(f"Started a local ECS credential server for {profile} (pid {pid}); stop it with kill {pid}")
    ctx.stdout.write(render(args.format, unset) + render(args.format, new))
    ctx.stdout.flush()
    return 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False  # the shell that asked for us is gone
    except PermissionError:
        return True  # alive, owned by someone else
    return True


def _daemon(server: EcsServer, watch: int) -> None:  # pragma: no cover - runs in the forked child
    from avault.proc import isolate_forked  # noqa: PLC0415

    isolate_forked(keep_fds=[server.fileno()])  # cwd /, umask 077, no inherited fd, new session
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    while not stop.wait(WATCH_INTERVAL) and _alive(watch):
        pass
    server.shutdown()
    server.server_close()
