"""``avault exec --ecs-server``: ``avault.server``'s endpoint beside a command, or detached.

The child gets ``AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:<port>`` and
``AWS_CONTAINER_AUTHORIZATION_TOKEN`` and no keys. Core dumps are off in this process (the
credentials are in its memory) and back on for the child.

``--background`` (for the shell's ``avs --server``) detaches the server, prints shell code
that exports the two variables plus ``AVS_SERVER_PID``, and serves until killed or until
the shell (``--watch-pid``, default the parent process) exits.

Environment: ``AVAULT_ECS_REFRESH_MARGIN`` (Go duration; refresh credentials this long
before they expire; default 15m, at most half their lifetime).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from avault.errors import AvaultError
from avault.server import Credentials4Server, EcsServer, listen_address, new_token

if TYPE_CHECKING:
    from types import FrameType

    from avault.config.resolution import ProfileConfig
    from avault.context import Context
    from avault.switch import SessionOptions

STARTING = (
    "Starting a local ECS credential server; "
    "your app's AWS sdk must support AWS_CONTAINER_CREDENTIALS_FULL_URI."
)
MARGIN_VAR = "AVAULT_ECS_REFRESH_MARGIN"
WATCH_INTERVAL = 1.0
CONTAINER_URI = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
CONTAINER_TOKEN = "AWS_CONTAINER_AUTHORIZATION_TOKEN"  # noqa: S105 - a variable name


@dataclass(frozen=True)
class ServerRequest:
    """What ``exec --ecs-server`` was asked for, beside the session options."""

    command: tuple[str, ...] = ()  # what to run; () is $SHELL
    lazy: bool = False  # --lazy: no credentials before the first request
    background: bool = False  # --background: print shell code for this shell and detach
    shell: str = ""  # --format, with --background
    watch_pid: int = 0  # --watch-pid: the daemon stops when it exits (0: our parent)
    address: str = ""  # --ecs-server-address ("": $AVAULT_ECS_SERVER_ADDRESS, then 127.0.0.1)


def _margin(ctx: Context) -> float | None:
    from avault.durations import env_seconds  # noqa: PLC0415

    return env_seconds(ctx.env, MARGIN_VAR, go=True, error=AvaultError, hint="use e.g. 10m, or unset it")


def run_exec(request: ServerRequest, opts: SessionOptions, ctx: Context, profile: str) -> int:
    """``exec --ecs-server``: serve ``profile``'s credentials to a command, or in the background."""
    import ipaddress  # noqa: PLC0415

    from avault.proc import no_core_dumps  # noqa: PLC0415
    from avault.switch import base_child_env, open_profile  # noqa: PLC0415

    no_core_dumps()  # before any secret is in memory; execve makes the child dumpable again
    margin = _margin(ctx)
    resolver, config, _flags = open_profile(opts, ctx, profile)
    if margin is not None:
        # A cached session with less than the margin left is not worth serving.
        resolver.cache.min_ttl = max(resolver.cache.min_ttl, margin)
    creds = Credentials4Server(ctx, resolver, config, margin=margin)
    if not request.lazy:
        creds.base.get()  # MFA and errors now, before the app starts
    token = new_token()
    address = listen_address(request.address, ctx)
    server = EcsServer(creds, token, ctx.now, address)
    if not ipaddress.ip_address(address).is_loopback:
        ctx.info(
            f"Warning: the ECS credential server listens on {address}; anything that can reach "
            "that address and knows the token gets your credentials"
        )
    if request.background:
        return _background(request, ctx, server, token=token, profile=profile, config=config)

    command = list(request.command)
    if not command:
        command = [ctx.env.get("SHELL") or "/bin/sh"]
    env = base_child_env(ctx.env, profile, config.region, config.endpoint_url)
    env.update({CONTAINER_URI: server.url, CONTAINER_TOKEN: token})
    ctx.info(STARTING)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    try:
        return _run_child(command, env)
    finally:
        server.shutdown()
        server.server_close()


def _run_child(command: list[str], env: dict[str, str]) -> int:
    import subprocess  # noqa: PLC0415

    from avault.proc import restore_core_limit, start_error  # noqa: PLC0415

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
        restore_core_limit(child.pid)  # it dumps core as it would without us
        for signum in pending:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signum)
        code = child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 128 - code if code < 0 else code


def _background(
    request: ServerRequest,
    ctx: Context,
    server: EcsServer,
    *,
    token: str,
    profile: str,
    config: ProfileConfig,
) -> int:
    from avault.render import render  # noqa: PLC0415
    from avault.switch import switch_base  # noqa: PLC0415

    watch = request.watch_pid or os.getppid()
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
    ctx.stdout.write(render(request.shell, unset) + render(request.shell, new))
    ctx.stdout.flush()
    from avault.recent import note_switch  # noqa: PLC0415

    note_switch(request.shell, profile, ctx.env, ctx.home)
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

    isolate_forked(keep_fds=server.fds())  # cwd /, umask 077, no inherited fd, new session
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
