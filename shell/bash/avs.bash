# shellcheck shell=bash
# avault for bash: `avs PROFILE` switches this shell to short-lived AWS credentials,
# the prompt counts down to their expiry, and TAB completes profiles and flags.

# Load it at the END of ~/.bashrc:  eval "$(avault init bash)"
# (eval of a captured string, not `source <(...)`, which bash 3.2 on macOS mishandles.)

# The variables it reads (AVS_PROMPT*, AVS_PICKER, AWS_CONFIG_FILE...) and the AVS_* ones
# a switch sets are listed in README.md, "Environment variables" and "Prompt segment".

# Works under `set -euo pipefail` in the calling shell: every expansion has a default,
# and no function ends on a failing test. Arrays are expanded as ${a[@]+"${a[@]}"}
# because bash < 4.4 calls an empty "${a[@]}" unbound.

# ===== aliases that would shadow our functions ===================================

# An alias on our names (zsh-aws-vault's `alias avs='aws-vault server'`) would win over
# the function: remove it, and say so for `avs`.
if alias avs >/dev/null 2>&1; then
    printf '%s\n' "avault: replaced the alias avs with the avs function (avs PROFILE switches profiles)" >&2
    unalias avs
    __avs_alias_clash=1 # `avs --doctor` reports it
fi
unalias av ave avl avll avsh avr avp 2>/dev/null || true # each one there goes

# --- BEGIN GENERATED data: scripts/gen_completions.py writes this from avault.cli and avault.render ---
__avs_switch_vars=(AWS_VAULT AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_SESSION_EXPIRATION AWS_CREDENTIAL_FILE AWS_DEFAULT_PROFILE AWS_PROFILE AWS_SDK_LOAD_CONFIG AVS_PROFILE AVS_EXPIRES AVS_ACCOUNT AVS_REGION AVS_ENDPOINT_URL)
# __avs_gen_spec CMD sets __avs_flags (its flags), __avs_vflags (those taking a value,
# space-padded for matching), __avs_pos (profile, command, choices or none) and
# __avs_pos_choices. CMD '' is avault itself, whose operand is the command.
__avs_gen_spec() {
    case $1 in
    '')
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix -v --version'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix '
        __avs_pos=choices
        __avs_pos_choices='add list ls remove rm clear exec export login logout rotate init pick agent lock import migrate-backend sso doctor version'
        ;;
    add)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix --env --add-config --no-add-config'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix '
        __avs_pos=profile
        __avs_pos_choices=''
        ;;
    list | ls)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix --profiles --sessions --credentials'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix '
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    remove | rm)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix -f --force'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix '
        __avs_pos=profile
        __avs_pos_choices=''
        ;;
    clear)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix '
        __avs_pos=profile
        __avs_pos_choices=''
        ;;
    exec)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix -d --duration -n --no-session --region -t --mfa-token --stdout --profile-env -s --server --ecs-server --lazy --ecs-server-address --background --format --watch-pid'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix -d --duration --region -t --mfa-token --ecs-server-address --format --watch-pid '
        __avs_pos=profile_command
        __avs_pos_choices=''
        ;;
    export)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix -d --duration -n --no-session --region -t --mfa-token --stdout --format'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix -d --duration --region -t --mfa-token --format '
        __avs_pos=profile
        __avs_pos_choices=''
        ;;
    login)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix -d --duration -n --no-session -t --mfa-token --region --path -s --stdout -a --auto-logout --browser-profile'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix -d --duration -t --mfa-token --region --path --browser-profile '
        __avs_pos=profile
        __avs_pos_choices=''
        ;;
    logout)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix --sso --revoke -f --force --format'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix --format '
        __avs_pos=profile
        __avs_pos_choices=''
        ;;
    rotate)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix -n --no-session'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix '
        __avs_pos=profile
        __avs_pos_choices=''
        ;;
    init)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix '
        __avs_pos=choices
        __avs_pos_choices='zsh bash fish direnv'
        ;;
    pick)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix --picker'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix --picker '
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    agent)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix --stop --foreground'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix '
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    lock)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix '
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    import)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix --from-credentials-file --profile --remove-from-file'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix --from-credentials-file --profile '
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    migrate-backend)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix --from --to --profile --dry-run --overwrite --delete-source'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix --from --to --profile '
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    sso)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix '
        __avs_pos=choices
        __avs_pos_choices=accounts
        ;;
    doctor)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix '
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    version)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix '
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    *)
        __avs_flags='' __avs_vflags='' __avs_pos=none __avs_pos_choices=''
        ;;
    esac
}
# __avs_gen_choices CMD FLAG sets REPLY to the values FLAG accepts ('' if any).
__avs_gen_choices() {
    case "$1 $2" in
    *' --backend') REPLY='file keyring secret-service pass keychain' ;;
    'exec --format') REPLY='zsh bash fish' ;;
    'export --format') REPLY='env export-env json ini zsh bash fish' ;;
    'logout --format') REPLY='zsh bash fish' ;;
    'pick --picker') REPLY='fzf builtin' ;;
    'migrate-backend --from') REPLY='file keyring secret-service pass keychain' ;;
    'migrate-backend --to') REPLY='file keyring secret-service pass keychain' ;;
    *) REPLY='' ;;
    esac
}
# __avs_gen_avs_kind ARG: REPLY = what the avs option ARG is (avault.commands.avs.kind).
__avs_gen_avs_kind() {
    case $1 in
    -h | --help) REPLY='help' ;;
    -s | --status) REPLY='status' ;;
    -u | --unset) REPLY='unset' ;;
    --doctor) REPLY='doctor' ;;
    -d | --duration) REPLY='value' ;;
    -t | --mfa-token) REPLY='value' ;;
    -n | --no-session) REPLY='flag' ;;
    --region) REPLY='value' ;;
    --server) REPLY='server' ;;
    --logout) REPLY='logout' ;;
    -d?* | --duration=* | -t?* | --mfa-token=* | --region=*) REPLY='flag' ;;
    *) REPLY='' ;;
    esac
}
__avs_gen_avs_flags='-h --help -s --status -u --unset --doctor -d --duration -t --mfa-token -n --no-session --region --server --logout'
# The aliases (avault.commands.avs.ALIASES), as functions: bash expands aliases only
# in interactive shells. Each completes as the avault command it runs.
av() { \command avault "$@"; }
ave() { \command avault exec "$@"; }
avl() { \command avault login "$@"; }
avll() { \command avault login -s "$@"; }
__avs_complete_ave() { __avs_complete_as exec; }
__avs_complete_avl() { __avs_complete_as login; }
__avs_complete_avll() { __avs_complete_as login -s; }
complete -F __avs_complete_avault av
complete -F __avs_complete_ave ave
complete -F __avs_complete_avl avl
complete -F __avs_complete_avll avll
# --- END GENERATED data ---

# ===== avs: switch profiles in place =========================================

avs() {
    __avs_main "$@"
}

# __avs_check ARGS...: avault prints avs's usage or the one-line message for what we could
# not use, with the status to return. Only help and errors get here: a switch does not.
__avs_check() {
    __avs_need || return
    AVS_PREVIOUS=${AVS_PREVIOUS-} AVS_PROFILE=${AVS_PROFILE-} \command avault avs check -- "$@"
}

# __avs_need: fails with a message when avault is not on PATH.
__avs_need() {
    if type -P avault >/dev/null 2>&1; then return 0; fi
    printf '%s\n' "avault: not found on PATH; run ./install.sh or pip install avault" >&2
    return 127
}

# Only the shell knows which pieces are loaded (and whether an alias had to go): it tells
# `avault doctor` in AVS_DOCTOR (that process only).
__avs_doctor() {
    local pieces=bash
    __avs_need || return
    if declare -F avs >/dev/null && [[ -z ${BASH_ALIASES[avs]-} ]]; then pieces+=' avs'; fi
    if [[ " ${PROMPT_COMMAND[*]-} " == *__avs_prompt_command* ]]; then pieces+=' prompt'; fi
    if [[ $(complete -p avault 2>/dev/null) == *__avs_complete_avault* ]]; then pieces+=' completion'; fi
    AVS_DOCTOR=$pieces \command avault doctor --shell bash ${__avs_alias_clash:+--alias-clash}
}

__avs_main() {
    local profile='' arg mode=export REPLY
    local -a flags=() all=("$@")
    while (($#)); do
        arg=$1
        shift
        REPLY=profile
        case $arg in
        -) if [[ -n ${AVS_PREVIOUS-} ]]; then REPLY=previous; else REPLY=''; fi ;;
        --) if (($# == 1)); then REPLY=dashdash; else REPLY=''; fi ;;
        -*) __avs_gen_avs_kind "$arg" ;;
        *) if [[ -n $profile ]]; then REPLY=''; fi ;;
        esac
        if [[ $REPLY == value ]] && (($# == 0)); then REPLY=''; fi
        case $REPLY in
        status | unset | doctor)
            "__avs_$REPLY"
            return
            ;;
        server | logout) mode=$REPLY ;;
        flag) flags+=("$arg") ;;
        value)
            flags+=("$arg" "$1")
            shift
            ;;
        previous) profile=$AVS_PREVIOUS ;;
        dashdash)
            profile=$1
            shift
            ;;
        profile) profile=$arg ;;
        *) # --help, or what avs cannot use
            __avs_check ${all[@]+"${all[@]}"}
            return
            ;;
        esac
    done
    if [[ $mode == logout ]]; then
        if ((${#flags[@]})); then
            __avs_check ${all[@]+"${all[@]}"}
            return
        fi
        __avs_apply logout "$profile"
        return
    fi
    if [[ -z $profile ]]; then
        # The picker needs a person at a terminal; scripts and $(avs) get the status.
        if [[ ${AVS_PICKER-} != none && $- == *i* && -t 0 && -t 1 ]]; then
            __avs_pick || return
            profile=$REPLY
        elif ((${#flags[@]})) || [[ $mode == server ]]; then
            __avs_check ${all[@]+"${all[@]}"}
            return
        else
            __avs_status
            return
        fi
    fi
    # exec reads everything after `--` as the command, so a served profile goes bare.
    if [[ $mode == server && $profile == -* ]]; then
        __avs_check --server -- "$profile"
        return
    fi
    if [[ $mode == export ]] && ((${#flags[@]} == 0)) && __avs_still_fresh "$profile"; then
        return 0
    fi
    __avs_apply "$mode" "$profile" ${flags[@]+"${flags[@]}"}
}

# __avs_still_fresh PROFILE: true when this shell holds PROFILE's keys with more than
# AWS_MIN_TTL (default 5m) left: re-running `avs PROFILE` then starts no process at all.
__avs_still_fresh() {
    [[ $1 == "${AVS_PROFILE-}" && $1 == "${AWS_VAULT-}" && -n ${AWS_ACCESS_KEY_ID-} ]] || return 1
    [[ -z ${AVS_SERVER_PID-} ]] || return 1
    local exp=${AVS_EXPIRES-} now unit=3600 REPLY
    __avs_now
    now=$REPLY
    # A Go duration other than Ns, Nm, Nh is not parsed here: the helper decides.
    [[ $exp =~ ^[0-9]+$ && $now =~ ^[0-9]+$ && ${AWS_MIN_TTL:-5m} =~ ^([0-9]+)([smh])$ ]] || return 1
    if [[ ${BASH_REMATCH[2]} == s ]]; then unit=1; elif [[ ${BASH_REMATCH[2]} == m ]]; then unit=60; fi
    # 10#: a leading zero must not read as octal (an error that `set -e` would make fatal)
    ((10#$exp - 10#$now > 10#${BASH_REMATCH[1]} * unit))
}

# __avs_pick: REPLY = the profile chosen in `avault pick` (fzf or its own menu on
# /dev/tty); Esc or Ctrl-C there returns 130 and changes nothing.
__avs_pick() {
    REPLY=''
    __avs_need || return
    REPLY=$(\command avault pick) || return
    [[ -n $REPLY ]]
}

# __avs_agent_switch PROFILE [FLAGS...]: the switch from a running `avault agent`, with no
# process at all: /dev/tcp to the agent's loopback port, with the token it wrote in its
# 0600 agent.tcp (read with `read`; a new one at every agent start). REPLY = exactly the
# code `avault export --format bash` prints. Status 1 when the agent cannot (none,
# locked, MFA or a browser needed, a flag it does not take, any error): then `avault
# export` runs as always. Sent: the variables export reads (avault.agentswitch), never the keys.
__avs_agent_switch() {
    REPLY=''
    [[ ${AVAULT_AGENT-} != 0 && -z ${AWS_VAULT_FILE_PASSPHRASE+set} && -z ${AVAULT_FILE_PASSPHRASE_COMMAND+set} ]] || return 1
    local dir=${TMPDIR:-/tmp}/avault-$UID port='' token='' fd name st='' err='' code=''
    local -a fields=()
    if [[ ${XDG_RUNTIME_DIR-} == /* ]]; then dir=$XDG_RUNTIME_DIR/avault; fi
    __avs_agent_dir=$dir
    [[ -O $dir && -f $dir/agent.tcp && -O $dir/agent.tcp ]] || return 1
    IFS=' ' read -r port token <"$dir/agent.tcp" || return 1
    [[ $port =~ ^[0-9]+$ && -n $token ]] || return 1
    { exec {fd}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
    for name in ${!AWS_@} ${!AVS_@} ${!AVAULT_@} ${!XDG_@} ${!YKMAN_@} HOME PATH TMPDIR LANG LC_ALL LC_CTYPE SHELL BROWSER DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS PYTHON_KEYRING_BACKEND PASSWORD_STORE_DIR HTTPS_PROXY HTTP_PROXY NO_PROXY https_proxy http_proxy no_proxy SSL_CERT_FILE SSL_CERT_DIR REQUESTS_CA_BUNDLE; do
        [[ -n ${!name+set} && ${!name@a} == *x* ]] || continue
        case $name in AWS_ACCESS_KEY_ID | AWS_SECRET_ACCESS_KEY | AWS_SESSION_TOKEN | AWS_SECURITY_TOKEN | AWS_CONTAINER_AUTHORIZATION_TOKEN) continue ;; *) ;; esac
        fields+=("e$name=${!name}")
    done
    for name in --format bash "${@:2}" -- "$1"; do
        fields+=("a$name")
    done
    printf '%s\0' AVS1 "$token" "${fields[@]}" . 1>&"$fd" 2>/dev/null &&
        IFS= read -r -d '' -t 5 -u "$fd" st &&
        IFS= read -r -d '' -u "$fd" err &&
        IFS= read -r -d '' -u "$fd" code
    exec {fd}>&-
    [[ $st == ok ]] || return 1
    if [[ -n $err ]]; then printf '%s' "$err" >&2; fi
    REPLY=$code
}

# __avs_int_trap: REPLY = this shell's INT trap, as `trap -p INT` prints it. After an
# agent's switch through a file in its private directory (__avs_agent_dir), since $(...)
# would be the one process of that switch; else with $(...).
__avs_int_trap() {
    REPLY=''
    local f=${__avs_agent_dir-}/int-trap.$BASHPID
    if [[ -n ${__avs_agent_dir-} && -O $__avs_agent_dir ]] && { trap -p INT >"$f"; } 2>/dev/null; then
        IFS= read -r -d '' REPLY <"$f"
        REPLY=${REPLY%$'\n'}
        return 0
    fi
    REPLY=$(trap -p INT)
}

# __avs_apply MODE PROFILE [FLAGS...]: run the helper (MODE export: keys in this shell;
# server: a background ECS credential server; logout: forget the cached sessions), and
# change this shell only if it succeeded: on failure its variables stay exactly as they were.
__avs_apply() {
    local mode=$1 profile=$2 prev=${AVS_PROFILE-} out old_int
    shift 2
    __avs_need || return
    # stdout is only the code to eval (MFA prompts go to /dev/tty); `--` keeps a profile
    # that starts with '-' from being read as a flag.
    local -a argv=(export --format bash "$@" -- "$profile")
    case $mode in
    # The server stops by itself when this shell ($$) exits.
    server) argv=(exec --ecs-server --background --format bash --watch-pid "$$" "$@" "$profile") ;;
    logout) argv=(logout --format bash ${profile:+-- "$profile"}) ;;
    *) ;;
    esac
    # `|| return` keeps a caller's `set -e` from exiting before we return the status.
    if [[ $mode == export ]] && __avs_agent_switch "$profile" "$@"; then
        out=$REPLY # a running agent answered, and no process was started
    else
        out=$(\command avault "${argv[@]}") || return
    fi
    # A Ctrl-C halfway through would leave a mix of two profiles: ignore it while applying
    # (as direnv does), then put back the user's INT trap (no $(...) after an agent switch).
    __avs_int_trap
    old_int=$REPLY
    trap -- '' INT
    if [[ $mode == logout ]]; then
        # Code that clears this shell's profile, if it holds it: after our own unset, which
        # knows which region/endpoint a switch set, and stops the server.
        if [[ -n $out ]]; then __avs_unset; fi
    elif [[ -n ${AVS_SERVER_PID-} ]]; then
        # A server this shell started belongs to the profile being replaced.
        __avs_server_stop
    fi
    eval "$out"
    eval "${old_int:-trap - INT}"
    if [[ $mode == logout ]]; then return 0; fi
    if [[ -n ${AVS_SERVER_PID-} ]]; then __avs_exit_hook; fi
    if [[ -n $prev && $prev != "${AVS_PROFILE-}" ]]; then AVS_PREVIOUS=$prev; fi
    __avs_recent_add "${AVS_PROFILE-}"
    return 0
}

# __avs_recent_add PROFILE: note the use for the picker's "most recent first" order: one
# builtin append per switch (the fork that creates the 0600 file happens once).
__avs_recent_add() {
    [[ -n $1 ]] || return 0
    local dir=$HOME/.local/state/avault
    if [[ ${XDG_STATE_HOME-} == /* ]]; then dir=$XDG_STATE_HOME/avault; fi
    [[ -e $dir/recent ]] || (umask 077 && \command mkdir -p -- "$dir" && : >>"$dir/recent") 2>/dev/null || return 0
    { printf '%s\n' "$1" >>"$dir/recent"; } 2>/dev/null || true
    return 0
}

# __avs_server_stop: stop the server `avs --server` started and drop its variables; also
# run on exit (the server would notice within a second).
__avs_server_stop() {
    if [[ ${AVS_SERVER_PID-} =~ ^[0-9]+$ ]]; then kill -- "$AVS_SERVER_PID" 2>/dev/null || true; fi
    unset AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN AVS_SERVER_PID
    return 0
}

# __avs_exit_hook: once, add __avs_server_stop to the EXIT trap, after what is there.
__avs_trap_body() { REPLY=${3-}; }
__avs_exit_hook() {
    local REPLY=''
    # `trap -p EXIT` prints `trap -- 'CMD' EXIT`; let the parser unquote CMD.
    eval "__avs_trap_body $(trap -p EXIT)"
    if [[ $REPLY == *__avs_server_stop* ]]; then return 0; fi
    # shellcheck disable=SC2064 # expand the existing command now, on purpose
    trap -- "${REPLY:+$REPLY
}__avs_server_stop" EXIT
}

# Remove everything a switch set: render.SWITCH_VARS, the region pair and the endpoint
# only when avs set them (equal to AVS_REGION, AVS_ENDPOINT_URL), the credential server.
__avs_unset() {
    local prev=${AVS_PROFILE-}
    if [[ -n ${AVS_REGION-} ]]; then
        if [[ ${AWS_REGION-} == "$AVS_REGION" ]]; then unset AWS_REGION; fi
        if [[ ${AWS_DEFAULT_REGION-} == "$AVS_REGION" ]]; then unset AWS_DEFAULT_REGION; fi
    fi
    if [[ -n ${AVS_ENDPOINT_URL-} && ${AWS_ENDPOINT_URL-} == "$AVS_ENDPOINT_URL" ]]; then unset AWS_ENDPOINT_URL; fi
    if [[ -n ${AVS_SERVER_PID-} ]]; then __avs_server_stop; fi
    unset "${__avs_switch_vars[@]}"
    if [[ -n $prev ]]; then AVS_PREVIOUS=$prev; fi
    return 0
}

# The clock without a fork: $EPOCHSECONDS (bash 5), else printf's %(%s)T (bash 4.2+).
# bash 3.2 (macOS) has neither: the prompt then shows the profile but no countdown.
__avs_clock=''
if ((BASH_VERSINFO[0] > 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] >= 2))); then __avs_clock=1; fi

# __avs_now: REPLY = the time in epoch seconds, or '' without a clock.
__avs_now() {
    REPLY=${EPOCHSECONDS-}
    if [[ -z $REPLY && -n $__avs_clock ]]; then printf -v REPLY '%(%s)T' -1; fi
}

# __avs_left: REPLY = time left ("7h59m", "47m", "30s", "expired", or "" when unknown)
# and __avs_state = ok, warn, expired or unknown.
__avs_left() {
    local exp=${AVS_EXPIRES-} left
    __avs_now
    left=$REPLY REPLY='' __avs_state=unknown
    [[ $exp =~ ^[0-9]+$ && $left =~ ^[0-9]+$ ]] || return 0
    left=$((exp - left))
    if ((left <= 0)); then
        REPLY=expired __avs_state=expired
        return 0
    fi
    if ((left >= 3600)); then
        REPLY="$((left / 3600))h$((left % 3600 / 60))m"
    elif ((left >= 60)); then
        REPLY="$((left / 60))m"
    else
        REPLY="${left}s"
    fi
    __avs_state=ok
    if ((left <= ${AVS_PROMPT_WARN:-600})); then __avs_state=warn; fi
    return 0
}

# __avs_status: `avs -s`, written by avault from this shell's AVS_* variables.
__avs_status() {
    __avs_need || return
    AVS_PROFILE=${AVS_PROFILE-} AVS_ACCOUNT=${AVS_ACCOUNT-} AWS_REGION=${AWS_REGION-} \
        AVS_SERVER_PID=${AVS_SERVER_PID-} AVS_EXPIRES=${AVS_EXPIRES-} \command avault avs status
}

# ===== aliases (av, ave, avl, avll are in the generated block) ====================

# avsh PROFILE [FLAGS]: a subshell with the credentials, gone on `exit`.
avsh() {
    \command avault exec "$@" -- "${SHELL:-bash}"
}

# avr: refresh the current profile in place (cached unless within AWS_MIN_TTL).
avr() {
    if [[ -z ${AVS_PROFILE-} ]]; then
        printf '%s\n' "avr: no profile active; switch with 'avs PROFILE'" >&2
        return 1
    fi
    if [[ -n ${AVS_SERVER_PID-} ]]; then
        printf '%s\n' "avr: the credential server refreshes $AVS_PROFILE by itself" >&2
        return 0
    fi
    __avs_apply export "$AVS_PROFILE" "$@"
}

# __avs_awk_config FILE: its profile names in file order, without duplicates or
# [sso-session]/[services] sections: one awk, no Python.
__avs_awk_config() {
    awk '
        sub(/^[ \t]*\[[ \t]*profile[ \t]+/, "") || sub(/^[ \t]*\[[ \t]*default[ \t]*\].*/, "default") {
            sub(/[ \t]*\][^\]]*$/, "") # up to the LAST ], as Python configparser reads a header
            if ($0 != "" && !seen[$0]++) print
        }
    ' "$1"
}

# avp: each profile and its role_arn, read from the config file (no CLI call per profile).
avp() {
    __avs_need || return
    AWS_CONFIG_FILE=${AWS_CONFIG_FILE-} \command avault avs avp
}

# ===== prompt segment ============================================================
# The hook reads only AVS_* variables and the fork-free clock: no process per prompt.
# PS1 gets a constant prefix of references to the variables it fills in (below). bash
# expands those when it draws the prompt (promptvars, the default) but not their values
# again, so a profile named $(rm -rf ~) is shown, never run. Without promptvars the text
# itself goes in, '\' escaped.

# __avs_colour NAME: REPLY = the ANSI escape for a colour name or 0-255 number.
__avs_colour() {
    local -a names=(black red green yellow blue magenta cyan white)
    local i
    REPLY=''
    if [[ $1 =~ ^[0-9]+$ ]]; then REPLY=$'\e[38;5;'"$1m"; fi
    for ((i = 0; i < 8; i++)); do
        if [[ ${names[i]} == "$1" ]]; then REPLY=$'\e[3'"${i}m"; fi
    done
}

# __avs_prompt_compute: __avs_p1..__avs_p5 = colour, text, colour, countdown, reset; all
# empty when no profile is active or AVS_PROMPT=0.
__avs_prompt_compute() {
    __avs_p1='' __avs_p2='' __avs_p3='' __avs_p4='' __avs_p5=''
    if [[ -z ${AVS_PROFILE-} || ${AVS_PROMPT:-1} == 0 ]]; then return 0; fi
    local rules=${AVS_PROMPT_CLASSES-'*prod*=red *stag*=yellow *=green'} rule colour=green REPLY
    # Split on spaces by hand: an unquoted $rules would also glob against the cwd.
    while [[ -n $rules ]]; do
        rule=${rules%% *}
        rules=${rules#"$rule"}
        rules=${rules# }
        # shellcheck disable=SC2053 # the rule is a glob on purpose
        if [[ -n $rule && $AVS_PROFILE == ${rule%=*} ]]; then
            colour=${rule##*=}
            break
        fi
    done
    __avs_colour "$colour"
    __avs_p1=$REPLY
    __avs_p2="aws:$AVS_PROFILE"
    if [[ -n ${AVS_ACCOUNT-} ]]; then __avs_p2+="($AVS_ACCOUNT)"; fi
    # Control characters (a newline, an escape) would garble the line: show '?'.
    __avs_p2=${__avs_p2//[[:cntrl:]]/?}
    __avs_left
    # A served profile needs no countdown: the server refreshes the credentials.
    if [[ -n ${AVS_SERVER_PID-} ]]; then __avs_state=server; fi
    # Layout: \[p1\]p2\[p3\]p4\[p5\]; p4 always ends with the space before the rest of PS1.
    case $__avs_state in
    server) __avs_p4="${AVS_PROMPT_SERVER-⇄} " ;;
    ok) __avs_p4="$REPLY " ;;
    warn)
        __avs_p4="!$REPLY "
        __avs_colour "${AVS_PROMPT_WARN_COLOR:-magenta}"
        __avs_p3=$'\e[1m'$REPLY
        ;;
    expired) __avs_p3=$'\e[1;31m' __avs_p4='expired ' ;;
    *) __avs_p4=' ' ;;
    esac
    if [[ $__avs_p4 != ' ' ]]; then __avs_p2+=' '; fi
    __avs_p5=$'\e[0m'
    return 0
}

# __avs_ps1 [FORMAT]: the plain segment for PS1='...$(__avs_ps1 " (%s)")...', like
# __git_ps1 (that form costs a fork per prompt; the built-in hook does not).
__avs_ps1() {
    local rc=$?
    if [[ -n ${AVS_PROFILE-} ]]; then
        local REPLY text="${AVS_PROFILE//[[:cntrl:]]/?}"
        __avs_left
        if [[ -n $REPLY ]]; then text+=" $REPLY"; fi
        # shellcheck disable=SC2059 # the format is the caller's, like __git_ps1's
        printf -- "${1- (%s)}" "$text"
    fi
    return "$rc"
}

# shellcheck disable=SC2016 # the references are expanded by bash at each prompt
__avs_ps1_ref='\[${__avs_p1}\]${__avs_p2}\[${__avs_p3}\]${__avs_p4}\[${__avs_p5}\]'

# __avs_theme_shows_aws: true when starship draws the prompt (its aws module shows the
# profile and time left), so the built-in segment steps aside unless AVS_PROMPT=1.
__avs_theme_shows_aws() {
    [[ ${STARSHIP_SHELL-} == bash ]] && declare -F starship_precmd >/dev/null
}

# PROMPT_COMMAND hook: keep our prefix at the start of PS1 (a PS1 rebuilt each time, like
# starship's, gets it back); return the status it got, for $? in PS1 and later hooks.
__avs_prompt_command() {
    local rc=$? prefix
    __avs_prompt_compute
    PS1=${PS1-}
    PS1=${PS1#"${__avs_ps1_prefix-}"}
    __avs_ps1_prefix=''
    if [[ ${AVS_PROMPT-} == 1 ]] || { [[ ${AVS_PROMPT-} != 0 ]] && ! __avs_theme_shows_aws; }; then
        prefix=$__avs_ps1_ref
        if ! shopt -q promptvars; then
            prefix="\\[$__avs_p1\\]${__avs_p2//\\/\\\\}\\[$__avs_p3\\]${__avs_p4//\\/\\\\}\\[$__avs_p5\\]"
        fi
        PS1=$prefix$PS1
        __avs_ps1_prefix=$prefix
    fi
    return "$rc"
}

# ===== completion ================================================================

# __avs_reply_words CUR WORD...: COMPREPLY += the WORDs that start with CUR. (compgen -W
# would expand $(...) inside the words, so it never sees a profile name.)
__avs_reply_words() {
    local cur=$1 w
    shift
    for w in "$@"; do
        if [[ $w == "$cur"* ]]; then COMPREPLY+=("$w"); fi
    done
    return 0
}

# __avs_prof_load: __avs_prof_cache = the profile names sorted bytewise (LC_ALL=C), so a
# prefix is a range two binary searches find; __avs_prof_quoted = them as TAB inserts
# them. One awk parses the config only when it changed: a stamp file per shell (in
# $XDG_RUNTIME_DIR, emptied at logout, else the cache) carries its mtime from the last
# parse (`touch -r`) and bash's own `-nt` compares: an unchanged TAB starts no process.
__avs_prof_load() {
    local file=${AWS_CONFIG_FILE:-$HOME/.aws/config} stamp=${__avs_prof_stamp-} dir all
    if [[ ! -r $file ]]; then
        __avs_prof_cache=() __avs_prof_quoted=() __avs_prof_file=''
        return 0
    fi
    if [[ $file == "${__avs_prof_file-}" && -n $stamp && -e $stamp ]] &&
        [[ ! $file -nt $stamp && ! $stamp -nt $file ]]; then
        return 0
    fi
    if [[ -z $stamp ]]; then
        if [[ ${XDG_RUNTIME_DIR-} == /* && -d ${XDG_RUNTIME_DIR-} && -w ${XDG_RUNTIME_DIR-} ]]; then
            dir=$XDG_RUNTIME_DIR/avault
        elif [[ ${XDG_CACHE_HOME-} == /* ]]; then
            dir=$XDG_CACHE_HOME/avault
        else
            dir=$HOME/.cache/avault
        fi
        [[ -d $dir ]] || (umask 077 && \command mkdir -p -- "$dir") 2>/dev/null || true
        stamp=$dir/bash-complete.$$
    fi
    # Stamp BEFORE parsing: an edit made during the parse then differs next time.
    # (umask 077: our stamp, 0600 whatever the umask; exec keeps it one process.)
    if (umask 077 && exec touch -r "$file" -- "$stamp") 2>/dev/null; then
        __avs_prof_stamp=$stamp
    else
        __avs_prof_stamp='' # no writable place: parse on every TAB, as before
    fi
    __avs_prof_file=$file
    __avs_read_lines __avs_prof_cache < <(__avs_awk_config "$file" | LC_ALL=C \command sort)
    # bash puts a single match on the command line as it is (no `-o filenames` here), so
    # a name like `a;touch x` must go in quoted, or Enter would run it. One check over
    # all names first: plain names (nearly all) are kept as they are, with no %q.
    local IFS=:
    all="${__avs_prof_cache[*]-}"
    if [[ $all != *[!A-Za-z0-9@%+=:,./_-]* ]]; then
        __avs_prof_quoted=(${__avs_prof_cache[@]+"${__avs_prof_cache[@]}"})
    else
        # %q never emits a raw newline, so one name per line splits back exactly.
        printf -v all '%q\n' "${__avs_prof_cache[@]}"
        __avs_read_lines __avs_prof_quoted <<<"${all%$'\n'}"
    fi
    return 0
}

# __avs_read_lines NAME: the array NAME = the lines of stdin, by mapfile (bash 4+; several
# times faster at thousands of names) or, in bash 3.2, a read loop.
__avs_read_lines() {
    if ((BASH_VERSINFO[0] >= 4)); then
        mapfile -t "$1"
        return 0
    fi
    local line
    eval "$1=()"
    # shellcheck disable=SC2034 # the eval reads it
    while IFS= read -r line; do eval "$1+=(\"\$line\")"; done
}

# __avs_reply_profiles PREFIX: COMPREPLY += the cached names starting with PREFIX (as
# text, never expanded). At 5,000 profiles a loop costs ~30 ms, two binary searches and a
# slice well under 1 ms. `<` collates by the locale: compare bytewise like sort did.
__avs_reply_profiles() {
    __avs_prof_load
    local LC_ALL=C lo=0 hi=${#__avs_prof_cache[@]} mid start
    while ((lo < hi)); do
        mid=$(((lo + hi) / 2))
        if [[ ${__avs_prof_cache[mid]} < $1 ]]; then lo=$((mid + 1)); else hi=$mid; fi
    done
    start=$lo
    hi=${#__avs_prof_cache[@]}
    while ((lo < hi)); do
        mid=$(((lo + hi) / 2))
        if [[ ${__avs_prof_cache[mid]} == "$1"* ]]; then lo=$((mid + 1)); else hi=$mid; fi
    done
    if ((lo > start)); then COMPREPLY+=("${__avs_prof_quoted[@]:start:lo-start}"); fi
    return 0
}

__avs_complete_avs() {
    local cur=${COMP_WORDS[COMP_CWORD]-} prev=''
    COMPREPLY=()
    if ((COMP_CWORD > 0)); then prev=${COMP_WORDS[COMP_CWORD - 1]-}; fi
    __avs_gen_avs_kind "$prev"
    if [[ $REPLY == value ]]; then return 0; fi
    if [[ $cur == -* ]]; then
        # shellcheck disable=SC2086 # plain option words from the generated block
        if [[ ${COMP_WORDS[0]-} == avs ]]; then __avs_reply_words "$cur" $__avs_gen_avs_flags; fi
        return 0
    fi
    __avs_reply_profiles "$cur"
}

__avs_complete_avault() {
    local cur=${COMP_WORDS[COMP_CWORD]-} prev='' cmd='' i word words REPLY
    local __avs_flags __avs_vflags __avs_pos __avs_pos_choices nargs=0
    COMPREPLY=()
    if ((COMP_CWORD > 0)); then prev=${COMP_WORDS[COMP_CWORD - 1]-}; fi
    # The subcommand is the first word that is neither an option nor an option's value;
    # count the operands after it. After `--`, exec's command: complete command names.
    __avs_gen_spec ''
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]-}
        if [[ $word == -- && -n $cmd ]]; then
            while IFS= read -r word; do COMPREPLY+=("$word"); done < <(compgen -c -- "$cur")
            return 0
        elif [[ $word == -* || $__avs_vflags == *" ${COMP_WORDS[i - 1]-} "* ]]; then
            continue
        elif [[ -z $cmd ]]; then
            cmd=$word
            __avs_gen_spec "$cmd"
        else
            nargs=$((nargs + 1))
        fi
    done
    if [[ $__avs_vflags == *" $prev "* ]]; then
        __avs_gen_choices "$cmd" "$prev"
        words=$REPLY
    elif [[ $cur == -* ]]; then
        words=$__avs_flags
    elif ((nargs > 0)); then
        return 0
    elif [[ $__avs_pos == profile* ]]; then
        __avs_reply_profiles "$cur"
        return 0
    else
        words=$__avs_pos_choices
    fi
    # shellcheck disable=SC2086 # plain words from argparse
    __avs_reply_words "$cur" $words
}

# __avs_complete_as WORD...: complete as `avault WORD...` (the aliases' completion).
__avs_complete_as() {
    COMP_WORDS=(avault "$@" "${COMP_WORDS[@]:1}")
    COMP_CWORD=$((COMP_CWORD + $#))
    __avs_complete_avault
}

# ===== setup =====================================================================

complete -F __avs_complete_avs avs avsh
complete -F __avs_complete_avault avault

# Prompt hook only in interactive shells, and only once: PROMPT_COMMAND may be a string
# (append after a newline) or, in bash 5.1+, an array (append an element).
if [[ $- == *i* ]]; then
    # shellcheck disable=SC2128,SC2178 # the elif branch handles the plain-string form
    if [[ "$(declare -p PROMPT_COMMAND 2>/dev/null)" == "declare -a"* ]]; then
        if [[ " ${PROMPT_COMMAND[*]} " != *" __avs_prompt_command "* ]]; then
            PROMPT_COMMAND+=(__avs_prompt_command)
        fi
    elif [[ ${PROMPT_COMMAND-} != *__avs_prompt_command* ]]; then
        if [[ -n ${PROMPT_COMMAND-} ]]; then PROMPT_COMMAND+=$'\n'; fi
        PROMPT_COMMAND+=__avs_prompt_command
    fi
fi
