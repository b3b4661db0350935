# __avs_theme_shows_aws: true when the prompt in use shows the AWS profile itself
# (starship's aws module; bobthefish with theme_display_aws_vault_profile), so the
# built-in segment steps aside. Variables and function names only: no process.
function __avs_theme_shows_aws
    if test "$STARSHIP_SHELL" = fish; and functions -q __starship_set_job_count
        return 0
    end
    test "$theme_display_aws_vault_profile" = yes; and functions -q __bobthefish_prompt_aws_vault_profile
end
