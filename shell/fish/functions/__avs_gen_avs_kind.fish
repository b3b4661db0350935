# --- BEGIN GENERATED avs-kind: scripts/gen_completions.py writes this from avault.commands.avs ---
# __avs_gen_avs_kind ARG: print what the avs option ARG is (avault.commands.avs.kind).
function __avs_gen_avs_kind
    switch $argv[1]
        case -h --help
            echo help
        case -s --status
            echo status
        case -u --unset
            echo unset
        case --doctor
            echo doctor
        case -d --duration
            echo value
        case -t --mfa-token
            echo value
        case -n --no-session
            echo flag
        case --region
            echo value
        case --server
            echo server
        case --logout
            echo logout
        case '-d?*' '--duration=*' '-t?*' '--mfa-token=*' '--region=*'
            echo flag
    end
end
# --- END GENERATED avs-kind ---
