"""Regenerate the data the shell files take from Python, and the fisher layout.

* Completion data (subcommands, flags, choices) comes from ``avault.cli.build_parser()``,
  and the list ``avs -u`` unsets from ``avault.render.SWITCH_VARS``. Each lands between
  ``# --- BEGIN GENERATED <block>`` and ``# --- END GENERATED <block> ---`` in
  shell/zsh/avs.zsh, shell/bash/avs.bash and shell/fish/avs.fish (zoxide commits its
  generated completions the same way). A run of options several commands share (argparse
  parents, see ``shared_runs``) is written once: zsh's ``__avs_gen_opts_*`` arrays, bash's
  ``__avs_gen_flags_*``; fish names every command that has an option in one ``complete``.
* ``avs``'s options come from ``avault.commands.avs.build_parser()``: which take a value,
  which are actions or modes (``__avs_gen_avs_kind``), and their completions.
* fish has no one file: the fisher layout under shell/fish (conf.d/, functions/,
  completions/) is its source, and ``avault init fish`` joins the parts. The generated
  blocks there, and functions/__avs_gen_avs_kind.fish, are written here.

Usage: scripts/gen_completions.py [--check]   (--check: exit 1 if anything would change)
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "helper"))

from avault import agentsock  # noqa: E402
from avault.cli import BACKENDS, build_parser  # noqa: E402 - needs the sys.path line above
from avault.commands import avs  # noqa: E402
from avault.render import SWITCH_VARS, quote_fish, quote_sh  # noqa: E402

FISH = ROOT / "shell/fish"
FISH_KIND = FISH / "functions/__avs_gen_avs_kind.fish"


@dataclass
class Option:
    strings: list[str]
    takes_value: bool
    choices: list[str]
    help: str
    metavar: str


@dataclass
class Command:
    name: str
    aliases: list[str]
    help: str
    options: list[Option] = field(default_factory=list)
    operand: str = "none"  # profile, command, choices or none
    operand_optional: bool = False
    operand_choices: list[str] = field(default_factory=list)


def _options(parser: argparse.ArgumentParser) -> list[Option]:
    out = []
    for a in parser._actions:  # noqa: SLF001 - argparse has no public accessor
        if not a.option_strings or a.help == argparse.SUPPRESS:
            continue
        out.append(
            Option(
                strings=list(a.option_strings),
                takes_value=a.nargs != 0,
                choices=[str(c) for c in a.choices or ()],
                help=(a.help or "")
                .replace("%(default)s", str(a.default))
                .replace("%(available)s", "/".join(BACKENDS)),
                metavar=str(a.metavar or a.dest).lower().replace("_", "-"),
            )
        )
    return out


def model() -> tuple[list[Option], list[Command]]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))  # noqa: SLF001
    helps = {c.dest: c.help or "" for c in sub._choices_actions}  # noqa: SLF001
    commands: dict[int, Command] = {}
    for name, p in sub.choices.items():
        if name not in helps and id(p) not in commands:
            continue  # a hidden command (no help): not in --help, not completed
        if id(p) in commands:
            commands[id(p)].aliases.append(name)
            continue
        cmd = Command(name=name, aliases=[], help=helps.get(name, ""), options=_options(p))
        for a in p._actions:  # noqa: SLF001
            if a.option_strings:
                continue
            cmd.operand_optional = a.nargs == "?"
            if a.dest == "profile":
                cmd.operand = "profile"
            elif a.choices:
                cmd.operand = "choices"
                cmd.operand_choices = [str(c) for c in a.choices]
            if a.nargs == argparse.REMAINDER:
                cmd.operand = "profile_command" if cmd.operand == "profile" else "command"
        commands[id(p)] = cmd
    return _options(parser), list(commands.values())


# ---- options several commands share -----------------------------------------------


def _key(o: Option) -> tuple[object, ...]:
    return (tuple(o.strings), o.takes_value, tuple(o.choices), o.help, o.metavar)


@dataclass
class Group:
    """A run of options that stands, the same, in several option lists."""

    name: str  # 'all' when every list has it, else the names of those that do
    options: list[Option]


# The Groups, and each list as its Groups and own options in order.
Shared = tuple[list[Group], dict[str, list[Group | Option]]]


def shared_runs(lists: dict[str, list[Option]]) -> Shared:
    """Each option list as the runs it shares with other lists (Groups) and its own options.

    The rule: a run starts at an option that two or more lists have, and goes on while the
    next option is in every list the first one is in. It is a Group if the same run stands
    in two or more lists. argparse parents and helpers like _session_options show up so.
    """
    owners: dict[tuple[object, ...], set[str]] = {}
    for name, opts in lists.items():
        for o in opts:
            owners.setdefault(_key(o), set()).add(name)
    runs: dict[str, list[list[Option]]] = {}
    for name, opts in lists.items():
        runs[name] = []
        i = 0
        while i < len(opts):
            first = owners[_key(opts[i])]
            j = i + 1
            while len(first) > 1 and j < len(opts) and owners[_key(opts[j])] >= first:
                j += 1
            runs[name].append(opts[i:j])
            i = j
    having: dict[tuple[object, ...], list[str]] = {}
    for name, rs in runs.items():
        for r in rs:
            having.setdefault(tuple(map(_key, r)), []).append(name)
    groups: dict[tuple[object, ...], Group] = {}
    pieces: dict[str, list[Group | Option]] = {}
    for name, rs in runs.items():
        pieces[name] = []
        for r in rs:
            k = tuple(map(_key, r))
            if len(having[k]) < 2:
                pieces[name].extend(r)
                continue
            if k not in groups:
                base = "all" if len(having[k]) == len(lists) else "_".join(having[k]).replace("-", "_")
                taken = {g.name for g in groups.values()}
                label, n = base, 2
                while label in taken:
                    label, n = f"{base}_{n}", n + 1
                groups[k] = Group(label, r)
            pieces[name].append(groups[k])
    return list(groups.values()), pieces


TOP = "avault"  # the top-level parser's name in shared_runs


def _shared(top: list[Option], commands: list[Command]) -> Shared:
    return shared_runs({TOP: top, **{c.name: c.options for c in commands}})


# ---- avs's own options --------------------------------------------------------------


@dataclass
class AvsOption:
    strings: list[str]
    kind: str  # an avs.ACTIONS/MODES name, 'flag' or 'value' (see avs.kind)
    help: str
    metavar: str


def avs_model() -> list[AvsOption]:
    out = []
    for a in avs.build_parser()._actions:  # noqa: SLF001 - argparse has no public accessor
        strings = list(a.option_strings)
        out.append(AvsOption(strings, avs.kind(strings[0]), a.help or "", str(a.metavar or "")))
    return out


def _attached(opts: list[AvsOption]) -> list[str]:
    """Patterns for a value given in the same word: --region=X, -d1h."""
    return [s + ("=*" if s.startswith("--") else "?*") for o in opts if o.kind == "value" for s in o.strings]


def _kind_arms(opts: list[AvsOption], sep: str) -> list[tuple[str, str]]:
    arms = [(sep.join(o.strings), o.kind) for o in opts]
    arms.append((sep.join(_attached(opts)), "flag"))
    return arms


def _avs_passed(opts: list[AvsOption]) -> list[str]:
    return [s for o in opts if o.kind in ("flag", "value") for s in o.strings]


def gen_zsh_avs(opts: list[AvsOption]) -> str:
    lines = ["# __avs_gen_avs_kind ARG: REPLY = what the avs option ARG is (avault.commands.avs.kind)."]
    lines.append("function __avs_gen_avs_kind {")
    lines.append("    \\builtin emulate -L zsh")
    lines.append("    case $1 in")
    lines.extend(f"        ({pat}) REPLY={kind} ;;" for pat, kind in _kind_arms(opts, "|"))
    lines.append("        (*) REPLY='' ;;")
    lines.append("    esac")
    lines.append("}")
    specs = []
    passed = _avs_passed(opts)
    for o in opts:
        if o.kind in avs.ACTIONS:
            excl = "(- :)"
        elif o.kind == "server":
            excl = "(--logout)"
        elif o.kind == "logout":
            excl = f"(--server {' '.join(passed)})"
        else:
            excl = f"({' '.join(o.strings)})" if len(o.strings) > 1 else ""
        for s in o.strings:
            if o.kind == "value":
                form = s + ("=" if s.startswith("--") else "+")
                specs.append(f"{excl}{form}[{_zsh_escape(o.help)}]:{o.metavar}: ")
            else:
                specs.append(f"{excl}{s}[{_zsh_escape(o.help)}]")
    specs.append("1:profile:__avs_complete_profiles")
    return "\n".join(lines) + "\n" + _zsh_array("__avs_gen_avs_specs", specs) + "\n"


def _alias_words(name: str) -> str:
    return " ".join(["avault", *avs.ALIASES[name]])


def gen_bash_aliases() -> str:
    lines = ["# The aliases (avault.commands.avs.ALIASES), as functions: bash expands aliases only"]
    lines.append("# in interactive shells. Each completes as the avault command it runs.")
    lines.extend(f'{n}() {{ \\command {_alias_words(n)} "$@"; }}' for n in avs.ALIASES)
    for n, words in avs.ALIASES.items():
        if words:
            lines.append(f"__avs_complete_{n}() {{ __avs_complete_as {' '.join(words)}; }}")
    lines.extend(f"complete -F __avs_complete_{n if w else 'avault'} {n}" for n, w in avs.ALIASES.items())
    return "\n".join(lines) + "\n"


def _agent_comment() -> str:
    return "# What an agent switch request carries besides the *_-prefixed variables (avault.agentsock)."


def gen_bash_agent() -> str:
    return (
        "\n".join(
            [
                _agent_comment(),
                f"__avs_gen_agent_names=({' '.join(agentsock.ENV_NAMES)})",
                f"__avs_gen_agent_secret={quote_sh(' '.join(agentsock.SECRET_VARS))}",
            ]
        )
        + "\n"
    )


def gen_zsh_agent() -> str:
    carried = "|".join([*(f"{p}*" for p in agentsock.ENV_PREFIXES), *agentsock.ENV_NAMES])
    return (
        "\n".join(
            [
                "# The variables an agent switch request carries, and never (avault.agentsock).",
                f"__avs_gen_agent_env={quote_sh('(' + carried + ')')}",
                f"__avs_gen_agent_secret={quote_sh('(' + '|'.join(agentsock.SECRET_VARS) + ')')}",
            ]
        )
        + "\n"
    )


def gen_fish_agent() -> str:
    prefixes = "|".join(p.rstrip("_") for p in agentsock.ENV_PREFIXES)
    env = f"^(?:(?:{prefixes})_.*|{'|'.join(agentsock.ENV_NAMES)})$"
    secret = f"^(?:{'|'.join(agentsock.SECRET_VARS)})$"
    return f"set -l env_re {quote_fish(env)}\nset -l secret_re {quote_fish(secret)}\n"


def gen_bash_avs(opts: list[AvsOption]) -> str:
    lines = ["# __avs_gen_avs_kind ARG: REPLY = what the avs option ARG is (avault.commands.avs.kind)."]
    lines.append("__avs_gen_avs_kind() {")
    lines.append("    case $1 in")
    lines.extend(f"    {pat}) REPLY='{kind}' ;;" for pat, kind in _kind_arms(opts, " | "))
    lines.append("    *) REPLY='' ;;")
    lines.append("    esac")
    lines.append("}")
    words = [s for o in opts for s in o.strings]
    lines.append(f"__avs_gen_avs_flags={quote_sh(' '.join(words))}")
    return "\n".join(lines) + "\n"


def gen_fish_avs_kind(opts: list[AvsOption]) -> str:
    lines = [
        "# --- BEGIN GENERATED avs-kind: scripts/gen_completions.py writes this from avault.commands.avs ---",
        "# __avs_gen_avs_kind ARG: print what the avs option ARG is (avault.commands.avs.kind).",
        "function __avs_gen_avs_kind",
        "    switch $argv[1]",
    ]
    for pat, kind in _kind_arms(opts, " "):
        quoted = " ".join(quote_fish(p) if "*" in p or "?" in p else p for p in pat.split(" "))
        lines.extend([f"        case {quoted}", f"            echo {kind}"])
    lines.extend(["    end", "end", "# --- END GENERATED avs-kind ---"])
    return "\n".join(lines) + "\n"


def gen_fish_aliases() -> str:
    lines = ["# The aliases (avault.commands.avs.ALIASES); --wraps gives each the completions of"]
    lines.append("# what it runs.")
    for n, words in avs.ALIASES.items():
        wraps = _alias_words(n)
        desc = f"avault {' '.join(words)}" if words else "run avault"
        lines.append(f"function {n} --wraps {quote_fish(wraps)} --description {quote_fish(desc)}")
        lines.extend([f"    command {wraps} $argv", "end"])
    return "\n".join(lines) + "\n"


def gen_zsh_aliases() -> str:
    lines = ["# The aliases (avault.commands.avs.ALIASES), as functions: they survive `unalias`,"]
    lines.append("# expand_aliases and eval. __avs_gen_alias_words: what each completes as.")
    lines.extend(f'function {n} {{ \\command {_alias_words(n)} "$@"; }}' for n in avs.ALIASES)
    pairs = " ".join(f"{n} {quote_sh(_alias_words(n))}" for n in avs.ALIASES)
    lines.append(f"typeset -gA __avs_gen_alias_words\n__avs_gen_alias_words=({pairs})")
    return "\n".join(lines) + "\n"


def gen_fish_avs_completions(opts: list[AvsOption]) -> str:
    lines = []
    for o in opts:
        parts = ["complete -c avs"]
        parts.extend(f"-l {s[2:]}" if s.startswith("--") else f"-s {s[1:]}" for s in o.strings)
        if o.kind == "value":
            parts.append("-x")
        parts.append(f"-d {quote_fish(o.help)}")
        lines.append(" ".join(parts))
    return "\n".join(lines) + "\n"


# ---- zsh -------------------------------------------------------------------------


def _zsh_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]").replace(":", "\\:")


def zsh_option_specs(options: list[Option]) -> list[str]:
    specs = []
    for o in options:
        excl = f"({' '.join(o.strings)})" if len(o.strings) > 1 else ""
        if "--help" in o.strings or "--version" in o.strings:
            excl = "(- :)"
        for s in o.strings:
            if o.takes_value:
                form = s + ("+" if not s.startswith("--") else "=")
                action = f"({' '.join(o.choices)})" if o.choices else " "
                specs.append(f"{excl}{form}[{_zsh_escape(o.help)}]:{o.metavar}:{action}")
            else:
                specs.append(f"{excl}{s}[{_zsh_escape(o.help)}]")
    return specs


def _zsh_array(name: str, items: list[str]) -> str:
    return _zsh_words(name, [quote_sh(i) for i in items])


def _zsh_words(name: str, words: list[str]) -> str:
    if not words:
        return f"typeset -ga {name}\n{name}=()"
    body = "\n".join(f"    {w}" for w in words)
    return f"typeset -ga {name}\n{name}=(\n{body}\n)"


def _zsh_spec_words(pieces: list[Group | Option]) -> list[str]:
    """A command's option specs: a shared run as the expansion of its array, else quoted."""
    words = []
    for p in pieces:
        if isinstance(p, Group):
            words.append(f'"${{__avs_gen_opts_{p.name}[@]}}"')
        else:
            words.extend(quote_sh(spec) for spec in zsh_option_specs([p]))
    return words


def zsh_args_name(c: Command) -> str:
    """The array _arguments gets for command C: __avs_gen_args_<cmd>."""
    return f"__avs_gen_args_{c.name.replace('-', '_')}"


def zsh_operand_specs(c: Command) -> list[str]:
    """C's positional specs, after its options in its __avs_gen_args_<cmd>."""
    colons = "::" if c.operand_optional else ":"
    specs = []
    if c.operand.startswith("profile"):
        specs.append(f"{colons}profile:__avs_complete_profiles")
    elif c.operand == "choices":
        specs.append(f"{colons}{c.name} choice:({' '.join(c.operand_choices)})")
    if c.operand.endswith("command"):
        specs.append("*::command:_normal")
    return specs


def gen_zsh(top: list[Option], commands: list[Command]) -> str:
    parts = [_zsh_array("__avs_switch_vars", list(SWITCH_VARS))]
    parts.append(_zsh_array("__avs_gen_commands", [f"{c.name}:{c.help}" for c in commands]))
    pairs = " ".join(f"{quote_sh(a)} {quote_sh(c.name)}" for c in commands for a in c.aliases)
    parts.append(f"typeset -gA __avs_gen_alias\n__avs_gen_alias=({pairs})")
    groups, pieces = _shared(top, commands)
    parts.append("# Runs of option specs several commands share, each written once.")
    parts.extend(_zsh_array(f"__avs_gen_opts_{g.name}", zsh_option_specs(g.options)) for g in groups)
    parts.append(_zsh_words("__avs_gen_top", _zsh_spec_words(pieces[TOP])))
    for c in commands:
        words = _zsh_spec_words(pieces[c.name]) + [quote_sh(s) for s in zsh_operand_specs(c)]
        parts.append(_zsh_words(zsh_args_name(c), words))
    return "\n".join(parts) + "\n"


# ---- bash ------------------------------------------------------------------------


def _bash_words(pieces: list[Group | Option], *, values: bool) -> list[str]:
    """The flags of PIECES (VALUES: only those taking a value); a shared run as its variable."""
    kind = "vflags" if values else "flags"
    out: list[str] = []
    for p in pieces:
        if isinstance(p, Group):
            if not values or any(o.takes_value for o in p.options):
                out.append(f"${{__avs_gen_{kind}_{p.name}}}")
        elif not values or p.takes_value:
            out.extend(p.strings)
    return out


def _bash_join(words: list[str]) -> str:
    """WORDS joined by spaces, as one shell word: double-quoted if it expands a variable."""
    text = " ".join(words)
    if "$" not in text:
        return quote_sh(text)
    if not re.fullmatch(r"[-\w ${}]*", text):  # else it would need escapes inside double quotes
        raise SystemExit(f"gen_completions: unexpected characters in bash words: {text}")
    return f'"{text}"'


def gen_bash(top: list[Option], commands: list[Command]) -> str:
    def words(items: list[str]) -> str:
        return quote_sh(" ".join(items))

    lines = [f"__avs_switch_vars=({' '.join(SWITCH_VARS)})"]
    names = [n for c in commands for n in [c.name, *c.aliases]]
    lines.append("# Flags several commands share (__avs_gen_flags_*), and those of them taking a value")
    lines.append("# (__avs_gen_vflags_*): each list written once, for __avs_gen_spec.")
    groups, pieces = _shared(top, commands)
    for g in groups:
        lines.append(f"__avs_gen_flags_{g.name}={words([s for o in g.options for s in o.strings])}")
        if any(o.takes_value for o in g.options):
            vflags = [s for o in g.options if o.takes_value for s in o.strings]
            lines.append(f"__avs_gen_vflags_{g.name}={words(vflags)}")
    lines.append("# __avs_gen_spec CMD sets __avs_flags (its flags), __avs_vflags (those taking a value,")
    lines.append("# space-padded for matching), __avs_pos (profile, command, choices or none) and")
    lines.append("# __avs_pos_choices. CMD '' is avault itself, whose operand is the command.")
    lines.append("__avs_gen_spec() {")
    lines.append("    case $1 in")
    toplevel = Command(name="''", aliases=[], help="", options=top, operand="choices", operand_choices=names)
    for c in [toplevel, *commands]:
        own = pieces[TOP if c is toplevel else c.name]
        flags, vflags = _bash_words(own, values=False), _bash_words(own, values=True)
        pattern = " | ".join([c.name, *c.aliases])
        lines.append(f"    {pattern})")
        lines.append(f"        __avs_flags={_bash_join(flags)}")
        lines.append(f"        __avs_vflags={_bash_join(['', *vflags, ''])}")
        lines.append(f"        __avs_pos={c.operand}")
        lines.append(f"        __avs_pos_choices={words(c.operand_choices)}")
        lines.append("        ;;")
    lines.append("    *)")
    lines.append("        __avs_flags='' __avs_vflags='' __avs_pos=none __avs_pos_choices=''")
    lines.append("        ;;")
    lines.append("    esac")
    lines.append("}")
    lines.append("# __avs_gen_choices CMD FLAG sets REPLY to the values FLAG accepts ('' if any).")
    lines.append("__avs_gen_choices() {")
    lines.append('    case "$1 $2" in')
    seen: set[str] = set()
    top_strings = {s for o in top for s in o.strings}
    for c in [Command(name="*", aliases=[], help="", options=top), *commands]:
        for o in c.options:
            if not o.choices or (c.name != "*" and set(o.strings) <= top_strings):
                continue
            for s in o.strings:
                key = f"{c.name} {s}" if c.name != "*" else f"* {s}"
                if key in seen:
                    continue
                seen.add(key)
                pat = f"*' {s}'" if c.name == "*" else quote_sh(key)
                lines.append(f"    {pat}) REPLY={words(o.choices)} ;;")
    lines.append("    *) REPLY='' ;;")
    lines.append("    esac")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---- fish ------------------------------------------------------------------------


def _fish_option(o: Option, condition: str) -> str:
    parts = ["complete -c avault"]
    if condition:
        parts.append(f"-n {quote_fish(condition)}")
    parts.extend(f"-l {s[2:]}" if s.startswith("--") else f"-s {s[1:]}" for s in o.strings)
    if o.takes_value:
        parts.append("-x")
        if o.choices:
            parts.append(f"-a {quote_fish(' '.join(o.choices))}")
    if o.help:
        parts.append(f"-d {quote_fish(o.help)}")
    return " ".join(parts)


def _seen(commands: list[Command]) -> str:
    return f"__fish_seen_subcommand_from {' '.join(n for c in commands for n in [c.name, *c.aliases])}"


def gen_fish_completions(top: list[Option], commands: list[Command]) -> str:
    lines = ["complete -c avault -f", "# subcommands"]
    lines.extend(
        f"complete -c avault -n __fish_use_subcommand -a {n} -d {quote_fish(c.help)}"
        for c in commands
        for n in [c.name, *c.aliases]
    )
    lines.append("# options accepted before or after the subcommand")
    lines.extend(_fish_option(o, "") for o in top)
    # Each command's other options (avault's own, above, already complete after any command):
    # each once, with a condition naming every command that has it.
    offered = {_key(o) for o in top}
    having: dict[tuple[object, ...], tuple[Option, list[Command]]] = {}
    for c in commands:
        for o in c.options:
            if _key(o) not in offered:
                having.setdefault(_key(o), (o, []))[1].append(c)
    by_owners: dict[tuple[str, ...], list[Option]] = {}
    for o, cs in having.values():
        by_owners.setdefault(tuple(c.name for c in cs), []).append(o)
    for c in commands:
        seen = _seen([c])
        own = [_fish_option(o, seen) for o in by_owners.get((c.name,), [])]
        if c.operand.startswith("profile"):
            # The cached names as a variable (see __avs_prof_refresh in avs.fish).
            cond = quote_fish(f"{seen}; and __avs_prof_refresh")
            own.append(f"complete -c avault -n {cond} -a '$__avs_prof_cache'")
        elif c.operand == "choices":
            choices = " ".join(c.operand_choices)
            own.append(f"complete -c avault -n {quote_fish(seen)} -a {quote_fish(choices)}")
        if own:
            lines.extend([f"# avault {c.name}", *own])
        for names, opts in by_owners.items():
            if len(names) > 1 and names[0] == c.name:
                cond = _seen([x for x in commands if x.name in names])
                lines.append(f"# avault {', '.join(names)}")
                lines.extend(_fish_option(o, cond) for o in opts)
    return "\n".join(lines) + "\n"


def gen_fish_switch_vars() -> str:
    return f"set -l vars {' '.join(SWITCH_VARS)}\n"


# ---- splicing ---------------------------------------------------------------------


def splice(text: str, block: str, content: str, indent: str = "") -> str:
    pattern = re.compile(
        rf"(^[ \t]*# --- BEGIN GENERATED {re.escape(block)}\b[^\n]*\n)(.*?)"
        rf"(^[ \t]*# --- END GENERATED {re.escape(block)} ---)",
        re.DOTALL | re.MULTILINE,
    )
    if not pattern.search(text):
        raise SystemExit(f"gen_completions: no GENERATED {block} block found")
    body = "".join(f"{indent}{line}\n" if line else "\n" for line in content.splitlines())
    return pattern.sub(lambda m: m.group(1) + body + m.group(3), text, count=1)


def targets() -> dict[Path, str]:
    top, commands = model()
    opts = avs_model()
    zsh = ROOT / "shell/zsh/avs.zsh"
    bash = ROOT / "shell/bash/avs.bash"
    result = {
        zsh: splice(
            zsh.read_text(),
            "data",
            gen_zsh(top, commands) + gen_zsh_avs(opts) + gen_zsh_aliases() + gen_zsh_agent(),
        ),
        bash: splice(
            bash.read_text(),
            "data",
            gen_bash(top, commands) + gen_bash_avs(opts) + gen_bash_aliases() + gen_bash_agent(),
        ),
    }
    unset = FISH / "functions/avs.fish"
    result[unset] = splice(unset.read_text(), "switch-vars", gen_fish_switch_vars(), indent="    ")
    conf = FISH / "conf.d/avault.fish"
    text = splice(conf.read_text(), "aliases", gen_fish_aliases())
    result[conf] = splice(text, "avs-completions", gen_fish_avs_completions(opts))
    agent = FISH / "functions/__avs_agent_switch.fish"
    result[agent] = splice(agent.read_text(), "agent-env", gen_fish_agent(), indent="    ")
    comp = FISH / "completions/avault.fish"
    result[comp] = splice(comp.read_text(), "completions", gen_fish_completions(top, commands))
    result[FISH_KIND] = gen_fish_avs_kind(opts)
    return result


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, text in targets().items():
        old = path.read_text() if path.exists() else None
        if old == text:
            continue
        stale.append(path.relative_to(ROOT))
        if not check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if check and stale:
        print(
            "gen_completions: out of date: "
            + ", ".join(map(str, stale))
            + "; run scripts/gen_completions.py",
            file=sys.stderr,
        )
        return 1
    for p in stale:
        print(f"wrote {p}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
