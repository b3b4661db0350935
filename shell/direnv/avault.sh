# shellcheck shell=bash
# avault for direnv: `use avault PROFILE [FLAGS]` in an .envrc gives that directory
# PROFILE's AWS session; direnv takes it away again when you leave the directory.
#
# Install: avault init direnv > ~/.config/direnv/lib/avault.sh   (install.sh does it)
#
# The session comes from `avault export --format bash`: the cached one while it is
# fresh (no STS call, no boto3), else a new one, asking for MFA on /dev/tty. FLAGS are
# export's (-d 1h, --region eu-west-1, -n...). On failure nothing is exported and
# direnv shows the one-line error.
use_avault() {
    local profile=${1-} __avs_code
    if [[ -z $profile ]]; then
        log_error "use avault: name a profile, e.g. 'use avault dev'"
        return 1
    fi
    shift
    if ! __avs_code=$(\command avault export --format bash "$@" -- "$profile"); then
        log_error "use avault: no session for '$profile' (see the error above)"
        return 1
    fi
    \builtin eval "$__avs_code"
}
