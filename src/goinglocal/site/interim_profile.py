"""A stand-in for goinglocal.profile.entity_profile (issue 13) with the same
dict contract, used only while that module has not landed on this branch.
Delete this file once goinglocal.profile exists: goinglocal.site.profiles
prefers the real one."""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from goinglocal.namespaces import GL, ID_BASE, ONTOLOGY_BASE
from goinglocal.store import KnowledgeGraph

WD = "http://www.wikidata.org/entity/"
SKIP = {str(RDF.type), str(RDFS.label), str(SKOS.altLabel), str(GL.evidence), str(RDFS.comment),
        str(SKOS.definition), str(SKOS.exactMatch)}

TRIPLES = """
SELECT ?p ?o (SAMPLE(?g) AS ?graph) WHERE { GRAPH ?g { ?s ?p ?o } }
GROUP BY ?p ?o"""
CITATIONS = """
PREFIX gl: <https://w3id.org/goinglocal/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?c ?label ?source ?footnote ?url WHERE {
  ?s gl:evidence ?c .
  OPTIONAL { ?c rdfs:label ?label }
  OPTIONAL { ?c gl:inSource ?source }
  OPTIONAL { ?c gl:footnote ?footnote }
  OPTIONAL { ?c gl:url ?url }
} ORDER BY ?source ?footnote ?c"""
INSIDE = """
PREFIX gl: <https://w3id.org/goinglocal/ontology#>
SELECT DISTINCT ?x ?date WHERE {
  ?x gl:concernsPlace ?s .
  OPTIONAL { ?x gl:date ?date }
} ORDER BY ?date ?x"""
ROLES = """
PREFIX gl: <https://w3id.org/goinglocal/ontology#>
SELECT ?node ?role (SAMPLE(?d) AS ?date) (SAMPLE(?g) AS ?graph) WHERE {
  GRAPH ?g { ?node ?role ?s }
  FILTER(?role IN (gl:hasParticipant, gl:ledBy, gl:organizedBy, gl:hasParty, gl:facilitatedBy,
                   gl:contractor, gl:financier, gl:operator, gl:owner, gl:promoter, gl:issuedBy, gl:initiatedBy))
  OPTIONAL { ?node gl:date ?d }
} GROUP BY ?node ?role ORDER BY ?date ?node"""


def _citations(kg: KnowledgeGraph, node: URIRef) -> list[dict]:
    _, rows = kg.select(CITATIONS, {"s": node})
    seen, out = set(), []
    for r in rows:
        if r["c"] in seen:
            continue
        seen.add(r["c"])
        out.append({"iri": str(r["c"]), "label": kg.label(r["c"]),
                    "source": kg.label(r["source"]) if r["source"] else None,
                    "source_iri": str(r["source"]) if r["source"] else None,
                    "footnote": int(r["footnote"]) if r["footnote"] is not None else None,
                    "url": str(r["url"]) if r["url"] else None})
    return out


def entity_profile(kg: KnowledgeGraph, iri: str) -> dict:
    node = URIRef(iri)
    _, rows = kg.select(TRIPLES, {"s": node})
    asserted_graph = "https://w3id.org/goinglocal/id/graph/asserted"
    labels = [r["o"] for r in rows if str(r["p"]) == str(RDFS.label)]
    alt = sorted({str(r["o"]) for r in rows if str(r["p"]) == str(SKOS.altLabel)})
    types = [(r["o"], str(r["graph"]) != asserted_graph) for r in rows
             if str(r["p"]) == str(RDF.type) and str(r["o"]).startswith(ONTOLOGY_BASE)]
    types.sort(key=lambda t: (t[1], kg.label(t[0])))
    description = next((str(r["o"]) for r in rows if str(r["p"]) in (str(RDFS.comment), str(SKOS.definition))), None)
    wikidata = next((str(r["o"]) for r in rows if str(r["p"]) == str(SKOS.exactMatch)
                     and str(r["o"]).startswith(WD)), None)
    citations = _citations(kg, node)
    facts = []
    for r in rows:
        p, o = str(r["p"]), r["o"]
        if p in SKIP or p.startswith(str(RDF)) or not (p.startswith(ONTOLOGY_BASE) or p.startswith("http")):
            continue
        inferred = str(r["graph"]) != asserted_graph
        if inferred and not p.startswith(ONTOLOGY_BASE):
            continue  # alignment super-properties (prov:, org:, ...) repeat the gl: facts
        facts.append({"property": p, "property_label": kg.label(URIRef(p)),
                      "value": kg.label(o) if isinstance(o, URIRef) else str(o),
                      "value_iri": str(o) if isinstance(o, URIRef) else None,
                      "inferred": inferred, "citations": [] if inferred else citations})
    facts.sort(key=lambda f: (f["inferred"], f["property_label"], f["value"]))
    _, role_rows = kg.select(ROLES, {"s": node})
    roles = []
    for r in role_rows:
        if not str(r["node"]).startswith(ID_BASE):
            continue
        date = str(r["date"]) if r["date"] is not None else None
        node_types = [t for t, _ in _types(kg, r["node"])]
        roles.append({"year": date[:4] if date else None, "role": str(r["role"]), "role_label": kg.label(r["role"]),
                      "node_iri": str(r["node"]), "node_label": kg.label(r["node"]),
                      "node_type": kg.label(node_types[0]) if node_types else None,
                      "inferred": str(r["graph"]) != asserted_graph, "citations": _citations(kg, r["node"])})
    _, inside_rows = kg.select(INSIDE, {"s": node})
    inside = []
    for r in inside_rows:
        node_types = [t for t, _ in _types(kg, r["x"])]
        date = str(r["date"]) if r["date"] is not None else None
        inside.append({"iri": str(r["x"]), "label": kg.label(r["x"]), "date": date,
                       "year": date[:4] if date else None,
                       "type": kg.label(node_types[0]) if node_types else None})
    return {"iri": iri, "label": str(labels[0]) if labels else kg.label(node), "alt_labels": alt,
            "types": [{"iri": str(t), "label": kg.label(t), "inferred": inf} for t, inf in types],
            "description": description, "wikidata": wikidata, "facts": facts, "roles": roles,
            "inside": inside, "figures": [], "citations": citations}


TYPES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?t (COUNT(?sub) AS ?depth) WHERE {
  GRAPH <https://w3id.org/goinglocal/id/graph/asserted> { ?s a ?t }
  ?t rdfs:subClassOf ?sub .
} GROUP BY ?t ORDER BY DESC(?depth)"""


def _types(kg: KnowledgeGraph, node: URIRef) -> list[tuple[URIRef, int]]:
    """The node's asserted types, most specific first."""
    _, rows = kg.select(TYPES, {"s": node})
    return [(r["t"], int(r["depth"])) for r in rows if str(r["t"]).startswith(ONTOLOGY_BASE)]
