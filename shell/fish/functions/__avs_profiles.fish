# __avs_profiles: the profile names, one a line (see __avs_prof_refresh).
function __avs_profiles
    __avs_prof_refresh
    set -q __avs_prof_cache[1]; and printf '%s\n' $__avs_prof_cache
    return 0
end
