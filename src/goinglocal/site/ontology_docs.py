"""Documentation of the ontology, generated from ontology/ as loaded in the
graph: one anchor per term (ontology/#Term) with its label, definition,
super- and sub-terms, domain, range and characteristics, and how often the
data uses it. Entity pages link every class and property here."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from rdflib import BNode, URIRef

from goinglocal.namespaces import GRAPH_ASSERTED, ONTOLOGY_BASE, ONTOLOGY_IRI
from goinglocal.paths import Layout
from goinglocal.site.render import render_page
from goinglocal.store import KnowledgeGraph

TERMS = f"""
SELECT ?t ?p ?o WHERE {{
  GRAPH <{GRAPH_ASSERTED}> {{ ?t ?p ?o }}
  FILTER(isIRI(?t) && STRSTARTS(STR(?t), "{ONTOLOGY_BASE}"))
}}"""
USAGE = f"""
SELECT ?t (COUNT(*) AS ?n) WHERE {{
  {{ ?s a ?t }} UNION {{ ?s ?t ?o }}
  FILTER(STRSTARTS(STR(?t), "{ONTOLOGY_BASE}") && STRSTARTS(STR(?s), "https://w3id.org/goinglocal/id/"))
}} GROUP BY ?t"""
OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
KINDS = [(OWL + "Class", "Classes"), (OWL + "ObjectProperty", "Object properties"),
         (OWL + "DatatypeProperty", "Datatype properties"), (OWL + "AnnotationProperty", "Annotation properties")]
CHARACTERISTICS = {OWL + "TransitiveProperty": "transitive", OWL + "SymmetricProperty": "symmetric",
                   OWL + "IrreflexiveProperty": "irreflexive", OWL + "FunctionalProperty": "functional",
                   OWL + "AsymmetricProperty": "asymmetric"}


def _ref(kg: KnowledgeGraph, node) -> dict | None:
    if isinstance(node, BNode):
        return None
    return {"iri": str(node), "label": kg.label(node),
            "curie": "gl:" + str(node)[len(ONTOLOGY_BASE):] if str(node).startswith(ONTOLOGY_BASE) else str(node)}


def terms(kg: KnowledgeGraph) -> list[dict]:
    _, rows = kg.select(TERMS)
    by_term: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        by_term[str(r["t"])][str(r["p"])].append(r["o"])
    _, usage_rows = kg.select(USAGE)
    usage = {str(r["t"]): int(r["n"]) for r in usage_rows}
    children: dict[str, list[str]] = defaultdict(list)
    for t, props in by_term.items():
        for sup in props.get(RDFS + "subClassOf", []) + props.get(RDFS + "subPropertyOf", []):
            if isinstance(sup, URIRef):
                children[str(sup)].append(t)
    out = []
    for t, props in by_term.items():
        types = {str(x) for x in props.get(RDF_TYPE, [])}
        kind = next((k for k, _ in KINDS if k in types), None)
        if kind is None:
            kind = "individual"
        def refs(key: str) -> list[dict]:
            return sorted((r for r in (_ref(kg, o) for o in props.get(key, [])) if r), key=lambda r: r["label"])
        out.append({
            "iri": t, "local": t[len(ONTOLOGY_BASE):], "kind": kind, "label": kg.label(URIRef(t)),
            "definition": " ".join(str(d) for d in props.get(SKOS + "definition", [])),
            "comment": " ".join(str(d) for d in props.get(RDFS + "comment", [])),
            "super": refs(RDFS + "subClassOf") + refs(RDFS + "subPropertyOf"),
            "sub": sorted((_ref(kg, URIRef(c)) for c in children.get(t, [])), key=lambda r: r["label"]),
            "domain": refs(RDFS + "domain"), "range": refs(RDFS + "range"),
            "inverse": refs(OWL + "inverseOf"), "equivalent": refs(OWL + "equivalentClass"),
            "restricted": any(isinstance(o, BNode) for o in props.get(OWL + "equivalentClass", [])),
            "chain": bool(props.get(OWL + "propertyChainAxiom")),
            "characteristics": sorted(CHARACTERISTICS[x] for x in types if x in CHARACTERISTICS),
            "types": [_ref(kg, URIRef(x)) for x in sorted(types) if x.startswith(ONTOLOGY_BASE)],
            "usage": usage.get(t, 0)})
    out.sort(key=lambda t: t["local"].casefold())
    return out


def write(kg: KnowledgeGraph, layout: Layout, site: Path) -> int:
    all_terms = terms(kg)
    groups = [(title, [t for t in all_terms if t["kind"] == kind]) for kind, title in KINDS]
    groups.append(("Individuals", [t for t in all_terms if t["kind"] == "individual"]))
    render_page(site, "ontology/", "ontology.html", title="Ontology", groups=[g for g in groups if g[1]],
                ontology_iri=ONTOLOGY_IRI, modules=[p.name for p in layout.ontology_files()], count=len(all_terms))
    return 1
