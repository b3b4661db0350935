# shellcheck shell=bash
# avault for bash: `avs PROFILE` switches this shell to short-lived AWS credentials,
# the prompt counts down to their expiry, and TAB completes profiles and flags.
#
# Load it at the END of ~/.bashrc:  eval "$(avault init bash)"
# (eval of a captured string, not `source <(...)`, which bash 3.2 on macOS mishandles.)
#
# Reads (all optional):
#   AVS_PROMPT             0 turns the prompt segment off (default: on)
#   AVS_PROMPT_CLASSES     'glob=colour ...', first match wins
#                          (default: '*prod*=red *stag*=yellow *=green')
#   AVS_PROMPT_WARN        seconds before expiry when the countdown warns (default: 600)
#   AVS_PROMPT_WARN_COLOR  colour of that warning (default: magenta)
#   AWS_CONFIG_FILE        profiles for completion and avp (default: ~/.aws/config)
#   AVS_PROFILE AVS_EXPIRES AVS_ACCOUNT AVS_REGION
#                          set by `avault export --format bash`; the prompt reads only these
#   AVS_PREVIOUS           the profile before the last switch, for `avs -`
#   PROMPT_COMMAND PS1     the segment hook is appended to the first, and prefixes the second
#
# Works under `set -euo pipefail` in the calling shell: every expansion has a default,
# and no function ends on a failing test. Arrays are expanded as ${a[@]+"${a[@]}"}
# because bash < 4.4 calls an empty "${a[@]}" unbound.

# ===== aliases that would shadow our functions ===================================

# zsh-aws-vault style `alias avs='aws-vault server'` (or any alias on our names) would
# win over the function. Remove it before the function is defined; say so for `avs`.
if alias avs >/dev/null 2>&1; then
    printf '%s\n' "avault: replaced the alias avs with the avs function (avs PROFILE switches profiles)" >&2
    unalias avs
fi
for __avs_name in av ave avl avll avsh avr avp; do
    if alias "$__avs_name" >/dev/null 2>&1; then
        unalias "$__avs_name"
    fi
done
unset __avs_name

# ===== generated data ==========================================================
# --- BEGIN GENERATED data: scripts/gen_completions.py writes this from avault.cli and avault.render ---
__avs_switch_vars=(AWS_VAULT AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_SESSION_EXPIRATION AWS_CREDENTIAL_FILE AWS_DEFAULT_PROFILE AWS_PROFILE AWS_SDK_LOAD_CONFIG AVS_PROFILE AVS_EXPIRES AVS_ACCOUNT AVS_REGION)
__avs_gen_commands='add list ls remove rm clear exec export init agent lock import migrate-backend'
__avs_gen_top_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain -v --version'
__avs_gen_top_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain '
# __avs_gen_spec CMD sets __avs_flags (its flags), __avs_vflags (those taking a value,
# space-padded for matching), __avs_pos (profile, command, choices or none) and
# __avs_pos_choices.
__avs_gen_spec() {
    case $1 in
    add)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --env --add-config --no-add-config'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain '
        __avs_pos=profile
        __avs_pos_choices=''
        ;;
    list | ls)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --profiles --sessions --credentials'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain '
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    remove | rm)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain -f --force'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain '
        __avs_pos=profile
        __avs_pos_choices=''
        ;;
    clear)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain '
        __avs_pos=profile
        __avs_pos_choices=''
        ;;
    exec)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain -d --duration -n --no-session --region -t --mfa-token --stdout'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain -d --duration --region -t --mfa-token '
        __avs_pos=profile_command
        __avs_pos_choices=''
        ;;
    export)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain -d --duration -n --no-session --region -t --mfa-token --stdout --format'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain -d --duration --region -t --mfa-token --format '
        __avs_pos=profile
        __avs_pos_choices=''
        ;;
    init)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain '
        __avs_pos=choices
        __avs_pos_choices='zsh bash fish'
        ;;
    agent)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --stop --foreground'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain '
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    lock)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain '
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    import)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --from-credentials-file --profile --remove-from-file'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --from-credentials-file --profile '
        __avs_pos=none
        __avs_pos_choices=''
        ;;
    migrate-backend)
        __avs_flags='-h --help --debug --backend --prompt --file-dir --secret-service-collection --keychain --from --to --profile --dry-run --overwrite --delete-source'
        __avs_vflags=' --backend --prompt --file-dir --secret-service-collection --keychain --from --to --profile '
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
    *' --backend') REPLY='file keyring secret-service' ;;
    'export --format') REPLY='env export-env json ini zsh bash fish' ;;
    'migrate-backend --from') REPLY='file keyring secret-service' ;;
    'migrate-backend --to') REPLY='file keyring secret-service' ;;
    *) REPLY='' ;;
    esac
}
# --- END GENERATED data ---

# ===== avs: switch profiles in place =========================================

avs() {
    __avs_main "$@"
}

__avs_usage() {
    printf '%s\n' \
        "usage: avs PROFILE [-d DURATION] [-t MFA_CODE] [-n] [--region REGION]" \
        "       avs -            switch back to the previous profile" \
        "       avs [-s]         show the profile, account and time left" \
        "       avs -u           remove the credentials from this shell"
}

__avs_main() {
    local profile='' arg
    local -a flags=()
    while (($#)); do
        arg=$1
        shift
        case $arg in
        -h | --help)
            __avs_usage
            return 0
            ;;
        -s | --status)
            __avs_status
            return
            ;;
        -u | --unset)
            __avs_unset
            return 0
            ;;
        -n | --no-session) flags+=("$arg") ;;
        -d | --duration | -t | --mfa-token | --region)
            if (($# == 0)); then
                printf '%s\n' "avs: $arg needs a value; see 'avs --help'" >&2
                return 2
            fi
            flags+=("$arg" "$1")
            shift
            ;;
        --duration=* | --mfa-token=* | --region=* | -d?* | -t?*) flags+=("$arg") ;;
        -)
            if [[ -z ${AVS_PREVIOUS-} ]]; then
                printf '%s\n' "avs: no previous profile to switch back to" >&2
                return 1
            fi
            profile=$AVS_PREVIOUS
            ;;
        --)
            if (($# != 1)); then
                printf '%s\n' "avs: give one profile after --" >&2
                return 2
            fi
            profile=$1
            shift
            ;;
        -*)
            printf '%s\n' "avs: unknown option '$arg'; see 'avs --help'" >&2
            return 2
            ;;
        *)
            if [[ -n $profile ]]; then
                printf '%s\n' "avs: one profile at a time; see 'avs --help'" >&2
                return 2
            fi
            profile=$arg
            ;;
        esac
    done
    if [[ -z $profile ]]; then
        if ((${#flags[@]})); then
            printf '%s\n' "avs: which profile? see 'avs --help'" >&2
            return 2
        fi
        __avs_status
        return
    fi
    __avs_switch "$profile" ${flags[@]+"${flags[@]}"}
}

# __avs_switch PROFILE [FLAGS...]: run the helper, and change this shell only if it
# succeeded. On any failure the previous profile's variables stay exactly as they were.
__avs_switch() {
    local profile=$1 prev=${AVS_PROFILE-} out rc old_int
    shift
    if ! type -P avault >/dev/null 2>&1; then
        printf '%s\n' "avault: not found on PATH; run ./install.sh or pip install avault" >&2
        return 127
    fi
    # stdout is only the code to eval; MFA prompts go to /dev/tty, errors to stderr.
    # `--` keeps a profile that starts with '-' from being read as a flag. The `if`
    # keeps a caller's `set -e` from exiting before we can return the status.
    if out=$(\command avault export --format bash "$@" -- "$profile"); then
        rc=0
    else
        rc=$?
    fi
    if ((rc != 0)); then
        return "$rc"
    fi
    # A Ctrl-C halfway through would leave a mix of two profiles, so ignore it while
    # applying (direnv does the same), then put back whatever INT trap the user had.
    old_int=$(trap -p INT)
    trap -- '' INT
    eval "$out"
    if [[ -n $old_int ]]; then
        eval "$old_int"
    else
        trap - INT
    fi
    if [[ -n $prev && $prev != "${AVS_PROFILE-}" ]]; then
        AVS_PREVIOUS=$prev
    fi
    return 0
}

# Remove everything a switch set: render.SWITCH_VARS, plus the region pair only when
# avs set it (AWS_REGION == AVS_REGION), never a region the user exported.
__avs_unset() {
    local prev=${AVS_PROFILE-}
    if [[ -n ${AVS_REGION-} ]]; then
        if [[ ${AWS_REGION-} == "$AVS_REGION" ]]; then unset AWS_REGION; fi
        if [[ ${AWS_DEFAULT_REGION-} == "$AVS_REGION" ]]; then unset AWS_DEFAULT_REGION; fi
    fi
    unset "${__avs_switch_vars[@]}"
    if [[ -n $prev ]]; then
        AVS_PREVIOUS=$prev
    fi
    return 0
}

# The clock without a fork: $EPOCHSECONDS (bash 5), else printf's %(%s)T (bash 4.2+).
# bash 3.2 (macOS) has neither: the prompt then shows the profile but no countdown.
if ((BASH_VERSINFO[0] > 4 || (BASH_VERSINFO[0] == 4 && BASH_VERSINFO[1] >= 2))); then
    __avs_clock=1
else
    __avs_clock=''
fi

# __avs_left: REPLY = time left ("7h59m", "47m", "30s", "expired", or "" when the
# expiry or the clock is unknown) and __avs_state = ok, warn, expired or unknown.
__avs_left() {
    REPLY=''
    __avs_state=unknown
    local exp=${AVS_EXPIRES-} now=${EPOCHSECONDS-} left
    if [[ -z $now && -n $__avs_clock ]]; then
        printf -v now '%(%s)T' -1
    fi
    case $exp$now in
    '' | *[!0-9]*) return 0 ;;
    *) ;;
    esac
    if [[ -z $exp || -z $now ]]; then
        return 0
    fi
    left=$((exp - now))
    if ((left <= 0)); then
        REPLY=expired
        __avs_state=expired
        return 0
    fi
    if ((left >= 3600)); then
        REPLY="$((left / 3600))h$((left % 3600 / 60))m"
    elif ((left >= 60)); then
        REPLY="$((left / 60))m"
    else
        REPLY="${left}s"
    fi
    if ((left <= ${AVS_PROMPT_WARN:-600})); then
        __avs_state=warn
    else
        __avs_state=ok
    fi
    return 0
}

__avs_status() {
    if [[ -z ${AVS_PROFILE-} ]]; then
        printf '%s\n' "avs: no profile active; switch with 'avs PROFILE'" >&2
        return 1
    fi
    local REPLY
    __avs_left
    printf 'profile  %s\n' "$AVS_PROFILE"
    if [[ -n ${AVS_ACCOUNT-} ]]; then printf 'account  %s\n' "$AVS_ACCOUNT"; fi
    if [[ -n ${AWS_REGION-} ]]; then printf 'region   %s\n' "$AWS_REGION"; fi
    case $__avs_state in
    expired) printf 'expires  expired at %s; run avr to refresh\n' "${AWS_CREDENTIAL_EXPIRATION-?}" ;;
    unknown) printf 'expires  %s\n' "${AWS_CREDENTIAL_EXPIRATION:-unknown}" ;;
    *) printf 'expires  in %s (%s)\n' "$REPLY" "${AWS_CREDENTIAL_EXPIRATION-}" ;;
    esac
    return 0
}

# ===== aliases (functions: bash expands aliases only in interactive shells) ========

av() { \command avault "$@"; }
ave() { \command avault exec "$@"; }
avl() { \command avault login "$@"; }
avll() { \command avault login -s "$@"; }

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
    __avs_switch "$AVS_PROFILE" "$@"
}

# The config parser shared by avp and completion: one awk, no Python, no CLI call per
# profile. MODE=names prints profile names starting with PREFIX (file order, no
# duplicates, no [sso-session]/[services]); MODE=roles prints "name<TAB>role_arn".
__avs_awk_config() {
    local file=${AWS_CONFIG_FILE:-$HOME/.aws/config}
    [[ -r $file ]] || return 0
    # The prefix travels in the environment: awk -v would process its backslashes.
    __avs_prefix=${2-} awk -v mode="$1" '
        { sub(/^[ \t]+/, "") }
        /^\[/ {
            name = ""
            if ($0 ~ /^\[[ \t]*profile[ \t]+/) {
                name = $0
                sub(/^\[[ \t]*profile[ \t]+/, "", name)
                # up to the LAST ], as the configparser of Python reads a header
                sub(/[ \t]*\][^\]]*$/, "", name)
            } else if ($0 ~ /^\[[ \t]*default[ \t]*\]/) {
                name = "default"
            }
            if (name != "" && !(name in seen)) {
                seen[name] = ++n
                names[n] = name
            }
            next
        }
        mode == "roles" && name != "" && /^role_arn[ \t]*=/ {
            v = $0
            sub(/^role_arn[ \t]*=[ \t]*/, "", v)
            sub(/[ \t]+$/, "", v)
            role[name] = v
        }
        END {
            p = ENVIRON["__avs_prefix"]
            for (i = 1; i <= n; i++) {
                if (mode == "roles") {
                    r = (names[i] in role) ? role[names[i]] : "-"
                    printf "%s\t%s\n", names[i], r
                } else if (substr(names[i], 1, length(p)) == p) {
                    print names[i]
                }
            }
        }
    ' "$file"
}

# avp: each profile and its role_arn, read from the config file.
avp() {
    local file=${AWS_CONFIG_FILE:-$HOME/.aws/config} line width=0 name
    local -a lines=()
    if [[ ! -r $file ]]; then
        printf '%s\n' "avp: cannot read $file" >&2
        return 1
    fi
    while IFS= read -r line; do
        lines+=("$line")
        name=${line%%$'\t'*}
        if ((${#name} > width)); then width=${#name}; fi
    done < <(__avs_awk_config roles)
    for line in ${lines[@]+"${lines[@]}"}; do
        printf '%-*s  %s\n' "$width" "${line%%$'\t'*}" "${line#*$'\t'}"
    done
    return 0
}

# ===== prompt segment ============================================================
# The hook reads only AVS_* variables and the fork-free clock: no process per prompt.
#
# PS1 gets a constant prefix that refers to variables the hook fills in:
#   \[${__avs_p1}\]${__avs_p2}\[${__avs_p3}\]${__avs_p4}\[${__avs_p5}\]
# With promptvars on (the default) bash expands those references when it draws the
# prompt and does not expand their values again, so a profile named $(rm -rf ~) is
# shown, never run. With promptvars off the text itself goes in, '\' escaped.

# __avs_colour NAME: REPLY = the ANSI escape for a colour name or 0-255 number.
__avs_colour() {
    case $1 in
    black) REPLY=$'\e[30m' ;;
    red) REPLY=$'\e[31m' ;;
    green) REPLY=$'\e[32m' ;;
    yellow) REPLY=$'\e[33m' ;;
    blue) REPLY=$'\e[34m' ;;
    magenta) REPLY=$'\e[35m' ;;
    cyan) REPLY=$'\e[36m' ;;
    white) REPLY=$'\e[37m' ;;
    *[!0-9]* | '') REPLY='' ;;
    *) REPLY=$'\e[38;5;'"$1m" ;;
    esac
}

# __avs_prompt_compute: fills __avs_p1..__avs_p5 (colour, text, colour, countdown,
# reset); all empty when no profile is active or AVS_PROMPT=0.
__avs_prompt_compute() {
    __avs_p1='' __avs_p2='' __avs_p3='' __avs_p4='' __avs_p5=''
    if [[ -z ${AVS_PROFILE-} || ${AVS_PROMPT:-1} == 0 ]]; then
        return 0
    fi
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
    # Layout: \[p1\]p2\[p3\]p4\[p5\]; p4 always ends with the space before the rest of PS1.
    case $__avs_state in
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

# PROMPT_COMMAND hook: keep our prefix at the start of PS1 (prompts that rebuild PS1
# each time, like starship's, get it back) and return the status it was called with,
# so $? in PS1 and later hooks still see the user's last command.
__avs_prompt_command() {
    local rc=$? prefix
    __avs_prompt_compute
    PS1=${PS1-}
    if [[ -n ${__avs_ps1_prefix-} && $PS1 == "$__avs_ps1_prefix"* ]]; then
        PS1=${PS1#"$__avs_ps1_prefix"}
    fi
    __avs_ps1_prefix=''
    if [[ ${AVS_PROMPT:-1} != 0 ]]; then
        if shopt -q promptvars; then
            prefix=$__avs_ps1_ref
        else
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

__avs_reply_profiles() {
    local line
    # mapfile (bash 4+) is several times faster than a read loop at thousands of names.
    if ((BASH_VERSINFO[0] >= 4)); then
        mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(__avs_awk_config names "$1")
        return 0
    fi
    while IFS= read -r line; do
        COMPREPLY+=("$line")
    done < <(__avs_awk_config names "$1")
    return 0
}

__avs_complete_avs() {
    local cur=${COMP_WORDS[COMP_CWORD]-} prev=''
    COMPREPLY=()
    if ((COMP_CWORD > 0)); then prev=${COMP_WORDS[COMP_CWORD - 1]-}; fi
    case $prev in
    -d | --duration | -t | --mfa-token | --region) return 0 ;;
    *) ;;
    esac
    if [[ $cur == -* ]]; then
        if [[ ${COMP_WORDS[0]-} == avs ]]; then
            __avs_reply_words "$cur" -d --duration -t --mfa-token -n --no-session --region \
                -s --status -u --unset -h --help
        fi
        return 0
    fi
    __avs_reply_profiles "$cur"
}

__avs_complete_avault() {
    local cur=${COMP_WORDS[COMP_CWORD]-} prev='' cmd='' i word REPLY
    local __avs_flags __avs_vflags __avs_pos __avs_pos_choices nargs=0 dashdash=0
    COMPREPLY=()
    if ((COMP_CWORD > 0)); then prev=${COMP_WORDS[COMP_CWORD - 1]-}; fi
    # The subcommand is the first word that is neither an option nor an option's value;
    # count the operands after it, and whether `--` (exec's command) was passed.
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${COMP_WORDS[i]-}
        if [[ $word == -- && -n $cmd ]]; then
            dashdash=1
            break
        elif [[ $word == -* ]]; then
            continue
        elif [[ $__avs_gen_top_vflags == *" ${COMP_WORDS[i - 1]-} "* ]]; then
            continue
        elif [[ -z $cmd ]]; then
            cmd=$word
            __avs_gen_spec "$cmd"
        elif [[ $__avs_vflags != *" ${COMP_WORDS[i - 1]-} "* ]]; then
            nargs=$((nargs + 1))
        fi
    done
    if ((dashdash)); then
        # A command for `avault exec PROFILE -- CMD`: complete command names.
        while IFS= read -r word; do COMPREPLY+=("$word"); done < <(compgen -c -- "$cur")
        return 0
    fi
    if [[ -z $cmd ]]; then
        if [[ $__avs_gen_top_vflags == *" $prev "* ]]; then
            __avs_gen_choices '*' "$prev"
            # shellcheck disable=SC2086 # choices are plain words from argparse
            __avs_reply_words "$cur" $REPLY
        elif [[ $cur == -* ]]; then
            # shellcheck disable=SC2086
            __avs_reply_words "$cur" $__avs_gen_top_flags
        else
            # shellcheck disable=SC2086
            __avs_reply_words "$cur" $__avs_gen_commands
        fi
        return 0
    fi
    if [[ $__avs_vflags == *" $prev "* ]]; then
        __avs_gen_choices "$cmd" "$prev"
        # shellcheck disable=SC2086
        __avs_reply_words "$cur" $REPLY
        return 0
    fi
    if [[ $cur == -* ]]; then
        # shellcheck disable=SC2086
        __avs_reply_words "$cur" $__avs_flags
        return 0
    fi
    if ((nargs > 0)); then
        return 0
    fi
    # shellcheck disable=SC2086 # choices are plain words from argparse
    case $__avs_pos in
    profile | profile_command) __avs_reply_profiles "$cur" ;;
    choices) __avs_reply_words "$cur" $__avs_pos_choices ;;
    *) ;;
    esac
    return 0
}

# ave, avl and avll complete as the avault subcommand they run.
__avs_complete_as() {
    local -a words=(avault "$@")
    local shift_by=$#
    COMP_WORDS=("${words[@]}" "${COMP_WORDS[@]:1}")
    COMP_CWORD=$((COMP_CWORD + shift_by))
    __avs_complete_avault
}
__avs_complete_ave() { __avs_complete_as exec; }
__avs_complete_avl() { __avs_complete_as login; }
__avs_complete_avll() { __avs_complete_as login -s; }

# ===== setup =====================================================================

complete -F __avs_complete_avs avs avsh
complete -F __avs_complete_avault avault av
complete -F __avs_complete_ave ave
complete -F __avs_complete_avl avl
complete -F __avs_complete_avll avll

# Prompt hook only in interactive shells, and only once: PROMPT_COMMAND may be a
# string (append after a newline, keeping the user's commands) or, in bash 5.1+, an
# array (append an element).
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

# To load this file: eval "$(avault init bash)"   (at the end of ~/.bashrc)
