"""``avault list`` (``ls``): profiles, stored credentials and cached sessions, as aws-vault prints them.

Only ``Vault.keys()`` is used, so listing never asks for a passphrase or unlocks a
keychain item. ``--profiles`` reads the config alone and never opens the vault.

Where we differ from aws-vault (fork), on purpose:

* expired sessions are left out (aws-vault prints them with a negative time left, e.g.
  ``sts.AssumeRole:-3m2s``; they are unusable and purged on the next session lookup);
* a session is "already shown" by identity, not by label, so an orphan session whose label
  happens to equal a displayed one still gets its own row;
* when two ``[sso-session]`` sections share a start URL, the first in the file names the
  OIDC label (aws-vault picks one at random through Go's map order).
* SSO tokens are also found in ``~/.aws/sso/cache`` (where avault and the AWS CLI keep
  them), for every SSO session the config names, while usable or refreshable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from avault.config.ini import ConfigFile

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

    from avault.context import Context

# Go text/tabwriter as aws-vault configures it: NewWriter(out, 25, 4, 2, ' ', 0).
MIN_WIDTH = 25
PADDING = 2


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.profiles and not args.credentials:  # aws-vault: credentials, profiles, sessions
        cfg = ConfigFile.from_env(ctx.env, ctx.home)
        _write_lines(ctx, cfg.profile_names())
        return 0

    from avault import sessions  # noqa: PLC0415 - keep `list --profiles` minimal
    from avault.cmdline import vault_options  # noqa: PLC0415
    from avault.vault import select  # noqa: PLC0415

    keys = select.open_vault(vault_options(args), ctx).keys()
    credentials = [k for k in keys if sessions.is_credential_key(k)]
    if args.credentials:
        _write_lines(ctx, credentials)
        return 0

    cfg = ConfigFile.from_env(ctx.env, ctx.home)
    now = ctx.now()
    oidc_urls = [k[len(sessions.OIDC_PREFIX) :] for k in keys if sessions.is_oidc_key(k)]
    oidc_urls += _sso_cache_urls(ctx, cfg, oidc_urls)
    oidc = _oidc_labels(cfg, oidc_urls)
    live: list[tuple[str, str]] = []  # (profile, label)
    for key in keys:
        parsed = sessions.SessionKey.parse(key)
        if parsed is None or parsed.expiration <= now:
            continue
        live.append((parsed.profile, _session_label(parsed.type, parsed.expiration - now)))

    if args.sessions:
        _write_lines(ctx, [*oidc.values(), *(label for _p, label in live)])
        return 0

    profile_names = cfg.profile_names()
    stored = set(credentials)
    shown_oidc: set[str] = set()
    shown_sessions: set[int] = set()
    rows: list[tuple[str, str, str]] = [
        ("Profile", "Credentials", "Sessions"),
        ("=======", "===========", "========"),
    ]
    for name in profile_names:
        labels: list[str] = []
        url = cfg.resolved_sso_start_url(name)
        if url and url in oidc:
            labels.append(oidc[url])
            shown_oidc.add(url)
        for i, (profile, label) in enumerate(live):
            if profile == name:
                labels.append(label)
                shown_sessions.add(i)
        rows.append((name, name if name in stored else "-", ", ".join(labels) or "-"))

    in_config = set(profile_names)
    rows.extend(("-", c, "-") for c in credentials if c not in in_config)
    rows.extend(("-", "-", label) for url, label in oidc.items() if url not in shown_oidc)
    rows.extend(("-", "-", label) for i, (_p, label) in enumerate(live) if i not in shown_sessions)
    ctx.stdout.write(format_table(rows))
    ctx.stdout.flush()
    return 0


def format_table(rows: Sequence[Sequence[str]]) -> str:
    """Go tabwriter output where every cell is tab-terminated (so the last column is padded too).

    A table is for people: control characters in names are shown escaped.
    """
    from avault.text import printable  # noqa: PLC0415

    rows = [[printable(cell) for cell in r] for r in rows]
    ncols = max((len(r) for r in rows), default=0)
    widths = [max(MIN_WIDTH, *(len(r[c]) + PADDING for r in rows if c < len(r))) for c in range(ncols)]
    return "".join("".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)) + "\n" for r in rows)


def _session_label(session_type: str, seconds_left: float) -> str:
    from avault.durations import format_go_duration  # noqa: PLC0415

    return f"{session_type}:{format_go_duration(seconds_left)}"


def _oidc_labels(cfg: ConfigFile, start_urls: list[str]) -> dict[str, str]:
    """``{start URL: label}``, in vault order: ``oidc:<sso-session name>``, else ``oidc:<host>``."""
    if not start_urls:
        return {}
    from urllib.parse import urlsplit  # noqa: PLC0415

    session_by_url: dict[str, str] = {}
    for session in cfg.sso_session_names():
        url = (cfg.sso_session(session) or {}).get("sso_start_url", "")
        if url:
            session_by_url.setdefault(url, session)
    labels: dict[str, str] = {}
    for url in start_urls:
        ident = session_by_url.get(url, "")
        if not ident:
            try:
                # Go's url.URL.Host: host[:port], without any user info.
                ident = urlsplit(url).netloc.rpartition("@")[2] or url
            except ValueError:
                ident = url
        labels[url] = f"oidc:{ident}"
    return labels


def _sso_cache_urls(ctx: Context, cfg: ConfigFile, seen: list[str]) -> list[str]:
    """Start URLs with a live token in ~/.aws/sso/cache, where avault keeps SSO tokens."""
    if not cfg.sso_session_names() and not any(
        (cfg.section(p) or {}).get("sso_start_url") for p in cfg.profile_names()
    ):
        return []
    from avault.sso.cache import live_tokens  # noqa: PLC0415 - stdlib only at import

    out: list[str] = []
    for target in live_tokens(ctx, cfg):
        if target.start_url not in seen and target.start_url not in out:
            out.append(target.start_url)
    return out


def _write_lines(ctx: Context, lines: Sequence[str]) -> None:
    """One name a line: exact for a script reading a pipe, escaped for a person at a terminal."""
    if lines and ctx.stdout.isatty():
        from avault.text import printable  # noqa: PLC0415

        lines = [printable(line) for line in lines]
    if lines:
        ctx.stdout.write("\n".join(lines) + "\n")
    ctx.stdout.flush()
