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

Rule names follow the OWL 2 RL profile, section 4.3."""

from __future__ import annotations

import pyoxigraph as ox

P = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""

RULES: dict[str, str] = {
    "scm-cls": "INSERT { ?c rdfs:subClassOf ?c , owl:Thing . ?c owl:equivalentClass ?c } WHERE { ?c a owl:Class }",
    "scm-sco": "INSERT { ?a rdfs:subClassOf ?c } WHERE { ?a rdfs:subClassOf ?b . ?b rdfs:subClassOf ?c }",
    "scm-eqc": "INSERT { ?a rdfs:subClassOf ?b . ?b rdfs:subClassOf ?a } WHERE { ?a owl:equivalentClass ?b }",
    "scm-spo": "INSERT { ?a rdfs:subPropertyOf ?c } WHERE { ?a rdfs:subPropertyOf ?b . ?b rdfs:subPropertyOf ?c }",
    "scm-eqp": "INSERT { ?a rdfs:subPropertyOf ?b . ?b rdfs:subPropertyOf ?a } WHERE { ?a owl:equivalentProperty ?b }",
    "cax-sco": "INSERT { ?x a ?d } WHERE { ?c rdfs:subClassOf ?d . ?x a ?c }",
    "prp-spo1": "INSERT { ?x ?q ?y } WHERE { ?p rdfs:subPropertyOf ?q . FILTER(?p != ?q) ?x ?p ?y }",
    "prp-dom": "INSERT { ?x a ?c } WHERE { ?p rdfs:domain ?c . ?x ?p ?y }",
    "prp-rng": "INSERT { ?y a ?c } WHERE { ?p rdfs:range ?c . ?x ?p ?y . FILTER(!isLiteral(?y)) }",
    "prp-inv1": "INSERT { ?y ?q ?x } WHERE { ?p owl:inverseOf ?q . ?x ?p ?y . FILTER(!isLiteral(?y)) }",
    "prp-inv2": "INSERT { ?y ?p ?x } WHERE { ?p owl:inverseOf ?q . ?x ?q ?y . FILTER(!isLiteral(?y)) }",
    "prp-symp": "INSERT { ?y ?p ?x } WHERE { ?p a owl:SymmetricProperty . ?x ?p ?y }",
    "prp-trp": "INSERT { ?x ?p ?z } WHERE { ?p a owl:TransitiveProperty . ?x ?p ?y . ?y ?p ?z }",
    "cls-hv1": "INSERT { ?x ?p ?v } WHERE { ?r owl:hasValue ?v ; owl:onProperty ?p . ?x a ?r }",
    "cls-hv2": "INSERT { ?x a ?r } WHERE { ?r owl:hasValue ?v ; owl:onProperty ?p . ?x ?p ?v }",
    "cls-svf1": "INSERT { ?x a ?r } WHERE { ?r owl:someValuesFrom ?c ; owl:onProperty ?p . ?x ?p ?y . ?y a ?c }",
}

CHAINS = """SELECT ?p ?list WHERE { ?p owl:propertyChainAxiom ?list }"""
LIST_ITEMS = """SELECT ?item WHERE { ?list rdf:rest*/rdf:first ?item }"""

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


def _list(store: ox.Store, head) -> list:
    items = []
    node = head
    first, rest, nil = (ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#" + n) for n in ("first", "rest", "nil"))
    while node != nil:
        items.append(next(store.quads_for_pattern(node, first, None)).object)
        node = next(store.quads_for_pattern(node, rest, None)).object
    return items


def chain_rules(store: ox.Store) -> dict[str, str]:
    """One INSERT per owl:propertyChainAxiom (prp-spo2), of any length."""
    rules = {}
    for solution in store.query(P + CHAINS):
        prop, chain = solution["p"], _list(store, solution["list"])
        steps = " . ".join(f"?v{i} <{step.value}> ?v{i + 1}" for i, step in enumerate(chain))
        rules[f"prp-spo2 {prop.value}"] = f"INSERT {{ ?v0 <{prop.value}> ?v{len(chain)} }} WHERE {{ {steps} }}"
    return rules


def unsupported_constructs(store: ox.Store) -> list[str]:
    return sorted(s["t"].value for s in store.query(P + OWL_TERMS) if s["t"].value not in SUPPORTED)


def materialise(ntriples: bytes) -> tuple[bytes, bytes, list[str], int]:
    """(asserted and closure as N-Triples written by the same store, so blank
    nodes keep their labels; inconsistency messages; rounds to the fixpoint)."""
    store = ox.Store()
    store.load(ntriples, format=ox.RdfFormat.N_TRIPLES)
    asserted = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    rules = {**RULES, **chain_rules(store)}
    rounds, size = 0, -1
    while size != len(store):
        size = len(store)
        rounds += 1
        for update in rules.values():
            store.update(P + update)
    errors = []
    for query, message in INCONSISTENCIES.values():
        result = store.query(P + query)
        names = [v.value for v in result.variables]
        for solution in result:
            errors.append(message.format(**{name: solution[name].value for name in names}))
    output = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    return asserted, output, sorted(set(errors)), rounds
