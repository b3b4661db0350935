"""Switching: session options -> credentials -> variables, written once.

``export`` (every format, and the in-place switch ``avs`` evals), ``exec`` (its child's
environment), the ECS server, ``login`` and ``rotate`` all open a profile here:
``open_profile`` loads the config, opens the vault, builds the ``Resolver`` and resolves;
``obtain`` also gets the credentials. The functions after it turn a ``Resolved`` into
variables: aws-vault's ``printEnv`` pairs, the in-place switch's unset-then-set, and the
environment of a child process. No function here sees a parsed command line:
``avault.cmdline`` reads one into a ``SessionOptions``.

With a live cached session this path imports no boto3, botocore or keyring: config and
the vault's key listing decide the cache key, and one item is decrypted.
"""

from __future__ import annotations

import json

from avault.constants import SHELLS
from avault.errors import AvaultError
from avault.render import SWITCH_VARS, unquoted

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Mapping

    from avault.config.resolution import Flags, ProfileConfig
    from avault.context import Context
    from avault.creds import Credentials
    from avault.mfa import MfaSource
    from avault.providers import Resolver
    from avault.vault.base import Vault
    from avault.vault.select import VaultOptions

NESTED_EXEC = (
    "running in an existing aws-vault subshell; 'exit' from the subshell or unset AWS_VAULT to force"
)
NESTED_EXPORT = "in an existing aws-vault subshell; 'exit' from the subshell or unset AWS_VAULT to force"

# What `avs --server` sets; unset by the next switch only when avs set them (AVS_SERVER_PID),
# never a real container's own credentials endpoint.
SERVER_VARS = ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AVS_SERVER_PID")

# aws-vault's list, plus our switch bookkeeping: an exec child is a subshell, not a switch.
# It is every variable a switch sets but those a child's environment sets anew.
REMOVED = tuple(
    v for v in SWITCH_VARS if v not in ("AWS_VAULT", "AWS_CREDENTIAL_EXPIRATION", "AWS_SESSION_EXPIRATION")
)


class SessionOptions:
    """The session options (-d, -t, -n, --region, --prompt, --stdout) and where the vault is.

    ``vault``: the backend options ``vault.select.open_vault`` opens.
    ``shell_switch``: stdout is the shell's ``$(...)`` at a terminal (``avs``, ``avs --server``);
    ``foreground_server``: an ECS server shares the terminal with its command.
    Not a dataclass: see context.py.
    """

    __slots__ = (
        "duration",
        "foreground_server",
        "mfa_token",
        "no_session",
        "print_only",
        "prompt",
        "region",
        "shell_switch",
        "vault",
    )

    def __init__(
        self,
        vault: VaultOptions,
        *,
        duration: str = "",
        mfa_token: str = "",
        no_session: bool = False,
        region: str = "",
        prompt: str = "",
        shell_switch: bool = False,
        foreground_server: bool = False,
        print_only: bool | None = None,
    ) -> None:
        self.vault = vault
        self.duration = duration
        self.mfa_token = mfa_token
        self.no_session = no_session
        self.region = region
        self.prompt = prompt
        self.shell_switch = shell_switch
        self.foreground_server = foreground_server
        self.print_only = print_only  # --stdout: print the SSO link (None: AWS_VAULT_STDOUT decides)


class Resolved:
    """A profile, its resolved config and its credentials (not a dataclass: see context.py)."""

    __slots__ = ("config", "creds", "profile", "vault")

    def __init__(
        self, profile: str, config: ProfileConfig, creds: Credentials, vault: Vault | None = None
    ) -> None:
        self.profile = profile
        self.config = config
        self.creds = creds
        self.vault = vault  # the one opened to get them (exec --profile-env reads it again)

    @property
    def region(self) -> str:
        return self.config.region

    @property
    def endpoint_url(self) -> str:
        return self.config.endpoint_url


def check_nested(env: Mapping[str, str], message: str) -> None:
    """aws-vault's guard, except in a shell that ``avs`` switched in place (AWS_VAULT == AVS_PROFILE)."""
    current = env.get("AWS_VAULT", "")
    if current and current != env.get("AVS_PROFILE", ""):
        raise AvaultError(message)


def without_switch_region(env: Mapping[str, str]) -> dict[str, str]:
    """The env minus the region pair and AWS_ENDPOINT_URL that a previous ``avs`` switch set.

    Those equal AVS_REGION / AVS_ENDPOINT_URL; dropped, they do not overlay the next profile.
    """
    out = dict(env)
    switched = env.get("AVS_REGION", "")
    if switched:
        for var in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            if out.get(var) == switched:
                del out[var]
    endpoint = env.get("AVS_ENDPOINT_URL", "")
    if endpoint and out.get("AWS_ENDPOINT_URL") == endpoint:
        del out["AWS_ENDPOINT_URL"]
    return out


def session_flags(
    opts: SessionOptions, ctx: Context, env: Mapping[str, str]
) -> tuple[Flags, MfaSource | None]:
    """The resolver's base from the session options, read the same way by every command."""
    from avault.config.resolution import Flags  # noqa: PLC0415
    from avault.durations import require_duration  # noqa: PLC0415

    duration_text = opts.duration or env.get("AWS_VAULT_DURATION", "")
    prompt = opts.prompt or env.get("AWS_VAULT_PROMPT", "")
    mfa = None
    if prompt or opts.shell_switch or opts.foreground_server:
        from avault.mfa import MfaSource  # noqa: PLC0415 - validates the driver up front

        mfa = MfaSource(
            ctx,
            token=opts.mfa_token,
            driver=prompt,
            captured_by_shell=opts.shell_switch,
            avoid_terminal=opts.foreground_server,
        )
    flags = Flags(
        region=opts.region,
        mfa_token=opts.mfa_token,
        mfa_prompt=prompt,
        duration=require_duration(duration_text, "duration") if duration_text else None,
        no_session=opts.no_session,
    )
    return flags, mfa


def open_profile(
    opts: SessionOptions,
    ctx: Context,
    profile: str,
    *,
    flags: Flags | None = None,
    disable_cache: bool = False,
    disable_sessions_for: str = "",
) -> tuple[Resolver, ProfileConfig, Flags]:
    """Load the config, open the vault, build the resolver and resolve ``profile``.

    ``flags`` replaces the ones read from ``opts`` (and the MFA source is the resolver's
    default): ``rotate`` reads only --prompt and -n.
    """
    from avault import config as cfgmod  # noqa: PLC0415
    from avault.providers import Resolver  # noqa: PLC0415
    from avault.vault.select import open_vault  # noqa: PLC0415

    env = without_switch_region(ctx.env)
    source = None
    if flags is None:
        flags, source = session_flags(opts, ctx, env)
    cfg = cfgmod.ConfigFile.load(cfgmod.config_path(env, ctx.home), home=ctx.home, cache=ctx.file_cache)
    resolver = Resolver(
        ctx,
        open_vault(opts.vault, ctx),
        mfa=source,
        no_session=flags.no_session,
        disable_cache=disable_cache,
        disable_sessions_for=disable_sessions_for,
        sso_print_only=opts.print_only,
    )
    cfgmod.ensure_profile_exists(profile, cfg, resolver.stored)
    return resolver, cfgmod.resolve(profile, cfg, env, flags, log=ctx.log), flags


def obtain(opts: SessionOptions, ctx: Context, profile: str) -> Resolved:
    """Resolve the profile and get its credentials: from the cache, or through STS."""
    from avault.providers import credentials_for  # noqa: PLC0415

    resolver, config, _flags = open_profile(opts, ctx, profile)
    return Resolved(profile, config, credentials_for(resolver, config), resolver.vault)


# -- credentials -> variables ------------------------------------------------------------------


def credential_vars(c: Credentials, *, session_expiration: bool = False) -> list[tuple[str, str]]:
    """The keys as variables, in aws-vault's order: the token only when there is one, and the
    expiry only when they expire (with ``session_expiration`` also as AWS_SESSION_EXPIRATION:
    aws-vault v7 dropped that, but prompt themes still read it)."""
    pairs = [("AWS_ACCESS_KEY_ID", c.access_key_id), ("AWS_SECRET_ACCESS_KEY", c.secret_access_key)]
    if c.session_token:
        pairs.append(("AWS_SESSION_TOKEN", c.session_token))
    if c.can_expire():
        pairs.append(("AWS_CREDENTIAL_EXPIRATION", c.expiration_rfc3339()))
        if session_expiration:
            pairs.append(("AWS_SESSION_EXPIRATION", c.expiration_rfc3339()))
    return pairs


def env_pairs(r: Resolved) -> list[tuple[str, str]]:
    """aws-vault's ``printEnv`` order."""
    pairs = credential_vars(r.creds)
    if r.region:
        pairs += [("AWS_REGION", r.region), ("AWS_DEFAULT_REGION", r.region)]
    return pairs


def format_env(r: Resolved) -> str:
    return "".join(f"{k}={unquoted(k, v, 'env')}\n" for k, v in env_pairs(r))


def format_export_env(r: Resolved) -> str:
    from avault.render import quote_sh  # noqa: PLC0415

    return "".join(f"export {k}={quote_sh(v)}\n" for k, v in env_pairs(r))


def format_json(r: Resolved) -> str:
    """credential_process shape, like Go's json.MarshalIndent with two spaces."""
    obj: dict[str, object] = {"Version": 1}
    obj.update((_JSON_KEYS[k], v) for k, v in credential_vars(r.creds))
    return json.dumps(obj, indent=2) + "\n"


_JSON_KEYS = {
    "AWS_ACCESS_KEY_ID": "AccessKeyId",
    "AWS_SECRET_ACCESS_KEY": "SecretAccessKey",
    "AWS_SESSION_TOKEN": "SessionToken",
    "AWS_CREDENTIAL_EXPIRATION": "Expiration",
}


def format_ini(r: Resolved) -> str:
    c = r.creds
    lines = [f"[{r.profile}]"]
    for key, value in (
        ("aws_access_key_id", c.access_key_id),
        ("aws_secret_access_key", c.secret_access_key),
        ("aws_session_token", c.session_token),
        ("aws_credential_expiration", c.expiration_rfc3339()),
        ("region", r.region),
    ):
        if value:
            lines.append(f"{key}={unquoted(key, value, 'ini')}")
    return "\n".join(lines) + "\n"


def switch_base(
    env: Mapping[str, str], profile: str, region: str, endpoint_url: str
) -> tuple[dict[str, str | None], dict[str, str]]:
    """What every in-place switch (``avs`` and ``avs --server``) unsets first, then sets.

    Unset: ``render.SWITCH_VARS``; the region pair, the endpoint and the server variables
    only when a previous switch set them (they equal AVS_REGION / AVS_ENDPOINT_URL, or
    AVS_SERVER_PID is set), so values the user exported stay theirs.
    Set: the profile, and its region and endpoint with the AVS_ records of them.
    """
    from avault.render import REGION_VARS  # noqa: PLC0415

    unset: dict[str, str | None] = dict.fromkeys(SWITCH_VARS)
    previous = env.get("AVS_REGION", "")
    if previous and env.get("AWS_REGION") == previous and not region:
        unset.update(dict.fromkeys(REGION_VARS))
    endpoint = env.get("AVS_ENDPOINT_URL", "")
    if endpoint and env.get("AWS_ENDPOINT_URL") == endpoint and not endpoint_url:
        unset["AWS_ENDPOINT_URL"] = None
    if env.get("AVS_SERVER_PID"):
        unset.update(dict.fromkeys(SERVER_VARS))
    new: dict[str, str] = {"AWS_VAULT": profile}
    if region:
        new.update(AWS_REGION=region, AWS_DEFAULT_REGION=region, AVS_REGION=region)
    if endpoint_url:
        new["AWS_ENDPOINT_URL"] = endpoint_url
        # Recorded only when it came from the config: one the user exported stays theirs.
        if endpoint_url != without_switch_region(env).get("AWS_ENDPOINT_URL"):
            new["AVS_ENDPOINT_URL"] = endpoint_url
    new["AVS_PROFILE"] = profile
    return unset, new


def switch_assignments(r: Resolved, env: Mapping[str, str]) -> tuple[dict[str, str | None], dict[str, str]]:
    """The in-place switch: what to unset first, then what to set."""
    unset, base = switch_base(env, r.profile, r.region, r.endpoint_url)
    c = r.creds
    new: dict[str, str] = {"AWS_VAULT": r.profile}
    new.update(credential_vars(c, session_expiration=True))
    new.update(base)
    if c.expiration is not None:
        new["AVS_EXPIRES"] = str(int(c.expiration))
    if c.account_id:
        new["AVS_ACCOUNT"] = c.account_id
    return unset, new


def format_switch(shell: str, r: Resolved, env: Mapping[str, str]) -> str:
    from avault.render import render  # noqa: PLC0415

    unset, new = switch_assignments(r, env)
    return render(shell, unset) + render(shell, new)


def render_format(fmt: str, r: Resolved, env: Mapping[str, str]) -> str:
    if fmt == "env":
        return format_env(r)
    if fmt == "export-env":
        return format_export_env(r)
    if fmt == "json":
        return format_json(r)
    if fmt == "ini":
        return format_ini(r)
    if fmt in SHELLS:
        return format_switch(fmt, r, env)
    raise AvaultError(f"unknown format {fmt!r}; use env, export-env, json, ini, zsh, bash or fish")


def base_child_env(env: Mapping[str, str], profile: str, region: str, endpoint_url: str) -> dict[str, str]:
    """A child process's environment without any credentials (the ECS server mode adds its own)."""
    # A previous `avs` switch's region and endpoint are not the user's: do not leak them.
    out = without_switch_region(env)
    for var in REMOVED:
        out.pop(var, None)
    if env.get("AVS_SERVER_PID"):  # `avs --server`'s endpoint belongs to the old profile
        for var in SERVER_VARS:
            out.pop(var, None)
    out["AWS_VAULT"] = profile
    if region:
        out["AWS_REGION"] = region
        out["AWS_DEFAULT_REGION"] = region
    if endpoint_url:
        out["AWS_ENDPOINT_URL"] = endpoint_url
    return out


def child_env(env: Mapping[str, str], r: Resolved) -> dict[str, str]:
    out = base_child_env(env, r.profile, r.region, r.endpoint_url)
    out.update(credential_vars(r.creds, session_expiration=True))
    return out
