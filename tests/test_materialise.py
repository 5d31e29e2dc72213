"""The fast rule reasoner (goinglocal.materialise) is allowed as the default
only because its closure equals owlrl's, the reference, on every triple a
question, a shape or a page can see: every triple about a node of the
project's id namespace (blank-node restriction memberships aside, numbers
compared by value), and the subclass hierarchy of the ontology."""

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDFS

from goinglocal.load import load_dataset
from goinglocal.materialise import unsupported_constructs
from goinglocal.namespaces import ID_BASE, ONTOLOGY_BASE
from goinglocal.reason import compute

NUMERIC = ("decimal", "integer", "double", "float")


def visible(nt: bytes) -> set:
    graph = Graph().parse(data=nt.decode("utf-8"), format="nt")
    seen = set()
    for s, p, o in graph:
        if isinstance(o, BNode):
            continue
        if str(s).startswith(ID_BASE):
            if isinstance(o, Literal) and o.datatype is not None and str(o.datatype).endswith(NUMERIC):
                o = ("number", float(o.toPython()))
            seen.add((s, p, o))
        elif p == RDFS.subClassOf and str(s).startswith(ONTOLOGY_BASE) and isinstance(o, URIRef):
            seen.add((s, p, o))
    return seen


@pytest.fixture(scope="module")
def both(layout):
    dataset = load_dataset(layout)
    return compute(dataset, "rules"), compute(dataset, "owlrl")


def test_rules_closure_equals_owlrl_on_everything_questions_see(both):
    rules, owlrl = both
    a, b = visible(rules.closure_nt), visible(owlrl.closure_nt)
    assert len(a) > 20000
    assert sorted(map(str, b - a))[:20] == [] and sorted(map(str, a - b))[:20] == []


def test_both_reasoners_agree_the_data_is_consistent(both):
    rules, owlrl = both
    assert rules.errors == owlrl.errors == []


def test_both_reasoners_catch_a_person_typed_as_organization(layout, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix gl: <https://w3id.org/goinglocal/ontology#> .\n"
                   "<https://w3id.org/goinglocal/id/person/x> a gl:Person , gl:Organization .\n")
    dataset = load_dataset(layout, extra=[bad], include_repository=False)
    for reasoner in ("rules", "owlrl"):
        errors = compute(dataset, reasoner).errors
        assert any("https://w3id.org/goinglocal/id/person/x" in e for e in errors), (reasoner, errors)


def test_ontology_uses_only_constructs_the_rules_implement(layout):
    import pyoxigraph as ox
    from goinglocal.load import load_ontology
    store = ox.Store()
    store.load(load_ontology(layout).serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    assert unsupported_constructs(store) == []
