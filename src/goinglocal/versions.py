"""Installed packages' versions, looked up once per process (caches are
keyed by them; importlib.metadata reads the package metadata on every call,
about 2 ms each)."""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import version


@lru_cache(maxsize=None)
def package_version(name: str) -> str:
    return version(name)


def code_key(label: str, *modules) -> str:
    """What a cache made by these modules depends on besides its input: a
    label (the cache's format), rdflib's and pyoxigraph's versions and the
    modules' source. A cache with another key was made by other code."""
    import hashlib
    from pathlib import Path
    digest = hashlib.sha256(label.encode() + package_version("rdflib").encode() + package_version("pyoxigraph").encode())
    for module in modules:
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()
