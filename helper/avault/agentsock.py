"""The agent's unix socket as both ends see it, and the client inside ``avault export``.

Where the socket is, whether its directory and the socket file are ours, who is at the
other end of a connection (``SO_PEERCRED``), the switch request's wire format, and
``ask_agent()``: the one call ``avault export`` (credential_process, fish's fallback) makes
before doing any work. ``avault agent`` (``vault.passphrase_agent``) and its switch
service (``agentswitch``) use the same functions: one implementation of each check.

Imports are the point of this module. ``main()`` calls ``ask_agent()`` before importing
anything else of avault's, so only what a bare ``python -c pass`` has already loaded is
used here (``os``, ``stat``, ``sys``), plus ``_socket``, the C half of ``socket``, loaded
only once the socket file is there (with no agent, export pays two ``lstat`` calls). The
``socket`` package adds ``enum``, ``selectors`` and ``collections``, and ``pathlib`` adds
``re``, ``urllib`` and ``ipaddress``: with ``Context``, the error tree and the vault's
agent client they were ~26 ms of the ~40 ms this path took (``python -X importtime``).
``_socket.socket`` is the class ``socket.socket`` extends: the same connect, timeouts,
close-on-exec and ``getsockopt``. Paths are plain ``str``. ``avault.errors`` is imported
only to raise: a check that refuses is never the fast path.

Request: NUL-terminated UTF-8 fields ``AVS1``, the token (empty on the unix socket), then
``eNAME=VALUE`` for each variable of ``request_env()`` and ``aARG`` for each of
export's arguments (``--format zsh -d 1h -- prod``), then ``.``. Answer, then the
connection closes: ``ok``, export's stderr, export's stdout; or ``no``, a reason. On the
loopback port (bash) the same fields are framed by ``encode_sized``.
"""

from __future__ import annotations

import os
import stat
import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    import _socket
    from collections.abc import Mapping, Sequence

    from avault.errors import AgentError

SOCKET_NAME = "agent.sock"
MAGIC = "AVS1"
#: How long either side of a switch waits for the other before giving up (the shells use the same).
IO_TIMEOUT = 5.0
#: The variables a switch request carries: every one ``avault export`` may read.
ENV_PREFIXES = ("AWS_", "AVS_", "AVAULT_", "XDG_", "YKMAN_")
ENV_NAMES = (
    "HOME",
    "PATH",
    "TMPDIR",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "SHELL",
    "BROWSER",
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "DBUS_SESSION_BUS_ADDRESS",
    "PYTHON_KEYRING_BACKEND",
    "PASSWORD_STORE_DIR",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "NO_PROXY",
    "https_proxy",
    "http_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
)
#: Never sent: the current profile's keys (export does not read them) and passphrases.
SECRET_VARS = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
)
#: With one of these set, export would not use the agent's passphrase: no fast path.
NOT_THROUGH_AGENT = ("AWS_VAULT_FILE_PASSPHRASE", "AVAULT_FILE_PASSPHRASE_COMMAND")


# -- where --------------------------------------------------------------------------------


def runtime_dir(env: Mapping[str, str]) -> str:
    """``$XDG_RUNTIME_DIR/avault``, else a per-uid directory under the temp dir."""
    xdg = env.get("XDG_RUNTIME_DIR", "")
    if xdg and os.path.isabs(xdg):
        return os.path.join(xdg, "avault")
    tmp = env.get("TMPDIR", "") or "/tmp"  # noqa: S108 - a per-uid 0700 dir, checked below
    return os.path.join(tmp, f"avault-{os.getuid()}")


def socket_path(env: Mapping[str, str]) -> str:
    return os.path.join(runtime_dir(env), SOCKET_NAME)


# -- is it ours ---------------------------------------------------------------------------


def unsafe(path: str | os.PathLike[str], why: str) -> AgentError:
    from avault.errors import AgentError  # noqa: PLC0415 - only when refusing

    return AgentError(
        f"refusing to use the agent at {os.fspath(path)}: {why}; remove it, or set XDG_RUNTIME_DIR "
        "to a private directory (or AVAULT_AGENT=0 to not use the agent)"
    )


def check_dir(directory: str | os.PathLike[str], *, create: bool) -> bool:
    """True when ``directory`` is ours and private; creates it 0700 if asked. Raises if unsafe."""
    try:
        st = os.lstat(directory)
    except FileNotFoundError:
        if not create:
            return False
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            from avault.errors import AgentError  # noqa: PLC0415 - only when failing

            raise AgentError(
                f"cannot create the agent directory {os.fspath(directory)}: {exc.strerror}"
            ) from None
        st = os.lstat(directory)
    if not stat.S_ISDIR(st.st_mode):  # lstat: a symlink is not a directory
        raise unsafe(directory, "it is not a directory")
    if st.st_uid != os.getuid():
        raise unsafe(directory, f"it belongs to uid {st.st_uid}, not to you (uid {os.getuid()})")
    if st.st_mode & 0o077:
        # Ours but loose (e.g. made under a lax umask): tighten rather than refuse.
        os.chmod(directory, 0o700)
    return True


def check_socket(path: str | os.PathLike[str]) -> bool:
    """True when the socket file exists and is ours. Raises if another user owns it."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISSOCK(st.st_mode):  # lstat: a symlink is not a socket
        raise unsafe(path, "it is not a socket")
    if st.st_uid != os.getuid():
        raise unsafe(path, f"the socket belongs to uid {st.st_uid}, not to you (uid {os.getuid()})")
    return True


def peer_uid(sock: _socket.socket) -> int:
    """The uid of the process at the other end of a connected unix socket."""
    import _socket  # noqa: PLC0415 - loaded (a shared library) only once there is a socket

    if hasattr(_socket, "SO_PEERCRED"):  # Linux: struct ucred {pid_t pid; uid_t uid; gid_t gid}
        raw = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)
        return _uid_at(raw, 4, 12)
    if sys.platform == "darwin":  # LOCAL_PEERCRED at SOL_LOCAL: struct xucred {u_int version; uid_t uid; ...}
        raw = sock.getsockopt(0, 0x001, 76)
        return _uid_at(raw, 4, 8)
    from avault.errors import AgentError  # noqa: PLC0415 - only when failing

    raise AgentError("this platform cannot check who is at the other end of a socket; set AVAULT_AGENT=0")


def _uid_at(raw: bytes, offset: int, least: int) -> int:
    """The native 32-bit ``uid_t`` at ``offset`` (no ``struct``: one more import for one number)."""
    if len(raw) < least:
        raise OSError(f"short peer credentials ({len(raw)} bytes)")
    return int.from_bytes(raw[offset : offset + 4], sys.byteorder)


def _refused(exc: Exception) -> bool:
    """Whether ``exc`` is a check's AgentError (errors.py is loaded once one was raised)."""
    errors = sys.modules.get("avault.errors")
    return errors is not None and isinstance(exc, errors.AgentError)


# -- the switch request (both ends) ---------------------------------------------------------


def request_env(env: Mapping[str, str]) -> dict[str, str] | None:
    """The variables a request carries, or None when this environment must not use the agent."""
    if env.get("AVAULT_AGENT") == "0" or any(name in env for name in NOT_THROUGH_AGENT):
        return None
    return {
        k: v
        for k, v in env.items()
        if (k.startswith(ENV_PREFIXES) or k in ENV_NAMES) and k not in SECRET_VARS
    }


def encode(fields: Sequence[str]) -> bytes:
    return b"".join(f.encode("utf-8", "surrogateescape") + b"\0" for f in fields)


def encode_request(token: str, env: Mapping[str, str], args: Sequence[str]) -> bytes:
    return encode([MAGIC, token, *(f"e{k}={v}" for k, v in env.items()), *(f"a{a}" for a in args), "."])


def encode_sized(fields: Sequence[str]) -> bytes:
    """The answer on the loopback port, for bash: bash's ``read`` takes a socket one byte at
    a time (about 1,200 calls for one answer), but ``read -N COUNT`` takes it in chunks. So:
    a line of the first field (``ok``, ``no``) and the byte length of each other field, then
    those fields back to back."""
    data = [f.encode("utf-8", "surrogateescape") for f in fields[1:]]
    return (" ".join([fields[0], *(str(len(d)) for d in data)]) + "\n").encode() + b"".join(data)


def decode_request(data: bytes) -> tuple[str, dict[str, str], list[str]] | None:
    fields = [f.decode("utf-8", "surrogateescape") for f in data.split(b"\0")]
    if len(fields) < 4 or fields[0] != MAGIC or fields[-2:] != [".", ""]:
        return None
    env: dict[str, str] = {}
    args: list[str] = []
    for field in fields[2:-2]:
        if field.startswith("e") and "=" in field:
            name, _, value = field[1:].partition("=")
            env[name] = value
        elif field.startswith("a"):
            args.append(field[1:])
        else:
            return None
    return fields[1], env, args


# -- the client inside `avault export` ------------------------------------------------------


def ask_agent(args: Sequence[str], env: Mapping[str, str]) -> tuple[str, str] | None:
    """(stderr, stdout) of ``avault export ARGS`` as the running agent makes them, or None.

    None for every non-answer: no agent, not provably ours (export's own path then warns
    about it), another uid at the other end, a decline (``no``), a cut-short answer.
    """
    sent = request_env(env)
    if sent is None:
        return None
    path = socket_path(env)
    try:
        if not (check_dir(os.path.dirname(path), create=False) and check_socket(path)):
            return None  # no agent: not even _socket is loaded
        import _socket  # noqa: PLC0415

        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    except Exception as exc:
        if isinstance(exc, OSError) or _refused(exc):
            return None
        raise
    chunks = []
    try:
        sock.settimeout(IO_TIMEOUT)
        sock.connect(path)
        if peer_uid(sock) != os.getuid():
            return None
        sock.sendall(encode_request("", sent, args))
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except Exception as exc:
        if isinstance(exc, OSError) or _refused(exc):
            return None
        raise
    finally:
        sock.close()
    fields = b"".join(chunks).split(b"\0")
    if len(fields) != 4 or fields[0] != b"ok" or fields[3]:
        return None
    return fields[1].decode("utf-8", "surrogateescape"), fields[2].decode("utf-8", "surrogateescape")


__all__ = [
    "IO_TIMEOUT",
    "MAGIC",
    "ask_agent",
    "check_dir",
    "check_socket",
    "decode_request",
    "encode",
    "encode_request",
    "encode_sized",
    "peer_uid",
    "request_env",
    "runtime_dir",
    "socket_path",
    "unsafe",
]
