# --- BEGIN GENERATED completions: scripts/gen_completions.py writes this from avault.cli ---
complete -c avault -f
# subcommands
complete -c avault -n __fish_use_subcommand -a add -d 'add credentials to the vault'
complete -c avault -n __fish_use_subcommand -a list -d 'list profiles, credentials and sessions'
complete -c avault -n __fish_use_subcommand -a ls -d 'list profiles, credentials and sessions'
complete -c avault -n __fish_use_subcommand -a remove -d 'remove credentials from the vault'
complete -c avault -n __fish_use_subcommand -a rm -d 'remove credentials from the vault'
complete -c avault -n __fish_use_subcommand -a clear -d 'clear temporary credentials from the vault'
complete -c avault -n __fish_use_subcommand -a exec -d 'run a command with AWS credentials in its environment'
complete -c avault -n __fish_use_subcommand -a export -d 'print AWS credentials, or shell code that switches to them'
complete -c avault -n __fish_use_subcommand -a login -d 'open the AWS console signed in as a profile'
complete -c avault -n __fish_use_subcommand -a logout -d 'forget a profile\'s cached sessions'
complete -c avault -n __fish_use_subcommand -a rotate -d 'replace a profile\'s access key with a new one'
complete -c avault -n __fish_use_subcommand -a init -d 'print the shell integration (avs, prompt, completion)'
complete -c avault -n __fish_use_subcommand -a pick -d 'choose a profile in a menu; print its name'
complete -c avault -n __fish_use_subcommand -a agent -d 'keep the file vault\'s passphrase in memory (like ssh-agent)'
complete -c avault -n __fish_use_subcommand -a lock -d 'make the agent forget the passphrase'
complete -c avault -n __fish_use_subcommand -a import -d 'move plaintext keys from ~/.aws/credentials into the vault'
complete -c avault -n __fish_use_subcommand -a migrate-backend -d 'copy long-term credentials to another backend'
complete -c avault -n __fish_use_subcommand -a sso -d 'IAM Identity Center: list accounts and roles'
complete -c avault -n __fish_use_subcommand -a doctor -d 'check the setup; one line per problem, with its fix'
complete -c avault -n __fish_use_subcommand -a version -d 'print the avault version'
# options accepted before or after the subcommand
complete -c avault -s h -l help -d 'show this help message and exit'
complete -c avault -l debug -d 'show debug output on stderr (never secrets)'
complete -c avault -l backend -x -a 'file keyring secret-service pass keychain' -d 'secret backend, one of those available here: file/keyring/secret-service/pass/keychain [$AWS_VAULT_BACKEND]'
complete -c avault -l prompt -x -d 'MFA prompt driver: terminal, ykman, zenity, kdialog, osascript [$AWS_VAULT_PROMPT]'
complete -c avault -l file-dir -x -d 'file backend directory [$AWS_VAULT_FILE_DIR]'
complete -c avault -l secret-service-collection -x -d 'Secret Service collection [$AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME]'
complete -c avault -l keychain -x -d 'macOS keychain name; only login, the default keychain [$AWS_VAULT_KEYCHAIN_NAME]'
complete -c avault -l pass-dir -x -d 'pass password store directory [$AWS_VAULT_PASS_PASSWORD_STORE_DIR]'
complete -c avault -l pass-cmd -x -d 'the pass command [$AWS_VAULT_PASS_CMD]'
complete -c avault -l pass-prefix -x -d 'prefix of avault\'s pass entries [$AWS_VAULT_PASS_PREFIX]'
complete -c avault -s v -l version -d 'show program\'s version number and exit'
# avault add
complete -c avault -n '__fish_seen_subcommand_from add' -l env -d 'read the keys from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY'
complete -c avault -n '__fish_seen_subcommand_from add' -l add-config -l no-add-config -d 'add a profile to ~/.aws/config if one does not exist (default: on)'
complete -c avault -n '__fish_seen_subcommand_from add; and __avs_prof_refresh' -a '$__avs_prof_cache'
# avault list
complete -c avault -n '__fish_seen_subcommand_from list ls' -l profiles -d 'show only the profile names'
complete -c avault -n '__fish_seen_subcommand_from list ls' -l sessions -d 'show only the session names'
complete -c avault -n '__fish_seen_subcommand_from list ls' -l credentials -d 'show only the stored credential names'
# avault remove
complete -c avault -n '__fish_seen_subcommand_from remove rm' -s f -l force -d 'do not ask for confirmation'
complete -c avault -n '__fish_seen_subcommand_from remove rm; and __avs_prof_refresh' -a '$__avs_prof_cache'
# avault clear
complete -c avault -n '__fish_seen_subcommand_from clear; and __avs_prof_refresh' -a '$__avs_prof_cache'
# avault exec
complete -c avault -n '__fish_seen_subcommand_from exec' -l profile-env -d 'give the command AWS_PROFILE instead of keys, once they were fetched [$AWS_VAULT_PROFILE_ENV]'
complete -c avault -n '__fish_seen_subcommand_from exec' -s s -l server -l ecs-server -d 'serve credentials to the command through a local ECS endpoint instead of env keys'
complete -c avault -n '__fish_seen_subcommand_from exec' -l lazy -d 'with --ecs-server, fetch credentials on first use'
complete -c avault -n '__fish_seen_subcommand_from exec' -l ecs-server-address -x -d 'with --ecs-server: listen on this address, e.g. for containers (default 127.0.0.1) [$AVAULT_ECS_SERVER_ADDRESS]'
complete -c avault -n '__fish_seen_subcommand_from exec' -l background -d 'with --ecs-server: detach the server and print shell code exporting its address (avs --server)'
complete -c avault -n '__fish_seen_subcommand_from exec' -l format -x -a 'zsh bash fish' -d 'with --background: the shell to print code for'
complete -c avault -n '__fish_seen_subcommand_from exec' -l watch-pid -x -d 'with --background: stop the server when this process exits (default: the parent)'
complete -c avault -n '__fish_seen_subcommand_from exec; and __avs_prof_refresh' -a '$__avs_prof_cache'
# avault exec, export
complete -c avault -n '__fish_seen_subcommand_from exec export' -s d -l duration -x -d 'duration of the temporary or assumed-role session, e.g. 1h, 90m [$AWS_VAULT_DURATION]'
complete -c avault -n '__fish_seen_subcommand_from exec export' -s n -l no-session -d 'skip GetSessionToken'
complete -c avault -n '__fish_seen_subcommand_from exec export' -l region -x -d 'the AWS region'
complete -c avault -n '__fish_seen_subcommand_from exec export' -l stdout -d 'print the SSO link instead of opening it [$AWS_VAULT_STDOUT]'
# avault exec, export, login
complete -c avault -n '__fish_seen_subcommand_from exec export login' -s t -l mfa-token -x -d 'the MFA token to use'
# avault export
complete -c avault -n '__fish_seen_subcommand_from export' -l format -x -a 'env export-env json ini zsh bash fish' -d 'env, export-env, json (credential_process), ini, or zsh/bash/fish (an in-place switch)'
complete -c avault -n '__fish_seen_subcommand_from export; and __avs_prof_refresh' -a '$__avs_prof_cache'
# avault login
complete -c avault -n '__fish_seen_subcommand_from login' -s d -l duration -x -d 'duration of the console session, e.g. 1h [$AWS_VAULT_DURATION]'
complete -c avault -n '__fish_seen_subcommand_from login' -s n -l no-session -d 'skip GetSessionToken for every profile'
complete -c avault -n '__fish_seen_subcommand_from login' -l region -x -d 'the console region'
complete -c avault -n '__fish_seen_subcommand_from login' -l path -x -d 'console path (e.g. s3/home), used when a region is set'
complete -c avault -n '__fish_seen_subcommand_from login' -s s -l stdout -d 'print the login URL instead of opening it [$AWS_VAULT_STDOUT]'
complete -c avault -n '__fish_seen_subcommand_from login' -s a -l auto-logout -d 'log out of any console session first [$AWS_VAULT_AUTO_LOGOUT]'
complete -c avault -n '__fish_seen_subcommand_from login' -l browser-profile -x -d 'open a separate browser profile NAME, so accounts sit side by side [$AVS_LOGIN_ISOLATED=1]'
complete -c avault -n '__fish_seen_subcommand_from login; and __avs_prof_refresh' -a '$__avs_prof_cache'
# avault logout
complete -c avault -n '__fish_seen_subcommand_from logout' -l sso -d 'also forget the SSO token'
complete -c avault -n '__fish_seen_subcommand_from logout' -l revoke -d 'also revoke every active session of the profile\'s role (affects all its users)'
complete -c avault -n '__fish_seen_subcommand_from logout' -s f -l force -d 'with --revoke: do not ask for confirmation'
complete -c avault -n '__fish_seen_subcommand_from logout' -l format -x -a 'zsh bash fish' -d 'print shell code that clears this shell (avs --logout)'
complete -c avault -n '__fish_seen_subcommand_from logout; and __avs_prof_refresh' -a '$__avs_prof_cache'
# avault rotate
complete -c avault -n '__fish_seen_subcommand_from rotate' -s n -l no-session -d 'use the stored keys, not a session'
complete -c avault -n '__fish_seen_subcommand_from rotate; and __avs_prof_refresh' -a '$__avs_prof_cache'
# avault init
complete -c avault -n '__fish_seen_subcommand_from init' -a 'zsh bash fish direnv'
# avault pick
complete -c avault -n '__fish_seen_subcommand_from pick' -l picker -x -a 'fzf builtin' -d 'the menu to use [$AVS_PICKER; default: fzf if installed]'
# avault agent
complete -c avault -n '__fish_seen_subcommand_from agent' -l stop -d 'stop the running agent'
complete -c avault -n '__fish_seen_subcommand_from agent' -l foreground -d 'run in this process instead of detaching'
# avault import
complete -c avault -n '__fish_seen_subcommand_from import' -l from-credentials-file -x -d 'the credentials file [$AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials]'
complete -c avault -n '__fish_seen_subcommand_from import' -l profile -x -d 'import only these profiles (default: every profile with long-term keys)'
complete -c avault -n '__fish_seen_subcommand_from import' -l remove-from-file -d 'then remove the imported keys from the file (a 0600 backup is kept)'
# avault migrate-backend
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l from -x -a 'file keyring secret-service pass keychain' -d 'source backend'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l to -x -a 'file keyring secret-service pass keychain' -d 'destination backend'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l profile -x -d 'migrate only this profile'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l dry-run -d 'show what would be migrated, change nothing'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l overwrite -d 'replace credentials already in the destination'
complete -c avault -n '__fish_seen_subcommand_from migrate-backend' -l delete-source -d 'delete each credential from the source once verified'
# avault sso
complete -c avault -n '__fish_seen_subcommand_from sso' -a accounts
# --- END GENERATED completions ---
