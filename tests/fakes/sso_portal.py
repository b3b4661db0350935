"""A fake IAM Identity Center (``sso-oidc`` + ``sso`` portal) on 127.0.0.1, stdlib only.

moto has no ``sso`` or ``sso-oidc`` service, so the SSO tests talk to this server through
``AVAULT_SSO_ENDPOINT_URL`` while STS stays on moto. It answers the exact routes botocore
calls (rest-json; errors carry ``x-amzn-ErrorType`` so botocore maps them to the modelled
exceptions):

=========================  ======================================================
``POST /client/register``  RegisterClient
``POST /device_authorization``  StartDeviceAuthorization
``POST /token``            CreateToken: device_code (pending -> success, SlowDown once
                           if asked, expired device code, denied) and refresh_token
``GET /federation/credentials``  GetRoleCredentials (401 for an unknown token, 403 for
                           a role the user has no access to; expiration in epoch ms)
``GET /assignment/accounts``  ListAccounts (paginated, one account per page)
``GET /assignment/roles``  ListAccountRoles (paginated, one role per page)
``GET /device?user_code=`` the "browser": visiting it approves the code (fake-only)
``POST /approve?user_code=[&deny=1]``  approve or deny a code (fake-only)
=========================  ======================================================

Every call is counted (``calls``), device authorizations separately, and request bodies
are kept (``requests``) so tests can check what avault sent.
"""

from __future__ import annotations

import json
import secrets
import string
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@dataclass
class Device:
    code: str
    user_code: str
    client_id: str
    expires_at: float
    approved: bool = False
    denied: bool = False
    slowed: bool = False
    used: bool = False


@dataclass
class SsoPortal:
    interval: int = 1
    device_expires_in: int = 600
    token_expires_in: int = 8 * 3600
    registration_expires_in: int = 90 * 24 * 3600
    role_expires_in: int = 3600
    slow_down_once: bool = False
    issue_refresh_tokens: bool = True  # only when the client registered with scopes, like AWS
    accounts: dict[str, tuple[str, list[str]]] = field(
        default_factory=lambda: {
            "111111111111": ("prod", ["AdministratorAccess", "ReadOnly"]),
            "222222222222": ("dev", ["Developer"]),
        }
    )
    forbidden: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.device_authorizations = 0
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.clients: dict[str, dict[str, Any]] = {}  # client id -> {secret, scopes}
        self.devices: dict[str, Device] = {}
        self.tokens: dict[str, float] = {}  # live access token -> expiry
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> client id
        self.role_credentials: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SsoPortal:
        portal = self

        class Handler(_Handler):
            pass

        Handler.portal = portal
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- test controls ---------------------------------------------------------------------------
    def approve(self, user_code: str, *, deny: bool = False) -> bool:
        with self.lock:
            for device in self.devices.values():
                if device.user_code == user_code:
                    device.approved = not deny
                    device.denied = deny
                    return True
        return False

    def approve_url(self, url: str) -> bool:
        """What the test "browser" does with verificationUriComplete."""
        code = parse_qs(urlsplit(url).query).get("user_code", [""])[0]
        return self.approve(code)

    def revoke_access_tokens(self) -> None:
        """Invalidate every access token (the portal answers 401), keeping refresh tokens."""
        with self.lock:
            self.tokens.clear()

    def revoke_everything(self) -> None:
        with self.lock:
            self.tokens.clear()
            self.refresh_tokens.clear()

    def issue_token(self, *, expires_in: int | None = None) -> str:
        """An access token minted out of band (e.g. by 'aws sso login' in an interop test)."""
        token = "at-" + secrets.token_urlsafe(16)
        with self.lock:
            self.tokens[token] = time.time() + (expires_in or self.token_expires_in)
        return token

    def register_out_of_band(self, scopes: list[str] | None = None) -> tuple[str, str]:
        client_id, secret = "cid-" + secrets.token_hex(6), "cs-" + secrets.token_hex(12)
        with self.lock:
            self.clients[client_id] = {"secret": secret, "scopes": scopes or []}
        return client_id, secret

    def issue_refresh_token(self, client_id: str) -> str:
        refresh = "rt-" + secrets.token_urlsafe(16)
        with self.lock:
            self.refresh_tokens[refresh] = client_id
        return refresh

    # -- operations ------------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict[str, str], headers: Any, body: dict[str, Any]):
        route = (method, path)
        names = {
            ("POST", "/client/register"): "RegisterClient",
            ("POST", "/device_authorization"): "StartDeviceAuthorization",
            ("POST", "/token"): "CreateToken",
            ("GET", "/federation/credentials"): "GetRoleCredentials",
            ("GET", "/assignment/accounts"): "ListAccounts",
            ("GET", "/assignment/roles"): "ListAccountRoles",
            ("GET", "/device"): "Approve",
            ("POST", "/approve"): "Approve",
        }
        name = names.get(route)
        if name is None:
            return 404, {"x-amzn-ErrorType": "NotFound"}, {"message": f"no route {method} {path}"}
        with self.lock:
            self.calls[name] += 1
            self.requests.append((name, dict(body, **query)))
        if name == "Approve":
            ok = self.approve(query.get("user_code", ""), deny=query.get("deny") == "1")
            return (200 if ok else 404), {}, {"approved": ok}
        if name in ("GetRoleCredentials", "ListAccounts", "ListAccountRoles"):
            token = headers.get("x-amz-sso_bearer_token", "")
            with self.lock:
                live = self.tokens.get(token, 0) > time.time()
            if not live:
                return _error(401, "UnauthorizedException", "Session token not found or invalid")
        return getattr(self, "_" + name)(query, body)

    def _RegisterClient(self, _query, body):
        client_id, secret = "cid-" + secrets.token_hex(6), "cs-" + secrets.token_hex(12)
        now = int(time.time())
        with self.lock:
            self.clients[client_id] = {"secret": secret, "scopes": body.get("scopes") or []}
        return (
            200,
            {},
            {
                "clientId": client_id,
                "clientSecret": secret,
                "clientIdIssuedAt": now,
                "clientSecretExpiresAt": now + self.registration_expires_in,
            },
        )

    def _client_ok(self, body) -> bool:
        client = self.clients.get(body.get("clientId", ""))
        return client is not None and client["secret"] == body.get("clientSecret")

    def _StartDeviceAuthorization(self, _query, body):
        if not self._client_ok(body):
            return _error(401, "InvalidClientException", "invalid client")
        user_code = "".join(secrets.choice(string.ascii_uppercase) for _ in range(4))
        user_code += "-" + "".join(secrets.choice(string.digits) for _ in range(4))
        code = "dc-" + secrets.token_urlsafe(16)
        with self.lock:
            self.device_authorizations += 1
            self.devices[code] = Device(
                code, user_code, body["clientId"], time.time() + self.device_expires_in
            )
        return (
            200,
            {},
            {
                "deviceCode": code,
                "userCode": user_code,
                "verificationUri": f"{self.url}/device",
                "verificationUriComplete": f"{self.url}/device?user_code={user_code}",
                "expiresIn": self.device_expires_in,
                "interval": self.interval,
            },
        )

    def _issue(self, client_id: str) -> dict[str, Any]:
        token = "at-" + secrets.token_urlsafe(16)
        out: dict[str, Any] = {
            "accessToken": token,
            "tokenType": "Bearer",
            "expiresIn": self.token_expires_in,
        }
        with self.lock:
            self.tokens[token] = time.time() + self.token_expires_in
            if self.issue_refresh_tokens and self.clients[client_id]["scopes"]:
                refresh = "rt-" + secrets.token_urlsafe(16)
                self.refresh_tokens[refresh] = client_id
                out["refreshToken"] = refresh
        return out

    def _CreateToken(self, _query, body):
        if not self._client_ok(body):
            return _error(401, "InvalidClientException", "invalid client")
        grant = body.get("grantType")
        if grant == "refresh_token":
            with self.lock:
                owner = self.refresh_tokens.pop(body.get("refreshToken", ""), None)
            if owner != body["clientId"]:
                return _error(400, "InvalidGrantException", "invalid refresh token", error="invalid_grant")
            return 200, {}, self._issue(owner)
        if grant != DEVICE_GRANT:
            return _error(400, "UnsupportedGrantTypeException", "unsupported grant")
        with self.lock:
            device = self.devices.get(body.get("deviceCode", ""))
            if device is None or device.used or device.client_id != body["clientId"]:
                return _error(400, "InvalidGrantException", "invalid device code", error="invalid_grant")
            if time.time() > device.expires_at:
                return _error(400, "ExpiredTokenException", "device code expired", error="expired_token")
            if self.slow_down_once and not device.slowed:
                device.slowed = True
                return _error(400, "SlowDownException", "slow down", error="slow_down")
            if device.denied:
                return _error(400, "AccessDeniedException", "denied", error="access_denied")
            if not device.approved:
                return _error(400, "AuthorizationPendingException", "pending", error="authorization_pending")
            device.used = True
        return 200, {}, self._issue(device.client_id)

    def _GetRoleCredentials(self, query, _body):
        account, role = query.get("account_id", ""), query.get("role_name", "")
        known = account in self.accounts and role in self.accounts[account][1]
        if not known or (account, role) in self.forbidden:
            return _error(403, "ForbiddenException", "No access")
        creds = {
            "accessKeyId": "ASIA" + "".join(secrets.choice(string.ascii_uppercase) for _ in range(16)),
            "secretAccessKey": secrets.token_urlsafe(30),
            "sessionToken": "sso-" + secrets.token_urlsafe(40),
            "expiration": int((time.time() + self.role_expires_in) * 1000),
        }
        with self.lock:
            self.role_credentials.append(creds)
        return 200, {}, {"roleCredentials": creds}

    @staticmethod
    def _page(items: list[Any], query: dict[str, str]) -> tuple[list[Any], str | None]:
        start = int(query.get("next_token") or 0)
        nxt = str(start + 1) if start + 1 < len(items) else None
        return items[start : start + 1], nxt

    def _ListAccounts(self, query, _body):
        items = [
            {"accountId": a, "accountName": name, "emailAddress": f"{name}@example.com"}
            for a, (name, _roles) in self.accounts.items()
        ]
        page, nxt = self._page(items, query)
        out: dict[str, Any] = {"accountList": page}
        if nxt:
            out["nextToken"] = nxt
        return 200, {}, out

    def _ListAccountRoles(self, query, _body):
        account = query.get("account_id", "")
        roles = self.accounts.get(account, ("", []))[1]
        page, nxt = self._page([{"roleName": r, "accountId": account} for r in roles], query)
        out: dict[str, Any] = {"roleList": page}
        if nxt:
            out["nextToken"] = nxt
        return 200, {}, out


def _error(status: int, code: str, message: str, *, error: str = ""):
    body: dict[str, Any] = {"message": message}
    if error:
        body.update(error=error, error_description=message)
    return status, {"x-amzn-ErrorType": code}, body


class _Handler(BaseHTTPRequestHandler):
    portal: SsoPortal
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        pass

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else {}
        except ValueError:
            body = {}
        status, headers, payload = self.portal.handle(method, parts.path, query, self.headers, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")
