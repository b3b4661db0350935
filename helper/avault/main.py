"""The entry point: the one error funnel, and a fast path for the command ``avs`` runs.

``main()`` is the only place that prints an ``AvaultError``. Argument parsing is argparse
(``avault.cli``), except for the one command a shell runs on every switch:
``avault export [options] PROFILE``. argparse and the ``shutil`` its help formatter
pulls in cost ~9 ms to import and build, a fifth of the cached switch's budget, so
``fast_export_args`` (``avault.fastargs``) reads those arguments itself. It accepts only plain, unambiguous
spellings and hands everything else (abbreviations, ``--help``, errors, other commands)
to argparse; a test checks it agrees with argparse on every argument list it accepts.

Before anything else of avault's is imported (Context and ``pathlib``, the error tree,
the vault), that command asks a running agent (``avault.agentsock.ask_agent``, stdlib
only): credential_process and fish's ``avs`` pay for little more than a bare Python
start when it answers. A test (tests/e2e/test_agent_switch.py) holds the list of what
such an answer must not import.
"""

from __future__ import annotations

import os
import sys

from avault.constants import BACKENDS, EXPORT_FORMATS, SHELLS
from avault.fastargs import fast_export_args

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    import argparse
    import types
    from collections.abc import Sequence

    from avault.context import Context

#: ``avault avs WHAT`` and how many arguments follow (``avs -s``, avr, avp, bash's first
#: TAB): only the shells run them, in these forms, so argparse is skipped.
_AVS_BARE = {"status": 0, "avr": 0, "avp": 0, "profiles": 1}

__all__ = ["BACKENDS", "EXPORT_FORMATS", "SHELLS", "fast_export_args", "main"]


def _split_exec_argv(argv: list[str]) -> tuple[list[str], list[str] | None]:
    """``exec [flags] PROFILE -- CMD...``: everything after the first ``--`` is the command."""
    if "exec" in argv and "--" in argv and argv.index("--") > argv.index("exec"):
        i = argv.index("--")
        return argv[:i], argv[i + 1 :]
    return argv, None


def main(argv: Sequence[str] | None = None, ctx: Context | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    fast = fast_export_args(args_list)
    args: types.SimpleNamespace | argparse.Namespace
    if fast is not None:
        args = fast
    elif (
        args_list[:1] == ["avs"] and len(args_list) >= 2 and _AVS_BARE.get(args_list[1]) == len(args_list) - 2
    ):
        import types  # noqa: PLC0415

        args = types.SimpleNamespace(
            module="avs", what=args_list[1], args=args_list[2:], debug=False, prompt=None
        )
    else:
        from avault.cli import build_parser  # noqa: PLC0415 - argparse only when needed

        args_list, after_dashdash = _split_exec_argv(args_list)
        parser = build_parser()
        parsed = parser.parse_args(args_list)
        if after_dashdash is not None:
            parsed.cmd = after_dashdash
        if not getattr(parsed, "command", None):
            parser.print_help(sys.stderr)
            return 2
        args = parsed
    from avault.proc import no_core_dumps  # noqa: PLC0415

    # Before any secret is in memory. The cached switch skips the prctl (ctypes costs more
    # than the rest of the core-dump guard); the passphrase provider does it on a miss.
    no_core_dumps(ptrace=fast is None)
    if fast is not None and not fast.debug:
        from avault.agentsock import ask_agent  # noqa: PLC0415 - the running agent may answer

        answered = ask_agent(args_list[1:], ctx.env if ctx is not None else os.environ)
        if answered is not None:
            out = ctx.stdout if ctx is not None else sys.stdout
            (ctx.stderr if ctx is not None else sys.stderr).write(answered[0])
            out.write(answered[1])
            out.flush()
            return 0
    import importlib  # noqa: PLC0415 - not on the agent's answer (its `warnings` costs)

    from avault.context import Context  # noqa: PLC0415 - pathlib: not on the agent's answer
    from avault.errors import AvaultError  # noqa: PLC0415

    ctx = ctx or Context.from_os()
    ctx.debug = bool(args.debug)
    try:
        prompt = getattr(args, "prompt", None) or ctx.env.get("AWS_VAULT_PROMPT", "")
        if prompt:  # every command, as aws-vault validates it (the usual, unset case costs nothing)
            from avault.mfa import validate_driver  # noqa: PLC0415

            validate_driver(prompt, ctx.env)
        module = importlib.import_module(f"avault.commands.{args.module}")
        return int(module.run(args, ctx))
    except AvaultError as exc:
        from avault.text import printable  # noqa: PLC0415 - errors only

        print(f"avault: {printable(str(exc))}", file=ctx.stderr, flush=True)
        return exc.exit_code
    except KeyboardInterrupt:
        print("avault: interrupted", file=ctx.stderr, flush=True)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); exit quietly like zoxide's SilentExit.
        return 141
    except Exception as exc:
        if ctx.debug:
            import traceback  # noqa: PLC0415

            traceback.print_exc(file=ctx.stderr)
        # Only the type name: an exception's text may quote a secret.
        print(
            f"avault: internal error ({type(exc).__name__}); rerun with --debug and report it",
            file=ctx.stderr,
            flush=True,
        )
        return 70
