"""The STS calls of the credential chain, over avault.aws's clients (botocore only when a call is made).

Clients get explicit credentials, region and endpoint, and read nothing from the user's
AWS_PROFILE, env keys or ~/.aws files: the shell running avault may hold another
profile's keys. Network failures become one ``avault.errors.Unreachable`` naming the endpoint.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from avault.creds import Credentials, account_from_arn
from avault.errors import StsError

if TYPE_CHECKING:
    from avault.config.resolution import ProfileConfig
    from avault.context import Context
    from avault.sts_api import Signer

DEFAULT_REGION = "us-east-1"
LEGACY_GLOBAL_REGIONS = frozenset(
    {
        "ap-northeast-1",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "aws-global",
        "ca-central-1",
        "eu-central-1",
        "eu-north-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "sa-east-1",
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
    }
)
_REJECTED_KEY = frozenset(
    {"InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "InvalidAccessKeyId"}
)


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def endpoint_for(config: ProfileConfig, env: dict[str, str] | None = None) -> str | None:
    """``endpoint_url`` (or AWS_ENDPOINT_URL), else the global endpoint under ``legacy``, else None."""
    env = env if env is not None else dict(os.environ)
    url = config.endpoint_url or env.get("AWS_ENDPOINT_URL", "")
    if url:
        return url
    region = config.region or DEFAULT_REGION
    if config.sts_regional_endpoints == "legacy" and region in LEGACY_GLOBAL_REGIONS:
        return "https://sts.amazonaws.com"
    return None


class BotoSts:
    """The STS calls avault makes, over botocore (tests inject a fake with these methods)."""

    def __init__(self, ctx: Context) -> None:
        from avault import aws  # noqa: PLC0415

        self.ctx = ctx
        self._session = aws.session()

    def _client(self, config: ProfileConfig, creds: Credentials | None) -> Any:  # noqa: ANN401 - botocore client
        from avault import aws  # noqa: PLC0415

        return aws.client(
            self._session,
            "sts",
            region=config.region or DEFAULT_REGION,
            endpoint=endpoint_for(config, dict(self.ctx.env)),
            env=self.ctx.env,
            creds=creds,
            log=self.ctx.log,
        )

    def _call(
        self,
        operation: str,
        config: ProfileConfig,
        signer: Signer | None,
        params: dict[str, Any],
        *,
        code: str = "",
    ) -> dict[str, Any]:
        from botocore import exceptions as bx  # noqa: PLC0415

        from avault import aws  # noqa: PLC0415

        client = self._client(config, signer.creds if signer else None)
        endpoint = client.meta.endpoint_url
        profile = config.profile_name
        try:
            return aws.invoke(client, operation, params, what="STS")
        except bx.ParamValidationError as exc:
            report = _scrub(one_line(exc.kwargs.get("report", "")), code, signer)
            if "TokenCode" in report:
                raise StsError(
                    f"profile {profile}: the MFA code was rejected ({report}); "
                    "enter the current 6-digit code and try again"
                ) from None
            raise StsError(f"profile {profile}: invalid {operation} request: {report}") from None
        except bx.ClientError as exc:
            raise _client_error(exc, operation, config, signer, code) from None
        except bx.BotoCoreError as exc:
            raise StsError(
                f"profile {profile}: {operation} failed ({type(exc).__name__}); "
                f"check your network or AWS_ENDPOINT_URL ({endpoint})"
            ) from None

    # -- the calls ----------------------------------------------------------------------------
    def get_session_token(
        self, signer: Signer, config: ProfileConfig, *, duration: int, serial: str, code: str
    ) -> Credentials:
        params: dict[str, Any] = {"DurationSeconds": duration}
        if serial:
            params.update(SerialNumber=serial, TokenCode=code)
        resp = self._call("GetSessionToken", config, signer, params, code=code)
        return _credentials(resp["Credentials"], "")

    def assume_role(
        self,
        signer: Signer,
        config: ProfileConfig,
        *,
        duration: int,
        serial: str,
        code: str,
        session_name: str,
    ) -> Credentials:
        params: dict[str, Any] = {
            "RoleArn": config.role_arn,
            "RoleSessionName": session_name,
            "DurationSeconds": duration,
        }
        if config.external_id:
            params["ExternalId"] = config.external_id
        if serial:
            params.update(SerialNumber=serial, TokenCode=code)
        if config.session_tags:
            params["Tags"] = [{"Key": k, "Value": v} for k, v in config.session_tags.items()]
        if config.transitive_session_tags:
            params["TransitiveTagKeys"] = list(config.transitive_session_tags)
        if config.source_identity:
            params["SourceIdentity"] = config.source_identity
        resp = self._call("AssumeRole", config, signer, params, code=code)
        arn = (resp.get("AssumedRoleUser") or {}).get("Arn", "")
        return _credentials(resp["Credentials"], account_from_arn(arn))

    def assume_role_with_web_identity(
        self, config: ProfileConfig, *, token: str, duration: int, session_name: str
    ) -> Credentials:
        params = {
            "RoleArn": config.role_arn,
            "RoleSessionName": session_name,
            "WebIdentityToken": token,
            "DurationSeconds": duration,
        }
        resp = self._call("AssumeRoleWithWebIdentity", config, None, params)
        arn = (resp.get("AssumedRoleUser") or {}).get("Arn", "")
        return _credentials(resp["Credentials"], account_from_arn(arn))


def _credentials(raw: dict[str, Any], account: str) -> Credentials:
    expiration = raw.get("Expiration")
    return Credentials(
        raw["AccessKeyId"],
        raw["SecretAccessKey"],
        raw.get("SessionToken") or "",
        expiration.timestamp() if expiration is not None else None,
        account,
    )


def _scrub(text: str, code: str, signer: Signer | None) -> str:
    """Belt and braces: no secret or MFA code ever reaches a message."""
    secrets = [code] if code else []
    if signer is not None:
        secrets += [signer.creds.secret_access_key, signer.creds.session_token]
    for secret in secrets:
        if secret:
            text = text.replace(secret, "****")
    return text


def _client_error(
    exc: Any,  # noqa: ANN401 - botocore.exceptions.ClientError, imported lazily
    operation: str,
    config: ProfileConfig,
    signer: Signer | None,
    code: str,
) -> StsError:
    error = exc.response.get("Error", {})
    err_code = str(error.get("Code", "Unknown"))
    message = _scrub(one_line(error.get("Message", "")), code, signer)
    profile = config.profile_name
    if err_code in _REJECTED_KEY and signer is not None:
        if signer.long_term:
            return StsError(
                f"profile {signer.profile}: STS rejected the stored access key "
                f"{signer.creds.masked_key()} ({err_code}); if it was rotated or deleted, run "
                f"'avault rotate {signer.profile}' or store the current one with "
                f"'avault add {signer.profile}'"
            )
        return StsError(
            f"profile {profile}: STS rejected the temporary credentials from profile {signer.profile} "
            f"({err_code}); run 'avault clear {signer.profile}' and try again"
        )
    if err_code == "ExpiredToken" and signer is not None:
        return StsError(
            f"profile {profile}: the session from profile {signer.profile} has expired ({err_code}); "
            f"run 'avault clear {signer.profile}' and try again"
        )
    if "MultiFactorAuthentication" in message or "MFA" in message:
        return StsError(f"profile {profile}: {operation} failed: {message}; check the MFA code and try again")
    if err_code == "AccessDenied" and operation == "AssumeRole":
        return StsError(f"profile {profile}: not allowed to assume role {config.role_arn}: {message}")
    return StsError(f"profile {profile}: {operation} failed: {err_code}: {message}")
