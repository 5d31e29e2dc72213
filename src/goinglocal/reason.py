"""The OWL 2 RL closure, cached under build/cache keyed by a hash of every
input file and the reasoner's name, so that `ask` re-reasons only when data
changed.

Two reasoners: "rules" (default; goinglocal.materialise, the OWL 2 RL rules
the ontology uses as SPARQL updates on Oxigraph, about 40x faster) and
"owlrl" (the reference; run on a copy of the asserted graph). A test shows
both give the same closure on every triple questions and shapes can see.
Choose with `goinglocal --reasoner owlrl ...` or GOINGLOCAL_REASONER."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Callable
from goinglocal.versions import package_version as version
from pathlib import Path

import owlrl
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import OWL, RDF

from goinglocal import lexical
from goinglocal.load import load_dataset, Dataset
from goinglocal.paths import Layout

ERR = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")
CACHE_FORMAT = "goinglocal-closure-5"
REASONERS = ("rules", "owlrl")


def default_reasoner() -> str:
    name = os.environ.get("GOINGLOCAL_REASONER", "rules")
    return name if name in REASONERS else "rules"


def owlrl_closure(asserted: Graph) -> tuple[Graph, list[str]]:
    """Return (closure, inconsistency messages). The input graph is not touched."""
    closure = Graph()
    closure += asserted
    # owlrl raises on a literal outside its datatype's lexical space ("1,281"^^xsd:decimal);
    # validation reports those, so they are set aside while it reasons and kept as asserted
    ill_formed = [t for t in closure if isinstance(t[2], Literal) and lexical.check(t[2]) is not None]
    for triple in ill_formed:
        closure.remove(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(closure)
    for triple in ill_formed:
        closure.add(triple)
    closure, errors = clean_closure(closure)
    drop_relexicalised_literals(asserted, closure)
    return closure, errors


def drop_relexicalised_literals(asserted: Graph, closure: Graph) -> None:
    """owlrl rewrites some typed literals in a new lexical form (an asserted
    "7000000000"^^xsd:decimal comes back as "7000000000.0"), so a node would
    carry its value twice and sums would double it. Drop the rewritten copy
    where the asserted graph has the same subject, property and value."""
    for s, p, o in list(closure):
        if isinstance(o, Literal) and (s, p, o) not in asserted:
            for other in asserted.objects(s, p):
                if (isinstance(other, Literal) and other.datatype == o.datatype
                        and other.toPython() == o.toPython()):
                    closure.remove((s, p, o))
                    break


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


def input_key(layout: Layout, reasoner: str, files: list[Path] | None = None) -> str:
    digest = hashlib.sha256()
    digest.update(CACHE_FORMAT.encode())
    digest.update(reasoner.encode())
    digest.update(version("owlrl").encode())
    for path in files if files is not None else layout.ontology_files() + layout.instance_files():
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


def ontology_key(layout: Layout, reasoner: str) -> str:
    """What an incremental update builds on: the ontology (the rules) and the reasoner."""
    return input_key(layout, reasoner, layout.ontology_files())


@dataclass
class Closure:
    asserted_nt: bytes
    closure_nt: bytes
    asserted_triples: int
    closure_triples: int
    errors: list[str]
    from_cache: bool
    incremental: bool = False  # extended from the previous closure (only triples were added)
    # the Oxigraph store the closure was made in (asserted and inferred named
    # graphs), when there is one: a KnowledgeGraph uses it instead of loading the text again
    store: object = field(default=None, repr=False, compare=False)
    # extended from `extended.before`: the quads that left and joined the
    # named graphs since (goinglocal.incremental.extend_closure)
    extended: "Extension | None" = field(default=None, repr=False, compare=False)
    # the sha256 of its N-Quads as a build writes them (goinglocal.serve.to_nquads), when the cache knows it
    graph: str | None = field(default=None, repr=False, compare=False)
    # closure_for(save_later=True): call with the graph's sha256 to keep the closure in the cache
    save: "Callable[[str | None], None] | None" = field(default=None, repr=False, compare=False)

    @property
    def inferred_triples(self) -> int:
        return self.closure_triples - self.asserted_triples


@dataclass
class Extension:
    """What extending a closure changed: the closure it started from, and the
    quads (asserted and inferred named graphs) removed and added, as N-Quads
    lines. A triple that was inferred and is now asserted is removed from
    the inferred graph and added to the asserted one."""
    before: Closure
    removed: bytes
    added: bytes


class ClosureCache:
    """build/cache/{asserted,closure}.nt plus meta.json with the input key and
    each file's own hash, so a stale or corrupt cache is detected and rebuilt."""

    def __init__(self, layout: Layout):
        self.dir = layout.build_dir / "cache"
        self.meta = self.dir / "meta.json"
        self.asserted = self.dir / "asserted.nt"
        self.closure = self.dir / "closure.nt"
        self.input = self.dir / "input.nt"  # the files' triples as parsed (Dataset.asserted_nt), for the next edit

    def read(self, key: str | None) -> Closure | None:
        """The cached closure if its inputs had this key (any key if None) and
        its files are intact."""
        try:
            meta = json.loads(self.meta.read_text())
            if key is not None and meta.get("key") != key:
                return None
            asserted, closure = self.asserted.read_bytes(), self.closure.read_bytes()
            if (hashlib.sha256(asserted).hexdigest() != meta["asserted_sha256"]
                    or hashlib.sha256(closure).hexdigest() != meta["closure_sha256"]):
                return None
            return Closure(asserted, closure, meta["asserted_triples"], meta["closure_triples"],
                           meta["errors"], from_cache=True, graph=meta.get("graph"))
        except (OSError, ValueError, KeyError):
            return None

    def ontology_key(self) -> str | None:
        try:
            return json.loads(self.meta.read_text()).get("ontology_key")
        except (OSError, ValueError, AttributeError):
            return None

    def read_input(self) -> bytes | None:
        """The parsed input the cached closure was made from, if it was kept and is intact."""
        try:
            data = self.input.read_bytes()
            meta = json.loads(self.meta.read_text())
            return data if hashlib.sha256(data).hexdigest() == meta.get("input_sha256") else None
        except (OSError, ValueError, AttributeError):
            return None

    def note_graph(self, key: str, closure: Closure, graph: str | None) -> None:
        """Keep the sha256 of the N-Quads a build wrote of the cached closure
        (if the cache still holds this closure, for this key, byte for byte:
        another command may have written it again meanwhile, with other
        blank node labels): the next build extending it knows its graph
        without writing it again."""
        try:
            meta = json.loads(self.meta.read_text())
        except (OSError, ValueError):
            return
        if (graph is None or not isinstance(meta, dict) or meta.get("key") != key or meta.get("graph") == graph
                or meta.get("closure_sha256") != hashlib.sha256(closure.closure_nt).hexdigest()):
            return
        meta["graph"] = graph
        write_atomic(self.meta, json.dumps(meta, indent=1).encode())

    def write(self, key: str, result: Closure, ontology: str = "", input_nt: bytes | None = None,
              graph: str | None = None) -> None:
        if input_nt is not None:
            write_atomic(self.input, input_nt)
        else:
            self.input.unlink(missing_ok=True)
        write_atomic(self.asserted, result.asserted_nt)
        write_atomic(self.closure, result.closure_nt)
        meta = {"key": key, "asserted_sha256": hashlib.sha256(result.asserted_nt).hexdigest(),
                "closure_sha256": hashlib.sha256(result.closure_nt).hexdigest(),
                "asserted_triples": result.asserted_triples, "closure_triples": result.closure_triples,
                "errors": result.errors, "ontology_key": ontology,
                "input_sha256": hashlib.sha256(input_nt).hexdigest() if input_nt is not None else None,
                "graph": graph}
        write_atomic(self.meta, json.dumps(meta, indent=1).encode())


def _lines(nt: bytes) -> int:
    return sum(1 for line in nt.splitlines() if line.strip())


def compute(dataset: Dataset, reasoner: str | None = None) -> Closure:
    reasoner = reasoner or default_reasoner()
    if reasoner == "owlrl":
        asserted = dataset.asserted()
        closure, errors = owlrl_closure(asserted)
        asserted_nt = asserted.serialize(format="nt", encoding="utf-8")
        closure_nt = closure.serialize(format="nt", encoding="utf-8")
    else:
        from goinglocal.materialise import materialise_keeping_store
        asserted_nt, closure_nt, errors, _, store = materialise_keeping_store(dataset.asserted_nt())
        return Closure(asserted_nt, closure_nt, _lines(asserted_nt), _lines(closure_nt), errors, from_cache=False,
                       store=store)
    return Closure(asserted_nt, closure_nt, _lines(asserted_nt), _lines(closure_nt), errors, from_cache=False)


class PreviousClosure:
    """The cached closure, read and loaded into an Oxigraph store (asserted
    and inferred named graphs) on a thread of its own, started before the
    build parses the repository: Oxigraph parses without Python's lock, so
    the load costs the build little. The store is what an unchanged
    repository is queried on, and what an edit that only adds triples
    extends (goinglocal.incremental); in any other case it is dropped.
    `graph`: the N-Quads a build wrote of it (graph/goinglocal.nq), loaded
    as they are when their sha256 is the one the cache kept."""

    def __init__(self, layout: Layout, graph: Path | None = None):
        self.cache, self.graph = ClosureCache(layout), graph
        self._found: tuple[str | None, Closure, object] | None = None
        self._thread = threading.Thread(target=self._load, name="goinglocal-previous-closure", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        from goinglocal.store import closure_store
        try:
            key = json.loads(self.cache.meta.read_text()).get("key")
            old = self.cache.read(None)
            if old is None:
                return
            self._found = (key, old, closure_store(old, self._written(old)))
        except Exception:  # noqa: BLE001 - no usable cache: the closure is computed from scratch
            self._found = None

    def _written(self, old: Closure) -> bytes | None:
        try:
            nquads = self.graph.read_bytes() if self.graph is not None and old.graph else None
        except OSError:
            return None
        return nquads if nquads is not None and hashlib.sha256(nquads).hexdigest() == old.graph else None

    def wait(self) -> None:
        """Until the load is done (the thread has ended)."""
        self._thread.join()

    def take(self) -> tuple[str | None, Closure, object] | None:
        """(its input key, the closure, its store), once; None if there is no usable cache."""
        self._thread.join()
        found, self._found = self._found, None
        return found


def closure_for(layout: Layout, use_cache: bool = True, reasoner: str | None = None,
                dataset: Dataset | None = None, previous: PreviousClosure | None = None,
                save_later: bool = False) -> Closure:
    """The repository's closure: from the cache when its inputs are unchanged;
    extended from the cached one when the ontology is unchanged and instance
    files only gained triples (goinglocal.incremental); else from scratch.
    `dataset` (the repository, already loaded) spares a second parse;
    `previous` (the cache already loaded into a store) gives the closure
    its store (Closure.store) and spares the extension a load. save_later:
    the new closure is not written to the cache here; the caller calls its
    `save` with its graph's sha256 when it has time (a build, while it
    waits for its site child)."""
    reasoner = reasoner or default_reasoner()
    key = input_key(layout, reasoner)
    cache = ClosureCache(layout)
    loaded = previous.take() if previous is not None else None
    if use_cache and loaded is not None and loaded[0] == key:
        hit = loaded[1]
        hit.store = loaded[2]
    elif use_cache and loaded is None:
        hit = cache.read(key)
    else:
        hit = None
    if hit is not None:
        hit.save = lambda graph: cache.note_graph(key, hit, graph)
        return hit
    dataset = dataset if dataset is not None else load_dataset(layout)
    ontology = ontology_key(layout, reasoner)
    result = None
    if use_cache and reasoner == "rules" and cache.ontology_key() == ontology:
        old, store = (loaded[1], loaded[2]) if loaded is not None else (cache.read(None), None)
        if old is not None:
            from goinglocal.incremental import extend_closure
            result = extend_closure(old, dataset, cache.read_input(), store=store)
    if result is None:
        result = compute(dataset, reasoner)
    if use_cache:
        input_nt = dataset.asserted_nt() if dataset is not None else None
        result.save = lambda graph: cache.write(key, result, ontology, input_nt, graph)
        if not save_later:
            result.save(None)
    return result
