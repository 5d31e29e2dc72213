"""Documentation of the ontology, generated from ontology/ as loaded in the
graph: one anchor per term (ontology/#Term) with its label, definition,
super- and sub-terms, domain, range and characteristics, and how often the
data uses it. Entity pages link every class and property here."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from typing import Callable

import pyoxigraph as ox

from goinglocal.namespaces import GRAPH_ASSERTED, ID_BASE, ONTOLOGY_BASE, ONTOLOGY_IRI
from goinglocal.paths import Layout
from goinglocal.site.data import iri_label
from goinglocal.site.output import SiteOutput
from goinglocal.site.render import render_text
from goinglocal.store import KnowledgeGraph

TERMS = f"""
SELECT ?t ?p ?o WHERE {{
  GRAPH <{GRAPH_ASSERTED}> {{ ?t ?p ?o }}
  FILTER(isIRI(?t) && STRSTARTS(STR(?t), "{ONTOLOGY_BASE}"))
}}"""
# how often the data uses each term: as a class (?s a ?t) or as a property (?s ?t ?o); two
# grouped counts cost half what one count over their UNION does
USED_AS_PROPERTY = f"""
SELECT ?t (COUNT(*) AS ?n) WHERE {{
  ?s ?t ?o FILTER(STRSTARTS(STR(?s), "{ID_BASE}"))
}} GROUP BY ?t"""
USED_AS_CLASS = f"""
SELECT ?t (COUNT(*) AS ?n) WHERE {{
  ?s a ?t FILTER(STRSTARTS(STR(?s), "{ID_BASE}"))
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


def _ref(label: Callable[[str], str], node: ox.NamedNode | ox.Literal | ox.BlankNode) -> dict | None:
    if isinstance(node, ox.BlankNode):
        return None
    value = node.value
    return {"iri": value, "label": label(value) if isinstance(node, ox.NamedNode) else value,
            "curie": "gl:" + value[len(ONTOLOGY_BASE):] if value.startswith(ONTOLOGY_BASE) else value}


def terms(kg: KnowledgeGraph) -> list[dict]:
    label = iri_label(kg)
    by_term: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for t, p, o in kg.store.query(TERMS, use_default_graph_as_union=True):
        by_term[t.value][p.value].append(o)
    usage: Counter = Counter()
    for query in (USED_AS_PROPERTY, USED_AS_CLASS):
        for t, n in kg.store.query(query, use_default_graph_as_union=True):
            if t.value.startswith(ONTOLOGY_BASE):
                usage[t.value] += int(n.value)
    children: dict[str, list[str]] = defaultdict(list)
    for t, props in by_term.items():
        for sup in props.get(RDFS + "subClassOf", []) + props.get(RDFS + "subPropertyOf", []):
            if isinstance(sup, ox.NamedNode):
                children[sup.value].append(t)
    out = []
    for t, props in by_term.items():
        types = {x.value for x in props.get(RDF_TYPE, [])}
        kind = next((k for k, _ in KINDS if k in types), None)
        if kind is None:
            kind = "individual"
        def refs(key: str) -> list[dict]:
            return sorted((r for r in (_ref(label, o) for o in props.get(key, [])) if r), key=lambda r: r["label"])
        out.append({
            "iri": t, "local": t[len(ONTOLOGY_BASE):], "kind": kind, "label": label(t),
            "definition": " ".join(d.value for d in props.get(SKOS + "definition", [])),
            "comment": " ".join(d.value for d in props.get(RDFS + "comment", [])),
            "super": refs(RDFS + "subClassOf") + refs(RDFS + "subPropertyOf"),
            "sub": sorted((_ref(label, ox.NamedNode(c)) for c in children.get(t, [])), key=lambda r: r["label"]),
            "domain": refs(RDFS + "domain"), "range": refs(RDFS + "range"),
            "inverse": refs(OWL + "inverseOf"), "equivalent": refs(OWL + "equivalentClass"),
            "restricted": any(isinstance(o, ox.BlankNode) for o in props.get(OWL + "equivalentClass", [])),
            "chain": bool(props.get(OWL + "propertyChainAxiom")),
            "characteristics": sorted(CHARACTERISTICS[x] for x in types if x in CHARACTERISTICS),
            "types": [_ref(label, ox.NamedNode(x)) for x in sorted(types) if x.startswith(ONTOLOGY_BASE)],
            "usage": usage.get(t, 0)})
    out.sort(key=lambda t: t["local"].casefold())
    return out


def write(kg: KnowledgeGraph, layout: Layout, site: SiteOutput, kept: dict | None = None) -> tuple[int, dict | None]:
    """ontology/: returns how many pages, and what to keep for the next
    build's (the page without its counts, `kept` when given back)."""
    all_terms = terms(kg)
    groups = [(title, [t for t in all_terms if t["kind"] == kind]) for kind, title in KINDS]
    groups.append(("Individuals", [t for t in all_terms if t["kind"] == "individual"]))
    context = dict(title="Ontology", groups=[g for g in groups if g[1]], ontology_iri=ONTOLOGY_IRI,
                   modules=[p.name for p in layout.ontology_files()], count=len(all_terms))
    counts = [t["usage"] for t in all_terms]
    for i, t in enumerate(all_terms):
        t["usage"] = _Count(i, t["usage"])
    key = SiteOutput.key(json.dumps(context, sort_keys=True, default=_Count.keyed))
    page = kept["page"] if isinstance(kept, dict) and kept.get("key") == key and isinstance(kept.get("page"), str) \
        else render_text("ontology/", "ontology.html", **context)
    if sorted(int(i) for i in _COUNTED.findall(page)) == list(range(len(counts))) \
            and page.count(_MARK) == 2 * len(counts):  # each count's mark once, and nothing else marked
        site.write("ontology/index.html", _COUNTED.sub(lambda m: str(counts[int(m.group(1))]), page))
        return 1, {"key": key, "page": page}
    for t, n in zip(all_terms, counts):  # the template did not show each count once, as a number
        t["usage"] = n
    site.write("ontology/index.html", render_text("ontology/", "ontology.html", **context))
    return 1, None


_MARK = "\x00"
_COUNTED = re.compile("\x00usage:([0-9]+)\x00")


class _Count:
    """A term's usage count as the page template sees it when the page is
    rendered once for any counts (kept for the next build, which only puts
    its counts in): it shows as a mark the count replaces, and is true when
    the count is not 0 (the page's key says which counts are 0). Anything
    else done with it raises, or leaves the marks not each once in the
    page: then the page is rendered with the counts themselves."""

    def __init__(self, index: int, count: int):
        self.index, self.count = index, count

    @staticmethod
    def token(index: int) -> str:
        return f"{_MARK}usage:{index}{_MARK}"

    def __html__(self) -> str:
        return self.token(self.index)

    __str__ = __html__

    def __bool__(self) -> bool:
        return self.count != 0

    def __eq__(self, other):
        raise TypeError("a usage count is only shown")

    __hash__ = None

    def __format__(self, spec: str) -> str:
        if spec:
            raise TypeError("a usage count is only shown")
        return str(self)

    @staticmethod
    def keyed(value):
        if isinstance(value, _Count):
            return bool(value)
        raise TypeError(type(value).__name__)
