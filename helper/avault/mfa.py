"""Where an MFA code comes from: ``-t``, then ``mfa_process``, then a prompt driver (aws-vault §6).

Prompts never touch stdout: ``avs`` captures it with ``$(...)`` and the aws CLI reads it
as credential_process JSON. The terminal driver talks to /dev/tty; helper processes get
/dev/tty as stdin and stderr so ``ykman``'s "Touch your YubiKey" reaches the user.
"""

from __future__ import annotations

from avault.errors import AvaultError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: this module is on the cached `avs` path
if TYPE_CHECKING:
    from collections.abc import Mapping

    from avault.context import Context

TERMINAL = "terminal"
# Alphabetical, as aws-vault walks them when it cannot use the terminal (so ykman beats zenity).
GUI_DRIVERS = ("kdialog", "osascript", "ykman", "zenity")
# An error message (S105 takes the name for a password).
PASS_REMOVED = (
    "--prompt=pass (or AWS_VAULT_PROMPT=pass) has been removed from aws-vault as using TOTPs without "  # noqa: S105
    "a dedicated device goes against security best practices. If you wish to continue using pass, "
    "add `mfa_process = pass otp <your mfa_serial>` to profiles in your {config} file."
)


def _config_shown(env: Mapping[str, str]) -> str:
    from pathlib import Path  # noqa: PLC0415 - only on these error paths

    from avault.config.paths import shown_config_path  # noqa: PLC0415

    home = env.get("HOME")
    return shown_config_path(env, Path(home) if home else Path.home())


def how_to_avoid(env: Mapping[str, str]) -> str:
    """The fix for "no terminal" and a cancelled prompt, naming the config file in use."""
    return f"pass -t CODE or set mfa_process in {_config_shown(env)}"


def prompt_message(serial: str) -> str:
    return f"Enter MFA code for {serial}: "


def available_drivers(env: Mapping[str, str]) -> list[str]:
    """``terminal`` plus every GUI/hardware driver whose program is on PATH."""
    import shutil  # noqa: PLC0415 - only when a driver is looked for

    path = env.get("PATH")
    return sorted([TERMINAL, *(d for d in GUI_DRIVERS if shutil.which(d, path=path))])


def validate_driver(driver: str, env: Mapping[str, str]) -> None:
    if not driver:
        return
    if driver == "pass":
        raise AvaultError(PASS_REMOVED.format(config=_config_shown(env)))
    drivers = available_drivers(env)
    if driver not in drivers:
        raise AvaultError(f"--prompt value must be one of {','.join(drivers)}, got '{driver}'")


class MfaSource:
    """Answers "what is the code for this serial?" for one command run."""

    def __init__(
        self,
        ctx: Context,
        *,
        token: str = "",
        driver: str = "",
        captured_by_shell: bool = False,
        avoid_terminal: bool = False,
    ) -> None:
        self.ctx = ctx
        self.token = token
        self.driver = driver
        # `avs` reads stdout with $(...) at a terminal: that is not credential_process.
        self.captured_by_shell = captured_by_shell
        # A server mode (exec --ecs-server): its command owns the terminal (the fork's rule).
        self.avoid_terminal = avoid_terminal
        validate_driver(driver, ctx.env)

    def code(self, serial: str, *, mfa_process: str = "", token: str = "") -> str:
        # 1. -t/--mfa-token: used for every MFA call of the chain.
        if token or self.token:
            return (token or self.token).strip()
        if getattr(self.ctx, "no_human", False):  # inside the agent: the shell's own path asks
            from avault.errors import NeedsHuman  # noqa: PLC0415

            raise NeedsHuman("an MFA code")
        # 2. mfa_process: trimmed stdout.
        if mfa_process:
            out = _run_attached(self.ctx, ["/bin/sh", "-c", mfa_process], what="mfa_process")
            code = out.strip()
            if not code:
                raise AvaultError(f"mfa_process {mfa_process!r} printed no MFA code")
            return code
        # 3. a prompt driver.
        return self._prompt(serial)

    def _prompt(self, serial: str) -> str:
        driver = self.driver
        if not driver:
            driver = self._default_driver()
        message = prompt_message(serial)
        if driver == TERMINAL:
            code = self.ctx.prompt(message, how_to_avoid=how_to_avoid(self.ctx.env)).strip()
        elif driver == "ykman":
            code = self._ykman(serial)
        elif driver == "zenity":
            code = _run_gui(self.ctx, ["zenity", "--entry", "--title", "aws-vault", "--text", message])
        elif driver == "kdialog":
            code = _run_gui(self.ctx, ["kdialog", "--inputbox", message, "--title", "aws-vault"])
        elif driver == "osascript":
            script = (
                f'display dialog {_applescript_string(message)} default answer "" '
                'buttons {"OK", "Cancel"} default button 1'
            )
            code = _run_gui(self.ctx, ["osascript", "-e", script, "-e", "text returned of result"])
        else:  # pragma: no cover - validate_driver() rejected it
            raise AvaultError(f"unknown MFA prompt driver {driver!r}")
        if not code:
            raise AvaultError(f"no MFA code was entered for {serial}; {how_to_avoid(self.ctx.env)}")
        return code

    def _default_driver(self) -> str:
        """aws-vault's choice: the terminal, unless stdout is not one (credential_process, a pipe)
        or a server mode is on.

        Then the first driver on PATH in alphabetical order that is not ``terminal`` (so ykman
        beats zenity, as in the fork), else the terminal. Without a /dev/tty the terminal is
        never chosen while another driver exists.
        """
        if self.avoid_terminal:
            return self._first_gui_driver()
        try:
            stdout_tty = self.captured_by_shell or self.ctx.stdout.isatty()
        except ValueError:  # a closed stream
            stdout_tty = False
        if stdout_tty and self._has_tty():
            return TERMINAL
        return self._first_gui_driver()

    def _has_tty(self) -> bool:
        import os  # noqa: PLC0415

        try:
            fd = os.open(self.ctx.tty_path or "/dev/tty", os.O_RDWR | os.O_NOCTTY)
        except OSError:
            return False
        os.close(fd)
        return True

    def _first_gui_driver(self) -> str:
        for driver in available_drivers(self.ctx.env):
            if driver != TERMINAL:
                return driver
        # Only the terminal exists: let ctx.prompt() explain that there is none.
        return TERMINAL

    def _ykman(self, serial: str) -> str:
        env = self.ctx.env
        name = env.get("YKMAN_OATH_CREDENTIAL_NAME") or serial
        argv = ["ykman"]
        if env.get("YKMAN_OATH_DEVICE_SERIAL"):
            argv += ["--device", env["YKMAN_OATH_DEVICE_SERIAL"]]
        if env.get("AWS_VAULT_YKMAN_VERSION", "") in ("1", "2", "3"):
            argv += ["oath", "code", "--single", name]
        else:
            argv += ["oath", "accounts", "code", "--single", name]
        return _run_attached(self.ctx, argv, what="ykman").strip()


def _applescript_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _run_attached(ctx: Context, argv: list[str], *, what: str) -> str:
    """Run a helper with stdin and stderr on /dev/tty when there is one; return its stdout."""
    import os  # noqa: PLC0415
    import subprocess  # noqa: PLC0415

    tty: int | None
    try:
        tty = os.open(ctx.tty_path or "/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        tty = None
    try:
        proc = subprocess.run(
            argv,
            stdin=tty,
            stderr=tty,
            stdout=subprocess.PIPE,
            env=dict(ctx.env),
            check=False,
        )
    except OSError as exc:
        raise AvaultError(f"cannot run {what} ({exc.strerror}); check that {argv[0]} is installed") from None
    finally:
        if tty is not None:
            os.close(tty)
    if proc.returncode != 0:
        raise AvaultError(f"{what} exited with status {proc.returncode}; no MFA code was read")
    return proc.stdout.decode("utf-8", errors="replace")


def _run_gui(ctx: Context, argv: list[str]) -> str:
    import subprocess  # noqa: PLC0415

    try:
        proc = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, env=dict(ctx.env), check=False
        )
    except OSError as exc:
        raise AvaultError(f"cannot run {argv[0]} ({exc.strerror})") from None
    if proc.returncode != 0:
        raise AvaultError(f"the MFA prompt ({argv[0]}) was cancelled; {how_to_avoid(ctx.env)}")
    return proc.stdout.decode("utf-8", errors="replace").strip()
