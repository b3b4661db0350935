function avs --description 'switch AWS credentials in this shell (avault)'
    set -l profile
    set -l flags
    set -l mode export
    set -l all $argv
    while set -q argv[1]
        set -l arg $argv[1]
        set -e argv[1]
        set -l kind profile
        switch $arg
            case -
                set kind previous
                test -n "$AVS_PREVIOUS"; or set kind ''
            case --
                set kind dashdash
                test (count $argv) -eq 1; or set kind ''
            case '-*'
                set kind (__avs_gen_avs_kind $arg)
            case '*'
                set -q profile[1]; and set kind ''
        end
        test "$kind" = value; and not set -q argv[1]; and set kind ''
        switch "$kind"
            case status doctor
                __avs_$kind
                return $status
            case unset
                __avs_unset
                return 0
            case server logout
                set mode $kind
            case flag
                set -a flags $arg
            case value
                set -a flags $arg $argv[1]
                set -e argv[1]
            case previous
                set profile $AVS_PREVIOUS
            case dashdash
                set profile $argv[1]
                set -e argv[1]
            case profile
                set profile $arg
            case '*' # --help, or what avs cannot use
                __avs_check $all
                return $status
        end
    end
    if test $mode = logout
        if set -q flags[1]
            __avs_check $all
            return $status
        end
        __avs_apply logout "$profile"
        return $status
    end
    if not set -q profile[1]
        # The picker needs a person at a terminal; scripts and (avs) get the status.
        if test "$AVS_PICKER" != none; and status is-interactive; and isatty stdin; and isatty stdout
            set profile (__avs_pick)
            or return $status
        else if set -q flags[1]; or test $mode = server
            __avs_check $all
            return $status
        else
            __avs_status
            return $status
        end
    end
    # exec reads everything after `--` as the command, so a served profile goes bare.
    if test $mode = server; and string match -q -- '-*' $profile
        __avs_check --server -- $profile
        return $status
    end
    if test $mode = export; and not set -q flags[1]; and __avs_still_fresh $profile
        return 0
    end
    __avs_apply $mode $profile $flags
end

# __avs_check ARGS...: avault parses avs's command line as we do and prints the usage or
# the one-line message for what we could not use, with the status to return. Only the
# error and help paths get here: a switch starts no extra process.
function __avs_check
    __avs_need; or return
    AVS_PREVIOUS="$AVS_PREVIOUS" AVS_PROFILE="$AVS_PROFILE" command avault avs check -- $argv
end

# __avs_still_fresh PROFILE: true when this shell already holds PROFILE's keys with more
# than AWS_MIN_TTL (default 5m) left, so re-running `avs PROFILE` starts no helper (just
# one `date`: fish has no clock), even for a role aws-vault would not cache. Not for `avr`.
function __avs_still_fresh
    test "$argv[1]" = "$AVS_PROFILE"; and test "$argv[1]" = "$AWS_VAULT"; or return 1
    test -n "$AWS_ACCESS_KEY_ID"; and test -z "$AVS_SERVER_PID"; or return 1
    string match -qr '^[0-9]+$' -- "$AVS_EXPIRES"; or return 1
    set -l ttl 5m
    set -q AWS_MIN_TTL[1]; and test -n "$AWS_MIN_TTL"; and set ttl $AWS_MIN_TTL
    set -l parts (string match -r '^([0-9]+)([smh])$' -- $ttl); or return 1
    set -l secs (math "$parts[2] * "(string replace -r s 1 -- (string replace -r m 60 -- (string replace -r h 3600 -- $parts[3]))))
    test (math $AVS_EXPIRES - (command date +%s)) -gt $secs
end

# Only the shell knows which pieces of its integration are loaded: it checks each and
# tells `avault doctor` in AVS_DOCTOR (that process only).
function __avs_doctor
    __avs_need; or return
    set -l pieces fish
    functions -q avs; and set -a pieces avs
    functions -q __avs_orig_right_prompt; and set -a pieces prompt
    complete -c avault | string length -q; and set -a pieces completion
    AVS_DOCTOR="$pieces" command avault doctor --shell fish
end

# __avs_pick: print the profile chosen in `avault pick` (fzf or its own menu, drawn on
# /dev/tty). Esc or Ctrl-C there returns 130 and changes nothing.
function __avs_pick
    __avs_need; or return
    set -l out (command avault pick)
    or return $status
    test -n "$out[1]"; or return 1
    printf '%s\n' $out[1]
end

# __avs_apply MODE PROFILE [FLAGS...]: run the helper (MODE export: keys in this shell;
# server: a background ECS credential server; logout: forget the cached sessions), and
# change this shell only if it succeeded: on failure its variables stay exactly as they were.
function __avs_apply
    set -l mode $argv[1]
    set -l profile $argv[2]
    set -l prev "$AVS_PROFILE"
    __avs_need; or return
    # stdout is only the code to source; MFA prompts go to /dev/tty, errors to stderr.
    # Command substitution splits the output into lines; printf puts the newlines back.
    set -l out
    if test $mode = server
        # The server stops by itself when this shell ($fish_pid) exits.
        set out (command avault exec --ecs-server --background --format fish --watch-pid $fish_pid $argv[3..-1] $profile)
    else if test $mode = logout; and test -n "$profile"
        set out (command avault logout --format fish -- $profile)
    else if test $mode = logout
        set out (command avault logout --format fish)
    else
        # `--` keeps a profile that starts with '-' from being read as a flag.
        set out (__avs_agent_switch $argv[3..-1] -- $profile)
        or set out (command avault export --format fish $argv[3..-1] -- $profile)
    end
    or return $status
    if test $mode = logout
        # When this shell holds the profile, the helper prints code that clears it. Our
        # own unset first: it knows which region/endpoint a switch set, and stops the server.
        if set -q out[1]
            __avs_unset
            printf '%s\n' $out | source
        end
        return 0
    end
    # A server this shell started belongs to the profile being replaced.
    set -q AVS_SERVER_PID[1]; and __avs_server_stop
    printf '%s\n' $out | source
    if test -n "$prev"; and test "$prev" != "$AVS_PROFILE"
        set -g AVS_PREVIOUS $prev
    end
    return 0
end

# Remove everything a switch set: render.SWITCH_VARS, plus the region pair and the
# endpoint only when avs set them (AWS_REGION == AVS_REGION, AWS_ENDPOINT_URL ==
# AVS_ENDPOINT_URL), never ones the user exported; and stop a credential server.
function __avs_unset
    set -l prev "$AVS_PROFILE"
    # (Unset AWS_* compare as '', which a non-empty AVS_* never equals.)
    if test -n "$AVS_REGION"
        test "$AWS_REGION" = "$AVS_REGION"; and set -e AWS_REGION
        test "$AWS_DEFAULT_REGION" = "$AVS_REGION"; and set -e AWS_DEFAULT_REGION
    end
    test -n "$AVS_ENDPOINT_URL"; and test "$AWS_ENDPOINT_URL" = "$AVS_ENDPOINT_URL"; and set -e AWS_ENDPOINT_URL
    set -q AVS_SERVER_PID[1]; and __avs_server_stop
    # --- BEGIN GENERATED switch-vars: scripts/gen_completions.py writes this from avault.render ---
    set -l vars AWS_VAULT AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_SESSION_EXPIRATION AWS_CREDENTIAL_FILE AWS_DEFAULT_PROFILE AWS_PROFILE AWS_SDK_LOAD_CONFIG AVS_PROFILE AVS_EXPIRES AVS_ACCOUNT AVS_REGION AVS_ENDPOINT_URL
    # --- END GENERATED switch-vars ---
    set -e $vars
    test -n "$prev"; and set -g AVS_PREVIOUS $prev
    return 0
end

# __avs_status: `avs -s`, written by avault from this shell's AVS_* variables.
function __avs_status
    __avs_need; or return
    AVS_PROFILE="$AVS_PROFILE" AVS_ACCOUNT="$AVS_ACCOUNT" AWS_REGION="$AWS_REGION" \
        AVS_SERVER_PID="$AVS_SERVER_PID" AVS_EXPIRES="$AVS_EXPIRES" command avault avs status
end
