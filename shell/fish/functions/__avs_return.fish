function __avs_return --description 'return the given status (to restore $status)'
    return $argv[1]
end
