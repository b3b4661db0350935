"""exec/export against a real moto_server and the real aws CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fixtures.moto import free_port

pytestmark = pytest.mark.e2e

VENV_BIN = Path(sys.executable).parent
AVAULT = str(VENV_BIN / "avault")
ACCOUNT = "123456789012"  # moto's default account


def add_keys(run_avault, profile: str, key: str = "AKIAEXAMPLEKEY000001", secret: str = "s3cr3t") -> None:
    r = run_avault(
        "add",
        "--env",
        "--no-add-config",
        profile,
        extra_env={"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret},
    )
    assert r.returncode == 0, r.stderr


def session_files(home: Path) -> list[str]:
    d = home / ".awsvault/keys"
    return sorted(p.name for p in d.iterdir() if p.name.count(",") == 3) if d.exists() else []


def iam(moto):
    import boto3  # noqa: PLC0415 - only the auth tests need it

    return boto3.client(
        "iam",
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


CHAIN = """
[profile base]
region = us-east-1

[profile r1]
source_profile = base
role_arn = arn:aws:iam::{acct}:role/r1

[profile r2]
source_profile = r1
role_arn = arn:aws:iam::{acct}:role/r2

[profile r3]
source_profile = r2
role_arn = arn:aws:iam::{acct}:role/r3
role_session_name = avs-e2e
"""


def test_exec_three_deep_role_chain_with_the_aws_cli(moto, aws_config, run_avault):
    aws_config(CHAIN.format(acct=ACCOUNT))
    add_keys(run_avault, "base")
    r = run_avault("exec", "r3", "--", "aws", "sts", "get-caller-identity", "--output", "json")
    assert r.returncode == 0, r.stderr
    ident = json.loads(r.stdout)
    assert ident["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/r3/avs-e2e"


def test_exec_child_env_and_exit_code(moto, aws_config, run_avault):
    aws_config(CHAIN.format(acct=ACCOUNT))
    add_keys(run_avault, "base")
    script = 'echo "$AWS_VAULT|$AWS_REGION|${AWS_PROFILE-unset}|${AVS_PROFILE-unset}|$AWS_CREDENTIAL_EXPIRATION|$AWS_SESSION_EXPIRATION"; exit 7'
    r = run_avault(
        "exec",
        "r1",
        "--",
        "bash",
        "-c",
        script,
        extra_env={"AWS_PROFILE": "zzz", "AVS_PROFILE": "other", "AWS_VAULT": "other"},
    )
    assert r.returncode == 7, r.stderr
    vault, region, profile, avs, exp1, exp2 = r.stdout.strip().split("|")
    assert (vault, region, profile, avs) == ("r1", "us-east-1", "unset", "unset")
    assert exp1 == exp2
    assert exp1.endswith("Z")


def test_exec_gives_the_command_its_own_core_limit(moto, aws_config, run_avault):
    """avault turns core dumps off while it holds secrets; the command gets the soft limit
    it was started with (1 MiB here, since the usual 0 would pass without the restore)."""
    import resource  # noqa: PLC0415

    hard = resource.getrlimit(resource.RLIMIT_CORE)[1]
    soft = 1 << 20 if hard == resource.RLIM_INFINITY else min(hard, 1 << 20)
    if soft <= 0:
        pytest.skip("the hard core limit is 0 here: no limit for the command to get back")
    aws_config("[profile base]\nregion = us-east-1\n")
    add_keys(run_avault, "base")
    probe = "import resource; print(resource.getrlimit(resource.RLIMIT_CORE)[0])"
    r = subprocess.run(
        [AVAULT, "exec", "base", "--", sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=_env(run_avault),
        timeout=60,
        check=False,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (soft, hard)),
    )
    assert (r.returncode, r.stdout) == (0, f"{soft}\n"), r.stderr


def test_exec_refuses_a_real_subshell_and_unknown_commands(moto, aws_config, run_avault):
    aws_config(CHAIN.format(acct=ACCOUNT))
    add_keys(run_avault, "base")
    r = run_avault("exec", "r1", "--", "true", extra_env={"AWS_VAULT": "other"})
    assert r.returncode == 1
    assert (
        "running in an existing aws-vault subshell; 'exit' from the subshell or unset AWS_VAULT to force"
        in r.stderr
    )
    r = run_avault("exec", "r1", "--", "no-such-command-xyz")
    assert r.returncode == 127
    assert "no-such-command-xyz: command not found" in r.stderr
    r = run_avault("exec", "--", "true")
    assert r.returncode == 1
    assert "AWS_PROFILE" in r.stderr


def test_credential_process_for_the_aws_cli(moto, aws_config, run_avault):
    aws_config(
        CHAIN.format(acct=ACCOUNT)
        + f"\n[profile viaproc]\ncredential_process = {AVAULT} export --format json r1\nregion = us-east-1\n"
    )
    add_keys(run_avault, "base")
    r = subprocess.run(
        ["aws", "sts", "get-caller-identity", "--profile", "viaproc", "--output", "json"],
        capture_output=True,
        text=True,
        env=_env(run_avault),
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert r.returncode == 0, r.stderr
    assert "assumed-role/r1/" in json.loads(r.stdout)["Arn"]
    r = subprocess.run(
        ["aws", "s3api", "list-buckets", "--profile", "viaproc", "--output", "json"],
        capture_output=True,
        text=True,
        env=_env(run_avault),
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert r.returncode == 0, r.stderr
    assert "Buckets" in json.loads(r.stdout)


def _env(run_avault) -> dict[str, str]:
    """The env the run_avault fixture uses (it closes over the `env` fixture)."""
    for cell in run_avault.__closure__ or ():
        if isinstance(cell.cell_contents, dict) and "HOME" in cell.cell_contents:
            return dict(cell.cell_contents)
    raise AssertionError("no env")


def test_eval_export_env_in_bash(moto, aws_config, run_avault):
    aws_config(CHAIN.format(acct=ACCOUNT))
    add_keys(run_avault, "base")
    script = f'eval "$({AVAULT} export --format export-env r2)" && aws sts get-caller-identity --output json'
    r = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=_env(run_avault), timeout=60
    )
    assert r.returncode == 0, r.stderr
    assert "assumed-role/r2/" in json.loads(r.stdout)["Arn"]


@pytest.mark.parametrize("fmt", ["env", "ini"])
def test_line_formats_refuse_a_value_that_would_add_a_line(moto, aws_config, run_avault, fmt):
    """env and ini are unquoted KEY=value lines (docker --env-file, a credentials file):
    a region with a line break would smuggle in a line of its own, so it is refused;
    the quoted formats carry it."""
    aws_config(CHAIN.format(acct=ACCOUNT))
    add_keys(run_avault, "base")
    assert run_avault("export", "--format", "json", "base").returncode == 0  # now cached
    hostile = {"AWS_REGION": "us-east-1\nAWS_ACCESS_KEY_ID=AKIAEVIL"}
    r = run_avault("export", "--format", fmt, "base", extra_env=hostile)
    assert (r.returncode, r.stdout) == (1, ""), r.stderr
    assert r.stderr.startswith("avault: the value of "), r.stderr
    assert "line break" in r.stderr, r.stderr
    assert "--format json" in r.stderr, r.stderr
    assert len(r.stderr.splitlines()) == 1, r.stderr
    assert "Traceback" not in r.stderr
    r = run_avault("export", "--format", "export-env", "base", extra_env=hostile)
    assert r.returncode == 0, r.stderr
    assert "export AWS_REGION='us-east-1\nAWS_ACCESS_KEY_ID=AKIAEVIL'\n" in r.stdout


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("echo SECRETOUT; exit 4", "exited with status 4"),
        ("echo SECRETOUT not json", "invalid JSON format from command"),
        (
            """echo '{"AccessKeyId":"ASIAX","SecretAccessKey":"SECRETOUT"}'""",
            "missing the following fields: [Expiration SessionToken]",
        ),
    ],
)
def test_bad_credential_process(moto, aws_config, run_avault, home, script, message):  # noqa: PLR0917 - pytest fixtures
    (home / "proc.sh").write_text(script + "\n")
    command = f"sh {home / 'proc.sh'}"
    aws_config(f"[profile proc]\ncredential_process = {command}\n")
    r = run_avault("export", "--format", "json", "proc")
    assert r.returncode == 1
    assert r.stdout == ""
    assert command in r.stderr
    assert message in r.stderr
    assert "SECRETOUT" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert session_files(home) == []


def _auth_setup(moto):
    client = iam(moto)
    client.create_user(UserName="admin")
    client.put_user_policy(
        UserName="admin",
        PolicyName="all",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    )
    client.create_access_key(UserName="admin")
    return client


def test_stored_key_rejected_by_sts(moto, aws_config, run_avault):
    _auth_setup(moto)
    aws_config("[profile bad]\nregion = us-east-1\n")
    add_keys(run_avault, "bad", key="AKIANOTAREALKEY00001", secret="nope")
    moto.enable_auth()
    r = run_avault("export", "--format", "json", "bad")
    assert r.returncode == 1
    assert r.stdout == ""
    assert (
        "profile bad: STS rejected the stored access key ****************0001 (InvalidClientTokenId)"
        in r.stderr
    )
    assert "avault rotate bad" in r.stderr
    assert "avault add bad" in r.stderr
    assert "nope" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_role_that_cannot_be_assumed(moto, aws_config, run_avault):
    client = _auth_setup(moto)
    client.create_user(UserName="limited")
    key = client.create_access_key(UserName="limited")["AccessKey"]
    client.create_role(
        RoleName="locked", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )
    aws_config(
        f"[profile limited]\nregion = us-east-1\n\n[profile locked]\nsource_profile = limited\nrole_arn = arn:aws:iam::{ACCOUNT}:role/locked\n"
    )
    add_keys(run_avault, "limited", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    moto.enable_auth()
    r = run_avault("export", "--format", "json", "locked")
    assert r.returncode == 1
    assert r.stdout == ""
    assert f"profile locked: not allowed to assume role arn:aws:iam::{ACCOUNT}:role/locked" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_unreachable_endpoint_fails_fast_and_names_it(moto, aws_config, run_avault):
    aws_config("[profile base]\nregion = us-east-1\n")
    add_keys(run_avault, "base")
    url = f"http://127.0.0.1:{free_port()}"
    start = time.monotonic()
    r = run_avault("export", "base", extra_env={"AWS_ENDPOINT_URL": url}, timeout=30)
    assert time.monotonic() - start < 15
    assert r.returncode == 1
    assert r.stdout == ""
    assert f"STS at {url}" in r.stderr
    assert "check your network or AWS_ENDPOINT_URL" in r.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("AWS_REGION", "us east 1", "avault: 'us east 1' is not a region name; fix the profile's region"),
        ("AWS_REGION", "us-east-1\nX=1", "avault: 'us-east-1\\x0aX=1' is not a region name;"),
        ("AWS_ENDPOINT_URL", "not a url", "avault: 'not a url' is not an endpoint URL; fix 'endpoint_url'"),
        ("AWS_ENDPOINT_URL", "http://[::1", "avault: 'http://[::1' is not an endpoint URL;"),
    ],
)
def test_a_malformed_region_or_endpoint_is_a_one_line_error(  # noqa: PLR0917 - pytest fixtures
    moto, aws_config, run_avault, variable, value, message
):
    """botocore refuses them when it makes the client: that was 'internal error'."""
    aws_config("[profile base]\nregion = us-east-1\n")
    add_keys(run_avault, "base")
    r = run_avault("export", "--format", "json", "base", extra_env={variable: value})
    assert (r.returncode, r.stdout) == (1, ""), r.stderr
    assert r.stderr.startswith(message), r.stderr
    assert len(r.stderr.splitlines()) == 1, r.stderr


def test_a_malformed_sso_region_is_a_one_line_error(moto, aws_config, run_avault):
    aws_config(
        "[profile s]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us east\n"
        "sso_account_id = 123456789012\nsso_role_name = r\n"
    )
    r = run_avault("export", "--format", "json", "s", no_tty=True)
    assert (r.returncode, r.stdout) == (1, ""), r.stderr
    assert r.stderr == (
        "avault: 'us east' is not a region name; fix the profile's region (sso_region for SSO), "
        "or AWS_REGION and AWS_DEFAULT_REGION\n"
    )


@pytest.mark.parametrize(
    ("duration", "what"),
    [("10m", "GetSessionToken duration 10m0s"), ("40h", "GetSessionToken duration 40h0m0s")],
)
def test_duration_out_of_range(moto, aws_config, run_avault, duration, what):
    aws_config("[profile base]\nregion = us-east-1\n")
    add_keys(run_avault, "base")
    r = run_avault("export", "-d", duration, "base")
    assert r.returncode == 1
    assert f"profile base: {what} is out of range" in r.stderr


def test_wrong_mfa_code_caches_nothing_and_retry_works(moto, aws_config, run_avault, home):
    aws_config("[profile mfa]\nregion = us-east-1\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n")
    add_keys(run_avault, "mfa")
    r = run_avault("export", "--format", "json", "-t", "123", "mfa")
    assert r.returncode == 1
    assert r.stdout == ""
    assert "MFA code was rejected" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert session_files(home) == []
    r = run_avault("export", "--format", "json", "-t", "123456", "mfa")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["Version"] == 1
    assert [n.split(",")[0] for n in session_files(home)] == ["sts.GetSessionToken"]


FAST_PATH_PROBE = """
import runpy, sys
sys.argv = ["avault", "export", "--format", sys.argv[1], *sys.argv[2:], "mfa"]
code = 0
try:
    runpy.run_module("avault", run_name="__main__")
except SystemExit as exc:
    code = exc.code
heavy = sorted(
    m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore", "keyring", "s3transfer", "ctypes")
)
sys.stderr.write("HEAVY=" + ",".join(heavy) + "\\n")
import ctypes  # after the count: is the process still dumpable (PR_GET_DUMPABLE)?
sys.stderr.write("DUMPABLE=%d\\n" % ctypes.CDLL(None).prctl(3, 0, 0, 0, 0))
sys.exit(code)
"""


def test_cached_export_imports_no_boto_or_keyring(moto, aws_config, run_avault, home):
    aws_config("[profile mfa]\nregion = us-east-1\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n")
    add_keys(run_avault, "mfa")
    env = _env(run_avault)
    probe = [sys.executable, "-c", FAST_PATH_PROBE]
    r = run_avault("export", "--format", "json", "-t", "123456", "mfa")
    assert r.returncode == 0, r.stderr
    first = r.stdout
    for fmt in ("zsh", "bash", "fish", "json", "env", "export-env", "ini"):
        r = subprocess.run(
            [*probe, fmt], capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL
        )
        assert r.returncode == 0, r.stderr
        assert "HEAVY=\n" in r.stderr, r.stderr
        assert "DUMPABLE=0\n" in r.stderr, r.stderr  # the passphrase provider made it so
        if fmt == "json":
            assert r.stdout == first
    # An expired session (clock moved past expiry - MIN_TTL) is not reused: that path needs STS.
    skewed = {**env, "AVAULT_TEST_CLOCK_SKEW": str(3600 - 200)}
    r = subprocess.run(
        [*probe, "json", "-t", "123456"],
        capture_output=True,
        text=True,
        env=skewed,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert r.returncode == 0, r.stderr
    assert "botocore" in r.stderr  # the probe does see a heavy import when one happens
