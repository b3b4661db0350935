"""~/.aws/config: where it is, how it parses, how a profile resolves (aws-vault fork semantics).

Stdlib only: this package is on the fast path of every ``avs`` switch and completion,
so it must never import boto3, botocore, keyring or cryptography. The cached switch
needs all three submodules, so the names re-exported here cost no extra import:

* ``avault.config.paths``: ``config_path(env, home)``, ``shown_config_path``,
  ``display_path``, the owner/mode checks (``check_owner_and_mode``, ``private_group``)
  and the one atomic writer of the config file;
* ``avault.config.ini``: ``ConfigFile.load(path)`` (the fast and line-by-line parsers,
  section naming, ``add_profile``), ``PROFILE_KEYS``, ``check_new_section``;
* ``avault.config.resolution``: ``resolve(name, cfg, env, flags) -> ProfileConfig`` with
  ``source`` hydrated recursively (include_profile, source_profile chains, env overlays),
  ``Flags``, ``ensure_profile_exists``.

New code imports from the submodule; the names below serve ``from avault import config``.
"""

from __future__ import annotations

from avault.config.ini import DEFAULT_PROFILE, PROFILE_KEYS, ConfigFile, check_new_section
from avault.config.paths import (
    check_owner_and_mode,
    config_path,
    display_path,
    private_group,
    shown_config_path,
)
from avault.config.resolution import (
    DEFAULT_CHAINED_SESSION_DURATION,
    DEFAULT_SESSION_DURATION,
    ROLE_CHAINING_MAXIMUM_DURATION,
    Flags,
    ProfileConfig,
    ensure_profile_exists,
    parse_session_tags,
    parse_transitive_tags,
    resolve,
)

__all__ = [
    "DEFAULT_CHAINED_SESSION_DURATION",
    "DEFAULT_PROFILE",
    "DEFAULT_SESSION_DURATION",
    "PROFILE_KEYS",
    "ROLE_CHAINING_MAXIMUM_DURATION",
    "ConfigFile",
    "Flags",
    "ProfileConfig",
    "check_new_section",
    "check_owner_and_mode",
    "config_path",
    "display_path",
    "ensure_profile_exists",
    "parse_session_tags",
    "parse_transitive_tags",
    "private_group",
    "resolve",
    "shown_config_path",
]
