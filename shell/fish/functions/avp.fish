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
