"""The boundary between deciding STS calls (``providers``) and making them (``sts``).

``Signer`` is what signs a call; ``StsApi`` the calls themselves: ``avault.sts.BotoSts``
is the real one, tests inject a fake. Stdlib only: the cached switch imports ``Signer``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from typing import Protocol

    from avault.config.resolution import ProfileConfig
    from avault.creds import Credentials


class Signer:
    """The credentials that sign an STS call, and where they came from (for error messages)."""

    __slots__ = ("creds", "long_term", "profile")

    def __init__(self, creds: Credentials, profile: str, long_term: bool) -> None:
        self.creds = creds
        self.profile = profile
        self.long_term = long_term  # the stored access key of ``profile``: a rejection means rotate/add


# Only for type checking: typing.Protocol is slow to import on the cached path.
if TYPE_CHECKING:

    class StsApi(Protocol):
        """The STS calls avault makes."""

        def get_session_token(
            self, signer: Signer, config: ProfileConfig, *, duration: int, serial: str, code: str
        ) -> Credentials: ...

        def assume_role(
            self,
            signer: Signer,
            config: ProfileConfig,
            *,
            duration: int,
            serial: str,
            code: str,
            session_name: str,
        ) -> Credentials: ...

        def assume_role_with_web_identity(
            self, config: ProfileConfig, *, token: str, duration: int, session_name: str
        ) -> Credentials: ...
