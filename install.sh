#!/bin/sh
# shellcheck shell=sh
# install.sh: install avault into its own virtualenv, put `avault` on PATH and
# hook it into your shells. Run it from a clone of the repository.
#
#   ./install.sh                 install or upgrade (re-running is an upgrade)
#   ./install.sh --demo          try avault with no AWS account (local STS emulator)
#   ./install.sh --uninstall     reverse everything this script did
#   ./install.sh --as-aws-vault  also link `aws-vault` to avault (never by default)
#
# Reads: PYTHON (interpreter for the venv, default python3), SHELL, ZSH and
# ZSH_CUSTOM (oh-my-zsh), XDG_CONFIG_HOME, XDG_CACHE_HOME.
#
# Shaped after zoxide's install.sh: POSIX sh, main() at the end inside { },
# so a half-downloaded copy never runs.

MARK='# added by avault install.sh'

usage() {
    cat <<EOF
Usage: install.sh [options]

Options:
  --prefix DIR       where the virtualenv lives (default: ~/.local/share/avault)
  --bin-dir DIR      where the avault command is linked (default: ~/.local/bin)
  --no-modify-rc     do not touch ~/.zshrc, ~/.bashrc or fish's config
  --uninstall        remove avault, its rc lines, the oh-my-zsh plugin link and
                     the aws-vault link
  --as-aws-vault     also link aws-vault to avault in the bin dir, so lines like
                     credential_process = aws-vault exec -j PROFILE keep working
                     (refused while another aws-vault is on PATH)
  --force            with --as-aws-vault: link even though another aws-vault is
                     on PATH
  --demo             start a throwaway shell where 'avs prod' works with no AWS
                     account, against a local STS emulator (moto)
  --shell SHELL      with --demo: zsh, bash or fish (default: your login shell)
  -h, --help         show this help
EOF
}

say() { printf 'avault: %s\n' "$*" >&2; }
err() {
    printf 'Error: %s\n' "$*" >&2
    exit 1
}
need_cmd() { command -v "$1" >/dev/null 2>&1 || err "need '$1' (command not found)"; }
ensure() { "$@" || err "command failed: $*"; }

# --- rc files ---------------------------------------------------------------------

# Append LINE to FILE once. A line already there, even commented out, counts: the
# user's decision to comment it out is respected (fzf's append_line does the same).
append_line() {
    file=$1
    line=$2
    if [ -f "$file" ] && grep -F -- "$line" "$file" >/dev/null 2>&1; then
        say "$file already has: $line"
        return 0
    fi
    dir=$(dirname -- "$file")
    ensure mkdir -p "$dir"
    printf '\n%s %s\n' "$line" "$MARK" >>"$file" || err "cannot write $file"
    say "added to $file: $line"
}

remove_marked_lines() {
    file=$1
    [ -f "$file" ] || return 0
    grep -F -- "$MARK" "$file" >/dev/null 2>&1 || return 0
    tmp="$file.avault-tmp.$$"
    grep -v -F -- "$MARK" "$file" >"$tmp" || true
    cat "$tmp" >"$file" && rm -f "$tmp"
    say "removed avault lines from $file"
}

omz_custom_dir() {
    if [ -n "${ZSH_CUSTOM-}" ]; then
        printf '%s\n' "$ZSH_CUSTOM"
    elif [ -n "${ZSH-}" ] && [ -d "$ZSH" ]; then
        printf '%s\n' "$ZSH/custom"
    elif [ -d "$HOME/.oh-my-zsh" ]; then
        printf '%s\n' "$HOME/.oh-my-zsh/custom"
    fi
}

fish_config_file() {
    printf '%s\n' "${XDG_CONFIG_HOME:-$HOME/.config}/fish/config.fish"
}

# --- install ------------------------------------------------------------------------

install_helper() {
    need_cmd "$python"
    if [ ! -x "$prefix/venv/bin/python" ]; then
        say "creating $prefix/venv"
        ensure mkdir -p "$prefix"
        ensure "$python" -m venv "$prefix/venv"
    fi
    say "installing avault from $src"
    ensure "$prefix/venv/bin/python" -m pip install -q --upgrade "$src"
    ensure mkdir -p "$bin_dir"
    ensure ln -sf "$prefix/venv/bin/avault" "$bin_dir/avault"
    say "linked $bin_dir/avault"
    case ":$PATH:" in
    *":$bin_dir:"*) ;;
    *) say "note: $bin_dir is not on your PATH; add it in your shell's rc file" ;;
    esac
}

# --- the aws-vault name (--as-aws-vault) -------------------------------------------

# Is $1 the aws-vault link this script makes (a symlink to our avault)?
is_our_link() {
    [ -L "$1" ] && [ "$(readlink -- "$1")" = "$prefix/venv/bin/avault" ]
}

# Before anything is installed: refuse, changing nothing, when the link would clobber a
# file or (without --force) compete with another aws-vault on PATH.
check_aws_vault_link() {
    link="$bin_dir/aws-vault"
    if { [ -e "$link" ] || [ -L "$link" ]; } && ! is_our_link "$link"; then
        err "$link exists and is not avault's link; move it away first (nothing was changed)"
    fi
    other=$(command -v aws-vault 2>/dev/null || true)
    if [ -n "$other" ] && ! is_our_link "$other" && [ "$force" != yes ]; then
        err "another aws-vault is on PATH ($other); rerun with --force to link $link anyway (nothing was changed)"
    fi
}

link_aws_vault() {
    ensure ln -sf "$prefix/venv/bin/avault" "$bin_dir/aws-vault"
    say "linked $bin_dir/aws-vault to avault (credential_process = aws-vault exec -j PROFILE works)"
    first=$(command -v aws-vault 2>/dev/null || true)
    if [ -n "$first" ] && ! is_our_link "$first"; then
        say "note: $first comes first on PATH, so 'aws-vault' still runs that one"
    fi
}

shell_dir() {
    "$prefix/venv/bin/python" -c 'import avault, pathlib; print(pathlib.Path(avault.__file__).parent / "shell")'
}

hook_shells() {
    if [ "$modify_rc" = no ]; then
        say "not touching rc files (--no-modify-rc); add the init line yourself, see README"
        return 0
    fi
    if command -v zsh >/dev/null 2>&1 || [ -f "$HOME/.zshrc" ]; then
        custom=$(omz_custom_dir)
        if [ -n "$custom" ]; then
            ensure mkdir -p "$custom/plugins"
            ensure ln -sfn "$(shell_dir)/zsh" "$custom/plugins/avault"
            say "oh-my-zsh: linked the plugin into $custom/plugins/avault"
            say "oh-my-zsh: add avault to plugins=(...) in ~/.zshrc, e.g. plugins=(git avault)"
        else
            # shellcheck disable=SC2016 # the line is written literally, for the rc file
            append_line "$HOME/.zshrc" 'eval "$(avault init zsh)"'
        fi
    fi
    if command -v bash >/dev/null 2>&1; then
        # shellcheck disable=SC2016 # the line is written literally, for the rc file
        append_line "$HOME/.bashrc" 'eval "$(avault init bash)"'
    fi
    if command -v fish >/dev/null 2>&1; then
        append_line "$(fish_config_file)" 'avault init fish | source'
    fi
}

# direnv: `use avault PROFILE` in an .envrc, from direnv's lib directory. Written
# afresh on each run (an upgrade updates it); only a file we wrote is ever removed.
direnv_lib() { printf '%s\n' "${XDG_CONFIG_HOME:-$HOME/.config}/direnv/lib/avault.sh"; }
install_direnv() {
    command -v direnv >/dev/null 2>&1 || return 0
    lib=$(direnv_lib)
    ensure mkdir -p "$(dirname -- "$lib")"
    "$prefix/venv/bin/avault" init direnv >"$lib.tmp" || err "cannot write $lib"
    ensure mv -f "$lib.tmp" "$lib"
    say "direnv: installed $lib; write 'use avault PROFILE' in an .envrc"
}

uninstall() {
    remove_marked_lines "$HOME/.zshrc"
    remove_marked_lines "$HOME/.bashrc"
    remove_marked_lines "$(fish_config_file)"
    lib=$(direnv_lib)
    if [ -f "$lib" ] && grep -F 'avault for direnv' "$lib" >/dev/null 2>&1; then
        rm -f "$lib"
        say "removed $lib"
    fi
    custom=$(omz_custom_dir)
    if [ -n "$custom" ] && [ -L "$custom/plugins/avault" ]; then
        rm -f "$custom/plugins/avault"
        say "removed the oh-my-zsh plugin link"
    fi
    if is_our_link "$bin_dir/aws-vault"; then
        rm -f "$bin_dir/aws-vault"
        say "removed $bin_dir/aws-vault"
    fi
    if [ -L "$bin_dir/avault" ]; then
        rm -f "$bin_dir/avault"
        say "removed $bin_dir/avault"
    fi
    if [ -d "$prefix/venv" ]; then
        rm -rf "$prefix/venv"
        rmdir "$prefix" 2>/dev/null || true
        say "removed $prefix/venv"
    fi
    say "uninstalled. Your vault (~/.awsvault) and ~/.aws were left as they are."
}

# --- demo ---------------------------------------------------------------------------

demo() {
    need_cmd "$python"
    # The demo's venv has moto (the STS emulator); the real install never does.
    venv=${AVAULT_DEMO_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/avault-demo/venv}
    if [ ! -x "$venv/bin/moto_server" ] || [ ! -x "$venv/bin/avault" ]; then
        say "preparing the demo (once): a virtualenv with avault and moto in $venv"
        ensure mkdir -p "$(dirname -- "$venv")"
        [ -x "$venv/bin/python" ] || ensure "$python" -m venv "$venv"
        ensure "$venv/bin/python" -m pip install -q "${src}[demo]"
    fi
    case $demo_shell in
    zsh | bash | fish) ;;
    "") demo_shell=bash ;; # login shell is something else (sh, dash): use bash
    *) err "--shell must be zsh, bash or fish (got '$demo_shell')" ;;
    esac
    need_cmd "$demo_shell"
    ensure "$venv/bin/python" "$src/scripts/demo.py" --venv "$venv" --shell "$demo_shell"
}

main() {
    src=$(cd -- "$(dirname -- "$0")" && pwd) || err "cannot find the source directory"
    prefix="$HOME/.local/share/avault"
    bin_dir="$HOME/.local/bin"
    python=${PYTHON:-python3}
    modify_rc=yes
    action=install
    as_aws_vault=no
    force=no
    case $(basename -- "${SHELL-}") in
    zsh) demo_shell=zsh ;;
    fish) demo_shell=fish ;;
    *) demo_shell="" ;;
    esac
    while [ $# -gt 0 ]; do
        case $1 in
        --prefix)
            [ $# -ge 2 ] || err "--prefix needs a directory"
            prefix=$2
            shift
            ;;
        --bin-dir)
            [ $# -ge 2 ] || err "--bin-dir needs a directory"
            bin_dir=$2
            shift
            ;;
        --no-modify-rc | --no-update-rc) modify_rc=no ;;
        --uninstall) action=uninstall ;;
        --as-aws-vault) as_aws_vault=yes ;;
        --force) force=yes ;;
        --demo) action=demo ;;
        --shell)
            [ $# -ge 2 ] || err "--shell needs zsh, bash or fish"
            demo_shell=$2
            shift
            ;;
        -h | --help)
            usage
            exit 0
            ;;
        *) err "unknown option '$1' (see --help)" ;;
        esac
        shift
    done
    [ -f "$src/pyproject.toml" ] || err "run install.sh from a clone of the avault repository"
    case $action in
    install)
        [ "$as_aws_vault" = no ] || check_aws_vault_link
        install_helper
        [ "$as_aws_vault" = no ] || link_aws_vault
        hook_shells
        install_direnv
        say "done. Open a new shell and try: avs <profile>"
        ;;
    uninstall) uninstall ;;
    demo) demo ;;
    esac
}

{
    main "$@"
}
