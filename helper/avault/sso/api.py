"""The service boundary: the ``SsoApi`` protocol and ``BotoSso``, botocore's unsigned
``sso-oidc`` and ``sso`` clients made through ``avault.aws`` (botocore only inside calls).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from avault.creds import Credentials
from avault.errors import ApiError, SsoError
from avault.sso.cache import Registration
from avault.sso.target import ENDPOINT_VAR, SsoTarget, endpoint_for

if TYPE_CHECKING:
    from avault.context import Context

CLIENT_NAME = "avault"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
REFRESH_GRANT = "refresh_token"  # an OAuth grant type name
DEFAULT_INTERVAL = 5  # RFC 8628 section 3.2
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 10


@dataclass(frozen=True)
class DeviceAuthorization:
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    expires_in: int
    interval: int


class SsoApi(Protocol):
    """The calls avault makes; ``BotoSso`` is the real one. Errors are ``ApiError``/``SsoError``."""

    def register_client(self, target: SsoTarget) -> Registration: ...

    def start_device_authorization(self, target: SsoTarget, reg: Registration) -> DeviceAuthorization: ...

    def create_token(
        self, target: SsoTarget, reg: Registration, *, device_code: str = "", refresh_token: str = ""
    ) -> dict[str, Any]: ...

    def get_role_credentials(self, target: SsoTarget, token: str, account: str, role: str) -> Credentials: ...

    def list_accounts(self, target: SsoTarget, token: str) -> list[tuple[str, str]]: ...

    def list_account_roles(self, target: SsoTarget, token: str, account: str) -> list[str]: ...


class BotoSso:
    """``SsoApi`` over botocore's unsigned ``sso-oidc`` and ``sso`` clients (no boto3)."""

    def __init__(self, ctx: Context) -> None:
        from avault import aws  # noqa: PLC0415

        self.ctx = ctx
        self._session = aws.session()
        self._clients: dict[tuple[str, str], Any] = {}

    def _client(self, service: str, target: SsoTarget) -> Any:  # noqa: ANN401 - botocore client
        from avault import aws  # noqa: PLC0415

        key = (service, target.region)
        if key not in self._clients:
            self._clients[key] = aws.client(
                self._session,
                service,
                region=target.region,
                endpoint=endpoint_for(target, self.ctx.env, service),
                env=self.ctx.env,
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=READ_TIMEOUT,
                log=self.ctx.log,
            )
        return self._clients[key]

    def _call(self, service: str, target: SsoTarget, operation: str, **params: Any) -> dict[str, Any]:  # noqa: ANN401
        from botocore import exceptions as bx  # noqa: PLC0415

        from avault import aws  # noqa: PLC0415

        client = self._client(service, target)
        what = "IAM Identity Center" + (" OIDC" if service == "sso-oidc" else " portal")
        try:
            return aws.invoke(
                client,
                operation,
                params,
                what=what,
                hint=f"check your network and sso_region ({target.region})"
                + _endpoint_knob(target, self.ctx, service),
                error=SsoError,
            )
        except bx.ClientError as exc:
            error = exc.response.get("Error", {})
            status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
            code = str(error.get("Code") or "Unknown")
            message = " ".join(str(error.get("Message") or "").split())
            raise ApiError(operation, code, status, message) from None
        except bx.BotoCoreError as exc:
            raise SsoError(f"{operation} failed ({type(exc).__name__}); check your network") from None

    def register_client(self, target: SsoTarget) -> Registration:
        resp = self._call(
            "sso-oidc",
            target,
            "RegisterClient",
            clientName=CLIENT_NAME,
            clientType="public",
            scopes=list(target.scopes),
        )
        return Registration(resp["clientId"], resp["clientSecret"], float(resp["clientSecretExpiresAt"]))

    def start_device_authorization(self, target: SsoTarget, reg: Registration) -> DeviceAuthorization:
        resp = self._call(
            "sso-oidc",
            target,
            "StartDeviceAuthorization",
            clientId=reg.client_id,
            clientSecret=reg.client_secret,
            startUrl=target.start_url,
        )
        return DeviceAuthorization(
            resp["deviceCode"],
            resp.get("userCode", ""),
            resp.get("verificationUri", ""),
            resp.get("verificationUriComplete") or resp.get("verificationUri", ""),
            int(resp.get("expiresIn") or 600),
            int(resp.get("interval") or DEFAULT_INTERVAL),
        )

    def create_token(
        self, target: SsoTarget, reg: Registration, *, device_code: str = "", refresh_token: str = ""
    ) -> dict[str, Any]:
        params: dict[str, Any] = {"clientId": reg.client_id, "clientSecret": reg.client_secret}
        if refresh_token:
            params.update(grantType=REFRESH_GRANT, refreshToken=refresh_token)
        else:
            params.update(grantType=DEVICE_GRANT, deviceCode=device_code)
        return self._call("sso-oidc", target, "CreateToken", **params)

    def get_role_credentials(self, target: SsoTarget, token: str, account: str, role: str) -> Credentials:
        resp = self._call(
            "sso", target, "GetRoleCredentials", accessToken=token, accountId=account, roleName=role
        )
        rc = resp["roleCredentials"]
        return Credentials(
            rc["accessKeyId"],
            rc["secretAccessKey"],
            rc.get("sessionToken") or "",
            int(rc["expiration"]) / 1000,  # epoch milliseconds
            account,
        )

    def list_accounts(self, target: SsoTarget, token: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        params: dict[str, Any] = {"accessToken": token}
        while True:
            resp = self._call("sso", target, "ListAccounts", **params)
            out += [(a["accountId"], a.get("accountName", "")) for a in resp.get("accountList", [])]
            if not resp.get("nextToken"):
                return out
            params["nextToken"] = resp["nextToken"]

    def list_account_roles(self, target: SsoTarget, token: str, account: str) -> list[str]:
        out: list[str] = []
        params: dict[str, Any] = {"accessToken": token, "accountId": account}
        while True:
            resp = self._call("sso", target, "ListAccountRoles", **params)
            out += [r["roleName"] for r in resp.get("roleList", [])]
            if not resp.get("nextToken"):
                return out
            params["nextToken"] = resp["nextToken"]


def _endpoint_knob(target: SsoTarget, ctx: Context, service: str) -> str:
    """``", or <what set that endpoint>"`` for the connection error, in ``endpoint_for``'s order."""
    env = ctx.env
    specific = "AWS_ENDPOINT_URL_SSO_OIDC" if service == "sso-oidc" else "AWS_ENDPOINT_URL_SSO"
    for var in (ENDPOINT_VAR, specific):
        if env.get(var):
            return f", or {var}, which set that endpoint"
    if not target.endpoint_url:
        return ""
    if env.get("AWS_ENDPOINT_URL") == target.endpoint_url:
        return ", or AWS_ENDPOINT_URL, which set that endpoint"  # env beats the config file
    from avault.config.paths import shown_config_path  # noqa: PLC0415 - only on this error path

    return f", or endpoint_url in {shown_config_path(env, ctx.home)}, which set that endpoint"
