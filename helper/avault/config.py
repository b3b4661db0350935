"""~/.aws/config parsing and profile resolution, with aws-vault (maintained fork) semantics.

Stdlib only: this module is on the fast path of every ``avs`` switch and completion.

INTERFACE (other modules rely on these names; the implementation is being filled in):

* ``config_path(env, home) -> Path``
* ``ConfigFile.load(path) -> ConfigFile``; ``.profile_names()`` in file order (``default``
  only if non-empty; no sso-session sections); ``.has_profile(name)``; ``.section(name)``
  -> dict of lower-cased keys or None; ``.sso_session(name)``; ``.add_profile(name, values)``
  appends ``[profile name]`` (or ``[default]``) atomically.
* ``resolve(name, cfg, env, flags) -> ProfileConfig`` with ``source`` hydrated recursively.
* ``ensure_profile_exists(name, cfg, stored_keys)`` raises the fork's missing-profile error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_SESSION_DURATION = 3600  # GetSessionToken (not chained), AssumeRole, federation
DEFAULT_CHAINED_SESSION_DURATION = 8 * 3600  # GetSessionToken when the source of a role
ROLE_CHAINING_MAXIMUM_DURATION = 3600


@dataclass
class Flags:
    """What the command line sets before the config file is read (the resolver's base)."""

    region: str = ""
    mfa_token: str = ""
    mfa_prompt: str = ""
    duration: int | None = None  # seconds, from -d/--duration or AWS_VAULT_DURATION
    no_session: bool = False


@dataclass
class ProfileConfig:
    profile_name: str
    source_profile_name: str = ""
    source: ProfileConfig | None = None  # hydrated source_profile
    chained_from: ProfileConfig | None = None  # the profile whose source this is
    include_profile: str = ""
    in_config: bool = False  # a [profile X]/[default] section exists for this name

    region: str = ""
    sts_regional_endpoints: str = ""
    endpoint_url: str = ""

    mfa_serial: str = ""
    mfa_token: str = ""
    mfa_process: str = ""
    mfa_prompt: str = ""

    role_arn: str = ""
    external_id: str = ""
    role_session_name: str = ""
    source_identity: str = ""
    session_tags: dict[str, str] = field(default_factory=dict)
    transitive_session_tags: list[str] = field(default_factory=list)

    sso_session: str = ""
    sso_start_url: str = ""
    sso_region: str = ""
    sso_account_id: str = ""
    sso_role_name: str = ""
    sso_registration_scopes: str = ""

    web_identity_token_file: str = ""
    web_identity_token_process: str = ""
    credential_process: str = ""

    # Durations in seconds; 0 means "not set yet" until defaults are applied.
    assume_role_duration: int = 0
    non_chained_get_session_token_duration: int = 0
    chained_get_session_token_duration: int = 0
    get_federation_token_duration: int = 0

    no_session: bool = False

    def is_chained(self) -> bool:
        """True when this profile is the source_profile of the profile being resolved."""
        return self.chained_from is not None

    def get_session_token_duration(self) -> int:
        if self.is_chained():
            return self.chained_get_session_token_duration
        return self.non_chained_get_session_token_duration

    def has_role(self) -> bool:
        return bool(self.role_arn)

    def has_sso(self) -> bool:
        return bool(self.sso_start_url)

    def has_web_identity(self) -> bool:
        return bool(self.web_identity_token_file or self.web_identity_token_process)

    def has_credential_process(self) -> bool:
        return bool(self.credential_process)
