"""The package's layout: what import-linter cannot see (it checks imports, not names)."""

from __future__ import annotations

from pathlib import Path

import avault

PACKAGE = Path(avault.__file__).parent


def _names(directory: Path) -> set[str]:
    modules = {p.stem for p in directory.glob("*.py") if p.stem != "__init__"}
    packages = {p.name for p in directory.iterdir() if (p / "__init__.py").is_file()}
    return modules | packages


def test_no_command_module_shares_a_name_with_a_module_below_it():
    """A newcomer opening ``login`` or ``sso`` finds one module of that name, not two."""
    commands = _names(PACKAGE / "commands")
    below = _names(PACKAGE) - {"commands"}
    for sub in ("config", "sso", "vault"):
        below |= _names(PACKAGE / sub)
    assert len(commands) > 15  # the verbs are there: the glob looked in the right place
    assert commands & below == set()


def test_one_module_per_name_below_the_commands():
    """No two ``lock.py`` of different meaning: a name is used once in the whole tree."""
    seen: dict[str, Path] = {}
    clashes = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.stem == "__init__" or "commands" in path.relative_to(PACKAGE).parts:
            continue
        if path.stem in seen:
            clashes.append(f"{seen[path.stem].relative_to(PACKAGE)} and {path.relative_to(PACKAGE)}")
        seen[path.stem] = path
    assert len(seen) > 40
    assert clashes == []
