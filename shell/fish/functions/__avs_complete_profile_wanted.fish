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
            case '-*'
                set -l kind (__avs_gen_avs_kind $tok)
                test "$kind" = value; and set skip 1
            case '*'
                return 1
        end
    end
    return 0
end
