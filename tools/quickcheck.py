"""Interim check for data authors until `goinglocal validate` lands:
parses every Turtle file, reports unknown gl: terms, nodes without label or
evidence, and undefined IRIs that are used as objects but never described."""
import glob, sys
from rdflib import Graph, URIRef, RDF, RDFS
GL = "https://w3id.org/goinglocal/ontology#"
ID = "https://w3id.org/goinglocal/id/"
onto = Graph()
for f in glob.glob("ontology/*.ttl"):
    onto.parse(f)
known = set(onto.subjects())
data = Graph()
bad = 0
for f in sorted(glob.glob("instances/**/*.ttl", recursive=True)):
    try:
        g = Graph().parse(f)
    except Exception as e:
        print(f"PARSE ERROR {f}: {e}"); bad += 1; continue
    for s, p, o in g:
        for t in (p, o):
            if isinstance(t, URIRef) and str(t).startswith(GL) and t not in known:
                print(f"{f}: unknown term {t}"); bad += 1
    data += g
subjects = set(data.subjects()) | set(onto.subjects())
for s in set(data.subjects(RDF.type, None)):
    if not str(s).startswith(ID):
        continue
    types = set(data.objects(s, RDF.type))
    if URIRef(GL + "Citation") in types or URIRef(GL + "Source") in types:
        continue
    if not list(data.objects(s, RDFS.label)):
        print(f"no label: {s}"); bad += 1
    if not list(data.objects(s, URIRef(GL + "evidence"))):
        print(f"no evidence: {s}"); bad += 1
for s, p, o in data:
    if isinstance(o, URIRef) and str(o).startswith(ID) and o not in subjects:
        print(f"undefined object: {o} (used by {s} {p})"); bad += 1
print(f"{len(data)} triples, {bad} problems")
sys.exit(1 if bad else 0)
