"""Facts hiding in prose: for each node, the names of other graph entities
(their rdfs:label or skos:altLabel) that appear in its rdfs:comment or
editorial notes with no triple linking the two.

A mention counts as linked when the closure holds a triple between the two
nodes in either direction, or a path of two triples through the node that
records the fact: a qualified relation (a participation, a bid, a
membership...), an engagement, agreement, project, post or claim. So an
actor whose note says it met another is linked to it by the meeting both
took part in, which is where the fact belongs; two actors that merely lie in
the same place are not linked by that. Names are matched accent- and case-insensitively on word
boundaries; names shorter than four characters, the macro-regions and the
two sides' countries named in almost every note ("China") are not counted,
because a note that says "Chinese" or "China" is not withholding a fact.

A mention that an editor has looked at and judged not to be a fact the
graph should hold is acknowledged with `gl:unlinkedMention "name"` on the
node, with the reason in an editorial note; it is then reported as
justified, not as missing."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import URIRef

from goinglocal.namespaces import ID_BASE, ONTOLOGY_BASE
from goinglocal.store import KnowledgeGraph, to_ox

NOTES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX gl: <https://w3id.org/goinglocal/ontology#>
SELECT DISTINCT ?node ?text WHERE {
  GRAPH <https://w3id.org/goinglocal/id/graph/asserted> {
    { ?node rdfs:comment ?text } UNION { ?node gl:editorialNote ?text } UNION { ?node gl:conflictNote ?text }
    UNION { ?node gl:slipNote ?text } UNION { ?node gl:derivationNote ?text }
  }
  ?node a gl:FactBearing .  # a source's comment describes the document, not a fact
}"""

NAMES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX gl: <https://w3id.org/goinglocal/ontology#>
SELECT DISTINCT ?node ?name WHERE {
  GRAPH <https://w3id.org/goinglocal/id/graph/asserted> { { ?node rdfs:label ?name } UNION { ?node skos:altLabel ?name } }
  ?node a ?type .
  VALUES ?type { gl:Actor gl:Locality gl:Agreement gl:Project gl:Engagement gl:Mechanism gl:PolicyDocument }
  FILTER NOT EXISTS { ?node a gl:MacroRegion }
}"""

# nodes that record a fact between the nodes they link (see the module docstring)
VIA_CLASSES = ("QualifiedRelation", "Engagement", "Agreement", "Project", "Post", "Claim")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

ACKNOWLEDGED = """
PREFIX gl: <https://w3id.org/goinglocal/ontology#>
SELECT ?node ?name WHERE { ?node gl:unlinkedMention ?name }"""

# names that every other note contains and that say nothing about a missing fact
COMMON = {"china", "people's republic of china", "prc", "latin america", "argentina", "chile", "brazil",
          "mexico", "peru", "colombia", "panama", "costa rica", "united states"}


def fold(text: str) -> str:
    """Lower case, accents stripped, punctuation as spaces."""
    text = unicodedata.normalize("NFKD", text)
    if not text.isascii():  # the combining marks among the text's distinct characters, dropped in one pass
        marks = {ord(c): None for c in set(text) if unicodedata.combining(c)}
        text = text.translate(marks) if marks else text
    return NOT_WORD.sub(" ", text.lower()).strip()


NOT_WORD = re.compile(r"[^a-z0-9']+")


@dataclass(frozen=True)
class Mention:
    node: URIRef
    name: str
    target: URIRef
    acknowledged: bool


@dataclass
class MentionReport:
    mentions: list[Mention]   # unlinked ones, open or acknowledged
    total: int                # every (node, name) pair found in notes, linked or not

    @property
    def open(self) -> list[Mention]:
        return [m for m in self.mentions if not m.acknowledged]

    @property
    def share(self) -> float:
        """Unlinked mentions, open or acknowledged, as a share of all mentions."""
        return len(self.mentions) / self.total if self.total else 0.0

    def headline(self) -> str:
        return (f"{len(self.mentions)} of {self.total} names found in notes have no linking triple "
                f"({100 * self.share:.1f}%): {len(self.mentions) - len(self.open)} justified with gl:unlinkedMention, "
                f"{len(self.open)} open")


def _names(kg: KnowledgeGraph) -> dict[str, set[URIRef]]:
    _, rows = kg.select(NAMES)
    names: dict[str, set[URIRef]] = {}
    for row in rows:
        key = fold(str(row["name"]))
        if len(key) >= 4 and key not in COMMON and str(row["node"]).startswith(ID_BASE):
            names.setdefault(key, set()).add(row["node"])
    return names


BOUNDARY = re.compile(r"\b")


class NameFinder:
    """Finds names (folded, four characters or more) in folded text on word
    boundaries, as the regular expression \\b(name|name|...)\\b with the
    longest names first would: leftmost, longest at a position, not
    overlapping. Candidates are looked up by their first four characters at
    each word boundary, so nothing is compiled and no position tries every name."""

    def __init__(self, names):
        self.by_start: dict[str, list[str]] = {}
        for name in sorted(names, key=len, reverse=True):
            self.by_start.setdefault(name[:4], []).append(name)

    def __call__(self, text: str):
        bounds = [m.start() for m in BOUNDARY.finditer(text)]
        at = set(bounds)
        end = 0
        for i in bounds:
            if i < end:
                continue
            for name in self.by_start.get(text[i:i + 4], ()):
                if text.startswith(name, i) and i + len(name) in at:
                    yield name
                    end = i + len(name)
                    break


class _Links:
    """Whether the closure links two nodes: a triple between them in either
    direction, or two triples through a node of one of VIA_CLASSES. Looked
    up per pair in the store's indexes (the union of its graphs), as only
    the pairs of a note's node and the names it mentions are ever asked."""

    def __init__(self, store: ox.Store):
        self.store = store
        self.via = {q.subject for cls in VIA_CLASSES
                    for q in store.quads_for_pattern(None, RDF_TYPE, ox.NamedNode(ONTOLOGY_BASE + cls))}
        self.objects: dict = {}  # node -> the objects of its triples (a note's node is asked about many names)

    def __call__(self, a: URIRef, b: URIRef) -> bool:
        x, y = to_ox(a), to_ox(b)
        return self._one_way(x, y) or self._one_way(y, x)

    def _one_way(self, a: ox.NamedNode | ox.BlankNode, b: ox.NamedNode | ox.BlankNode) -> bool:
        """a -> b, or a -> via -> b."""
        if not isinstance(b, ox.NamedNode):
            return False
        middles = self.objects.get(a)
        if middles is None:
            middles = self.objects[a] = {q.object for q in self.store.quads_for_pattern(a, None, None)}
        return b in middles or any(self._has(m, b) for m in middles & self.via)

    def _has(self, s: ox.NamedNode | ox.BlankNode, o: ox.NamedNode) -> bool:
        return next(iter(self.store.quads_for_pattern(s, None, o)), None) is not None


def find_mentions(kg: KnowledgeGraph) -> MentionReport:
    names = _names(kg)
    if not names:
        return MentionReport([], 0)
    find = NameFinder(names)
    linked = _Links(kg.store)
    _, ack_rows = kg.select(ACKNOWLEDGED)
    acknowledged = {(r["node"], fold(str(r["name"]))) for r in ack_rows}
    _, note_rows = kg.select(NOTES)
    pairs: set[tuple[URIRef, str]] = set()
    found: set[Mention] = set()
    for row in note_rows:
        node = row["node"]
        for key in find(fold(str(row["text"]))):
            targets = names[key] - {node}
            if not targets:
                continue
            pairs.add((node, key))
            if any(linked(node, t) for t in targets):
                continue
            found.add(Mention(node, key, min(targets), (node, key) in acknowledged))
    return MentionReport(sorted(found, key=lambda m: (str(m.node), m.name)), len(pairs))


def report_text(kg: KnowledgeGraph, result: MentionReport) -> str:
    lines = [result.headline()]
    for m in result.mentions:
        mark = "ack " if m.acknowledged else "open"
        lines.append(f"{mark} {kg.label(m.node)} <{m.node}> mentions '{m.name}' -> {kg.label(m.target)} <{m.target}>")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    from goinglocal.cli import _knowledge_graph, _layout
    graph = _knowledge_graph(_layout())
    print(report_text(graph, find_mentions(graph)), end="")
