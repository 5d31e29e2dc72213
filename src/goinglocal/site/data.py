"""The data behind the site's overview pages (map, timeline, network, class
lists), read from the closure with SPARQL. Labels come from the ontology, so
new classes and properties show up without code changes."""

from __future__ import annotations

import weakref
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Callable

import pyoxigraph as ox
from rdflib import URIRef

from goinglocal.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, ID_BASE, ONTOLOGY_BASE
from goinglocal.store import ASSERTED, KnowledgeGraph

PREFIXES = """
PREFIX gl: <https://w3id.org/goinglocal/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#>
"""
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SUBCLASS_OF = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
COORDINATES = PREFIXES + """
SELECT ?place (SAMPLE(?la) AS ?lat) (SAMPLE(?lo) AS ?long) WHERE {
  ?facts gl:factsAbout ?place ; wgs:lat ?la ; wgs:long ?lo .
} GROUP BY ?place"""
PLACE_ACTIVITY = PREFIXES + """
SELECT ?place ?kind (COUNT(DISTINCT ?x) AS ?n) WHERE {
  ?x gl:concernsPlace ?place .
  VALUES ?kind { gl:Engagement gl:Agreement gl:Project }
  ?x a ?kind .
} GROUP BY ?place ?kind"""
PLACE_SIDE = PREFIXES + """
SELECT ?place ?side WHERE {
  ?place a gl:Locality .
  OPTIONAL { ?place a gl:ChineseLocality . BIND("china" AS ?c) }
  OPTIONAL { ?place a gl:LACLocality . BIND("lac" AS ?l) }
  BIND(COALESCE(?c, ?l, "other") AS ?side)
}"""
ENGAGEMENTS = PREFIXES + """
SELECT ?e ?date ?direction WHERE {
  ?e a gl:Engagement ; gl:date ?date .
  OPTIONAL { ?e gl:direction ?direction }
} ORDER BY ?e ?date ?direction"""
DIRECT_KIND = PREFIXES + f"""
SELECT ?e ?kind WHERE {{
  ?e a gl:Engagement .
  GRAPH <{GRAPH_ASSERTED}> {{ ?e a ?t }}
  ?t rdfs:subClassOf ?kind .
  ?kind rdfs:subClassOf gl:Engagement .
  FILTER(?kind != gl:Engagement)
  FILTER NOT EXISTS {{ ?kind rdfs:subClassOf ?mid . ?mid rdfs:subClassOf gl:Engagement .
                      FILTER(?mid != ?kind && ?mid != gl:Engagement) }}
}} ORDER BY ?e ?kind"""
MILESTONES = PREFIXES + """
SELECT ?m ?kind ?date WHERE {
  { ?m a gl:PolicyDocument . BIND("policy paper" AS ?kind) }
  UNION { ?m a gl:BRIMemorandum . BIND("BRI memorandum" AS ?kind) }
  UNION { ?m a gl:DiplomaticRecognition . BIND("recognition" AS ?kind) }
  { ?m gl:date ?date } UNION { ?m gl:startDate ?date }
} ORDER BY ?date ?m ?kind"""
TWINNINGS = PREFIXES + """
SELECT DISTINCT ?a ?b WHERE { ?a gl:twinnedWith ?b . FILTER(STR(?a) < STR(?b)) }"""
BROKERAGE = PREFIXES + """
SELECT DISTINCT ?broker ?party ?thing WHERE {
  ?thing gl:facilitatedBy ?broker .
  { ?thing gl:hasParty ?party } UNION { ?thing gl:hasParticipant ?party }
  FILTER(?party != ?broker)
}"""
CROSS_AGREEMENTS = PREFIXES + """
SELECT DISTINCT ?a ?b ?thing WHERE {
  ?thing a gl:Agreement ; gl:hasParty ?a , ?b .
  FILTER NOT EXISTS { ?thing a gl:TwinningAgreement }
  { ?a a gl:ChineseActor } UNION { ?a a gl:ChineseLocality }
  { ?b a gl:LACActor } UNION { ?b a gl:LACLocality }
}"""
NODE_INFO = PREFIXES + """
SELECT ?n ?side ?country WHERE {
  VALUES ?n { %s }
  OPTIONAL { { ?n a gl:ChineseActor } UNION { ?n a gl:ChineseLocality } BIND("china" AS ?c) }
  OPTIONAL { { ?n a gl:LACActor } UNION { ?n a gl:LACLocality } BIND("lac" AS ?l) }
  BIND(COALESCE(?c, ?l, "other") AS ?side)
  OPTIONAL {
    { ?n a gl:Country . BIND(?n AS ?country) }
    UNION { ?n gl:locatedIn ?country . ?country a gl:Country }
    UNION { ?n gl:homePlace ?hp . { ?hp a gl:Country . BIND(?hp AS ?country) } UNION { ?hp gl:locatedIn ?country . ?country a gl:Country } }
  }
}"""


@dataclass
class ClassInfo:
    iri: str
    label: str
    members: list[str] = field(default_factory=list)
    asserted: int = 0


def entities(kg: KnowledgeGraph) -> list[str]:
    """Every IRI under the id namespace (but not its graph/ names) that the
    asserted data types, in IRI order."""
    graphs = ID_BASE + "graph/"
    return sorted({iri for s, _, _, _ in kg.store.quads_for_pattern(None, RDF_TYPE, None, ASSERTED)
                   if type(s) is ox.NamedNode and (iri := s.value).startswith(ID_BASE) and not iri.startswith(graphs)})


_LABELS: "weakref.WeakKeyDictionary[KnowledgeGraph, Callable[[str], str]]" = weakref.WeakKeyDictionary()


def iri_label(kg: KnowledgeGraph) -> Callable[[str], str]:
    """kg.label for an IRI given as a string (no rdflib term made per look-up)."""
    if (label := _LABELS.get(kg)) is None:
        known = {str(node): text for node, text in kg.labels.items() if isinstance(node, URIRef) and text}

        def label(iri: str) -> str:
            if (text := known.get(iri)) is None:
                text = known[iri] = kg.label(URIRef(iri))
            return text
        label = _LABELS[kg] = label
    return label


def _asserted_types(kg: KnowledgeGraph) -> list[tuple[str, str]]:
    """(entity, gl: class) for each asserted rdf:type of an entity (under the id namespace)."""
    return [(q.subject.value, q.object.value) for q in kg.store.quads_for_pattern(None, RDF_TYPE, None, ASSERTED)
            if type(q.subject) is ox.NamedNode and type(q.object) is ox.NamedNode
            and q.subject.value.startswith(ID_BASE) and q.object.value.startswith(ONTOLOGY_BASE)]


_PRIMARY: "weakref.WeakKeyDictionary[KnowledgeGraph, dict[str, str]]" = weakref.WeakKeyDictionary()


def primary_types(kg: KnowledgeGraph) -> dict[str, str]:
    """Each entity's most specific asserted gl: class: the one with the most
    gl: super-classes (made once per graph)."""
    if (found := _PRIMARY.get(kg)) is not None:
        return found
    supers: dict[str, set[str]] = defaultdict(set)
    for q in kg.store.quads_for_pattern(None, SUBCLASS_OF, None):
        if type(q.subject) is ox.NamedNode and type(q.object) is ox.NamedNode \
                and q.object.value.startswith(ONTOLOGY_BASE):
            supers[q.subject.value].add(q.object.value)
    best: dict[str, tuple[int, str]] = {}
    for s, t in _asserted_types(kg):
        key = (len(supers.get(t, ())), t)
        if s not in best or key > best[s]:
            best[s] = key
    found = _PRIMARY[kg] = {s: t for s, (_, t) in best.items()}
    return found


def classes(kg: KnowledgeGraph) -> list[ClassInfo]:
    """gl: classes with their members (closure), most populated first."""
    members: dict[str, set[str]] = defaultdict(set)
    asserted: Counter = Counter()
    for s, _, c, g in kg.store.quads_for_pattern(None, RDF_TYPE, None):  # every graph: the closure
        if type(s) is ox.NamedNode and type(c) is ox.NamedNode and (c := c.value).startswith(ONTOLOGY_BASE) \
                and (s := s.value).startswith(ID_BASE):
            members[c].add(s)
            if g == ASSERTED:
                asserted[c] += 1
    label = iri_label(kg)
    out = [ClassInfo(iri=c, label=label(c), asserted=asserted.get(c, 0),
                     members=sorted(m, key=lambda s: (label(s).casefold(), s)))
           for c, m in members.items()]
    out.sort(key=lambda c: (-len(c.members), c.label))
    return out


def map_points(kg: KnowledgeGraph) -> list[dict]:
    """Places with coordinates (from goinglocal link's facts) and how many
    engagements, agreements and projects concern them."""
    _, coords = kg.select(COORDINATES)
    _, activity = kg.select(PLACE_ACTIVITY)
    _, sides = kg.select(PLACE_SIDE)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for r in activity:
        counts[str(r["place"])][str(r["kind"])[len(ONTOLOGY_BASE):].lower() + "s"] = int(r["n"])
    side = {str(r["place"]): str(r["side"]) for r in sides}
    types = primary_types(kg)
    points = []
    for r in coords:
        place = str(r["place"])
        c = counts.get(place, {})
        points.append({"iri": place, "label": kg.label(r["place"]), "lat": float(r["lat"]), "long": float(r["long"]),
                       "side": side.get(place, "other"),
                       "kind": kg.label(URIRef(types[place])) if place in types else "place",
                       "engagements": c.get("engagements", 0), "agreements": c.get("agreements", 0),
                       "projects": c.get("projects", 0),
                       "total": sum(c.values())})
    points.sort(key=lambda p: (-p["total"], p["label"], p["iri"]))
    return points


def timeline(kg: KnowledgeGraph) -> dict:
    """Engagements per year by kind and by direction, and milestones."""
    _, rows = kg.select(ENGAGEMENTS)
    _, kind_rows = kg.select(DIRECT_KIND)
    kind_of: dict[str, str] = {}
    for r in kind_rows:
        kind_of.setdefault(str(r["e"]), kg.label(r["kind"]))
    by_kind: dict[str, Counter] = defaultdict(Counter)
    by_direction: dict[str, Counter] = defaultdict(Counter)
    seen: set[str] = set()
    for r in rows:
        e = str(r["e"])
        if e in seen:  # an engagement with an alternative date counts once
            continue
        seen.add(e)
        year = str(r["date"])[:4]
        by_kind[year][kind_of.get(e, "other engagement")] += 1
        by_direction[year][kg.label(r["direction"]) if r["direction"] else "direction not stated"] += 1
    _, milestone_rows = kg.select(MILESTONES)
    milestones, seen_m = [], set()
    for r in milestone_rows:
        if str(r["m"]) in seen_m:
            continue
        seen_m.add(str(r["m"]))
        milestones.append({"iri": str(r["m"]), "label": kg.label(r["m"]), "kind": str(r["kind"]),
                           "date": str(r["date"]), "year": str(r["date"])[:4]})
    return {"by_kind": {y: dict(c) for y, c in by_kind.items()},
            "by_direction": {y: dict(c) for y, c in by_direction.items()}, "milestones": milestones}


def network(kg: KnowledgeGraph) -> dict:
    """Twinning pairs, brokers and what they brokered, and agreements between
    Chinese and LAC parties: nodes with their side and LAC country."""
    edges: list[dict] = []
    _, rows = kg.select(TWINNINGS)
    edges += [{"source": str(r["a"]), "target": str(r["b"]), "kind": "twinning"} for r in rows]
    _, rows = kg.select(BROKERAGE)
    edges += [{"source": str(r["broker"]), "target": str(r["party"]), "kind": "brokerage",
               "via": str(r["thing"]), "via_label": kg.label(r["thing"])} for r in rows]
    _, rows = kg.select(CROSS_AGREEMENTS)
    edges += [{"source": str(r["a"]), "target": str(r["b"]), "kind": "agreement",
               "via": str(r["thing"]), "via_label": kg.label(r["thing"])} for r in rows]
    edges = [e for e in edges if e["source"].startswith(ID_BASE) and e["target"].startswith(ID_BASE)]
    kinds = {"twinning": 0, "brokerage": 1, "agreement": 2}
    edges.sort(key=lambda e: (kinds[e["kind"]], e["source"], e["target"], e.get("via", "")))  # not the rows' order, which varies
    iris = sorted({e["source"] for e in edges} | {e["target"] for e in edges})
    brokers = {e["source"] for e in edges if e["kind"] == "brokerage"}
    info: dict[str, dict] = {i: {"side": "other", "countries": set()} for i in iris}
    for chunk in range(0, len(iris), 200):
        values = " ".join(f"<{i}>" for i in iris[chunk:chunk + 200])
        _, rows = kg.select(NODE_INFO % values)
        for r in rows:
            entry = info[str(r["n"])]
            if str(r["side"]) != "other":
                entry["side"] = str(r["side"])
            if r["country"] is not None:
                entry["countries"].add(str(r["country"]))
    types = primary_types(kg)
    nodes = []
    for i in iris:
        countries = sorted(info[i]["countries"])
        nodes.append({"id": i, "label": kg.label(URIRef(i)), "side": info[i]["side"],
                      "broker": i in brokers, "type": kg.label(URIRef(types[i])) if i in types else "",
                      "countries": countries})
    country_labels = sorted({c for n in nodes for c in n["countries"]}, key=lambda c: kg.label(URIRef(c)))
    return {"nodes": nodes, "edges": edges,
            "countries": [{"iri": c, "label": kg.label(URIRef(c))} for c in country_labels]}


def is_inferred_graph(graph: str) -> bool:
    return graph == GRAPH_INFERRED
