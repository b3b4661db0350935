"""``avault login [-d DUR] [-n] [-t CODE] [--region R] [--path P] [-s] [-a] [--browser-profile N] [PROFILE]``.

Opens the AWS console signed in as PROFILE (or as the credentials ``avs`` put in this
shell); the flow lives in ``avault.login``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from avault.context import Context


def run(args: argparse.Namespace, ctx: Context) -> int:
    from avault import login  # noqa: PLC0415

    return login.run(args, ctx)
