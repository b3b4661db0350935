"""Profile resolution: flags, env overlays, include_profile and source_profile chains.

aws-vault's ``GetProfileConfig`` turned into a ``ProfileConfig``; stdlib only."""

from __future__ import annotations

from avault.config.ini import DEFAULT_PROFILE, ConfigFile
from avault.durations import parse_go_duration
from avault.errors import ConfigError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping

DEFAULT_SESSION_DURATION = 3600  # GetSessionToken (not chained), AssumeRole, federation
DEFAULT_CHAINED_SESSION_DURATION = 8 * 3600  # GetSessionToken when the source of a role
ROLE_CHAINING_MAXIMUM_DURATION = 3600

SESSION_TAGS_SHAPE = "session tags string must be <key1>=<value1>,[<key2>=<value2>[,...]]"

#: How many profiles a source_profile or include_profile chain may hold; deeper is a
#: ConfigError rather than Python's RecursionError (aws-vault has no limit but Go's stack).
MAX_CHAIN = 64


class Flags:
    """What the command line sets before the config file is read (the resolver's base)."""

    def __init__(
        self,
        *,
        region: str = "",
        mfa_token: str = "",
        mfa_prompt: str = "",
        duration: int | None = None,
        no_session: bool = False,
    ) -> None:
        self.region = region
        self.mfa_token = mfa_token
        self.mfa_prompt = mfa_prompt
        self.duration = duration  # seconds, from -d/--duration or AWS_VAULT_DURATION
        self.no_session = no_session

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Flags) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]  # mutable, like a dataclass with eq

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"Flags({shown})"


class ProfileConfig:
    """One resolved profile. Plain classes here, not dataclasses: importing dataclasses
    costs ~10 ms, and this module is on the cached `avs` path."""

    def __init__(
        self,
        profile_name: str,
        *,
        source_profile_name: str = "",
        source: ProfileConfig | None = None,
        chained_from: ProfileConfig | None = None,
        include_profile: str = "",
        in_config: bool = False,
        region: str = "",
        sts_regional_endpoints: str = "",
        endpoint_url: str = "",
        mfa_serial: str = "",
        mfa_token: str = "",
        mfa_process: str = "",
        mfa_prompt: str = "",
        role_arn: str = "",
        external_id: str = "",
        role_session_name: str = "",
        source_identity: str = "",
        session_tags: dict[str, str] | None = None,
        transitive_session_tags: list[str] | None = None,
        sso_session: str = "",
        sso_start_url: str = "",
        sso_region: str = "",
        sso_account_id: str = "",
        sso_role_name: str = "",
        sso_registration_scopes: str = "",
        web_identity_token_file: str = "",
        web_identity_token_process: str = "",
        credential_process: str = "",
        credential_source: str = "",
        self_sourced: bool = False,
        assume_role_duration: int = 0,
        non_chained_get_session_token_duration: int = 0,
        chained_get_session_token_duration: int = 0,
        get_federation_token_duration: int = 0,
        no_session: bool = False,
    ) -> None:
        self.profile_name = profile_name
        self.source_profile_name = source_profile_name
        self.source = source  # hydrated source_profile
        self.chained_from = chained_from  # the profile whose source this is
        self.include_profile = include_profile
        self.in_config = in_config  # a [profile X]/[default] section exists for this name
        self.region = region
        self.sts_regional_endpoints = sts_regional_endpoints
        self.endpoint_url = endpoint_url
        self.mfa_serial = mfa_serial
        self.mfa_token = mfa_token
        self.mfa_process = mfa_process
        self.mfa_prompt = mfa_prompt
        self.role_arn = role_arn
        self.external_id = external_id
        self.role_session_name = role_session_name
        self.source_identity = source_identity
        self.session_tags: dict[str, str] = session_tags if session_tags is not None else {}
        self.transitive_session_tags: list[str] = (
            transitive_session_tags if transitive_session_tags is not None else []
        )
        self.sso_session = sso_session
        self.sso_start_url = sso_start_url
        self.sso_region = sso_region
        self.sso_account_id = sso_account_id
        self.sso_role_name = sso_role_name
        self.sso_registration_scopes = sso_registration_scopes
        self.web_identity_token_file = web_identity_token_file
        self.web_identity_token_process = web_identity_token_process
        self.credential_process = credential_process
        # Read only to explain a failure: aws-vault ignores credential_source.
        self.credential_source = credential_source
        # source_profile named the profile itself, and was dropped as aws-vault does.
        self.self_sourced = self_sourced
        self.assume_role_duration = assume_role_duration
        self.non_chained_get_session_token_duration = non_chained_get_session_token_duration
        self.chained_get_session_token_duration = chained_get_session_token_duration
        self.get_federation_token_duration = get_federation_token_duration
        self.no_session = no_session

    def __eq__(self, other: object) -> bool:
        # chained_from points back up the chain; comparing it would recurse forever.
        if not isinstance(other, ProfileConfig):
            return False
        mine, theirs = dict(vars(self)), dict(vars(other))
        mine.pop("chained_from"), theirs.pop("chained_from")
        return mine == theirs

    __hash__ = None  # type: ignore[assignment]  # mutable, like a dataclass with eq

    def __repr__(self) -> str:
        # source is shown by name only, and chained_from not at all: both form cycles.
        shown = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k not in ("source", "chained_from"))
        return f"ProfileConfig({shown})"

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


def parse_session_tags(text: str, *, where: str) -> dict[str, str]:
    """``k1=v1,k2=v2`` -> dict; an element without ``=`` (even an empty one) is an error."""
    tags: dict[str, str] = {}
    for element in text.split(","):
        key, sep, value = element.partition("=")
        if not sep:
            raise ConfigError(f"{SESSION_TAGS_SHAPE}; fix {where}")
        tags[key.strip()] = value.strip()
    return tags


def parse_transitive_tags(text: str) -> list[str]:
    """``k1,k2`` -> list; blanks trimmed, empty elements dropped."""
    return [t for t in (e.strip() for e in text.split(",")) if t]


# String fields copied first-writer-wins from a section (config key -> ProfileConfig attribute).
_COPIED = (
    ("mfa_serial", "mfa_serial"),
    ("role_arn", "role_arn"),
    ("external_id", "external_id"),
    ("region", "region"),
    ("role_session_name", "role_session_name"),
    ("source_profile", "source_profile_name"),
)
_COPIED_AFTER_SSO = (
    ("sso_start_url", "sso_start_url"),
    ("sso_region", "sso_region"),
    ("sso_account_id", "sso_account_id"),
    ("sso_role_name", "sso_role_name"),
    ("web_identity_token_file", "web_identity_token_file"),
    ("web_identity_token_process", "web_identity_token_process"),
    ("sts_regional_endpoints", "sts_regional_endpoints"),
    ("endpoint_url", "endpoint_url"),
    ("source_identity", "source_identity"),
    ("credential_process", "credential_process"),
    ("mfa_process", "mfa_process"),
)
_TTL_VARS = (
    ("AWS_ASSUME_ROLE_TTL", "assume_role_duration"),
    ("AWS_SESSION_TOKEN_TTL", "non_chained_get_session_token_duration"),
    ("AWS_CHAINED_SESSION_TOKEN_TTL", "chained_get_session_token_duration"),
    ("AWS_FEDERATION_TOKEN_TTL", "get_federation_token_duration"),
)


class _Loader:
    """aws-vault's ConfigLoader: one per top-level resolve, shared by the source chain."""

    def __init__(
        self,
        cfg: ConfigFile,
        env: Mapping[str, str],
        flags: Flags,
        active: str,
        log: Callable[[str], None] | None,
    ) -> None:
        self.cfg = cfg
        self.env = env
        self.flags = flags
        self.active = active
        self._log = log
        self._logged: set[str] = set()
        self.visited: list[str] = []
        self.source_chain: list[str] = []

    def log(self, message: str) -> None:
        """Each debug line once per resolve: every profile of a chain reads the same env and [default]."""
        if self._log is not None and message not in self._logged:
            self._logged.add(message)
            self._log(message)

    def profile_config(self, name: str) -> ProfileConfig:
        if name in self.source_chain:
            raise ConfigError(
                f"Loop detected in source_profile chain for profile '{name}'; "
                f"fix source_profile in {self.cfg.display} so the chain ends"
            )
        if len(self.source_chain) >= MAX_CHAIN:
            raise ConfigError(
                f"the source_profile chain of profile '{self.active}' is longer than {MAX_CHAIN} "
                f"profiles; shorten it in {self.cfg.display}"
            )
        self.source_chain.append(name)
        try:
            config = self._base(name)
            self._from_env(config)
            self.visited = []
            self._from_file(config, name)
            _apply_defaults(config)
            self._hydrate_source(config)
        finally:
            self.source_chain.pop()
        return config

    def _base(self, name: str) -> ProfileConfig:
        f = self.flags
        config = ProfileConfig(
            profile_name=name,
            in_config=self.cfg.has_profile(name),
            region=f.region,
            mfa_token=f.mfa_token,
            mfa_prompt=f.mfa_prompt,
            no_session=f.no_session,
        )
        if f.duration:
            # The fork's --duration sets all three (upstream left the chained one alone).
            config.assume_role_duration = f.duration
            config.non_chained_get_session_token_duration = f.duration
            config.chained_get_session_token_duration = f.duration
        return config

    def _from_env(self, config: ProfileConfig) -> None:
        env = self.env
        for var in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            if env.get(var) and not config.region:
                self.log(f"Using region {env[var]!r} from {var}")
                config.region = env[var]
        for var, attr in (
            ("AWS_STS_REGIONAL_ENDPOINTS", "sts_regional_endpoints"),
            ("AWS_ENDPOINT_URL", "endpoint_url"),
            ("AWS_MFA_SERIAL", "mfa_serial"),
        ):
            if env.get(var) and not getattr(config, attr):
                self.log(f"Using {attr} {env[var]!r} from {var}")
                setattr(config, attr, env[var])
        for var, attr in _TTL_VARS:
            text = env.get(var, "")
            if text and not getattr(config, attr):
                seconds = parse_go_duration(text)
                # Go's ParseDuration yields 0 on error, which leaves the field unset.
                if seconds is not None and int(seconds) > 0:
                    self.log(f"Using a duration of {int(seconds)}s from {var}")
                    setattr(config, attr, int(seconds))
        if config.profile_name != self.active:
            return
        # Only the target profile: a role's source must not pick these up.
        for var, attr in (
            ("AWS_ROLE_ARN", "role_arn"),
            ("AWS_ROLE_SESSION_NAME", "role_session_name"),
            ("AWS_SOURCE_IDENTITY", "source_identity"),
        ):
            if env.get(var) and not getattr(config, attr):
                self.log(f"Using {attr} {env[var]!r} from {var}")
                setattr(config, attr, env[var])
        if env.get("AWS_SESSION_TAGS") and not config.session_tags:
            config.session_tags = parse_session_tags(
                env["AWS_SESSION_TAGS"], where="or unset AWS_SESSION_TAGS"
            )
        if env.get("AWS_TRANSITIVE_TAGS") and not config.transitive_session_tags:
            config.transitive_session_tags = parse_transitive_tags(env["AWS_TRANSITIVE_TAGS"])

    def _from_file(self, config: ProfileConfig, name: str) -> None:
        if name in self.visited:
            raise ConfigError(
                f"Loop detected in config file for profile '{name}'; "
                f"fix include_profile in {self.cfg.display} so it does not lead back to '{name}'"
            )
        if len(self.visited) >= MAX_CHAIN:
            raise ConfigError(
                f"the include_profile chain of profile '{config.profile_name}' is longer than "
                f"{MAX_CHAIN} profiles; shorten it in {self.cfg.display}"
            )
        self.visited.append(name)
        section = self.cfg.section(name)
        if section is None:
            self.log(f"Profile '{name}' missing in config file")
            section = {}
        get = section.get
        for key, attr in _COPIED:
            if not getattr(config, attr):
                setattr(config, attr, get(key, ""))
        if not config.assume_role_duration:
            config.assume_role_duration = _duration_seconds(get("duration_seconds", ""), name)
        if not config.sso_session and get("sso_session"):
            session_name = section["sso_session"]
            sso = self.cfg.sso_session(session_name)
            if sso is None:
                raise ConfigError(
                    f"profile '{name}' names sso_session '{session_name}' but there is no "
                    f"[sso-session {session_name}] section in {self.cfg.display}; "
                    "add that section or fix sso_session"
                )
            # The sso-session's values overwrite inline ones, even those set earlier.
            config.sso_session = session_name
            config.sso_start_url = sso.get("sso_start_url", "")
            config.sso_region = sso.get("sso_region", "")
            config.sso_registration_scopes = sso.get("sso_registration_scopes", "")
        for key, attr in _COPIED_AFTER_SSO:
            if not getattr(config, attr):
                setattr(config, attr, get(key, ""))
        tags = get("session_tags", "")
        if tags and not config.session_tags:
            config.session_tags = parse_session_tags(tags, where=f"session_tags in profile '{name}'")
        transitive = get("transitive_session_tags", "")
        if transitive and not config.transitive_session_tags:
            config.transitive_session_tags = parse_transitive_tags(transitive)

        include = get("include_profile", "")
        if name == config.profile_name:
            config.include_profile = include
            config.credential_source = get("credential_source", "")
        if include:
            self._from_file(config, include)
        elif name != DEFAULT_PROFILE:
            self._from_file(config, DEFAULT_PROFILE)

        if config.source_profile_name == config.profile_name:
            config.source_profile_name = ""  # a self-reference is ignored
            config.self_sourced = True

    def _hydrate_source(self, config: ProfileConfig) -> None:
        if not config.source_profile_name:
            return
        source = self.profile_config(config.source_profile_name)
        source.chained_from = config
        config.source = source
        if not config.mfa_process:
            config.mfa_process = source.mfa_process  # the fork's inheritance


def _duration_seconds(text: str, name: str) -> int:
    if not text:
        return 0
    # Longer than 12 digits is no duration STS accepts, and int() refuses > 4300 digits.
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise ConfigError(
            f"duration_seconds in profile '{name}' must be a whole number of seconds; "
            "fix it, e.g. duration_seconds = 3600"
        )
    return int(text)


def _apply_defaults(config: ProfileConfig) -> None:
    if not config.assume_role_duration:
        config.assume_role_duration = DEFAULT_SESSION_DURATION
    if not config.get_federation_token_duration:
        config.get_federation_token_duration = DEFAULT_SESSION_DURATION
    if not config.non_chained_get_session_token_duration:
        config.non_chained_get_session_token_duration = DEFAULT_SESSION_DURATION
    if not config.chained_get_session_token_duration:
        config.chained_get_session_token_duration = DEFAULT_CHAINED_SESSION_DURATION


def resolve(
    name: str,
    cfg: ConfigFile,
    env: Mapping[str, str],
    flags: Flags | None = None,
    *,
    log: Callable[[str], None] | None = None,
) -> ProfileConfig:
    """aws-vault's ``GetProfileConfig``: flags, then env, then the file chain, then defaults.

    ``log`` receives aws-vault's debug lines (never a secret). A missing section is not an
    error here; call ``ensure_profile_exists`` first, as the fork does.
    """
    return _Loader(cfg, env, flags or Flags(), name, log).profile_config(name)


def ensure_profile_exists(name: str, cfg: ConfigFile, stored_keys: Collection[str]) -> None:
    """The fork's guard: a profile needs a config section or a stored credential.

    Without it a typo'd name would silently resolve to ``[default]``.
    """
    if cfg.has_profile(name) or name in stored_keys:
        return
    raise ConfigError(
        f"profile '{name}' not found in {cfg.display} and no stored credentials exist for it; "
        f"run 'avault add {name}' or add [profile {name}] to {cfg.display}"
    )
