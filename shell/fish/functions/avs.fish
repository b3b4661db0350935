# Generated from shell/fish/avs.fish by scripts/gen_completions.py; edit that file and rerun.
function avs --description 'switch AWS credentials in this shell (avault)'
    set -l profile
    set -l flags
    while set -q argv[1]
        set -l arg $argv[1]
        set -e argv[1]
        switch $arg
            case -h --help
                __avs_usage
                return 0
            case -s --status
                __avs_status
                return $status
            case -u --unset
                __avs_unset
                return 0
            case -n --no-session
                set -a flags $arg
            case -d --duration -t --mfa-token --region
                if not set -q argv[1]
                    echo "avs: $arg needs a value; see 'avs --help'" >&2
                    return 2
                end
                set -a flags $arg $argv[1]
                set -e argv[1]
            case '--duration=*' '--mfa-token=*' '--region=*' '-d?*' '-t?*'
                set -a flags $arg
            case -
                if not set -q AVS_PREVIOUS[1]; or test -z "$AVS_PREVIOUS"
                    echo "avs: no previous profile to switch back to" >&2
                    return 1
                end
                set profile $AVS_PREVIOUS
            case --
                if test (count $argv) -ne 1
                    echo "avs: give one profile after --" >&2
                    return 2
                end
                set profile $argv[1]
                set -e argv[1]
            case '-*'
                echo "avs: unknown option '$arg'; see 'avs --help'" >&2
                return 2
            case '*'
                if set -q profile[1]
                    echo "avs: one profile at a time; see 'avs --help'" >&2
                    return 2
                end
                set profile $arg
        end
    end
    if not set -q profile[1]
        if set -q flags[1]
            echo "avs: which profile? see 'avs --help'" >&2
            return 2
        end
        __avs_status
        return $status
    end
    __avs_switch $profile $flags
end

function __avs_usage
    printf '%s\n' \
        "usage: avs PROFILE [-d DURATION] [-t MFA_CODE] [-n] [--region REGION]" \
        "       avs -            switch back to the previous profile" \
        "       avs [-s]         show the profile, account and time left" \
        "       avs -u           remove the credentials from this shell"
end

# __avs_switch PROFILE [FLAGS...]: run the helper, and change this shell only if it
# succeeded. On any failure the previous profile's variables stay exactly as they were.
function __avs_switch
    set -l profile $argv[1]
    set -l prev
    set -q AVS_PROFILE[1]; and set prev $AVS_PROFILE
    if not command -q avault
        echo "avault: not found on PATH; run ./install.sh or pip install avault" >&2
        return 127
    end
    # stdout is only the code to source; MFA prompts go to /dev/tty, errors to stderr.
    # `--` keeps a profile that starts with '-' from being read as a flag. Command
    # substitution splits the output into lines; printf puts the newlines back.
    set -l out (command avault export --format fish $argv[2..-1] -- $profile)
    set -l rc $status
    if test $rc -ne 0
        return $rc
    end
    printf '%s\n' $out | source
    if test -n "$prev"; and test "$prev" != "$AVS_PROFILE"
        set -g AVS_PREVIOUS $prev
    end
    return 0
end

# Remove everything a switch set: render.SWITCH_VARS, plus the region pair only when
# avs set it (AWS_REGION == AVS_REGION), never a region the user exported.
function __avs_unset
    set -l prev
    set -q AVS_PROFILE[1]; and set prev $AVS_PROFILE
    if set -q AVS_REGION[1]; and test -n "$AVS_REGION"
        if set -q AWS_REGION[1]; and test "$AWS_REGION" = "$AVS_REGION"
            set -e AWS_REGION
        end
        if set -q AWS_DEFAULT_REGION[1]; and test "$AWS_DEFAULT_REGION" = "$AVS_REGION"
            set -e AWS_DEFAULT_REGION
        end
    end
    # --- BEGIN GENERATED switch-vars: scripts/gen_completions.py writes this from avault.render ---
    set -l vars AWS_VAULT AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_SESSION_EXPIRATION AWS_CREDENTIAL_FILE AWS_DEFAULT_PROFILE AWS_PROFILE AWS_SDK_LOAD_CONFIG AVS_PROFILE AVS_EXPIRES AVS_ACCOUNT AVS_REGION
    # --- END GENERATED switch-vars ---
    for var in $vars
        set -e $var
    end
    if test -n "$prev"
        set -g AVS_PREVIOUS $prev
    end
    return 0
end

function __avs_status
    if not set -q AVS_PROFILE[1]; or test -z "$AVS_PROFILE"
        echo "avs: no profile active; switch with 'avs PROFILE'" >&2
        return 1
    end
    set -l left (__avs_left)
    printf 'profile  %s\n' $AVS_PROFILE
    set -q AVS_ACCOUNT[1]; and printf 'account  %s\n' $AVS_ACCOUNT
    set -q AWS_REGION[1]; and printf 'region   %s\n' $AWS_REGION
    set -l expiration unknown
    set -q AWS_CREDENTIAL_EXPIRATION[1]; and set expiration $AWS_CREDENTIAL_EXPIRATION
    switch "$left[1]"
        case expired
            printf 'expires  expired at %s; run avr to refresh\n' $expiration
        case unknown
            printf 'expires  %s\n' $expiration
        case '*'
            printf 'expires  in %s (%s)\n' $left[2] $expiration
    end
    return 0
end
