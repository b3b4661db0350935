"""``avs -s`` and ``avp`` as avault prints them for the shells (avault.commands.avs)."""

from __future__ import annotations

from pathlib import Path

from avault.commands import avs

NOW = 1_800_000_000


def test_status_counts_down_and_says_when_it_expired() -> None:
    env = {"AVS_PROFILE": "prod", "AVS_ACCOUNT": "3", "AWS_REGION": "eu-west-1"}
    ok = dict(env, AVS_EXPIRES=str(NOW + 28_790), AWS_CREDENTIAL_EXPIRATION="T")
    assert avs.status(ok, NOW) == (
        0,
        "profile  prod\naccount  3\nregion   eu-west-1\nexpires  in 7h59m (T)\n",
    )
    gone = dict(env, AVS_EXPIRES=str(NOW))
    assert avs.status(gone, NOW)[1].endswith("expires  expired at ?; run avr to refresh\n")
    assert avs.status({"AVS_PROFILE": "p"}, NOW)[1] == "profile  p\nexpires  unknown\n"
    assert [avs.time_left(str(NOW + s), NOW) for s in (30, 120, 3600)] == ["30s", "2m", "1h0m"]


def test_status_of_a_served_profile_and_of_none() -> None:
    env = {"AVS_PROFILE": "p", "AVS_SERVER_PID": "42", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://x"}
    assert avs.status(env, NOW)[1] == "profile  p\nserver   pid 42 at http://x (refreshes by itself)\n"
    assert avs.status({}, NOW) == (1, "avs: no profile active; switch with 'avs PROFILE'")


def test_status_shows_control_and_bidi_characters_as_question_marks() -> None:
    text = avs.status({"AVS_PROFILE": "a\x1b[2J\u202eb\x85c"}, NOW)[1]
    assert text.splitlines()[0] == "profile  a?[2J?b?c"


def test_avp_reads_profiles_and_roles_like_the_completion(tmp_path: Path) -> None:
    cfg = tmp_path / "config"
    cfg.write_text(
        "[default]\n  [profile a]\nrole_arn = arn:1  \n[sso-session s]\nrole_arn = no\n"
        "[profile b ]x]\n[profile a]\nrole_arn=arn:2\n"
    )
    assert avs.avp({"AWS_CONFIG_FILE": str(cfg)}) == (0, "default  -\na        arn:2\nb ]x     -\n")
    assert avs.avp({"AWS_CONFIG_FILE": str(tmp_path / "none")}) == (1, f"avp: cannot read {tmp_path}/none")
