"""Every profile of the real-world config corpus (tests/data/configs) through the real CLI.

For each file: ``avault list``, ``avault list --profiles`` and ``avault export`` on every
profile, against a local moto_server (no test reaches the internet). It asserts:

* no traceback anywhere, and exit status 0 or 1;
* a failed export prints nothing on stdout and one line ``avault: what failed; how to fix``;
* the profile names, region, role and source agree with botocore's own parse of the same
  file, except in the cases listed in ``DIFFERENCES``, each for a documented aws-vault rule
  (../shared/reference/aws-vault-behaviour.md §2). A listed case must really differ, so
  the list cannot go stale.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from avault import config as cfgmod

CORPUS = Path(__file__).resolve().parent.parent / "data" / "configs"
FILES = sorted(p.name for p in CORPUS.glob("*.ini"))
KEYS_ENV = {"AWS_ACCESS_KEY_ID": "AKIACORPUSEXAMPLE001", "AWS_SECRET_ACCESS_KEY": "corpus-not-a-secret"}

INHERITS_DEFAULT = "aws-vault fills every unset key from [default]; botocore reads the profile alone"
INCLUDE_PROFILE = "include_profile is aws-vault's mixin; botocore ignores the key"
SELF_SOURCE = "aws-vault drops a source_profile that names the profile itself; botocore keeps it"
INLINE_COMMENT = "go-ini (as the fork sets it up) ends a value at ' #'; botocore keeps the comment"
QUOTES = "go-ini strips matching quotes around a value; botocore keeps them"
DUPLICATES = "go-ini merges a repeated section (later keys win); botocore refuses the whole file"

#: (file, profile, field) -> why avault (following aws-vault) and botocore disagree.
DIFFERENCES: dict[tuple[str, str, str], str] = {
    ("role-chains.ini", "dev", "region"): INHERITS_DEFAULT,
    ("role-chains.ini", "prod-admin", "region"): INHERITS_DEFAULT,
    ("role-chains.ini", "ops-deploy", "region"): INHERITS_DEFAULT,
    ("role-chains.ini", "ops-deploy-child", "region"): INHERITS_DEFAULT,
    ("sso.ini", "on-top-of-sso", "region"): INHERITS_DEFAULT,
    ("self-source.ini", "reader", "region"): INHERITS_DEFAULT,
    ("self-source.ini", "default", "source"): SELF_SOURCE,
    ("self-source.ini", "admin", "source"): SELF_SOURCE,
    ("self-source.ini", "reader", "source"): SELF_SOURCE,
    ("include-profile.ini", "base", "region"): INCLUDE_PROFILE,
    ("include-profile.ini", "team-a", "region"): INCLUDE_PROFILE,
    ("include-profile.ini", "team-b", "source"): INCLUDE_PROFILE,
    ("syntax.ini", "work", "region"): INLINE_COMMENT,
    ("syntax.ini", "quoted", "region"): QUOTES,
    ("syntax.ini", "quoted", "role"): QUOTES,
    ("syntax.ini", "quoted", "source"): QUOTES,
}
#: Files botocore cannot parse at all, and why aws-vault can.
UNPARSABLE_BY_BOTOCORE = {"duplicates.ini": DUPLICATES}

FIELDS = {
    "region": ("region", "region"),
    "role": ("role_arn", "role_arn"),
    "source": ("source_profile", "source_profile_name"),
}


def botocore_config(path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, str]] | None:
    """botocore's own view: profile name -> scoped config, or None if it refuses the file."""
    import botocore.exceptions  # noqa: PLC0415
    import botocore.session  # noqa: PLC0415

    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    try:
        names = list(botocore.session.Session().full_config["profiles"])
    except botocore.exceptions.ConfigParseError:
        return None
    return {name: dict(botocore.session.Session(profile=name).get_scoped_config()) for name in names}


def corpus_keys(path: Path) -> list[str]:
    m = re.search(r"^# corpus-keys: (.+)$", path.read_text(), re.MULTILINE)
    return m.group(1).split() if m else []


def checked(r: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert "Traceback" not in r.stderr + r.stdout, (r.args, r.stderr)
    assert r.returncode in (0, 1), (r.args, r.returncode, r.stderr)
    return r


def exported(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.splitlines())


@pytest.mark.parametrize("name", FILES)
def test_corpus_file(name, moto, env, run_avault, monkeypatch):
    from fixtures.moto import free_port  # noqa: PLC0415

    def run(args: list[str], extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        # No controlling terminal, as under a GUI or a credential_process caller: an MFA
        # prompt must fail with its one-line error, never wait.
        return checked(run_avault(*args, extra_env=extra, no_tty=True))

    path = CORPUS / name
    env.pop("AWS_REGION", None)  # the file's regions, not the moto fixture's
    env["AWS_CONFIG_FILE"] = str(path)
    env["AVAULT_SSO_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"  # SSO fails locally, fast
    keys = corpus_keys(path)
    for profile in keys:
        r = run(["add", "--env", "--no-add-config", profile], KEYS_ENV)
        assert r.returncode == 0, r.stderr

    cfg = cfgmod.ConfigFile.load(path)
    names = cfg.profile_names()
    r = run(["list", "--profiles"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == names
    r = run(["list"])
    assert r.returncode == 0, r.stderr
    assert [line.split()[0] for line in r.stdout.splitlines()[2 : 2 + len(names)]] == names

    boto = botocore_config(path, monkeypatch)
    if boto is None:
        assert name in UNPARSABLE_BY_BOTOCORE, f"botocore refuses {name}"
    else:
        assert name not in UNPARSABLE_BY_BOTOCORE
        # aws-vault lists [default] only when it sets a key aws-vault reads.
        assert names == [n for n in boto if n != "default" or n in names]

    failures = {}
    for profile in names:
        resolved = cfgmod.resolve(profile, cfg, {})
        if boto is not None:
            scoped = boto.get(profile, {})
            for field, (boto_key, attr) in FIELDS.items():
                mine, theirs = getattr(resolved, attr), scoped.get(boto_key, "")
                why = DIFFERENCES.get((name, profile, field))
                if why is None:
                    assert mine == theirs, f"{name} [{profile}] {field}: avault {mine!r}, botocore {theirs!r}"
                else:
                    assert mine != theirs, f"{name} [{profile}] {field} agrees now; drop it from DIFFERENCES"

        r = run(["--debug", "export", profile])
        # The CLI follows the same source and role as the resolution compared above.
        if resolved.source_profile_name and profile not in keys:
            source = resolved.source_profile_name
            assert f"profile {profile}: sourcing credentials from profile {source}" in r.stderr
        if r.returncode == 0:
            out = exported(r.stdout)
            assert out["AWS_ACCESS_KEY_ID"]
            assert out.get("AWS_REGION", "") == resolved.region
            if resolved.role_arn:
                assert f"profile {profile}: using AssumeRole" in r.stderr
        else:
            assert r.stdout == ""
            # A credential_process or mfa_process shares stderr (it may prompt): its own
            # lines come first, then avault's one line.
            ours = [line for line in r.stderr.splitlines() if line.startswith("avault")]
            assert len(ours) == 1, (profile, r.stderr)
            assert r.stderr.endswith(ours[0] + "\n")
            what, sep, fix = ours[0].partition("; ")
            assert what.startswith("avault: "), (profile, ours[0])
            assert sep, (profile, ours[0])
            assert fix.strip(), (profile, ours[0])
            failures[profile] = ours[0]
    print(name, failures)


def test_every_listed_difference_names_a_corpus_profile():
    for file, profile, field in DIFFERENCES:
        assert file in FILES
        assert field in FIELDS
        assert profile in cfgmod.ConfigFile.load(CORPUS / file).profile_names()
