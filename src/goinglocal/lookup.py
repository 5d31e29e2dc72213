"""The instance data indexed by subject and by object, read from the files'
N-Triples (lexical forms as written). The index holds Oxigraph terms, which
cost nothing to make beyond the parse; a triple becomes rdflib terms only
when it is asked for (each distinct term converted once), so the checks that
scan every triple (goinglocal.strict, duplicate labels) read the Oxigraph
terms (`raw`) and convert only the triples they report. Without the cost of
building rdflib's graph of the whole repository (a store that indexes
every triple three ways), or rdflib terms for every literal."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib.namespace import RDFS
from rdflib.term import Node

Triple = tuple[Node, Node, Node]
LABEL = ox.NamedNode(str(RDFS.label))


class Lookup:
    """From (file, N-Triples) pairs, in the order that decides where a
    subject was first written (`origin`). Iteration order: subjects in the
    order they first appear, each one's triples in the order they first appear."""

    def __init__(self, parts: Iterable[tuple[Path, bytes]]):
        from goinglocal.store import term_converter
        self.out: dict = {}     # Oxigraph subject -> {Oxigraph triple: None}
        self.first: dict = {}   # Oxigraph subject -> the file it is first written in
        out, first = self.out, self.first
        for path, nt in parts:
            for t in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES):
                triples = out.get(t.subject)
                if triples is None:
                    triples = out[t.subject] = {}
                    first[t.subject] = path
                triples[t] = None
        self.term = term_converter()

    @cached_property
    def into(self) -> dict:
        """Oxigraph object -> {Oxigraph triple: None}, made when first asked for."""
        into: dict = {}
        for t in self.raw():
            triples = into.get(t.object)
            if triples is None:
                triples = into[t.object] = {}
            triples[t] = None
        return into

    @cached_property
    def distinct_objects(self) -> set:
        """Every distinct object (Oxigraph terms)."""
        return {t.object for t in self.raw()}

    def rdflib(self, t: ox.Triple) -> Triple:
        """An Oxigraph triple of the index as rdflib terms."""
        return self.term(t.subject), self.term(t.predicate), self.term(t.object)

    @staticmethod
    def _ox(node: Node):
        from goinglocal.store import to_ox
        try:
            return to_ox(node)
        except TypeError:
            return None

    def raw(self) -> Iterator[ox.Triple]:
        """Every triple as Oxigraph terms, in iteration order."""
        for triples in self.out.values():
            yield from triples

    @cached_property
    def terms(self) -> set:
        """Every distinct Oxigraph term, in any position."""
        return self.out.keys() | self.distinct_objects | {t.predicate for t in self.raw()}

    def __iter__(self) -> Iterator[Triple]:
        return map(self.rdflib, self.raw())

    def __len__(self) -> int:
        return sum(len(t) for t in self.out.values())

    def about(self, node: Node) -> list[Triple]:
        """The triples with node as subject."""
        return [self.rdflib(t) for t in self.out.get(self._ox(node), ())]

    def pointing_to(self, node: Node) -> list[Triple]:
        """The triples with node as object."""
        return [self.rdflib(t) for t in self.into.get(self._ox(node), ())]

    def neighbours(self, nodes: set[Node]) -> set[Node]:
        """The IRIs one triple away from these nodes, either way (one pass
        over the triples, rather than an index by object for a few nodes)."""
        wanted = {self._ox(n) for n in nodes}
        found = {t.object for n in wanted for t in self.out.get(n, ()) if isinstance(t.object, ox.NamedNode)}
        found |= {t.subject for t in self.raw() if t.object in wanted and isinstance(t.subject, ox.NamedNode)}
        return {self.term(n) for n in found}

    def subjects(self) -> list[Node]:
        return [self.term(s) for s in self.out]

    def objects(self, node: Node, predicate: Node) -> list[Node]:
        return [o for _, p, o in self.about(node) if p == predicate]

    def label(self, node: Node, default: str | None = None) -> str:
        """The node's first rdfs:label in file order (its IRI, or default, if none)."""
        found = self.raw_label(self._ox(node))
        if found is not None:
            return str(self.term(found))
        return str(node) if default is None else default

    def raw_label(self, node) -> ox.Literal | ox.NamedNode | ox.BlankNode | None:
        """The first rdfs:label of an Oxigraph node, as an Oxigraph term."""
        return next((t.object for t in self.out.get(node, ()) if t.predicate == LABEL), None)

    def file_of(self, node: Node) -> Path | None:
        """The file a subject is first written in (None if no file describes it)."""
        return self.first.get(self._ox(node))

    @cached_property
    def origin(self) -> dict[Node, Path]:
        """Where each subject was first written, for every subject."""
        return {self.term(s): path for s, path in self.first.items()}
