# __avs_theme_shows_aws: true when the prompt shows the AWS profile itself (starship's aws
# module; bobthefish's theme_display_aws_vault_profile). Variables and functions only.
function __avs_theme_shows_aws
    if test "$STARSHIP_SHELL" = fish; and functions -q __starship_set_job_count
        return 0
    end
    test "$theme_display_aws_vault_profile" = yes; and functions -q __bobthefish_prompt_aws_vault_profile
end
