"""``avault agent``: keeps the file vault's passphrase in one process, and does the crypto there.

Like ssh-agent: a process of yours listens on a unix socket and answers "decrypt this
JWE" / "encrypt this item" for the vaults it holds a passphrase for. The passphrase
goes in once (a client prompts on the tty, then sends it with ``unlock``) and never
comes back out; clients on the fast path import neither ``cryptography`` nor anything
else heavy. KEKs are derived once per (salt, p2c) and cached per vault.

Where it listens: ``$XDG_RUNTIME_DIR/avault/agent.sock``, else
``<temp dir>/avault-<uid>/agent.sock``. The directory is created 0700 and must be owned
by us, not a symlink and not group/other accessible; the socket is created 0600 and must
be owned by us. Both ends check the other's uid with ``SO_PEERCRED`` (``LOCAL_PEERCRED``
on macOS) on every connection, and refuse a mismatch. Those checks are
``avault.agentsock``'s, which ``avault export`` also uses, without importing this module.

Protocol (version 1): each message is a 4-byte big-endian length and that many bytes of
UTF-8 JSON. A request is ``{"v": 1, "op": ..., ...}`` and gets exactly one response,
``{"v": 1, "ok": true, ...}`` or ``{"v": 1, "ok": false, "error": CODE, "message": TEXT}``.
A connection may carry any number of requests.

===========  =====================================  ===============================
op           request fields                          response fields
===========  =====================================  ===============================
status       -                                       pid, vaults (count), version
unlock       vault (directory), passphrase           -
decrypt      vault, token                            plaintext (base64)
encrypt      vault, plaintext (base64)               token
lock         -                                       forgot (count)
stop         -                                       - (then the agent exits)
===========  =====================================  ===============================

Error codes: ``locked`` (no passphrase for that vault: ask, then ``unlock``), ``unwrap``
(AES key unwrap failed), ``decrypt`` (GCM tag mismatch), ``malformed`` (bad token),
``version``, ``bad-request``. Messages never contain a secret.

Lifetime: each passphrase is forgotten ``AVAULT_AGENT_TIMEOUT`` after it was given (a Go
duration, default 8h; ``0`` keeps it until the agent ends). The agent itself runs until
``avault agent --stop``, or until its socket disappears (logind removes
``$XDG_RUNTIME_DIR`` at logout, and a replaced socket means another agent took over).

What Python can and cannot promise about the secret in memory (best effort):

* The agent sets ``RLIMIT_CORE`` to 0 and, on Linux, ``prctl(PR_SET_DUMPABLE, 0)``: no
  core dumps, no ptrace or ``/proc/<pid>/mem`` access by other processes of the same user.
* It calls ``mlockall(MCL_CURRENT | MCL_FUTURE)`` only when ``RLIMIT_MEMLOCK`` is
  unlimited (later allocations would fail otherwise); else it ``mlock``s the buffer that
  holds the passphrase. Either may fail silently (no privilege, no libc).
* The passphrase is kept in a ``bytearray`` that ``lock``, expiry and exit overwrite
  with zeros. But it arrived as JSON: the ``bytes`` received and the ``str`` decoded
  from them are immutable copies Python cannot wipe; they linger until the allocator
  reuses the memory. ``hashlib`` also needs an immutable ``bytes`` copy per derivation,
  and derived KEKs are ``bytes``. Garbage collection may move nothing, but frees lazily.
* The passphrase never touches disk, the environment or argv: it reaches the agent only
  over the socket, after the agent has started.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import time
from pathlib import Path

from avault import agentsock, errors
from avault.agentsock import check_dir, check_socket, peer_uid, unsafe
from avault.errors import AgentError, AgentNotOurs, AgentRefused, AgentUnavailable

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from types import FrameType
    from typing import Any, Protocol

    class SwitchHandler(Protocol):
        """What the agent asks of its switch service (``avault.agentswitch.SwitchService``)."""

        def wants(self, conn: socket.socket) -> bool: ...
        def serve(self, conn: socket.socket) -> None: ...
        def start(self) -> None: ...
        def drop(self) -> None: ...
        def close(self) -> None: ...


PROTOCOL_VERSION = 1
TIMEOUT_VAR = "AVAULT_AGENT_TIMEOUT"
DEFAULT_TIMEOUT = 8 * 3600.0
SOCKET_NAME = agentsock.SOCKET_NAME
MAX_FRAME = 16 * 1024 * 1024
#: How long a client waits for one answer before it gives up on the agent.
REQUEST_TIMEOUT = 10.0
#: Connections the kernel queues before the agent accepts them: every shell of a session
#: may switch at once (a full queue makes a unix connect wait, and a TCP one retry later).
LISTEN_BACKLOG = 128
#: Threads kept for the next connection (Workers); more are started for a bigger burst.
KEPT_WORKERS = 64
#: How long a client waits for a freshly started agent to listen.
START_TIMEOUT = 10.0
_TICK = 0.5


# -- where --------------------------------------------------------------------------------


def runtime_dir(env: Mapping[str, str]) -> Path:
    """``$XDG_RUNTIME_DIR/avault``, else a per-uid directory under the temp dir (agentsock)."""
    return Path(agentsock.runtime_dir(env))


def socket_path(env: Mapping[str, str]) -> Path:
    return Path(agentsock.socket_path(env))


def agent_timeout(env: Mapping[str, str]) -> float:
    """``AVAULT_AGENT_TIMEOUT`` in seconds (0 = no expiry); unset or invalid means 8h."""
    from avault.durations import env_seconds  # noqa: PLC0415

    seconds = env_seconds(env, TIMEOUT_VAR, go=True)
    return DEFAULT_TIMEOUT if seconds is None else seconds


# -- framing --------------------------------------------------------------------------------


def send_frame(sock: socket.socket, obj: Mapping[str, Any]) -> None:
    data = json.dumps(obj, separators=(",", ":")).encode("utf-8")
    sock.sendall(struct.pack(">I", len(data)) + data)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < n:
        chunk = sock.recv(n - len(chunks))
        if not chunk:
            raise EOFError("connection closed")
        chunks += chunk
    return bytes(chunks)


def recv_frame(sock: socket.socket) -> dict[str, Any]:
    (length,) = struct.unpack(">I", _recv_exact(sock, 4))
    if length > MAX_FRAME:
        raise ValueError("frame too large")
    obj = json.loads(_recv_exact(sock, length))
    if not isinstance(obj, dict):
        raise ValueError("frame is not a JSON object")  # noqa: TRY004 - one error type for bad frames
    return obj


# -- client ---------------------------------------------------------------------------------


class AgentClient:
    """One connection to the agent; raises AgentUnavailable whenever it cannot answer."""

    def __init__(self, sock: socket.socket, path: Path) -> None:
        self.sock = sock
        self.path = path

    @classmethod
    def connect(cls, env: Mapping[str, str], *, timeout: float = REQUEST_TIMEOUT) -> AgentClient:
        path = socket_path(env)
        try:
            found = check_dir(path.parent, create=False) and check_socket(path)
        except AgentError as exc:
            raise AgentNotOurs(str(exc)) from None
        if not found:
            raise AgentUnavailable("no agent is running")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except OSError as exc:
            sock.close()
            # ECONNREFUSED: a stale socket left by an agent that died.
            raise AgentUnavailable(f"the agent socket does not answer ({exc.strerror})") from None
        uid = peer_uid(sock)
        if uid != os.getuid():
            sock.close()
            why = f"it is served by uid {uid}, not by you (uid {os.getuid()})"
            raise AgentNotOurs(str(unsafe(path, why)))
        return cls(sock, path)

    def request(self, op: str, **fields: Any) -> dict[str, Any]:  # noqa: ANN401
        """Send one request; the ``ok`` response, else AgentRefused / AgentUnavailable."""
        try:
            send_frame(self.sock, {"v": PROTOCOL_VERSION, "op": op, **fields})
            resp = recv_frame(self.sock)
        except (OSError, EOFError, ValueError, struct.error) as exc:
            self.close()
            raise AgentUnavailable(f"the agent went away ({type(exc).__name__})") from None
        if resp.get("ok") is True:
            return resp
        code = str(resp.get("error", "")) or "bad-request"
        message = str(resp.get("message", ""))
        if code in ("locked", "version"):
            raise AgentUnavailable(message or code, code=code)
        raise AgentRefused(code, message)

    def close(self) -> None:
        self.sock.close()


def remove_stale_socket(env: Mapping[str, str]) -> bool:
    """Remove our socket file if nothing answers on it; True when it was removed."""
    path = socket_path(env)
    if not check_dir(path.parent, create=False) or not check_socket(path):
        return False
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except ConnectionRefusedError:
        path.unlink(missing_ok=True)
        return True
    except OSError:
        return False
    finally:
        probe.close()
    return False


def agent_env(env: Mapping[str, str]) -> dict[str, str]:
    """The started agent's environment: the few variables it needs, never a secret."""
    from avault.proc import safe_env  # noqa: PLC0415

    out = safe_env(env)
    out[TIMEOUT_VAR] = env.get(TIMEOUT_VAR, "")
    return out


def start_daemon(env: Mapping[str, str]) -> int:
    """Start ``avault agent --foreground`` detached, wait until it listens; its pid.

    Started isolated (avault.proc.spawn_avault): ``python -I``, cwd ``/``, umask 077, a
    new session (no controlling terminal), /dev/null for stdin, stdout and stderr (so
    ``$(...)`` capture never waits for it), no other file descriptor, a minimal env.
    The passphrase is not given here: the caller sends it with ``unlock`` afterwards.
    """
    from avault.proc import spawn_avault  # noqa: PLC0415

    path = socket_path(env)
    check_dir(path.parent, create=True)
    remove_stale_socket(env)
    try:
        proc = spawn_avault(["agent", "--foreground"], agent_env(env))
    except OSError as exc:
        raise AgentError(f"cannot start the agent ({exc.strerror}); set AVAULT_AGENT=0") from None
    pid = proc.pid
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            client = AgentClient.connect(env, timeout=1.0)
        except AgentNotOurs as exc:
            raise AgentError(str(exc)) from None
        except AgentUnavailable:
            if proc.poll() is not None:
                raise AgentError(
                    "the agent exited at start; run 'avault agent --foreground --debug'"
                ) from None
            time.sleep(0.01)
            continue
        try:
            client.request("status")
        finally:
            client.close()
        return pid
    raise AgentError(f"the agent did not start listening on {path} in time; set AVAULT_AGENT=0")


# -- server ---------------------------------------------------------------------------------


def harden() -> list[str]:
    """Best-effort protection of this process's memory; the measures that took effect."""
    import ctypes  # noqa: PLC0415
    import resource  # noqa: PLC0415

    from avault.proc import no_core_dumps  # noqa: PLC0415

    done = no_core_dumps(hard=True)  # the agent runs no command of the user's
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return done
    try:
        memlock = resource.getrlimit(resource.RLIMIT_MEMLOCK)[0]
    except (ValueError, OSError):
        memlock = 0
    if memlock == resource.RLIM_INFINITY:
        mcl_current, mcl_future = 1, 2  # the same values on Linux and the BSDs
        if hasattr(libc, "mlockall") and libc.mlockall(mcl_current | mcl_future) == 0:
            done.append("mlockall")
    return done


def _mlock(buf: bytearray) -> None:
    import ctypes  # noqa: PLC0415

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        c_buf = (ctypes.c_char * len(buf)).from_buffer(buf)
        libc.mlock(ctypes.addressof(c_buf), ctypes.c_size_t(len(buf)))
        del c_buf
    except (OSError, AttributeError, TypeError, ValueError, BufferError):
        pass


class _Key:
    """One vault's passphrase and its derived KEKs."""

    def __init__(self, passphrase: bytearray, expires: float | None) -> None:
        self.passphrase = passphrase
        self.expires = expires
        self.keks: dict[tuple[bytes, int], bytes] = {}

    def kek_for(self, p2s: bytes, p2c: int) -> bytes:
        from avault.vault import jwe  # noqa: PLC0415

        kek = self.keks.get((p2s, p2c))
        if kek is None:
            kek = jwe.pbkdf2_kek(bytes(self.passphrase), p2s, p2c)
            self.keks[(p2s, p2c)] = kek
        return kek

    def wipe(self) -> None:
        for i in range(len(self.passphrase)):
            self.passphrase[i] = 0
        self.keks.clear()


class Workers:
    """Threads that serve the agent's connections, kept for the next ones.

    A switch costs the agent a fraction of a millisecond; a new thread for it costs about
    as much again (its start, its stack and Python's frame memory faulted in afresh, its
    exit). So up to ``keep`` threads stay, each waiting on its own inbox for its next
    connection. When every kept thread is busy (a burst of shells, a switch waiting on
    STS or on a slow client), the connection gets a thread of its own, as before: nothing
    ever waits behind another connection.
    """

    def __init__(self, *, keep: int) -> None:
        import threading  # noqa: PLC0415

        self._keep = keep
        self._lock = threading.Lock()
        self._idle: list[Any] = []  # the inboxes (queue.SimpleQueue) of waiting threads, LIFO
        self._kept = 0

    def submit(self, serve: Callable[..., None], *args: Any) -> None:  # noqa: ANN401
        import threading  # noqa: PLC0415

        with self._lock:
            inbox = self._idle.pop() if self._idle else None
            keep = inbox is None and self._kept < self._keep
            if keep:
                self._kept += 1
        if inbox is not None:
            inbox.put((serve, args))
        else:
            target = self._work if keep else self._run
            threading.Thread(target=target, args=(serve, args), daemon=True).start()

    @staticmethod
    def _run(serve: Callable[..., None], args: tuple[Any, ...]) -> None:
        serve(*args)

    def _work(self, serve: Callable[..., None], args: tuple[Any, ...]) -> None:
        import contextlib  # noqa: PLC0415
        import queue  # noqa: PLC0415

        inbox: queue.SimpleQueue[tuple[Callable[..., None], tuple[Any, ...]] | None] = queue.SimpleQueue()
        job: tuple[Callable[..., None], tuple[Any, ...]] | None = (serve, args)
        while job is not None:
            # The handlers log what they know; whatever escapes them must not cost a thread.
            with contextlib.suppress(Exception):
                job[0](*job[1])
            with self._lock:
                self._idle.append(inbox)
            job = inbox.get()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for inbox in idle:
            inbox.put(None)


class AgentServer:
    def __init__(
        self,
        path: Path,
        *,
        timeout: float,
        log: Callable[[str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import threading  # noqa: PLC0415

        self.path = path
        self.timeout = timeout
        self.log = log or (lambda _m: None)
        self.clock = clock
        self.keys: dict[str, _Key] = {}
        self._mutex = threading.Lock()
        self._stop = threading.Event()
        self._listener: socket.socket | None = None
        self._inode: tuple[int, int] | None = None
        self.switch: SwitchHandler | None = None  # the zero-process switch (avault.agentswitch)
        self.workers = Workers(keep=KEPT_WORKERS)  # both listeners' connections

    # -- keys --------------------------------------------------------------------------
    def _forget(self, vault: str | None = None) -> int:
        with self._mutex:
            doomed = list(self.keys) if vault is None else [vault] if vault in self.keys else []
            for v in doomed:
                self.keys.pop(v).wipe()
        if doomed and self.switch is not None:
            self.switch.drop()  # sessions decrypted with a forgotten key go with it
        return len(doomed)

    def expire(self) -> None:
        now = self.clock()
        with self._mutex:
            expired = [v for v, k in self.keys.items() if k.expires is not None and now >= k.expires]
        for v in expired:
            self._forget(v)
            self.log(f"forgot the passphrase of {v} (AVAULT_AGENT_TIMEOUT)")

    def _key(self, vault: str) -> _Key | None:
        self.expire()
        with self._mutex:
            return self.keys.get(vault)

    # -- requests ------------------------------------------------------------------------
    def handle(self, req: Mapping[str, Any]) -> dict[str, Any]:
        import binascii  # noqa: PLC0415

        from avault import b64  # noqa: PLC0415
        from avault.vault import jwe  # noqa: PLC0415

        def fail(code: str, message: str) -> dict[str, Any]:
            return {"v": PROTOCOL_VERSION, "ok": False, "error": code, "message": message}

        op = req.get("op")
        if op == "stop":  # accepted from any protocol version, so an upgrade can replace us
            self._stop.set()
            return {"v": PROTOCOL_VERSION, "ok": True}
        if req.get("v") != PROTOCOL_VERSION:
            return fail("version", f"this agent speaks protocol {PROTOCOL_VERSION}; stop it and retry")
        ok: dict[str, Any] = {"v": PROTOCOL_VERSION, "ok": True}
        vault = req.get("vault")
        if op == "status":
            from avault import __version__  # noqa: PLC0415

            self.expire()
            return {**ok, "pid": os.getpid(), "vaults": len(self.keys), "version": __version__}
        if op == "lock":
            return {**ok, "forgot": self._forget()}
        if not isinstance(vault, str) or not vault:
            return fail("bad-request", "missing vault")
        if op == "unlock":
            passphrase = req.get("passphrase")
            if not isinstance(passphrase, str):
                return fail("bad-request", "missing passphrase")
            buf = bytearray(passphrase.encode("utf-8"))
            _mlock(buf)
            expires = self.clock() + self.timeout if self.timeout > 0 else None
            with self._mutex:
                old = self.keys.pop(vault, None)
                self.keys[vault] = _Key(buf, expires)
            if old is not None:
                old.wipe()
                if self.switch is not None:
                    self.switch.drop()  # what the old passphrase opened is not this one's
            self.log(f"holding the passphrase of {vault}")
            return ok
        key = self._key(vault)
        if key is None:
            return fail("locked", "no passphrase for this vault")
        try:
            if op == "decrypt":
                token = req.get("token")
                if not isinstance(token, str):
                    return fail("bad-request", "missing token")
                plaintext = jwe.decrypt_with(token, key.kek_for)
                return {**ok, "plaintext": b64.encode(plaintext)}
            if op == "encrypt":
                data = b64.decode(str(req.get("plaintext", "")), validate=True)
                return {**ok, "token": jwe.encrypt_with(data, key.kek_for)}
        except errors.KeyUnwrapError as exc:
            return fail("unwrap", str(exc))
        except errors.DecryptError as exc:
            return fail("decrypt", str(exc))
        except errors.JWEError as exc:
            return fail("malformed", str(exc))
        except (binascii.Error, ValueError):
            return fail("bad-request", "plaintext is not base64")
        return fail("bad-request", f"unknown op {op!r}")

    def _serve_connection(self, conn: socket.socket) -> None:
        with conn:
            try:
                if peer_uid(conn) != os.getuid():
                    self.log("refused a connection from another user")
                    return
                conn.settimeout(60)
                if self.switch is not None and self.switch.wants(conn):
                    self.switch.serve(conn)
                    return
                while not self._stop.is_set():
                    try:
                        req = recv_frame(conn)
                    except EOFError:
                        return
                    send_frame(conn, self.handle(req))
            except (OSError, ValueError, struct.error, AgentError) as exc:
                self.log(f"connection dropped ({type(exc).__name__})")

    # -- lifetime --------------------------------------------------------------------------
    def bind(self) -> None:
        """Listen on ``self.path`` (0600), replacing a stale socket; AgentError if one answers."""
        from avault.fsutil import exclusive  # noqa: PLC0415

        check_dir(self.path.parent, create=True)
        with exclusive(self.path.parent / "agent.lock"):
            if check_socket(self.path):
                probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    probe.connect(str(self.path))
                except ConnectionRefusedError:
                    self.path.unlink()
                    self.log(f"removed a stale socket {self.path}")
                else:
                    raise AgentError(
                        f"an agent is already running on {self.path}; stop it with 'avault agent --stop'"
                    )
                finally:
                    probe.close()
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            old_umask = os.umask(0o177)
            try:
                sock.bind(str(self.path))
            except OSError as exc:
                sock.close()
                raise AgentError(f"cannot listen on {self.path}: {exc.strerror}") from None
            finally:
                os.umask(old_umask)
            os.chmod(self.path, 0o600)  # noqa: PTH101
            sock.listen(LISTEN_BACKLOG)
            sock.settimeout(_TICK)
            st = self.path.lstat()
            self._inode = (st.st_dev, st.st_ino)
            self._listener = sock

    def _socket_is_ours(self) -> bool:
        try:
            st = self.path.lstat()
        except OSError:
            return False
        return (st.st_dev, st.st_ino) == self._inode

    def serve_forever(self) -> None:
        assert self._listener is not None
        try:
            while not self._stop.is_set():
                self.expire()
                if not self._socket_is_ours():
                    self.log("the socket is gone or replaced; exiting")
                    break
                try:
                    conn, _ = self._listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    continue
                conn.settimeout(None)
                self.workers.submit(self._serve_connection, conn)
        finally:
            self.close()

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self._forget()
        if self.switch is not None:
            self.switch.close()
        self.workers.close()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
            if self._socket_is_ours():
                self.path.unlink(missing_ok=True)


def run_foreground(
    env: Mapping[str, str],
    log: Callable[[str], None],
    switch: Callable[[AgentServer, Callable[[str], None]], SwitchHandler] | None = None,
) -> int:
    """The agent process itself: harden, bind, serve until stopped.

    ``switch`` makes the handler of switch requests (``avault.agentswitch.SwitchService``,
    passed in by the command, since storage knows nothing of STS).
    """
    import signal  # noqa: PLC0415

    measures = harden()
    server = AgentServer(socket_path(env), timeout=agent_timeout(env), log=log)
    server.bind()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        server.stop()

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    # Import the crypto now, so the first request does not pay for it.
    import cryptography.hazmat.primitives.ciphers.aead  # noqa: PLC0415
    import cryptography.hazmat.primitives.keywrap  # noqa: F401, PLC0415

    import avault.vault.jwe  # noqa: F401, PLC0415

    if switch is not None:
        server.switch = switch(server, log)
        server.switch.start()
    log(f"agent {os.getpid()} listening on {server.path} ({', '.join(measures) or 'no memory hardening'})")
    server.serve_forever()
    log("agent stopped")
    return 0
