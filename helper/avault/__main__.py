from __future__ import annotations

import sys

from avault.cli import main

sys.exit(main())
