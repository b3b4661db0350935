# avault as an oh-my-zsh / antidote / zinit plugin: `plugins=(... avault)`.
#
# Reads: nothing itself; avs.zsh documents AVS_PROMPT, AVS_PROMPT_CLASSES and the rest.
#
# It puts this directory on fpath, so the `_avault` completion file is found by a
# compinit that runs later (antidote, plain .zshrc); oh-my-zsh already added it before
# its own compinit. Then it sources avs.zsh from the same directory: the plugin and
# `eval "$(avault init zsh)"` run the very same file.

# The plugin's own path, even when sourced from a function (zinit) or with
# posix_argzero set: the Zsh Plugin Standard's idiom.
0=${${ZERO:-${0:#$ZSH_ARGZERO}}:-${(%):-%N}}
0=${${(M)0:#/*}:-$PWD/$0}

if (( ! ${fpath[(Ie)${0:h}]} )); then
    fpath=("${0:h}" $fpath)
fi

source "${0:h}/avs.zsh"
