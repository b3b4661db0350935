# shellcheck shell=bash
# avault for bash (README.md: what it reads and sets). At the END of ~/.bashrc:
# eval "$(avault init bash)"   (bash 3.2 mishandles `source <(...)`)
# Safe under `set -euo pipefail`: every expansion has a default; arrays go as
# ${a[@]+"${a[@]}"} (bash < 4.4 calls an empty "${a[@]}" unbound).

# Aliases on our names (zsh-aws-vault's avs='aws-vault server') would beat the functions.
if alias avs >/dev/null 2>&1; then
    printf '%s\n' "avault: replaced the alias avs with the avs function (avs PROFILE switches profiles)" >&2
    unalias avs
    __avs_alias_clash=1 # `avs --doctor` reports it
fi
unalias av ave avl avll avsh avr avp 2>/dev/null || true

# --- BEGIN GENERATED data: scripts/gen_completions.py writes this from avault.cli and avault.render ---
__avs_switch_vars=(AWS_VAULT AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_SESSION_EXPIRATION AWS_CREDENTIAL_FILE AWS_DEFAULT_PROFILE AWS_PROFILE AWS_SDK_LOAD_CONFIG AVS_PROFILE AVS_EXPIRES AVS_ACCOUNT AVS_REGION AVS_ENDPOINT_URL)
# Flags several commands share (__avs_gen_flags_*), and those of them taking a value
# (__avs_gen_vflags_*): each list written once, for __avs_gen_spec.
__avs_gen_flags_all='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix'
__avs_gen_vflags_all='--backend --prompt --file-dir --secret-service-collection --keychain --pass-dir --pass-cmd --pass-prefix'
__avs_gen_flags_exec_export='-d --duration -n --no-session --region -t --mfa-token --stdout'
__avs_gen_vflags_exec_export='-d --duration --region -t --mfa-token'
# __avs_gen_spec CMD sets __avs_flags (its flags), __avs_vflags (those taking a value,
# space-padded for matching), __avs_pos (profile, command, choices or none) and
# __avs_pos_choices. CMD '' is avault itself, whose operand is the command.
__avs_gen_spec() {
    case $1 in
    '')
        __avs_flags="${__avs_gen_flags_all} -v --version"
        __avs_vflags=" ${__avs_gen_vflags_all} "
        __avs_pos=choices
        __avs_pos_choices='add list ls remove rm clear exec export login logout rotate init pick agent lock import migrate-backend sso doctor version'
        ;;
    add)
        __avs_flags="${__avs_gen_flags_all} --env --add-config --no-add-config"
        __avs_vflags=" ${__avs_gen_vflags_all} "
        __avs_pos=profile
        __avs_pos_choices=''
        ;;
    list | ls)
        __avs_flags="${__avs_gen_flags_all} --profiles --sessions --credentials"
        __avs_vflags=" ${__avs_gen_vflags_all} "
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    remove | rm)
        __avs_flags="${__avs_gen_flags_all} -f --force"
        __avs_vflags=" ${__avs_gen_vflags_all} "
        __avs_pos=profile
        __avs_pos_choices=''
        ;;
    clear)
        __avs_flags="${__avs_gen_flags_all}"
        __avs_vflags=" ${__avs_gen_vflags_all} "
        __avs_pos=profile
        __avs_pos_choices=''
        ;;
    exec)
        __avs_flags="${__avs_gen_flags_all} ${__avs_gen_flags_exec_export} --profile-env -s --server --ecs-server --lazy --ecs-server-address --background --format --watch-pid"
        __avs_vflags=" ${__avs_gen_vflags_all} ${__avs_gen_vflags_exec_export} --ecs-server-address --format --watch-pid "
        __avs_pos=profile_command
        __avs_pos_choices=''
        ;;
    export)
        __avs_flags="${__avs_gen_flags_all} ${__avs_gen_flags_exec_export} --format"
        __avs_vflags=" ${__avs_gen_vflags_all} ${__avs_gen_vflags_exec_export} --format "
        __avs_pos=profile
        __avs_pos_choices=''
        ;;
    login)
        __avs_flags="${__avs_gen_flags_all} -d --duration -n --no-session -t --mfa-token --region --path -s --stdout -a --auto-logout --browser-profile"
        __avs_vflags=" ${__avs_gen_vflags_all} -d --duration -t --mfa-token --region --path --browser-profile "
        __avs_pos=profile
        __avs_pos_choices=''
        ;;
    logout)
        __avs_flags="${__avs_gen_flags_all} --sso --revoke -f --force --format"
        __avs_vflags=" ${__avs_gen_vflags_all} --format "
        __avs_pos=profile
        __avs_pos_choices=''
        ;;
    rotate)
        __avs_flags="${__avs_gen_flags_all} -n --no-session"
        __avs_vflags=" ${__avs_gen_vflags_all} "
        __avs_pos=profile
        __avs_pos_choices=''
        ;;
    init)
        __avs_flags="${__avs_gen_flags_all}"
        __avs_vflags=" ${__avs_gen_vflags_all} "
        __avs_pos=choices
        __avs_pos_choices='zsh bash fish direnv'
        ;;
    pick)
        __avs_flags="${__avs_gen_flags_all} --picker"
        __avs_vflags=" ${__avs_gen_vflags_all} --picker "
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    agent)
        __avs_flags="${__avs_gen_flags_all} --stop --foreground"
        __avs_vflags=" ${__avs_gen_vflags_all} "
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    lock)
        __avs_flags="${__avs_gen_flags_all}"
        __avs_vflags=" ${__avs_gen_vflags_all} "
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    import)
        __avs_flags="${__avs_gen_flags_all} --from-credentials-file --profile --remove-from-file"
        __avs_vflags=" ${__avs_gen_vflags_all} --from-credentials-file --profile "
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    migrate-backend)
        __avs_flags="${__avs_gen_flags_all} --from --to --profile --dry-run --overwrite --delete-source"
        __avs_vflags=" ${__avs_gen_vflags_all} --from --to --profile "
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    sso)
        __avs_flags="${__avs_gen_flags_all}"
        __avs_vflags=" ${__avs_gen_vflags_all} "
        __avs_pos=choices
        __avs_pos_choices=accounts
        ;;
    doctor)
        __avs_flags="${__avs_gen_flags_all}"
        __avs_vflags=" ${__avs_gen_vflags_all} "
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    version)
        __avs_flags="${__avs_gen_flags_all}"
        __avs_vflags=" ${__avs_gen_vflags_all} "
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
# What an agent switch request carries besides the *_-prefixed variables (avault.agentsock).
__avs_gen_agent_names=(HOME PATH TMPDIR LANG LC_ALL LC_CTYPE SHELL BROWSER DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS PYTHON_KEYRING_BACKEND PASSWORD_STORE_DIR HTTPS_PROXY HTTP_PROXY NO_PROXY https_proxy http_proxy no_proxy SSL_CERT_FILE SSL_CERT_DIR REQUESTS_CA_BUNDLE)
__avs_gen_agent_secret='AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_CONTAINER_AUTHORIZATION_TOKEN'
# --- END GENERATED data ---

# ===== avs: switch profiles in place =========================================

avs() { __avs_main "$@"; }

# __avs_avault ARGS...: avault ARGS, or a message when it is not on PATH.
__avs_avault() {
    if type -P avault >/dev/null 2>&1; then \command avault "$@"; else
        printf '%s\n' "avault: not found on PATH; run ./install.sh or pip install avault" >&2
        return 127
    fi
}

# __avs_check ARGS...: avault prints avs's usage or what it could not use (help and errors only).
__avs_check() {
    AVS_PREVIOUS=${AVS_PREVIOUS-} AVS_PROFILE=${AVS_PROFILE-} __avs_avault avs check -- "$@"
}

# `avs --doctor`: the shell tells avault which pieces are loaded.
__avs_doctor() {
    local pieces=bash
    if declare -F avs >/dev/null && [[ -z ${BASH_ALIASES[avs]-} ]]; then pieces+=' avs'; fi
    if [[ " ${PROMPT_COMMAND[*]-} " == *__avs_prompt_command* ]]; then pieces+=' prompt'; fi
    if [[ $(complete -p avault 2>/dev/null) == *__avs_complete_avault* ]]; then pieces+=' completion'; fi
    AVS_DOCTOR=$pieces __avs_avault doctor --shell bash ${__avs_alias_clash:+--alias-clash}
}

__avs_main() {
    local profile='' arg mode=export REPLY
    local -a flags=() all=("$@")
    while (($#)); do
        arg=$1
        shift
        REPLY=profile
        case $arg in
        -) REPLY=${AVS_PREVIOUS:+previous} ;;
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
        value) flags+=("$arg" "$1") && shift ;;
        previous) profile=$AVS_PREVIOUS ;;
        dashdash) profile=$1 && shift ;;
        profile) profile=$arg ;;
        *) # --help, or what avs cannot use
            __avs_check ${all[@]+"${all[@]}"}
            return
            ;;
        esac
    done
    # The picker needs a person at a terminal; scripts and $(avs) get the status.
    if [[ -z $profile && $mode != logout && ${AVS_PICKER-} != none && $- == *i* && -t 0 && -t 1 ]]; then
        profile=$(__avs_avault pick) && [[ -n $profile ]] || return
    elif [[ -z $profile && $mode == export ]] && ((${#flags[@]} == 0)); then
        __avs_status
        return
    fi
    if [[ -z $profile && $mode != logout ]] || { [[ $mode == logout ]] && ((${#flags[@]})); }; then
        __avs_check ${all[@]+"${all[@]}"}
        return
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

# __avs_still_fresh PROFILE: this shell holds PROFILE's keys for over AWS_MIN_TTL (5m): no process.
__avs_still_fresh() {
    [[ $1 == "${AVS_PROFILE-}" && $1 == "${AWS_VAULT-}" && -n ${AWS_ACCESS_KEY_ID-} && -z ${AVS_SERVER_PID-} ]] || return 1
    local exp=${AVS_EXPIRES-} unit=3600 REPLY
    __avs_now
    # A Go duration other than Ns, Nm, Nh: the helper decides.
    [[ $exp =~ ^[0-9]+$ && $REPLY =~ ^[0-9]+$ && ${AWS_MIN_TTL:-5m} =~ ^([0-9]+)([smh])$ ]] || return 1
    if [[ ${BASH_REMATCH[2]} == s ]]; then unit=1; elif [[ ${BASH_REMATCH[2]} == m ]]; then unit=60; fi
    # 10#: a leading zero is not octal (an error `set -e` would make fatal)
    ((10#$exp - 10#$REPLY > 10#${BASH_REMATCH[1]} * unit))
}

# __avs_agent_switch PROFILE [FLAGS...]: REPLY = `avault export --format bash`'s code from a
# running agent, with no process: /dev/tcp to its port, with the token of its 0600 agent.tcp.
# Status 1 when it cannot (no agent, locked, MFA...): then avault runs (avault.agentsock).
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
    for name in ${!AWS_@} ${!AVS_@} ${!AVAULT_@} ${!XDG_@} ${!YKMAN_@} "${__avs_gen_agent_names[@]}"; do
        [[ -n ${!name+set} && ${!name@a} == *x* && " $__avs_gen_agent_secret " != *" $name "* ]] || continue
        fields+=("e$name=${!name}")
    done
    for name in --format bash "${@:2}" -- "$1"; do fields+=("a$name"); done
    # `ok ERR_BYTES CODE_BYTES`, then both at once: read -N takes chunks (-t: 2 syscalls a byte)
    local LC_ALL=C elen=0 clen=0
    printf '%s\0' AVS1 "$token" "${fields[@]}" . 1>&"$fd" 2>/dev/null &&
        IFS=' ' read -r -t 5 -u "$fd" st elen clen && [[ $st == ok && $elen =~ ^[0-9]+$ && $clen =~ ^[0-9]+$ ]] &&
        { ((elen == 0)) || IFS= read -r -N "$elen" -u "$fd" err; } &&
        { ((clen == 0)) || IFS= read -r -N "$clen" -u "$fd" code; }
    exec {fd}>&-
    [[ $st == ok && ${#err} == "$elen" && ${#code} == "$clen" ]] || return 1
    if [[ -n $err ]]; then printf '%s' "$err" >&2; fi
    REPLY=$code
}

# __avs_int_trap: REPLY = `trap -p INT`; after an agent's switch through a file in its
# directory (a $(...) would be that switch's one process).
__avs_int_trap() {
    REPLY=''
    local f=${__avs_agent_dir-}/int-trap.$BASHPID
    if [[ -n ${__avs_agent_dir-} && -O $__avs_agent_dir ]] && { trap -p INT >"$f"; } 2>/dev/null; then
        IFS= read -r -d '' REPLY <"$f" || true # (no NUL: read says 1 at the end, which `set -e` takes for an error)
        REPLY=${REPLY%$'\n'}
        return 0
    fi
    REPLY=$(trap -p INT)
}

# __avs_apply MODE PROFILE [FLAGS...]: get the code (export: keys in this shell; server: a
# background ECS server; logout: forget the sessions); only on success change this shell.
__avs_apply() {
    local mode=$1 profile=$2 prev=${AVS_PROFILE-} out old_int
    shift 2
    # stdout is only code (MFA prompts go to /dev/tty); the server stops when $$ exits.
    local -a argv=(export --format bash "$@" -- "$profile")
    if [[ $mode == server ]]; then argv=(exec --ecs-server --background --format bash --watch-pid "$$" "$@" "$profile"); fi
    if [[ $mode == logout ]]; then argv=(logout --format bash ${profile:+-- "$profile"}); fi
    if [[ $mode == export ]] && __avs_agent_switch "$profile" "$@"; then
        out=$REPLY # a running agent answered: no process at all
    else
        out=$(__avs_avault "${argv[@]}") || return # `|| return`: not the caller's `set -e`
    fi
    # Ignore Ctrl-C while applying, as direnv does (half of it would mix two profiles).
    __avs_int_trap
    old_int=$REPLY
    trap -- '' INT
    # logout's code clears the shell after our unset (it knows what a switch set).
    if [[ $mode == logout && -n $out ]]; then
        __avs_unset
    elif [[ $mode != logout && -n ${AVS_SERVER_PID-} ]]; then
        __avs_server_stop
    fi
    eval "$out"
    eval "${old_int:-trap - INT}"
    if [[ $mode == logout ]]; then return 0; fi
    if [[ -n ${AVS_SERVER_PID-} ]]; then __avs_exit_hook; fi
    if [[ -n $prev && $prev != "${AVS_PROFILE-}" ]]; then AVS_PREVIOUS=$prev; fi
    return 0
}

# __avs_server_stop: stop the server `avs --server` started (also on exit) and drop its variables.
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

# `avs -u`: render.SWITCH_VARS, and the region and endpoint only when avs set them.
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

# __avs_now: REPLY = epoch seconds without a fork (bash 5, 4.2+), or '' (3.2: no countdown).
__avs_clock=''
if ((BASH_VERSINFO[0] * 100 + BASH_VERSINFO[1] >= 402)); then __avs_clock=1; fi
__avs_now() {
    REPLY=${EPOCHSECONDS-}
    if [[ -z $REPLY && -n $__avs_clock ]]; then printf -v REPLY '%(%s)T' -1; fi
}

# __avs_left: REPLY = 7h59m, 47m, 30s, expired or ''; __avs_state = ok, warn, expired, unknown.
__avs_left() {
    local exp=${AVS_EXPIRES-} left
    __avs_now
    left=$REPLY REPLY='' __avs_state=unknown
    [[ $exp =~ ^[0-9]+$ && $left =~ ^[0-9]+$ ]] || return 0
    left=$((exp - left)) REPLY=expired __avs_state=expired
    if ((left <= 0)); then return 0; fi
    REPLY=${left}s __avs_state=ok
    if ((left >= 3600)); then REPLY="$((left / 3600))h$((left % 3600 / 60))m"; elif ((left >= 60)); then REPLY="$((left / 60))m"; fi
    if ((left <= ${AVS_PROMPT_WARN:-600})); then __avs_state=warn; fi
    return 0
}

# __avs_status: `avs -s`, written by avault from this shell's AVS_* variables.
__avs_status() {
    AVS_PROFILE=${AVS_PROFILE-} AVS_ACCOUNT=${AVS_ACCOUNT-} AWS_REGION=${AWS_REGION-} \
        AVS_SERVER_PID=${AVS_SERVER_PID-} AVS_EXPIRES=${AVS_EXPIRES-} __avs_avault avs status
}

# ===== aliases (av, ave, avl, avll are generated) =================================

avsh() { \command avault exec "$@" -- "${SHELL:-bash}"; }

# avr: refresh the current profile in place; avault says why when there is nothing to.
avr() {
    if [[ -n ${AVS_PROFILE-} && -z ${AVS_SERVER_PID-} ]]; then
        __avs_apply export "$AVS_PROFILE" "$@"
        return
    fi
    AVS_PROFILE=${AVS_PROFILE-} __avs_avault avs avr
}

# avp: each profile and its role_arn.
avp() { AWS_CONFIG_FILE=${AWS_CONFIG_FILE-} __avs_avault avs avp; }

# ===== prompt segment ============================================================
# No process per prompt. PS1 gets a constant prefix of references to __avs_p1..p5, which
# bash expands (promptvars) without expanding their values again: a profile named
# $(rm -rf ~) is shown, never run. Without promptvars the text goes in, '\' escaped.

# __avs_prompt_compute: __avs_p1..p5 = colour, text, colour, countdown, reset (or all '').
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
    __avs_p1=$REPLY __avs_p2="aws:$AVS_PROFILE${AVS_ACCOUNT:+($AVS_ACCOUNT)}"
    # Control characters would garble the line: show '?'.
    __avs_p2=${__avs_p2//[[:cntrl:]]/?}
    __avs_left
    # A served profile needs no countdown.
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

# __avs_ps1 [FORMAT]: for PS1='...$(__avs_ps1 " (%s)")...', like __git_ps1 (a fork per prompt).
__avs_ps1() {
    local rc=$? REPLY text="${AVS_PROFILE-}"
    if [[ -n $text ]]; then
        __avs_left
        text=${text//[[:cntrl:]]/?}${REPLY:+ $REPLY}
        # shellcheck disable=SC2059 # the format is the caller's, like __git_ps1's
        printf -- "${1- (%s)}" "$text"
    fi
    return "$rc"
}

# shellcheck disable=SC2016 # the references are expanded by bash at each prompt
__avs_ps1_ref='\[${__avs_p1}\]${__avs_p2}\[${__avs_p3}\]${__avs_p4}\[${__avs_p5}\]'

# __avs_theme_shows_aws: starship draws the prompt (its aws module): step aside, unless AVS_PROMPT=1.
__avs_theme_shows_aws() {
    [[ ${STARSHIP_SHELL-} == bash ]] && declare -F starship_precmd >/dev/null
}

# PROMPT_COMMAND hook: our prefix at the start of PS1 (a rebuilt PS1 gets it back); keeps $?.
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

# __avs_reply_words CUR WORD...: COMPREPLY += the WORDs starting with CUR (compgen -W would
# expand $(...) in them, so it never sees a profile name).
__avs_reply_words() {
    local cur=$1 w
    shift
    for w in "$@"; do if [[ $w == "$cur"* ]]; then COMPREPLY+=("$w"); fi; done
}

# __avs_prof_load: __avs_prof_cache = the profile names sorted bytewise (for binary search),
# __avs_prof_quoted = them as TAB inserts them. avault reads them as zsh and fish do into a
# stamp per shell that takes the config's mtime; `-nt` tells when to ask it again.
__avs_prof_load() {
    local file=${AWS_CONFIG_FILE:-$HOME/.aws/config} stamp=$HOME/.cache/avault n=0
    if [[ ${XDG_CACHE_HOME-} == /* ]]; then stamp=$XDG_CACHE_HOME/avault; fi
    stamp+=/bash-complete.$$
    if [[ ! -r $file ]]; then
        __avs_prof_cache=() __avs_prof_quoted=() __avs_prof_file=''
    elif [[ $file != "${__avs_prof_file-}" || ! -O $stamp || $file -nt $stamp || $stamp -nt $file ]]; then
        __avs_prof_cache=() __avs_prof_quoted=() __avs_prof_file=$file
        # (No stamp when avault cannot write one: asked again at the next TAB.)
        AWS_CONFIG_FILE=$file __avs_avault avs profiles "$stamp" 2>/dev/null && [[ -O $stamp ]] || return 0
        { read -r n && mapfile -t -n "$n" __avs_prof_cache && mapfile -t __avs_prof_quoted; } <"$stamp"
    fi
    return 0
}

# __avs_reply_profiles PREFIX: COMPREPLY += the names starting with PREFIX, by two binary
# searches (a loop costs ~30 ms at 5,000), bytewise as sort did.
__avs_reply_profiles() {
    __avs_prof_load
    local LC_ALL=C lo=0 hi=${#__avs_prof_cache[@]} mid start
    while ((lo < hi)); do
        mid=$(((lo + hi) / 2))
        if [[ ${__avs_prof_cache[mid]} < $1 ]]; then lo=$((mid + 1)); else hi=$mid; fi
    done
    start=$lo hi=${#__avs_prof_cache[@]}
    while ((lo < hi)); do
        mid=$(((lo + hi) / 2))
        if [[ ${__avs_prof_cache[mid]} == "$1"* ]]; then lo=$((mid + 1)); else hi=$mid; fi
    done
    if ((lo > start)); then COMPREPLY+=("${__avs_prof_quoted[@]:start:lo-start}"); fi
    return 0
}

__avs_complete_avs() {
    local cur=${COMP_WORDS[COMP_CWORD]-} REPLY=''
    COMPREPLY=()
    if ((COMP_CWORD > 0)); then __avs_gen_avs_kind "${COMP_WORDS[COMP_CWORD - 1]-}"; fi
    if [[ $REPLY == value ]]; then return 0; fi
    if [[ $cur != -* ]]; then
        __avs_reply_profiles "$cur"
    elif [[ ${COMP_WORDS[0]-} == avs ]]; then
        # shellcheck disable=SC2086 # plain option words from the generated block
        __avs_reply_words "$cur" $__avs_gen_avs_flags
    fi
    return 0
}

# The subcommand is the first word neither an option nor its value; operands are counted.
__avs_complete_avault() {
    local cur=${COMP_WORDS[COMP_CWORD]-} prev='' cmd='' i word words REPLY
    local __avs_flags __avs_vflags __avs_pos __avs_pos_choices nargs=0
    COMPREPLY=()
    if ((COMP_CWORD > 0)); then prev=${COMP_WORDS[COMP_CWORD - 1]-}; fi
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

# __avs_complete_as WORD...: complete as `avault WORD...` (for the aliases).
__avs_complete_as() {
    COMP_WORDS=(avault "$@" "${COMP_WORDS[@]:1}")
    COMP_CWORD=$((COMP_CWORD + $#))
    __avs_complete_avault
}

# ===== setup =====================================================================

complete -F __avs_complete_avs avs avsh
complete -F __avs_complete_avault avault

# The prompt hook, in interactive shells, once: PROMPT_COMMAND is a string or (5.1+) an array.
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
