"""IAM Identity Center (SSO): device-authorization login, the token cache, role credentials.

Stdlib only at import time; botocore is imported inside ``BotoSso`` when a call is made.
``avault list``/``clear`` read the token cache through this module cheaply, and the cached
``avs`` path never imports it at all (``providers.CachedProvider`` answers first).

The package: ``target`` (``SsoTarget``, endpoints, the config's SSO sessions), ``cache``
(the token and ~/.aws/sso/cache, the login lock), ``api`` (``SsoApi``, ``BotoSso`` through
``avault.aws``), ``device`` (``SsoLogin``: the device-authorization flow, the browser,
``role_credentials``). Import from the submodule; this file re-exports nothing.

Where things live (chosen for AWS CLI v2 interop: ``aws sso login`` tokens work in avault
and avault's tokens work in the CLI and in botocore's ``SSOTokenProvider``):

* **Token**: ``~/.aws/sso/cache/<sha1(sso-session name, or start URL)>.json`` with
  ``startUrl``, ``region``, ``accessToken``, ``expiresAt`` (UTC, ``Z``) and, when known,
  ``clientId``/``clientSecret``/``registrationExpiresAt``/``refreshToken`` -- the CLI keeps the
  client registration alongside an sso-session token in exactly these fields. Written
  atomically (temp file, fsync, rename), 0600 in a 0700 directory. A corrupt file is
  treated as absent and rewritten.
* **Client registration**: also in the CLI's own registration file,
  ``<sha1(json.dumps({"tool": "botocore", "startUrl", "region", "scopes", "session_name"},
  sort_keys=True))>.json`` (AWS CLI v2 ``SSOTokenFetcher._registration_cache_key``), so one
  registration is reused by both tools until it expires.
* **Lock**: ``<token key>.lock`` beside the token; one login per SSO session at a time, so
  parallel ``credential_process`` calls open one browser tab (``aws sso logout`` skips
  non-JSON files, so the lock files are harmless to the CLI).
* **The vault**: avault never writes ``oidc:<start url>`` items -- the CLI cache is the one
  place a token lives, and a second copy of a bearer token in the vault would only help
  aws-vault, which keeps its own. aws-vault's ``oidc:`` token is *read* when the CLI cache
  has none, so moving from aws-vault needs no new sign-in; ``avault clear`` deletes both.

Beyond aws-vault: registration asks for ``sso_registration_scopes`` (default
``sso:account:access``) so a refresh token is issued and used silently before any browser
opens; ``SlowDownException`` adds 5 s and keeps polling; ``$BROWSER`` is honoured.

Test hook (CONTRIBUTING "Environment variables"): ``AVAULT_SSO_ENDPOINT_URL`` sends both
the ``sso-oidc`` and ``sso`` clients to one URL (the fake portal in tests/fakes), because
``AWS_ENDPOINT_URL`` already points STS at moto. The standard ``AWS_ENDPOINT_URL_SSO_OIDC``
and ``AWS_ENDPOINT_URL_SSO`` come next, then the profile's ``endpoint_url`` (the fork's rule).
"""
