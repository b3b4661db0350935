"""``avault lock``: make the agent forget every passphrase it holds; it keeps running.

The next command that needs the file vault asks for the passphrase again (and hands it
to the agent again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from avault.context import Context


def run(args: argparse.Namespace, ctx: Context) -> int:  # noqa: ARG001 - the command has no options
    from avault.errors import AgentUnavailable  # noqa: PLC0415
    from avault.vault.passphrase_agent import AgentClient  # noqa: PLC0415

    try:
        client = AgentClient.connect(ctx.env, timeout=5)
    except AgentUnavailable:
        ctx.info("No agent is running; nothing to forget.")
        return 0
    try:
        forgot = int(client.request("lock").get("forgot", 0))
    except AgentUnavailable:
        ctx.info("The agent went away; nothing to forget.")
        return 0
    finally:
        client.close()
    ctx.info(f"Locked: the agent forgot {forgot} passphrase(s); the next command asks again.")
    return 0
