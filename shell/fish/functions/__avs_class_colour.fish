# __avs_class_colour: the colour of $AVS_PROFILE's class in AVS_PROMPT_CLASSES.
function __avs_class_colour
    set -l classes '*prod*' red '*stag*' yellow '*' green
    set -q AVS_PROMPT_CLASSES[1]; and set classes $AVS_PROMPT_CLASSES
    # A while loop, not `seq`: the prompt may start no process but `date`.
    set -l i 1
    while test $i -lt (count $classes)
        if string match -q -- $classes[$i] "$AVS_PROFILE"
            echo $classes[(math $i + 1)]
            return 0
        end
        set i (math $i + 2)
    end
    echo green
end
