"""The names both the parser (``cli``) and the fast path (``main``) accept: one list each.

Stdlib-free and tiny: the cached switch imports it.
"""

from __future__ import annotations

#: the shells avault prints code for (``avs``, ``init``, ``--format``)
SHELLS = ("zsh", "bash", "fish")
#: every name --backend accepts (static: completions are generated from it)
BACKENDS = ("file", "keyring", "secret-service", "pass", "keychain")
#: ``export --format``: the formats for tools, then the in-place switch of each shell
EXPORT_FORMATS = ("env", "export-env", "json", "ini", *SHELLS)
