"""The OWL 2 RL closure: computed with owlrl on a copy of the asserted graph,
cleaned of triples no reader wants, and cached under build/cache keyed by a
hash of every input file, so that `ask` re-reasons only when data changed."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import owlrl
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import OWL, RDF

from goinglocal.load import load_dataset, Dataset
from goinglocal.paths import Layout

ERR = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")
CACHE_FORMAT = "goinglocal-closure-3"


def owlrl_closure(asserted: Graph) -> tuple[Graph, list[str]]:
    """Return (closure, inconsistency messages). The input graph is not touched."""
    closure = Graph()
    closure += asserted
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(closure)
    return clean_closure(closure)


def clean_closure(closure: Graph) -> tuple[Graph, list[str]]:
    """Drop what owlrl adds that is no use to a reader or not valid RDF:
    literal subjects, reflexive owl:sameAs, and its error-message nodes,
    which are returned as strings instead."""
    errors = sorted(str(m) for node in closure.subjects(RDF.type, ERR.ErrorMessage)
                    for m in closure.objects(node, ERR.error))
    for node in list(closure.subjects(RDF.type, ERR.ErrorMessage)):
        closure.remove((node, None, None))
    for s, p, o in list(closure):
        if isinstance(s, Literal) or (p == OWL.sameAs and s == o):
            closure.remove((s, p, o))
    return closure, errors


def input_key(layout: Layout) -> str:
    digest = hashlib.sha256()
    digest.update(CACHE_FORMAT.encode())
    digest.update(version("owlrl").encode())
    for path in layout.ontology_files() + layout.instance_files():
        digest.update(str(path.relative_to(layout.root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside the target, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class Closure:
    asserted_nt: bytes
    closure_nt: bytes
    asserted_triples: int
    closure_triples: int
    errors: list[str]
    from_cache: bool

    @property
    def inferred_triples(self) -> int:
        return self.closure_triples - self.asserted_triples


class ClosureCache:
    """build/cache/{asserted,closure}.nt plus meta.json with the input key and
    each file's own hash, so a stale or corrupt cache is detected and rebuilt."""

    def __init__(self, layout: Layout):
        self.dir = layout.build_dir / "cache"
        self.meta = self.dir / "meta.json"
        self.asserted = self.dir / "asserted.nt"
        self.closure = self.dir / "closure.nt"

    def read(self, key: str) -> Closure | None:
        try:
            meta = json.loads(self.meta.read_text())
            if meta.get("key") != key:
                return None
            asserted, closure = self.asserted.read_bytes(), self.closure.read_bytes()
            if (hashlib.sha256(asserted).hexdigest() != meta["asserted_sha256"]
                    or hashlib.sha256(closure).hexdigest() != meta["closure_sha256"]):
                return None
            return Closure(asserted, closure, meta["asserted_triples"], meta["closure_triples"],
                           meta["errors"], from_cache=True)
        except (OSError, ValueError, KeyError):
            return None

    def write(self, key: str, result: Closure) -> None:
        write_atomic(self.asserted, result.asserted_nt)
        write_atomic(self.closure, result.closure_nt)
        meta = {"key": key, "asserted_sha256": hashlib.sha256(result.asserted_nt).hexdigest(),
                "closure_sha256": hashlib.sha256(result.closure_nt).hexdigest(),
                "asserted_triples": result.asserted_triples, "closure_triples": result.closure_triples,
                "errors": result.errors}
        write_atomic(self.meta, json.dumps(meta, indent=1).encode())


def compute(dataset: Dataset) -> Closure:
    asserted = dataset.asserted()
    closure, errors = owlrl_closure(asserted)
    return Closure(asserted.serialize(format="nt", encoding="utf-8"),
                   closure.serialize(format="nt", encoding="utf-8"),
                   len(asserted), len(closure), errors, from_cache=False)


def closure_for(layout: Layout, use_cache: bool = True) -> Closure:
    """The repository's closure, from the cache when its inputs are unchanged."""
    key = input_key(layout)
    cache = ClosureCache(layout)
    if use_cache and (hit := cache.read(key)):
        return hit
    result = compute(load_dataset(layout))
    if use_cache:
        cache.write(key, result)
    return result
