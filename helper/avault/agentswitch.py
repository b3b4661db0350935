"""The zero-process switch: ``avault agent`` as the credential daemon (issue 15).

A running agent that holds the file vault's passphrase also answers "switch to PROFILE"
with exactly the code ``avault export --format SHELL`` would print: the same functions
make it (``_export()`` below is the one way in), with a warm botocore and the decrypted
sessions kept in memory. zsh asks over the agent's unix socket with ``zsh/net/socket``
(the peer's uid is checked, as for every agent connection); bash asks over loopback TCP
with ``/dev/tcp``, authenticated by a random token it reads with ``read`` from
``agent.tcp`` (0600, in the agent's 0700 directory; new at every start; compared in
constant time); ``avault export`` itself (fish's ``avs``, credential_process) asks over
the unix socket before doing any work. No shell starts a process for a switch.

The request and answer (``AVS1``, the token, ``eNAME=VALUE``..., ``aARG``..., ``.``; then
``ok``, stderr, stdout or ``no``, a reason) are ``avault.agentsock``'s, with the client.

``no`` means: use today's path, unchanged. The agent says it when it holds no passphrase
for the vault (not running, locked, timed out), for another backend, when a human would
be needed (MFA, a browser, a passphrase prompt), for a flag or an environment the fast
path does not know, and for every error (export then prints it, as it always did).

Nothing is served stale: each request resolves the profile as export does. What the
agent keeps is what costs: the interpreter and its imports, a warm botocore (one session,
clients reused per credentials), the parsed config and the vault's listing (reused only
while their stat is unchanged and settled: ``fsutil.StatCache``), and the decrypted items,
keyed by their whole JWE text, read from disk at every request (an item rewritten or
removed by any process is a different token, or none). ``avault lock``, a new passphrase
and the agent's timeout drop all of it with the passphrase; a request that was under way
then answers ``no``.

Requests are served concurrently, each on a thread of its own (kept for the next
connection: ``passphrase_agent.Workers``), so one waiting seconds for STS holds up no
other; the caches are shared, each behind its own lock.

The client inside ``avault export`` is ``avault.agentsock.ask_agent``: it imports
nothing of this module's (Context, pathlib, the vault) before it knows whether the agent
answers.
"""

from __future__ import annotations

import socket

from avault.agentsock import IO_TIMEOUT, MAGIC, ask_agent, decode_request, encode, encode_sized, request_env
from avault.context import Context, _system_clock
from avault.errors import NeedsHuman

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    import types
    from collections.abc import Callable, Mapping

    from avault.vault.passphrase_agent import AgentServer, _Key

TCP_FILE = "agent.tcp"
INT_TRAP_PREFIX = "int-trap."  # shell/bash/avs.bash's __avs_int_trap
MAX_REQUEST = 256 * 1024
MAX_PLAINTEXTS = 1024


def _export() -> types.ModuleType:
    """The one way into the switching logic export uses (obtain, render_format, check_nested)."""
    from avault import switch  # noqa: PLC0415

    return switch


# -- the agent's side -------------------------------------------------------------------------


def is_switch_request(conn: socket.socket) -> bool:
    """The first byte tells a switch request (``A``) from a framed one (a length's 0x00)."""
    try:
        return conn.recv(1, socket.MSG_PEEK) == MAGIC[:1].encode()
    except OSError:
        return False


def warm_botocore() -> None:
    """Import botocore, make the one session and load STS's model, so no switch pays for it."""
    from avault import aws  # noqa: PLC0415

    aws.keep_warm()
    aws.client(aws.session(), "sts", region="us-east-1", endpoint=None, env={})


class Plaintexts:
    """The decrypted session cache: vault and item (its whole JWE) -> plaintext.

    Shared by every request's thread. A plaintext is remembered only while the key that
    made it is still the one the agent holds, checked under the same lock ``drop`` takes:
    a decrypt that finishes just after ``avault lock`` leaves nothing behind.
    """

    def __init__(self, holds: Callable[[str, _Key], bool]) -> None:
        import threading  # noqa: PLC0415

        self._holds = holds
        self._lock = threading.Lock()
        self._items: dict[str, bytes] = {}

    def get(self, vault: str, token: str) -> bytes | None:
        return self._items.get(f"{vault}\0{token}")

    def remember(self, vault: str, key: _Key, token: str, plaintext: bytes) -> None:
        with self._lock:
            if not self._holds(vault, key):
                return  # locked, timed out or replaced meanwhile
            if len(self._items) >= MAX_PLAINTEXTS:
                self._items.clear()
            self._items[f"{vault}\0{token}"] = plaintext

    def drop(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class _KeySealer:
    """The vault's crypto with the key the agent holds (file.py's Sealer), remembering plaintexts.

    Keyed by the item's whole JWE: an item rewritten, replaced or removed by any process
    is a different token (or none), so nothing stale can come out of it.
    """

    def __init__(self, vault: str, key: _Key, plaintexts: Plaintexts) -> None:
        self.vault = vault
        self.key = key
        self.plaintexts = plaintexts

    def decrypt(self, token: str) -> bytes:
        from avault.vault import jwe  # noqa: PLC0415

        plaintext = self.plaintexts.get(self.vault, token)
        if plaintext is None:
            plaintext = jwe.decrypt_with(token, self.key.kek_for)
            self.plaintexts.remember(self.vault, self.key, token, plaintext)
        return plaintext

    def encrypt(self, plaintext: bytes) -> str:
        from avault.vault import jwe  # noqa: PLC0415

        token = jwe.encrypt_with(plaintext, self.key.kek_for)
        self.plaintexts.remember(self.vault, self.key, token, plaintext)
        return token


class SwitchService:
    """Answers switch requests for one AgentServer, on its unix socket and on loopback TCP."""

    def __init__(self, server: AgentServer, log: Callable[[str], None]) -> None:
        import secrets  # noqa: PLC0415

        from avault.fsutil import StatCache  # noqa: PLC0415

        self.server = server
        self.log = log
        self.token = secrets.token_hex(32)
        self.plaintexts = Plaintexts(self._holds)
        #: The parsed config files and vault listings, by path (fsutil.StatCache).
        self.file_cache = StatCache()
        self._tcp: socket.socket | None = None
        self._tcp_file = server.path.parent / TCP_FILE
        # When the INT-trap files of gone bash shells were last removed; None: not yet, so the
        # first request sweeps (time.monotonic() counts from boot: 0.0 would wait for an hour's uptime).
        self._swept: float | None = None

    # -- lifetime --------------------------------------------------------------------------
    def start(self) -> None:
        """Listen on 127.0.0.1 (a free port) and publish ``PORT TOKEN`` in agent.tcp (0600)."""
        import threading  # noqa: PLC0415

        from avault.fsutil import atomic_write  # noqa: PLC0415 - the one atomic write
        from avault.vault.passphrase_agent import LISTEN_BACKLOG  # noqa: PLC0415

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(LISTEN_BACKLOG)
        self._tcp = sock
        port = sock.getsockname()[1]
        self._tcp_file.unlink(missing_ok=True)  # a new file, created 0600
        atomic_write(self._tcp_file, f"{port} {self.token}\n".encode())
        threading.Thread(target=self._accept_tcp, args=(sock,), daemon=True).start()
        threading.Thread(target=self._warm, daemon=True).start()
        self.log(f"switches on {self.server.path} and 127.0.0.1:{port}")

    def _warm(self) -> None:
        import gc  # noqa: PLC0415

        try:
            warm_botocore()
        except Exception as exc:
            self.log(f"could not warm botocore ({type(exc).__name__})")
        # What is loaded now stays for the agent's life: a full collection would walk all of
        # botocore's objects (tens of ms, every thread stopped) to find nothing to free.
        gc.freeze()

    def wants(self, conn: socket.socket) -> bool:
        """Whether this connection to the agent's socket is a switch request."""
        return is_switch_request(conn)

    def close(self) -> None:
        self.drop()
        if self._tcp is not None:
            self._tcp.close()
            self._tcp = None
            self._tcp_file.unlink(missing_ok=True)

    def drop(self) -> None:
        """Forget every in-memory session, config and listing (``avault lock``, the timeout, exit)."""
        self.plaintexts.drop()
        self.file_cache.drop()

    def _holds(self, vault: str, key: _Key) -> bool:
        """Whether ``key`` is still the one the agent holds for ``vault`` (not locked, not expired)."""
        return self.server._key(vault) is key  # noqa: SLF001 - the agent's own keys

    def _accept_tcp(self, sock: socket.socket) -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return  # closed
            self.server.workers.submit(self._serve_tcp, conn)

    def _serve_tcp(self, conn: socket.socket) -> None:
        self._sweep()  # before the answer: a tenth of a millisecond, at most hourly
        self.serve(conn, tcp=True)

    def _sweep(self, *, every: float = 3600.0) -> None:
        """At most hourly: remove ``int-trap.PID``, which a bash shell writes here after our
        switch (to read its INT trap back without a process), for shells that have exited."""
        import time  # noqa: PLC0415

        from avault.fsutil import remove_files_of_gone_pids  # noqa: PLC0415

        now = time.monotonic()
        if self._swept is None or now - self._swept >= every:
            self._swept = now
            remove_files_of_gone_pids(self.server.path.parent, INT_TRAP_PREFIX)

    # -- one connection ----------------------------------------------------------------------
    def serve(self, conn: socket.socket, *, tcp: bool = False) -> None:
        import hmac  # noqa: PLC0415

        with conn:
            try:
                conn.settimeout(IO_TIMEOUT)
                data = bytearray()
                while not data.endswith(b"\0.\0"):
                    chunk = conn.recv(65536)
                    if not chunk or len(data) > MAX_REQUEST:
                        return
                    data += chunk
                request = decode_request(bytes(data))
                frame = encode_sized if tcp else encode  # bash reads lengths (agentsock)
                if request is None:
                    conn.sendall(frame(["no", "bad request"]))
                    return
                token, env, args = request
                if tcp and not hmac.compare_digest(token.encode(), self.token.encode()):
                    self.log("refused a TCP switch request without the token")
                    return  # nothing at all for whoever does not hold the token
                conn.sendall(frame(self.answer(env, args)))
            except OSError as exc:
                self.log(f"switch connection dropped ({type(exc).__name__})")

    def answer(self, env: dict[str, str], args: list[str]) -> list[str]:
        try:
            err, out = self.switch(env, args)
        except NeedsHuman as exc:
            return ["no", f"needs {exc}"]
        except Exception as exc:
            return ["no", type(exc).__name__]
        return ["ok", err, out]

    def switch(self, env: dict[str, str], args: list[str]) -> tuple[str, str]:
        """(stderr, stdout) of ``avault export ARGS`` in ``env``; NeedsHuman/any error: no."""
        import io  # noqa: PLC0415

        from avault.cmdline import session_options  # noqa: PLC0415
        from avault.fastargs import fast_export_args  # noqa: PLC0415
        from avault.vault.select import backend_name, file_dir  # noqa: PLC0415

        ns = fast_export_args(["export", *args])
        if ns is None or ns.debug or ns.stdout or ns.prompt or env.get("AWS_VAULT_PROMPT"):
            raise NeedsHuman("the full command (a flag the fast path does not take)")
        if request_env(env) is None:
            raise NeedsHuman("the passphrase from the environment")
        ctx = AgentContext(env, self)
        exp = _export()
        exp.check_nested(env, exp.NESTED_EXPORT)
        profile = ns.profile or env.get("AWS_PROFILE", "")
        if not profile:
            raise NeedsHuman("the profile menu")
        opts = session_options(ns)
        if backend_name(opts.vault, ctx) != "file":
            raise NeedsHuman("another backend")
        vault = str(ctx.expand(file_dir(opts.vault, ctx)))
        key = ctx.sealer_for(vault).key  # raises NeedsHuman when locked
        resolved = exp.obtain(opts, ctx, profile)
        out = exp.render_format(ns.format, resolved, env)
        if not self._holds(vault, key):
            raise NeedsHuman("the passphrase (the agent was locked meanwhile)")
        from avault.recent import note_switch  # noqa: PLC0415

        note_switch(ns.format, resolved.profile, env, ctx.home)
        assert isinstance(ctx.stderr, io.StringIO)
        return ctx.stderr.getvalue(), out


class AgentContext(Context):
    """A Context for one request: its env, captured streams, and never a person."""

    no_human = True  # read by mfa.py and sso.py: raise NeedsHuman instead of asking

    def __init__(self, env: Mapping[str, str], service: SwitchService) -> None:
        import io  # noqa: PLC0415

        super().__init__(
            dict(env),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            stdin=io.StringIO(),
            clock=_system_clock(env),
            tty_path="/nonexistent/avault-agent-has-no-terminal",
        )
        self.service = service
        self.file_cache = service.file_cache

    def prompt(self, message: str, *, secret: bool = False, how_to_avoid: str = "") -> str:  # noqa: ARG002
        raise NeedsHuman("a prompt")

    def sealer_for(self, vault: str) -> _KeySealer:
        """passphrase.py asks here first: the agent's own key, never a prompt."""
        key = self.service.server._key(vault)  # noqa: SLF001 - the agent's own keys
        if key is None:
            raise NeedsHuman("the passphrase (the agent is locked)")
        return _KeySealer(vault, key, self.service.plaintexts)


__all__ = ["NeedsHuman", "SwitchService", "ask_agent", "request_env"]
