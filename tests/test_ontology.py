"""The ontology parses, defines every term the code names, and carries the
OWL 2 RL axioms the questions rely on."""

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from goinglocal.load import load_ontology
from goinglocal.namespaces import GL, ONTOLOGY_BASE


def test_every_term_the_code_uses_is_defined(layout):
    onto = load_ontology(layout)
    defined = set(onto.subjects())
    missing = [t for t in GL.__annotations__ if URIRef(ONTOLOGY_BASE + t) not in defined]
    assert missing == []


def test_reasoning_axioms_are_in_place(layout):
    onto: Graph = load_ontology(layout)
    assert (GL.locatedIn, RDF.type, OWL.TransitiveProperty) in onto
    assert (GL.twinnedWith, RDF.type, OWL.SymmetricProperty) in onto
    assert (GL.hasParty, OWL.inverseOf, GL.partyTo) in onto
    assert (GL.activeIn, OWL.propertyChainAxiom, None) in onto
    assert (GL.ChineseLocality, OWL.equivalentClass, None) in onto


def test_no_owl_sameas_anywhere_in_authored_data(layout):
    for path in layout.instance_files():
        assert "owl#sameAs" not in path.read_text() and "owl:sameAs" not in path.read_text(), path
