# __avs_agent_switch [FLAGS...] -- PROFILE: what `avault export --format fish` prints, from a
# running `avault agent` with one small process (OpenBSD nc, else socat) on its unix socket,
# sending the request zsh sends (avault.agentsock). Only a directory and socket that are
# ours; the agent checks our uid. Status 1 (then `avault export` runs) when there is no
# tool or agent, or it declines (locked, MFA or a browser needed, a flag, any error).
function __avs_agent_switch
    test "$AVAULT_AGENT" != 0; and not set -q AWS_VAULT_FILE_PASSPHRASE; and not set -q AVAULT_FILE_PASSPHRASE_COMMAND; or return 1
    set -l dir $XDG_RUNTIME_DIR/avault
    if not string match -q '/*' -- "$XDG_RUNTIME_DIR"
        # fish has no $UID: Linux tells it without a process; elsewhere one `id`, once.
        set -q __avs_uid[1]; or set -g __avs_uid (string match -rg '^Uid:\s+(\d+)' </proc/self/status 2>/dev/null; or command id -u)
        set dir (string match -r '.+' -- $TMPDIR; or echo /tmp)/avault-$__avs_uid
    end
    test -O $dir; and test -S $dir/agent.sock; and test -O $dir/agent.sock; or return 1
    set -l tool nc.openbsd -U -w 5 $dir/agent.sock
    command -q nc.openbsd; or set tool socat -t 5 -T 5 - UNIX-CONNECT:$dir/agent.sock
    command -q $tool[1]; or return 1
    set -l req AVS1 ''
    # --- BEGIN GENERATED agent-env: scripts/gen_completions.py writes this from avault.agentsock ---
    set -l env_re '^(?:(?:AWS|AVS|AVAULT|XDG|YKMAN)_.*|HOME|PATH|TMPDIR|LANG|LC_ALL|LC_CTYPE|SHELL|BROWSER|DISPLAY|WAYLAND_DISPLAY|DBUS_SESSION_BUS_ADDRESS|PYTHON_KEYRING_BACKEND|PASSWORD_STORE_DIR|HTTPS_PROXY|HTTP_PROXY|NO_PROXY|https_proxy|http_proxy|no_proxy|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE)$'
    set -l secret_re '^(?:AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_SECURITY_TOKEN|AWS_CONTAINER_AUTHORIZATION_TOKEN)$'
    # --- END GENERATED agent-env ---
    for name in (set -nx | string match -r $env_re | string match -rv $secret_re)
        set -a req "e$name=$$name"
    end
    # `end` after the answer: one cut short (the agent killed) lacks its final NUL.
    set -l fields (begin
            printf '%s\0' $req a--format afish a$argv . | command $tool 2>/dev/null
            printf 'end\0'
        end | string split0)
    test (count $fields) -eq 4; and test "$fields[1]" = ok; and test "$fields[4]" = end; or return 1
    test -n "$fields[2]"; and printf '%s' $fields[2] >&2
    printf '%s' $fields[3]
end
