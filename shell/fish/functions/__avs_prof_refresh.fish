# __avs_prof_refresh: the global __avs_prof_cache = the config's profile names (no
# [sso-session]/[services], no duplicates), read by fish's own `string`: no process per
# TAB. Read again only when `path mtime` (fish 3.5+) changes; older fish reads each time.
# Completions expand the variable: printing 5,000 lines through a pipe costs fish ~25 ms.
# Always returns 0 (used in `complete -n`).
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
