"""avault: AWS credentials kept encrypted on your machine, and in-place account switching."""

from __future__ import annotations

__version__ = "0.1.0"
