from __future__ import annotations

import sys

from avault.main import main

sys.exit(main())
