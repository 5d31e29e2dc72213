"""`goinglocal link`: reconcile the graph's places and organizations with
Wikidata. Offline by default (reference/*.csv); with --endpoint, also a
live, polite, cached SPARQL endpoint for what the tables lack, for facts
and for the P190 twinning comparison.

Writes instances/links/wikidata.ttl (skos:exactMatch plus one link record
per link), instances/links/wikidata-facts.ttl (coordinates, ISO codes,
population with their provenance) and build/links/twinning-comparison.csv,
each atomically and only when its content changed. Hand-made links (a
record with gl:linkedBy "hand", or an exactMatch without a record) are
always kept. Ambiguous matches are reported, never guessed."""

from __future__ import annotations

import datetime
import json
import os
import sys
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from goinglocal.load import load_dataset
from goinglocal.namespaces import GL, ID_BASE
from goinglocal.paths import Layout
from goinglocal.wikidata import WD, qid_iri
from goinglocal.wikidata.linkfile import (GEO, GLX, PROV, WGS, Existing, read_existing, record_iri,
                                          turtle, write_if_changed)
from goinglocal.wikidata.reference import Outcome, ReferenceTables
from goinglocal.wikidata.twinning import comparison_rows, to_csv

KINDS = ("Country", "FirstLevelUnit", "Municipality", "Organization", "Person")
ROOTS = {"Country": GL.Country, "FirstLevelUnit": GL.FirstLevelUnit, "Municipality": GL.Municipality,
         "Organization": GL.Organization, "Person": GL.Person}
LINKS_HEADER = """Links from graph nodes to Wikidata items, written by `goinglocal link`.
Each link is `<node> skos:exactMatch wd:Q…` with a record <link/…> saying how
it was found (gl:linkedBy "reference-table" | "endpoint" | "hand"). To add a
link by hand, add the exactMatch (and, if you like, a record with
gl:linkedBy "hand"); the tool never removes hand links.
QIDs from reference/ derive from the Countries States Cities Database
https://github.com/dr5hn/countries-states-cities-database | ODbL v1.0"""
FACTS_HEADER = """Facts about linked places, written by `goinglocal link`: coordinates, ISO
codes and population, each record saying where they came from (gl:factsFrom
"reference-table" for reference/*.csv, "endpoint" for a Wikidata item named
by prov:wasDerivedFrom). Not evidence for the graph's own statements.
Reference-table values: Countries States Cities Database
https://github.com/dr5hn/countries-states-cities-database | ODbL v1.0"""


def today() -> str:
    return os.environ.get("GOINGLOCAL_TODAY") or datetime.date.today().isoformat()


# --- the graph --------------------------------------------------------------

@dataclass
class Node:
    iri: str
    kind: str
    labels: list[str]
    iso: str | None = None
    parent: str | None = None


def _superclasses(ontology: Graph) -> dict[URIRef, set[URIRef]]:
    parents: dict[URIRef, set[URIRef]] = {}
    for c, p in ontology.subject_objects(RDFS.subClassOf):
        if isinstance(p, URIRef):
            parents.setdefault(c, set()).add(p)
    closure: dict[URIRef, set[URIRef]] = {}

    def up(c, seen=()):
        if c in closure:
            return closure[c]
        out = {c}
        for p in parents.get(c, ()):
            if p not in seen:
                out |= up(p, seen + (c,))
        closure[c] = out
        return out
    for c in list(parents):
        up(c)
    return closure


def graph_nodes(graph: Graph, ontology: Graph) -> dict[str, Node]:
    supers = _superclasses(ontology)
    nodes = {}
    for s in set(graph.subjects(RDF.type)):
        if not isinstance(s, URIRef) or not str(s).startswith(ID_BASE):
            continue
        classes = set()
        for t in graph.objects(s, RDF.type):
            classes |= supers.get(t, {t})
        kind = next((k for k in KINDS if ROOTS[k] in classes), None)
        if not kind:
            continue
        en = sorted(str(l) for l in graph.objects(s, RDFS.label) if getattr(l, "language", None) == "en")
        others = sorted({str(l) for p in (RDFS.label, SKOS.altLabel, SKOS.prefLabel) for l in graph.objects(s, p)} - set(en))
        iso = graph.value(s, GL.isoCode)
        parent = graph.value(s, GL.locatedIn)
        nodes[str(s)] = Node(str(s), kind, en + others, str(iso) if iso else None,
                             str(parent) if isinstance(parent, URIRef) and str(parent).startswith(ID_BASE) else None)
    return nodes


def _country_of(nodes: dict[str, Node], iri: str | None, depth: int = 0) -> str | None:
    node = nodes.get(iri or "")
    if not node or depth > 5:
        return None
    if node.kind == "Country":
        return node.iso
    return _country_of(nodes, node.parent, depth + 1)


def _home_country(graph: Graph, nodes: dict[str, Node], node: Node) -> str | None:
    """Actors: org/<iso2>/… in the IRI, or the country of gl:homePlace."""
    path = node.iri[len(ID_BASE):].split("/")
    if path[0] == "org" and len(path) > 2 and len(path[1]) == 2:
        return path[1].upper()
    home = graph.value(URIRef(node.iri), GL.homePlace)
    return _country_of(nodes, str(home)) if home else None


def read_graphs(layout: Layout) -> tuple[Graph, Graph]:
    """(ontology, instances), parsed by Oxigraph for speed; if any file does
    not parse, the project's loader reads them again to report the problem
    with its file, line and column."""
    import pyoxigraph as ox
    from goinglocal.paths import RDF_SUFFIXES
    from goinglocal.store import from_ox
    graphs = []
    try:
        for files in (layout.ontology_files(), layout.instance_files()):
            g = Graph()
            for path in files:
                if RDF_SUFFIXES.get(path.suffix) != "turtle":
                    raise ValueError(path)
                for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()):
                    g.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))
            graphs.append(g)
        return graphs[0], graphs[1]
    except (SyntaxError, ValueError, OSError):
        dataset = load_dataset(layout)
        return dataset.ontology, dataset.instances


# --- reconciliation ---------------------------------------------------------

@dataclass
class Result:
    outcomes: list[Outcome] = field(default_factory=list)
    kept: dict[str, list] = field(default_factory=dict)      # node -> triples kept verbatim (hand, earlier endpoint)
    facts: dict[str, dict] = field(default_factory=dict)     # qid -> facts fetched from an endpoint
    twinning: list[dict] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    endpoint: str | None = None
    requests: int = 0
    cache_hits: int = 0
    wikidata_pairs: set | None = None


def reconcile_offline(nodes: dict[str, Node], graph: Graph, ref: ReferenceTables, existing: Existing,
                      include_people: bool) -> Result:
    result = Result()
    hand = existing.hand()
    order = {k: i for i, k in enumerate(KINDS)}
    by_iri: dict[str, Outcome] = {}
    for node in sorted(nodes.values(), key=lambda n: (order[n.kind], n.iri)):
        if node.kind == "Person" and not include_people and node.iri not in hand:
            continue
        out = Outcome(node.iri, node.kind, node.labels[0] if node.labels else node.iri, "not found")
        by_iri[node.iri] = out
        result.outcomes.append(out)
        if node.iri in hand:
            links = hand[node.iri]
            out.status, out.qid, out.linked_by = "linked", links[0].qid, "hand"
            out.matched_on = "hand" + (f" ({len(links)} hand links)" if len(links) > 1 else "")
            result.kept[node.iri] = [t for l in links for t in l.triples]
            continue
        if node.kind == "Country":
            ref.country(out, node.iso)
        elif node.kind == "FirstLevelUnit":
            ref.unit(out, node.iso, _country_of(nodes, node.parent), node.labels)
        elif node.kind == "Municipality":
            parent = nodes.get(node.parent or "")
            ref.municipality(out, parent.iso if parent else None, node.labels)
        elif node.kind == "Organization":
            ref.organization(out, node.labels)
        else:
            out.reason = "people are looked up only with --endpoint"
    # a municipality must not take its unit's item (same_as_subdivision in disguise)
    for out in result.outcomes:
        if out.kind == "Municipality" and out.status == "linked" and out.linked_by != "hand":
            parent = by_iri.get(nodes[out.node].parent or "")
            if parent and parent.qid == out.qid:
                out.status, out.reason = "ambiguous", "the table gives the city its first-level unit's QID"
    unique_qids(result.outcomes)
    return result


def unique_qids(outcomes: list[Outcome]) -> None:
    """One item, one node: automatic links that share a QID with another node
    become ambiguous (a hand link keeps its QID)."""
    holders: dict[str, list[Outcome]] = {}
    for out in outcomes:
        if out.status == "linked" and out.qid:
            holders.setdefault(out.qid, []).append(out)
    from goinglocal.wikidata.reference import Candidate
    for qid, outs in holders.items():
        if len(outs) < 2:
            continue
        for out in outs:
            if out.linked_by == "hand":
                continue
            others = [o for o in outs if o is not out]
            out.status = "ambiguous"
            out.reason = "the same item was matched for " + ", ".join(f"<{o.node[len(ID_BASE):]}>" for o in others)
            out.candidates = [Candidate(qid, out.label, out.row or out.linked_by or "")]
            out.qid = None


def reconcile_live(result: Result, nodes: dict[str, Node], graph: Graph, ref: ReferenceTables,
                   client) -> None:
    from goinglocal.wikidata.lookup import (Pending, fetch_facts, fetch_p190, lookup_organizations,
                                            lookup_people, lookup_places)
    by_iri = {o.node: o for o in result.outcomes}

    def qid(iri):
        o = by_iri.get(iri or "")
        return o.qid if o and o.status == "linked" else None

    def country_qid(iso):
        row = ref.countries.get(iso or "")
        return row["wikidata"] if row else None

    places, orgs, people = [], [], []
    for out in result.outcomes:
        if out.status == "linked":
            continue
        node = nodes[out.node]
        if out.kind == "FirstLevelUnit":
            places.append(Pending(out, node.labels, qid(node.parent)))
        elif out.kind == "Municipality":
            places.append(Pending(out, node.labels, qid(node.parent)))
        elif out.kind == "Organization":
            orgs.append(Pending(out, node.labels, country_qid(_home_country(graph, nodes, node))))
        elif out.kind == "Person":
            people.append(Pending(out, node.labels, country_qid(_home_country(graph, nodes, node))))
    # the same name anchored in the same place can only match once per request
    lookup_places(client, places)
    lookup_organizations(client, [p for p in orgs if p.anchor])
    lookup_people(client, [p for p in people if p.anchor])
    for p in orgs + people:
        if not p.anchor and p.outcome.status == "not found":
            p.outcome.reason = "no home country to check candidates against"
    unique_qids(result.outcomes)
    linked = {o.qid for o in result.outcomes if o.status == "linked" and o.qid}
    place_qids = {o.qid for o in result.outcomes if o.status == "linked" and o.qid
                  and o.kind in ("Country", "FirstLevelUnit", "Municipality")}
    result.facts = fetch_facts(client, linked, place_qids)
    result.wikidata_pairs = fetch_p190(client, place_qids)


# --- output -----------------------------------------------------------------

def link_blocks(result: Result, existing: Existing, day: str) -> list:
    blocks = []
    for node, triples in result.kept.items():
        blocks.append((node, triples))
    for out in result.outcomes:
        if out.status != "linked" or out.linked_by == "hand":
            continue
        node, target = URIRef(out.node), URIRef(qid_iri(out.qid))
        rec = record_iri(out.node)
        old = existing.find(out.node, out.qid, out.linked_by)
        triples = [(node, SKOS.exactMatch, target), (rec, RDF.type, GLX.WikidataLink),
                   (rec, GLX.linkSubject, node), (rec, GLX.linkTarget, target),
                   (rec, GLX.linkedBy, Literal(out.linked_by)), (rec, GLX.matchedOn, Literal(out.matched_on)),
                   (rec, GLX.linkedOn, Literal((old.date if old and old.date else day), datatype=XSD.date))]
        if out.row:
            triples.append((rec, GLX.referenceRow, Literal(out.row)))
        if out.confidence:
            triples.append((rec, GLX.qidConfidence, Literal(out.confidence)))
        if out.reason:
            triples.append((rec, GLX.linkNote, Literal(out.reason)))
        blocks.append((out.node, triples))
    return blocks


def _wkt(lon: str, lat: str) -> Literal:
    return Literal(f"Point({lon} {lat})", datatype=GEO.wktLiteral)


def facts_blocks(result: Result, existing: Existing, day: str, live: bool) -> list:
    blocks = []
    linked = {o.node: o for o in result.outcomes if o.status == "linked"}
    for node, out in sorted(linked.items()):
        subject = URIRef(node)
        if out.facts:  # from the reference row
            rec = record_iri(node, "reference")
            body = [(RDF.type, GLX.ExternalFacts), (GLX.factsAbout, subject),
                    (GLX.factsFrom, Literal("reference-table")), (GLX.referenceRow, Literal(out.row))]
            if "lat" in out.facts:
                body += [(GEO.asWKT, _wkt(out.facts["lon"], out.facts["lat"])),
                         (WGS.lat, Literal(out.facts["lat"], datatype=XSD.decimal)),
                         (WGS.long, Literal(out.facts["lon"], datatype=XSD.decimal))]
            if "population" in out.facts:
                body.append((GLX.population, Literal(out.facts["population"])))
            blocks.append((node + " 1", _dated(rec, body, existing, day)))
        rec = record_iri(node, "wikidata")
        if live and out.qid in result.facts:
            f = result.facts[out.qid]
            body = [(RDF.type, GLX.ExternalFacts), (GLX.factsAbout, subject),
                    (GLX.factsFrom, Literal("endpoint")), (PROV.wasDerivedFrom, URIRef(qid_iri(out.qid))),
                    (GLX.referenceRow, Literal(result.endpoint))]
            body += [(GLX.wikidataLabel, Literal(text, lang=lang or None)) for text, lang in f["labels"]]
            if f.get("wkt"):
                body.append((GEO.asWKT, Literal(f["wkt"], datatype=GEO.wktLiteral)))
            body += [(GLX.reportedIsoCode, Literal(c)) for c in f["iso"]]
            if "population" in f:
                body.append((GLX.population, Literal(f["population"])))
                if f.get("population_date"):
                    body.append((GLX.populationDate, Literal(f["population_date"], datatype=XSD.date)))
            if len(body) > 5:
                blocks.append((node + " 2", _dated(rec, body, existing, day)))
        elif not live and str(rec) in existing.facts:
            # an offline run keeps what an endpoint run fetched, while the link stands
            date, old_body, triples = existing.facts[str(rec)]
            if (PROV.wasDerivedFrom, URIRef(qid_iri(out.qid or ""))) in old_body:
                blocks.append((node + " 2", triples))
    return blocks


def _dated(rec: URIRef, body: list, existing: Existing, day: str) -> list:
    old = existing.facts.get(str(rec))
    date = old[0] if old and old[0] and old[1] == frozenset(body) else day
    return [(rec, p, o) for p, o in body] + [(rec, GLX.retrievedOn, Literal(date, datatype=XSD.date))]


def keep_earlier_endpoint_links(result: Result, existing: Existing) -> None:
    """An offline run keeps links an endpoint run made, for nodes it did not link."""
    for out in result.outcomes:
        if out.status == "linked":
            continue
        for link in existing.links.get(out.node, []):
            if link.linked_by == "endpoint":
                out.status, out.qid, out.linked_by = "linked", link.qid, "endpoint"
                out.matched_on, out.reason, out.candidates = "kept from an earlier endpoint run", "", []
                result.kept[out.node] = link.triples
                break


# --- report -----------------------------------------------------------------

def report_json(result: Result) -> str:
    summary = {}
    for out in result.outcomes:
        summary.setdefault(out.kind, {"linked": 0, "ambiguous": 0, "not found": 0})[out.status] += 1
    return json.dumps({"endpoint": result.endpoint, "requests": result.requests, "cache_hits": result.cache_hits,
                       "written": result.written, "summary": summary,
                       "outcomes": [o.as_dict() for o in result.outcomes],
                       "twinning": result.twinning}, ensure_ascii=False, indent=1) + "\n"


def report_table(result: Result) -> str:
    lines = [f"{'class':<16}{'linked':>8}{'ambiguous':>11}{'not found':>11}"]
    for kind in KINDS:
        outs = [o for o in result.outcomes if o.kind == kind]
        if not outs:
            continue
        n = {s: sum(o.status == s for o in outs) for s in ("linked", "ambiguous", "not found")}
        lines.append(f"{kind:<16}{n['linked']:>8}{n['ambiguous']:>11}{n['not found']:>11}")
    for kind in KINDS:
        amb = [o for o in result.outcomes if o.kind == kind and o.status == "ambiguous"]
        if amb:
            lines.append(f"\n{kind}: ambiguous (not linked; add a hand link after checking)")
            for o in amb:
                cands = "; ".join(f"{c.qid} {c.name}" + (f" [{c.note}]" if c.note else "") for c in o.candidates)
                lines.append(f"  {o.label} <{o.node[len(ID_BASE):]}>: {o.reason}")
                if cands:
                    lines.append(f"      candidates: {cands}")
    for kind in KINDS:
        missing = [o for o in result.outcomes if o.kind == kind and o.status == "not found"]
        if missing and kind != "Organization" or (missing and result.endpoint):
            lines.append(f"\n{kind}: not found ({len(missing)})")
            for o in missing:
                lines.append(f"  {o.label} <{o.node[len(ID_BASE):]}>" + (f": {o.reason}" if o.reason else ""))
        elif missing:
            lines.append(f"\n{kind}: {len(missing)} not in reference/organizations.csv; "
                         f"run `goinglocal link --endpoint` to look them up")
    hand = sum(o.linked_by == "hand" for o in result.outcomes)
    lines.append("")
    if hand:
        lines.append(f"{hand} hand links kept")
    if result.endpoint:
        lines.append(f"endpoint {result.endpoint}: {result.requests} requests, {result.cache_hits} answered from the cache")
    twins = result.twinning
    if twins:
        lines.append(f"twinning: {sum(r['in_graph'] == 'yes' for r in twins)} pairs in the graph, "
                     f"{sum(r['in_wikidata'] == 'yes' for r in twins)} also in Wikidata, "
                     f"{sum(r['in_graph'] == 'no' for r in twins)} only in Wikidata")
    lines.append("written: " + (", ".join(result.written) if result.written else "nothing (no change)"))
    return "\n".join(lines) + "\n"


# --- the command ------------------------------------------------------------

def run_link(layout: Layout, args) -> int:
    endpoint = getattr(args, "endpoint", None)
    fmt = getattr(args, "format", "table")
    day = today()
    ontology, graph = read_graphs(layout)
    nodes = graph_nodes(graph, ontology)
    ref = ReferenceTables(layout.reference_dir)
    existing = read_existing(layout.links_file, layout.facts_file)
    result = reconcile_offline(nodes, graph, ref, existing, include_people=bool(endpoint))
    result.wikidata_pairs = None
    if endpoint:
        from goinglocal.wikidata.client import SparqlClient
        client = SparqlClient(endpoint, cache_dir=layout.build_dir / "cache" / "wikidata")
        result.endpoint = endpoint
        try:
            reconcile_live(result, nodes, graph, ref, client)
        finally:
            result.requests, result.cache_hits = client.requests, client.cache_hits
    else:
        keep_earlier_endpoint_links(result, existing)
    links = turtle(LINKS_HEADER, link_blocks(result, existing, day))
    facts = turtle(FACTS_HEADER, facts_blocks(result, existing, day, live=bool(endpoint)))
    qids = {o.node: o.qid for o in result.outcomes if o.status == "linked" and o.qid}
    result.twinning = comparison_rows(graph, qids, result.wikidata_pairs)
    twin_path = layout.build_dir / "links" / "twinning-comparison.csv"
    for path, data in ((layout.links_file, links), (layout.facts_file, facts), (twin_path, to_csv(result.twinning))):
        if write_if_changed(path, data):
            result.written.append(str(path.relative_to(layout.root)))
    sys.stdout.write(report_json(result) if fmt == "json" else report_table(result))
    return 0
