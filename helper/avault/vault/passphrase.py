"""Where the file vault's passphrase comes from: once per login, not once per command.

Sources, first match wins (only when an item is actually decrypted or encrypted;
listing keys never asks):

1. ``AWS_VAULT_FILE_PASSPHRASE``, if set (even empty, as in aws-vault);
2. ``AVAULT_FILE_PASSPHRASE_COMMAND``: run with ``/bin/sh -c``; its stdout, minus one
   trailing newline, is the passphrase (``pass show avault``, ``op read ...``). stdin
   and stderr are the terminal's, so it can prompt; stdout is captured and never shown.
   Non-zero exit, no output, or running longer than
   ``AVAULT_FILE_PASSPHRASE_COMMAND_TIMEOUT`` (seconds or a Go duration, default 30s)
   is a one-line error naming the variable: never an empty passphrase;
3. the agent (avault.vault.passphrase_agent), when its socket exists, unless ``AVAULT_AGENT=0``: it
   decrypts and encrypts for us, so the passphrase is not in this process at all. Only
   an agent that is provably ours is used (directory and socket ours and private, the
   peer's uid ours); anything else, e.g. planted in the temp dir by another user, gets a
   one-line warning and step 4;
4. the prompt on the terminal (``Enter passphrase to unlock "<dir>": ``), at most once
   per process. Once that passphrase has opened an item (or, for a new vault, was typed
   twice) it is handed to the running agent; with ``AVAULT_AGENT=1`` an agent is started
   first if none runs. If the agent dies mid-request, or has forgotten the passphrase
   (``avault lock``, ``AVAULT_AGENT_TIMEOUT``), we fall back to step 4.

This module imports only the stdlib; the agent client is imported when it is used.
"""

from __future__ import annotations

import os

from avault import errors
from avault.errors import PassphraseCommandError, VaultError
from avault.vault import jwe

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path
    from typing import Protocol

    from avault.context import Context
    from avault.errors import AgentUnavailable
    from avault.vault.passphrase_agent import AgentClient

    class Sealer(Protocol):
        """Decrypts and encrypts vault items with a key it holds; raises errors.JWEError subclasses."""

        def decrypt(self, token: str) -> bytes: ...

        def encrypt(self, plaintext: bytes) -> str: ...

    #: ``provider(new_vault) -> passphrase or Sealer``. ``new_vault`` is True when the
    #: vault has no item yet, so an interactive provider should ask twice and compare.
    PassphraseProvider = Callable[[bool], "str | Sealer"]

PASSPHRASE_VAR = "AWS_VAULT_FILE_PASSPHRASE"  # noqa: S105 - a variable name, not a secret
COMMAND_VAR = "AVAULT_FILE_PASSPHRASE_COMMAND"
COMMAND_TIMEOUT_VAR = "AVAULT_FILE_PASSPHRASE_COMMAND_TIMEOUT"
AGENT_VAR = "AVAULT_AGENT"
DEFAULT_COMMAND_TIMEOUT = 30.0

# Once per process, as aws-vault does: the passphrase per directory.
_passphrases: dict[str, str] = {}


class LocalSealer:
    """The passphrase is in this process; jwe.py does the crypto here."""

    def __init__(self, passphrase: str) -> None:
        self._passphrase = passphrase

    def decrypt(self, token: str) -> bytes:
        return jwe.decrypt(token, self._passphrase)

    def encrypt(self, plaintext: bytes) -> str:
        return jwe.encrypt(plaintext, self._passphrase)


def env_or_prompt_provider(ctx: Context, shown_dir: str) -> Callable[[bool], str]:
    """``$AWS_VAULT_FILE_PASSPHRASE`` if set (even empty), else ask on the tty once per process."""

    def provide(new_vault: bool) -> str:
        if PASSPHRASE_VAR in ctx.env:
            return ctx.env[PASSPHRASE_VAR]
        cached = _passphrases.get(shown_dir)
        if cached is not None:
            return cached
        avoid = f"set {PASSPHRASE_VAR}"
        if new_vault:
            first = ctx.prompt(f'Enter a new passphrase for "{shown_dir}": ', secret=True, how_to_avoid=avoid)
            again = ctx.prompt("Enter the same passphrase again: ", secret=True, how_to_avoid=avoid)
            if first != again:
                raise VaultError("the two passphrases differ; nothing was written, try again")
            passphrase = first
        else:
            passphrase = ctx.prompt(
                f'Enter passphrase to unlock "{shown_dir}": ', secret=True, how_to_avoid=avoid
            )
        _passphrases[shown_dir] = passphrase
        return passphrase

    return provide


def command_timeout(env: Mapping[str, str]) -> float:
    from avault.durations import env_seconds  # noqa: PLC0415

    seconds = env_seconds(env, COMMAND_TIMEOUT_VAR, ok=lambda s: s > 0, error=PassphraseCommandError)
    return DEFAULT_COMMAND_TIMEOUT if seconds is None else seconds


def run_passphrase_command(command: str, env: Mapping[str, str]) -> str:
    """The command's stdout minus one trailing newline; PassphraseCommandError otherwise."""
    import subprocess  # noqa: PLC0415

    timeout = command_timeout(env)
    try:
        proc = subprocess.Popen(
            ["/bin/sh", "-c", command],
            stdout=subprocess.PIPE,
            env=dict(env),
            process_group=0,  # so a time-out kills the whole pipeline, not just the shell
        )
    except OSError as exc:
        raise PassphraseCommandError(f"{COMMAND_VAR} could not be started ({exc.strerror})") from None
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        import signal  # noqa: PLC0415

        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
        raise PassphraseCommandError(
            f"{COMMAND_VAR} did not finish within {timeout:g}s; check the command, "
            f"or raise {COMMAND_TIMEOUT_VAR}"
        ) from None
    except KeyboardInterrupt:
        proc.kill()
        proc.wait()
        raise
    if proc.returncode != 0:
        raise PassphraseCommandError(
            f"{COMMAND_VAR} failed (exit status {proc.returncode}); run the command yourself to see why"
        )
    text = out.decode("utf-8", errors="surrogateescape")
    if text.endswith("\n"):
        text = text[:-1].removesuffix("\r")
    if not text:
        raise PassphraseCommandError(f"{COMMAND_VAR} printed nothing on stdout; it must print the passphrase")
    return text


def provider_for(ctx: Context, directory: Path) -> PassphraseProvider:
    """The passphrase source chain for the vault at ``directory`` (see the module docstring)."""

    shown = str(directory)
    prompt = env_or_prompt_provider(ctx, shown)
    command_result: list[str] = []

    def provide(new_vault: bool) -> str | Sealer:
        from avault.proc import not_dumpable  # noqa: PLC0415

        in_agent = getattr(ctx, "sealer_for", None)
        if in_agent is not None:  # inside the agent (avault.agentswitch): its own key, never a prompt
            sealer: Sealer = in_agent(shown)
            return sealer

        not_dumpable()  # a secret is about to be in this process's memory
        if PASSPHRASE_VAR in ctx.env:
            return ctx.env[PASSPHRASE_VAR]
        command = ctx.env.get(COMMAND_VAR, "")
        if command:
            if not command_result:
                command_result.append(run_passphrase_command(command, ctx.env))
            return command_result[0]
        mode = ctx.env.get(AGENT_VAR, "")
        if mode == "0":
            return prompt(new_vault)
        if mode == "1" or _agent_socket_exists(ctx.env):
            return AgentSealer(ctx, shown, new_vault=new_vault, prompt=prompt, autostart=mode == "1")
        return prompt(new_vault)

    return provide


def _agent_socket_exists(env: Mapping[str, str]) -> bool:
    from avault.vault.passphrase_agent import socket_path  # noqa: PLC0415

    return os.path.lexists(socket_path(env))


class AgentSealer:
    """Crypto through the agent; on any agent failure, the prompt and local crypto.

    After a prompted passphrase proves itself (an item decrypts, or a new vault's
    passphrase was typed twice and used), it is handed to the agent, starting one when
    ``autostart`` (``AVAULT_AGENT=1``).
    """

    def __init__(
        self,
        ctx: Context,
        vault: str,
        *,
        new_vault: bool,
        prompt: Callable[[bool], str],
        autostart: bool,
    ) -> None:
        self.ctx = ctx
        self.vault = vault
        self.new_vault = new_vault
        self.prompt = prompt
        self.autostart = autostart
        self._client: AgentClient | None = None
        self._agent_failed = False
        self._local: LocalSealer | None = None
        self._passphrase: str | None = None
        self._handed = False
        self._not_ours = False
        self.wrong_passphrase_hint = "the agent holds another passphrase: run 'avault lock' and retry"  # noqa: S105

    # -- agent -------------------------------------------------------------------------
    def _agent(self) -> AgentClient:
        from avault.errors import AgentUnavailable  # noqa: PLC0415
        from avault.vault.passphrase_agent import AgentClient  # noqa: PLC0415

        if self._agent_failed:
            raise AgentUnavailable("the agent failed earlier in this process")
        if self._client is None:
            self._client = AgentClient.connect(self.ctx.env)
        return self._client

    def _call(self, op: str, **fields: str) -> dict[str, object]:
        from avault.errors import AgentRefused  # noqa: PLC0415

        try:
            return self._agent().request(op, vault=self.vault, **fields)
        except AgentRefused as exc:
            cls = {"unwrap": errors.KeyUnwrapError, "decrypt": errors.DecryptError}.get(
                exc.code, errors.JWEError
            )
            raise cls(str(exc) or exc.code) from None

    def _fall_back(self, exc: AgentUnavailable) -> LocalSealer:
        from avault.errors import AgentNotOurs  # noqa: PLC0415

        if isinstance(exc, AgentNotOurs):  # planted by someone else: say so, never use it
            self.ctx.info(f"avault: warning: {exc}; asking for the passphrase instead")
            self._not_ours = True
        else:
            self.ctx.log(f"agent: {exc}; asking for the passphrase")
        self._agent_failed = True
        if self._client is not None:
            self._client.close()
            self._client = None
        self._passphrase = self.prompt(self.new_vault)
        self.wrong_passphrase_hint = ""
        self._local = LocalSealer(self._passphrase)
        return self._local

    def _hand_over(self) -> None:
        """Give the proven passphrase to the agent (starting one if asked to); never fatal."""
        from avault.errors import AgentError, AgentUnavailable  # noqa: PLC0415
        from avault.vault.passphrase_agent import AgentClient, start_daemon  # noqa: PLC0415

        if self._handed or self._passphrase is None or self._not_ours:
            return
        self._handed = True
        if self._client is not None:
            self._client.close()
            self._client = None
        try:
            try:
                client = AgentClient.connect(self.ctx.env)
            except AgentUnavailable:
                if not self.autostart:
                    return
                pid = start_daemon(self.ctx.env)
                self.ctx.log(f"agent: started pid {pid}")
                client = AgentClient.connect(self.ctx.env)
            try:
                client.request("unlock", vault=self.vault, passphrase=self._passphrase)
            finally:
                client.close()
            self.ctx.log("agent: holds the passphrase now")
        except (AgentUnavailable, AgentError) as exc:
            self.ctx.info(
                f"avault: warning: the agent could not take the passphrase ({exc}); "
                f"it will be asked again next time (set {AGENT_VAR}=0 to stop using the agent)"
            )

    # -- Sealer --------------------------------------------------------------------------
    def decrypt(self, token: str) -> bytes:
        from avault import b64  # noqa: PLC0415
        from avault.errors import AgentUnavailable  # noqa: PLC0415

        local = self._local
        if local is None:
            try:
                resp = self._call("decrypt", token=token)
                return b64.decode(str(resp["plaintext"]))
            except AgentUnavailable as exc:
                local = self._fall_back(exc)
        plaintext = local.decrypt(token)  # raises before a wrong passphrase is handed over
        self._hand_over()
        return plaintext

    def encrypt(self, plaintext: bytes) -> str:
        from avault import b64  # noqa: PLC0415
        from avault.errors import AgentUnavailable  # noqa: PLC0415

        local = self._local
        if local is None:
            try:
                resp = self._call("encrypt", plaintext=b64.encode(plaintext))
                return str(resp["token"])
            except AgentUnavailable as exc:
                local = self._fall_back(exc)
        token = local.encrypt(plaintext)
        if self.new_vault:  # typed twice and compared: as proven as it gets for a new vault
            self._hand_over()
        return token
