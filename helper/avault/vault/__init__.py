"""Vault backends behind one small interface. See base.py."""

from __future__ import annotations
