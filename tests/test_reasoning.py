"""What the OWL 2 RL closure must add to the asserted Jujuy slice, and what
it must not keep (literal subjects, reflexive owl:sameAs)."""

import pytest
from rdflib import URIRef

from goinglocal.namespaces import GL, ID, SECTOR

JUJUY = ID["place/ar/jujuy"]
CITY = ID["place/ar/jujuy/san-salvador-de-jujuy"]
GUIZHOU = ID["place/cn/guizhou"]
SAFE_CITY = ID["project/ar/jujuy-seguro-e-interconectado"]
TWINNING = ID["agreement/jujuy-guizhou-2018-twinning"]


def holds(kg, s, p, o, reasoning=True) -> bool:
    _, rows = kg.select("SELECT ?s WHERE { ?s ?p ?o }", {"s": s, "p": p, "o": o}, reasoning=reasoning)
    return bool(rows)


RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
INFERRED = [
    ("a city lies in its country and in LAC (transitive locatedIn)", CITY, GL.locatedIn, GL.LatinAmericaAndCaribbean),
    ("a city in Argentina is a LAC locality (class expression)", CITY, RDF_TYPE, GL.LACLocality),
    ("Guizhou is a Chinese locality", GUIZHOU, RDF_TYPE, GL.ChineseLocality),
    ("twinning is symmetric", GUIZHOU, GL.twinnedWith, JUJUY),
    ("a party is party to its agreement (inverse)", GUIZHOU, GL.partyTo, TWINNING),
    ("a safe-city project is a technology project", SAFE_CITY, RDF_TYPE, GL.TechnologyProject),
    ("a hydropower project is about energy (class axiom)", ID["project/ar/kirchner-cepernic-dams"], GL.hasTopic, SECTOR["energy"]),
    ("the Chinese embassy is a Chinese actor", ID["org/cn/embassy-in-argentina"], RDF_TYPE, GL.ChineseActor),
    ("the Jujuy government is a LAC actor", ID["org/ar/jujuy-government"], RDF_TYPE, GL.LACActor),
    ("the ambassador who visited Jujuy is active in Argentina (property chain)", ID["person/yang-wanming"],
     GL.activeIn, ID["place/ar"]),
]


@pytest.mark.parametrize("why,s,p,o", INFERRED, ids=[i[0] for i in INFERRED])
def test_closure_adds_what_asserted_data_lacks(kg, why, s, p, o):
    assert holds(kg, s, p, o, reasoning=True), why
    assert not holds(kg, s, p, o, reasoning=False), f"already asserted, so it does not show reasoning: {why}"


def test_closure_is_consistent(kg):
    assert kg.closure.errors == []


def test_closure_has_no_literal_subjects_or_reflexive_sameas(kg):
    text = kg.closure.closure_nt.decode()
    assert not any(line.startswith('"') for line in text.splitlines())
    assert "<http://www.w3.org/2002/07/owl#sameAs>" not in text


def test_closure_counts(kg):
    assert kg.closure.closure_triples > kg.closure.asserted_triples * 2
