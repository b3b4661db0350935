# _tide_item_avault: tide's item `avault` (add it to tide_left_prompt_items or
# tide_right_prompt_items): the profile and time left, in the class colour. Tide draws
# items in a background fish; the item starts one `date`, for the countdown.
function _tide_item_avault
    set -q AVS_PROFILE[1]; and test -n "$AVS_PROFILE"; or return 0
    set -q tide_avault_bg_color; or set -g tide_avault_bg_color normal
    set -q tide_avault_color; or set -g tide_avault_color (__avs_class_colour)
    set -l text (string replace -ra '[[:cntrl:]]' '?' -- "$AVS_PROFILE")
    set -l left (__avs_left)
    test -n "$AVS_SERVER_PID"; and set left server
    switch $left[1]
        case ok warn
            set text "$text $left[2]"
        case expired
            set text "$text expired"
        case server
            set text "$text ⇄"
    end
    _tide_print_item avault $tide_avault_icon' ' $text
end
