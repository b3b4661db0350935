# avp: each profile and its role_arn, read from the config file (no CLI call per profile).
function avp --description 'list AWS profiles and their role ARNs'
    __avs_need; or return
    AWS_CONFIG_FILE="$AWS_CONFIG_FILE" command avault avs avp
end
