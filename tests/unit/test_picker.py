"""The profile picker: order, filter, the built-in menu's keys, the recent-use file, fzf."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from avault import picker, recent
from avault.commands.pick import choose_picker
from avault.config.ini import ConfigFile
from avault.errors import AvaultError

CONFIG = """\
[default]
region = us-east-1

[profile dev]
mfa_serial = arn:aws:iam::111111111111:mfa/me

[profile staging]
role_arn = arn:aws:iam::222222222222:role/deploy/Staging-Deploy
source_profile = dev
region = eu-west-1

[sso-session corp]
sso_region = eu-west-1
sso_start_url = https://corp.awsapps.com/start

[profile sso-admin]
sso_session = corp
sso_account_id = 444444444444
sso_role_name = AdministratorAccess
region = ap-south-1

[profile chained]
source_profile = staging

[profile prod]
role_arn = arn:aws:iam::333333333333:role/admin
source_profile = dev

[profile broken]
source_profile = broken2
[profile broken2]
source_profile = broken
"""


def cfg() -> ConfigFile:
    return ConfigFile(Path("/nonexistent"), CONFIG)


def rows(names: list[str] | None = None) -> picker.Rows:
    c = cfg()
    return picker.Rows(names or c.profile_names(), lambda n: picker.describe(c, n))


# -- data ---------------------------------------------------------------------------------


def test_order_is_recent_first_then_file_order_without_unknown_names() -> None:
    names = ["default", "dev", "staging", "prod"]
    assert picker.order_profiles(names, ["prod", "gone", "dev", "prod"]) == [
        "prod",
        "dev",
        "default",
        "staging",
    ]
    assert picker.order_profiles(names, []) == names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("staging", ("222222222222", "Staging-Deploy", "eu-west-1")),
        ("sso-admin", ("444444444444", "AdministratorAccess", "ap-south-1")),
        ("dev", ("111111111111", "", "us-east-1")),  # mfa_serial's account; region from [default]
        ("chained", ("222222222222", "Staging-Deploy", "us-east-1")),  # up the source chain
        ("prod", ("333333333333", "admin", "us-east-1")),
        ("broken", ("?", "?", "?")),  # a source_profile loop: shown, not fatal
    ],
)
def test_describe_reads_account_role_and_region_from_the_config(name: str, expected: tuple[str, ...]) -> None:
    assert picker.describe(cfg(), name) == expected


def test_describe_is_lazy_and_memoised() -> None:
    calls: list[str] = []
    r = picker.Rows(["a", "ab", "c"], lambda n: (calls.append(n), ("1", "r", "x"))[1])  # type: ignore[func-returns-value]
    assert r.filter("a") == [0, 1]  # the names matched: no description needed
    assert calls == ["c"]
    calls.clear()
    r.info("b")
    r.info("b")
    assert calls == ["b"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["default", "dev", "staging", "sso-admin", "chained", "prod", "broken", "broken2"]),
        ("stag", ["staging", "chained"]),  # chained's role is Staging-Deploy
        ("STAG", ["staging", "chained"]),
        ("de ev", ["dev"]),  # every token a substring, like granted
        ("dep stag", ["staging", "chained"]),
        ("dev ap-south", []),
        ("444444", ["sso-admin"]),  # the account matches too
        ("admin", ["sso-admin", "prod"]),  # and the role
        ("eu-west-1", ["staging"]),
        ("zzz", []),
    ],
)
def test_filter_every_token_is_a_case_insensitive_substring(query: str, expected: list[str]) -> None:
    r = rows()
    assert [r.names[i] for i in r.filter(query)] == expected


def test_a_number_puts_that_row_first() -> None:
    r = rows([f"team{i:02d}" for i in range(1, 30)])
    shown = r.filter("12")
    assert r.names[shown[0]] == "team12"  # row 12
    assert [r.names[i] for i in shown[1:]] == []  # "12" as text: team12 only, listed once
    assert r.names[r.filter("3")[0]] == "team03"
    assert r.filter("99") == []  # not a row number, and no text match


# -- the menu -------------------------------------------------------------------------------


def feed(menu: picker.Menu, *keys: str) -> str | None:
    result = None
    for k in keys:
        result = menu.feed(k)
        if result is not None:
            break
    return result


def test_menu_typing_filters_and_enter_picks() -> None:
    assert feed(picker.Menu(rows()), "s", "t", "a", "g", "enter") == "staging"
    assert feed(picker.Menu(rows()), "enter") == "default"


def test_menu_moves_with_arrows_and_ctrl_keys() -> None:
    assert feed(picker.Menu(rows()), "down", "down", "up", "enter") == "dev"
    assert feed(picker.Menu(rows()), "ctrl-n", "ctrl-n", "ctrl-p", "ctrl-n", "enter") == "staging"
    assert feed(picker.Menu(rows()), "up", "up", "enter") == "default"  # clamps at the top
    assert feed(picker.Menu(rows()), "end", "down", "enter") == "broken2"


def test_menu_number_and_enter_picks_that_row() -> None:
    assert feed(picker.Menu(rows()), "6", "enter") == "prod"


def test_menu_backspace_and_ctrl_u_widen_the_filter() -> None:
    m = picker.Menu(rows())
    feed(m, "p", "r", "o", "d", "x")
    assert m.shown == []
    assert feed(m, "enter") is None  # nothing to pick: stays open
    assert feed(m, "backspace", "enter") == "prod"
    m = picker.Menu(rows())
    assert feed(m, "z", "z", "ctrl-u", "enter") == "default"


@pytest.mark.parametrize("key", ["esc", "ctrl-c", "ctrl-g"])
def test_menu_cancel(key: str) -> None:
    assert feed(picker.Menu(rows()), "s", key) == picker.CANCEL


def test_menu_scrolls_to_keep_the_selection_visible() -> None:
    m = picker.Menu(rows([f"p{i}" for i in range(40)]), height=5)
    feed(m, *["down"] * 12)
    lines, _col = m.lines(80)
    assert any(line.startswith("\x1b[7m> 13 p12") for line in lines)
    assert len(lines) == 1 + 5 + 1  # prompt, five rows, hint


def test_menu_lines_fit_the_width_and_show_no_control_characters() -> None:
    m = picker.Menu(rows(["evil\x1b[2Jname", "x" * 200]))
    lines, col = m.lines(40)
    assert all(len(picker.re.sub(r"\x1b\[[0-9;]*m", "", ln)) <= 40 for ln in lines)
    assert "\x1b[2J" not in "".join(lines)
    assert col == len(picker.PROMPT)


def test_split_keys_decodes_escape_sequences_and_pastes() -> None:
    assert picker.split_keys("\x1b[A\x1bOBab\r") == ["up", "down", "a", "b", "enter"]
    assert picker.split_keys("\x1b") == ["esc"]
    assert picker.split_keys("\x03\x7f\x0e\x10\x15") == ["ctrl-c", "backspace", "ctrl-n", "ctrl-p", "ctrl-u"]
    assert picker.split_keys("\x1b[5~\x1b[6~") == ["pgup", "pgdn"]


# -- the recent-use file ----------------------------------------------------------------------


def test_recent_path_honours_xdg_state_home(tmp_path: Path) -> None:
    home = tmp_path / "h"
    assert recent.recent_path({}, home) == home / ".local/state/avault/recent"
    assert recent.recent_path({"XDG_STATE_HOME": "/s"}, home) == Path("/s/avault/recent")
    assert recent.recent_path({"XDG_STATE_HOME": "rel"}, home) == home / ".local/state/avault/recent"


def test_recent_record_read_and_compact(tmp_path: Path) -> None:
    path = tmp_path / "state/avault/recent"
    assert recent.read_recent(path) == []
    for name in ("a", "b", "a", "c"):
        recent.record(path, name)
    assert recent.read_recent(path) == ["c", "a", "b"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    recent.compact(path)  # short: untouched
    assert path.read_text() == "a\nb\na\nc\n"
    for i in range(30):
        recent.record(path, f"p{i % 10}")
    recent.compact(path, keep=3, at=10)
    assert path.read_text() == "p7\np8\np9\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_choose_picker(tmp_path: Path) -> None:
    fzf = tmp_path / "fzf"
    fzf.write_text("#!/bin/sh\n")
    fzf.chmod(0o755)
    assert choose_picker("", str(tmp_path)) == ("fzf", str(fzf))
    assert choose_picker("builtin", str(tmp_path)) == ("builtin", "")
    assert choose_picker("", "/nonexistent") == ("builtin", "")
    with pytest.raises(AvaultError, match="AVS_PICKER=fzf but fzf is not on PATH"):
        choose_picker("fzf", "/nonexistent")
    with pytest.raises(AvaultError, match="AVS_PICKER to fzf, builtin or none"):
        choose_picker("dmenu", str(tmp_path))


# -- the fzf path, with a fake fzf ----------------------------------------------------------

FAKE_FZF = """#!{python}
import json, os, sys
lines = sys.stdin.read().splitlines()
with open(os.environ["FAKE_FZF_LOG"], "w") as f:
    json.dump({{"argv": sys.argv[1:], "lines": lines}}, f)
want = os.environ.get("FAKE_FZF_PICK")
if not want:
    sys.exit(130)
for line in lines:
    if want in line.split("\\t", 1)[1]:
        print(line)
        sys.exit(0)
sys.exit(1)
"""


@pytest.fixture
def fake_fzf(tmp_path: Path, env: dict[str, str]) -> dict[str, str]:
    bindir = tmp_path / "fzfbin"
    bindir.mkdir()
    script = bindir / "fzf"
    script.write_text(FAKE_FZF.format(python=sys.executable))
    script.chmod(0o755)
    Path(env["AWS_CONFIG_FILE"]).write_text(CONFIG)
    e = dict(env, PATH=f"{bindir}{os.pathsep}{env['PATH']}", FAKE_FZF_LOG=str(tmp_path / "fzf.json"))
    state = Path(env["XDG_STATE_HOME"]) / "avault/recent"
    state.parent.mkdir(parents=True)
    state.write_text("dev\nprod\n")
    return e


def _pick(e: dict[str, str], **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "avault"), "pick"],
        env={**e, **extra},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_fzf_gets_numbered_rows_most_recent_first_and_its_pick_is_printed(fake_fzf: dict[str, str]) -> None:
    r = _pick(fake_fzf, FAKE_FZF_PICK="AdministratorAccess")
    assert (r.returncode, r.stdout, r.stderr) == (0, "sso-admin\n", "")
    fed = json.loads(Path(fake_fzf["FAKE_FZF_LOG"]).read_text())
    names = [line.split("\t")[1].split()[1] for line in fed["lines"]]
    assert names == ["prod", "dev", "default", "staging", "sso-admin", "chained", "broken", "broken2"]
    assert [line.split("\t")[0] for line in fed["lines"]] == [str(i) for i in range(1, 9)]
    row = fed["lines"][4].split("\t")[1].split()
    assert row == ["5", "sso-admin", "444444444444", "AdministratorAccess", "ap-south-1"]
    assert "--with-nth=2.." in fed["argv"]
    assert "--exact" in fed["argv"]


def test_fzf_cancel_and_no_match_exit_130_with_empty_stdout(fake_fzf: dict[str, str]) -> None:
    r = _pick(fake_fzf)
    assert (r.returncode, r.stdout) == (130, "")
    r = _pick(fake_fzf, FAKE_FZF_PICK="no-such-thing")
    assert (r.returncode, r.stdout) == (130, "")


def test_avs_picker_builtin_skips_fzf_and_needs_a_terminal(fake_fzf: dict[str, str]) -> None:
    r = _pick(fake_fzf, AVS_PICKER="builtin", FAKE_FZF_PICK="dev")
    assert r.returncode == 1
    assert r.stdout == ""
    assert "no terminal" in r.stderr
    assert not Path(fake_fzf["FAKE_FZF_LOG"]).exists()


def test_pick_with_no_profiles_says_how_to_add_one(env: dict[str, str]) -> None:
    r = _pick(env)
    assert r.returncode == 1
    assert "no profiles in" in r.stderr
    assert "avault add" in r.stderr
