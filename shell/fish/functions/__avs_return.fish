# Generated from shell/fish/avs.fish by scripts/gen_completions.py; edit that file and rerun.
function __avs_return --description 'return the given status (to restore $status)'
    return $argv[1]
end
