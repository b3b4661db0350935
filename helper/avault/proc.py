"""Process hygiene: no core dumps while secrets are in memory; isolated self-started processes.

**Core dumps.** ``no_core_dumps()`` sets the soft ``RLIMIT_CORE`` to 0 (the hard limit is
kept, so a user's own command can get its limit back) and, with ``ptrace=True`` on
Linux, ``prctl(PR_SET_DUMPABLE, 0)``: no core even through a piped ``core_pattern``,
and no ptrace or ``/proc/<pid>/mem`` by other processes of the same user. The rlimit
costs a ``resource`` import (~0.1 ms), so ``main()`` does it for every command; the prctl
is called through ``_ctypes``, the C half of ``ctypes`` (the ``ctypes`` package itself
costs ~9M instructions to import, a quarter of a bare Python start; ``_ctypes`` ~1M), and
``main()`` leaves it to where a secret is about to be in memory on the cached switch (the
passphrase provider), doing it at once for every other command, the agent and the ECS
server. ``bench/bench_hardening.py`` measures both.
``child_core_limit()`` gives the limits from before, for the user's own commands.

**Self-started processes.** ``spawn_avault`` is the one way avault starts a Python
process of its own (the agent): ``python -I`` (no ``PYTHON*`` variables, no user
site-packages, neither the working directory nor the script's on ``sys.path``), avault's
own package directory first on ``sys.path``, cwd ``/``, umask 077, a new session, stdin,
stdout and stderr on ``/dev/null``, no other inherited file descriptor, and an
environment of only ``SAFE_ENV`` plus what the caller names. ``isolate_forked`` applies
the same to a child made with ``fork`` (the background ECS server), which must keep its
memory (the credentials fetched in the foreground) and so cannot be a new interpreter.

The user's own commands (``exec``'s command, the passphrase command, ``mfa_process``,
``credential_process``) are not started here: they run where and how the user asked.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    import subprocess
    from collections.abc import Callable, Iterable, Mapping, Sequence

    from avault.errors import AvaultError

#: What a self-started avault process inherits of the environment: never a secret.
SAFE_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "XDG_RUNTIME_DIR")
PR_SET_DUMPABLE = 4

_core_limit_before: list[tuple[int, int]] = []
_not_dumpable_done: list[bool] = []


def no_core_dumps(*, ptrace: bool = True, hard: bool = False) -> list[str]:
    """Soft (``hard``: and hard) RLIMIT_CORE 0, and (``ptrace``, Linux) not dumpable; the
    measures that took effect. A process that runs the user's commands keeps the hard
    limit, so they can get their own back (``restore_core_limit``)."""
    done: list[str] = []
    try:
        import resource  # noqa: PLC0415 - POSIX only

        old = resource.getrlimit(resource.RLIMIT_CORE)
        if not _core_limit_before:
            _core_limit_before.append(old)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0 if hard else old[1]))
        done.append("no core dumps")
    except (ImportError, ValueError, OSError):
        pass
    if ptrace and not_dumpable():
        done.append("not dumpable")
    return done


def not_dumpable() -> bool:
    """``prctl(PR_SET_DUMPABLE, 0)`` once per process (Linux); True when it is in effect."""
    if _not_dumpable_done:
        return _not_dumpable_done[0]
    ok = False
    if sys.platform.startswith("linux"):
        try:
            ok = _prctl()(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
        except (ImportError, OSError, AttributeError, TypeError):
            ok = False
    _not_dumpable_done.append(ok)
    return ok


def _prctl() -> Callable[..., int]:
    """libc's ``prctl`` as ``ctypes.CDLL(None).prctl`` would give it (int arguments and
    result), built from ``_ctypes`` alone: the cached switch calls it, and importing the
    ``ctypes`` package would add ~1.5 ms to it."""
    import _ctypes  # noqa: PLC0415 - only where a secret is handled

    class Int(_ctypes._SimpleCData):  # type: ignore[type-arg]  # noqa: SLF001 - ctypes.c_int
        _type_ = "i"

    class Function(_ctypes.CFuncPtr):
        _flags_ = _ctypes.FUNCFLAG_CDECL
        _restype_ = Int

    handle = _ctypes.dlopen(None, os.RTLD_NOW)  # type: ignore[arg-type]  # None: the program itself
    return Function(_ctypes.dlsym(handle, "prctl"))


def child_core_limit() -> tuple[int, int] | None:
    """RLIMIT_CORE as it was before ``no_core_dumps``: for the user's own commands."""
    return _core_limit_before[0] if _core_limit_before else None


def restore_core_limit(pid: int = 0) -> None:
    """Put RLIMIT_CORE back for the user's command: in this process just before its
    ``execve``, or (``pid``, Linux) in the child already started."""
    old = child_core_limit()
    if old is None:
        return
    try:
        import resource  # noqa: PLC0415

        if not pid:
            resource.setrlimit(resource.RLIMIT_CORE, old)
        elif (prlimit := getattr(resource, "prlimit", None)) is not None:
            prlimit(pid, resource.RLIMIT_CORE, old)
    except (ImportError, ValueError, OSError):
        pass


def safe_env(env: Mapping[str, str], keep: Iterable[str] = ()) -> dict[str, str]:
    """``SAFE_ENV`` and ``keep`` from ``env`` (those set), with a default PATH."""
    out = {k: env[k] for k in (*SAFE_ENV, *keep) if env.get(k)}
    out.setdefault("PATH", "/usr/bin:/bin")
    return out


def _package_root() -> str:
    import avault  # noqa: PLC0415

    return os.path.dirname(os.path.dirname(os.path.abspath(avault.__file__)))  # noqa: PTH100, PTH120


def avault_argv(args: Sequence[str]) -> list[str]:
    """``python -I -c <boot> ARGS``: this very avault, whatever the cwd or PYTHON* say."""
    boot = (
        f"import sys; sys.path.insert(0, {_package_root()!r}); "
        "from avault.main import main; sys.exit(main(sys.argv[1:]))"
    )
    return [sys.executable, "-I", "-c", boot, *args]


def spawn_avault(args: Sequence[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """Start ``avault ARGS`` isolated (see the module docstring); ``env`` is used as given."""
    import subprocess  # noqa: PLC0415

    return subprocess.Popen(
        avault_argv(args),
        env=dict(env),
        cwd="/",
        umask=0o077,
        close_fds=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def isolate_forked(keep_fds: Iterable[int] = ()) -> None:
    """In a freshly forked daemon: new session, cwd /, umask 077, 0-2 on /dev/null, no
    inherited descriptor but ``keep_fds``, neither the old cwd nor '' on ``sys.path``."""
    from contextlib import suppress  # noqa: PLC0415

    with suppress(OSError):
        os.setsid()
    old_cwd = ""
    with suppress(OSError):
        old_cwd = os.getcwd()  # noqa: PTH109 - a str, as sys.path holds
    os.chdir("/")
    os.umask(0o077)
    sys.path[:] = [p for p in sys.path if p and os.path.isabs(p) and p != old_cwd]  # noqa: PTH117
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    keep = {0, 1, 2, *keep_fds}
    for fd in _open_fds():
        # Only what we inherited (inheritable: the shell's descriptors); Python opens its
        # own non-inheritable (PEP 446), and those may still be in use (an HTTP pool).
        with suppress(OSError):
            if fd not in keep and os.get_inheritable(fd):
                os.close(fd)


def _open_fds() -> list[int]:
    for where in ("/proc/self/fd", "/dev/fd"):
        try:
            return [int(n) for n in os.listdir(where)]  # noqa: PTH208 - names only
        except (OSError, ValueError):  # noqa: PERF203 - two candidates
            pass
    return list(range(3, 1024))


def start_error(command: list[str], exc: OSError) -> AvaultError:
    """Why ``command`` could not start, with the shell's exit codes (127 not found, 126 else)."""
    from avault.errors import AvaultError  # noqa: PLC0415

    if isinstance(exc, FileNotFoundError):
        return AvaultError(f"exec: {command[0]}: command not found; check the name and PATH", exit_code=127)
    if isinstance(exc, PermissionError):
        return AvaultError(f"exec: {command[0]}: permission denied; is it executable?", exit_code=126)
    return AvaultError(f"exec: cannot run {command[0]} ({exc.strerror})", exit_code=126)
