"""``avault proxy`` (alias ``server``), hidden: aws-vault's EC2 metadata proxy, refused.

aws-vault runs it as root (``sudo -b aws-vault proxy``) for ``exec --ec2-server``: it
aliases 169.254.169.254 on the loopback device and serves the credentials there to every
process on the machine. avault does not do that (``exec --ec2-server`` is refused too);
the ECS endpoint serves one command, behind a token. The command exists so a script that
calls it gets that explanation in one line instead of "invalid choice".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from avault.errors import AvaultError

if TYPE_CHECKING:
    import argparse

    from avault.context import Context

UNSUPPORTED = (
    "proxy: the EC2 metadata proxy is not supported (it needs root and serves 169.254.169.254:80 "
    "to every process); use 'avault exec --ecs-server PROFILE -- CMD' instead"
)


def run(args: argparse.Namespace, ctx: Context) -> int:  # noqa: ARG001 - nothing to read
    raise AvaultError(UNSUPPORTED)
