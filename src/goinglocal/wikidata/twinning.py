"""Twinning comparison: the graph's gl:twinnedWith pairs (symmetric, so both
directions count as one pair) against Wikidata's P190 between the linked
items, with the graph's citations ready for contributing back."""

from __future__ import annotations

import csv
import io

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from goinglocal.namespaces import GL

COLUMNS = ["place_a", "label_a", "qid_a", "place_b", "label_b", "qid_b", "in_graph", "in_wikidata",
           "action", "agreements", "agreement_dates", "citations", "citation_labels", "citation_urls"]


def graph_pairs(graph: Graph) -> set[tuple[str, str]]:
    return {tuple(sorted((str(a), str(b)))) for a, b in graph.subject_objects(GL.twinnedWith) if a != b}


def _label(graph: Graph, node) -> str:
    labels = sorted(graph.objects(URIRef(node), RDFS.label), key=lambda l: (l.language != "en", str(l)))
    return str(labels[0]) if labels else str(node).rsplit("/", 1)[-1]


def _agreements(graph: Graph, a: str, b: str) -> list[URIRef]:
    parties = {URIRef(a), URIRef(b)}
    found = []
    for agreement in graph.subjects(RDF.type, GL.TwinningAgreement):
        if parties <= set(graph.objects(agreement, GL.hasParty)):
            found.append(agreement)
    return sorted(found)


def comparison_rows(graph: Graph, qid_of: dict[str, str], wikidata_pairs: set[tuple[str, str]] | None) -> list[dict]:
    """One row per pair in the graph or (between linked places) in Wikidata.
    wikidata_pairs None means Wikidata was not asked (offline run)."""
    node_of = {}
    for node, qid in qid_of.items():
        node_of.setdefault(qid, node)
    pairs = graph_pairs(graph)
    wd_as_nodes = set()
    for qa, qb in wikidata_pairs or set():
        if qa in node_of and qb in node_of:
            wd_as_nodes.add(tuple(sorted((node_of[qa], node_of[qb]))))
    rows = []
    for a, b in sorted(pairs | wd_as_nodes):
        qa, qb = qid_of.get(a, ""), qid_of.get(b, "")
        in_graph = (a, b) in pairs
        if wikidata_pairs is None or not (qa and qb):
            in_wd = "not checked" if wikidata_pairs is None else "unlinked"
        else:
            in_wd = "yes" if tuple(sorted((qa, qb))) in wikidata_pairs else "no"
        if not in_graph:
            action = "Wikidata only: check the sources; add gl:twinnedWith with an agreement if one supports it"
        elif in_wd == "no":
            action = "graph only: propose P190 on both Wikidata items, citing the agreement"
        elif in_wd == "yes":
            action = "agree"
        elif in_wd == "unlinked":
            action = "link both places to Wikidata first"
        else:
            action = "run goinglocal link --endpoint to compare"
        agreements = _agreements(graph, a, b) if in_graph else []
        citations = sorted({c for ag in agreements for c in graph.objects(ag, GL.evidence)})
        urls = sorted({str(u) for c in citations for u in
                       list(graph.objects(c, GL.url)) + [u for s in graph.objects(c, GL.inSource) for u in graph.objects(s, GL.url)]})
        rows.append({
            "place_a": a, "label_a": _label(graph, a), "qid_a": qa,
            "place_b": b, "label_b": _label(graph, b), "qid_b": qb,
            "in_graph": "yes" if in_graph else "no", "in_wikidata": in_wd, "action": action,
            "agreements": " ".join(str(x) for x in agreements),
            "agreement_dates": " ".join(str(d) for ag in agreements for d in graph.objects(ag, GL.date)),
            "citations": " ".join(str(c) for c in citations),
            "citation_labels": " | ".join(_label(graph, c) for c in citations),
            "citation_urls": " ".join(urls),
        })
    return rows


def to_csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")
