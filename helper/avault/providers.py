"""Which STS calls a profile needs, following aws-vault's maintained fork step by step.

``Resolver.provider_for(config)`` builds a small tree of providers (aws-vault's
``TempCredentialsCreator``). Building it needs only the config and the vault's key list;
nothing here imports boto3. ``CachedProvider`` consults the session cache before its inner
provider runs, and only an inner STS provider imports ``avault.sts`` - so a live cached
session is returned without botocore ever being loaded (the ``avs`` fast path).

Stdlib only at import time.
"""

from __future__ import annotations

import abc

from avault.config.resolution import (
    DEFAULT_CHAINED_SESSION_DURATION,
    DEFAULT_SESSION_DURATION,
    ROLE_CHAINING_MAXIMUM_DURATION,
)
from avault.creds import Credentials, account_from_arn, parse_credential_process_output
from avault.durations import format_go_duration
from avault.errors import AvaultError
from avault.sessions import SessionCache, is_credential_key, min_ttl_from_env

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from avault.config.resolution import ProfileConfig
    from avault.context import Context
    from avault.mfa import MfaSource
    from avault.sts import BotoSts
    from avault.sts_api import Signer
    from avault.vault.base import Vault

GET_SESSION_TOKEN = "sts.GetSessionToken"  # noqa: S105 - an STS operation name
ASSUME_ROLE = "sts.AssumeRole"
ASSUME_ROLE_WITH_WEB_IDENTITY = "sts.AssumeRoleWithWebIdentity"
CREDENTIAL_PROCESS = "credential_process"
SSO_GET_ROLE_CREDENTIALS = "sso.GetRoleCredentials"

#: What to use instead of each credential_source (AWS CLI values; aws-vault ignores the key).
CREDENTIAL_SOURCE_INSTEAD = {
    "environment": (
        "store the keys in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY with 'avault add --env {name}' "
        "(a role_arn is then assumed with them)"
    ),
    "ec2instancemetadata": (
        "on the instance, run the AWS CLI without avault (it reads the instance role itself), "
        "or store keys with 'avault add {name}'"
    ),
    "ecscontainer": (
        "in the container, run the AWS CLI without avault (it reads the task role itself), "
        "or store keys with 'avault add {name}'"
    ),
}

# What STS itself accepts (IAM users; a role's MaxSessionDuration can only be lower).
GET_SESSION_TOKEN_RANGE = (900, 129_600)  # 15m - 36h
ASSUME_ROLE_RANGE = (900, 43_200)  # 15m - 12h


# -- providers -------------------------------------------------------------------------------


class Provider(abc.ABC):
    """Something that produces credentials for one profile of the chain."""

    #: what this step is, for tests and --debug: "stored", "sts.GetSessionToken", ...
    kind: str = ""
    profile: str = ""

    @abc.abstractmethod
    def retrieve(self) -> Credentials: ...

    def signer(self) -> Signer:
        from avault.sts_api import Signer  # noqa: PLC0415 - only before an STS call

        return Signer(self.retrieve(), self.profile, long_term=self.kind == "stored")

    def chain(self) -> list[Provider]:
        """This provider and the ones it draws on, outermost first."""
        return [self]


class StoredProvider(Provider):
    """Long-term access keys stored in the vault under the profile's name."""

    kind = "stored"

    def __init__(self, vault: Vault, profile: str) -> None:
        self.vault = vault
        self.profile = profile

    def retrieve(self) -> Credentials:
        item = self.vault.get(self.profile)
        if item is None:
            raise AvaultError(
                f"no stored credentials for profile {self.profile!r}; "
                f"add them with 'avault add {self.profile}'"
            )
        return Credentials.from_stored(item.json_data(), profile=self.profile)


class _StsStep(Provider):
    def __init__(self, resolver: Resolver, config: ProfileConfig) -> None:
        self.resolver = resolver
        self.config = config
        self.profile = config.profile_name


class _SourcedStep(_StsStep):
    """An STS call signed with another provider's credentials, with MFA when ``serial``."""

    def __init__(
        self, resolver: Resolver, config: ProfileConfig, source: Provider, *, duration: int, serial: str
    ) -> None:
        super().__init__(resolver, config)
        self.source = source
        self.duration = duration
        self.serial = serial

    def chain(self) -> list[Provider]:
        return [self, *self.source.chain()]

    def _signer_and_code(self) -> tuple[Signer, str]:
        signer = self.source.signer()
        code = self.resolver.mfa_code(self.config, self.serial) if self.serial else ""
        return signer, code


class SessionTokenProvider(_SourcedStep):
    kind = GET_SESSION_TOKEN

    def retrieve(self) -> Credentials:
        signer, code = self._signer_and_code()
        return self.resolver.sts().get_session_token(
            signer, self.config, duration=self.duration, serial=self.serial, code=code
        )


class AssumeRoleProvider(_SourcedStep):
    kind = ASSUME_ROLE

    def retrieve(self) -> Credentials:
        signer, code = self._signer_and_code()
        creds = self.resolver.sts().assume_role(
            signer,
            self.config,
            duration=self.duration,
            serial=self.serial,
            code=code,
            session_name=self.resolver.session_name(self.config),
        )
        return creds.with_account(account_from_arn(self.config.role_arn))


class WebIdentityProvider(_StsStep):
    kind = ASSUME_ROLE_WITH_WEB_IDENTITY

    def __init__(self, resolver: Resolver, config: ProfileConfig, *, duration: int) -> None:
        super().__init__(resolver, config)
        self.duration = duration

    def retrieve(self) -> Credentials:
        token = self._token()
        creds = self.resolver.sts().assume_role_with_web_identity(
            self.config,
            token=token,
            duration=self.duration,
            session_name=self.resolver.session_name(self.config),
        )
        return creds.with_account(account_from_arn(self.config.role_arn))

    def _token(self) -> str:
        cfg = self.config
        if cfg.web_identity_token_file:
            path = self.resolver.ctx.expand(cfg.web_identity_token_file)
            try:
                return path.read_text(encoding="utf-8")
            except OSError as exc:
                raise AvaultError(
                    f"profile {cfg.profile_name}: cannot read web_identity_token_file {str(path)!r} "
                    f"({exc.strerror}); fix the path, or run avault where that token is mounted"
                ) from None
        out = run_process(
            self.resolver.ctx, cfg.web_identity_token_process, what="web_identity_token_process"
        )
        # aws-vault uses the process's stdout as the token, untrimmed.
        return out.decode("utf-8", errors="replace")


class CredentialProcessProvider(Provider):
    kind = CREDENTIAL_PROCESS

    def __init__(self, ctx: Context, config: ProfileConfig) -> None:
        self.ctx = ctx
        self.config = config
        self.profile = config.profile_name

    def retrieve(self) -> Credentials:
        command = self.config.credential_process
        out = run_process(self.ctx, command, what="credential_process")
        return parse_credential_process_output(command, out)


class SsoProvider(Provider):
    """IAM Identity Center role credentials; ``avault.sso`` (and botocore) load only on a cache miss."""

    kind = SSO_GET_ROLE_CREDENTIALS

    def __init__(self, resolver: Resolver, config: ProfileConfig) -> None:
        self.resolver = resolver
        self.config = config
        self.profile = config.profile_name

    def retrieve(self) -> Credentials:
        from avault.sso.device import role_credentials  # noqa: PLC0415 - not on the cached fast path

        r = self.resolver
        return role_credentials(r.ctx, self.config, vault=r.vault, print_only=r.sso_print_only)


class CachedProvider(Provider):
    """aws-vault's CachedSessionProvider: the cache first, the inner provider on a miss."""

    def __init__(self, cache: SessionCache, inner: Provider, *, serial: str) -> None:
        self.cache = cache
        self.inner = inner
        self.kind = inner.kind
        self.profile = inner.profile
        self.serial = serial

    def chain(self) -> list[Provider]:
        return [self, *self.inner.chain()]

    def cached(self) -> Credentials | None:
        return self.cache.get(self.kind, self.profile, self.serial)

    def retrieve(self) -> Credentials:
        creds = self.cached()
        if creds is not None:
            return creds
        creds = self.inner.retrieve()
        if creds.can_expire():
            self.cache.set(self.kind, self.profile, self.serial, creds)
        return creds


def run_process(ctx: Context, command: str, *, what: str) -> bytes:
    """``/bin/sh -c command`` with stdin and stderr inherited (the user may be prompted); stdout."""
    import subprocess  # noqa: PLC0415 - only when a process is configured

    try:
        proc = subprocess.run(
            ["/bin/sh", "-c", command],
            stdout=subprocess.PIPE,
            env=dict(ctx.env),
            check=False,
        )
    except OSError as exc:
        raise AvaultError(f"running command {command!r} for {what}: {exc.strerror}") from None
    if proc.returncode != 0:
        status = (
            f"was killed by signal {-proc.returncode}"
            if proc.returncode < 0
            else f"exited with status {proc.returncode}"
        )
        raise AvaultError(f"{what} command {command!r} {status}; run it by hand to see why")
    return proc.stdout


# -- selection -------------------------------------------------------------------------------


def _check_range(profile: str, what: str, seconds: int, bounds: tuple[int, int], hint: str) -> None:
    low, high = bounds
    if not low <= seconds <= high:
        raise AvaultError(
            f"profile {profile}: {what} duration {format_go_duration(seconds)} is out of range; "
            f"STS accepts {format_go_duration(low)} to {format_go_duration(high)} ({hint})"
        )


def _assume_role_keeps_full_duration(config: ProfileConfig) -> bool:
    """A single role in the chain asking for more than 1h is assumed straight from the keys."""
    role: ProfileConfig | None = None
    c: ProfileConfig | None = config
    while c is not None:
        if c.has_role():
            if role is not None:
                return False  # two or more roles: real role chaining, always capped
            role = c
        c = c.chained_from
    return role is not None and assume_role_duration(role) > ROLE_CHAINING_MAXIMUM_DURATION


def assume_role_duration(config: ProfileConfig) -> int:
    return config.assume_role_duration or DEFAULT_SESSION_DURATION


def get_session_token_duration(config: ProfileConfig) -> int:
    if config.is_chained():
        return config.chained_get_session_token_duration or DEFAULT_CHAINED_SESSION_DURATION
    return config.non_chained_get_session_token_duration or DEFAULT_SESSION_DURATION


def _needs_chaining_cap(provider: Provider) -> bool:
    inner = provider.inner if isinstance(provider, CachedProvider) else provider
    return isinstance(inner, (SessionTokenProvider, AssumeRoleProvider))


class Resolver:
    """Builds the provider tree for a profile and supplies what the providers share."""

    def __init__(
        self,
        ctx: Context,
        vault: Vault,
        *,
        mfa: MfaSource | None = None,
        sts: BotoSts | None = None,
        no_session: bool = False,
        disable_cache: bool = False,
        disable_sessions_for: str = "",
        sso_print_only: bool | None = None,
    ) -> None:
        self.ctx = ctx
        self.vault = vault
        self._mfa = mfa
        self._sts = sts
        self.no_session = no_session
        self.disable_cache = disable_cache
        self.disable_sessions_for = disable_sessions_for
        # --stdout: print the SSO link instead of opening a browser (None: $AWS_VAULT_STDOUT).
        self.sso_print_only = sso_print_only
        self.cache = SessionCache(
            vault, now=ctx.now, min_ttl=min_ttl_from_env(ctx.env), log=ctx.log, warn=ctx.info
        )
        # One directory listing (file backend) answers every "are keys stored?" question.
        self.stored = {k for k in vault.keys() if is_credential_key(k)}  # noqa: SIM118 - Vault.keys(), not a dict
        self._chained_mfa = ""

    # -- shared services ---------------------------------------------------------------------
    def sts(self) -> BotoSts:
        if self._sts is None:
            from avault.sts import BotoSts  # noqa: PLC0415 - boto is loaded only on a cache miss

            self._sts = BotoSts(self.ctx)
        return self._sts

    def mfa_code(self, config: ProfileConfig, serial: str) -> str:
        if self._mfa is None:
            from avault.mfa import MfaSource  # noqa: PLC0415

            self._mfa = MfaSource(self.ctx, driver=config.mfa_prompt)
        return self._mfa.code(serial, mfa_process=config.mfa_process, token=config.mfa_token)

    def session_name(self, config: ProfileConfig) -> str:
        # aws-vault's default: the UTC unix time in nanoseconds.
        return config.role_session_name or str(int(self.ctx.now() * 1_000_000_000))

    def has_stored(self, profile: str) -> bool:
        return profile in self.stored

    # -- GetProviderForProfile -------------------------------------------------------------------
    def provider_for(self, config: ProfileConfig) -> Provider:
        log = self.ctx.log
        name = config.profile_name
        stored = self.has_stored(name)
        if stored or config.source is not None:
            return self._source_with_session(config, stored=stored)
        if config.has_sso():
            log(f"profile {name}: using SSO role credentials")
            return self._sso_provider(config)
        if config.has_web_identity():
            log(f"profile {name}: using web identity")
            duration = assume_role_duration(config)
            _check_range(name, "AssumeRoleWithWebIdentity", duration, ASSUME_ROLE_RANGE, "duration_seconds")
            return self._cached(WebIdentityProvider(self, config, duration=duration), serial="")
        if config.has_credential_process():
            log(f"profile {name}: using credential process")
            return self._cached(CredentialProcessProvider(self.ctx, config), serial="")
        raise self._credentials_missing(config)

    def _credentials_missing(self, config: ProfileConfig) -> AvaultError:
        """aws-vault's "credentials missing", with what would work for this profile."""
        from avault.config.paths import shown_config_path  # noqa: PLC0415 - config is already loaded

        name = config.profile_name
        shown = shown_config_path(self.ctx.env, self.ctx.home)
        store = (
            f"store its access key with 'avault add {name}', or move it from the shared credentials "
            "file with 'avault import'"
        )
        target = config.chained_from
        if target is not None and not config.in_config:
            return AvaultError(
                f"profile {target.profile_name}: credentials missing: its source_profile {name} is not "
                f"in {shown} and has no stored credentials; fix source_profile in [profile "
                f"{target.profile_name}], add [profile {name}], or run 'avault add {name}'"
            )
        source = config.credential_source
        if source:
            instead = CREDENTIAL_SOURCE_INSTEAD.get(
                source.lower(), "store keys with 'avault add {name}' or name a source_profile"
            ).format(name=name)
            return AvaultError(
                f"profile {name}: credentials missing: it sets credential_source = {source}, which "
                f"aws-vault does not support (nor does avault); {instead}"
            )
        if config.self_sourced:
            return AvaultError(
                f"profile {name}: credentials missing: its source_profile names itself, which aws-vault "
                f"ignores, so the profile needs keys of its own; {store}"
            )
        used_by = f" (the source_profile of {target.profile_name})" if target is not None else ""
        return AvaultError(
            f"profile {name}{used_by}: credentials missing: no stored keys, SSO, credential_process or "
            f"web identity; {store}"
        )

    def _sso_provider(self, config: ProfileConfig) -> Provider:
        """IAM Identity Center: cached as ``sso.GetRoleCredentials`` keyed by the start URL."""
        name = config.profile_name
        missing = [k for k in ("sso_account_id", "sso_role_name") if not getattr(config, k)]
        if missing:
            raise AvaultError(
                f"profile {name} uses SSO ({config.sso_start_url}) but has no {' or '.join(missing)}; "
                f"add {' and '.join(missing)} to [profile {name}] "
                "('avault sso accounts' lists the accounts and roles you can use)"
            )
        if not config.sso_region:
            where = f"[sso-session {config.sso_session}]" if config.sso_session else f"[profile {name}]"
            raise AvaultError(f"profile {name} uses SSO but has no sso_region; add it to {where}")
        return self._cached(SsoProvider(self, config), serial=config.sso_start_url)

    def _cached(self, provider: Provider, *, serial: str) -> Provider:
        if self.disable_cache:
            return provider
        return CachedProvider(self.cache, provider, serial=serial)

    def _source_creds(self, config: ProfileConfig, *, stored: bool) -> Provider:
        if stored:
            self.ctx.log(f"profile {config.profile_name}: using stored credentials")
            return StoredProvider(self.vault, config.profile_name)
        assert config.source is not None
        self.ctx.log(
            f"profile {config.profile_name}: sourcing credentials from profile {config.source.profile_name}"
        )
        return self.provider_for(config.source)

    def _can_use_get_session_token(self, c: ProfileConfig) -> tuple[bool, str]:
        if self.no_session or c.no_session:
            return False, "sessions are disabled"
        if self.disable_sessions_for == c.profile_name:
            return False, "sessions are disabled for this profile"
        target = c.chained_from
        if target is not None:
            if not target.mfa_serial:
                return False, f"profile '{target.profile_name}' has no MFA serial defined"
            if not c.mfa_serial:
                return False, f"profile '{c.profile_name}' has no MFA serial defined"
            if target.mfa_serial != c.mfa_serial:
                return False, f"MFA serial doesn't match profile '{target.profile_name}'"
        return True, ""

    def _prime(self, config: ProfileConfig, source: Provider) -> tuple[Provider, bool]:
        """GetSessionToken "priming" (fork >= 7.11): returns the source and whether to assume a role."""
        name = config.profile_name
        source_for_role = config.chained_from is not None and config.chained_from.has_role()
        should_prime = (not config.has_role() or source_for_role) and not _assume_role_keeps_full_duration(
            config
        )
        if not should_prime or not isinstance(source, StoredProvider):
            return source, True
        ok, reason = self._can_use_get_session_token(config)
        if not ok:
            self.ctx.log(f"profile {name}: skipping GetSessionToken because {reason}")
            return source, config.has_role()
        self._chained_mfa = config.mfa_serial
        details = " (with MFA)" if config.mfa_serial else ""
        self.ctx.log(f"profile {name}: using GetSessionToken{details}")
        duration = get_session_token_duration(config)
        _check_range(
            name,
            "GetSessionToken",
            duration,
            GET_SESSION_TOKEN_RANGE,
            "--duration, AWS_SESSION_TOKEN_TTL or AWS_CHAINED_SESSION_TOKEN_TTL",
        )
        provider = SessionTokenProvider(self, config, source, duration=duration, serial=config.mfa_serial)
        return self._cached(provider, serial=config.mfa_serial), config.has_role()

    def _source_with_session(self, config: ProfileConfig, *, stored: bool) -> Provider:
        name = config.profile_name
        source = self._source_creds(config, stored=stored)
        source, should_assume_role = self._prime(config, source)
        if not should_assume_role or not config.has_role():
            return source

        duration = assume_role_duration(config)
        if _needs_chaining_cap(source) and duration > ROLE_CHAINING_MAXIMUM_DURATION:
            self.ctx.log(
                f"profile {name}: capping AssumeRole duration from {format_go_duration(duration)} "
                f"to AWS maximum {format_go_duration(ROLE_CHAINING_MAXIMUM_DURATION)} for role chaining"
            )
            duration = ROLE_CHAINING_MAXIMUM_DURATION
        _check_range(name, "AssumeRole", duration, ASSUME_ROLE_RANGE, "--duration or duration_seconds")

        serial = config.mfa_serial
        chained = bool(serial) and serial == self._chained_mfa
        if chained:
            serial = ""
        details = " (chained MFA)" if chained else (" (with MFA)" if serial else "")
        self.ctx.log(f"profile {name}: using AssumeRole{details}")
        provider = AssumeRoleProvider(self, config, source, duration=duration, serial=serial)
        # aws-vault caches an AssumeRole only when it still carries an MFA serial.
        return self._cached(provider, serial=serial) if serial else provider

    # -- account ---------------------------------------------------------------------------------
    def account_for(self, config: ProfileConfig) -> str:
        """The account the credentials belong to, from config alone (no STS call)."""
        stored = self.has_stored(config.profile_name)
        account = ""
        if stored or config.source is not None:
            if config.has_role():
                account = account_from_arn(config.role_arn)
            elif not stored and config.source is not None:
                account = self.account_for(config.source)
        elif config.has_sso():
            account = config.sso_account_id
        elif config.has_web_identity():
            account = account_from_arn(config.role_arn)
        return account or account_from_arn(config.mfa_serial)


def credentials_for(resolver: Resolver, config: ProfileConfig) -> Credentials:
    """Resolve and retrieve; the account comes from config when the provider did not learn it."""
    provider = resolver.provider_for(config)
    creds = provider.retrieve()
    account = resolver.account_for(config)
    if account and creds.account_id != account:
        # Config is authoritative (e.g. a cached session, which stores no account).
        creds = Credentials(
            creds.access_key_id, creds.secret_access_key, creds.session_token, creds.expiration, account
        )
    return creds
