"""``avault agent [--stop] [--foreground]``: start, run or stop the passphrase agent.

Without flags the agent is started in the background (detached, output to /dev/null)
unless one already answers; it holds no passphrase until a command asks for it once
and hands it over. See avault.vault.passphrase_agent for the protocol and the memory caveats.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from avault.context import Context


def _running_pid(ctx: Context) -> int | None:
    from avault.errors import AgentUnavailable  # noqa: PLC0415
    from avault.vault.passphrase_agent import AgentClient  # noqa: PLC0415

    try:
        client = AgentClient.connect(ctx.env, timeout=5)
    except AgentUnavailable:
        return None
    try:
        return int(client.request("status").get("pid", 0)) or None
    except AgentUnavailable:
        return None
    finally:
        client.close()


def stop(ctx: Context) -> int:
    from avault.errors import AgentUnavailable  # noqa: PLC0415
    from avault.vault.passphrase_agent import AgentClient, remove_stale_socket, socket_path  # noqa: PLC0415

    try:
        client = AgentClient.connect(ctx.env, timeout=5)
    except AgentUnavailable:
        removed = remove_stale_socket(ctx.env)
        ctx.info("No agent is running." + (" Removed its stale socket." if removed else ""))
        return 0
    try:
        pid = client.request("status").get("pid")
        client.request("stop")
    except AgentUnavailable:
        pid = None
    finally:
        client.close()
    path = socket_path(ctx.env)
    deadline = time.monotonic() + 5
    while path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    ctx.info(f"Stopped the agent (pid {pid})." if pid else "Stopped the agent.")
    return 0


def run(args: argparse.Namespace, ctx: Context) -> int:
    from avault.vault.passphrase_agent import run_foreground, socket_path, start_daemon  # noqa: PLC0415

    if args.stop:
        return stop(ctx)
    if args.foreground:
        from avault.agentswitch import SwitchService  # noqa: PLC0415 - the agent answers switches too

        return run_foreground(ctx.env, ctx.log, SwitchService)
    pid = _running_pid(ctx)
    if pid is not None:
        ctx.info(f"An agent is already running (pid {pid}) on {socket_path(ctx.env)}.")
        return 0
    pid = start_daemon(ctx.env)
    ctx.info(
        f"Started the agent (pid {pid}) on {socket_path(ctx.env)}; "
        "the next command that needs the passphrase asks once and hands it over."
    )
    return 0
