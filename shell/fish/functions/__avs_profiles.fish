# Generated from shell/fish/avs.fish by scripts/gen_completions.py; edit that file and rerun.
# __avs_profiles: profile names from the config file, read by fish's own `string`
# (no Python, no CLI call per TAB); [sso-session]/[services] sections and duplicates
# are left out.
function __avs_profiles
    set -l file ~/.aws/config
    set -q AWS_CONFIG_FILE[1]; and test -n "$AWS_CONFIG_FILE"; and set file $AWS_CONFIG_FILE
    test -r "$file"; or return 0
    set -l names (string match -rg '^\s*\[\s*(?:profile\s+(.*?)|(default))\s*\][^\]]*$' <$file)
    # `path sort -u` (fish 3.5+) drops duplicates in-process; older fish uses sort(1).
    if builtin -q path
        path sort -u -- $names
    else
        printf '%s\n' $names | sort -u
    end
end
