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
