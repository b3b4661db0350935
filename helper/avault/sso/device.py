"""The device-authorization login (RFC 8628), the browser, and role credentials."""

from __future__ import annotations

import os
import sys
import time
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO, TypeVar

from avault.errors import ApiError, AvaultError, Interrupted, SsoError
from avault.sso.api import BotoSso, DeviceAuthorization, SsoApi
from avault.sso.cache import Registration, Token, TokenCache, token_time
from avault.sso.target import SsoTarget

_R = TypeVar("_R")

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from avault.config.resolution import ProfileConfig
    from avault.context import Context
    from avault.creds import Credentials
    from avault.vault.base import Vault

STDOUT_VAR = "AWS_VAULT_STDOUT"
SLOW_DOWN_DELAY = 5  # RFC 8628 section 3.5
SPIN_STEP = 0.2
_TRUE = frozenset({"1", "t", "true", "yes", "on"})


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
    def call(self, fn: Callable[[Token], _R]) -> _R:
        """``fn(token)``; when the portal rejects a cached token, sign in again once and retry."""
        token, cached = self.token()
        try:
            return fn(token)
        except ApiError as exc:
            if exc.code != "UnauthorizedException" or not cached:
                raise
            self.ctx.info(
                f"avault: IAM Identity Center rejected the cached SSO token for {self.target.display} "
                f"({exc.code}: {exc.detail or 'token not accepted'}); signing in again"
            )
        token, _cached = self.token(rejected=token.access_token)
        return fn(token)

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
        access, expires = inner.get("AccessToken"), token_time(obj.get("Expiration"))
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
        if getattr(self.ctx, "no_human", False):  # inside the agent: the shell's own path signs in
            from avault.errors import NeedsHuman  # noqa: PLC0415

            raise NeedsHuman("an SSO sign-in in the browser")
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
    return login.call(lambda token: _get_role(login, config, token))


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
