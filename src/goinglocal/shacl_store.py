"""The "store" SHACL engine: the project's shapes evaluated directly on a
pyoxigraph Store, with pySHACL's semantics (goinglocal.shacl_engines routes
any shape that uses a term this engine does not know to pySHACL).

How a shape runs: its focus nodes come from the store (class instances
through rdf:type/rdfs:subClassOf*, once per class; subjects or objects of a
predicate; the sh:select of a SPARQL-based target); a property shape's value
nodes are read per predicate (one pass over the predicate's triples when
many focus nodes need it, else one lookup per node); every constraint is
then checked in Python as pySHACL checks it (the literal checks use rdflib's
parse of the literal, pySHACL's string conversion, language matching and
comparison). SPARQL-based constraints run their sh:select on the store and
keep the solutions whose $this is a focus node (pySHACL binds $this per node:
the same rows when, as in the project's queries, the outer group begins with
a triple pattern on $this; any other constraint query goes to pySHACL).
Blank nodes in results carry the store's labels (a store relabels them on
load; pySHACL's, read from N-Triples by rdflib, are fresh ones too).

A store rewrites valid literals into their canonical form ("20.0"^^xsd:decimal
is held as "20", a language tag in lower case), while pySHACL reads them as
written. `Rewritten` (from the N-Triples the store was loaded from) maps each
rewritten literal back to its written form, so results report the literal
as written and the literal checks see it as pySHACL does. Where that cannot
be exact (two written forms merged into one stored literal, or a SPARQL query
that could read a rewritten literal's text) shacl_engines sends the shapes to
pySHACL instead."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import Node

from goinglocal.store import from_ox, to_ox

# the SHACL terms this engine evaluates; any other term on a shape sends it to pySHACL
FEATURES = {SH[t] for t in (
    "targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode", "target", "select", "prefixes",
    "property", "path", "minCount", "maxCount", "class", "in", "pattern", "flags", "languageIn", "hasValue",
    "datatype", "minInclusive", "minExclusive", "maxInclusive", "maxExclusive", "or", "sparql",
    "message", "severity", "name", "description", "order", "group")}
NEUTRAL = {RDF.type, RDFS.label, RDFS.comment}
SEVERITY = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
RANGES = {SH.minInclusive: (SH.MinInclusiveConstraintComponent, lambda c: c >= 0),
          SH.minExclusive: (SH.MinExclusiveConstraintComponent, lambda c: c > 0),
          SH.maxInclusive: (SH.MaxInclusiveConstraintComponent, lambda c: c <= 0),
          SH.maxExclusive: (SH.MaxExclusiveConstraintComponent, lambda c: c < 0)}
PER_NODE = 64  # fewer focus nodes than this: look their values up one by one instead of a predicate pass
TYPE, SUBCLASS = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(RDFS.subClassOf))
MIN_COUNT, MAX_COUNT, CLASS, DATATYPE, PATTERN, LANGUAGE_IN, IN, HAS_VALUE, OR, SPARQL = (
    SH.MinCountConstraintComponent, SH.MaxCountConstraintComponent, SH.ClassConstraintComponent,
    SH.DatatypeConstraintComponent, SH.PatternConstraintComponent, SH.LanguageInConstraintComponent,
    SH.InConstraintComponent, SH.HasValueConstraintComponent, SH.OrConstraintComponent, SH.SPARQLConstraintComponent)


class Unsupported(Exception):
    """The shape uses something this engine does not evaluate (the message says what)."""


@dataclass(frozen=True)
class Step:
    predicate: ox.NamedNode
    inverse: bool = False


@dataclass
class Spec:
    """One shape (node or property), read from the shapes graph."""
    node: Node
    severity: str = "Violation"
    path: tuple[Step, ...] | None = None      # an alternative path has several steps
    result_path: object = None                # the path as ShaclResult reports it
    min_count: int | None = None
    max_count: int | None = None
    classes: list = field(default_factory=list)        # URIRef
    datatypes: list = field(default_factory=list)      # URIRef
    patterns: list = field(default_factory=list)       # compiled
    languages: set | None = None
    in_values: set | None = None
    has_values: list = field(default_factory=list)
    ranges: list = field(default_factory=list)         # (parameter, rdflib Literal)
    ors: list = field(default_factory=list)            # lists of Spec
    properties: list = field(default_factory=list)     # Spec
    sparql: list = field(default_factory=list)         # query texts
    targets: list = field(default_factory=list)        # (kind, term)
    owner: Node | None = None                 # the shape results name (shacl_engines._owner)
    text: str = ""                            # the sh:message a user reads (shacl_engines.message)


def _name(shapes: Graph, term: Node) -> str:
    return shapes.namespace_manager.normalizeUri(term) if isinstance(term, URIRef) else str(term)


def _path(shapes: Graph, node: Node) -> tuple[tuple[Step, ...], object]:
    from goinglocal.shacl_engines import Inverse

    def single(n: Node) -> tuple[Step, object]:
        if isinstance(n, URIRef):
            return Step(ox.NamedNode(str(n))), n
        inverse = shapes.value(n, SH.inversePath)
        if isinstance(n, BNode) and isinstance(inverse, URIRef) and len(list(shapes.predicate_objects(n))) == 1:
            return Step(ox.NamedNode(str(inverse)), True), Inverse(inverse)
        raise Unsupported("a path other than an IRI, an inverse IRI or an alternative of those")

    alternatives = shapes.value(node, SH.alternativePath) if isinstance(node, BNode) else None
    if alternatives is not None:
        if len(list(shapes.predicate_objects(node))) != 1:
            raise Unsupported("a path other than an IRI, an inverse IRI or an alternative of those")
        steps = [single(n) for n in Collection(shapes, alternatives)]
        return tuple(s for s, _ in steps), tuple(p for _, p in steps)
    step, shown = single(node)
    return (step,), shown


def _one(shapes: Graph, node: Node, predicate: URIRef) -> Node:
    values = list(shapes.objects(node, predicate))
    if len(values) != 1:
        raise Unsupported(f"{len(values)} values of {_name(shapes, predicate)} on one shape")
    return values[0]


def compile_shape(shapes: Graph, node: Node, top: bool = True, within: frozenset = frozenset()) -> Spec:
    """The shape as a Spec; Unsupported when it uses anything else than FEATURES."""
    from goinglocal.shacl_engines import _owner, message
    spec = Spec(node, owner=_owner(shapes, node), text=message(shapes, node))
    used = set(shapes.predicates(node, None)) - NEUTRAL
    if unknown := sorted(used - FEATURES):
        raise Unsupported("uses " + ", ".join(_name(shapes, u) for u in unknown))
    if node in within:
        raise Unsupported("a shape nested in itself")
    within = within | {node}
    if set(shapes.objects(node, RDF.type)) & {RDFS.Class, OWL.Class}:
        raise Unsupported("a shape that is also a class (an implicit class target)")
    if not top and used & {SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.target, SH.sparql}:
        raise Unsupported("a target or a SPARQL constraint on a nested shape")
    for p, o in shapes.predicate_objects(node):
        if p == SH.severity:
            spec.severity = SEVERITY.get(o, "Violation")
        elif p in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode):
            spec.targets.append((p, o))
        elif p == SH.target:
            spec.targets.append((p, _sparql(shapes, o, SH.SPARQLTarget, "this")))
        elif p == SH.sparql:
            if shapes.value(node, SH.path) is not None:
                raise Unsupported("a SPARQL constraint on a property shape")
            spec.sparql.append(_sparql(shapes, o, SH.SPARQLConstraint, "value"))
        elif p == SH.path:
            spec.path, spec.result_path = _path(shapes, o)
        elif p in (SH.minCount, SH.maxCount):
            if not isinstance(o, Literal) or not isinstance(o.value, int):
                raise Unsupported(f"a {_name(shapes, p)} that is not an integer")
            setattr(spec, "min_count" if p == SH.minCount else "max_count", o.value)
        elif p == SH["class"]:
            spec.classes.append(o)
        elif p == SH.datatype:
            spec.datatypes.append(o)
        elif p == SH.pattern:
            flags = shapes.value(node, SH.flags)
            re_flags = 0
            if flags is not None:
                text = str(flags.value).lower()
                re_flags = (re.I if "i" in text else 0) | (re.M if "m" in text else 0)
            spec.patterns.append(re.compile(str(o.value) if o.value is not None and len(o.value) > 1 else str(o), re_flags))
        elif p == SH.languageIn:
            spec.languages = {str(x.value).lower() for x in Collection(shapes, o)}
        elif p == SH["in"]:
            spec.in_values = set(Collection(shapes, o))
        elif p == SH.hasValue:
            spec.has_values.append(o)
        elif p in RANGES:
            if not isinstance(o, Literal):
                raise Unsupported(f"a {_name(shapes, p)} that is not a literal")
            spec.ranges.append((p, o))
        elif p == SH["or"]:
            spec.ors.append([compile_shape(shapes, member, False, within) for member in Collection(shapes, o)])
        elif p == SH.property:
            spec.properties.append(compile_shape(shapes, o, False, within))
    if any(len(list(shapes.objects(node, p))) > 1  # pySHACL refuses these twice on one shape
           for p in (SH.datatype, SH.languageIn, SH["in"], SH.minCount, SH.maxCount, SH.path, SH.flags)):
        raise Unsupported("a constraint given twice on one shape")
    if spec.path is None and (spec.min_count is not None or spec.max_count is not None):
        raise Unsupported("sh:minCount or sh:maxCount on a node shape")
    return spec


def _sparql(shapes: Graph, node: Node, kind: URIRef, variable: str) -> str:
    from goinglocal.shacl_engines import sparql_prefixes
    allowed = {RDF.type, SH.select, SH.prefixes, SH.message, RDFS.comment, RDFS.label}
    if set(shapes.predicates(node, None)) - allowed or any(t != kind for t in shapes.objects(node, RDF.type)):
        raise Unsupported("a SPARQL target or constraint with more than sh:select, sh:prefixes and sh:message")
    select = str(_one(shapes, node, SH.select))
    if re.search(r"[?$](path|failure|currentShape|shapesGraph|PATH)\b", select) \
            or not re.search(rf"[?$]{variable}\b", select):
        raise Unsupported(f"a SPARQL query whose solutions are not $this and ?{variable}")
    where = re.search(r"\bWHERE\b(.*)", select, re.I | re.S)
    if kind == SH.SPARQLConstraint and (where is None or not re.match(r"\s*\{\s*[$?]this\s", where[1])
                                        or re.search(r"\bSELECT\b", where[1], re.I)):
        # run once for all nodes, its solutions are those of $this bound per node only when a
        # triple pattern of the outer group binds $this first
        raise Unsupported("a SPARQL constraint whose outer group does not begin with a triple pattern on $this")
    return sparql_prefixes(shapes, node) + select


# --- literals as written ---------------------------------------------------

@dataclass
class Rewritten:
    """Literals a store holds in another form than the data wrote them:
    stored literal -> the literal as written (an rdflib Literal: an Oxigraph
    term cannot hold a tag in capitals); `merged`: stored literals that stand
    for two or more written ones."""
    written: dict = field(default_factory=dict)
    merged: set = field(default_factory=set)


def _form(literal: Literal) -> tuple:
    return str(literal), literal.datatype, literal.language


def rewritten(literals) -> Rewritten:
    """Which of these literals (rdflib, as written) a store rewrites."""
    candidates = sorted({_form(l): l for l in literals if l.language or l.datatype not in (None, XSD.string, XSD.anyURI)
                         }.values(), key=_form)
    out = Rewritten()
    if not candidates:
        return out
    probe = ox.Store()
    p = ox.NamedNode("urn:goinglocal:literal")
    probe.extend(ox.Quad(ox.NamedNode(f"urn:goinglocal:literal:{i}"), p, to_ox(l)) for i, l in enumerate(candidates))
    stored: dict = {}
    for q in probe:
        stored.setdefault(q.object, []).append(candidates[int(q.subject.value.rsplit(":", 1)[1])])
    for held, forms in stored.items():
        if len(forms) > 1:
            out.merged.add(held)
        if [_form(f) for f in forms] != [_form(from_ox(held))]:
            out.written[held] = forms[0]
    return out


# a literal in N-Triples whose form a store may change: typed (other than
# xsd:string and xsd:anyURI, kept as written) or with a tag in capitals
REWRITABLE = re.compile(rb'"(?:[^"\\\n]|\\.)*"(?:\^\^<(?!http://www\.w3\.org/2001/XMLSchema#(?:string|anyURI)>)[^>]*>'
                        rb'|@[a-z0-9-]*[A-Z][A-Za-z0-9-]*)')
TAGGED = re.compile(rb'"(?:[^"\\\n]|\\.)*"@[A-Za-z0-9-]+')


def written_forms(data) -> list[bytes] | None:
    """The distinct N-Triples forms of the literals of a shacl_engines.Data
    that a store may write in another form, found in its text by a regular
    expression (None for data given as an rdflib graph only)."""
    if data._graph is not None and data._nt is None and data.path is None:
        return None
    text = data._nt if data._nt is not None else Path(data.path).read_bytes()
    found = set(REWRITABLE.findall(text))
    if any(not l.endswith(b">") for l in found):  # a tag in capitals: its lower-case twins may be merged with it
        found |= set(TAGGED.findall(text))
    return sorted(found)


def literals_of(data, forms: list[bytes] | None = None) -> list[Literal]:
    """The distinct literals of a shacl_engines.Data that a store may write
    in another form, as written (rdflib terms). N-Triples are scanned as text
    (`forms`: written_forms(data), when the caller has them; the distinct
    matches are parsed), a graph term by term."""
    found = forms if forms is not None else written_forms(data)
    if found is None:
        return list({o for o in data._graph.objects() if isinstance(o, Literal)})
    parsed = _parsed_forms(found)
    if parsed is None:  # text the expression misread (say, a comment line with quotes): rdflib reads it all
        return list({o for o in data.graph.objects() if isinstance(o, Literal)})
    return _as_written(found, parsed)


def _parsed_forms(found: list[bytes]) -> list | None:
    """The Oxigraph literals these N-Triples forms write (None if one does not parse)."""
    # the lexical forms through Oxigraph's parser (escapes), the tags as written (its terms lower-case them)
    lexical = [l if l.endswith(b">") else l[:l.rindex(b"@")] for l in found]
    try:
        return [t.object for t in ox.parse(b"".join(b"<urn:s> <urn:p> " + l + b" .\n" for l in lexical),
                                           format=ox.RdfFormat.N_TRIPLES)]
    except SyntaxError:
        return None


def _as_written(found: list[bytes], parsed: list) -> list[Literal]:
    return [from_ox(term) if raw.endswith(b">") else Literal(term.value, lang=raw[raw.rindex(b"@") + 1:].decode())
            for raw, term in zip(found, parsed)]


REWRITES_FORMAT = "goinglocal-rewritten-1"


def rewritten_of(data, cache: Path | None = None) -> Rewritten:
    """rewritten(literals_of(data)), kept in `cache` (a pickle) between runs:
    which literals a store rewrites depends only on the distinct literal forms
    written_forms finds (and on the code and the libraries' versions), so an
    edit that writes no new such form finds the same answer there."""
    forms = written_forms(data) if cache is not None else None
    parsed = _parsed_forms(forms) if forms is not None else None
    if parsed is None:  # no text, or text the expression misread: not a function of the forms
        return rewritten(literals_of(data, forms))
    import hashlib
    import pickle
    import sys
    from goinglocal.versions import code_key
    digest = hashlib.sha256(code_key(REWRITES_FORMAT, sys.modules[__name__]).encode())
    for form in forms:
        digest.update(form + b"\n")
    key = digest.hexdigest()
    try:
        kept_key, kept = pickle.loads(cache.read_bytes())
        if kept_key == key and isinstance(kept, Rewritten):
            return kept
    except Exception:  # noqa: BLE001 - missing, damaged or from other code: work it out
        pass
    found = rewritten(_as_written(forms, parsed))
    from goinglocal.reason import write_atomic
    try:
        write_atomic(cache, pickle.dumps((key, found), protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass
    return found


# --- evaluation ----------------------------------------------------------------

class StoreEngine:
    """Runs compiled shapes on a store's graph (the default graph, or a named one)."""

    def __init__(self, shapes: Graph, store: ox.Store, graph: ox.NamedNode | None = None,
                 literals: Rewritten | None = None):
        self.shapes, self.store = shapes, store
        self.graph = graph if graph is not None else ox.DefaultGraph()
        self.options = {"default_graph": graph} if graph is not None else {}
        self.literals = literals or Rewritten()
        self._instances: dict = {}
        self._typed: dict | None = None  # class -> its direct instances
        self._subclasses: dict = {}      # class -> its direct subclasses
        self._as_written: dict = {}

    # reading the store
    def instances(self, cls: Node) -> set:
        """The nodes that are rdf:type/rdfs:subClassOf* the class (as pySHACL
        finds them, with no inference): one pass over rdf:type and
        rdfs:subClassOf for all classes, then a union per class asked for."""
        if self._typed is None:
            self._typed, self._subclasses = {}, {}
            for q in self.store.quads_for_pattern(None, TYPE, None, self.graph):
                self._typed.setdefault(q.object, []).append(q.subject)
            for q in self.store.quads_for_pattern(None, SUBCLASS, None, self.graph):
                self._subclasses.setdefault(q.object, set()).add(q.subject)
        if cls not in self._instances:
            start = to_ox(cls)
            below, todo = {start}, [start]
            while todo:
                for sub in self._subclasses.get(todo.pop(), ()):
                    if sub not in below:
                        below.add(sub)
                        todo.append(sub)
            self._instances[cls] = {n for c in below for n in self._typed.get(c, ())}
        return self._instances[cls]

    def select(self, query: str, variables: tuple[str, ...]) -> list[tuple]:
        return [tuple(s[v] for v in variables) for s in self.store.query(query, **self.options)]

    def focus_nodes(self, spec: Spec) -> set:
        found = set()
        for kind, term in spec.targets:
            if kind == SH.targetClass:
                found |= self.instances(term)
            elif kind == SH.targetNode:
                found.add(to_ox(term))
            elif kind == SH.targetSubjectsOf:
                found |= {q.subject for q in self.store.quads_for_pattern(None, to_ox(term), None, self.graph)}
            elif kind == SH.targetObjectsOf:
                found |= {q.object for q in self.store.quads_for_pattern(None, to_ox(term), None, self.graph)}
            else:  # SPARQL-based target
                found |= {row[0] for row in self.select(term, ("this",)) if row[0] is not None}
        return found

    def values(self, path: tuple[Step, ...] | None, focus) -> dict | None:
        """focus node -> its value nodes (distinct); None for a node shape
        (its value node is the focus node itself)."""
        if path is None:
            return None
        out: dict = {}
        many = len(focus) > PER_NODE
        for step in path:
            if many:
                quads = self.store.quads_for_pattern(None, step.predicate, None, self.graph)
                if step.inverse:
                    for q in quads:
                        if (node := q.object) in focus:
                            out.setdefault(node, []).append(q.subject)
                else:
                    for q in quads:
                        if (node := q.subject) in focus:
                            out.setdefault(node, []).append(q.object)
            else:
                for node in focus:
                    pattern = (None, step.predicate, node) if step.inverse else (node, step.predicate, None)
                    for q in self.store.quads_for_pattern(*pattern, self.graph):
                        out.setdefault(node, []).append(q.subject if step.inverse else q.object)
        if len(path) > 1:  # the same value by two predicates is one value node
            out = {node: list(dict.fromkeys(vs)) for node, vs in out.items()}
        return out

    def as_written(self, term):
        """The rdflib term as the data wrote it."""
        if not isinstance(term, ox.Literal):
            return from_ox(term)
        found = self._as_written.get(term)
        if found is None:
            found = self.literals.written.get(term)  # (not `or`: a Literal of 0 is false)
            found = self._as_written[term] = found if found is not None else from_ox(term)
        return found

    def lexical(self, term) -> str:
        """pySHACL's string of a value node (value_node_to_string): the IRI,
        or the literal's lexical form as written."""
        if isinstance(term, ox.Literal) and term in self.literals.written:
            return _string(self.literals.written[term])
        return term.value

    # checking
    def run(self, top: Node, spec: Spec, focus, only: set | None = None) -> list:
        from goinglocal.shacl_engines import ShaclResult
        if only is not None:
            focus = focus & only
        results: list = []
        if not focus:
            return results
        owner, text = spec.owner, spec.text

        def report(node, value, component):
            results.append(ShaclResult(spec.severity, owner, self.as_written(node), spec.result_path,
                                       None if value is None else self.as_written(value), component, text))

        value_map = self.values(spec.path, focus)
        self.check(spec, focus, value_map, report)
        for prop in spec.properties:
            results += self.run(top, prop, focus if value_map is None else _all(value_map))
        for query in spec.sparql:
            seen = set()
            for this, value in self.select(query, ("this", "value")):
                if this in focus and (this, value) not in seen:
                    seen.add((this, value))
                    report(this, value if value is not None else (this if spec.path is None else None), SPARQL)
        return results

    def any_conforms(self, members: list[Spec], nodes: set) -> set:
        """The nodes that conform to at least one of these shapes (sh:or)."""
        passing: set = set()
        for member in members:
            passing |= self.conforming(member, nodes - passing)
        return passing

    def conforming(self, spec: Spec, nodes: set) -> set:
        """The nodes that conform to a nested shape (a member of sh:or)."""
        if not nodes:
            return set()
        failed: set = set()
        value_map = self.values(spec.path, nodes)
        self.check(spec, nodes, value_map, lambda n, v, c: failed.add(n))
        for prop in spec.properties:
            targets = nodes if value_map is None else _all(value_map)
            bad = targets - self.conforming(prop, targets)
            failed |= bad if value_map is None else {n for n, vs in value_map.items() if any(v in bad for v in vs)}
        return nodes - failed

    def check(self, spec: Spec, nodes, value_map: dict | None, report) -> None:
        """Every constraint of the shape but its nested property shapes and
        SPARQL, on these focus nodes (value_map: their value nodes, None
        when the value node is the focus node)."""
        if value_map is None:
            pairs = [(n, n) for n in nodes]
        else:
            pairs = [(n, v) for n, vs in value_map.items() for v in vs]
            for bound, too_few, component in ((spec.min_count, True, MIN_COUNT), (spec.max_count, False, MAX_COUNT)):
                if bound is not None:
                    for n in nodes:
                        count = len(value_map.get(n, ()))
                        if (count < bound) if too_few else (count > bound):
                            report(n, None, component)
        for cls in spec.classes:
            members = self.instances(cls)
            for n, v in pairs:
                if v not in members or isinstance(v, ox.Literal):
                    report(n, v, CLASS)
        for datatype in spec.datatypes:
            for n, v in pairs:
                if not _datatype_matches(self.as_written(v), datatype):
                    report(n, v, DATATYPE)
        for pattern in spec.patterns:
            for n, v in pairs:
                if isinstance(v, ox.BlankNode) or not pattern.search(self.lexical(v)):
                    report(n, v, PATTERN)
        if spec.languages is not None:  # a store's tag is the written one in lower case, as pySHACL compares them
            for n, v in pairs:
                if not _language_matches(v, spec.languages):
                    report(n, v, LANGUAGE_IN)
        if spec.in_values is not None:
            for n, v in pairs:
                if self.as_written(v) not in spec.in_values:
                    report(n, v, IN)
        for wanted in spec.has_values:
            having = {n for n, v in pairs if self.as_written(v) == wanted}
            for n in nodes:
                if n not in having:
                    report(n, None, HAS_VALUE)
        for parameter, bound in spec.ranges:
            component, passes = RANGES[parameter]
            for n, v in pairs:
                if not _in_range(self.as_written(v), bound, passes):
                    report(n, v, component)
        for members in spec.ors:
            passing = self.any_conforms(members, {v for _, v in pairs})
            for n, v in pairs:
                if v not in passing:
                    report(n, v, OR)


def _all(value_map: dict) -> set:
    return {v for vs in value_map.values() for v in vs}


# pySHACL's checks (pyshacl/constraints/core), on rdflib terms as the data wrote them

def _datatype_matches(v: Node, rule: URIRef) -> bool:
    """DatatypeConstraintComponent.evaluate and _assert_actual_datatype."""
    if not isinstance(v, Literal):
        return False
    if v.datatype == rule:
        if getattr(v, "ill_typed", None) is True:
            return False
        return _actual_datatype(v, rule)
    if rule == RDFS.Literal:
        return True
    if rule == RDFS.Datatype and v.datatype:
        return True
    if v.datatype is None and v.language is None and rule == XSD.string:
        return _actual_datatype(v, rule)
    if rule == RDF.langString and v.language:
        return _actual_datatype(v, rule)
    return False


PYTHON_TYPES = {XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int, XSD.float: float,
                XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: date, XSD.time: time, XSD.dateTime: datetime}


def _actual_datatype(v: Literal, rule: URIRef) -> bool:
    return isinstance(v.value, PYTHON_TYPES[rule]) if rule in PYTHON_TYPES else True


def _string(v: Node) -> str:
    """StringBasedConstraintBase.value_node_to_string."""
    if isinstance(v, Literal) and v.value is not None and v.datatype in (None, RDF.langString, XSD.string):
        return str(v.value)
    return str(v)


def _language_matches(v, languages: set[str]) -> bool:
    """LanguageInConstraintComponent._evaluate_string_rule (on an Oxigraph term)."""
    if not isinstance(v, ox.Literal) or not v.language:
        return False
    lang = str(v.language)
    return "*" in languages or lang.lower() in languages or lang.split("-")[0].lower() in languages


def _in_range(v: Node, bound: Literal, passes) -> bool:
    """The value range components' _evaluate_min_rule / _evaluate_max_rule."""
    from pyshacl.rdfutil.compare import compare_literal
    if not isinstance(v, Literal):
        return False
    if isinstance(bound.value, str) != isinstance(v.value, str):
        return False
    try:
        return passes(compare_literal(v, bound))
    except (TypeError, NotImplementedError):
        return False
