"""A fast OWL 2 RL materialisation of the rules the goinglocal ontology uses,
run as SPARQL updates on an in-memory Oxigraph store until nothing changes.

owlrl stays the reference reasoner (`--reasoner owlrl`); this one is the
default only because tests/test_materialise.py shows that its closure equals
owlrl's on every triple a question, a shape or a page can see (every triple
whose subject is in the project's id namespace, and the subclass hierarchy
of the ontology). The rules are the OWL 2 RL rules for the constructs the
ontology contains (see RULES and chain_rules); a construct outside them is
reported by `unsupported_constructs` so that nobody extends the ontology
and silently loses inferences.

Evaluation is semi-naive. The asserted triples stay in the named graph
GRAPH_ASSERTED and every inferred one goes to GRAPH_INFERRED (the layout
goinglocal.store.KnowledgeGraph queries), so `materialise_store` hands back a
store that questions can run on without dumping or re-parsing anything.
Round 1 evaluates every rule once over all triples; each later round
evaluates only the rule instances in which at least one body atom matches a
triple first derived in the round before (the delta graph), and every rule
skips a head already in the closure (FILTER NOT EXISTS), so no triple is
derived twice and a round costs what the previous one added, not the size of
the graph. The fixpoint is the same as naive iteration's: the rules and the
closure are unchanged, only the work to reach it.

Rule names follow the OWL 2 RL profile, section 4.3."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pyoxigraph as ox

from goinglocal.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED

P = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""
ASSERTED = ox.NamedNode(GRAPH_ASSERTED)
INFERRED = ox.NamedNode(GRAPH_INFERRED)
DELTA = ox.NamedNode("urn:goinglocal:materialise:delta")  # derived in the previous round
NEW = ox.NamedNode("urn:goinglocal:materialise:new")      # derived in this round

# name: (head, body atoms, filter). One head triple per rule, so that
# FILTER NOT EXISTS can test it; rules with two heads in the profile are split.
RULES: dict[str, tuple[str, list[str], str]] = {
    "scm-cls/1": ("?c rdfs:subClassOf ?c", ["?c a owl:Class"], ""),
    "scm-cls/2": ("?c rdfs:subClassOf owl:Thing", ["?c a owl:Class"], ""),
    "scm-cls/3": ("?c owl:equivalentClass ?c", ["?c a owl:Class"], ""),
    "scm-sco": ("?a rdfs:subClassOf ?c", ["?a rdfs:subClassOf ?b", "?b rdfs:subClassOf ?c"], ""),
    "scm-eqc/1": ("?a rdfs:subClassOf ?b", ["?a owl:equivalentClass ?b"], ""),
    "scm-eqc/2": ("?b rdfs:subClassOf ?a", ["?a owl:equivalentClass ?b"], ""),
    "scm-spo": ("?a rdfs:subPropertyOf ?c", ["?a rdfs:subPropertyOf ?b", "?b rdfs:subPropertyOf ?c"], ""),
    "scm-eqp/1": ("?a rdfs:subPropertyOf ?b", ["?a owl:equivalentProperty ?b"], ""),
    "scm-eqp/2": ("?b rdfs:subPropertyOf ?a", ["?a owl:equivalentProperty ?b"], ""),
    "cax-sco": ("?x a ?d", ["?c rdfs:subClassOf ?d", "?x a ?c"], "FILTER(?c != ?d)"),
    "prp-spo1": ("?x ?q ?y", ["?p rdfs:subPropertyOf ?q", "?x ?p ?y"], "FILTER(?p != ?q)"),
    "prp-dom": ("?x a ?c", ["?p rdfs:domain ?c", "?x ?p ?y"], ""),
    "prp-rng": ("?y a ?c", ["?p rdfs:range ?c", "?x ?p ?y"], "FILTER(!isLiteral(?y))"),
    "prp-inv1": ("?y ?q ?x", ["?p owl:inverseOf ?q", "?x ?p ?y"], "FILTER(!isLiteral(?y))"),
    "prp-inv2": ("?y ?p ?x", ["?p owl:inverseOf ?q", "?x ?q ?y"], "FILTER(!isLiteral(?y))"),
    "prp-symp": ("?y ?p ?x", ["?p a owl:SymmetricProperty", "?x ?p ?y"], ""),
    "prp-trp": ("?x ?p ?z", ["?p a owl:TransitiveProperty", "?x ?p ?y", "?y ?p ?z"], ""),
    "cls-hv1": ("?x ?p ?v", ["?r owl:hasValue ?v", "?r owl:onProperty ?p", "?x a ?r"], ""),
    "cls-hv2": ("?x a ?r", ["?r owl:hasValue ?v", "?r owl:onProperty ?p", "?x ?p ?v"], ""),
    "cls-svf1": ("?x a ?r", ["?r owl:someValuesFrom ?c", "?r owl:onProperty ?p", "?x ?p ?y", "?y a ?c"], ""),
}

CHAINS = """SELECT ?p ?list WHERE { ?p owl:propertyChainAxiom ?list }"""

INCONSISTENCIES = {
    "cax-dw": ("SELECT ?x ?c ?d WHERE { ?c owl:disjointWith ?d . ?x a ?c , ?d }",
               "{x} is typed both {c} and {d}, which are disjoint"),
    "prp-irp": ("SELECT ?x ?p WHERE { ?p a owl:IrreflexiveProperty . ?x ?p ?x }",
                "{x} is related to itself by the irreflexive property {p}"),
    "cls-nothing": ("SELECT ?x WHERE { ?x a owl:Nothing }", "{x} is an instance of owl:Nothing"),
}

SUPPORTED = {
    "http://www.w3.org/2002/07/owl#" + t for t in (
        "Class", "ObjectProperty", "DatatypeProperty", "TransitiveProperty", "SymmetricProperty",
        "IrreflexiveProperty", "Restriction", "Ontology", "equivalentClass", "inverseOf", "disjointWith",
        "propertyChainAxiom", "hasValue", "someValuesFrom", "onProperty", "versionInfo", "equivalentProperty",
        "AnnotationProperty", "NamedIndividual", "Thing", "sameAs")
}
OWL_TERMS = """SELECT DISTINCT ?t WHERE {
  { ?s ?t ?o } UNION { ?s a ?t }
  FILTER(STRSTARTS(STR(?t), "http://www.w3.org/2002/07/owl#"))
}"""
UNION = {"use_default_graph_as_union": True}


def _list(store: ox.Store, head) -> list:
    items = []
    node = head
    first, rest, nil = (ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#" + n) for n in ("first", "rest", "nil"))
    while node != nil:
        items.append(next(store.quads_for_pattern(node, first, None)).object)
        node = next(store.quads_for_pattern(node, rest, None)).object
    return items


def chain_rules(store: ox.Store) -> dict[str, tuple[str, list[str], str]]:
    """One rule per owl:propertyChainAxiom (prp-spo2), of any length."""
    rules = {}
    for solution in store.query(P + CHAINS, **UNION):
        prop, chain = solution["p"], _list(store, solution["list"])
        atoms = [f"?v{i} <{step.value}> ?v{i + 1}" for i, step in enumerate(chain)]
        name = f"prp-spo2 {prop.value}"
        if name in rules:  # a property with several chains gets one rule per chain
            name += " (" + " o ".join(step.value for step in chain) + ")"
        rules[name] = (f"?v0 <{prop.value}> ?v{len(chain)}", atoms, "")
    return rules


def unsupported_constructs(store: ox.Store) -> list[str]:
    return sorted(s["t"].value for s in store.query(P + OWL_TERMS, **UNION) if s["t"].value not in SUPPORTED)


def rule_updates(head: str, atoms: list[str], condition: str) -> tuple[str, list[str]]:
    """(the full evaluation for round 1, one delta variant per body atom)."""
    def update(body: list[str], named: bool) -> str:
        dataset = f"USING <{ASSERTED.value}> USING <{INFERRED.value}>" + (f" USING NAMED <{DELTA.value}>" if named else "")
        return (f"{P}INSERT {{ GRAPH <{NEW.value}> {{ {head} }} }} {dataset} WHERE {{ "
                + " . ".join(body) + f" {condition} FILTER NOT EXISTS {{ {head} }} }}")
    variants = [update([f"GRAPH <{DELTA.value}> {{ {atom} }}"] + atoms[:i] + atoms[i + 1:], True)
                for i, atom in enumerate(atoms)]
    return update(atoms, False), variants


@dataclass
class Stats:
    rounds: int = 0
    seconds: dict[str, float] = field(default_factory=dict)  # rule name -> seconds, all rounds
    derived: list[int] = field(default_factory=list)          # new triples per round
    # after an extension by forward chaining (extend_store): the quads that left and joined the graphs
    removed: list[ox.Quad] | None = None
    added: list[ox.Quad] | None = None


def _graph_size(store: ox.Store, graph: ox.NamedNode) -> int:
    return sum(1 for _ in store.quads_for_pattern(None, None, None, graph))


def _asserted_ids(store: ox.Store, terms: "forward.Terms") -> list[tuple[int, int, int]]:
    return [(terms.id(q.subject), terms.id(q.predicate), terms.id(q.object))
            for q in store.quads_for_pattern(None, None, None, ASSERTED)]


def _add_inferred(store: ox.Store, terms: "forward.Terms", triples: list[tuple[int, int, int]]) -> None:
    # Quad objects, not N-Triples text: a load would give blank nodes new labels
    t = terms.terms
    store.bulk_extend(ox.Quad(t[s], t[p], t[o], INFERRED) for s, p, o in triples)


def materialise_store(store: ox.Store, stats: Stats | None = None) -> list[str]:
    """Run the rules to the fixpoint on a store whose asserted triples are in
    GRAPH_ASSERTED; inferred triples are added to GRAPH_INFERRED (never one
    that is asserted). Return the inconsistency messages. The rules run by
    forward chaining (goinglocal.forward); by SPARQL updates when reasoning
    would change the schema that forward chaining compiles."""
    stats = stats if stats is not None else Stats()
    errors = _forward(store, stats)
    return errors if errors is not None else materialise_store_sparql(store, stats)


def _forward(store: ox.Store, stats: Stats, new: list | None = None) -> list[str] | None:
    """The closure by forward chaining: from scratch, or with `new` (asserted
    triples not yet in the store) from the closure the store holds. None,
    the store untouched, when the schema would change."""
    from goinglocal import forward
    started = time.perf_counter()
    terms = forward.Terms()
    with forward.no_gc():
        if new is None:
            derived = forward.run(terms, _asserted_ids(store, terms))
        else:
            added = [(terms.id(t.subject), terms.id(t.predicate), terms.id(t.object)) for t in new]
            derived = forward.run(terms, [], closure=forward.StoreClosure(terms, store), added=added)
    if derived is None:
        return None
    if new is not None:
        moved = _assert_new(store, new)
        t = terms.terms
        stats.removed = [ox.Quad(q.subject, q.predicate, q.object, INFERRED) for q in moved]
        stats.added = ([ox.Quad(q.subject, q.predicate, q.object, ASSERTED) for q in new]
                       + [ox.Quad(t[s], t[p], t[o], INFERRED) for s, p, o in derived])
    _add_inferred(store, terms, derived)
    stats.rounds, stats.derived = 1, [len(derived)]
    stats.seconds["forward chaining"] = time.perf_counter() - started
    return inconsistencies(store)


def _assert_new(store: ox.Store, new: list, delta: bool = False) -> list:
    """Put new asserted triples in the asserted graph; one that was inferred
    leaves the inferred graph, any other also goes to the delta graph when
    `delta` (the SPARQL rules' first round starts from it). Returns those
    that were inferred."""
    moved = []
    for t in new:
        inferred = ox.Quad(t.subject, t.predicate, t.object, INFERRED)
        if inferred in store:
            store.remove(inferred)
            moved.append(t)
        elif delta:
            store.add(ox.Quad(t.subject, t.predicate, t.object, DELTA))
        store.add(ox.Quad(t.subject, t.predicate, t.object, ASSERTED))
    return moved


def materialise_store_sparql(store: ox.Store, stats: Stats | None = None) -> list[str]:
    """The reference evaluation: run the rules as SPARQL updates to the fixpoint on a store whose asserted triples are in
    GRAPH_ASSERTED; inferred triples are added to GRAPH_INFERRED (never one
    that is asserted). Return the inconsistency messages."""
    stats = stats if stats is not None else Stats()
    rules = {name: rule_updates(*rule) for name, rule in {**RULES, **chain_rules(store)}.items()}
    # the schema rules first, to their own fixpoint: the instance rules then
    # start from the whole class and property hierarchy, so they do not join
    # all instances again with every subclass axiom derived a round later
    _fixpoint(store, {n: r for n, r in rules.items() if n.startswith("scm-")}, stats)
    _fixpoint(store, rules, stats)
    return inconsistencies(store)


def inconsistencies(store: ox.Store) -> list[str]:
    errors = []
    for query, message in INCONSISTENCIES.values():
        result = store.query(P + query, **UNION)
        names = [v.value for v in result.variables]
        for solution in result:
            errors.append(message.format(**{name: solution[name].value for name in names}))
    return sorted(set(errors))


def extend_store(store: ox.Store, added: list, stats: Stats | None = None) -> list[str]:
    """Insert asserted triples into a store that holds a closure (asserted and
    inferred named graphs, at the fixpoint) and bring the closure to the new
    fixpoint semi-naively: the first round joins only the triples that are
    new to the closure (the delta), as every later round does. Sound because
    every rule is monotone (no negation in a body, FILTER NOT EXISTS only
    tests the head): what the old triples derive is already in the closure.
    A triple that was inferred and is now asserted moves to the asserted
    graph. Rules compiled from the data (property chains) must not change:
    the caller recomputes from scratch when an added triple declares one."""
    stats = stats if stats is not None else Stats()
    new = [t for t in added if ox.Quad(t.subject, t.predicate, t.object, ASSERTED) not in store]
    if (errors := _forward(store, stats, new)) is not None:
        return errors
    _assert_new(store, new, delta=True)
    rules = {name: rule_updates(*rule) for name, rule in {**RULES, **chain_rules(store)}.items()}
    _fixpoint(store, rules, stats, first=False)
    return inconsistencies(store)


def _fixpoint(store: ox.Store, rules: dict[str, tuple[str, list[str]]], stats: Stats, first: bool = True) -> None:
    """Rounds until nothing is derived. first=False starts from a delta graph
    already filled (extend_store) instead of a full first round."""
    while True:
        stats.rounds += 1
        for name, (full, variants) in rules.items():
            started = time.perf_counter()
            for update in [full] if first else variants:
                store.update(update)
            stats.seconds[name] = stats.seconds.get(name, 0.0) + time.perf_counter() - started
        first = False
        store.update(f"DROP SILENT GRAPH <{DELTA.value}>")
        derived = _graph_size(store, NEW)
        stats.derived.append(derived)
        if not derived:
            break
        store.update(f"ADD <{NEW.value}> TO <{INFERRED.value}> ; MOVE <{NEW.value}> TO <{DELTA.value}>")
    store.update(f"DROP SILENT GRAPH <{NEW.value}> ; DROP SILENT GRAPH <{DELTA.value}>")


def load_asserted(ntriples: bytes | None = None, path=None) -> ox.Store:
    """A store with the N-Triples (bytes or a file) in GRAPH_ASSERTED."""
    store = ox.Store()
    if path is not None:
        store.load(path=str(path), format=ox.RdfFormat.N_TRIPLES, to_graph=ASSERTED)
    else:
        store.load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=ASSERTED)
    return store


def dump(store: ox.Store, graphs=(ASSERTED,), output=None) -> bytes | None:
    """N-Triples of the named graphs, one after the other, written by the store
    (blank nodes keep their labels); to `output` (a path or binary file) if given."""
    if output is None:
        return b"".join(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g) for g in graphs)
    fh = open(output, "wb") if isinstance(output, (str, bytes)) or hasattr(output, "__fspath__") else output
    try:
        for g in graphs:
            store.dump(fh, format=ox.RdfFormat.N_TRIPLES, from_graph=g)
    finally:
        if fh is not output:
            fh.close()
    return None


def materialise(ntriples: bytes) -> tuple[bytes, bytes, list[str], int]:
    """(asserted and closure as N-Triples written by the same store, so blank
    nodes keep their labels; inconsistency messages; rounds to the fixpoint)."""
    return materialise_keeping_store(ntriples)[:4]


def materialise_keeping_store(ntriples: bytes) -> tuple[bytes, bytes, list[str], int, ox.Store]:
    """materialise(), plus the store that holds the closure (asserted and
    inferred named graphs), which a KnowledgeGraph can use as it is."""
    store = load_asserted(ntriples)
    stats = Stats()
    errors = materialise_store(store, stats)
    asserted = dump(store, (ASSERTED,))
    return asserted, asserted + dump(store, (INFERRED,)), errors, stats.rounds, store
