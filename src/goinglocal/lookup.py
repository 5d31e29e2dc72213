"""The instance data indexed by subject and by object, read from the files'
N-Triples (lexical forms as written) with rdflib terms made once per
distinct term: what the strict checks and `validate FILE` look up, without
the cost of building rdflib's graph of the whole repository (a store that
indexes every triple three ways)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox
from rdflib.namespace import RDFS
from rdflib.term import Node

Triple = tuple[Node, Node, Node]


class Lookup:
    """From (file, N-Triples) pairs, in the order that decides where a
    subject was first written (`origin`)."""

    def __init__(self, parts: Iterable[tuple[Path, bytes]]):
        from goinglocal.store import term_converter
        self.out: dict[Node, dict[Triple, None]] = {}
        self.into: dict[Node, dict[Triple, None]] = {}
        self.origin: dict[Node, Path] = {}
        term = term_converter()
        for path, nt in parts:
            for t in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES):
                triple = (term(t.subject), term(t.predicate), term(t.object))
                self.out.setdefault(triple[0], {})[triple] = None
                self.into.setdefault(triple[2], {})[triple] = None
                self.origin.setdefault(triple[0], path)

    def __iter__(self) -> Iterator[Triple]:
        for triples in self.out.values():
            yield from triples

    def __len__(self) -> int:
        return sum(len(t) for t in self.out.values())

    def about(self, node: Node) -> Iterable[Triple]:
        """The triples with node as subject."""
        return self.out.get(node, {}).keys()

    def pointing_to(self, node: Node) -> Iterable[Triple]:
        """The triples with node as object."""
        return self.into.get(node, {}).keys()

    def subjects(self) -> Iterable[Node]:
        return self.out.keys()

    def objects(self, node: Node, predicate: Node) -> list[Node]:
        return [o for _, p, o in self.about(node) if p == predicate]

    def label(self, node: Node, default: str | None = None) -> str:
        """The node's first rdfs:label in file order (its IRI, or default, if none)."""
        for _, p, o in self.about(node):
            if p == RDFS.label:
                return str(o)
        return str(node) if default is None else default
