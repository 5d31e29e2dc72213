"""A stand-in for goinglocal.search.index_entries (issue 13), used only until
that module lands: one entry per entity with its labels, types and home
country, and accent-free lower-case keys for matching."""

from __future__ import annotations

import unicodedata

from rdflib import URIRef

from goinglocal.store import KnowledgeGraph

ENTRIES = """
PREFIX gl: <https://w3id.org/goinglocal/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?alt ?country WHERE {
  ?s a gl:FactBearing ; rdfs:label ?label .
  FILTER(STRSTARTS(STR(?s), "https://w3id.org/goinglocal/id/"))
  OPTIONAL { ?s skos:altLabel ?alt }
  OPTIONAL { { ?s a gl:Country . BIND(?s AS ?country) }
             UNION { ?s gl:locatedIn ?country . ?country a gl:Country }
             UNION { ?s gl:homePlace ?h . { ?h a gl:Country . BIND(?h AS ?country) } UNION { ?h gl:locatedIn ?country . ?country a gl:Country } } }
}"""


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def index_entries(kg: KnowledgeGraph) -> list[dict]:
    from goinglocal.site.data import primary_types
    _, rows = kg.select(ENTRIES)
    types = primary_types(kg)
    entries: dict[str, dict] = {}
    for r in rows:
        iri = str(r["s"])
        e = entries.setdefault(iri, {"iri": iri, "label": kg.label(r["s"]), "alt_labels": set(),
                                     "types": [kg.label(URIRef(types[iri]))] if iri in types else [],
                                     "country": None})
        if r["alt"] is not None:
            e["alt_labels"].add(str(r["alt"]))
        if r["country"] is not None and e["country"] is None:
            e["country"] = kg.label(r["country"])
    out = []
    for e in entries.values():
        e["alt_labels"] = sorted(e["alt_labels"])
        e["keys"] = sorted({normalise(t) for t in [e["label"], *e["alt_labels"]]})
        out.append(e)
    out.sort(key=lambda e: e["label"].casefold())
    return out
