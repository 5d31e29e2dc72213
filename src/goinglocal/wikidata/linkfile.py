"""Reading the existing link files and writing new ones: deterministic
Turtle (sorted, relative IRIs under @base), written atomically and only
when the bytes differ."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS, XSD
from rdflib.term import Node

from goinglocal.load import parse_file
from goinglocal.namespaces import ID_BASE, ONTOLOGY_BASE
from goinglocal.reason import write_atomic
from goinglocal.wikidata import WD
from goinglocal.wikidata.normalise import slug

GLX = Namespace(ONTOLOGY_BASE)  # the link terms of ontology/links.ttl
PROV = Namespace("http://www.w3.org/ns/prov#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
WGS = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
PREFIXES = {"gl": ONTOLOGY_BASE, "rdf": str(RDF), "skos": str(SKOS), "xsd": str(XSD), "wd": WD,
            "prov": str(PROV), "geo": str(GEO), "wgs": str(WGS)}
_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def record_iri(node: str, suffix: str = "") -> URIRef:
    """<link/<slug of the node's path>>, e.g. <link/place-ar-jujuy>."""
    path = str(node)[len(ID_BASE):] if str(node).startswith(ID_BASE) else str(node)
    return URIRef(ID_BASE + "link/" + slug(path) + (f"/{suffix}" if suffix else ""))


@dataclass
class ExistingLink:
    node: str
    qid: str
    linked_by: str          # "hand" when there is no record
    date: str | None
    triples: list = field(default_factory=list)   # the record's triples and the exactMatch


@dataclass
class Existing:
    links: dict[str, list[ExistingLink]] = field(default_factory=dict)
    facts: dict[str, tuple[str, frozenset, list]] = field(default_factory=dict)  # record -> (date, body, triples)

    def hand(self) -> dict[str, list[ExistingLink]]:
        return {n: [l for l in ls if l.linked_by == "hand"] for n, ls in self.links.items()
                if any(l.linked_by == "hand" for l in ls)}

    def find(self, node: str, qid: str, linked_by: str) -> ExistingLink | None:
        return next((l for l in self.links.get(node, []) if l.qid == qid and l.linked_by == linked_by), None)


def read_existing(links_file: Path, facts_file: Path) -> Existing:
    existing = Existing()
    if links_file.is_file() and links_file.read_text(encoding="utf-8").strip():
        g = parse_file(links_file)
        records = {}
        for rec in g.subjects(RDF.type, GLX.WikidataLink):
            node, target = g.value(rec, GLX.linkSubject), g.value(rec, GLX.linkTarget)
            if node is not None and target is not None:
                records[(str(node), str(target))] = rec
        for node, target in g.subject_objects(SKOS.exactMatch):
            if not str(target).startswith(WD):
                continue
            rec = records.get((str(node), str(target)))
            triples = [(node, SKOS.exactMatch, target)]
            if rec is not None:
                ways = sorted(str(v) for v in g.objects(rec, GLX.linkedBy))
                by = "hand" if "hand" in ways or not ways else ways[0]
                date = g.value(rec, GLX.linkedOn)
                triples += list(g.triples((rec, None, None)))
            else:
                by, date = "hand", None
            existing.links.setdefault(str(node), []).append(
                ExistingLink(str(node), str(target)[len(WD):], by, str(date) if date else None, triples))
    if facts_file.is_file() and facts_file.read_text(encoding="utf-8").strip():
        g = parse_file(facts_file)
        for rec in g.subjects(RDF.type, GLX.ExternalFacts):
            body = frozenset((p, o) for p, o in g.predicate_objects(rec) if p != GLX.retrievedOn)
            date = g.value(rec, GLX.retrievedOn)
            existing.facts[str(rec)] = (str(date) if date else "", body, list(g.triples((rec, None, None))))
    return existing


def term(t: Node) -> str:
    if isinstance(t, URIRef):
        s = str(t)
        if s.startswith(ID_BASE):
            return f"<{s[len(ID_BASE):]}>"
        if t == RDF.type:
            return "a"
        for prefix, ns in PREFIXES.items():
            if s.startswith(ns) and _LOCAL.match(s[len(ns):]):
                return f"{prefix}:{s[len(ns):]}"
        return f"<{s}>"
    if isinstance(t, Literal):
        if t.datatype and not t.language:
            text = Literal(str(t)).n3()
            return f"{text}^^{term(URIRef(t.datatype))}"
        return t.n3()
    return t.n3()


def _key(t: Node) -> tuple:
    return (0 if t == RDF.type else 1, term(t))


def turtle(header: str, blocks: list[tuple[str, Graph | list]]) -> bytes:
    """Turtle text: a comment header, @base and prefixes, then one block per
    (sort key, triples), subjects and predicates in a stable order."""
    lines = [f"# {line}".rstrip() for line in header.strip().splitlines()]
    lines += [f"@base <{ID_BASE}> ."] + [f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES.items()] + [""]
    for _, triples in sorted(blocks, key=lambda b: b[0]):
        by_subject: dict[Node, dict[Node, list[Node]]] = {}
        for s, p, o in triples:
            by_subject.setdefault(s, {}).setdefault(p, [])
            if o not in by_subject[s][p]:
                by_subject[s][p].append(o)
        for s in sorted(by_subject, key=lambda s: (0 if SKOS.exactMatch in by_subject[s] else 1, term(s))):
            preds = sorted(by_subject[s].items(), key=lambda kv: _key(kv[0]))
            parts = [f"{term(p)} " + ", ".join(term(o) for o in sorted(objs, key=term)) for p, objs in preds]
            if len(parts) == 1:
                lines.append(f"{term(s)} {parts[0]} .")
            else:
                lines.append(f"{term(s)} " + " ;\n    ".join(parts) + " .")
        lines.append("")
    return ("\n".join(lines).rstrip() + "\n").encode("utf-8")


def write_if_changed(path: Path, data: bytes) -> bool:
    if path.is_file() and path.read_bytes() == data:
        return False
    write_atomic(path, data)
    return True
