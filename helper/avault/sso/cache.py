"""The token and its cache file (~/.aws/sso/cache, shared with the AWS CLI), and the login lock.

Stdlib only.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from avault.creds import format_rfc3339, parse_rfc3339
from avault.errors import Interrupted, SsoError
from avault.fsutil import private_dir
from avault.sso.target import SsoTarget, config_targets

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from pathlib import Path

    from avault.config.ini import ConfigFile
    from avault.context import Context

REFRESH_WINDOW = 15 * 60  # refresh a refreshable token this early (botocore's window)
EXPIRY_MARGIN = 60  # use a token that cannot be refreshed until a minute before it ends
REGISTRATION_MARGIN = 3600  # never start a login with a registration about to expire


#: How long a second process waits for another's SSO login: longer than a device code lives.
LOGIN_LOCK_WAIT = 900.0


def token_time(value: object) -> float | None:
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
        access, expires = obj.get("accessToken"), token_time(obj.get("expiresAt"))
        if not isinstance(access, str) or not access or expires is None:
            return None
        registration = None
        cid, secret = obj.get("clientId"), obj.get("clientSecret")
        reg_exp = token_time(obj.get("registrationExpiresAt"))
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
        cid, secret, exp = obj.get("clientId"), obj.get("clientSecret"), token_time(obj.get("expiresAt"))
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
