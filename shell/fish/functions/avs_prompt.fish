# avs_prompt: the segment, for fish_right_prompt (done for you) or your own prompt.
# It reads only AVS_* variables, plus one `date +%s` for the countdown.
function avs_prompt --description 'AWS profile and time left (avault)'
    test "$AVS_PROMPT" = 0; or test -z "$AVS_PROFILE"; and return 0
    set -l colour (__avs_class_colour)
    # The name is printed as data, never evaluated; control characters become '?'.
    set -l text aws:(string replace -ra '[[:cntrl:]]' '?' -- "$AVS_PROFILE")
    set -q AVS_ACCOUNT[1]; and set text "$text("(string replace -ra '[[:cntrl:]]' '?' -- "$AVS_ACCOUNT")")"
    set -l left (__avs_left)
    # A served profile needs no countdown: the server refreshes the credentials.
    test -n "$AVS_SERVER_PID"; and set left server
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
