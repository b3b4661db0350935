# avault for zsh (README.md: what it reads and sets). At the END of ~/.zshrc, after
# compinit: eval "$(avault init zsh)", or as a plugin (avault.plugin.zsh sources this).
# `emulate -L zsh` in every function keeps user options out; `\builtin`, `\command` aliases.

# EPOCHSECONDS lets the prompt read the clock without starting `date`.
\builtin zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null

# zsh-aws-vault's aliases (avs='aws-vault server', av, ave...) would beat our functions.
# `function NAME {` (not `NAME() {`) still parses if an alias survives the eval.
if (( ${+aliases[avs]} )); then
    \builtin print -ru2 -- "avault: replaced alias avs='${aliases[avs]}' with the avs function (avs PROFILE switches profiles; 'avault server' is still there)"
    \builtin unalias avs
    typeset -g __avs_alias_clash=1 # `avs --doctor` reports it
fi
() {
    \builtin emulate -L zsh
    \builtin unalias -m '(av|ave|avl|avll|avsh|avr|avp)' 2>/dev/null
    return 0
}

# --- BEGIN GENERATED data: scripts/gen_completions.py writes this from avault.cli and avault.render ---
typeset -ga __avs_switch_vars
__avs_switch_vars=(
    AWS_VAULT
    AWS_ACCESS_KEY_ID
    AWS_SECRET_ACCESS_KEY
    AWS_SESSION_TOKEN
    AWS_SECURITY_TOKEN
    AWS_CREDENTIAL_EXPIRATION
    AWS_SESSION_EXPIRATION
    AWS_CREDENTIAL_FILE
    AWS_DEFAULT_PROFILE
    AWS_PROFILE
    AWS_SDK_LOAD_CONFIG
    AVS_PROFILE
    AVS_EXPIRES
    AVS_ACCOUNT
    AVS_REGION
    AVS_ENDPOINT_URL
)
typeset -ga __avs_gen_commands
__avs_gen_commands=(
    'add:add credentials to the vault'
    'list:list profiles, credentials and sessions'
    'remove:remove credentials from the vault'
    'clear:clear temporary credentials from the vault'
    'exec:run a command with AWS credentials in its environment'
    'export:print AWS credentials, or shell code that switches to them'
    'login:open the AWS console signed in as a profile'
    'logout:forget a profile'\''s cached sessions'
    'rotate:replace a profile'\''s access key with a new one'
    'init:print the shell integration (avs, prompt, completion)'
    'pick:choose a profile in a menu; print its name'
    'agent:keep the file vault'\''s passphrase in memory (like ssh-agent)'
    'lock:make the agent forget the passphrase'
    'import:move plaintext keys from ~/.aws/credentials into the vault'
    'migrate-backend:copy long-term credentials to another backend'
    'sso:IAM Identity Center: list accounts and roles'
    'doctor:check the setup; one line per problem, with its fix'
    'version:print the avault version'
)
typeset -gA __avs_gen_alias
__avs_gen_alias=(ls list rm remove)
# Runs of option specs several commands share, each written once.
typeset -ga __avs_gen_opts_all
__avs_gen_opts_all=(
    '(- :)-h[show this help message and exit]'
    '(- :)--help[show this help message and exit]'
    '--debug[show debug output on stderr (never secrets)]'
    '--backend=[secret backend, one of those available here\: file/keyring/secret-service/pass/keychain \[$AWS_VAULT_BACKEND\]]:backend:(file keyring secret-service pass keychain)'
    '--prompt=[MFA prompt driver\: terminal, ykman, zenity, kdialog, osascript \[$AWS_VAULT_PROMPT\]]:prompt: '
    '--file-dir=[file backend directory \[$AWS_VAULT_FILE_DIR\]]:file-dir: '
    '--secret-service-collection=[Secret Service collection \[$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME\]]:secret-service-collection: '
    '--keychain=[macOS keychain name; only login, the default keychain \[$AWS_VAULT_KEYCHAIN_NAME\]]:keychain: '
    '--pass-dir=[pass password store directory \[$AWS_VAULT_PASS_PASSWORD_STORE_DIR\]]:pass-dir: '
    '--pass-cmd=[the pass command \[$AWS_VAULT_PASS_CMD\]]:pass-cmd: '
    '--pass-prefix=[prefix of avault'\''s pass entries \[$AWS_VAULT_PASS_PREFIX\]]:pass-prefix: '
)
typeset -ga __avs_gen_opts_exec_export
__avs_gen_opts_exec_export=(
    '(-d --duration)-d+[duration of the temporary or assumed-role session, e.g. 1h, 90m \[$AWS_VAULT_DURATION\]]:duration: '
    '(-d --duration)--duration=[duration of the temporary or assumed-role session, e.g. 1h, 90m \[$AWS_VAULT_DURATION\]]:duration: '
    '(-n --no-session)-n[skip GetSessionToken]'
    '(-n --no-session)--no-session[skip GetSessionToken]'
    '--region=[the AWS region]:region: '
    '(-t --mfa-token)-t+[the MFA token to use]:mfa-token: '
    '(-t --mfa-token)--mfa-token=[the MFA token to use]:mfa-token: '
    '--stdout[print the SSO link instead of opening it \[$AWS_VAULT_STDOUT\]]'
)
typeset -ga __avs_gen_top
__avs_gen_top=(
    "${__avs_gen_opts_all[@]}"
    '(- :)-v[show program'\''s version number and exit]'
    '(- :)--version[show program'\''s version number and exit]'
)
typeset -ga __avs_gen_args_add
__avs_gen_args_add=(
    "${__avs_gen_opts_all[@]}"
    '--env[read the keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY]'
    '(--add-config --no-add-config)--add-config[add a profile to ~/.aws/config if one does not exist (default\: on)]'
    '(--add-config --no-add-config)--no-add-config[add a profile to ~/.aws/config if one does not exist (default\: on)]'
    :profile:__avs_complete_profiles
)
typeset -ga __avs_gen_args_list
__avs_gen_args_list=(
    "${__avs_gen_opts_all[@]}"
    '--profiles[show only the profile names]'
    '--sessions[show only the session names]'
    '--credentials[show only the stored credential names]'
)
typeset -ga __avs_gen_args_remove
__avs_gen_args_remove=(
    "${__avs_gen_opts_all[@]}"
    '(-f --force)-f[do not ask for confirmation]'
    '(-f --force)--force[do not ask for confirmation]'
    :profile:__avs_complete_profiles
)
typeset -ga __avs_gen_args_clear
__avs_gen_args_clear=(
    "${__avs_gen_opts_all[@]}"
    ::profile:__avs_complete_profiles
)
typeset -ga __avs_gen_args_exec
__avs_gen_args_exec=(
    "${__avs_gen_opts_all[@]}"
    "${__avs_gen_opts_exec_export[@]}"
    '--profile-env[give the command AWS_PROFILE instead of keys, once they were fetched \[$AWS_VAULT_PROFILE_ENV\]]'
    '(-s --server --ecs-server)-s[serve credentials to the command through a local ECS endpoint instead of env keys]'
    '(-s --server --ecs-server)--server[serve credentials to the command through a local ECS endpoint instead of env keys]'
    '(-s --server --ecs-server)--ecs-server[serve credentials to the command through a local ECS endpoint instead of env keys]'
    '--lazy[with --ecs-server, fetch credentials on first use]'
    '--ecs-server-address=[with --ecs-server\: listen on this address, e.g. for containers (default 127.0.0.1) \[$AVAULT_ECS_SERVER_ADDRESS\]]:ip: '
    '--background[with --ecs-server\: detach the server and print shell code exporting its address (avs --server)]'
    '--format=[with --background\: the shell to print code for]:format:(zsh bash fish)'
    '--watch-pid=[with --background\: stop the server when this process exits (default\: the parent)]:pid: '
    :profile:__avs_complete_profiles
    '*::command:_normal'
)
typeset -ga __avs_gen_args_export
__avs_gen_args_export=(
    "${__avs_gen_opts_all[@]}"
    "${__avs_gen_opts_exec_export[@]}"
    '--format=[env, export-env, json (credential_process), ini, or zsh/bash/fish (an in-place switch)]:format:(env export-env json ini zsh bash fish)'
    ::profile:__avs_complete_profiles
)
typeset -ga __avs_gen_args_login
__avs_gen_args_login=(
    "${__avs_gen_opts_all[@]}"
    '(-d --duration)-d+[duration of the console session, e.g. 1h \[$AWS_VAULT_DURATION\]]:duration: '
    '(-d --duration)--duration=[duration of the console session, e.g. 1h \[$AWS_VAULT_DURATION\]]:duration: '
    '(-n --no-session)-n[skip GetSessionToken for every profile]'
    '(-n --no-session)--no-session[skip GetSessionToken for every profile]'
    '(-t --mfa-token)-t+[the MFA token to use]:mfa-token: '
    '(-t --mfa-token)--mfa-token=[the MFA token to use]:mfa-token: '
    '--region=[the console region]:region: '
    '--path=[console path (e.g. s3/home), used when a region is set]:path: '
    '(-s --stdout)-s[print the login URL instead of opening it \[$AWS_VAULT_STDOUT\]]'
    '(-s --stdout)--stdout[print the login URL instead of opening it \[$AWS_VAULT_STDOUT\]]'
    '(-a --auto-logout)-a[log out of any console session first \[$AWS_VAULT_AUTO_LOGOUT\]]'
    '(-a --auto-logout)--auto-logout[log out of any console session first \[$AWS_VAULT_AUTO_LOGOUT\]]'
    '--browser-profile=[open a separate browser profile NAME, so accounts sit side by side \[$AVS_LOGIN_ISOLATED=1\]]:name: '
    ::profile:__avs_complete_profiles
)
typeset -ga __avs_gen_args_logout
__avs_gen_args_logout=(
    "${__avs_gen_opts_all[@]}"
    '--sso[also forget the SSO token]'
    '--revoke[also revoke every active session of the profile'\''s role (affects all its users)]'
    '(-f --force)-f[with --revoke\: do not ask for confirmation]'
    '(-f --force)--force[with --revoke\: do not ask for confirmation]'
    '--format=[print shell code that clears this shell (avs --logout)]:format:(zsh bash fish)'
    ::profile:__avs_complete_profiles
)
typeset -ga __avs_gen_args_rotate
__avs_gen_args_rotate=(
    "${__avs_gen_opts_all[@]}"
    '(-n --no-session)-n[use the stored keys, not a session]'
    '(-n --no-session)--no-session[use the stored keys, not a session]'
    ::profile:__avs_complete_profiles
)
typeset -ga __avs_gen_args_init
__avs_gen_args_init=(
    "${__avs_gen_opts_all[@]}"
    '::init choice:(zsh bash fish direnv)'
)
typeset -ga __avs_gen_args_pick
__avs_gen_args_pick=(
    "${__avs_gen_opts_all[@]}"
    '--picker=[the menu to use \[$AVS_PICKER; default\: fzf if installed\]]:picker:(fzf builtin)'
)
typeset -ga __avs_gen_args_agent
__avs_gen_args_agent=(
    "${__avs_gen_opts_all[@]}"
    '--stop[stop the running agent]'
    '--foreground[run in this process instead of detaching]'
)
typeset -ga __avs_gen_args_lock
__avs_gen_args_lock=(
    "${__avs_gen_opts_all[@]}"
)
typeset -ga __avs_gen_args_import
__avs_gen_args_import=(
    "${__avs_gen_opts_all[@]}"
    '--from-credentials-file=[the credentials file \[$AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials\]]:path: '
    '--profile=[import only these profiles (default\: every profile with long-term keys)]:p: '
    '--remove-from-file[then remove the imported keys from the file (a 0600 backup is kept)]'
)
typeset -ga __avs_gen_args_migrate_backend
__avs_gen_args_migrate_backend=(
    "${__avs_gen_opts_all[@]}"
    '--from=[source backend]:from-backend:(file keyring secret-service pass keychain)'
    '--to=[destination backend]:to-backend:(file keyring secret-service pass keychain)'
    '--profile=[migrate only this profile]:profile: '
    '--dry-run[show what would be migrated, change nothing]'
    '--overwrite[replace credentials already in the destination]'
    '--delete-source[delete each credential from the source once verified]'
)
typeset -ga __avs_gen_args_sso
__avs_gen_args_sso=(
    "${__avs_gen_opts_all[@]}"
    ':sso choice:(accounts)'
)
typeset -ga __avs_gen_args_doctor
__avs_gen_args_doctor=(
    "${__avs_gen_opts_all[@]}"
)
typeset -ga __avs_gen_args_version
__avs_gen_args_version=(
    "${__avs_gen_opts_all[@]}"
)
# __avs_gen_avs_kind ARG: REPLY = what the avs option ARG is (avault.commands.avs.kind).
function __avs_gen_avs_kind {
    \builtin emulate -L zsh
    case $1 in
        (-h|--help) REPLY=help ;;
        (-s|--status) REPLY=status ;;
        (-u|--unset) REPLY=unset ;;
        (--doctor) REPLY=doctor ;;
        (-d|--duration) REPLY=value ;;
        (-t|--mfa-token) REPLY=value ;;
        (-n|--no-session) REPLY=flag ;;
        (--region) REPLY=value ;;
        (--server) REPLY=server ;;
        (--logout) REPLY=logout ;;
        (-d?*|--duration=*|-t?*|--mfa-token=*|--region=*) REPLY=flag ;;
        (*) REPLY='' ;;
    esac
}
typeset -ga __avs_gen_avs_specs
__avs_gen_avs_specs=(
    '(- :)-h[show help]'
    '(- :)--help[show help]'
    '(- :)-s[show the profile, account and time left]'
    '(- :)--status[show the profile, account and time left]'
    '(- :)-u[remove the credentials from this shell]'
    '(- :)--unset[remove the credentials from this shell]'
    '(- :)--doctor[check the setup, this shell included]'
    '(-d --duration)-d+[session duration, e.g. 1h]:duration: '
    '(-d --duration)--duration=[session duration, e.g. 1h]:duration: '
    '(-t --mfa-token)-t+[MFA code]:MFA code: '
    '(-t --mfa-token)--mfa-token=[MFA code]:MFA code: '
    '(-n --no-session)-n[skip GetSessionToken]'
    '(-n --no-session)--no-session[skip GetSessionToken]'
    '--region=[AWS region]:region: '
    '(--logout)--server[serve the credentials from a local ECS endpoint]'
    '(--server -d --duration -t --mfa-token -n --no-session --region)--logout[forget the cached sessions of a profile]'
    1:profile:__avs_complete_profiles
)
# The aliases (avault.commands.avs.ALIASES), as functions: they survive `unalias`,
# expand_aliases and eval. __avs_gen_alias_words: what each completes as.
function av { \command avault "$@"; }
function ave { \command avault exec "$@"; }
function avl { \command avault login "$@"; }
function avll { \command avault login -s "$@"; }
typeset -gA __avs_gen_alias_words
__avs_gen_alias_words=(av avault ave 'avault exec' avl 'avault login' avll 'avault login -s')
# The variables an agent switch request carries, and never (avault.agentsock).
__avs_gen_agent_env='(AWS_*|AVS_*|AVAULT_*|XDG_*|YKMAN_*|HOME|PATH|TMPDIR|LANG|LC_ALL|LC_CTYPE|SHELL|BROWSER|DISPLAY|WAYLAND_DISPLAY|DBUS_SESSION_BUS_ADDRESS|PYTHON_KEYRING_BACKEND|PASSWORD_STORE_DIR|HTTPS_PROXY|HTTP_PROXY|NO_PROXY|https_proxy|http_proxy|no_proxy|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE)'
__avs_gen_agent_secret='(AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_SECURITY_TOKEN|AWS_CONTAINER_AUTHORIZATION_TOKEN)'
# --- END GENERATED data ---

# ===== avs: switch profiles in place =========================================

function avs {
    __avs_main "$@"
}

# __avs_check ARGS...: avault prints avs's usage or what it could not use (help and errors only).
__avs_check() {
    \builtin emulate -L zsh
    __avs_need || return
    AVS_PREVIOUS=${AVS_PREVIOUS-} AVS_PROFILE=${AVS_PROFILE-} \command avault avs check -- "$@"
}

# __avs_need: fails with a message when avault is not on PATH.
__avs_need() {
    \builtin whence -p avault >/dev/null 2>&1 && return 0
    \builtin print -ru2 -- "avault: not found on PATH; run ./install.sh or pip install avault"
    return 127
}

# `avs --doctor`: the shell tells avault which pieces are loaded.
__avs_doctor() {
    \builtin emulate -L zsh
    local -a pieces
    __avs_need || return
    pieces=(zsh)
    if (( ${+functions[avs]} )) && ! (( ${+aliases[avs]} )); then pieces+=(avs); fi
    if (( ${precmd_functions[(Ie)__avs_precmd]} )); then pieces+=(prompt); fi
    if [[ ${(t)_comps} == association* && ${_comps[avault]-} == __avs_complete ]]; then
        pieces+=(completion)
    fi
    AVS_DOCTOR="$pieces" \command avault doctor --shell zsh ${__avs_alias_clash:+--alias-clash}
}

__avs_main() {
    \builtin emulate -L zsh
    local profile='' arg mode=export REPLY
    local -a flags all
    all=("$@")
    while (( $# )); do
        arg=$1
        shift
        case $arg in
            (-)
                [[ -n ${AVS_PREVIOUS-} ]] || { __avs_check "${all[@]}"; return; }
                profile=$AVS_PREVIOUS ;;
            (--)
                (( $# == 1 )) || { __avs_check "${all[@]}"; return; }
                profile=$1
                shift ;;
            (-*)
                __avs_gen_avs_kind $arg
                case $REPLY in
                    (status) __avs_status; return ;;
                    (unset) __avs_unset; return 0 ;;
                    (doctor) __avs_doctor; return ;;
                    (server|logout) mode=$REPLY ;;
                    (flag) flags+=($arg) ;;
                    (value)
                        (( $# )) || { __avs_check "${all[@]}"; return; }
                        flags+=($arg $1)
                        shift ;;
                    (*) __avs_check "${all[@]}"; return ;; # --help, or not an avs option
                esac ;;
            (*)
                [[ -z $profile ]] || { __avs_check "${all[@]}"; return; }
                profile=$arg ;;
        esac
    done
    if [[ $mode == logout ]]; then
        (( ! ${#flags} )) || { __avs_check "${all[@]}"; return; }
        __avs_apply logout "$profile"
        return
    fi
    if [[ -z $profile ]]; then
        # The picker needs a person at a terminal; scripts and $(avs) get the status.
        if [[ ${AVS_PICKER-} != none && -o interactive && -t 0 && -t 1 ]]; then
            __avs_pick || return
            profile=$REPLY
        elif (( ${#flags} )) || [[ $mode == server ]]; then
            __avs_check "${all[@]}"
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
    if [[ $mode == export ]] && (( ! ${#flags} )) && __avs_still_fresh "$profile"; then
        return 0
    fi
    __avs_apply $mode "$profile" "${flags[@]}"
}

# __avs_still_fresh PROFILE: this shell holds PROFILE's keys for over AWS_MIN_TTL (5m): no process.
__avs_still_fresh() {
    \builtin emulate -L zsh
    [[ $1 == "${AVS_PROFILE-}" && $1 == "${AWS_VAULT-}" && -n ${AWS_ACCESS_KEY_ID-} ]] || return 1
    [[ -z ${AVS_SERVER_PID-} && ${AVS_EXPIRES-} == <-> && -n ${EPOCHSECONDS-} ]] || return 1
    local ttl=${AWS_MIN_TTL:-5m} secs
    case $ttl in
        (<->s) secs=${ttl%s} ;;
        (<->m) secs=$(( ${ttl%m} * 60 )) ;;
        (<->h) secs=$(( ${ttl%h} * 3600 )) ;;
        (*) return 1 ;; # a Go duration we do not parse here: let the helper decide
    esac
    (( AVS_EXPIRES - EPOCHSECONDS > secs ))
}

# __avs_pick: REPLY = the profile chosen in `avault pick` (Esc or Ctrl-C: 130, no change).
__avs_pick() {
    \builtin emulate -L zsh
    REPLY=''
    __avs_need || return
    REPLY=$(\command avault pick) || return
    [[ -n $REPLY ]]
}

# __avs_agent_switch PROFILE [FLAGS...]: REPLY = `avault export --format zsh`'s code from a
# running agent, with no process: zsh/net/socket to its unix socket (it checks our uid).
# Status 1 when it cannot (no agent, locked, MFA...): then avault runs (avault.agentsock).
__avs_agent_switch() {
    \builtin emulate -L zsh
    REPLY=''
    [[ ${AVAULT_AGENT-} != 0 && -z ${AWS_VAULT_FILE_PASSPHRASE+set} && -z ${AVAULT_FILE_PASSPHRASE_COMMAND+set} ]] || return 1
    local dir=${TMPDIR:-/tmp}/avault-$UID
    if [[ ${XDG_RUNTIME_DIR-} == /* ]]; then dir=$XDG_RUNTIME_DIR/avault; fi
    [[ -O $dir && -S $dir/agent.sock && -O $dir/agent.sock ]] || return 1
    \builtin zmodload zsh/net/socket zsh/system 2>/dev/null || return 1
    zsocket $dir/agent.sock 2>/dev/null || return 1
    local fd=$REPLY req=AVS1$'\0'$'\0' name arg buf='' chunk
    local -i rc
    local -a fields
    for name in ${${(M)${(k)parameters[(R)*export*]}:#${~__avs_gen_agent_env}}:#${~__avs_gen_agent_secret}}; do
        req+=e$name=${(P)name}$'\0'
    done
    for arg in --format zsh "${@:2}" -- "$1"; do
        req+=a$arg$'\0'
    done
    \builtin print -rnu $fd -- "$req."$'\0' 2>/dev/null
    while :; do
        sysread -i $fd -t 5 -s 65536 chunk
        rc=$?
        (( rc == 0 )) || break
        buf+=$chunk
    done
    exec {fd}>&-
    (( rc == 5 )) || return 1 # 5: the agent answered and closed; else a time-out or an error
    fields=("${(@0)buf}")
    [[ ${fields[1]-} == ok && ${#fields} -ge 3 ]] || return 1
    if [[ -n ${fields[2]} ]]; then \builtin print -rnu2 -- "${fields[2]}"; fi
    REPLY=${fields[3]}
}

# __avs_apply MODE PROFILE [FLAGS...]: get the code (export: keys in this shell; server: a
# background ECS server; logout: forget the sessions); only on success change this shell.
__avs_apply() {
    \builtin emulate -L zsh
    local mode=$1 profile=$2 prev=${AVS_PROFILE-} out rc
    shift 2
    __avs_need || return
    # stdout is only code (MFA prompts go to /dev/tty); the server stops when $$ exits.
    case $mode in
        (server) out=$(\command avault exec --ecs-server --background --format zsh --watch-pid $$ "$@" "$profile") ;;
        (logout) out=$(\command avault logout --format zsh ${profile:+--} ${profile:+"$profile"}) ;;
        (*)
            if __avs_agent_switch "$profile" "$@"; then
                out=$REPLY # a running agent answered, and no process was started
            else
                out=$(\command avault export --format zsh "$@" -- "$profile")
            fi
            ;;
    esac
    rc=$?
    (( rc == 0 )) || return rc
    # Ignore Ctrl-C while applying, as direnv does; local_traps restores the user's trap.
    \builtin setopt local_traps
    \builtin trap -- '' INT
    if [[ $mode == logout ]]; then
        # logout's code clears the shell after our unset (it knows what a switch set).
        if [[ -n $out ]]; then __avs_unset; \builtin eval "$out"; fi
        return 0
    fi
    # A server this shell started belongs to the profile being replaced.
    if [[ -n ${AVS_SERVER_PID-} ]]; then __avs_server_stop; fi
    \builtin eval "$out"
    if [[ -n ${AVS_SERVER_PID-} ]]; then
        \builtin autoload -Uz add-zsh-hook
        add-zsh-hook zshexit __avs_server_stop
    fi
    if [[ -n $prev && $prev != "${AVS_PROFILE-}" ]]; then typeset -g AVS_PREVIOUS=$prev; fi
    return 0
}

# __avs_server_stop: stop the server `avs --server` started (also on exit) and drop its variables.
__avs_server_stop() {
    \builtin emulate -L zsh
    if [[ ${AVS_SERVER_PID-} == <-> ]]; then \builtin kill -- $AVS_SERVER_PID 2>/dev/null; fi
    \builtin unset AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN AVS_SERVER_PID
    return 0
}

# `avs -u`: render.SWITCH_VARS, and the region and endpoint only when avs set them.
__avs_unset() {
    \builtin emulate -L zsh
    local prev=${AVS_PROFILE-}
    if [[ -n ${AVS_REGION-} ]]; then
        if [[ ${AWS_REGION-} == "$AVS_REGION" ]]; then \builtin unset AWS_REGION; fi
        if [[ ${AWS_DEFAULT_REGION-} == "$AVS_REGION" ]]; then \builtin unset AWS_DEFAULT_REGION; fi
    fi
    if [[ -n ${AVS_ENDPOINT_URL-} && ${AWS_ENDPOINT_URL-} == "$AVS_ENDPOINT_URL" ]]; then \builtin unset AWS_ENDPOINT_URL; fi
    if [[ -n ${AVS_SERVER_PID-} ]]; then __avs_server_stop; fi
    \builtin unset -- $__avs_switch_vars
    if [[ -n $prev ]]; then typeset -g AVS_PREVIOUS=$prev; fi
    return 0
}

# __avs_left: REPLY = 7h59m, 47m, 30s, expired or ''; __avs_state = ok, warn, expired, unknown.
__avs_left() {
    \builtin emulate -L zsh
    REPLY=''
    typeset -g __avs_state=unknown
    local exp=${AVS_EXPIRES-} now=${EPOCHSECONDS-}
    [[ $exp == <-> && $now == <-> ]] || return 0
    local left=$(( exp - now ))
    if (( left <= 0 )); then
        REPLY=expired __avs_state=expired
        return 0
    fi
    if (( left >= 3600 )); then
        REPLY="$(( left / 3600 ))h$(( left % 3600 / 60 ))m"
    elif (( left >= 60 )); then
        REPLY="$(( left / 60 ))m"
    else
        REPLY="${left}s"
    fi
    __avs_state=ok
    if (( left <= ${AVS_PROMPT_WARN:-600} )); then __avs_state=warn; fi
    return 0
}

# __avs_status: `avs -s`, written by avault from this shell's AVS_* variables.
__avs_status() {
    \builtin emulate -L zsh
    __avs_need || return
    AVS_PROFILE=${AVS_PROFILE-} AVS_ACCOUNT=${AVS_ACCOUNT-} AWS_REGION=${AWS_REGION-} \
        AVS_SERVER_PID=${AVS_SERVER_PID-} AVS_EXPIRES=${AVS_EXPIRES-} \command avault avs status
}

# ===== aliases (av, ave, avl, avll are generated) =================================

function avsh {
    \command avault exec "$@" -- "${SHELL:-zsh}"
}

# avr: refresh the current profile in place; avault says why when there is nothing to.
function avr {
    if [[ -n ${AVS_PROFILE-} && -z ${AVS_SERVER_PID-} ]]; then
        __avs_apply export "$AVS_PROFILE" "$@"
        return
    fi
    __avs_need || return
    AVS_PROFILE=${AVS_PROFILE-} \command avault avs avr
}

# avp: each profile and its role_arn.
function avp {
    __avs_need || return
    AWS_CONFIG_FILE=${AWS_CONFIG_FILE-} \command avault avs avp
}

# ===== prompt segment ============================================================

# __avs_prompt_compute: REPLY = the segment as a prompt string ('%' escaped), or ''; no process.
__avs_prompt_compute() {
    \builtin emulate -L zsh
    REPLY=''
    [[ -n ${AVS_PROFILE-} ]] || return 0
    local color=green text i
    local -a classes
    classes=('*prod*' red '*stag*' yellow '*' green)
    if (( ${+AVS_PROMPT_CLASSES} )); then classes=("${AVS_PROMPT_CLASSES[@]}"); fi
    for (( i = 1; i < ${#classes}; i += 2 )); do
        if [[ $AVS_PROFILE == ${~classes[i]} ]]; then
            color=${classes[i+1]}
            break
        fi
    done
    # The name is shown, never run: control characters become '?', '%' is doubled. (With
    # prompt_subst the prompt refers to ${__avs_seg}, whose value is not re-expanded.)
    text=aws:${AVS_PROFILE//[[:cntrl:]]/?}
    if [[ -n ${AVS_ACCOUNT-} ]]; then text+="(${AVS_ACCOUNT//[[:cntrl:]]/?})"; fi
    text=${text//\%/%%}
    __avs_left
    local left=$REPLY
    # A served profile needs no countdown.
    if [[ -n ${AVS_SERVER_PID-} ]]; then __avs_state=server; fi
    case $__avs_state in
        (server) left=" ${${AVS_PROMPT_SERVER-⇄}//\%/%%}" ;;
        (ok) left=" $left" ;;
        (warn) left=" %B%F{${AVS_PROMPT_WARN_COLOR:-magenta}}!$left%b" ;;
        (expired) left=" %B%F{red}expired%b" ;;
        (*) left='' ;;
    esac
    REPLY="%F{$color}$text$left%f"
}

# For themes: `avs_prompt_info` prints the segment (a fork in $(...)); `prompt_avs` is an
# agnoster/p10k segment.
avs_prompt_info() {
    \builtin emulate -L zsh
    local REPLY
    __avs_prompt_compute
    \builtin print -rn -- "$REPLY"
}

prompt_avs() {
    \builtin emulate -L zsh
    [[ -n ${AVS_PROFILE-} ]] || return 0
    local REPLY
    __avs_prompt_compute
    if (( ${+functions[p10k]} )); then
        p10k segment -t "$REPLY"
    elif (( ${+functions[prompt_segment]} )); then
        prompt_segment black default "$REPLY"
    else
        \builtin print -rn -- "$REPLY"
    fi
}

# __avs_theme_shows_aws: the prompt shows the profile already (starship, p10k's aws or avs,
# spaceship's aws, oh-my-zsh's aws_prompt_info): step aside, unless AVS_PROMPT=1.
__avs_theme_shows_aws() {
    \builtin emulate -L zsh
    if [[ ${STARSHIP_SHELL-} == zsh ]] && (( ${+functions[prompt_starship_precmd]} )); then return 0; fi
    local -a els
    els=(${POWERLEVEL9K_LEFT_PROMPT_ELEMENTS-} ${POWERLEVEL9K_RIGHT_PROMPT_ELEMENTS-})
    if (( ${+functions[p10k]} && (${els[(I)aws]} || ${els[(I)avs]}) )); then return 0; fi
    if (( ${+functions[spaceship_aws]} )) && [[ ${SPACESHIP_AWS_SHOW-} != false ]] \
        && (( ${SPACESHIP_PROMPT_ORDER[(I)aws]} || ${SPACESHIP_RPROMPT_ORDER[(I)aws]} )); then
        return 0
    fi
    if [[ ${PROMPT-}${RPROMPT-} == *aws_prompt_info* ]] && (( ${+functions[aws_prompt_info]} )); then
        # That plugin shows AWS_PROFILE, which a switch unsets: let it show AWS_VAULT.
        if [[ $functions[aws_prompt_info] != *__avs_omz_aws_prompt_info* ]]; then
            functions[__avs_omz_aws_prompt_info]=$functions[aws_prompt_info]
            functions[aws_prompt_info]='local AWS_PROFILE=${AWS_PROFILE:-${AWS_VAULT-}}; __avs_omz_aws_prompt_info "$@"'
        fi
        return 0
    fi
    return 1
}

# precmd hook: the segment at the start of RPROMPT: ${__avs_seg} with prompt_subst, else the
# escaped text; what we added last time goes first (rewritten RPROMPTs, AVS_PROMPT=0...).
__avs_precmd() {
    local __avs_rc=$? __avs_subst=0
    [[ -o prompt_subst ]] && __avs_subst=1
    \builtin emulate -L zsh
    local REPLY prefix rest=${RPROMPT-}
    rest=${rest#"${__avs_rprompt_prefix-}"}
    typeset -g __avs_seg='' __avs_rprompt_prefix=''
    if [[ ${AVS_PROMPT-} == 1 ]] || { [[ ${AVS_PROMPT-} != 0 ]] && ! __avs_theme_shows_aws; }; then
        __avs_prompt_compute
        if [[ -n $REPLY ]]; then __avs_seg="$REPLY${rest:+ }"; fi
        __avs_rprompt_prefix=$__avs_seg
        if (( __avs_subst )); then __avs_rprompt_prefix='${__avs_seg}'; fi
    fi
    typeset -g RPROMPT="$__avs_rprompt_prefix$rest"
    # Run after hooks added later (themes that set RPROMPT in their own precmd).
    if [[ ${precmd_functions[-1]-} != __avs_precmd ]]; then
        precmd_functions=(${precmd_functions:#__avs_precmd} __avs_precmd)
    fi
    return __avs_rc
}

# ===== completion ================================================================

# __avs_profiles: reply = the config's profile names, once each, in file order, parsed by
# zsh itself (no fork) and cached until the mtime changes.
__avs_profiles() {
    \builtin emulate -L zsh -o extended_glob
    reply=()
    local file=${AWS_CONFIG_FILE:-$HOME/.aws/config}
    local -a mtime lines names
    [[ -r $file ]] || return 0
    if \builtin zmodload -F zsh/stat b:zstat 2>/dev/null \
        && zstat -A mtime +mtime -- $file 2>/dev/null \
        && [[ $file == "${__avs_prof_file-}" && $mtime[1] == "${__avs_prof_mtime-}" ]]; then
        reply=("${__avs_prof_cache[@]}")
        return 0
    fi
    lines=("${(@f)$(<$file)}")
    lines=("${(@)lines##[[:space:]]##}")
    names=(${(M)lines:#\[[[:space:]]#profile[[:space:]]##*\]*})
    names=(${names##\[[[:space:]]#profile[[:space:]]##})
    # Up to the LAST ']', as Python's configparser reads a section header.
    names=(${${names%\]*}%%[[:space:]]#})
    if (( ${lines[(I)\[[[:space:]]#default[[:space:]]#\]*]} )); then names=(default $names); fi
    reply=(${(u)names})
    typeset -g __avs_prof_file=$file __avs_prof_mtime=${mtime[1]-}
    typeset -ga __avs_prof_cache
    __avs_prof_cache=("${reply[@]}")
    return 0
}

__avs_complete_profiles() {
    local -a reply
    __avs_profiles
    _wanted profiles expl 'AWS profile' compadd -a reply
}

__avs_complete_avault() {
    local curcontext=$curcontext state state_descr line cmd ret=1
    typeset -A opt_args
    _arguments -C -s : "${__avs_gen_top[@]}" '1: :->command' '*:: :->args' && ret=0
    case $state in
        (command)
            _describe -t commands 'avault command' __avs_gen_commands && ret=0 ;;
        (args)
            cmd=${__avs_gen_alias[${words[1]}]:-${words[1]}}
            # The generated spec for this command is the array __avs_gen_args_<cmd>.
            local spec_name=__avs_gen_args_${cmd//-/_}
            (( ${+parameters[$spec_name]} )) || return 1
            curcontext=${curcontext%:*:*}:avault-$cmd:
            _arguments -s -S : "${(@P)spec_name}" && ret=0 ;;
    esac
    return ret
}

# One entry point for every command we complete; an alias completes as what it runs.
__avs_complete() {
    case $service in
        (avs) _arguments -s : "${__avs_gen_avs_specs[@]}" ;;
        (avsh) _arguments -s : '1:profile:__avs_complete_profiles' ;;
        (*)
            local -a pre
            pre=(${=__avs_gen_alias_words[$service]-avault})
            words=($pre "${(@)words[2,-1]}")
            (( CURRENT += ${#pre} - 1 ))
            __avs_complete_avault ;;
    esac
}

# ===== setup =====================================================================

# compdef exists once compinit ran; before, the plugin's _avault on fpath does the same.
if (( ${+functions[compdef]} )); then
    compdef __avs_complete avault av avs avsh ave avl avll
fi

# Prompt hook only in interactive shells; add-zsh-hook does not add a hook twice.
if [[ -o interactive ]]; then
    \builtin autoload -Uz add-zsh-hook
    add-zsh-hook precmd __avs_precmd
fi
