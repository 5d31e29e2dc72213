"""Forward chaining of goinglocal.materialise's OWL 2 RL rules in Python, on
integer term ids: the default way the closure is computed.

The SPARQL updates of goinglocal.materialise state the rules and stay the
reference: tests/test_forward.py requires the same closure from both, on the
repository and on a graph with every construct the rules cover. This module
runs them faster because the ontology is small and fixed while the data is
large: the schema rules (scm-*) are run first to their fixpoint, and the
schema is then compiled into lookup tables (each class's superclasses, each
property's superproperties, domains, ranges, inverses, chains, restrictions),
so that an instance triple costs a few dictionary lookups instead of a
SPARQL join per rule and round.

Evaluation is a worklist: every triple, asserted or derived, is taken once;
it is added to the join indexes and then joined with the triples taken
before it, so each rule instance fires when its last body triple is taken.
Indexes are kept only for the predicates a join reads (transitive and chain
properties, someValuesFrom properties and then rdf:type), and a triple is
packed into one integer, so memory stays a small multiple of the closure's.

If reasoning derives a triple that would change the compiled schema (a new
subclass axiom, a property newly made transitive ...), the tables would be
stale: `run` then returns None and the caller uses the SPARQL engine, which
re-reads the schema every round."""

from __future__ import annotations

import gc
from collections import defaultdict
from contextlib import contextmanager
from typing import Iterable

import pyoxigraph as ox

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"

TYPE, SCO, SPO, DOMAIN, RANGE = RDF + "type", RDFS + "subClassOf", RDFS + "subPropertyOf", RDFS + "domain", RDFS + "range"
EQC, EQP, INV = OWL + "equivalentClass", OWL + "equivalentProperty", OWL + "inverseOf"
HAS_VALUE, ON_PROPERTY, SVF, CHAIN = OWL + "hasValue", OWL + "onProperty", OWL + "someValuesFrom", OWL + "propertyChainAxiom"
CLASS, THING = OWL + "Class", OWL + "Thing"
TRANSITIVE, SYMMETRIC = OWL + "TransitiveProperty", OWL + "SymmetricProperty"
FIRST, REST, NIL = RDF + "first", RDF + "rest", RDF + "nil"
# predicates whose triples the compiled tables are made of
SCHEMA_PREDICATES = (SCO, SPO, DOMAIN, RANGE, EQC, EQP, INV, HAS_VALUE, ON_PROPERTY, SVF, CHAIN, FIRST, REST)
SCHEMA_TYPES = (CLASS, TRANSITIVE, SYMMETRIC)


@contextmanager
def no_gc():
    """Python's cycle collector off while millions of small objects are made
    (none of them in a cycle): each collection would walk all of them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Terms:
    """Term <-> integer id, and which ids are literals."""

    def __init__(self):
        self.ids: dict = {}
        self.terms: list = []
        self.literal = bytearray()

    def id(self, term) -> int:
        found = self.ids.get(term)
        if found is None:
            found = self.ids[term] = len(self.terms)
            self.terms.append(term)
            self.literal.append(isinstance(term, ox.Literal))
        return found

    def iri(self, text: str) -> int:
        return self.id(ox.NamedNode(text))


def _closure(edges: dict[int, set[int]]) -> dict[int, set[int]]:
    """Transitive closure of a small graph: every node's reachable nodes."""
    out = {}
    for start in edges:
        seen, todo = set(), list(edges[start])
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo.extend(edges.get(n, ()))
        out[start] = seen
    return out


class Schema:
    """The lookup tables compiled from the schema triples (after the scm rules)."""

    def __init__(self, t: Terms, triples: set[tuple[int, int, int]]):
        by_p: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for s, p, o in triples:
            by_p[p].append((s, o))
        get = lambda name: by_p.get(t.iri(name), [])  # noqa: E731
        self.type = t.iri(TYPE)
        self.sup_classes = defaultdict(set)
        for a, b in get(SCO):
            if a != b:
                self.sup_classes[a].add(b)
        self.sup_props = defaultdict(set)
        for a, b in get(SPO):
            if a != b:
                self.sup_props[a].add(b)
        self.domains, self.ranges, self.inverses = defaultdict(set), defaultdict(set), defaultdict(set)
        for p, c in get(DOMAIN):
            self.domains[p].add(c)
        for p, c in get(RANGE):
            self.ranges[p].add(c)
        for p, q in get(INV):
            self.inverses[p].add((q, False))  # prp-inv1: x p y -> y q x
            self.inverses[q].add((p, True))   # prp-inv2: x q y -> y p x
        typed = defaultdict(set)
        for s, o in get(TYPE):
            typed[o].add(s)
        self.transitive = typed.get(t.iri(TRANSITIVE), set())
        self.symmetric = typed.get(t.iri(SYMMETRIC), set())
        on_property = defaultdict(set)
        for r, p in get(ON_PROPERTY):
            on_property[r].add(p)
        self.has_value = defaultdict(set)      # cls-hv1: restriction -> (property, value)
        self.value_class = defaultdict(set)    # cls-hv2: (property, value) -> restriction
        for r, v in get(HAS_VALUE):
            for p in on_property.get(r, ()):
                self.has_value[r].add((p, v))
                self.value_class[(p, v)].add(r)
        self.svf_by_prop = defaultdict(set)    # cls-svf1, x p y taken: property -> (restriction, class)
        self.svf_by_class = defaultdict(set)   # cls-svf1, y a c taken: class -> (restriction, property)
        for r, c in get(SVF):
            for p in on_property.get(r, ()):
                self.svf_by_prop[p].add((r, c))
                self.svf_by_class[c].add((r, p))
        first = dict(get(FIRST))
        rest = dict(get(REST))
        nil = t.iri(NIL)
        self.chains = defaultdict(list)        # prp-spo2: step property -> (head, chain, position)
        for head, node in get(CHAIN):
            chain = []
            while node != nil and node in first:
                chain.append(first[node])
                node = rest.get(node, nil)
            for i, step in enumerate(chain):
                self.chains[step].append((head, tuple(chain), i))


def schema_closure(t: Terms, asserted: Iterable[tuple[int, int, int]]) -> set[tuple[int, int, int]]:
    """The scm rules' consequences (scm-cls, scm-sco, scm-eqc, scm-spo, scm-eqp)."""
    sco, spo = t.iri(SCO), t.iri(SPO)
    cls, eqc, eqp, typ, thing = t.iri(CLASS), t.iri(EQC), t.iri(EQP), t.iri(TYPE), t.iri(THING)
    class_edges, prop_edges, derived = defaultdict(set), defaultdict(set), set()
    for s, p, o in asserted:
        if p == typ and o == cls:
            derived |= {(s, sco, s), (s, sco, thing), (s, eqc, s)}
            class_edges[s] |= {s, thing}
        elif p == sco:
            class_edges[s].add(o)
        elif p == eqc:
            class_edges[s].add(o)
            class_edges[o].add(s)
            derived |= {(s, sco, o), (o, sco, s)}
        elif p == spo:
            prop_edges[s].add(o)
        elif p == eqp:
            prop_edges[s].add(o)
            prop_edges[o].add(s)
            derived |= {(s, spo, o), (o, spo, s)}
    for a, reach in _closure(class_edges).items():
        derived |= {(a, sco, c) for c in reach}
    for a, reach in _closure(prop_edges).items():
        derived |= {(a, spo, c) for c in reach}
    return derived


def _schema_triples(t: Terms, triples: Iterable[tuple[int, int, int]]) -> set[tuple[int, int, int]]:
    """The triples the compiled tables are made of."""
    preds = {t.iri(p) for p in SCHEMA_PREDICATES}
    typ, types = t.iri(TYPE), {t.iri(c) for c in SCHEMA_TYPES}
    return {(s, p, o) for s, p, o in triples if p in preds or (p == typ and o in types)}


def _schema_changing(t: Terms, schema_input: set, derived: Iterable[tuple[int, int, int]]) -> bool:
    return bool(_schema_triples(t, derived) - schema_input)


class StoreClosure:
    """A fixpoint's triples as an Oxigraph store holds them (in any of its
    graphs), read by `run` only where a rule looks: whether a triple is
    there, a node's objects or subjects by one predicate, the schema's
    triples. An edit adds a few triples to a closure of thousands, so this
    reads far less than indexing the whole closure would."""

    def __init__(self, t: Terms, store: ox.Store):
        self.t, self.store = t, store

    def has(self, s: int, p: int, o: int) -> bool:
        terms = self.t.terms
        return next(iter(self.store.quads_for_pattern(terms[s], terms[p], terms[o])), None) is not None

    def objects(self, s: int, p: int) -> set[int]:
        if self.t.literal[s]:  # a literal is no triple's subject
            return set()
        terms, ident = self.t.terms, self.t.id
        return {ident(q.object) for q in self.store.quads_for_pattern(terms[s], terms[p], None)}

    def subjects(self, p: int, o: int) -> set[int]:
        terms, ident = self.t.terms, self.t.id
        return {ident(q.subject) for q in self.store.quads_for_pattern(None, terms[p], terms[o])}

    def schema_triples(self) -> set[tuple[int, int, int]]:
        ident, typ = self.t.id, ox.NamedNode(TYPE)
        quads = [q for name in SCHEMA_PREDICATES for q in self.store.quads_for_pattern(None, ox.NamedNode(name), None)]
        quads += [q for name in SCHEMA_TYPES for q in self.store.quads_for_pattern(None, typ, ox.NamedNode(name))]
        return {(ident(q.subject), ident(q.predicate), ident(q.object)) for q in quads}


class _Index(dict):
    """node -> nodes by one predicate: what the store holds, read when a node
    is first asked for, plus what the run has taken since."""

    def __init__(self, read):
        super().__init__()
        self.read = read

    def __missing__(self, node):
        found = self[node] = self.read(node)
        return found

    def get(self, node, default=None):
        return self[node]


def run(t: Terms, asserted: list[tuple[int, int, int]], closure: StoreClosure | None = None,
        added: list[tuple[int, int, int]] | None = None) -> list[tuple[int, int, int]] | None:
    """The triples the rules derive that are not asserted, in the order found;
    None if the schema would change (see the module's note), which includes
    an added triple that is a schema triple the closure lacks.

    With `closure` (a fixpoint's every triple, asserted and derived, read
    from its store as the rules need it) and `added` (new asserted triples),
    only what the added triples lead to is computed: `asserted` is not read,
    the added triples are taken as if the closure's had been taken before.

    Inside, a triple is one integer (s | p << B | o << 2B, B bits per id):
    a set of a few million of them fits where tuples would not."""
    added = list(added or ())
    schema = closure.schema_triples() if closure is not None else _schema_triples(t, asserted)
    added_schema = _schema_triples(t, added)
    if closure is not None and added_schema - schema:
        return None  # a new axiom: every triple of the old closure would have to be taken again under it
    schema_input = schema | added_schema
    scm = schema_closure(t, schema_input)
    schema_input |= scm
    sch = Schema(t, schema_input)
    # a StoreClosure gives terms ids as the run reads them: room for as many as a store can hold
    bits = 40 if closure is not None else max(len(t.terms), 1).bit_length()
    mask, shift2 = (1 << bits) - 1, 2 * bits
    pack = lambda s, p, o: s | (p << bits) | (o << shift2)  # noqa: E731
    typ = sch.type
    literal = t.literal
    sup_classes, sup_props, domains, ranges = sch.sup_classes, sch.sup_props, sch.domains, sch.ranges
    inverses, transitive, symmetric = sch.inverses, sch.transitive, sch.symmetric
    has_value, value_class, svf_by_prop, svf_by_class = sch.has_value, sch.value_class, sch.svf_by_prop, sch.svf_by_class
    chains = sch.chains
    # join indexes, only for the predicates a join reads: forwards (s -> o) and backwards (o -> s)
    forwards = set(transitive) | set(chains) | ({typ} if svf_by_prop else set())
    backwards = set(transitive) | set(chains) | set(svf_by_prop)
    derived: list[int] = []
    if closure is None:
        sp: dict[int, dict[int, set[int]]] = {p: defaultdict(set) for p in forwards}
        po: dict[int, dict[int, set[int]]] = {p: defaultdict(set) for p in backwards}
        todo = [pack(*triple) for triple in asserted]
        seen = set(todo)

        def push(s, p, o):
            x = s | (p << bits) | (o << shift2)
            if x not in seen and not literal[s]:
                seen.add(x)
                derived.append(x)
                todo.append(x)
    else:
        sp = {p: _Index(lambda s, p=p: closure.objects(s, p)) for p in forwards}
        po = {p: _Index(lambda o, p=p: closure.subjects(p, o)) for p in backwards}
        seen, todo = set(), []
        for triple in added:  # asserted now: taken, never reported as derived
            x = pack(*triple)
            if x not in seen and not closure.has(*triple):
                seen.add(x)
                todo.append(x)

        def push(s, p, o):  # a triple the store holds is in the closure already
            x = s | (p << bits) | (o << shift2)
            if x not in seen and not literal[s]:
                seen.add(x)
                if not closure.has(s, p, o):
                    derived.append(x)
                    todo.append(x)

    def index(s, p, o):
        if p in forwards:
            sp[p][s].add(o)
        if p in backwards:
            po[p][o].add(s)

    for triple in sorted(scm):  # the schema rules' consequences, derived before any other
        push(*triple)

    def walk(start: int, steps: tuple, backwards: bool) -> set[int]:
        """The nodes reached from start along the chain steps (reversed if backwards)."""
        nodes = {start}
        for step in (reversed(steps) if backwards else steps):
            table = (po if backwards else sp)[step]
            nodes = {n for m in nodes for n in table.get(m, ())}
            if not nodes:
                break
        return nodes

    while todo:
        x = todo.pop()
        s, p, o = x & mask, (x >> bits) & mask, x >> shift2
        index(s, p, o)
        if p == typ:
            for d in sup_classes.get(o, ()):  # cax-sco
                push(s, typ, d)
            for q, v in has_value.get(o, ()):  # cls-hv1
                push(s, q, v)
            for r, q in svf_by_class.get(o, ()):  # cls-svf1, the typed value taken last
                for w in po[q].get(s, ()):
                    push(w, typ, r)
        for q in sup_props.get(p, ()):  # prp-spo1
            push(s, q, o)
        for c in domains.get(p, ()):  # prp-dom
            push(s, typ, c)
        if not literal[o]:
            for c in ranges.get(p, ()):  # prp-rng
                push(o, typ, c)
            for q, _ in inverses.get(p, ()):  # prp-inv1, prp-inv2
                push(o, q, s)
            if p in symmetric:  # prp-symp
                push(o, p, s)
        if p in transitive:  # prp-trp
            for z in list(sp[p].get(o, ())):
                push(s, p, z)
            for w in list(po[p].get(s, ())):
                push(w, p, o)
        for r in value_class.get((p, o), ()):  # cls-hv2
            push(s, typ, r)
        for r, c in svf_by_prop.get(p, ()):  # cls-svf1, the property triple taken last
            if c in sp[typ].get(o, ()):
                push(s, typ, r)
        for head, chain, i in chains.get(p, ()):  # prp-spo2
            for first in walk(s, chain[:i], backwards=True):
                for last in walk(o, chain[i + 1:], backwards=False):
                    push(first, head, last)

    found = [(x & mask, (x >> bits) & mask, x >> shift2) for x in derived]
    if _schema_changing(t, schema_input, found):
        return None
    return found
