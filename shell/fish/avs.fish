# avault for fish: `avs PROFILE` switches this shell to short-lived AWS credentials,
# the right prompt counts down to their expiry, and TAB completes profiles and flags.
#
# Load it from ~/.config/fish/config.fish:  avault init fish | source
# or install the fisher layout next to this file (fisher install <path or repo>).
#
# Reads (all optional):
#   AVS_PROMPT             0 turns the prompt segment off, 1 forces it on (default: on,
#                          unless the theme shows AWS: starship, bobthefish)
#   AVS_PROMPT_CLASSES     glob/colour pairs, first match wins
#                          (default: '*prod*' red '*stag*' yellow '*' green)
#   AVS_PROMPT_WARN        seconds before expiry when the countdown warns (default: 600)
#   AVS_PROMPT_WARN_COLOR  colour of that warning (default: magenta)
#   AWS_CONFIG_FILE        profiles for completion and avp (default: ~/.aws/config)
#   AVS_PROFILE AVS_EXPIRES AVS_ACCOUNT AVS_REGION
#                          set by `avault export --format fish`
#   AVS_PREVIOUS           the profile before the last switch, for `avs -`
#   AVS_ENDPOINT_URL       set with AWS_ENDPOINT_URL by a switch; `avs -u` and the next
#                          switch remove AWS_ENDPOINT_URL only while the two are equal
#   AVS_SERVER_PID         the credential server `avs --server` started (stopped by
#                          `avs -u`, the next switch, and on fish_exit)
#   AVS_PICKER             fzf, builtin or none: the menu `avs` with no argument opens
#                          (default: fzf when installed; none prints the status instead)
#   AVS_PROMPT_SERVER      the prompt's mark for a served profile (default: ⇄)
#   XDG_STATE_HOME         avault/recent there lists the profiles used, for the picker
#
# This file is the one fish source. Each `# ==> PATH` line below starts the part that
# scripts/gen_completions.py copies to PATH in the fisher layout (functions/NAME.fish is
# autoloaded on first use, conf.d/ runs at start-up); a test checks they are in sync.

# ==> conf.d/avault.fish
# fish 3.4 added `string match --groups-only`, used to read the config file.
if test (string split . -- $version)[1] -lt 3
    or begin
        test (string split . -- $version)[1] -eq 3
        and test (string split . -- $version)[2] -lt 4
    end
    echo "avault: the fish integration needs fish 3.4 or newer (this is $version)" >&2
    return 1
end

# Aliases as functions; --wraps gives each the completions of what it runs.
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

# avsh PROFILE [FLAGS]: a subshell with the credentials, gone on `exit`.
function avsh --description 'a subshell with AWS credentials (avault exec)'
    set -l shell fish
    set -q SHELL[1]; and set shell $SHELL
    command avault exec $argv -- $shell
end

# avr: refresh the current profile in place (cached unless within AWS_MIN_TTL).
function avr --description 'refresh the current AWS profile (avs)'
    if not set -q AVS_PROFILE[1]; or test -z "$AVS_PROFILE"
        echo "avr: no profile active; switch with 'avs PROFILE'" >&2
        return 1
    end
    if set -q AVS_SERVER_PID[1]; and test -n "$AVS_SERVER_PID"
        echo "avr: the credential server refreshes $AVS_PROFILE by itself" >&2
        return 0
    end
    # `functions -q` autoloads avs.fish (fisher layout), where __avs_apply lives; avr
    # calls it directly so a fresh session is refreshed, not kept (see __avs_still_fresh).
    functions -q avs; and __avs_apply export $AVS_PROFILE $argv
end

# Completion for avs and avsh (avault's own is in completions/avault.fish).
complete -c avs -f
complete -c avs -n '__avs_complete_profile_wanted; and __avs_prof_refresh' -a '$__avs_prof_cache'
complete -c avs -s d -l duration -x -d 'session duration, e.g. 1h'
complete -c avs -s t -l mfa-token -x -d 'MFA code'
complete -c avs -s n -l no-session -d 'skip GetSessionToken'
complete -c avs -l region -x -d 'AWS region'
complete -c avs -s s -l status -d 'show the profile, account and time left'
complete -c avs -s u -l unset -d 'remove the credentials from this shell'
complete -c avs -s h -l help -d 'show help'
complete -c avs -l server -d 'serve the credentials from a local ECS endpoint'
complete -c avs -l doctor -d 'check the setup, this shell included'
complete -c avs -l logout -d 'forget the cached sessions of a profile'
complete -c avsh -f -n '__avs_complete_profile_wanted; and __avs_prof_refresh' -a '$__avs_prof_cache'

# __avs_server_stop: stop the credential server `avs --server` started, and drop its
# variables; also on exit (the server notices the shell is gone by itself within a
# second; this makes it immediate). fish has no builtin kill: one process, only then.
function __avs_server_stop
    if string match -qr '^[0-9]+$' -- "$AVS_SERVER_PID"
        command kill -- $AVS_SERVER_PID 2>/dev/null
    end
    set -e AWS_CONTAINER_CREDENTIALS_FULL_URI
    set -e AWS_CONTAINER_AUTHORIZATION_TOKEN
    set -e AVS_SERVER_PID
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

# ==> functions/__avs_return.fish
function __avs_return --description 'return the given status (to restore $status)'
    return $argv[1]
end

# ==> functions/avs.fish
function avs --description 'switch AWS credentials in this shell (avault)'
    set -l profile
    set -l flags
    set -l mode export
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
            case --doctor
                __avs_doctor
                return $status
            case --server
                set mode server
            case --logout
                set mode logout
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
    if test $mode = logout
        if set -q flags[1]
            echo "avs: --logout takes only a profile; see 'avs --help'" >&2
            return 2
        end
        __avs_logout $profile
        return $status
    end
    if not set -q profile[1]
        # The picker needs a person at a terminal; scripts and (avs) get the status.
        if test "$AVS_PICKER" != none; and status is-interactive; and isatty stdin; and isatty stdout
            set profile (__avs_pick)
            or return $status
        else if set -q flags[1]; or test $mode = server
            echo "avs: which profile? see 'avs --help'" >&2
            return 2
        else
            __avs_status
            return $status
        end
    end
    if test $mode = export; and not set -q flags[1]; and __avs_still_fresh $profile
        return 0
    end
    __avs_apply $mode $profile $flags
end

# __avs_still_fresh PROFILE: true when this shell already holds PROFILE's keys with more
# than AWS_MIN_TTL (default 5m) left, so re-running `avs PROFILE` starts no helper (one
# `date`, fish has no clock of its own), even for a role aws-vault would not cache.
# `avr` always asks the helper.
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

function __avs_usage
    printf '%s\n' \
        "usage: avs PROFILE [-d DURATION] [-t MFA_CODE] [-n] [--region REGION]" \
        "       avs              pick a profile from a menu (interactive shells; else as -s)" \
        "       avs -            switch back to the previous profile" \
        "       avs -s           show the profile, account and time left" \
        "       avs -u           remove the credentials from this shell (and stop its server)" \
        "       avs --server [PROFILE]   serve the credentials from a local ECS endpoint instead" \
        "       avs --logout [PROFILE]   forget the profile's cached sessions (and clear this shell)" \
        "       avs --doctor     check the setup, this shell's integration included"
end

# Only the shell knows that its integration is loaded, so it tells `avault doctor`.
function __avs_doctor
    if not command -q avault
        echo "avault: not found on PATH; run ./install.sh or pip install avault" >&2
        return 127
    end
    # Each piece checked here, told to `avault doctor` in AVS_DOCTOR (that process only).
    set -l pieces fish
    functions -q avs; and set -a pieces avs
    functions -q __avs_orig_right_prompt; and set -a pieces prompt
    complete -c avault | string length -q; and set -a pieces completion
    AVS_DOCTOR="$pieces" command avault doctor --shell fish
end

# __avs_pick: print the profile chosen in `avault pick` (fzf or its own menu, drawn on
# /dev/tty). Esc or Ctrl-C there returns 130 and changes nothing.
function __avs_pick
    if not command -q avault
        echo "avault: not found on PATH; run ./install.sh or pip install avault" >&2
        return 127
    end
    set -l out (command avault pick)
    or return $status
    test -n "$out[1]"; or return 1
    printf '%s\n' $out[1]
end

# __avs_switch PROFILE [FLAGS...]: an in-place switch.
function __avs_switch
    __avs_apply export $argv
end

# __avs_apply MODE PROFILE [FLAGS...]: run the helper (MODE export: keys in this shell;
# server: a background ECS credential server), and change this shell only if it
# succeeded. On any failure the previous profile's variables stay exactly as they were.
function __avs_apply
    set -l mode $argv[1]
    set -l profile $argv[2]
    set -l prev
    set -q AVS_PROFILE[1]; and set prev $AVS_PROFILE
    if not command -q avault
        echo "avault: not found on PATH; run ./install.sh or pip install avault" >&2
        return 127
    end
    # stdout is only the code to source; MFA prompts go to /dev/tty, errors to stderr.
    # Command substitution splits the output into lines; printf puts the newlines back.
    set -l out
    if test $mode = server
        # exec reads everything after `--` as the command, so the profile goes bare.
        if string match -q -- '-*' $profile
            echo "avs: --server cannot take a profile starting with '-'" >&2
            return 2
        end
        # The server stops by itself when this shell ($fish_pid) exits.
        set out (command avault exec --ecs-server --background --format fish --watch-pid $fish_pid $argv[3..-1] $profile)
    else
        # `--` keeps a profile that starts with '-' from being read as a flag.
        set out (command avault export --format fish $argv[3..-1] -- $profile)
    end
    set -l rc $status
    if test $rc -ne 0
        return $rc
    end
    # A server this shell started belongs to the profile being replaced.
    set -q AVS_SERVER_PID[1]; and __avs_server_stop
    printf '%s\n' $out | source
    if test -n "$prev"; and test "$prev" != "$AVS_PROFILE"
        set -g AVS_PREVIOUS $prev
    end
    __avs_recent_add "$AVS_PROFILE"
    return 0
end

# __avs_recent_add PROFILE: note the use for the picker's "most recent first" order.
# One builtin append per switch; the processes to create the 0600 file run once.
function __avs_recent_add
    test -n "$argv[1]"; or return 0
    set -l dir ~/.local/state/avault
    string match -q '/*' -- "$XDG_STATE_HOME"; and set dir $XDG_STATE_HOME/avault
    if not test -e $dir/recent
        begin
            set -l old (umask)
            umask 077
            command mkdir -p -- $dir; and true >>$dir/recent
            umask $old
        end 2>/dev/null
        or return 0
    end
    begin
        printf '%s\n' $argv[1] >>$dir/recent
    end 2>/dev/null
    return 0
end

# __avs_logout [PROFILE]: `avault logout` deletes the cached sessions; when this shell
# holds that profile the helper prints code that clears it.
function __avs_logout
    if not command -q avault
        echo "avault: not found on PATH; run ./install.sh or pip install avault" >&2
        return 127
    end
    set -l out
    if test -n "$argv[1]"
        set out (command avault logout --format fish -- $argv[1])
    else
        set out (command avault logout --format fish)
    end
    set -l rc $status
    if test $rc -ne 0
        return $rc
    end
    if set -q out[1]
        # Our own unset first: it knows which region/endpoint a switch set and stops
        # the server; then whatever else the helper asks for.
        __avs_unset
        printf '%s\n' $out | source
    end
    return 0
end

# Remove everything a switch set: render.SWITCH_VARS, plus the region pair and the
# endpoint only when avs set them (AWS_REGION == AVS_REGION, AWS_ENDPOINT_URL ==
# AVS_ENDPOINT_URL), never ones the user exported; and stop a credential server.
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
    if set -q AVS_ENDPOINT_URL[1]; and test -n "$AVS_ENDPOINT_URL"
        and set -q AWS_ENDPOINT_URL[1]; and test "$AWS_ENDPOINT_URL" = "$AVS_ENDPOINT_URL"
        set -e AWS_ENDPOINT_URL
    end
    set -q AVS_SERVER_PID[1]; and __avs_server_stop
    # --- BEGIN GENERATED switch-vars: scripts/gen_completions.py writes this from avault.render ---
    set -l vars AWS_VAULT AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_SESSION_EXPIRATION AWS_CREDENTIAL_FILE AWS_DEFAULT_PROFILE AWS_PROFILE AWS_SDK_LOAD_CONFIG AVS_PROFILE AVS_EXPIRES AVS_ACCOUNT AVS_REGION AVS_ENDPOINT_URL
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
    set -l lines "profile  $AVS_PROFILE"
    set -q AVS_ACCOUNT[1]; and set -a lines "account  $AVS_ACCOUNT"
    set -q AWS_REGION[1]; and set -a lines "region   $AWS_REGION"
    set -l expiration unknown
    set -q AWS_CREDENTIAL_EXPIRATION[1]; and set expiration "$AWS_CREDENTIAL_EXPIRATION"
    if set -q AVS_SERVER_PID[1]; and test -n "$AVS_SERVER_PID"
        set -l url '?'
        set -q AWS_CONTAINER_CREDENTIALS_FULL_URI[1]; and set url "$AWS_CONTAINER_CREDENTIALS_FULL_URI"
        set -a lines "server   pid $AVS_SERVER_PID at $url (refreshes by itself)"
    else
        switch "$left[1]"
            case expired
                set -a lines "expires  expired at $expiration; run avr to refresh"
            case unknown
                set -a lines "expires  $expiration"
            case '*'
                set -a lines "expires  in $left[2] ($expiration)"
        end
    end
    # Shown, never run: control characters (a name's ESC [ 2 J, BEL, CR..., C1) and the bidi
    # controls that reorder text become '?'.
    string replace -ra '[[:cntrl:]\x{80}-\x{9f}\x{200e}\x{200f}\x{202a}-\x{202e}\x{2066}-\x{2069}]' '?' -- $lines
    return 0
end

# ==> functions/__avs_left.fish
# __avs_left: prints the state (ok, warn, expired or unknown) and the time left
# ("7h59m", "47m", "30s"). fish has no built-in clock: this is the prompt's one fork.
function __avs_left
    if not set -q AVS_EXPIRES[1]; or not string match -qr '^[0-9]+$' -- $AVS_EXPIRES
        echo unknown
        return 0
    end
    set -l left (math $AVS_EXPIRES - (date +%s))
    set -l warn 600
    set -q AVS_PROMPT_WARN[1]; and string match -qr '^[0-9]+$' -- $AVS_PROMPT_WARN; and set warn $AVS_PROMPT_WARN
    if test $left -le 0
        echo expired
        return 0
    end
    if test $left -le $warn
        echo warn
    else
        echo ok
    end
    if test $left -ge 3600
        echo (math --scale=0 $left / 3600)h(math --scale=0 $left % 3600 / 60)m
    else if test $left -ge 60
        echo (math --scale=0 $left / 60)m
    else
        echo {$left}s
    end
end

# ==> functions/avs_prompt.fish
# avs_prompt: the segment, for fish_right_prompt (done for you) or your own prompt.
# It reads only AVS_* variables, plus one `date +%s` for the countdown.
function avs_prompt --description 'AWS profile and time left (avault)'
    if test "$AVS_PROMPT" = 0; or not set -q AVS_PROFILE[1]; or test -z "$AVS_PROFILE"
        return 0
    end
    set -l colour (__avs_class_colour)
    # The name is printed as data, never evaluated; control characters become '?'.
    set -l text aws:(string replace -ra '[[:cntrl:]]' '?' -- "$AVS_PROFILE")
    set -q AVS_ACCOUNT[1]; and set text "$text("(string replace -ra '[[:cntrl:]]' '?' -- "$AVS_ACCOUNT")")"
    set -l left (__avs_left)
    # A served profile needs no countdown: the server refreshes the credentials.
    if set -q AVS_SERVER_PID[1]; and test -n "$AVS_SERVER_PID"
        set left server
    end
    set_color $colour
    printf '%s' $text
    switch $left[1]
        case server
            set -l mark ⇄
            set -q AVS_PROMPT_SERVER[1]; and set mark $AVS_PROMPT_SERVER
            printf ' %s' $mark
        case ok
            printf ' %s' $left[2]
        case warn
            set -l warn_colour magenta
            set -q AVS_PROMPT_WARN_COLOR[1]; and set warn_colour $AVS_PROMPT_WARN_COLOR
            printf ' '
            set_color --bold $warn_colour
            printf '!%s' $left[2]
        case expired
            printf ' '
            set_color --bold red
            printf expired
    end
    set_color normal
    printf ' '
end

# ==> functions/__avs_class_colour.fish
# __avs_class_colour: the colour of $AVS_PROFILE's class in AVS_PROMPT_CLASSES.
function __avs_class_colour
    set -l classes '*prod*' red '*stag*' yellow '*' green
    set -q AVS_PROMPT_CLASSES[1]; and set classes $AVS_PROMPT_CLASSES
    # A while loop, not `seq`: the prompt may start no process but `date`.
    set -l i 1
    while test $i -lt (count $classes)
        if string match -q -- $classes[$i] "$AVS_PROFILE"
            echo $classes[(math $i + 1)]
            return 0
        end
        set i (math $i + 2)
    end
    echo green
end

# ==> functions/__avs_theme_shows_aws.fish
# __avs_theme_shows_aws: true when the prompt in use shows the AWS profile itself
# (starship's aws module; bobthefish with theme_display_aws_vault_profile), so the
# built-in segment steps aside. Variables and function names only: no process.
function __avs_theme_shows_aws
    if test "$STARSHIP_SHELL" = fish; and functions -q __starship_set_job_count
        return 0
    end
    test "$theme_display_aws_vault_profile" = yes; and functions -q __bobthefish_prompt_aws_vault_profile
end

# ==> functions/_tide_item_avault.fish
# _tide_item_avault: tide's item `avault` (add it to tide_left_prompt_items or
# tide_right_prompt_items): the profile and time left, in the class colour. Tide draws
# items in a background fish; the item starts one `date`, for the countdown.
function _tide_item_avault
    set -q AVS_PROFILE[1]; and test -n "$AVS_PROFILE"; or return 0
    set -q tide_avault_bg_color; or set -g tide_avault_bg_color normal
    set -q tide_avault_color; or set -g tide_avault_color (__avs_class_colour)
    set -l text (string replace -ra '[[:cntrl:]]' '?' -- "$AVS_PROFILE")
    set -l left (__avs_left)
    set -q AVS_SERVER_PID[1]; and test -n "$AVS_SERVER_PID"; and set left server
    switch $left[1]
        case ok warn
            set text "$text $left[2]"
        case expired
            set text "$text expired"
        case server
            set text "$text ⇄"
    end
    _tide_print_item avault $tide_avault_icon' ' $text
end

# ==> functions/__avs_profiles.fish
# __avs_profiles: the profile names, one a line (see __avs_prof_refresh).
function __avs_profiles
    __avs_prof_refresh
    set -q __avs_prof_cache[1]; and printf '%s\n' $__avs_prof_cache
    return 0
end

# ==> functions/__avs_prof_refresh.fish
# __avs_prof_refresh: the global __avs_prof_cache = profile names from the config file,
# read by fish's own `string` (no Python, no CLI call per TAB); [sso-session]/[services]
# sections and duplicates are left out. The file is read again only when its mtime
# changes (`path mtime`, fish 3.5+, no process); older fish reads it every time.
# Completions expand the variable instead of printing 5,000 lines through a pipe: at
# that size printing alone costs fish ~25 ms. Always returns 0 (used in `complete -n`).
function __avs_prof_refresh
    set -l file ~/.aws/config
    set -q AWS_CONFIG_FILE[1]; and test -n "$AWS_CONFIG_FILE"; and set file $AWS_CONFIG_FILE
    if not test -r "$file"
        set -g __avs_prof_cache
        set -g __avs_prof_file
        return 0
    end
    set -l re '^\s*\[\s*(?:profile\s+(.*?)|(default))\s*\][^\]]*$'
    if not builtin -q path
        set -g __avs_prof_cache (string match -rg $re <$file | sort -u)
        return 0
    end
    set -l mtime (path mtime -- $file)
    if test "$file" != "$__avs_prof_file"; or test "$mtime" != "$__avs_prof_mtime"
        set -g __avs_prof_cache (path sort -u -- (string match -rg $re <$file))
        set -g __avs_prof_file $file
        set -g __avs_prof_mtime $mtime
    end
    return 0
end

# ==> functions/__avs_complete_profile_wanted.fish
# __avs_complete_profile_wanted: true while `avs`/`avsh` has no profile yet. (A cheap
# look at the command line, instead of comparing it with all 5,000 names.)
function __avs_complete_profile_wanted
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for tok in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $tok
            case -d --duration -t --mfa-token --region
                set skip 1
            case '-*'
            case '*'
                return 1
        end
    end
    return 0
end

# ==> functions/avp.fish
# avp: each profile and its role_arn, read from the config file (no CLI call per profile).
function avp --description 'list AWS profiles and their role ARNs'
    set -l file ~/.aws/config
    set -q AWS_CONFIG_FILE[1]; and test -n "$AWS_CONFIG_FILE"; and set file $AWS_CONFIG_FILE
    if not test -r "$file"
        echo "avp: cannot read $file" >&2
        return 1
    end
    set -l names
    set -l roles
    set -l current 0
    set -l width 0
    while read -l line
        set line (string trim -- $line)
        if set -l m (string match -rg '^\[\s*(?:profile\s+(.*?)|(default))\s*\][^\]]*$' -- $line)
            set current (contains -i -- $m $names; or echo 0)
            if test $current -eq 0
                set -a names $m
                set -a roles -
                set current (count $names)
                test (string length -- $m) -gt $width; and set width (string length -- $m)
            end
        else if string match -q '[*' -- $line
            set current 0
        else if test $current -gt 0; and set -l v (string match -rg '^role_arn\s*=\s*(.*)$' -- $line)
            set roles[$current] $v
        end
    end <$file
    for i in (seq (count $names))
        printf '%s  %s\n' (string pad -r -w $width -- $names[$i]) $roles[$i]
    end
end

# ==> completions/avault.fish
# --- BEGIN GENERATED completions: scripts/gen_completions.py writes this from avault.cli ---
complete -c avault -f
# subcommands
complete -c avault -n __fish_use_subcommand -a add -d 'add credentials to the vault'
complete -c avault -n __fish_use_subcommand -a list -d 'list profiles, credentials and sessions'
complete -c avault -n __fish_use_subcommand -a ls -d 'list profiles, credentials and sessions'
complete -c avault -n __fish_use_subcommand -a remove -d 'remove credentials from the vault'
complete -c avault -n __fish_use_subcommand -a rm -d 'remove credentials from the vault'
complete -c avault -n __fish_use_subcommand -a clear -d 'clear temporary credentials from the vault'
complete -c avault -n __fish_use_subcommand -a exec -d 'run a command with AWS credentials in its environment'
complete -c avault -n __fish_use_subcommand -a export -d 'print AWS credentials, or shell code that switches to them'
complete -c avault -n __fish_use_subcommand -a login -d 'open the AWS console signed in as a profile'
complete -c avault -n __fish_use_subcommand -a logout -d 'forget a profile\'s cached sessions'
complete -c avault -n __fish_use_subcommand -a rotate -d 'replace a profile\'s access key with a new one'
complete -c avault -n __fish_use_subcommand -a init -d 'print the shell integration (avs, prompt, completion)'
complete -c avault -n __fish_use_subcommand -a pick -d 'choose a profile in a menu; print its name'
complete -c avault -n __fish_use_subcommand -a agent -d 'keep the file vault\'s passphrase in memory (like ssh-agent)'
complete -c avault -n __fish_use_subcommand -a lock -d 'make the agent forget the passphrase'
complete -c avault -n __fish_use_subcommand -a import -d 'move plaintext keys from ~/.aws/credentials into the vault'
complete -c avault -n __fish_use_subcommand -a migrate-backend -d 'copy long-term credentials to another backend'
complete -c avault -n __fish_use_subcommand -a sso -d 'IAM Identity Center: list accounts and roles'
complete -c avault -n __fish_use_subcommand -a doctor -d 'check the setup; one line per problem, with its fix'
complete -c avault -n __fish_use_subcommand -a version -d 'print the avault version'
# options accepted before or after the subcommand
complete -c avault -s h -l help -d 'show this help message and exit'
complete -c avault -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
complete -c avault -s v -l version -d 'show program\'s version number and exit'
# avault add
complete -c avault -n '__fish_seen_subcommand_from add' -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -n '__fish_seen_subcommand_from add' -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -n '__fish_seen_subcommand_from add' -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -n '__fish_seen_subcommand_from add' -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from add' -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -n '__fish_seen_subcommand_from add' -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -n '__fish_seen_subcommand_from add' -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from add' -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -n '__fish_seen_subcommand_from add' -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
complete -c avault -n '__fish_seen_subcommand_from add' -l env -d 'read the keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY'
complete -c avault -n '__fish_seen_subcommand_from add' -l add-config -l no-add-config -d 'add a profile to ~/.aws/config if one does not exist (default: on)'
complete -c avault -n '__fish_seen_subcommand_from add; and __avs_prof_refresh' -a '$__avs_prof_cache'
# avault list
complete -c avault -n '__fish_seen_subcommand_from list ls' -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -n '__fish_seen_subcommand_from list ls' -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -n '__fish_seen_subcommand_from list ls' -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -n '__fish_seen_subcommand_from list ls' -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from list ls' -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -n '__fish_seen_subcommand_from list ls' -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -n '__fish_seen_subcommand_from list ls' -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from list ls' -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -n '__fish_seen_subcommand_from list ls' -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
complete -c avault -n '__fish_seen_subcommand_from list ls' -l profiles -d 'show only the profile names'
complete -c avault -n '__fish_seen_subcommand_from list ls' -l sessions -d 'show only the session names'
complete -c avault -n '__fish_seen_subcommand_from list ls' -l credentials -d 'show only the stored credential names'
# avault remove
complete -c avault -n '__fish_seen_subcommand_from remove rm' -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -n '__fish_seen_subcommand_from remove rm' -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -n '__fish_seen_subcommand_from remove rm' -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -n '__fish_seen_subcommand_from remove rm' -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from remove rm' -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -n '__fish_seen_subcommand_from remove rm' -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -n '__fish_seen_subcommand_from remove rm' -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from remove rm' -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -n '__fish_seen_subcommand_from remove rm' -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
complete -c avault -n '__fish_seen_subcommand_from remove rm' -s f -l force -d 'do not ask for confirmation'
complete -c avault -n '__fish_seen_subcommand_from remove rm; and __avs_prof_refresh' -a '$__avs_prof_cache'
# avault clear
complete -c avault -n '__fish_seen_subcommand_from clear' -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -n '__fish_seen_subcommand_from clear' -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -n '__fish_seen_subcommand_from clear' -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -n '__fish_seen_subcommand_from clear' -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from clear' -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -n '__fish_seen_subcommand_from clear' -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -n '__fish_seen_subcommand_from clear' -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from clear' -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -n '__fish_seen_subcommand_from clear' -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
complete -c avault -n '__fish_seen_subcommand_from clear; and __avs_prof_refresh' -a '$__avs_prof_cache'
# avault exec
complete -c avault -n '__fish_seen_subcommand_from exec' -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -n '__fish_seen_subcommand_from exec' -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -n '__fish_seen_subcommand_from exec' -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -n '__fish_seen_subcommand_from exec' -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from exec' -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -n '__fish_seen_subcommand_from exec' -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -n '__fish_seen_subcommand_from exec' -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from exec' -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -n '__fish_seen_subcommand_from exec' -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
complete -c avault -n '__fish_seen_subcommand_from exec' -s d -l duration -x -d 'duration of the temporary or assumed-role session, e.g. 1h, 90m [$AWS_VAULT_DURATION]'
complete -c avault -n '__fish_seen_subcommand_from exec' -s n -l no-session -d 'skip GetSessionToken'
complete -c avault -n '__fish_seen_subcommand_from exec' -l region -x -d 'the AWS region'
complete -c avault -n '__fish_seen_subcommand_from exec' -s t -l mfa-token -x -d 'the MFA token to use'
complete -c avault -n '__fish_seen_subcommand_from exec' -l stdout -d 'print the SSO link instead of opening it [$AWS_VAULT_STDOUT]'
complete -c avault -n '__fish_seen_subcommand_from exec' -l profile-env -d 'give the command AWS_PROFILE instead of keys, once they were fetched [$AWS_VAULT_PROFILE_ENV]'
complete -c avault -n '__fish_seen_subcommand_from exec' -s s -l server -l ecs-server -d 'serve credentials to the command through a local ECS endpoint instead of env keys'
complete -c avault -n '__fish_seen_subcommand_from exec' -l lazy -d 'with --ecs-server, fetch credentials on first use'
complete -c avault -n '__fish_seen_subcommand_from exec' -l ecs-server-address -x -d 'with --ecs-server: listen on this address, e.g. for containers (default 127.0.0.1) [$AVAULT_ECS_SERVER_ADDRESS]'
complete -c avault -n '__fish_seen_subcommand_from exec' -l background -d 'with --ecs-server: detach the server and print shell code exporting its address (avs --server)'
complete -c avault -n '__fish_seen_subcommand_from exec' -l format -x -a 'zsh bash fish' -d 'with --background: the shell to print code for'
complete -c avault -n '__fish_seen_subcommand_from exec' -l watch-pid -x -d 'with --background: stop the server when this process exits (default: the parent)'
complete -c avault -n '__fish_seen_subcommand_from exec; and __avs_prof_refresh' -a '$__avs_prof_cache'
# avault export
complete -c avault -n '__fish_seen_subcommand_from export' -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -n '__fish_seen_subcommand_from export' -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -n '__fish_seen_subcommand_from export' -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -n '__fish_seen_subcommand_from export' -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from export' -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -n '__fish_seen_subcommand_from export' -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -n '__fish_seen_subcommand_from export' -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from export' -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -n '__fish_seen_subcommand_from export' -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
complete -c avault -n '__fish_seen_subcommand_from export' -s d -l duration -x -d 'duration of the temporary or assumed-role session, e.g. 1h, 90m [$AWS_VAULT_DURATION]'
complete -c avault -n '__fish_seen_subcommand_from export' -s n -l no-session -d 'skip GetSessionToken'
complete -c avault -n '__fish_seen_subcommand_from export' -l region -x -d 'the AWS region'
complete -c avault -n '__fish_seen_subcommand_from export' -s t -l mfa-token -x -d 'the MFA token to use'
complete -c avault -n '__fish_seen_subcommand_from export' -l stdout -d 'print the SSO link instead of opening it [$AWS_VAULT_STDOUT]'
complete -c avault -n '__fish_seen_subcommand_from export' -l format -x -a 'env export-env json ini zsh bash fish' -d 'env, export-env, json (credential_process), ini, or zsh/bash/fish (an in-place switch)'
complete -c avault -n '__fish_seen_subcommand_from export; and __avs_prof_refresh' -a '$__avs_prof_cache'
# avault login
complete -c avault -n '__fish_seen_subcommand_from login' -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -n '__fish_seen_subcommand_from login' -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -n '__fish_seen_subcommand_from login' -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -n '__fish_seen_subcommand_from login' -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from login' -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -n '__fish_seen_subcommand_from login' -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -n '__fish_seen_subcommand_from login' -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from login' -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -n '__fish_seen_subcommand_from login' -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
complete -c avault -n '__fish_seen_subcommand_from login' -s d -l duration -x -d 'duration of the console session, e.g. 1h [$AWS_VAULT_DURATION]'
complete -c avault -n '__fish_seen_subcommand_from login' -s n -l no-session -d 'skip GetSessionToken for every profile'
complete -c avault -n '__fish_seen_subcommand_from login' -s t -l mfa-token -x -d 'the MFA token to use'
complete -c avault -n '__fish_seen_subcommand_from login' -l region -x -d 'the console region'
complete -c avault -n '__fish_seen_subcommand_from login' -l path -x -d 'console path (e.g. s3/home), used when a region is set'
complete -c avault -n '__fish_seen_subcommand_from login' -s s -l stdout -d 'print the login URL instead of opening it [$AWS_VAULT_STDOUT]'
complete -c avault -n '__fish_seen_subcommand_from login' -s a -l auto-logout -d 'log out of any console session first [$AWS_VAULT_AUTO_LOGOUT]'
complete -c avault -n '__fish_seen_subcommand_from login' -l browser-profile -x -d 'open a separate browser profile NAME, so accounts sit side by side [$AVS_LOGIN_ISOLATED=1]'
complete -c avault -n '__fish_seen_subcommand_from login; and __avs_prof_refresh' -a '$__avs_prof_cache'
# avault logout
complete -c avault -n '__fish_seen_subcommand_from logout' -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -n '__fish_seen_subcommand_from logout' -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -n '__fish_seen_subcommand_from logout' -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -n '__fish_seen_subcommand_from logout' -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from logout' -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -n '__fish_seen_subcommand_from logout' -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -n '__fish_seen_subcommand_from logout' -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from logout' -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -n '__fish_seen_subcommand_from logout' -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
complete -c avault -n '__fish_seen_subcommand_from logout' -l sso -d 'also forget the SSO token'
complete -c avault -n '__fish_seen_subcommand_from logout' -l revoke -d 'also revoke every active session of the profile\'s role (affects all its users)'
complete -c avault -n '__fish_seen_subcommand_from logout' -s f -l force -d 'with --revoke: do not ask for confirmation'
complete -c avault -n '__fish_seen_subcommand_from logout' -l format -x -a 'zsh bash fish' -d 'print shell code that clears this shell (avs --logout)'
complete -c avault -n '__fish_seen_subcommand_from logout; and __avs_prof_refresh' -a '$__avs_prof_cache'
# avault rotate
complete -c avault -n '__fish_seen_subcommand_from rotate' -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -n '__fish_seen_subcommand_from rotate' -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -n '__fish_seen_subcommand_from rotate' -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -n '__fish_seen_subcommand_from rotate' -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from rotate' -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -n '__fish_seen_subcommand_from rotate' -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -n '__fish_seen_subcommand_from rotate' -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from rotate' -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -n '__fish_seen_subcommand_from rotate' -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
complete -c avault -n '__fish_seen_subcommand_from rotate' -s n -l no-session -d 'use the stored keys, not a session'
complete -c avault -n '__fish_seen_subcommand_from rotate; and __avs_prof_refresh' -a '$__avs_prof_cache'
# avault init
complete -c avault -n '__fish_seen_subcommand_from init' -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -n '__fish_seen_subcommand_from init' -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -n '__fish_seen_subcommand_from init' -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -n '__fish_seen_subcommand_from init' -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from init' -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -n '__fish_seen_subcommand_from init' -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -n '__fish_seen_subcommand_from init' -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from init' -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -n '__fish_seen_subcommand_from init' -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
complete -c avault -n '__fish_seen_subcommand_from init' -a 'zsh bash fish direnv'
# avault pick
complete -c avault -n '__fish_seen_subcommand_from pick' -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -n '__fish_seen_subcommand_from pick' -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -n '__fish_seen_subcommand_from pick' -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -n '__fish_seen_subcommand_from pick' -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from pick' -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -n '__fish_seen_subcommand_from pick' -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -n '__fish_seen_subcommand_from pick' -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from pick' -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -n '__fish_seen_subcommand_from pick' -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
complete -c avault -n '__fish_seen_subcommand_from pick' -l picker -x -a 'fzf builtin' -d 'the menu to use [$AVS_PICKER; default: fzf if installed]'
# avault agent
complete -c avault -n '__fish_seen_subcommand_from agent' -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -n '__fish_seen_subcommand_from agent' -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -n '__fish_seen_subcommand_from agent' -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -n '__fish_seen_subcommand_from agent' -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from agent' -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -n '__fish_seen_subcommand_from agent' -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -n '__fish_seen_subcommand_from agent' -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from agent' -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -n '__fish_seen_subcommand_from agent' -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
complete -c avault -n '__fish_seen_subcommand_from agent' -l stop -d 'stop the running agent'
complete -c avault -n '__fish_seen_subcommand_from agent' -l foreground -d 'run in this process instead of detaching'
# avault lock
complete -c avault -n '__fish_seen_subcommand_from lock' -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -n '__fish_seen_subcommand_from lock' -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -n '__fish_seen_subcommand_from lock' -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -n '__fish_seen_subcommand_from lock' -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from lock' -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -n '__fish_seen_subcommand_from lock' -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -n '__fish_seen_subcommand_from lock' -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from lock' -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -n '__fish_seen_subcommand_from lock' -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
# avault import
complete -c avault -n '__fish_seen_subcommand_from import' -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -n '__fish_seen_subcommand_from import' -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -n '__fish_seen_subcommand_from import' -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -n '__fish_seen_subcommand_from import' -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from import' -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -n '__fish_seen_subcommand_from import' -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -n '__fish_seen_subcommand_from import' -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from import' -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -n '__fish_seen_subcommand_from import' -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
complete -c avault -n '__fish_seen_subcommand_from import' -l from-credentials-file -x -d 'the credentials file [$AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials]'
complete -c avault -n '__fish_seen_subcommand_from import' -l profile -x -d 'import only these profiles (default: every profile with long-term keys)'
complete -c avault -n '__fish_seen_subcommand_from import' -l remove-from-file -d 'then remove the imported keys from the file (a 0600 backup is kept)'
# avault migrate-backend
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l from -x -a 'file keyring secret-service pass keychain' -d 'source backend'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l to -x -a 'file keyring secret-service pass keychain' -d 'destination backend'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l profile -x -d 'migrate only this profile'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l dry-run -d 'show what would be migrated, change nothing'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l overwrite -d 'replace credentials already in the destination'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l delete-source -d 'delete each credential from the source once verified'
# avault sso
complete -c avault -n '__fish_seen_subcommand_from sso' -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -n '__fish_seen_subcommand_from sso' -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -n '__fish_seen_subcommand_from sso' -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -n '__fish_seen_subcommand_from sso' -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from sso' -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -n '__fish_seen_subcommand_from sso' -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -n '__fish_seen_subcommand_from sso' -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from sso' -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -n '__fish_seen_subcommand_from sso' -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
complete -c avault -n '__fish_seen_subcommand_from sso' -a accounts
# avault doctor
complete -c avault -n '__fish_seen_subcommand_from doctor' -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -n '__fish_seen_subcommand_from doctor' -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -n '__fish_seen_subcommand_from doctor' -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -n '__fish_seen_subcommand_from doctor' -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from doctor' -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -n '__fish_seen_subcommand_from doctor' -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -n '__fish_seen_subcommand_from doctor' -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from doctor' -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -n '__fish_seen_subcommand_from doctor' -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
# avault version
complete -c avault -n '__fish_seen_subcommand_from version' -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -n '__fish_seen_subcommand_from version' -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -n '__fish_seen_subcommand_from version' -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -n '__fish_seen_subcommand_from version' -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from version' -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -n '__fish_seen_subcommand_from version' -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -n '__fish_seen_subcommand_from version' -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -n '__fish_seen_subcommand_from version' -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -n '__fish_seen_subcommand_from version' -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
# --- END GENERATED completions ---

# ==> -
# To load this file: avault init fish | source   (in ~/.config/fish/config.fish)
