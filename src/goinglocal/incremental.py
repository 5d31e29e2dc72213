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
from goinglocal.reason import Closure
from goinglocal.store import inferred_only, _in_graph

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
    if any(b"_:" in part.nt and any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
                                    for t in ox.parse(part.nt, format=ox.RdfFormat.N_TRIPLES))
           for part in dataset.instance_parts):
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
        store = ox.Store()
        store.load(_in_graph(old.asserted_nt, m.ASSERTED) + _in_graph(inferred_only(old), m.INFERRED),
                   format=ox.RdfFormat.N_QUADS)  # one load: blank nodes shared by both graphs stay one node
    errors = m.extend_store(store, added)
    asserted = m.dump(store, (m.ASSERTED,))
    closure = asserted + m.dump(store, (m.INFERRED,))
    lines = lambda nt: sum(1 for line in nt.splitlines() if line.strip())  # noqa: E731
    return Closure(asserted, closure, lines(asserted), lines(closure), errors, from_cache=False, incremental=True,
                   store=store)


# --- validation ----------------------------------------------------------------
# build/cache/validation.json keeps the shapes' problems and the asserted
# triples they were found in. After an edit, a focus node can only get other
# results if a changed triple (added or removed) touches it or one of its
# neighbours: the shapes read a node's own triples, its values' types and
# triples (nested shapes, sh:class, the SPARQL constraints), no further, which
# is also how `goinglocal validate FILE` bounds its context (validate.neighbourhood).
# Those nodes are validated again, as focus nodes of the shapes that target
# them, on the whole asserted graph; the others keep their problems.

VALIDATION_FORMAT = "goinglocal-validation-1"


def validation_key(layout, engine: str) -> str:
    import hashlib
    digest = hashlib.sha256(VALIDATION_FORMAT.encode() + engine.encode())
    for path in layout.shape_files() + layout.ontology_files():
        digest.update(str(path.relative_to(layout.root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def changed_nodes(before_nt: bytes, now_nt: bytes) -> set | None:
    """IRIs touched by a triple added or removed; None if a blank node is.
    Both are written by Oxigraph (the closure's asserted graph), so equal
    triples are equal lines, blank nodes aside."""
    from goinglocal.store import from_ox
    split = lambda nt: ({l for l in nt.splitlines() if l.strip() and b"_:" not in l},  # noqa: E731
                        sum(1 for l in nt.splitlines() if b"_:" in l))
    (before, blank_before), (now, blank_now) = split(before_nt), split(now_nt)
    if blank_before != blank_now:
        return None
    changed = b"\n".join(before ^ now) + b"\n"
    return {from_ox(term) for t in ox.parse(changed, format=ox.RdfFormat.N_TRIPLES)
            for term in (t.subject, t.object) if isinstance(term, ox.NamedNode)}


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
        changed = changed_nodes(old_nt, asserted_nt) if cached.get("key") == key else None
    except (OSError, ValueError):
        changed = None
    if changed is None:
        problems = shacl_problems(dataset, layout, shapes, asserted_nt=asserted_nt, store=store, routes=routes)
    else:
        affected = set(changed)
        for node in changed:
            affected.update(o for _, _, o in dataset.lookup.about(node) if isinstance(o, URIRef))
            affected.update(s for s, _, _ in dataset.lookup.pointing_to(node) if isinstance(s, URIRef))
        kept = [Problem(**p) for p in cached["problems"] if URIRef(p["node_iri"]) not in affected]
        for p in kept:  # a node's triples may have moved to another file
            p.file = _where(dataset, layout, URIRef(p.node_iri))
        problems = kept + (shacl_problems(dataset, layout, shapes, asserted_nt=asserted_nt, only=affected, store=store,
                                          routes=routes) if affected else [])
        redone = len(affected)
    write_atomic(layout.build_dir / "cache" / "validated.nt", asserted_nt)
    write_atomic(path, json.dumps({"key": key, "problems": [asdict(p) for p in problems]}).encode())
    return problems, redone
