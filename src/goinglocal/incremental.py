"""Incremental closure after an edit under instances/: when the ontology is
unchanged and the edited files only gained triples, the cached closure is
extended by semi-naive insertion (goinglocal.materialise.extend_store)
instead of being recomputed; any removed triple, a blank node in the
instance data, or an owl:propertyChainAxiom among the new triples means a
full recompute (retracting inferences soundly needs more than the closure).
tests/test_incremental.py checks that both ways give the same closure."""

from __future__ import annotations

import pyoxigraph as ox

from goinglocal import materialise as m
from goinglocal.load import Dataset
from goinglocal.reason import Closure, Extension
from goinglocal.store import closure_store

CHAIN = ox.NamedNode("http://www.w3.org/2002/07/owl#propertyChainAxiom")


def _ground(ntriples: bytes) -> set:
    """Triples without blank nodes (blank node labels change on every load),
    as an Oxigraph store holds them (it writes a decimal "20.0" as "20", so
    text from rdflib and from a store dump compare only after a store)."""
    store = ox.Store()
    store.load(ntriples, format=ox.RdfFormat.N_TRIPLES)
    return {ox.Triple(q.subject, q.predicate, q.object) for q in store
            if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)}


def added_triples(old: Closure, dataset: Dataset, old_input: bytes | None = None) -> list | None:
    """The asserted triples the dataset has and the old closure's input had
    not; None when something was removed or the difference cannot be told.
    old_input: the old closure's input as parsed (Dataset.asserted_nt), when
    kept: both are written by the same parse cache, so equal triples are
    equal lines and the lines are compared; else both are loaded into stores."""
    if any(_has_blank(part.nt) for part in dataset.instance_parts):
        return None  # blank nodes in instance data: no stable identity to compare
    if old_input is not None:
        lines = lambda nt: {line for line in nt.splitlines() if line.strip()}  # noqa: E731
        before, now = lines(old_input), lines(dataset.asserted_nt())
        if before - now:
            return None  # a triple removed (or written otherwise: a blank node parsed again)
        new = b"\n".join(sorted(now - before)) + b"\n"
        added = sorted(_ground(new), key=str)
    else:
        now = _ground(dataset.asserted_nt())
        before = _ground(old.asserted_nt)
        if before - now:
            return None
        added = sorted(now - before, key=str)
    if any(t.predicate == CHAIN for t in added):
        return None
    return added


def extend_closure(old: Closure, dataset: Dataset, old_input: bytes | None = None,
                   store: ox.Store | None = None) -> Closure | None:
    """The old closure extended by the triples the dataset adds (None if it
    cannot be: see added_triples). `store`: the old closure already loaded
    (goinglocal.reason.PreviousClosure), extended in place."""
    added = added_triples(old, dataset, old_input)
    if added is None:
        return None
    if store is None:
        store = closure_store(old)
    stats = m.Stats()
    errors = m.extend_store(store, added, stats)
    asserted = m.dump(store, (m.ASSERTED,))
    closure = asserted + m.dump(store, (m.INFERRED,))
    lines = lambda nt: nt.count(b"\n")  # noqa: E731 - a store's dump: one line a triple, each ended
    extended = None
    if stats.added is not None:  # forward chaining says what it changed (the SPARQL rules do not)
        quads = lambda qs: "".join(dict.fromkeys(f"{q} .\n" for q in qs)).encode("utf-8")  # noqa: E731
        extended = Extension(old, quads(stats.removed), quads(stats.added))
    return Closure(asserted, closure, lines(asserted), lines(closure), errors, from_cache=False, incremental=True,
                   store=store, extended=extended)


# --- validation ----------------------------------------------------------------
# build/cache/validation.json keeps the shapes' problems and the asserted
# triples they were found in (validated.nt). After an edit, the focus nodes
# validated again are the IRIs a changed triple (added or removed) touches and
# their neighbours in the new graph (a triple links them, either way); the
# others keep their problems. Why that is sound (changed_nodes and
# shapes_reach fall back to validating everything where it would not be):
#
# - A shape's result on a focus node F reads F's own triples (paths, inverse
#   paths, the targets that pick F), the triples of F's value nodes V (the
#   nodes one triple away: their types for sh:class, their values for a
#   nested path or sh:or member), and rdfs:subClassOf triples (class targets,
#   sh:class). shapes_reach measures the first two on the compiled shapes and
#   refuses anything reaching further than V's triples, or a shape the store
#   engine did not compile; a SPARQL constraint is taken to read $this's
#   triples and its values' (the project's queries do; a query reaching
#   further must raise SPARQL_HOPS). An edited rdfs:subClassOf triple means
#   validating everything.
# - So a changed triple (a p b) can change F's results only if F is a or b,
#   or a is one of F's value nodes V: then F is a neighbour of a in the new
#   graph, or the F-V link itself was removed, which makes F a changed node.
# - Blank nodes: Oxigraph relabels them on every load, so their triples do
#   not compare as lines. They are ignored when every one of them comes from
#   the ontology, whose bytes are in the key: no instance file has a blank
#   node now, and both graphs have as many triples with one (had the previous
#   instance data held some, the old graph would have more). Otherwise
#   everything is validated again.

VALIDATION_FORMAT = "goinglocal-validation-2"
SUBCLASS = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
REACH = 2       # triples read from a focus node: its own (1), its value nodes' (2)
SPARQL_HOPS = 2


def validation_key(layout, engine: str) -> str:
    import hashlib
    import sys
    from goinglocal import shacl_engines, shacl_store, validate
    from goinglocal.versions import code_key
    digest = hashlib.sha256(code_key(VALIDATION_FORMAT, shacl_engines, shacl_store, validate, sys.modules[__name__]).encode()
                            + engine.encode())
    for path in layout.shape_files() + layout.ontology_files():
        digest.update(str(path.relative_to(layout.root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def shapes_reach(routes) -> int | None:
    """How many triples away from a focus node the shapes read (1: its own
    triples; 2: also its value nodes'), from the store engine's compiled
    shapes; None when a shape was not compiled (its reach is not known)."""
    def hops(spec, depth: int) -> int:  # depth: how far the nodes the shape applies to are
        here = depth + (1 if spec.path is not None else 0)  # the value nodes', reached by triples that far
        reach = here
        if spec.classes:  # their types
            reach = max(reach, here + 1)
        if spec.sparql:
            reach = max(reach, depth + SPARQL_HOPS)
        for child in [m for members in spec.ors for m in members] + spec.properties:
            reach = max(reach, hops(child, here))
        return reach
    if any(r.spec is None for r in routes):
        return None
    return max((max(1, hops(r.spec, 0)) for r in routes), default=0)  # targets read the focus node's triples


def _has_blank(nt: bytes) -> bool:
    return b"_:" in nt and any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
                               for t in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES))


def _blank_triples(nt: bytes) -> int:
    """How many N-Triples lines hold a blank node (not text like "_:" in a literal)."""
    candidates, at = set(), nt.find(b"_:")
    while at != -1:  # the lines around each "_:" (a few hundred of many thousand lines)
        start, end = nt.rfind(b"\n", 0, at) + 1, nt.find(b"\n", at)
        end = len(nt) if end == -1 else end
        candidates.add(nt[start:end])
        at = nt.find(b"_:", end)
    if not candidates:
        return 0
    return sum(1 for t in ox.parse(b"\n".join(candidates) + b"\n", format=ox.RdfFormat.N_TRIPLES)
               if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode))


def changed_nodes(before_nt: bytes, now_nt: bytes, dataset: Dataset | None = None) -> set | None:
    """IRIs touched by a triple added or removed; None when that cannot be
    told soundly: a blank node in the instance data (of `dataset`, the one
    validated now), a different number of triples with a blank node, or an
    edited rdfs:subClassOf triple (see above). Both are written by Oxigraph
    (the closure's asserted graph), so equal triples are equal lines, blank
    nodes aside."""
    from goinglocal.store import from_ox
    if dataset is not None and any(_has_blank(part.nt) for part in dataset.instance_parts):
        return None
    if _blank_triples(before_nt) != _blank_triples(now_nt):
        return None
    before = set(before_nt.splitlines())
    now = set(now_nt.splitlines())
    changed: set = set()
    for t in ox.parse(b"\n".join(before ^ now) + b"\n", format=ox.RdfFormat.N_TRIPLES):
        if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode):
            continue  # the ontology's, relabelled
        if t.predicate == SUBCLASS:
            return None
        changed.update(from_ox(term) for term in (t.subject, t.object) if isinstance(term, ox.NamedNode))
    return changed


def shacl_problems_after_edit(dataset: Dataset, layout, asserted_nt: bytes, store=None):
    """The shapes' problems of the repository, redone only for the nodes an
    edit can affect when a previous validation is cached; all of them otherwise.
    `store`: a KnowledgeGraph's store holding `asserted_nt` as its asserted graph.
    Returns (problems, how many focus nodes were validated again or None)."""
    import json
    from dataclasses import asdict
    from rdflib import URIRef
    from goinglocal.reason import write_atomic
    from goinglocal.shacl_engines import default_engine
    from goinglocal.shapescache import compiled_shapes
    from goinglocal.validate import Problem, _where, shacl_problems
    path = layout.build_dir / "cache" / "validation.json"
    engine = default_engine()
    key = validation_key(layout, engine)
    shapes, routes = compiled_shapes(layout, engine)
    redone = None
    try:
        cached = json.loads(path.read_text())
        old_nt = (layout.build_dir / "cache" / "validated.nt").read_bytes()
        sound = cached.get("key") == key and (reach := shapes_reach(routes)) is not None and reach <= REACH
        changed = changed_nodes(old_nt, asserted_nt, dataset) if sound else None
    except (OSError, ValueError):
        changed = None
    if changed is None:
        problems = shacl_problems(dataset, layout, shapes, asserted_nt=asserted_nt, store=store, routes=routes)
    else:
        affected = set(changed) | dataset.lookup.neighbours(changed)
        kept = [Problem(**p) for p in cached["problems"] if URIRef(p["node_iri"]) not in affected]
        for p in kept:  # a node's triples may have moved to another file
            p.file = _where(dataset, layout, URIRef(p.node_iri))
        problems = kept + (shacl_problems(dataset, layout, shapes, asserted_nt=asserted_nt, only=affected, store=store,
                                          routes=routes) if affected else [])
        redone = len(affected)
    write_atomic(layout.build_dir / "cache" / "validated.nt", asserted_nt)
    write_atomic(path, json.dumps({"key": key, "problems": [asdict(p) for p in problems]}).encode())
    return problems, redone
