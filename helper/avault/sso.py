"""IAM Identity Center (SSO): device-authorization login, the token cache, role credentials.

Stdlib only at import time; botocore is imported inside ``BotoSso`` when a call is made.
``avault list``/``clear`` read the token cache through this module cheaply, and the cached
``avs`` path never imports it at all (``providers.CachedProvider`` answers first).

Where things live (chosen for AWS CLI v2 interop: ``aws sso login`` tokens work in avault
and avault's tokens work in the CLI and in botocore's ``SSOTokenProvider``):

* **Token**: ``~/.aws/sso/cache/<sha1(sso-session name, or start URL)>.json`` with
  ``startUrl``, ``region``, ``accessToken``, ``expiresAt`` (UTC, ``Z``) and, when known,
  ``clientId``/``clientSecret``/``registrationExpiresAt``/``refreshToken`` -- the CLI keeps the
  client registration alongside an sso-session token in exactly these fields. Written
  atomically (temp file, fsync, rename), 0600 in a 0700 directory. A corrupt file is
  treated as absent and rewritten.
* **Client registration**: also in the CLI's own registration file,
  ``<sha1(json.dumps({"tool": "botocore", "startUrl", "region", "scopes", "session_name"},
  sort_keys=True))>.json`` (AWS CLI v2 ``SSOTokenFetcher._registration_cache_key``), so one
  registration is reused by both tools until it expires.
* **Lock**: ``<token key>.lock`` beside the token; one login per SSO session at a time, so
  parallel ``credential_process`` calls open one browser tab (``aws sso logout`` skips
  non-JSON files, so the lock files are harmless to the CLI).
* **The vault**: avault never writes ``oidc:<start url>`` items -- the CLI cache is the one
  place a token lives, and a second copy of a bearer token in the vault would only help
  aws-vault, which keeps its own. aws-vault's ``oidc:`` token is *read* when the CLI cache
  has none, so moving from aws-vault needs no new sign-in; ``avault clear`` deletes both.

Beyond aws-vault: registration asks for ``sso_registration_scopes`` (default
``sso:account:access``) so a refresh token is issued and used silently before any browser
opens; ``SlowDownException`` adds 5 s and keeps polling; ``$BROWSER`` is honoured.

Test hook (CONTRIBUTING "Environment variables"): ``AVAULT_SSO_ENDPOINT_URL`` sends both
the ``sso-oidc`` and ``sso`` clients to one URL (the fake portal in tests/fakes), because
``AWS_ENDPOINT_URL`` already points STS at moto. The standard ``AWS_ENDPOINT_URL_SSO_OIDC``
and ``AWS_ENDPOINT_URL_SSO`` come next, then the profile's ``endpoint_url`` (the fork's rule).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from avault.creds import Credentials, format_rfc3339, parse_rfc3339
from avault.errors import ApiError, AvaultError, Interrupted, SsoError
from avault.fsutil import private_dir

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from pathlib import Path

    from avault.config.ini import ConfigFile
    from avault.config.resolution import ProfileConfig
    from avault.context import Context
    from avault.vault.base import Vault

ENDPOINT_VAR = "AVAULT_SSO_ENDPOINT_URL"
STDOUT_VAR = "AWS_VAULT_STDOUT"
DEFAULT_SCOPES = ("sso:account:access",)
CLIENT_NAME = "avault"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"  # an OAuth grant type name
DEFAULT_INTERVAL = 5  # RFC 8628 section 3.2
SLOW_DOWN_DELAY = 5  # RFC 8628 section 3.5
REFRESH_WINDOW = 15 * 60  # refresh a refreshable token this early (botocore's window)
EXPIRY_MARGIN = 60  # use a token that cannot be refreshed until a minute before it ends
REGISTRATION_MARGIN = 3600  # never start a login with a registration about to expire
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 10
SPIN_STEP = 0.2
_TRUE = frozenset({"1", "t", "true", "yes", "on"})


#: How long a second process waits for another's SSO login: longer than a device code lives.
LOGIN_LOCK_WAIT = 900.0


# -- what identifies a login --------------------------------------------------------------------


def parse_scopes(text: str) -> tuple[str, ...]:
    """``sso_registration_scopes`` as the CLI reads it: comma-separated, blanks dropped."""
    return tuple(s for s in (part.strip() for part in text.split(",")) if s)


@dataclass(frozen=True)
class SsoTarget:
    """One IAM Identity Center sign-in: an ``[sso-session]``, or a legacy inline start URL."""

    start_url: str
    region: str
    session_name: str = ""  # empty for a legacy profile with an inline sso_start_url
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    endpoint_url: str = ""

    @classmethod
    def from_profile(cls, config: ProfileConfig) -> SsoTarget:
        return cls(
            start_url=config.sso_start_url,
            region=config.sso_region,
            session_name=config.sso_session,
            scopes=parse_scopes(config.sso_registration_scopes) or DEFAULT_SCOPES,
            endpoint_url=config.endpoint_url,
        )

    @classmethod
    def from_session(cls, cfg: ConfigFile, name: str, env: Mapping[str, str]) -> SsoTarget:
        section = cfg.sso_session(name)
        if section is None:
            known = ", ".join(cfg.sso_session_names()) or "none"
            raise SsoError(
                f"no [sso-session {name}] section in {cfg.display} (known: {known}); "
                "add it or name an existing one"
            )
        if not section.get("sso_start_url") or not section.get("sso_region"):
            raise SsoError(
                f"[sso-session {name}] in {cfg.display} needs both sso_start_url and sso_region; add them"
            )
        return cls(
            start_url=section["sso_start_url"],
            region=section["sso_region"],
            session_name=name,
            scopes=parse_scopes(section.get("sso_registration_scopes", "")) or DEFAULT_SCOPES,
            endpoint_url=env.get("AWS_ENDPOINT_URL", ""),
        )

    @property
    def token_key(self) -> str:
        """The CLI's token file name: sha1 of the sso-session name, or of the start URL."""
        return hashlib.sha1((self.session_name or self.start_url).encode("utf-8")).hexdigest()  # noqa: S324 - the CLI's file naming, not security

    @property
    def registration_key(self) -> str:
        args = {
            "tool": "botocore",
            "startUrl": self.start_url,
            "region": self.region,
            "scopes": list(self.scopes),
            "session_name": self.session_name or None,
        }
        return hashlib.sha1(json.dumps(args, sort_keys=True).encode("utf-8")).hexdigest()  # noqa: S324

    @property
    def label(self) -> str:
        """aws-vault (fork) ``list`` label: ``oidc:<sso-session>``, else ``oidc:<host>``."""
        return f"oidc:{self.session_name or url_host(self.start_url)}"

    @property
    def display(self) -> str:
        return f"sso-session '{self.session_name}'" if self.session_name else self.start_url


def url_host(url: str) -> str:
    from urllib.parse import urlsplit  # noqa: PLC0415

    try:
        return urlsplit(url).netloc.rpartition("@")[2] or url
    except ValueError:
        return url


# -- the token and its cache file ---------------------------------------------------------------


def _time(value: object) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith("UTC"):  # AWS CLI v1 wrote "%Y-%m-%dT%H:%M:%SUTC"
        text = text[:-3] + "Z"
    try:
        return parse_rfc3339(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Registration:
    client_id: str
    client_secret: str
    expires_at: float

    def live(self, now: float, margin: float = REGISTRATION_MARGIN) -> bool:
        return bool(self.client_id and self.client_secret) and self.expires_at - now > margin


@dataclass(frozen=True)
class Token:
    access_token: str
    expires_at: float
    refresh_token: str = ""
    registration: Registration | None = None

    def valid(self, now: float, margin: float = EXPIRY_MARGIN) -> bool:
        return bool(self.access_token) and self.expires_at - now > margin

    def refreshable(self, now: float) -> bool:
        reg = self.registration
        return bool(self.refresh_token) and reg is not None and reg.live(now, margin=0)

    def fresh(self, now: float) -> bool:
        """Good to use as is: refreshable tokens are renewed 15 minutes early, as botocore does."""
        return self.valid(now, REFRESH_WINDOW if self.refreshable(now) else EXPIRY_MARGIN)

    def to_json(self, target: SsoTarget) -> dict[str, str]:
        out = {
            "startUrl": target.start_url,
            "region": target.region,
            "accessToken": self.access_token,
            "expiresAt": format_rfc3339(self.expires_at),
        }
        if self.registration is not None:
            out.update(
                clientId=self.registration.client_id,
                clientSecret=self.registration.client_secret,
                registrationExpiresAt=format_rfc3339(self.registration.expires_at),
            )
        if self.refresh_token:
            out["refreshToken"] = self.refresh_token
        return out

    @classmethod
    def from_json(cls, obj: object) -> Token | None:
        """A token from a cache file (ours or the CLI's); None if it is not one."""
        if not isinstance(obj, dict):
            return None
        access, expires = obj.get("accessToken"), _time(obj.get("expiresAt"))
        if not isinstance(access, str) or not access or expires is None:
            return None
        registration = None
        cid, secret = obj.get("clientId"), obj.get("clientSecret")
        reg_exp = _time(obj.get("registrationExpiresAt"))
        if isinstance(cid, str) and isinstance(secret, str) and cid and secret and reg_exp is not None:
            registration = Registration(cid, secret, reg_exp)
        refresh = obj.get("refreshToken")
        return cls(access, expires, refresh if isinstance(refresh, str) else "", registration)


class TokenCache:
    """``~/.aws/sso/cache``: JSON files named by key, written atomically, read leniently."""

    def __init__(self, directory: Path, *, log: Callable[[str], None] | None = None) -> None:
        self.directory = directory
        self.log = log or (lambda _msg: None)

    @classmethod
    def for_context(cls, ctx: Context) -> TokenCache:
        return cls(ctx.home / ".aws" / "sso" / "cache", log=ctx.log)

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def read(self, key: str) -> dict[str, Any] | None:
        path = self.path(key)
        try:
            obj = json.loads(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            # Corrupt or unreadable: treated as absent; the next write replaces it.
            self.log(f"Ignoring SSO cache file {path.name} ({type(exc).__name__})")
            return None
        if not isinstance(obj, dict):
            self.log(f"Ignoring SSO cache file {path.name} (not a JSON object)")
            return None
        return obj

    def write(self, key: str, obj: Mapping[str, Any]) -> None:
        from avault.fsutil import atomic_write  # noqa: PLC0415

        data = json.dumps(obj, indent=2).encode("utf-8")
        try:
            private_dir(self.directory)
            atomic_write(self.path(key), data, temp_prefixes=(self.directory / ".avault-tmp-",))
        except OSError as exc:
            raise SsoError(
                f"cannot write the SSO token cache in {self.directory} ({exc.strerror}); "
                "check its permissions"
            ) from None

    def remove(self, key: str) -> bool:
        try:
            self.path(key).unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise SsoError(f"cannot delete {self.path(key)} ({exc.strerror})") from None
        return True

    @contextlib.contextmanager
    def lock(self, key: str, *, on_wait: Callable[[], None]) -> Iterator[None]:
        """One login per SSO session across processes (flock: released if we die).

        A waiter waits as long as a device login may last, not the usual lock timeout.
        """
        from avault.fsutil import exclusive  # noqa: PLC0415

        try:
            private_dir(self.directory)
        except OSError as exc:
            raise SsoError(f"cannot create the SSO login lock in {self.directory} ({exc.strerror})") from None
        try:
            with exclusive(
                self.directory / f"{key}.lock",
                timeout=LOGIN_LOCK_WAIT,
                on_wait=on_wait,
                hint=" (an SSO login in another terminal)",
            ):
                yield
        except KeyboardInterrupt:
            raise Interrupted("SSO login aborted") from None

    # -- token + registration -------------------------------------------------------------------
    def token(self, target: SsoTarget) -> Token | None:
        return Token.from_json(self.read(target.token_key))

    def save_token(self, target: SsoTarget, token: Token) -> None:
        self.write(target.token_key, token.to_json(target))

    def registration(self, target: SsoTarget) -> Registration | None:
        obj = self.read(target.registration_key)
        if obj is None:
            return None
        cid, secret, exp = obj.get("clientId"), obj.get("clientSecret"), _time(obj.get("expiresAt"))
        if not isinstance(cid, str) or not isinstance(secret, str) or exp is None:
            return None
        return Registration(cid, secret, exp)

    def save_registration(self, target: SsoTarget, reg: Registration) -> None:
        self.write(
            target.registration_key,
            {
                "clientId": reg.client_id,
                "clientSecret": reg.client_secret,
                "expiresAt": format_rfc3339(reg.expires_at),
                "scopes": list(target.scopes),
            },
        )


# -- the service boundary -----------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceAuthorization:
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


class SsoApi(Protocol):
    """The calls avault makes; ``BotoSso`` is the real one. Errors are ``ApiError``/``SsoError``."""

    def register_client(self, target: SsoTarget) -> Registration: ...

    def start_device_authorization(self, target: SsoTarget, reg: Registration) -> DeviceAuthorization: ...

    def create_token(
        self, target: SsoTarget, reg: Registration, *, device_code: str = "", refresh_token: str = ""
    ) -> dict[str, Any]: ...

    def get_role_credentials(self, target: SsoTarget, token: str, account: str, role: str) -> Credentials: ...

    def list_accounts(self, target: SsoTarget, token: str) -> list[tuple[str, str]]: ...

    def list_account_roles(self, target: SsoTarget, token: str, account: str) -> list[str]: ...


def endpoint_for(target: SsoTarget, env: Mapping[str, str], service: str) -> str | None:
    specific = "AWS_ENDPOINT_URL_SSO_OIDC" if service == "sso-oidc" else "AWS_ENDPOINT_URL_SSO"
    return env.get(ENDPOINT_VAR) or env.get(specific) or target.endpoint_url or None


class BotoSso:
    """``SsoApi`` over botocore's unsigned ``sso-oidc`` and ``sso`` clients (no boto3)."""

    def __init__(self, ctx: Context) -> None:
        from avault import aws  # noqa: PLC0415

        self.ctx = ctx
        self._session = aws.session()
        self._clients: dict[tuple[str, str], Any] = {}

    def _client(self, service: str, target: SsoTarget) -> Any:  # noqa: ANN401 - botocore client
        from avault import aws  # noqa: PLC0415

        key = (service, target.region)
        if key not in self._clients:
            self._clients[key] = aws.client(
                self._session,
                service,
                region=target.region,
                endpoint=endpoint_for(target, self.ctx.env, service),
                env=self.ctx.env,
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=READ_TIMEOUT,
                log=self.ctx.log,
            )
        return self._clients[key]

    def _call(self, service: str, target: SsoTarget, operation: str, **params: Any) -> dict[str, Any]:  # noqa: ANN401
        from botocore import exceptions as bx  # noqa: PLC0415

        from avault import aws  # noqa: PLC0415

        client = self._client(service, target)
        what = "IAM Identity Center" + (" OIDC" if service == "sso-oidc" else " portal")
        try:
            return aws.invoke(
                client,
                operation,
                params,
                what=what,
                hint=f"check your network and sso_region ({target.region})"
                + _endpoint_knob(target, self.ctx, service),
                error=SsoError,
            )
        except bx.ClientError as exc:
            error = exc.response.get("Error", {})
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            code = str(error.get("Code") or "Unknown")
            message = " ".join(str(error.get("Message") or "").split())
            raise ApiError(operation, code, status, message) from None
        except bx.BotoCoreError as exc:
            raise SsoError(f"{operation} failed ({type(exc).__name__}); check your network") from None

    def register_client(self, target: SsoTarget) -> Registration:
        resp = self._call(
            "sso-oidc",
            target,
            "RegisterClient",
            clientName=CLIENT_NAME,
            clientType="public",
            scopes=list(target.scopes),
        )
        return Registration(resp["clientId"], resp["clientSecret"], float(resp["clientSecretExpiresAt"]))

    def start_device_authorization(self, target: SsoTarget, reg: Registration) -> DeviceAuthorization:
        resp = self._call(
            "sso-oidc",
            target,
            "StartDeviceAuthorization",
            clientId=reg.client_id,
            clientSecret=reg.client_secret,
            startUrl=target.start_url,
        )
        return DeviceAuthorization(
            resp["deviceCode"],
            resp.get("userCode", ""),
            resp.get("verificationUri", ""),
            resp.get("verificationUriComplete") or resp.get("verificationUri", ""),
            int(resp.get("expiresIn") or 600),
            int(resp.get("interval") or DEFAULT_INTERVAL),
        )

    def create_token(
        self, target: SsoTarget, reg: Registration, *, device_code: str = "", refresh_token: str = ""
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"clientId": reg.client_id, "clientSecret": reg.client_secret}
        if refresh_token:
            params.update(grantType=REFRESH_GRANT, refreshToken=refresh_token)
        else:
            params.update(grantType=DEVICE_GRANT, deviceCode=device_code)
        return self._call("sso-oidc", target, "CreateToken", **params)

    def get_role_credentials(self, target: SsoTarget, token: str, account: str, role: str) -> Credentials:
        resp = self._call(
            "sso", target, "GetRoleCredentials", accessToken=token, accountId=account, roleName=role
        )
        rc = resp["roleCredentials"]
        return Credentials(
            rc["accessKeyId"],
            rc["secretAccessKey"],
            rc.get("sessionToken") or "",
            int(rc["expiration"]) / 1000,  # epoch milliseconds
            account,
        )

    def list_accounts(self, target: SsoTarget, token: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        params: dict[str, Any] = {"accessToken": token}
        while True:
            resp = self._call("sso", target, "ListAccounts", **params)
            out += [(a["accountId"], a.get("accountName", "")) for a in resp.get("accountList", [])]
            if not resp.get("nextToken"):
                return out
            params["nextToken"] = resp["nextToken"]

    def list_account_roles(self, target: SsoTarget, token: str, account: str) -> list[str]:
        out: list[str] = []
        params: dict[str, Any] = {"accessToken": token, "accountId": account}
        while True:
            resp = self._call("sso", target, "ListAccountRoles", **params)
            out += [r["roleName"] for r in resp.get("roleList", [])]
            if not resp.get("nextToken"):
                return out
            params["nextToken"] = resp["nextToken"]


# -- the browser --------------------------------------------------------------------------------


def is_true(value: str) -> bool:
    return value.strip().lower() in _TRUE


def is_headless(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """A Linux/BSD session with no display and no $BROWSER: opening a browser cannot work."""
    if platform in ("darwin", "win32", "cygwin"):
        return False
    return not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("BROWSER"))


def open_browser(env: Mapping[str, str], url: str) -> bool:
    """``$BROWSER`` first, else ``webbrowser``; see avault.browser."""
    from avault.browser import open_url  # noqa: PLC0415

    return open_url(env, url)


class _Spinner:
    FRAMES = "|/-\\"

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.i = 0

    def tick(self, seconds_left: float) -> None:
        frame = self.FRAMES[self.i % len(self.FRAMES)]
        self.i += 1
        self.stream.write(
            f"\r{frame} Waiting for approval in the browser ({int(seconds_left)}s left, Ctrl-C to abort) "
        )
        self.stream.flush()

    def clear(self) -> None:
        self.stream.write("\r\033[K")
        self.stream.flush()


# -- the login ----------------------------------------------------------------------------------


class SsoLogin:
    """Get a usable access token for one SSO session: cache, then refresh, then the browser."""

    def __init__(
        self,
        ctx: Context,
        target: SsoTarget,
        *,
        api: SsoApi | None = None,
        cache: TokenCache | None = None,
        vault: Vault | None = None,
        print_only: bool | None = None,
        opener: Callable[[str], bool] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ctx = ctx
        self.target = target
        self._api = api
        self.cache = cache or TokenCache.for_context(ctx)
        self.vault = vault
        stdout = print_only if print_only is not None else is_true(ctx.env.get(STDOUT_VAR, ""))
        self.print_only = stdout or is_headless(ctx.env)
        self.opener = opener or (lambda url: open_browser(ctx.env, url))
        self.sleep = sleep
        self.monotonic = monotonic

    @property
    def api(self) -> SsoApi:
        if self._api is None:
            self._api = BotoSso(self.ctx)
        return self._api

    # -- public ---------------------------------------------------------------------------------
    def token(self, *, rejected: str = "") -> tuple[Token, bool]:
        """A fresh access token and whether it came from a cache (so a 401 may retry)."""
        tok = self._load()
        if tok is not None and tok.access_token != rejected and tok.fresh(self.ctx.now()):
            return tok, True
        with self.cache.lock(self.target.token_key, on_wait=self._waiting):
            # Another process may have signed in (or refreshed) while we waited.
            tok = self._load()
            now = self.ctx.now()
            if tok is not None and tok.access_token == rejected:
                tok = self._drop(tok)
            if tok is not None and tok.fresh(now):
                return tok, True
            if tok is not None and tok.refreshable(now):
                renewed = self._refresh(tok)
                if renewed is not None:
                    self.cache.save_token(self.target, renewed)
                    return renewed, False
            if tok is not None and tok.valid(now):
                return tok, True  # not refreshable but still good for a while
            new = self._device_flow(tok)
            self.cache.save_token(self.target, new)
            return new, False

    # -- steps ----------------------------------------------------------------------------------
    def _load(self) -> Token | None:
        tok = self.cache.token(self.target)
        if tok is None and self.vault is not None:
            tok = self._from_aws_vault()
        return tok

    def _from_aws_vault(self) -> Token | None:
        """aws-vault's ``oidc:<start url>`` item, if it is still valid (read-only interop)."""
        assert self.vault is not None
        key = f"oidc:{self.target.start_url}"
        try:
            if key not in self.vault.keys():  # noqa: SIM118 - Vault.keys(), not a dict
                return None
            item = self.vault.get(key)
            obj = item.json_data() if item is not None else None
        except (AvaultError, ValueError, TypeError):
            return None
        if not isinstance(obj, dict) or not isinstance(obj.get("Token"), dict):
            return None
        inner = obj["Token"]
        access, expires = inner.get("AccessToken"), _time(obj.get("Expiration"))
        if not isinstance(access, str) or not access or expires is None:
            return None
        self.ctx.log(f"Using aws-vault's SSO token for {self.target.start_url}")
        return Token(access, expires)

    def _drop(self, tok: Token) -> Token | None:
        """Forget a rejected access token, keeping the refresh token and registration."""
        if tok.refresh_token and tok.registration is not None:
            dropped = replace(tok, expires_at=self.ctx.now())
            self.cache.save_token(self.target, dropped)
            return dropped
        self.cache.remove(self.target.token_key)
        return None

    def _waiting(self) -> None:
        self.ctx.info(f"avault: waiting for the SSO login for {self.target.display} in another process")

    def _refresh(self, tok: Token) -> Token | None:
        assert tok.registration is not None
        try:
            resp = self.api.create_token(self.target, tok.registration, refresh_token=tok.refresh_token)
        except ApiError as exc:
            self.ctx.log(f"Refreshing the SSO token failed ({exc.code}); a new sign-in is needed")
            return None
        self.ctx.log(f"Refreshed the SSO token for {self.target.display}")
        return Token(
            resp["accessToken"],
            self.ctx.now() + int(resp.get("expiresIn") or 3600),
            resp.get("refreshToken") or tok.refresh_token,
            tok.registration,
        )

    def _registration(self, previous: Token | None) -> Registration:
        now = self.ctx.now()
        if previous is not None and previous.registration is not None and previous.registration.live(now):
            return previous.registration
        reg = self.cache.registration(self.target)
        if reg is not None and reg.live(now):
            return reg
        return self._register()

    def _register(self) -> Registration:
        reg = self.api.register_client(self.target)
        self.cache.save_registration(self.target, reg)
        return reg

    def _device_flow(self, previous: Token | None) -> Token:
        reg = self._registration(previous)
        try:
            auth = self.api.start_device_authorization(self.target, reg)
        except ApiError as exc:
            if exc.code not in ("InvalidClientException", "UnauthorizedClientException"):
                raise self._login_error(exc) from None
            reg = self._register()  # the cached registration is no longer accepted
            auth = self.api.start_device_authorization(self.target, reg)
        self._announce(auth)
        try:
            return self._poll(reg, auth)
        except KeyboardInterrupt:
            raise Interrupted("SSO login aborted") from None

    def _announce(self, auth: DeviceAuthorization) -> None:
        url = auth.verification_uri_complete
        opened = False
        if not self.print_only:
            self.ctx.info("Opening the SSO authorization page in your browser (use Ctrl-C to abort)")
            self.ctx.info(url)
            opened = self.opener(url)
            if not opened:
                self.ctx.info("avault: could not open a browser; open the URL above yourself")
        else:
            text = f"Open the SSO authorization page in a browser (use Ctrl-C to abort)\n{url}"
            self.ctx.info(text)
        if auth.user_code:
            self.ctx.info(f"Check that the page shows the code {auth.user_code}")
        if not opened and not _isatty(self.ctx.stderr):
            # credential_process callers capture stderr; the controlling terminal still works.
            self._to_tty(f"{url}\nCode: {auth.user_code}\n")

    def _to_tty(self, text: str) -> None:
        try:
            fd = os.open(self.ctx.tty_path or "/dev/tty", os.O_WRONLY | os.O_NOCTTY)
        except OSError:
            return
        try:
            os.write(fd, text.encode("utf-8", errors="replace"))
        except OSError:
            pass
        finally:
            os.close(fd)

    def _poll(self, reg: Registration, auth: DeviceAuthorization) -> Token:
        deadline = self.monotonic() + auth.expires_in
        interval = max(1, auth.interval)
        spinner = _Spinner(self.ctx.stderr) if _isatty(self.ctx.stderr) else None
        try:
            while self.monotonic() < deadline:
                self._wait(interval, deadline, spinner)
                try:
                    resp = self.api.create_token(self.target, reg, device_code=auth.device_code)
                except ApiError as exc:
                    if exc.code == "AuthorizationPendingException":
                        continue
                    if exc.code == "SlowDownException":
                        interval += SLOW_DOWN_DELAY  # and keep polling (aws-vault gives up here)
                        self.ctx.log(f"SSO asked us to slow down; polling every {interval}s")
                        continue
                    if exc.code == "ExpiredTokenException":
                        break
                    raise self._login_error(exc) from None
                return Token(
                    resp["accessToken"],
                    self.ctx.now() + int(resp.get("expiresIn") or 3600),
                    resp.get("refreshToken") or "",
                    reg,
                )
        finally:
            if spinner is not None:
                spinner.clear()
        minutes = max(1, round(auth.expires_in / 60))
        raise SsoError(
            f"the SSO sign-in for {self.target.display} was not approved in time "
            f"(the request expires after {minutes} min); run the command again and approve it in the browser"
        )

    def _wait(self, interval: float, deadline: float, spinner: _Spinner | None) -> None:
        end = min(self.monotonic() + interval, deadline)
        while True:
            left = end - self.monotonic()
            if left <= 0:
                return
            if spinner is not None:
                spinner.tick(deadline - self.monotonic())
                self.sleep(min(SPIN_STEP, left))
            else:
                self.sleep(left)

    def _login_error(self, exc: ApiError) -> SsoError:
        if exc.code == "AccessDeniedException":
            return SsoError(f"the SSO sign-in for {self.target.display} was denied in the browser")
        return SsoError(
            f"SSO sign-in for {self.target.display} failed: {exc.operation}: {exc.code}: {exc.detail}; "
            f"check sso_start_url and sso_region ({self.target.region})"
        )


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# -- role credentials (the provider's body) ------------------------------------------------------


def role_credentials(
    ctx: Context,
    config: ProfileConfig,
    *,
    vault: Vault | None = None,
    print_only: bool | None = None,
    api: SsoApi | None = None,
    login: SsoLogin | None = None,
) -> Credentials:
    """``sso.GetRoleCredentials`` for a profile; a cached token the portal rejects is replaced once."""
    target = SsoTarget.from_profile(config)
    login = login or SsoLogin(ctx, target, api=api, vault=vault, print_only=print_only)
    token, cached = login.token()
    try:
        return _get_role(login, config, token)
    except ApiError as exc:
        if exc.code != "UnauthorizedException" or not cached:
            raise
        ctx.info(
            f"avault: IAM Identity Center rejected the cached SSO token for {target.display} "
            f"({exc.code}: {exc.detail or 'token not accepted'}); signing in again"
        )
    token, _cached = login.token(rejected=token.access_token)
    return _get_role(login, config, token)


def _get_role(login: SsoLogin, config: ProfileConfig, token: Token) -> Credentials:
    account, role, name = config.sso_account_id, config.sso_role_name, config.profile_name
    try:
        return login.api.get_role_credentials(login.target, token.access_token, account, role)
    except ApiError as exc:
        if exc.code == "UnauthorizedException":
            raise
        if exc.status == 403 or exc.code in ("ForbiddenException", "AccessDeniedException"):
            raise SsoError(
                f"profile {name}: IAM Identity Center denied role {role} in account {account} "
                f"({exc.code}: {exc.detail}); check sso_account_id and sso_role_name "
                f"('avault sso accounts' lists what you can use) or ask for access"
            ) from None
        raise SsoError(f"profile {name}: GetRoleCredentials failed: {exc.code}: {exc.detail}") from None


# -- the cache seen from list and clear (stdlib only) -------------------------------------------


def config_targets(cfg: ConfigFile) -> list[SsoTarget]:
    """Every SSO session the config names: ``[sso-session]`` sections, then inline start URLs."""
    targets: dict[str, SsoTarget] = {}
    for name in cfg.sso_session_names():
        section = cfg.sso_session(name) or {}
        if section.get("sso_start_url"):
            t = SsoTarget(section["sso_start_url"], section.get("sso_region", ""), name)
            targets.setdefault(t.token_key, t)
    for profile in cfg.profile_names():
        section = cfg.section(profile) or {}
        if not section.get("sso_session") and section.get("sso_start_url"):
            t = SsoTarget(section["sso_start_url"], section.get("sso_region", ""))
            targets.setdefault(t.token_key, t)
    return list(targets.values())


def profile_target(cfg: ConfigFile, profile: str) -> SsoTarget | None:
    """The SSO session of one profile section (its sso-session wins over an inline URL)."""
    section = cfg.section(profile) or {}
    name = section.get("sso_session", "")
    if name:
        sso = cfg.sso_session(name) or {}
        if sso.get("sso_start_url"):
            return SsoTarget(sso["sso_start_url"], sso.get("sso_region", ""), name)
    if section.get("sso_start_url"):
        return SsoTarget(section["sso_start_url"], section.get("sso_region", ""))
    return None


def live_tokens(ctx: Context, cfg: ConfigFile) -> list[SsoTarget]:
    """Config SSO sessions with a usable (or refreshable) token in ~/.aws/sso/cache."""
    cache = TokenCache.for_context(ctx)
    now = ctx.now()
    out = []
    for target in config_targets(cfg):
        tok = cache.token(target)
        if tok is not None and (tok.valid(now, 0) or tok.refreshable(now)):
            out.append(target)
    return out


def _endpoint_knob(target: SsoTarget, ctx: Context, service: str) -> str:
    """``", or <what set that endpoint>"`` for the connection error, in ``endpoint_for``'s order."""
    env = ctx.env
    specific = "AWS_ENDPOINT_URL_SSO_OIDC" if service == "sso-oidc" else "AWS_ENDPOINT_URL_SSO"
    for var in (ENDPOINT_VAR, specific):
        if env.get(var):
            return f", or {var}, which set that endpoint"
    if not target.endpoint_url:
        return ""
    if env.get("AWS_ENDPOINT_URL") == target.endpoint_url:
        return ", or AWS_ENDPOINT_URL, which set that endpoint"  # env beats the config file
    from avault.config.paths import shown_config_path  # noqa: PLC0415 - only on this error path

    return f", or endpoint_url in {shown_config_path(env, ctx.home)}, which set that endpoint"
