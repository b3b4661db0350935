"""What identifies an SSO login (``SsoTarget``), where its endpoints are, which ones a config names.

Stdlib only: ``avault list`` and ``clear`` read targets cheaply.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from avault.errors import SsoError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from avault.config.ini import ConfigFile
    from avault.config.resolution import ProfileConfig

ENDPOINT_VAR = "AVAULT_SSO_ENDPOINT_URL"
DEFAULT_SCOPES = ("sso:account:access",)


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


def endpoint_for(target: SsoTarget, env: Mapping[str, str], service: str) -> str | None:
    specific = "AWS_ENDPOINT_URL_SSO_OIDC" if service == "sso-oidc" else "AWS_ENDPOINT_URL_SSO"
    return env.get(ENDPOINT_VAR) or env.get(specific) or target.endpoint_url or None


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
