"""The AWS console sign-in flow of aws-vault's ``login`` (behaviour reference §5), plus browser opening.

1. credentials: role, SSO and web-identity credentials as they are; anything else is
   checked with GetCallerIdentity and, unless it is an assumed role, exchanged through
   GetFederationToken (named after the IAM user);
2. ``getSigninToken`` on the partition's federation endpoint;
3. the login URL, optionally wrapped in a logout first (``--auto-logout``, the fork's flag).

The sign-in token is a bearer credential for the console: it goes into the URL and nowhere
else (no error, no --debug line). The browser is never given that URL on its command line
(every local user can read a process's argv): it gets ``file://`` of a small page, 0600 in
a 0700 directory, that sends it on. A detached cleanup process (its argv holds only the
page's path) removes the page after ``AVAULT_LOGIN_PAGE_SECONDS`` (60 s), and each login
sweeps pages older than that which a crashed run left behind. ``--stdout`` prints the URL
instead, because there the user asked for it.

Environment: ``AVAULT_FEDERATION_URL`` (replace the federation endpoint, for tests or
proxies), ``BROWSER`` (the browser command, ``webbrowser`` semantics), ``AVS_LOGIN_ISOLATED=1``
(one browser profile per AWS profile), ``XDG_DATA_HOME`` (where those profiles live),
``XDG_RUNTIME_DIR`` (the pages live in ``$XDG_RUNTIME_DIR/avault/login``, else in
``${XDG_CACHE_HOME:-~/.cache}/avault/login``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from avault.errors import LoginError
from avault.fsutil import private_dir

if TYPE_CHECKING:
    from collections.abc import Mapping

    from avault.config.resolution import ProfileConfig
    from avault.context import Context
    from avault.creds import Credentials
    from avault.switch import SessionOptions

FEDERATION_URL_VAR = "AVAULT_FEDERATION_URL"
ISSUER = "aws-vault"  # what aws-vault sends; kept so CloudTrail filters keep working
LOGOUT_URL = "https://us-east-1.signin.aws.amazon.com/oauth"
SIGNIN_TIMEOUT = 10
PAGE_SECONDS_VAR = "AVAULT_LOGIN_PAGE_SECONDS"
PAGE_SECONDS = 60.0  # how long the browser has to read the sign-in page
PAGE_PREFIX = "login-"
# The cleanup process: sleeps, then removes the page. Its argv: the page's path, the delay.
_CLEANUP = (
    "import os,sys,time\ntime.sleep(float(sys.argv[2]))\ntry: os.unlink(sys.argv[1])\nexcept OSError: pass"
)
# (region prefix, federation endpoint, console domain); the fork's regional endpoint by default.
PARTITIONS = (
    ("cn-", "https://signin.amazonaws.cn/federation", "console.amazonaws.cn"),
    ("us-gov-", "https://signin.amazonaws-us-gov.com/federation", "console.amazonaws-us-gov.com"),
    ("eusc-", "https://signin.amazonaws-eusc.eu/federation", "console.amazonaws-eusc.eu"),
)
DEFAULT_FEDERATION = "https://us-east-1.signin.aws.amazon.com/federation"
DEFAULT_CONSOLE = "console.aws.amazon.com"
# Credentials the console accepts as they are (no federation step).
AS_IS_KINDS = ("sts.AssumeRole", "sts.AssumeRoleWithWebIdentity", "sso.GetRoleCredentials")

CHROME_FAMILY = ("chrome", "chromium", "brave", "msedge", "microsoft-edge", "vivaldi", "opera")
FIREFOX_FAMILY = ("firefox", "librewolf", "waterfox", "icecat")
# Tried in order when BROWSER is unset and an isolated profile is wanted.
KNOWN_BROWSERS = (
    "google-chrome",
    "google-chrome-stable",
    "chromium",
    "chromium-browser",
    "brave-browser",
    "microsoft-edge",
    "firefox",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Firefox.app/Contents/MacOS/firefox",
)


# -- URLs ------------------------------------------------------------------------------------


def _partition(region: str) -> tuple[str, str]:
    for prefix, federation, console in PARTITIONS:
        if region.startswith(prefix):
            return federation, console
    return DEFAULT_FEDERATION, DEFAULT_CONSOLE


def federation_url(region: str, env: Mapping[str, str]) -> str:
    return env.get(FEDERATION_URL_VAR) or _partition(region)[0]


def destination(region: str, path: str = "") -> str:
    """aws-vault: the global console without a region (``--path`` ignored), else the region's."""
    if not region:
        return f"https://{DEFAULT_CONSOLE}/"
    console = _partition(region)[1]
    if path:
        return f"https://{region}.{console}/{path.lstrip('/')}?region={region}"
    return f"https://{region}.{console}/console/home?region={region}"


def _q(text: str) -> str:
    """Go's url.QueryEscape."""
    return urllib.parse.quote_plus(text, safe="")


def login_url(prefix: str, dest: str, token: str, *, auto_logout: bool = False) -> str:
    if auto_logout:
        # The fork escapes the whole inner URL once, its parts unescaped.
        inner = f"{prefix}?Action=login&Issuer={ISSUER}&Destination={dest}&SigninToken={token}"
        return f"{LOGOUT_URL}?Action=logout&redirect_uri={_q(inner)}"
    return f"{prefix}?Action=login&Issuer={ISSUER}&Destination={_q(dest)}&SigninToken={_q(token)}"


def session_json(creds: Credentials) -> str:
    """What getSigninToken's ``Session`` carries: keys sorted, as Go marshals a map."""
    return json.dumps(
        {
            "sessionId": creds.access_key_id,
            "sessionKey": creds.secret_access_key,
            "sessionToken": creds.session_token,
        },
        separators=(",", ":"),
        sort_keys=True,
    )


def signin_token(prefix: str, creds: Credentials) -> str:
    query = urllib.parse.urlencode({"Action": "getSigninToken", "Session": session_json(creds)})
    request = urllib.request.Request(f"{prefix}?{query}", method="GET")  # noqa: S310 - https or a test URL
    try:
        with urllib.request.urlopen(request, timeout=SIGNIN_TIMEOUT) as resp:  # noqa: S310
            body = resp.read(1 << 20)
    except urllib.error.HTTPError as exc:
        raise LoginError(
            f"Call to getSigninToken failed with {exc.code} at {prefix}; the sign-in service refused "
            "these credentials (expired, or not allowed to sign in to the console)"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise LoginError(
            f"could not reach the sign-in service at {prefix} ({type(reason).__name__}); "
            f"check your network or {FEDERATION_URL_VAR}"
        ) from None
    try:
        token = json.loads(body).get("SigninToken")
    except (ValueError, AttributeError):
        token = None
    if not isinstance(token, str) or not token:
        raise LoginError(f"Expected a response with SigninToken from {prefix}; try again later")
    return token


# -- credentials -----------------------------------------------------------------------------


@dataclass
class LoginTarget:
    creds: Credentials
    name: str  # the profile, for messages and the isolated browser profile
    region: str


def _federate(
    ctx: Context, config: ProfileConfig, creds: Credentials, name: str, duration: int
) -> Credentials:
    from avault.errors import AwsCallError  # noqa: PLC0415
    from avault.iam import Aws  # noqa: PLC0415

    aws = Aws(ctx, config)
    try:
        arn = aws.caller_arn(creds)
    except AwsCallError as exc:
        raise LoginError(f"login {name}: cannot check the credentials: {exc}") from None
    fields = arn.split(":")
    if len(fields) > 5 and fields[5].startswith("assumed-role"):
        ctx.log(f"login {name}: using the assumed-role credentials as they are")
        return creds
    try:
        user = aws.user_name(creds)
        ctx.log(f"login {name}: GetFederationToken for user {user}")
        return aws.federation_token(creds, name=user, duration=duration)
    except AwsCallError as exc:
        raise LoginError(
            f"login {name}: these credentials cannot federate ({exc}); the console needs a role, SSO, "
            "or an IAM user's long-term keys allowed sts:GetFederationToken (try 'avault login -n')"
        ) from None


@dataclass(frozen=True)
class LoginOptions:
    """What ``avault login`` was asked."""

    session: SessionOptions  # -d, -t, -n, --region, --prompt and the vault
    profile: str = ""
    path: str = ""
    auto_logout: bool = False
    stdout: bool = False
    browser_profile: str = ""


def from_profile(session: SessionOptions, ctx: Context, profile: str) -> LoginTarget:
    from avault.switch import open_profile  # noqa: PLC0415

    # GetSessionToken is off for the target only: the console cannot use its credentials.
    resolver, config, flags = open_profile(session, ctx, profile, disable_sessions_for=profile)
    duration = flags.duration
    provider = resolver.provider_for(config)
    creds = provider.retrieve()
    if provider.kind not in AS_IS_KINDS:
        creds = _federate(ctx, config, creds, profile, duration or config.get_federation_token_duration)
    return LoginTarget(creds, profile, config.region)


def from_env(session: SessionOptions, ctx: Context) -> LoginTarget:
    """The keys ``avs PROFILE`` exported into this shell (no profile named)."""
    from avault.config.resolution import DEFAULT_SESSION_DURATION, ProfileConfig  # noqa: PLC0415
    from avault.creds import Credentials  # noqa: PLC0415
    from avault.durations import parse_go_duration, require_duration  # noqa: PLC0415

    env = ctx.env
    akid, secret = env.get("AWS_ACCESS_KEY_ID", ""), env.get("AWS_SECRET_ACCESS_KEY", "")
    if not akid or not secret:
        raise LoginError(
            "no profile given and no AWS credentials in the environment; "
            "run 'avault login PROFILE', or switch first with 'avs PROFILE'"
        )
    name = env.get("AVS_PROFILE") or env.get("AWS_VAULT") or "environment"
    region = session.region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION", "")
    creds = Credentials(akid, secret, env.get("AWS_SESSION_TOKEN", ""))
    duration_text = session.duration or env.get("AWS_VAULT_DURATION", "")
    if duration_text:
        duration = require_duration(duration_text, "duration")
    else:
        ttl = parse_go_duration(env.get("AWS_FEDERATION_TOKEN_TTL", ""))
        duration = int(ttl) if ttl and ttl > 0 else DEFAULT_SESSION_DURATION
    config = ProfileConfig(profile_name=name, region=region)
    return LoginTarget(_federate(ctx, config, creds, name, duration), name, region)


# -- browsers --------------------------------------------------------------------------------


def browser_family(command: list[str]) -> str:
    base = Path(command[0]).name.lower() if command else ""
    if any(name in base for name in FIREFOX_FAMILY):
        return "firefox"
    if any(name in base for name in CHROME_FAMILY):
        return "chrome"
    return ""


def _detect_browser(env: Mapping[str, str]) -> list[str]:
    from avault.browser import browser_commands  # noqa: PLC0415

    for entry in browser_commands(env):
        if browser_family(entry):
            return entry
    for name in KNOWN_BROWSERS:
        found = shutil.which(name, path=env.get("PATH")) if "/" not in name else name
        if found and Path(found).exists():
            return [found]
    raise LoginError(
        "an isolated browser profile needs Chrome, Chromium, Brave, Edge or Firefox; "
        "set BROWSER to one of them, or drop --browser-profile / AVS_LOGIN_ISOLATED"
    )


def profile_dir(env: Mapping[str, str], home: Path, family: str, name: str) -> Path:
    data = env.get("XDG_DATA_HOME") or str(home / ".local/share")
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".") or "default"
    return Path(data) / "avault" / "browser" / family / safe


def isolated_command(env: Mapping[str, str], home: Path, name: str, url: str) -> list[str]:
    browser = _detect_browser(env)
    family = browser_family(browser) or "chrome"
    directory = profile_dir(env, home, family, name)
    private_dir(directory)
    if family == "firefox":
        return [*browser, "--profile", str(directory), "--no-remote", url]
    return [*browser, f"--user-data-dir={directory}", url]


# -- the sign-in page --------------------------------------------------------------------------


def pages_dir(env: Mapping[str, str], home: Path) -> Path:
    """Where sign-in pages live: the runtime dir (tmpfs, gone at logout), else the cache dir."""
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if runtime.startswith("/"):
        return Path(runtime) / "avault" / "login"
    cache = env.get("XDG_CACHE_HOME", "")
    return (Path(cache) if cache.startswith("/") else home / ".cache") / "avault" / "login"


def page_seconds(env: Mapping[str, str]) -> float:
    from avault.durations import env_seconds  # noqa: PLC0415

    return env_seconds(env, PAGE_SECONDS_VAR, ok=lambda s: s > 0) or PAGE_SECONDS


def _private_pages_dir(env: Mapping[str, str], home: Path) -> Path:
    import stat  # noqa: PLC0415

    directory = pages_dir(env, home)
    try:
        private_dir(directory)
        st = directory.lstat()
    except OSError as exc:
        raise LoginError(f"cannot create {directory} for the sign-in page ({exc.strerror})") from None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or stat.S_IMODE(st.st_mode) & 0o077:
        raise LoginError(
            f"refusing to put the sign-in page in {directory}: it is not a private directory of yours; "
            "remove it (avault recreates it 0700), or rerun with --stdout"
        )
    return directory


def sweep_pages(directory: Path, older_than: float) -> None:
    """Remove pages a crashed or killed run left behind."""
    import time  # noqa: PLC0415

    cutoff = time.time() - older_than
    try:
        entries = list(directory.iterdir())
    except OSError:
        return
    for p in entries:
        try:
            if p.name.startswith(PAGE_PREFIX) and p.lstat().st_mtime < cutoff:
                p.unlink()
        except OSError:  # noqa: PERF203 - removed meanwhile, or not ours: leave it
            continue


def page_html(url: str) -> str:
    import html  # noqa: PLC0415

    attr = html.escape(url, quote=True)
    script = json.dumps(url).replace("<", "\\u003c")  # no "</script>" can end it early
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">\n'
        f'<meta name="referrer" content="no-referrer">\n<meta http-equiv="refresh" content="0;url={attr}">\n'
        "<title>AWS console sign-in</title></head>\n"
        f"<body><script>location.replace({script});</script>\n"
        f'<p><a href="{attr}">Continue to the AWS console</a></p></body></html>\n'
    )


def write_page(env: Mapping[str, str], home: Path, url: str) -> Path:
    """The page that sends the browser to ``url``: a new 0600 file in a private directory."""
    import secrets  # noqa: PLC0415

    directory = _private_pages_dir(env, home)
    sweep_pages(directory, page_seconds(env))
    path = directory / f"{PAGE_PREFIX}{secrets.token_hex(8)}.html"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(page_html(url))
    except OSError as exc:
        raise LoginError(f"cannot write the sign-in page in {directory} ({exc.strerror})") from None
    return path


def remove_later(path: Path, seconds: float) -> None:
    """Remove ``path`` after ``seconds``, from a detached process that knows only the path."""
    import contextlib  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    with contextlib.suppress(OSError):  # else the next login sweeps it
        subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _CLEANUP, str(path), repr(seconds)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd="/",
            env={},
            umask=0o077,
            start_new_session=True,
        )


def open_url(ctx: Context, url: str, *, isolate: str = "") -> None:
    """Open ``url`` through a sign-in page: an isolated profile, else ``$BROWSER``, else webbrowser."""
    from avault import browser  # noqa: PLC0415

    page = write_page(ctx.env, ctx.home, url)
    page_url = page.as_uri()
    try:
        opened = (
            browser.spawn(isolated_command(ctx.env, ctx.home, isolate, page_url), ctx.env)
            if isolate
            else browser.open_url(ctx.env, page_url)
        )
    except BaseException:
        page.unlink(missing_ok=True)
        raise
    if opened:
        remove_later(page, page_seconds(ctx.env))
    else:
        page.unlink(missing_ok=True)
        raise LoginError(
            "could not open a browser for the console; set BROWSER, or rerun with --stdout to print the URL"
        )


def run(opts: LoginOptions, ctx: Context) -> int:
    """``avault login``: sign in to the console as the profile, or as this shell's keys."""
    env = ctx.env
    profile = opts.profile or env.get("AWS_PROFILE", "")
    target = from_profile(opts.session, ctx, profile) if profile else from_env(opts.session, ctx)
    region = opts.session.region or target.region
    prefix = federation_url(region, env)
    token = signin_token(prefix, target.creds)
    path = opts.path
    auto_logout = opts.auto_logout or _truthy(env.get("AWS_VAULT_AUTO_LOGOUT", ""))
    url = login_url(prefix, destination(region, path), token, auto_logout=auto_logout)
    if opts.stdout or _truthy(env.get("AWS_VAULT_STDOUT", "")):
        ctx.stdout.write(url + "\n")
        ctx.stdout.flush()
        return 0
    isolate = opts.browser_profile
    if not isolate and _truthy(env.get("AVS_LOGIN_ISOLATED", "")):
        isolate = target.name
    open_url(ctx, url, isolate=isolate)
    ctx.log(f"login {target.name}: opened the console in a browser")
    return 0


def _truthy(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")
