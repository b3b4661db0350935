"""AWS_ENDPOINT_URL follows the AVS_REGION rule: a switch drops only the one a switch set."""

from __future__ import annotations

from avault.config.resolution import ProfileConfig
from avault.creds import Credentials
from avault.render import SWITCH_VARS
from avault.switch import Resolved, render_format, switch_assignments, without_switch_region

LOCAL = "http://127.0.0.1:4566"


def resolved(endpoint: str = "") -> Resolved:
    creds = Credentials("ASIAEXAMPLE", "secret", "token", 1_587_035_787.0, "")
    return Resolved("p", ProfileConfig(profile_name="p", endpoint_url=endpoint), creds)


def test_a_profile_with_an_endpoint_records_it_in_avs_endpoint_url() -> None:
    unset, new = switch_assignments(resolved(LOCAL), {})
    assert new["AWS_ENDPOINT_URL"] == new["AVS_ENDPOINT_URL"] == LOCAL
    assert "AVS_ENDPOINT_URL" in SWITCH_VARS
    assert "AWS_ENDPOINT_URL" not in unset


def test_switching_to_a_profile_without_one_unsets_the_switched_endpoint() -> None:
    env = {"AWS_ENDPOINT_URL": LOCAL, "AVS_ENDPOINT_URL": LOCAL}
    unset, new = switch_assignments(resolved(), env)
    assert unset["AWS_ENDPOINT_URL"] is None
    assert "AWS_ENDPOINT_URL" not in new
    assert "AVS_ENDPOINT_URL" not in new
    out = render_format("bash", resolved(), env)
    assert "unset AWS_ENDPOINT_URL;" in out
    assert "export AWS_ENDPOINT_URL" not in out
    fish = render_format("fish", resolved(), env)
    assert "set -e AWS_ENDPOINT_URL;" in fish


def test_a_users_own_endpoint_is_kept() -> None:
    # Exported by the user (no AVS_ENDPOINT_URL), or changed since the switch.
    for env in ({"AWS_ENDPOINT_URL": LOCAL}, {"AWS_ENDPOINT_URL": LOCAL, "AVS_ENDPOINT_URL": "http://other"}):
        unset, _new = switch_assignments(resolved(), env)
        assert "AWS_ENDPOINT_URL" not in unset
        assert "AWS_ENDPOINT_URL" not in render_format("zsh", resolved(), env)


def test_a_new_endpoint_replaces_the_switched_one() -> None:
    env = {"AWS_ENDPOINT_URL": LOCAL, "AVS_ENDPOINT_URL": LOCAL}
    unset, new = switch_assignments(resolved("http://localhost:5000"), env)
    assert "AWS_ENDPOINT_URL" not in unset
    assert new["AWS_ENDPOINT_URL"] == new["AVS_ENDPOINT_URL"] == "http://localhost:5000"


def test_the_switched_endpoint_does_not_overlay_the_next_profile() -> None:
    # resolve() reads AWS_ENDPOINT_URL from the env: the previous switch's must not count.
    env = {"AWS_ENDPOINT_URL": LOCAL, "AVS_ENDPOINT_URL": LOCAL, "X": "1"}
    assert without_switch_region(env) == {"AVS_ENDPOINT_URL": LOCAL, "X": "1"}
    mine = {"AWS_ENDPOINT_URL": LOCAL}
    assert without_switch_region(mine) == mine
    changed = {"AWS_ENDPOINT_URL": LOCAL, "AVS_ENDPOINT_URL": "http://other"}
    assert without_switch_region(changed) == changed


def test_an_endpoint_the_user_exported_is_not_claimed_by_the_switch() -> None:
    # resolve() took it from the env: exporting it again is harmless, recording it in
    # AVS_ENDPOINT_URL would let `avs -u` or the next switch remove the user's own.
    env = {"AWS_ENDPOINT_URL": LOCAL}
    unset, new = switch_assignments(resolved(LOCAL), env)
    assert "AVS_ENDPOINT_URL" not in new
    assert "AWS_ENDPOINT_URL" not in unset


def test_exec_child_gets_neither_the_switched_endpoint_nor_the_switch_records() -> None:
    from avault.switch import child_env  # noqa: PLC0415

    env = {
        "AWS_ENDPOINT_URL": LOCAL,
        "AVS_ENDPOINT_URL": LOCAL,
        "AWS_REGION": "eu-west-1",
        "AVS_REGION": "eu-west-1",
        "AVS_SERVER_PID": "4242",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": "tok",
        "KEEP": "1",
    }
    child = child_env(env, resolved())
    for gone in ("AWS_ENDPOINT_URL", "AVS_ENDPOINT_URL", "AWS_REGION", "AVS_REGION", "AVS_SERVER_PID"):
        assert gone not in child
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" not in child
    assert child["KEEP"] == "1"
    assert child["AWS_ACCESS_KEY_ID"] == "ASIAEXAMPLE"
    # a real container's endpoint (no AVS_SERVER_PID) is the user's and stays
    ecs = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.2/v2/x"}
    assert (
        child_env(ecs, resolved())["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
        == ecs["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    )


def test_a_switch_after_avs_server_unsets_the_server_variables_only_when_avs_set_them() -> None:
    served = {"AVS_SERVER_PID": "4242", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1"}
    unset, _ = switch_assignments(resolved(), served)
    assert unset["AWS_CONTAINER_CREDENTIALS_FULL_URI"] is None
    assert unset["AVS_SERVER_PID"] is None
    mine = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.2/v2/x"}
    unset, _ = switch_assignments(resolved(), mine)
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI" not in unset


def test_logout_code_unsets_what_a_switch_set_and_nothing_else() -> None:
    from avault.commands.logout import logout_code  # noqa: PLC0415

    env = {"AVS_PROFILE": "p", "AWS_VAULT": "p", "AWS_ENDPOINT_URL": LOCAL, "AVS_ENDPOINT_URL": LOCAL}
    out = logout_code("bash", "p", env)
    assert "unset AWS_ENDPOINT_URL;" in out
    assert "unset AVS_PROFILE;" in out
    assert logout_code("bash", "other", env) == ""
    mine = {"AVS_PROFILE": "p", "AWS_ENDPOINT_URL": LOCAL}
    assert "AWS_ENDPOINT_URL" not in logout_code("bash", "p", mine)
