# avault for fish: `avs PROFILE` switches this shell to short-lived AWS credentials,
# the right prompt counts down to their expiry, and TAB completes profiles and flags.

# Load it from ~/.config/fish/config.fish:  avault init fish | source
# or install this directory with fisher (fisher install <path or repo>).

# The variables it reads (AVS_PROMPT*, AVS_PICKER, AWS_CONFIG_FILE...) and the AVS_* ones
# a switch sets are listed in README.md, "Environment variables" and "Prompt segment".

# The fisher layout is the one fish source: fish autoloads functions/NAME.fish on first
# use; `avault init fish` prints this file, functions/*.fish, completions/avault.fish.

# fish 3.4 added `string match --groups-only`, used to read the config file.
set -l __avs_version (string split . -- $version)
if test $__avs_version[1] -lt 3; or test $__avs_version[1] -eq 3 -a $__avs_version[2] -lt 4
    echo "avault: the fish integration needs fish 3.4 or newer (this is $version)" >&2
    return 1
end

# --- BEGIN GENERATED aliases: scripts/gen_completions.py writes this from avault.commands.avs ---
# The aliases (avault.commands.avs.ALIASES); --wraps gives each the completions of
# what it runs.
function av --wraps avault --description 'run avault'
    command avault $argv
end
function ave --wraps 'avault exec' --description 'avault exec'
    command avault exec $argv
end
function avl --wraps 'avault login' --description 'avault login'
    command avault login $argv
end
function avll --wraps 'avault login -s' --description 'avault login -s'
    command avault login -s $argv
end
# --- END GENERATED aliases ---

# avsh PROFILE [FLAGS]: a subshell with the credentials, gone on `exit`.
function avsh --description 'a subshell with AWS credentials (avault exec)'
    set -l shell fish
    set -q SHELL[1]; and set shell $SHELL
    command avault exec $argv -- $shell
end

# avr: refresh the current profile in place; avault says why when there is nothing to.
# (`functions -q avs` autoloads avs.fish, where __avs_apply lives.)
function avr --description 'refresh the current AWS profile (avs)'
    if test -n "$AVS_PROFILE"; and test -z "$AVS_SERVER_PID"; and functions -q avs
        __avs_apply export $AVS_PROFILE $argv
        return
    end
    command avault avs avr
end

# Completion for avs and avsh (avault's own is in completions/avault.fish).
complete -c avs -f
complete -c avs -n '__avs_complete_profile_wanted; and __avs_prof_refresh' -a '$__avs_prof_cache'
# --- BEGIN GENERATED avs-completions: scripts/gen_completions.py writes this from avault.commands.avs ---
complete -c avs -s h -l help -d 'show help'
complete -c avs -s s -l status -d 'show the profile, account and time left'
complete -c avs -s u -l unset -d 'remove the credentials from this shell'
complete -c avs -l doctor -d 'check the setup, this shell included'
complete -c avs -s d -l duration -x -d 'session duration, e.g. 1h'
complete -c avs -s t -l mfa-token -x -d 'MFA code'
complete -c avs -s n -l no-session -d 'skip GetSessionToken'
complete -c avs -l region -x -d 'AWS region'
complete -c avs -l server -d 'serve the credentials from a local ECS endpoint'
complete -c avs -l logout -d 'forget the cached sessions of a profile'
# --- END GENERATED avs-completions ---
complete -c avsh -f -n '__avs_complete_profile_wanted; and __avs_prof_refresh' -a '$__avs_prof_cache'

# __avs_server_stop: stop the server `avs --server` started and drop its variables; also
# on exit (the server would notice within a second). fish has no builtin kill: one process.
function __avs_server_stop
    if string match -qr '^[0-9]+$' -- "$AVS_SERVER_PID"
        command kill -- $AVS_SERVER_PID 2>/dev/null
    end
    set -e AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN AVS_SERVER_PID
    return 0
end
function __avs_on_exit --on-event fish_exit
    set -q AVS_SERVER_PID[1]; and __avs_server_stop
end

# The prompt: wrap fish_right_prompt once (sourcing twice must not wrap the wrapper).
# Themes that want the segment elsewhere call avs_prompt themselves.
if status is-interactive; and not functions -q __avs_orig_right_prompt
    if functions -q fish_right_prompt
        functions -c fish_right_prompt __avs_orig_right_prompt
    else
        function __avs_orig_right_prompt
        end
    end
    function fish_right_prompt
        # Keep $status for the original prompt, which may show it.
        set -l last_status $status
        # Steps aside when the theme shows AWS itself, unless AVS_PROMPT=1.
        if test "$AVS_PROMPT" = 1; or not __avs_theme_shows_aws
            avs_prompt
        end
        __avs_return $last_status
        __avs_orig_right_prompt
    end
end
