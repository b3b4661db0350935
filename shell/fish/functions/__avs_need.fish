# __avs_need: fails with a message when avault is not on PATH.
function __avs_need
    command -q avault; and return 0
    echo "avault: not found on PATH; run ./install.sh or pip install avault" >&2
    return 127
end
