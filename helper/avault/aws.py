"""The one botocore client factory (STS, IAM, SSO OIDC and the SSO portal) and its network rules.

Every client avault makes comes from ``client()``: explicit region, endpoint and
credentials (nothing from the user's AWS_PROFILE, env keys or ~/.aws files), botocore's
*standard* retry mode (throttling, 5xx and connection errors are retried with backoff),
short connect/read time-outs and a total wall-clock deadline per call, so a slow, failing
or unreachable endpoint ends the command in bounded time. ``invoke()`` makes the call and
turns every network failure (time-out, reset, DNS, 5xx, throttling once retries are spent)
into one ``Unreachable`` error that names the endpoint; other AWS errors are left to the
caller, which knows what they mean.

Environment: ``AVAULT_NETWORK_DEADLINE`` (seconds or a Go duration, default 20s): the most
one AWS call may take, retries included.

botocore is imported only inside the functions (a cached switch never loads it); boto3 is
never used (it adds s3transfer, ~20 ms).
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from avault.errors import AvaultError, Unreachable

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from avault.creds import Credentials

DEFAULT_REGION = "us-east-1"
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
MAX_ATTEMPTS = 3  # total, first try included (botocore's standard-mode default)
DEFAULT_DEADLINE = 20.0
DEADLINE_VAR = "AVAULT_NETWORK_DEADLINE"
# botocore.retries.standard's throttling codes: retried, and if they persist, "unreachable".
THROTTLING = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)


class _DeadlinePassed(Exception):
    """Raised inside botocore before a retry that would start after the deadline."""


def deadline_seconds(env: Mapping[str, str]) -> float:
    from avault.durations import env_seconds  # noqa: PLC0415

    seconds = env_seconds(
        env,
        DEADLINE_VAR,
        ok=lambda s: 0 < s <= 3600,
        error=AvaultError,
        hint="use e.g. 20s or 1m, or unset it",
    )
    return DEFAULT_DEADLINE if seconds is None else seconds


# The agent (avault.agentswitch) keeps one session and reuses its clients: keep_warm().
_warm: dict[str, Any] = {}
_MAX_WARM_CLIENTS = 64


def keep_warm() -> None:
    """From now on in this process: one shared session, and clients reused per credentials."""
    import threading  # noqa: PLC0415

    _warm.setdefault("lock", threading.Lock())
    _warm.setdefault("clients", {})


def session() -> Any:  # noqa: ANN401 - botocore.session.Session, imported lazily
    """A botocore session that reads no profile from the environment and no ~/.aws file."""
    import botocore.session  # noqa: PLC0415

    shared = _warm.get("session")
    if shared is not None:
        return shared
    s = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    s.set_config_variable("config_file", os.devnull)
    s.set_config_variable("credentials_file", os.devnull)
    if "lock" in _warm:
        _warm["session"] = s
    return s


def client(
    boto_session: Any,  # noqa: ANN401 - from session()
    service: str,
    *,
    region: str,
    endpoint: str | None,
    env: Mapping[str, str],
    creds: Credentials | None = None,
    connect_timeout: float = CONNECT_TIMEOUT,
    read_timeout: float = READ_TIMEOUT,
    log: Callable[[str], None] | None = None,
) -> Any:  # noqa: ANN401 - a botocore client
    """A client signed by ``creds`` (unsigned without), retrying in standard mode, with
    time-outs no longer than the deadline and the deadline enforced before every retry."""
    if "lock" in _warm:
        key: tuple[object, ...] = (service, region, endpoint, deadline_seconds(env), connect_timeout)
        key += (read_timeout,)
        if creds is not None:
            key += (creds.access_key_id, creds.secret_access_key, creds.session_token)
        with _warm["lock"]:
            clients: dict[tuple[object, ...], Any] = _warm["clients"]
            made = clients.get(key)
            if made is None:
                if len(clients) >= _MAX_WARM_CLIENTS:
                    clients.clear()
                made = clients[key] = _new_client(
                    boto_session, service, region, endpoint, env, creds, connect_timeout, read_timeout
                )
        if log is not None:
            log(f"Using {service} endpoint {made.meta.endpoint_url}")
        return made
    made = _new_client(boto_session, service, region, endpoint, env, creds, connect_timeout, read_timeout)
    if log is not None:
        log(f"Using {service} endpoint {made.meta.endpoint_url}")
    return made


def _new_client(  # noqa: PLR0917 - client()'s arguments
    boto_session: Any,  # noqa: ANN401
    service: str,
    region: str,
    endpoint: str | None,
    env: Mapping[str, str],
    creds: Credentials | None,
    connect_timeout: float,
    read_timeout: float,
) -> Any:  # noqa: ANN401 - a botocore client
    from botocore import UNSIGNED  # noqa: PLC0415
    from botocore.config import Config  # noqa: PLC0415

    deadline = deadline_seconds(env)
    options: dict[str, Any] = {
        "connect_timeout": min(connect_timeout, deadline),
        "read_timeout": min(read_timeout, deadline),
        "retries": {"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
        "ignore_configured_endpoint_urls": True,
    }
    kwargs: dict[str, Any] = {"region_name": region or DEFAULT_REGION, "endpoint_url": endpoint or None}
    if creds is None:
        options["signature_version"] = UNSIGNED
    else:
        kwargs.update(
            aws_access_key_id=creds.access_key_id,
            aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token or None,
        )
    from botocore.exceptions import InvalidRegionError  # noqa: PLC0415

    try:
        made = boto_session.create_client(service, config=Config(**options), **kwargs)
    except InvalidRegionError:
        raise AvaultError(
            f"'{region}' is not a region name; fix the profile's region (sso_region for "
            "SSO), or AWS_REGION and AWS_DEFAULT_REGION"
        ) from None
    except ValueError:  # botocore's "Invalid endpoint: ..." and "Invalid IPv6 URL"
        if not endpoint:
            raise
        raise AvaultError(
            f"'{endpoint}' is not an endpoint URL; fix 'endpoint_url' in the profile, or AWS_ENDPOINT_URL"
        ) from None
    check = _DeadlineCheck(deadline)
    made.meta.events.register("before-send", check)
    made._avault_deadline = check  # noqa: SLF001 - read back by invoke()
    return made


class _DeadlineCheck:
    """A before-send hook: the first send starts the clock, a later one past it stops the call."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started: float | None = None

    def start(self) -> None:
        self.started = None

    def __call__(self, **_kwargs: Any) -> None:  # noqa: ANN401 - botocore event arguments
        now = time.monotonic()
        if self.started is None:
            self.started = now
        elif now - self.started >= self.seconds:
            raise _DeadlinePassed


def invoke(
    made: Any,  # noqa: ANN401 - a client from client()
    operation: str,
    params: Mapping[str, Any],
    *,
    what: str,
    hint: str = "check your network or AWS_ENDPOINT_URL",
    error: type[AvaultError] = Unreachable,
) -> dict[str, Any]:
    """Call ``operation`` (``GetSessionToken``); ``what`` names the service in errors (``STS``,
    ``IAM``, ``IAM Identity Center OIDC``), ``hint`` says what to check, ``error`` is raised."""
    from botocore import exceptions as bx  # noqa: PLC0415

    endpoint = made.meta.endpoint_url
    check: _DeadlineCheck = made._avault_deadline  # noqa: SLF001 - set by client()
    check.start()
    method = getattr(made, "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_"))
    try:
        response: dict[str, Any] = method(**params)
    except _DeadlinePassed:
        raise error(
            f"{what} at {endpoint} gave no answer within {check.seconds:g}s ({operation}, "
            f"retries included); {hint}, or raise {DEADLINE_VAR}"
        ) from None
    except (bx.ConnectTimeoutError, bx.ReadTimeoutError):
        raise error(f"{what} at {endpoint} did not answer in time ({operation}); {hint}") from None
    except bx.EndpointConnectionError:
        raise error(f"could not connect to {what} at {endpoint} ({operation}); {hint}") from None
    except bx.ConnectionClosedError:
        raise error(f"{what} at {endpoint} closed the connection ({operation}); {hint}") from None
    except bx.ClientError as exc:
        details = exc.response.get("Error", {})
        code = str(details.get("Code") or "Unknown")
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in THROTTLING or status >= 500:
            raise error(
                f"{what} at {endpoint} kept failing ({operation}: {code}, HTTP {status}, "
                f"{MAX_ATTEMPTS} attempts); try again later"
            ) from None
        raise
    except bx.HTTPClientError as exc:  # resets and other transport failures
        raise error(f"{what} at {endpoint} failed ({operation}: {type(exc).__name__}); {hint}") from None
    return response
