"""``avault rotate`` against moto_server with auth on: keys really change, the old one really dies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from avault import main as cli

pytestmark = pytest.mark.e2e

ACCOUNT = "123456789012"
ALLOW_ALL = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
CONFIG = f"""[profile rot]
region = us-east-1

[profile r1]
source_profile = rot
role_arn = arn:aws:iam::{ACCOUNT}:role/r1
"""


def client(moto, service: str, key: str = "x", secret: str = "x"):
    import boto3  # noqa: PLC0415

    return boto3.client(
        service,
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
    )


class World:
    def __init__(self, moto, run_avault, home: Path) -> None:
        self.moto = moto
        self.run = run_avault
        self.home = home
        boot = client(moto, "iam")
        boot.create_user(UserName="admin")
        boot.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=ALLOW_ALL)
        admin = boot.create_access_key(UserName="admin")["AccessKey"]
        self.admin = client(moto, "iam", admin["AccessKeyId"], admin["SecretAccessKey"])
        boot.create_user(UserName="rot")
        self.old = boot.create_access_key(UserName="rot")["AccessKey"]
        r = run_avault(
            "add",
            "--env",
            "--no-add-config",
            "rot",
            extra_env={
                "AWS_ACCESS_KEY_ID": self.old["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": self.old["SecretAccessKey"],
            },
        )
        assert r.returncode == 0, r.stderr

    def allow(self, policy: str = ALLOW_ALL) -> None:
        client(self.moto, "iam").put_user_policy(UserName="rot", PolicyName="p", PolicyDocument=policy)

    def iam_keys(self) -> list[str]:
        return sorted(
            k["AccessKeyId"] for k in self.admin.list_access_keys(UserName="rot")["AccessKeyMetadata"]
        )

    def stored(self) -> dict[str, str]:
        r = self.run("export", "-n", "--format", "json", "rot")
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    def sessions(self) -> list[str]:
        return [p.name for p in (self.home / ".awsvault/keys").iterdir() if p.name.count(",") == 3]


@pytest.fixture
def world(moto, aws_config, run_avault, home):
    aws_config(CONFIG)
    return World(moto, run_avault, home)


def mask(key: str) -> str:
    return "****************" + key[-4:]


def test_rotate_replaces_the_key_everywhere(world):
    world.allow()
    # A cached session for each profile in the chain (auth still off: moto's GetSessionToken keys).
    assert world.run("export", "rot").returncode == 0
    assert world.run("export", "r1").returncode == 0
    assert world.sessions()
    world.moto.enable_auth()

    r = world.run("rotate", "-n", "r1")
    assert r.returncode == 0, r.stderr
    new = world.stored()
    assert new["AccessKeyId"] != world.old["AccessKeyId"]
    assert world.iam_keys() == [new["AccessKeyId"]]  # the old key is gone from IAM
    lines = r.stderr.splitlines()
    expected = [
        "Rotating credentials stored for profile 'rot' using master credentials (takes 10-20 seconds)",
        "Creating a new access key",
        f"Created new access key {mask(new['AccessKeyId'])}",
        "Deleted 1 sessions for rot",
        f"Deleting old access key {mask(world.old['AccessKeyId'])}",
        f"Deleted old access key {mask(world.old['AccessKeyId'])}",
        "Finished rotating access key",
    ]
    assert [line for line in lines if line in expected] == expected, r.stderr
    assert new["SecretAccessKey"] not in r.stderr
    assert world.sessions() == []

    # The new key works through STS with auth on; the old one is dead.
    sts = client(world.moto, "sts", new["AccessKeyId"], new["SecretAccessKey"])
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/rot"
    from botocore.exceptions import ClientError  # noqa: PLC0415

    with pytest.raises(ClientError, match="InvalidClientTokenId"):
        client(
            world.moto, "sts", world.old["AccessKeyId"], world.old["SecretAccessKey"]
        ).get_caller_identity()


def test_iam_denies_create_access_key(world):
    world.allow(
        json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}]}
        )
    )
    world.moto.enable_auth()
    r = world.run("rotate", "-n", "rot")
    assert r.returncode == 1
    assert "IAM denied CreateAccessKey" in r.stderr
    assert f"nothing was changed and {mask(world.old['AccessKeyId'])} stays in use" in r.stderr
    assert world.stored()["AccessKeyId"] == world.old["AccessKeyId"]
    assert world.iam_keys() == [world.old["AccessKeyId"]]


def test_two_keys_already(world):
    world.allow()
    other = world.admin.create_access_key(UserName="rot")["AccessKey"]["AccessKeyId"]
    world.moto.enable_auth()
    r = world.run("rotate", "-n", "rot")
    assert r.returncode == 1
    assert "already has 2 access keys, AWS's limit (LimitExceeded)" in r.stderr
    assert (
        f"Delete the unused key ({mask(other)}) in the IAM console or with 'aws iam delete-access-key"
        in r.stderr
    )
    assert world.stored()["AccessKeyId"] == world.old["AccessKeyId"]
    assert world.iam_keys() == sorted([world.old["AccessKeyId"], other])


def test_crash_between_store_and_delete(world, monkeypatch, capsys):
    world.allow()
    world.moto.enable_auth()
    from avault import keyrotation  # noqa: PLC0415

    def crash(*_args, **_kwargs):
        raise KeyboardInterrupt  # the process dies right after the new key was stored

    monkeypatch.setattr(keyrotation.Rotation, "_wait_until_accepted", crash)
    assert cli.main(["rotate", "-n", "rot"]) == 130
    capsys.readouterr()
    monkeypatch.undo()

    new = world.stored()
    assert new["AccessKeyId"] != world.old["AccessKeyId"]  # never lost: already in the vault
    assert world.iam_keys() == sorted([world.old["AccessKeyId"], new["AccessKeyId"]])

    r = world.run("rotate", "-n", "rot")
    assert r.returncode == 0, r.stderr
    assert "stopped before deleting the old access key" in r.stderr
    assert "has two access keys" in r.stderr
    assert f"Deleted old access key {mask(world.old['AccessKeyId'])}" in r.stderr
    assert world.iam_keys() == [new["AccessKeyId"]]
    assert world.stored()["AccessKeyId"] == new["AccessKeyId"]

    # The marker is gone: the next rotate is an ordinary one.
    r = world.run("rotate", "-n", "rot")
    assert r.returncode == 0, r.stderr
    assert "stopped before" not in r.stderr
    assert world.iam_keys() == [world.stored()["AccessKeyId"]]


def test_no_master_credentials(moto, aws_config, run_avault):
    aws_config("[profile lonely]\nregion = us-east-1\n")
    r = run_avault("rotate", "lonely")
    assert r.returncode == 1
    assert "No master credentials found for profile lonely" in r.stderr


def test_session_path_caches_nothing(world):
    """Without -n the IAM calls use a fresh role session (cache off); auth stays off for moto's sake."""
    r = world.run("rotate", "r1")
    assert r.returncode == 0, r.stderr
    assert "using a session from profile 'r1'" in r.stderr
    new = world.stored()
    assert world.iam_keys() == [new["AccessKeyId"]]
    assert world.sessions() == []
