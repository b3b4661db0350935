"""IAM and the STS calls beyond the credential chain: what ``login``, ``rotate`` and ``logout`` need.

Like ``avault.sts``, botocore is imported only when a call is made, clients get explicit
credentials, region and endpoint, and nothing is read from the user's AWS_PROFILE or
~/.aws files. Errors say what failed and never carry a secret.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from avault.creds import Credentials
from avault.errors import AwsCallError
from avault.sts import DEFAULT_REGION, endpoint_for, one_line

if TYPE_CHECKING:
    from avault.config.resolution import ProfileConfig
    from avault.context import Context

# ``AccessDenied: User: arn:aws:iam::123456789012:user/path/name is not authorized ...``
_DENIED_USER = re.compile(r"User: (arn:[^:\s]+:iam::\d{12}:user/\S+) is not")
ALLOW_ALL_POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'


def user_name_from_arn(arn: str) -> str:
    """``arn:aws:iam::1:user/path/name`` -> ``name``; a root ARN gives its last field (``root``)."""
    resource = arn.split(":", 5)[-1]
    return resource.rsplit("/", 1)[-1]


def user_name_from_access_denied(message: str) -> str:
    m = _DENIED_USER.search(message)
    return user_name_from_arn(m.group(1)) if m else ""


def role_name_from_arn(arn: str) -> str:
    """``arn:aws:iam::1:role/path/name`` -> ``name`` (IAM APIs take the name, not the path)."""
    return arn.split(":", 5)[-1].rsplit("/", 1)[-1]


class Aws:
    """A few IAM/STS calls, each signed by credentials the caller passes in."""

    def __init__(self, ctx: Context, config: ProfileConfig) -> None:
        from avault import aws  # noqa: PLC0415 - only when a call is made

        self.ctx = ctx
        self.config = config
        self._session = aws.session()

    def _client(self, service: str, creds: Credentials) -> Any:  # noqa: ANN401 - botocore client
        from avault import aws  # noqa: PLC0415

        env = dict(self.ctx.env)
        if service == "sts":
            endpoint = endpoint_for(self.config, env)
        else:
            endpoint = self.config.endpoint_url or env.get("AWS_ENDPOINT_URL") or None
        return aws.client(
            self._session,
            service,
            region=self.config.region or DEFAULT_REGION,
            endpoint=endpoint,
            env=env,
            creds=creds,
            log=self.ctx.log,
        )

    def call(self, service: str, operation: str, creds: Credentials, **params: Any) -> dict[str, Any]:  # noqa: ANN401
        from botocore import exceptions as bx  # noqa: PLC0415

        from avault import aws  # noqa: PLC0415

        client = self._client(service, creds)
        endpoint = client.meta.endpoint_url
        secrets = [s for s in (creds.secret_access_key, creds.session_token) if s]
        try:
            return aws.invoke(client, operation, params, what=service.upper())
        except bx.ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "Unknown"))
            message = one_line(error.get("Message", ""))
            for secret in secrets:
                message = message.replace(secret, "****")
            raise AwsCallError(
                f"{operation} failed: {code}: {message}", code=code, aws_message=message
            ) from None
        except bx.BotoCoreError as exc:
            raise AwsCallError(
                f"{operation} failed ({type(exc).__name__}); check your network or AWS_ENDPOINT_URL "
                f"({endpoint})"
            ) from None

    # -- STS -----------------------------------------------------------------------------------
    def caller_arn(self, creds: Credentials) -> str:
        return str(self.call("sts", "GetCallerIdentity", creds).get("Arn", ""))

    def federation_token(self, creds: Credentials, *, name: str, duration: int) -> Credentials:
        resp = self.call(
            "sts",
            "GetFederationToken",
            creds,
            Name=name[:32],
            Policy=ALLOW_ALL_POLICY,
            DurationSeconds=duration,
        )
        raw = resp["Credentials"]
        return Credentials(
            raw["AccessKeyId"], raw["SecretAccessKey"], raw["SessionToken"], raw["Expiration"].timestamp()
        )

    # -- IAM -----------------------------------------------------------------------------------
    def user_name(self, creds: Credentials) -> str:
        """The IAM user the keys belong to: iam:GetUser, else parsed from its AccessDenied message."""
        try:
            user = self.call("iam", "GetUser", creds).get("User", {})
            return str(user.get("UserName", ""))
        except AwsCallError as exc:
            if exc.code != "AccessDenied":
                raise
            name = user_name_from_access_denied(exc.aws_message)
            if not name:
                raise
            return name

    def create_access_key(self, creds: Credentials, user: str) -> Credentials:
        params = {"UserName": user} if user else {}
        key = self.call("iam", "CreateAccessKey", creds, **params)["AccessKey"]
        return Credentials(key["AccessKeyId"], key["SecretAccessKey"])

    def delete_access_key(self, creds: Credentials, user: str, key_id: str) -> None:
        params = {"UserName": user} if user else {}
        self.call("iam", "DeleteAccessKey", creds, AccessKeyId=key_id, **params)

    def list_access_keys(self, creds: Credentials, user: str) -> list[str]:
        params = {"UserName": user} if user else {}
        keys = self.call("iam", "ListAccessKeys", creds, **params).get("AccessKeyMetadata", [])
        return [str(k.get("AccessKeyId", "")) for k in keys]

    def put_role_policy(
        self, creds: Credentials, role_name: str, name: str, document: dict[str, Any]
    ) -> None:
        self.call(
            "iam",
            "PutRolePolicy",
            creds,
            RoleName=role_name,
            PolicyName=name,
            PolicyDocument=json.dumps(document, separators=(",", ":")),
        )
