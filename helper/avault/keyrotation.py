"""``avault rotate``: replace a profile's stored access key (behaviour reference §1 ``rotate``).

Order of events, chosen so that the new key is never lost:

1. CreateAccessKey (signed by a fresh session built with the cache off, or the stored keys with ``-n``);
2. store the new key in the vault *with the old key's ID beside it* (``AvaultRotatingFrom``), in one write;
3. delete the cached sessions of every profile in the chain;
4. wait until STS accepts the new key (every 2 s, up to 20 s);
5. DeleteAccessKey on the old key, then store the new key again without the marker.

If the process dies after step 2, the vault already holds the working new key and says
which old key is still live; the next ``rotate`` finishes the job. If it dies before, IAM
holds a key nobody stored: the next CreateAccessKey hits AWS's two-key limit, and the
message names the unused key. aws-vault ignores the extra JSON field, so its reads still work.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from avault.errors import RotateError

if TYPE_CHECKING:
    from collections.abc import Callable

    from avault.config.resolution import ProfileConfig
    from avault.context import Context
    from avault.creds import Credentials
    from avault.iam import Aws
    from avault.switch import SessionOptions
    from avault.vault.base import Vault

PENDING_FIELD = "AvaultRotatingFrom"
USER_FIELD = "AvaultRotatingUser"
WAIT_TOTAL = 20.0
WAIT_STEP = 2.0
_STS_NOT_YET = frozenset({"InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException"})

# Replaced in tests; the waiting loop is real time otherwise.
sleep: Callable[[float], None] = time.sleep


def mask(key_id: str) -> str:
    return "****************" + key_id[-4:]


def master_of(config: ProfileConfig, stored: set[str]) -> ProfileConfig:
    """The profile holding the long-term keys: this one, else along source_profile."""
    c: ProfileConfig | None = config
    while c is not None:
        if c.profile_name in stored:
            return c
        c = c.source
    raise RotateError(
        f"No master credentials found for profile {config.profile_name}; "
        f"store keys with 'avault add' for it or its source_profile"
    )


def chain_of(config: ProfileConfig) -> list[str]:
    names: list[str] = []
    c: ProfileConfig | None = config
    while c is not None:
        names.append(c.profile_name)
        c = c.source
    return names


def _store(
    vault: Vault, profile: str, label: str, new: Credentials, *, pending: str = "", user: str = ""
) -> None:
    from avault.vault.base import Item  # noqa: PLC0415

    extra = {PENDING_FIELD: pending, USER_FIELD: user} if pending else {}
    vault.set(Item.credentials(profile, new.access_key_id, new.secret_access_key, label, **extra))


class Rotation:
    def __init__(self, session: SessionOptions, ctx: Context, profile: str) -> None:
        """``session``: only -n, --prompt and the vault count (no duration, region or MFA code)."""
        from avault.config.resolution import Flags  # noqa: PLC0415
        from avault.switch import open_profile  # noqa: PLC0415

        self.ctx = ctx
        self.no_session = session.no_session
        self.profile = profile
        prompt = session.prompt or ctx.env.get("AWS_VAULT_PROMPT", "")
        flags = Flags(mfa_prompt=prompt, no_session=self.no_session)
        # The IAM calls get temporary credentials, but none of them is cached.
        self.resolver, self.config, _flags = open_profile(
            session, ctx, profile, flags=flags, disable_cache=True
        )
        self.vault = self.resolver.vault
        self.master = master_of(self.config, self.resolver.stored).profile_name

    def aws(self) -> Aws:
        from avault.iam import Aws  # noqa: PLC0415

        return Aws(self.ctx, self.config)

    def _read_master(self) -> tuple[Credentials, dict[str, Any], str]:
        from avault.creds import Credentials  # noqa: PLC0415

        item = self.vault.get(self.master)
        if item is None:
            raise RotateError(f"No master credentials found for profile {self.master}")
        data = item.json_data()
        return Credentials.from_stored(data, profile=self.master), data, item.label

    def _signer(self, stored: Credentials) -> Credentials:
        if self.no_session:
            return stored
        return self.resolver.provider_for(self.config).retrieve()

    def run(self) -> int:
        old, data, label = self._read_master()
        pending = data.get(PENDING_FIELD)
        if isinstance(pending, str) and pending:
            return self.finish_interrupted(old, pending, str(data.get(USER_FIELD) or ""), label)
        how = "master credentials" if self.no_session else f"a session from profile '{self.profile}'"
        self.ctx.info(
            f"Rotating credentials stored for profile '{self.master}' using {how} (takes 10-20 seconds)"
        )
        signer = self._signer(old)
        aws = self.aws()
        user = ""
        if self.config.has_role():
            # Role credentials cannot name the user; ask with the keys themselves.
            user = self._user_name(aws, old)
        self.ctx.info("Creating a new access key")
        new = self._create(aws, signer, old, user)
        self.ctx.info(f"Created new access key {new.masked_key()}")
        _store(self.vault, self.master, label, new, pending=old.access_key_id, user=user)
        self._delete_sessions()
        self._wait_until_accepted(aws, new, old)
        self.ctx.info(f"Deleting old access key {old.masked_key()}")
        self._delete_old(aws, signer, user, old.access_key_id)
        self.ctx.info(f"Deleted old access key {old.masked_key()}")
        _store(self.vault, self.master, label, new)
        self.ctx.info("Finished rotating access key")
        return 0

    def _user_name(self, aws: Aws, creds: Credentials) -> str:
        from avault.errors import AwsCallError  # noqa: PLC0415

        try:
            return aws.user_name(creds)
        except AwsCallError as exc:
            raise RotateError(
                f"rotate {self.profile}: cannot find the IAM user of {creds.masked_key()} ({exc}); "
                "nothing was changed"
            ) from None

    def _create(self, aws: Aws, signer: Credentials, old: Credentials, user: str) -> Credentials:
        from avault.errors import AwsCallError  # noqa: PLC0415

        try:
            return aws.create_access_key(signer, user)
        except AwsCallError as exc:
            unchanged = f"nothing was changed and {old.masked_key()} stays in use"
            who = f"IAM user {user}" if user else f"the IAM user of {old.masked_key()}"
            if exc.code == "LimitExceeded":
                raise RotateError(
                    f"{who} already has 2 access keys, AWS's limit (LimitExceeded); {unchanged}. "
                    f"{self._unused_keys(aws, signer, old, user)}, "
                    f"then run 'avault rotate {self.profile}' again"
                ) from None
            if exc.code in ("AccessDenied", "AccessDeniedException"):
                raise RotateError(
                    f"IAM denied CreateAccessKey for {who} ({exc.aws_message or exc.code}); {unchanged}; "
                    "allow iam:CreateAccessKey on your own user, or rotate the key in the IAM console"
                ) from None
            raise RotateError(f"rotate {self.profile}: {exc}; {unchanged}") from None

    def _unused_keys(self, aws: Aws, signer: Credentials, old: Credentials, user: str) -> str:
        from avault.errors import AwsCallError  # noqa: PLC0415

        delete = (
            "aws iam delete-access-key" + (f" --user-name {user}" if user else "") + " --access-key-id ID"
        )
        try:
            others = [k for k in aws.list_access_keys(signer, user) if k != old.access_key_id]
        except AwsCallError:
            others = []
        which = ", ".join(mask(k) for k in others) if others else "the key that is not stored in avault"
        return f"Delete the unused key ({which}) in the IAM console or with '{delete}'"

    def _delete_sessions(self) -> None:
        from avault.sessions import delete_profile_sessions  # noqa: PLC0415

        for name in chain_of(self.config):
            count = delete_profile_sessions(self.vault, name)
            if count:
                self.ctx.info(f"Deleted {count} sessions for {name}")

    def _wait_until_accepted(self, aws: Aws, new: Credentials, old: Credentials) -> None:
        """New keys take a few seconds to reach STS; until then the old key must stay."""
        deadline = time.monotonic() + WAIT_TOTAL
        while True:
            code = self._sts_verdict(aws, new)
            if not code:
                return
            if code not in _STS_NOT_YET or time.monotonic() >= deadline:
                raise RotateError(
                    f"the new key {new.masked_key()} is stored for profile {self.master}, but STS does "
                    f"not accept it yet ({code}); the old key {old.masked_key()} was kept. "
                    f"Run 'avault rotate {self.profile}' again in a minute to delete it"
                )
            sleep(WAIT_STEP)

    @staticmethod
    def _sts_verdict(aws: Aws, creds: Credentials) -> str:
        """``""`` when STS accepts the keys, else its error code."""
        from avault.errors import AwsCallError  # noqa: PLC0415

        try:
            aws.caller_arn(creds)
        except AwsCallError as exc:
            return exc.code or "Unknown"
        return ""

    def _delete_old(self, aws: Aws, signer: Credentials, user: str, key_id: str) -> None:
        from avault.errors import AwsCallError  # noqa: PLC0415

        try:
            aws.delete_access_key(signer, user, key_id)
        except AwsCallError as exc:
            if exc.code == "NoSuchEntity":
                return  # already gone: the goal is reached
            raise RotateError(
                f"the new key is stored for profile {self.master} and works, but deleting the old key "
                f"{mask(key_id)} failed ({exc}); it is still active. Run 'avault rotate {self.profile}' "
                "again, or delete it in the IAM console"
            ) from None

    def finish_interrupted(self, new: Credentials, pending: str, user: str, label: str) -> int:
        who = f"IAM user {user}" if user else "the IAM user"
        self.ctx.info(
            f"A previous rotation of profile '{self.master}' stopped before deleting the old access key "
            f"{mask(pending)}: {who} has two access keys, the new {new.masked_key()} (stored in the vault) "
            "and the old one. Finishing that rotation now; run 'avault rotate' again afterwards "
            "to rotate once more."
        )
        signer = self._signer(new)
        aws = self.aws()
        self.ctx.info(f"Deleting old access key {mask(pending)}")
        self._delete_old(aws, signer, user, pending)
        self.ctx.info(f"Deleted old access key {mask(pending)}")
        _store(self.vault, self.master, label, new)
        self.ctx.info("Finished rotating access key")
        return 0


def pending_rotation(data: dict[str, Any]) -> str:
    """The old key ID a stored item still waits to delete, else ``""`` (for ``list``/``doctor``)."""
    value = data.get(PENDING_FIELD)
    return value if isinstance(value, str) else ""


def run(session: SessionOptions, ctx: Context, profile: str) -> int:
    return Rotation(session, ctx, profile).run()
