"""The boundary between deciding STS calls (``providers``) and making them (``sts``).

``Signer`` is what signs a call. The calls themselves are ``avault.sts.BotoSts``'s methods;
tests inject a fake with the same methods. Stdlib only: the cached switch imports ``Signer``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: typing is slow to import (see context.py)
if TYPE_CHECKING:
    from avault.creds import Credentials


class Signer:
    """The credentials that sign an STS call, and where they came from (for error messages)."""

    __slots__ = ("creds", "long_term", "profile")

    def __init__(self, creds: Credentials, profile: str, long_term: bool) -> None:
        self.creds = creds
        self.profile = profile
        self.long_term = long_term  # the stored access key of ``profile``: a rejection means rotate/add
