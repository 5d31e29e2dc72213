"""SHACL engines: "store" (the default: the shapes evaluated on a pyoxigraph
Store, goinglocal.shacl_store), rudof (pyrudof, Rust) and pySHACL (the
reference).

`goinglocal --validator pyshacl` (or GOINGLOCAL_VALIDATOR=pyshacl) runs every
shape on pySHACL. With "store" or "rudof", each top-level shape runs on that
engine when it uses only what the engine evaluates exactly as pySHACL does,
and on pySHACL otherwise, so the results are pySHACL's in every case
(tests/test_shacl_engines.py compares them on every shape case and the
repository's data):

- store: shacl_store.compile_shape reads the shape; any SHACL term outside
  shacl_store.FEATURES (or a path other than an IRI, an inverse IRI or an
  alternative of those) sends the shape to pySHACL, with the reason in
  Route.why. The store holds valid literals in canonical form ("20.0" as
  "20"); the engine maps them back to the forms written (Data.rewritten), and
  sends the shapes to pySHACL where it cannot (two written forms merged into
  one stored literal: all shapes; a rewritten literal at all: the shapes with
  a SPARQL query). Given a store that already holds the data (Data(store=,
  graph_name=): `goinglocal build` passes its KnowledgeGraph's asserted
  graph), it loads no copy.
  Measured (one process per engine, N-Triples read included, bench data
  with defects; wall s / peak RSS): 1x 0.9 s / 65 MB (rudof 1.3 s / 197 MB,
  pySHACL 7.3 s / 88 MB); 10x 2.7 s / 134 MB (rudof 9.4 s / 1,077 MB,
  pySHACL 72 s / 368 MB), 366 identical results from each; 100x 29 s /
  615 MB (rudof 159 s / 9,768 MB, pySHACL 1,411 s / 3,275 MB; 3,892
  identical results from each). In a build's forked child on its store at
  100x: 18 s. README, "Choosing the SHACL engine".
- rudof: RUDOF_FEATURES below; a shape with a SPARQL-based target
  (sh:target [ a sh:SPARQLTarget ]; rudof 0.3 ignores it) gets its focus
  nodes from the target query run on Oxigraph, and is handed to rudof with
  those as sh:targetNode; sh:datatype: rudof 0.3.35 accepts ill-formed
  lexical forms of some datatypes ("2017-13-01"^^xsd:date) and refuses some
  that pySHACL accepts ("1e3"^^xsd:decimal, "Nov 2017"^^xsd:gYear), so every
  distinct literal a sh:datatype constraint can see is put to both engines
  once, in a small probe graph; the shape runs on rudof, and its results for
  the focus nodes that carry a literal the two engines judge differently are
  replaced by pySHACL's for those nodes (a shape whose sh:datatype sits
  deeper than a property of the focus node stays on pySHACL whole). Kept
  selectable as a second, independent fast engine to compare against.

pySHACL needs an rdflib graph; a shape routed to it gets only the triples it
can look at (the predicates of its targets and paths, plus rdf:type and
rdfs:subClassOf for class targets and sh:class), unless it uses SPARQL, when
it gets the whole data graph. `route` says which engine each shape gets.

Results are engine-neutral ShaclResult rows (severity, shape, focus node,
path, value, component, message); the message is the sh:message the shape
declares, so the user reads the same text from any engine."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

ENGINES = ("store", "rudof", "pyshacl")
SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}

# SHACL terms rudof runs exactly as pySHACL does on the project's shapes
# (checked shape by shape on tests/shape_cases and the repository's data).
RUDOF_FEATURES = {SH[t] for t in (
    "targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode", "property", "path", "alternativePath",
    "minCount", "maxCount", "class", "in", "pattern", "languageIn", "hasValue", "or", "sparql", "select",
    "prefixes", "message", "severity", "name", "description", "order", "group", "inversePath")}
# handled here before rudof sees the shape
SPARQL_TARGET = SH.target
# the predicates of a shape's own subgraph that are not constraints
NEUTRAL = {RDF.type, RDFS.label, RDFS.comment, RDF.first, RDF.rest, SH.declare, SH.prefix, SH.namespace}
TYPE_NEEDED = {SH.targetClass, SH["class"]}
PATH_TERMS = {SH.path, SH.targetSubjectsOf, SH.targetObjectsOf, SH.equals, SH.disjoint, SH.lessThan,
              SH.lessThanOrEquals}
UNPROJECTABLE = {SH.sparql, SH.target, SH.closed}  # the shape may read any triple


def default_engine() -> str:
    name = os.environ.get("GOINGLOCAL_VALIDATOR", "store")
    return name if name in ENGINES else "store"


@dataclass(frozen=True)
class Inverse:
    """sh:inversePath of an IRI."""
    iri: URIRef


@dataclass(frozen=True)
class ShaclResult:
    severity: str                       # Violation | Warning | Info
    shape: Node                         # the top-level shape (a property shape's node shape)
    focus: Node
    path: Node | Inverse | tuple[Node | Inverse, ...] | None  # a tuple for an alternative path
    value: Node | None
    component: URIRef
    message: str

    def key(self) -> tuple:
        return (self.severity, self.shape, self.focus, self.path, self.value, self.component)


class Data:
    """The data graph, as N-Triples (bytes, or a file at `path`) or an rdflib
    graph (any may be given; the others are made on demand). Nothing holds
    the triples as Python objects unless an rdflib graph is asked for: the
    N-Triples are streamed through pyoxigraph's parser, and Oxigraph and
    rudof each read them in Rust, so a large graph stays affordable."""

    def __init__(self, nt: bytes | None = None, graph: Graph | None = None, path: Path | None = None,
                 store: ox.Store | None = None, graph_name: ox.NamedNode | None = None,
                 rewrites_cache: Path | None = None):
        """`store`: a store that already holds these triples (in its named
        graph `graph_name`, or its default graph), which the store engine
        then reads instead of loading a copy; `rewrites_cache`: a file keeping
        `rewritten` between runs (shacl_store.rewritten_of)."""
        self.rewrites_cache = rewrites_cache
        if nt is None and graph is None and path is None:
            raise ValueError("give N-Triples, a file of them or a graph")
        self._nt, self._graph, self.path = nt, graph, path
        self._kept: dict | None = None  # predicate -> its triples, after keep()
        self.graph_name = graph_name
        if store is not None:
            self.__dict__["store"] = store  # the cached_property's value

    @property
    def nt(self) -> bytes:
        if self._nt is None:
            self._nt = (Path(self.path).read_bytes() if self.path is not None
                        else self._graph.serialize(format="nt", encoding="utf-8"))
        return self._nt

    @property
    def graph(self) -> Graph:
        if self._graph is None:
            self._graph = Graph().parse(data=self.nt.decode("utf-8"), format="nt")
        return self._graph

    def stream(self):
        """The triples as pyoxigraph terms, one at a time (Rust parser), in
        the lexical forms written (a store would rewrite "20.0" as "20")."""
        if self.path is not None and self._nt is None:
            return ox.parse(path=str(self.path), format=ox.RdfFormat.N_TRIPLES)
        return ox.parse(self.nt, format=ox.RdfFormat.N_TRIPLES)

    def keep(self, predicates: set) -> None:
        """Read the triples of these predicates (Oxigraph terms) in one pass,
        for the triples_with calls that follow."""
        kept: dict = {p: [] for p in predicates}
        for t in self.stream():
            if t.predicate in kept:
                kept[t.predicate].append(t)
        self._kept = kept

    def triples_with(self, predicates: set) -> list:
        """The triples whose predicate (an Oxigraph term) is one of these."""
        if self._kept is not None and predicates <= self._kept.keys():
            return [t for p in predicates for t in self._kept[p]]
        return [t for t in self.stream() if t.predicate in predicates]

    @cached_property
    def store(self) -> ox.Store:
        store = ox.Store()
        if self.path is not None and self._nt is None:
            store.bulk_load(path=str(self.path), format=ox.RdfFormat.N_TRIPLES)
        else:
            store.bulk_load(self.nt, format=ox.RdfFormat.N_TRIPLES)
        return store

    def query(self, query: str):
        """A SPARQL query on the store, over these triples only."""
        return self.store.query(query, **({"default_graph": self.graph_name} if self.graph_name is not None else {}))

    def quads(self, s, p, o):
        return self.store.quads_for_pattern(s, p, o, self.graph_name or ox.DefaultGraph())

    @cached_property
    def rewritten(self):
        """The literals a store holds in another form than written (shacl_store.Rewritten)."""
        from goinglocal.shacl_store import rewritten_of
        return rewritten_of(self, self.rewrites_cache)

    def projection(self, predicates: set[URIRef]) -> Graph:
        """An rdflib graph of the triples with these predicates (what a shape
        on pySHACL can look at), lexical forms as written."""
        from goinglocal.store import from_ox
        graph = Graph()
        graph.addN((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object), graph)
                   for t in self.triples_with({ox.NamedNode(str(p)) for p in predicates}))
        return graph


# --- the shapes graph, shape by shape ---------------------------------------

def _reachable(shapes: Graph, node: Node) -> list[tuple[Node, Node, Node]]:
    """The shape's own triples and those of the blank nodes below it."""
    out, todo, seen = [], [node], set()
    while todo:
        s = todo.pop()
        if s in seen:
            continue
        seen.add(s)
        for _, p, o in shapes.triples((s, None, None)):
            out.append((s, p, o))
            if isinstance(o, BNode):
                todo.append(o)
    return out


def top_level_shapes(shapes: Graph) -> list[Node]:
    """Shapes with a target, or named node and property shapes: the units
    that are routed to one engine or the other."""
    nested = set(shapes.objects(None, SH.property)) | set(shapes.objects(None, SH.node))
    for lst in shapes.objects(None, SH["or"]):
        nested.update(Collection(shapes, lst))
    found = set()
    for kind in (SH.NodeShape, SH.PropertyShape):
        found.update(s for s in shapes.subjects(RDF.type, kind) if s not in nested)
    for target in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.target):
        found.update(s for s in shapes.subjects(target, None) if s not in nested)
    return sorted(found, key=str)


@dataclass
class Route:
    shape: Node
    engine: str                  # "rudof" or "pyshacl"
    why: str = ""                # why pyshacl, when it is
    triples: list = field(default_factory=list)
    sparql_target: Node | None = None
    predicates: set | None = None  # what pyshacl needs to see; None = all
    datatypes: set = field(default_factory=set)  # sh:datatype values (checked by the probe)
    spec: object = None          # the store engine's compiled shape (shacl_store.Spec)


def _path_predicates(shapes: Graph, path: Node) -> set[URIRef]:
    if isinstance(path, URIRef):
        return {path}
    found = set()
    for s, p, o in _reachable(shapes, path):
        if isinstance(o, URIRef) and p != RDF.type and not str(o).startswith(str(SH)) and o != RDF.nil:
            found.add(o)
    return found


def route(shapes: Graph, engine: str = "rudof") -> list[Route]:
    routes = []
    for shape in top_level_shapes(shapes):
        triples = _reachable(shapes, shape)
        used = {p for _, p, _ in triples} - NEUTRAL
        r = Route(shape, "pyshacl" if engine == "pyshacl" else engine, triples=triples)
        if engine == "store":
            from goinglocal.shacl_store import Unsupported, compile_shape
            try:
                r.spec = compile_shape(shapes, shape)
            except Unsupported as e:
                r.engine, r.why = "pyshacl", str(e)
        elif engine != "pyshacl":
            if SH.datatype in used:
                r.datatypes = {o for _, p, o in triples if p == SH.datatype}
                if not _flat(shapes, shape) or r.datatypes & SPECIAL_DATATYPES or SH.sparql in used:
                    r.engine, r.why = "pyshacl", "sh:datatype below a property of the focus node"
            if r.engine == "rudof" and (unknown := sorted(used - RUDOF_FEATURES - {SPARQL_TARGET, SH.datatype})):
                r.engine = "pyshacl"
                r.why = "uses " + ", ".join(shapes.namespace_manager.normalizeUri(u) for u in unknown)
        for _, p, o in triples:
            if p == SH.target:
                r.sparql_target = o
        if r.engine == "pyshacl":
            r.predicates = _needed_predicates(shapes, triples)
        routes.append(r)
    return routes


SPECIAL_DATATYPES = {XSD.string, RDF.langString, RDFS.Literal, RDFS.Datatype}  # match literals of other types
NESTING = (SH.property, SH["or"], SH["and"], SH.xone, SH["not"], SH.node, SH.qualifiedValueShape)


def _flat(shapes: Graph, shape: Node) -> bool:
    """True when every value a constraint of the shape sees is the focus node
    or a value of one path from it (no nested property shape below a path)."""
    def members(node):
        for p in NESTING:
            for o in shapes.objects(node, p):
                if p in (SH["or"], SH["and"], SH.xone):
                    yield from Collection(shapes, o)
                else:
                    yield o

    def visit(node, depth: int) -> bool:
        if shapes.value(node, SH.path) is not None:
            depth += 1
        if depth > 1:
            return False
        return all(visit(child, depth) for child in members(node))
    return visit(shape, 0)


def _needed_predicates(shapes: Graph, triples) -> set[URIRef] | None:
    preds: set[URIRef] = set()
    for _, p, o in triples:
        if p in UNPROJECTABLE:
            return None
        if p in TYPE_NEEDED:
            preds |= {RDF.type, RDFS.subClassOf}
        if p in PATH_TERMS:
            preds |= _path_predicates(shapes, o)
    return preds


def sparql_prefixes(shapes: Graph, node: Node) -> str:
    lines = []
    for owner in shapes.objects(node, SH.prefixes):
        for decl in shapes.objects(owner, SH.declare):
            lines.append(f"PREFIX {shapes.value(decl, SH.prefix)}: <{shapes.value(decl, SH.namespace)}>")
    return "\n".join(lines) + "\n"


TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.target)


def _subgraph(shapes: Graph, routes: list[Route], data: Data, focus: set | None = None) -> Graph:
    """The shapes of these routes; SPARQL targets replaced by sh:targetNode.
    With `focus` (Oxigraph terms), every target is replaced by the focus
    nodes the shape targets."""
    from goinglocal.store import from_ox
    graph = Graph()
    for prefix, ns in shapes.namespaces():
        graph.bind(prefix, ns)
    for r in routes:
        if focus is not None:
            skip = {t for t, _, _ in _reachable(shapes, r.sparql_target)} if r.sparql_target is not None else set()
            graph += [t for t in r.triples if t[0] not in skip and not (t[0] == r.shape and t[1] in TARGETS)]
            graph += [(r.shape, SH.targetNode, from_ox(n)) for n in _targets(shapes, r, data, focus)]
            continue
        target_nodes = set()
        if r.sparql_target is not None:
            target_nodes = {t for t, _, _ in _reachable(shapes, r.sparql_target)}
            query = sparql_prefixes(shapes, r.sparql_target) + str(shapes.value(r.sparql_target, SH.select))
            from goinglocal.store import from_ox
            for solution in data.query(query):
                graph.add((r.shape, SH.targetNode, from_ox(solution["this"])))
        for s, p, o in r.triples:
            if s in target_nodes or (s == r.shape and p == SH.target):
                continue
            graph.add((s, p, o))
        for _, _, owner in (t for t in r.triples if t[1] == SH.prefixes):
            for t in _reachable(shapes, owner):
                graph.add(t)
    return graph


# --- running them -------------------------------------------------------------

def validate(shapes: Graph, data: Data, engine: str | None = None, focus: set[Node] | None = None,
             probe_cache: Path | None = None, routes: list[Route] | None = None) -> list[ShaclResult]:
    """Every shape's results on the data; with `focus`, only those of these
    focus nodes (the shapes still see the whole data graph). `probe_cache`:
    a JSON file keeping the datatype probe's verdicts between runs; `routes`:
    route(shapes, engine), when the caller has them (goinglocal.shapescache)."""
    engine = engine or default_engine()
    routes = route(shapes, engine) if routes is None else [replace(r) for r in routes]  # a run may re-route
    if focus is not None:
        from goinglocal.store import to_ox
        focus = {to_ox(n) for n in focus}
    results: list[ShaclResult] = []
    native = _settle_rewritten(shapes, [r for r in routes if r.engine == "store"], data)
    if native:
        from goinglocal.shacl_store import StoreEngine
        evaluator = StoreEngine(shapes, data.store, data.graph_name, data.rewritten)
        for r in native:
            results += evaluator.run(r.shape, r.spec, evaluator.focus_nodes(r.spec), focus)
    fast = [r for r in routes if r.engine == "rudof"]
    reference = [r for r in routes if r.engine == "pyshacl"]
    read = ({ox.NamedNode(str(p)) for r in fast if r.datatypes for p in _path_iris(shapes, r.shape)}
            | {ox.NamedNode(str(p)) for r in reference if r.predicates for p in r.predicates})
    if engine != "pyshacl" and read:  # what the datatype check and the projection read, in one pass
        data.keep(read)
    if fast:
        results += _rudof(shapes, _subgraph(shapes, fast, data, focus), data)
        results = _settle_datatypes(shapes, [r for r in fast if r.datatypes], data, results, focus, probe_cache)
    if engine == "pyshacl":
        results += _pyshacl(shapes, shapes if focus is None else _subgraph(shapes, routes, data, focus), data.graph)
    else:
        # the shapes that can be projected share one projection: the union of
        # what they look at (a shape reads only its own predicates, none is closed)
        shared = set().union(*(r.predicates for r in reference if r.predicates is not None))
        projected = None
        for r in reference:  # each on the triples it can see
            subset = _subgraph(shapes, [r], data, focus)
            if focus is not None and (r.shape, SH.targetNode, None) not in subset:
                continue  # none of the focus nodes is a target of this shape
            if r.predicates is None:
                graph = data.graph
            else:
                projected = projected if projected is not None else data.projection(shared)
                graph = projected
            results += _pyshacl(shapes, subset, graph)
    # rudof reports a SPARQL constraint's result once per solution, pySHACL
    # once per distinct ($this, ?value): one row per distinct result
    return list(dict.fromkeys(results))


def _settle_rewritten(shapes: Graph, routes: list[Route], data: Data) -> list[Route]:
    """The store engine's routes that stay on it: a store holds some literals
    in another form than written (shacl_store.Rewritten); when it merged two
    written forms into one, every shape goes to pySHACL, and when it rewrote
    any, the shapes with a SPARQL query (which may read a literal's text) do."""
    if not routes:
        return routes
    rewrites = data.rewritten
    for r in routes:
        if rewrites.merged:
            r.engine, r.why = "pyshacl", "the store merges literals written differently"
        elif rewrites.written and (r.spec.sparql or r.sparql_target is not None):
            r.engine, r.why = "pyshacl", "a SPARQL query, and the store rewrote some literals"
        if r.engine == "pyshacl":
            r.predicates = _needed_predicates(shapes, r.triples)
    return [r for r in routes if r.engine == "store"]


def _path_iris(shapes: Graph, shape: Node) -> set[URIRef]:
    return {p for _, pred, o in _reachable(shapes, shape) if pred == SH.path for p in _path_predicates(shapes, o)}


def _settle_datatypes(shapes: Graph, routes: list[Route], data: Data, results: list[ShaclResult],
                      focus: set | None = None, probe_cache: Path | None = None) -> list[ShaclResult]:
    """Replace rudof's results by pySHACL's on the focus nodes of each
    datatype-checking shape that carry a literal the engines read differently."""
    if not routes:
        return results
    wanted = set().union(*(r.datatypes for r in routes))
    preds = {ox.NamedNode(str(p)) for r in routes for p in _path_iris(shapes, r.shape)}
    seen = [t for t in data.triples_with(preds) if isinstance(t.object, ox.Literal)
            and URIRef(t.object.datatype.value) in wanted]
    candidates = {t.object for t in seen}
    contested = _cached_probe(candidates, probe_cache)
    if not contested:
        return results
    for r in routes:
        mine = {ox.NamedNode(str(p)) for p in _path_iris(shapes, r.shape)}
        affected = {t.subject for t in seen if t.predicate in mine and t.object in contested}
        if focus is not None:
            affected &= focus
        if not affected:
            continue
        from goinglocal.store import from_ox
        affected_nodes = {from_ox(n) for n in affected}
        results = [x for x in results if not (x.shape == r.shape and x.focus in affected_nodes)]
        redo = Route(r.shape, "pyshacl", triples=r.triples, sparql_target=r.sparql_target)
        subset = _subgraph(shapes, [redo], data)
        subset.remove((r.shape, SH.targetNode, None))  # only the affected nodes, where they are targets
        for target in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode):
            subset.remove((r.shape, target, None))
        targets = _targets(shapes, r, data, affected)
        for node in targets:
            subset.add((r.shape, SH.targetNode, from_ox(node)))
        needed = _needed_predicates(shapes, r.triples)
        graph = data.graph if needed is None else data.projection(needed)
        results += [x for x in _pyshacl(shapes, subset, graph) if x.focus in {from_ox(n) for n in targets}]
    return results


def _targets(shapes: Graph, r: Route, data: Data, nodes: set) -> set:
    """Which of these nodes (Oxigraph terms) are focus nodes of the route's shape."""
    found = set()
    values = " ".join(str(n) for n in nodes if not isinstance(n, ox.Literal))
    for _, p, o in r.triples:
        if p == SH.targetNode:
            found |= {n for n in nodes if str(n.value) == str(o)}
        elif p == SH.targetSubjectsOf:
            found |= {n for n in nodes if next(data.quads(n, ox.NamedNode(str(o)), None), None)}
        elif p == SH.targetObjectsOf:
            found |= {n for n in nodes if next(data.quads(None, ox.NamedNode(str(o)), n), None)}
        elif p == SH.targetClass and values:
            query = (f"SELECT DISTINCT ?n WHERE {{ VALUES ?n {{ {values} }} "
                     f"?n <{RDF.type}>/<{RDFS.subClassOf}>* <{o}> }}")
            found |= {s["n"] for s in data.query(query)}
    if r.sparql_target is not None:
        query = sparql_prefixes(shapes, r.sparql_target) + str(shapes.value(r.sparql_target, SH.select))
        found |= {s["this"] for s in data.query(query)} & nodes
    return found


PROBE = "urn:goinglocal:datatype-probe:"


def _cached_probe(literals: set, cache: Path | None) -> set:
    """_probe, remembering each literal's verdict in `cache` (keyed by the
    engines' versions), so that only literals not seen before are probed."""
    if cache is None:
        return _probe(sorted(literals, key=str))
    import json
    from goinglocal.versions import package_version as version
    key = "|".join(version(p) for p in ("pyrudof", "pyshacl", "rdflib"))
    try:
        stored = json.loads(cache.read_text())
        known = stored["verdicts"] if stored.get("key") == key else {}
    except (OSError, ValueError, KeyError, TypeError):
        known = {}
    fresh = [l for l in literals if str(l) not in known]
    if fresh:
        contested = {str(l) for l in _probe(sorted(fresh, key=str))}
        known.update({str(l): str(l) in contested for l in fresh})
        from goinglocal.reason import write_atomic
        write_atomic(cache, json.dumps({"key": key, "verdicts": known}).encode())
    return {l for l in literals if known[str(l)]}


def _probe(literals: list) -> set:
    """The literals that rudof and pySHACL judge differently under
    sh:datatype (their own datatype): each on a node of its own, one
    shape per datatype, both engines, results compared."""
    if not literals:
        return set()
    shapes_nt, data_nt, by_node = [], [], {}
    for dt in sorted({l.datatype.value for l in literals}):
        shape = f"<{PROBE}shape/{len(shapes_nt)}>"
        prop = f"<{PROBE}p/{dt}>"
        blank = f"_:probe{len(shapes_nt)}"
        shapes_nt += [f"{shape} <{RDF.type}> <{SH.NodeShape}> .", f"{shape} <{SH.targetSubjectsOf}> {prop} .",
                      f"{shape} <{SH.property}> {blank} .", f"{blank} <{SH.path}> {prop} .",
                      f"{blank} <{SH.datatype}> <{dt}> ."]
    for i, literal in enumerate(literals):
        node = f"{PROBE}n/{i}"
        by_node[node] = literal
        data_nt.append(f"<{node}> <{PROBE}p/{literal.datatype.value}> {literal} .")
    shapes_graph = Graph().parse(data="\n".join(shapes_nt), format="nt")
    probe = Data(nt="\n".join(data_nt).encode("utf-8"))
    fails_rudof = {str(x.focus) for x in _rudof(shapes_graph, shapes_graph, probe)}
    fails_pyshacl = {str(x.focus) for x in _pyshacl(shapes_graph, shapes_graph, probe.graph)}
    return {by_node[n] for n in fails_rudof ^ fails_pyshacl}


def _owner(shapes: Graph, shape: Node) -> Node:
    """The named node shape a property shape belongs to (the shape itself otherwise)."""
    owner = next(iter(shapes.subjects(SH.property, shape)), None)
    return owner if isinstance(owner, URIRef) else shape


def message(shapes: Graph, shape: Node) -> str:
    """The sh:message a user reads: the shape's own (English first), else its owner's."""
    owner = next(iter(shapes.subjects(SH.property, shape)), None)
    for node in (shape, owner):
        texts = sorted(shapes.objects(node, SH.message), key=lambda m: (getattr(m, "language", None) != "en", str(m)))
        if texts:
            return str(texts[0])
        for constraint in shapes.objects(node, SH.sparql):
            if (m := shapes.value(constraint, SH.message)) is not None:
                return str(m)
    return ""


def _pyshacl(shapes: Graph, subset: Graph, data: Graph) -> list[ShaclResult]:
    from pyshacl import validate as shacl_validate
    # inplace: no copy of the data graph (no inference, no SHACL rules: nothing is written to it)
    _, report, _ = shacl_validate(data, shacl_graph=subset, inference="none", advanced=True,
                                  allow_warnings=True, abort_on_first=False, inplace=True)
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        source = report.value(r, SH.sourceShape)
        out.append(ShaclResult(
            severity=SEVERITY.get(report.value(r, SH.resultSeverity), "Violation"), shape=_owner(shapes, source),
            focus=report.value(r, SH.focusNode), path=_graph_path(report, report.value(r, SH.resultPath)), value=report.value(r, SH.value),
            component=report.value(r, SH.sourceConstraintComponent), message=message(shapes, source)))
    return out


def _graph_path(graph: Graph, path: Node | None):
    if isinstance(path, BNode):
        if (alt := graph.value(path, SH.alternativePath)) is not None:
            return tuple(_graph_path(graph, p) for p in Collection(graph, alt))
        if (inverse := graph.value(path, SH.inversePath)) is not None:
            return Inverse(inverse)
    return path


def _rudof(shapes: Graph, subset: Graph, data: Data) -> list[ShaclResult]:
    import pyrudof
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_shacl(subset.serialize(format="nt"), pyrudof.ShaclFormat.NTriples)  # N-Triples keep blank node labels
    if data.path is not None:  # read by rudof from the file: no copy of the text in Python
        rudof.read_data(Path(data.path), pyrudof.RDFFormat.NTriples)
    else:
        rudof.read_data(data.nt.decode("utf-8"), pyrudof.RDFFormat.NTriples)
    report = rudof.validate_shacl(pyrudof.ShaclValidationMode.Native)
    out = []
    for e in report.violations:
        source = _term(e.source_shape)
        out.append(ShaclResult(
            severity=e.severity if e.severity in ("Violation", "Warning", "Info") else "Violation",
            shape=_owner(shapes, source), focus=_term(e.focus_node), path=_rudof_path(e.path),
            value=_term(e.value) if e.value is not None else None, component=URIRef(e.constraint_component),
            message=message(shapes, source)))
    return out


PREFIXES = {"xsd": str(XSD), "rdf": str(RDF), "rdfs": str(RDFS)}


def _term(text: str) -> Node:
    """A term as rudof prints it: an IRI bare or in <>, _:label, or a literal
    "lexical"(@lang | ^^prefix:name | ^^<iri>)."""
    if text.startswith("_:"):
        return BNode(text[2:])
    if text.startswith('"'):
        end = text.rindex('"')
        lexical = text[1:end].encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8") \
            if "\\" in text[1:end] else text[1:end]
        rest = text[end + 1:]
        if rest.startswith("@"):
            return Literal(lexical, lang=rest[1:])
        if rest.startswith("^^"):
            datatype = rest[2:]
            if datatype.startswith("<"):
                datatype = datatype[1:-1]
            elif ":" in datatype and datatype.split(":", 1)[0] in PREFIXES:
                prefix, local = datatype.split(":", 1)
                datatype = PREFIXES[prefix] + local
            return Literal(lexical) if datatype == str(XSD.string) else Literal(lexical, datatype=URIRef(datatype))
        return Literal(lexical)
    return URIRef(text[1:-1] if text.startswith("<") else text)


def _rudof_path(text: str | None):
    """rudof prints an alternative path as (a | b) and an inverse one as ^(a)."""
    if not text:
        return None
    text = text.strip()
    if text.startswith("^"):
        inner = text[1:]
        return Inverse(_term(inner[1:-1] if inner.startswith("(") else inner))
    if text.startswith("(") and "|" in text:
        return tuple(_rudof_path(p) for p in text[1:-1].split("|"))
    return _term(text)
