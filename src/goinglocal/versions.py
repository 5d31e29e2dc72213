"""Installed packages' versions, looked up once per process (caches are
keyed by them; importlib.metadata reads the package metadata on every call,
about 2 ms each)."""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import version


@lru_cache(maxsize=None)
def package_version(name: str) -> str:
    return version(name)
