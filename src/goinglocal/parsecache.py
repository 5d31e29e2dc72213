"""What rdflib made of each RDF file, kept under build/cache/parsed/ as
N-Triples plus the file's prefixes, keyed by the file's path and bytes (and
the rdflib version), so that a build or `validate FILE` after a one-file
edit parses only the edited file.

A file is cached only after it parsed and passed the term checks, which
depend on nothing but its text and path, so a cached file would pass them
again. The N-Triples are rdflib's own serialisation of the parsed graph:
reading them back gives the same terms (lexical forms as written, the blank
node labels of that parse). The cache is an optimisation only: a missing,
unreadable or unwritable entry means the file is parsed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from goinglocal.versions import package_version as version
from pathlib import Path

FORMAT = "goinglocal-parsed-1"


@dataclass(frozen=True)
class Parsed:
    """One file's triples as N-Triples and the prefixes it declares."""
    path: Path
    nt: bytes
    namespaces: tuple[tuple[str, str], ...]


def _key(path: Path, data: bytes) -> str:
    digest = hashlib.sha256(f"{FORMAT}\0{version('rdflib')}\0{path.resolve()}\0".encode())
    digest.update(data)
    return digest.hexdigest()


class ParseCache:
    def __init__(self, folder: Path):
        self.folder = folder
        self.used: set[str] = set()

    def get(self, path: Path, data: bytes) -> Parsed | None:
        key = _key(path, data)
        try:
            blob = (self.folder / f"{key}.nt").read_bytes()
            header, _, nt = blob.partition(b"\n")
            meta = json.loads(header)
            if meta.get("key") != key or meta.get("sha256") != hashlib.sha256(nt).hexdigest():
                return None
            namespaces = tuple((str(p), str(ns)) for p, ns in meta["namespaces"])
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            return None  # missing or damaged: parse the file
        self.used.add(key)
        return Parsed(path, nt, namespaces)

    def put(self, path: Path, data: bytes, parsed: Parsed) -> None:
        key = _key(path, data)
        header = json.dumps({"key": key, "sha256": hashlib.sha256(parsed.nt).hexdigest(),
                             "namespaces": [list(n) for n in parsed.namespaces]}, separators=(",", ":"))
        from goinglocal.reason import write_atomic
        try:
            write_atomic(self.folder / f"{key}.nt", header.encode("utf-8") + b"\n" + parsed.nt)
        except OSError:
            return  # a read-only build folder: parse again next time
        self.used.add(key)

    def prune(self, keep_factor: int = 3) -> None:
        """Drop entries this load did not use once they outnumber the used
        ones keep_factor to one (old versions of edited files)."""
        if not self.used:
            return
        try:
            entries = list(self.folder.glob("*.nt"))
            if len(entries) <= keep_factor * len(self.used):
                return
            for entry in entries:
                if entry.stem not in self.used:
                    entry.unlink(missing_ok=True)
        except OSError:
            return
