"""The graph that questions run on: the asserted triples and the inferred
ones in two named graphs of an in-memory Oxigraph store, the union being the
default graph. Also converts between rdflib and pyoxigraph terms."""

from __future__ import annotations

from functools import cached_property

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from goinglocal.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED
from goinglocal.reason import Closure

ASSERTED = ox.NamedNode(GRAPH_ASSERTED)
INFERRED = ox.NamedNode(GRAPH_INFERRED)
LABELS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?label WHERE { ?s rdfs:label ?label }"""


def _in_graph(ntriples: bytes, graph: ox.NamedNode) -> bytes:
    """N-Triples lines as N-Quads lines in the given named graph."""
    suffix = f" <{graph.value}> .\n".encode()
    # A line feed inside a literal is written \n, so every line feed ends a
    # line. When each one ends with " ." (as Oxigraph and rdflib write them),
    # one replace, in C, does it: the replace made as many changes as there
    # are line feeds.
    quads = ntriples.replace(b" .\n", suffix)
    if ntriples.endswith(b"\n") and len(quads) - len(ntriples) == ntriples.count(b"\n") * (len(suffix) - 3):
        return quads
    return b"".join(line.rstrip()[:-1].rstrip() + suffix
                    for line in ntriples.splitlines() if line.strip())


def inferred_only(closure: Closure) -> bytes:
    if closure.closure_nt.startswith(closure.asserted_nt):  # goinglocal.materialise writes asserted, then inferred
        return closure.closure_nt[len(closure.asserted_nt):]
    asserted = set(closure.asserted_nt.splitlines())
    return b"\n".join(line for line in closure.closure_nt.splitlines() if line not in asserted) + b"\n"


def to_ox(term: Node) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot convert {term!r}")


def from_ox(term) -> Node | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    if datatype == "http://www.w3.org/2001/XMLSchema#string":
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(datatype))


def term_converter():
    """from_ox that converts each distinct term once (a batch of rows or
    triples repeats a few thousand terms many times)."""
    terms: dict = {}

    def convert(term):
        if term is None:
            return None
        if (found := terms.get(term)) is None:
            found = terms[term] = from_ox(term)
        return found
    return convert


def to_nquads(closure: Closure) -> bytes:
    """The asserted triples in graph/asserted, the rest of the closure in graph/inferred."""
    return _in_graph(closure.asserted_nt, ASSERTED) + _in_graph(inferred_only(closure), INFERRED)


def closure_store(closure: Closure, nquads: bytes | None = None) -> ox.Store:
    """A store holding the closure: its asserted and inferred triples in
    their named graphs. One load, so a blank node shared by asserted and
    inferred triples (an ontology restriction) stays one node: Oxigraph
    relabels blank nodes on every load. Lenient (IRIs not checked again,
    a third faster): a closure's N-Triples are a store's dump of terms
    checked when the files were parsed and loaded. nquads: the closure as
    N-Quads already (to_nquads), when at hand."""
    store = ox.Store()
    store.load(to_nquads(closure) if nquads is None else nquads, format=ox.RdfFormat.N_QUADS, lenient=True)
    return store


class KnowledgeGraph:
    """The asserted graph and its closure, ready to query."""

    def __init__(self, closure: Closure):
        self.closure = closure
        if getattr(closure, "store", None) is not None:  # made in a store already: use it (and let go of it)
            self.store, closure.store = closure.store, None
            return
        self.store = closure_store(closure)

    @classmethod
    def from_store(cls, store: ox.Store, closure: Closure | None = None) -> "KnowledgeGraph":
        """Wrap a store already in this layout (asserted and inferred named
        graphs), such as goinglocal.materialise.materialise_store leaves."""
        kg = cls.__new__(cls)
        kg.closure, kg.store = closure, store
        return kg

    def select(self, query: str, bindings: dict[str, Node] | None = None,
               reasoning: bool = True) -> tuple[list[str], list[dict[str, Node | None]]]:
        from goinglocal.questions import bind_values
        options = {"use_default_graph_as_union": True} if reasoning else {"default_graph": [ASSERTED]}
        result = self.store.query(bind_values(query, bindings or {}), **options)
        variables = [v.value for v in result.variables]
        convert = term_converter()
        # a solution's terms in the variables' order (reading them by name costs three times as much)
        rows = [dict(zip(variables, map(convert, solution))) for solution in result]
        return variables, rows

    @cached_property
    def labels(self) -> dict[Node, str]:
        """One display label per node, English preferred."""
        best: dict[Node, tuple[int, str]] = {}
        for solution in self.store.query(LABELS, use_default_graph_as_union=True):
            node, label = from_ox(solution["s"]), solution["label"]
            rank = 0 if label.language == "en" else 1 if not label.language else 2
            if node not in best or (rank, label.value) < best[node]:
                best[node] = (rank, label.value)
        return {node: text for node, (_, text) in best.items()}

    def label(self, node: Node) -> str:
        if isinstance(node, URIRef):
            return self.labels.get(node) or _short(node)
        return str(node)


def _short(iri: URIRef) -> str:
    text = str(iri)
    for base in ("https://w3id.org/goinglocal/id/", "https://w3id.org/goinglocal/ontology#"):
        if text.startswith(base):
            return text[len(base):]
    return text
