"""The whole graph as files: the asserted graph and the closure as
N-Triples, N-Quads, Turtle and JSON-LD, for the site's downloads and the
build's graph/ folder, with nothing serialised triple by triple in Python.

- N-Triples are the closure's own bytes (goinglocal.reason.Closure): the
  asserted graph, then the inferred triples. goinglocal.materialise keeps
  every inferred triple out of the asserted graph (an inferred triple that
  becomes asserted moves; tests/test_graph_files.py checks the two are
  disjoint), so the closure is the one graph's lines after the other's, and
  the same bytes are graph/asserted.nt, graph/closure.nt and the downloads.
  A closure laid out otherwise (`--reasoner owlrl`, or a KnowledgeGraph made
  from a store) is dumped from the store's two named graphs.
- N-Quads are those N-Triples with the graph's name before each final dot.
- Turtle and JSON-LD are dumped by the store, one named graph at a time; the
  closure's is the asserted graph's document followed by the inferred
  graph's (Turtle without its second set of @prefix lines, JSON-LD as one
  array of both arrays' node objects). One store writes both, so a blank
  node in both graphs keeps one label.

A KnowledgeGraph's GraphFiles is made once (graph_files): the build writes
graph/asserted.ttl from the same bytes as the download."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from functools import cached_property

import pyoxigraph as ox

from goinglocal.site.entities import PREFIXES
from goinglocal.store import ASSERTED, INFERRED, KnowledgeGraph, _in_graph

_MADE: "weakref.WeakKeyDictionary[KnowledgeGraph, GraphFiles]" = weakref.WeakKeyDictionary()


def graph_files(kg: KnowledgeGraph) -> "GraphFiles":
    """The whole-graph files of this graph (made once, on first use)."""
    if (files := _MADE.get(kg)) is None:
        files = _MADE[kg] = GraphFiles(kg)
    return files


def _turtle_body(turtle: bytes) -> bytes:
    """A Turtle document without its leading @prefix lines."""
    start = 0
    while turtle.startswith(b"@prefix ", start):
        start = turtle.index(b"\n", start) + 1
    return turtle[start:]


def _lines(ntriples: bytes) -> int:
    return ntriples.count(b"\n") + (1 if ntriples and not ntriples.endswith(b"\n") else 0)


class GraphFiles:
    """The asserted graph's and the closure's N-Triples (and how many triples
    each graph has); the other serialisations are made when asked for."""

    def __init__(self, kg: KnowledgeGraph):
        self.store = kg.store
        closure = kg.closure
        if (closure is not None and closure.asserted_nt.endswith(b"\n")
                and closure.closure_nt.startswith(closure.asserted_nt)):
            # goinglocal.materialise's layout: asserted graph, then inferred, each dumped by one store
            self.asserted_nt = closure.asserted_nt
            self.closure_nt = closure.closure_nt
            self.inferred_nt = closure.closure_nt[len(closure.asserted_nt):]
        else:
            self.asserted_nt = self._dump(ox.RdfFormat.N_TRIPLES, ASSERTED)
            inferred = self._dump(ox.RdfFormat.N_TRIPLES, INFERRED)
            if inferred and self.asserted_nt:  # one store wrote both: equal triples are equal lines
                asserted = set(self.asserted_nt.splitlines())
                if any(line in asserted for line in inferred.splitlines()):
                    inferred = b"".join(line + b"\n" for line in inferred.splitlines() if line not in asserted)
            self.inferred_nt = inferred
            self.closure_nt = self.asserted_nt + inferred
        self.asserted_triples = _lines(self.asserted_nt)
        self.inferred_triples = _lines(self.inferred_nt)
        self.closure_triples = self.asserted_triples + self.inferred_triples

    def _dump(self, fmt: ox.RdfFormat, graph: ox.NamedNode) -> bytes:
        return self.store.dump(format=fmt, from_graph=graph,
                               prefixes=None if fmt == ox.RdfFormat.N_TRIPLES else PREFIXES)

    @cached_property
    def asserted_turtle(self) -> bytes:
        """Kept: it is graph/asserted.ttl, a download and the start of the closure's Turtle."""
        return self._dump(ox.RdfFormat.TURTLE, ASSERTED)

    def files(self) -> Iterator[tuple[str, str, bytes]]:
        """(asserted or closure, format's extension, bytes) of the eight
        downloads, made one after the other (at scale each is large)."""
        asserted_nq = _in_graph(self.asserted_nt, ASSERTED)
        asserted_jsonld = self._dump(ox.RdfFormat.JSON_LD, ASSERTED)
        yield "asserted", "ttl", self.asserted_turtle
        yield "asserted", "nt", self.asserted_nt
        yield "asserted", "nq", asserted_nq
        yield "asserted", "jsonld", asserted_jsonld
        yield "closure", "ttl", _turtle_after(self.asserted_turtle, self._dump(ox.RdfFormat.TURTLE, INFERRED))
        yield "closure", "nt", self.closure_nt
        yield "closure", "nq", asserted_nq + _in_graph(self.inferred_nt, INFERRED)
        del asserted_nq
        yield "closure", "jsonld", _json_arrays(asserted_jsonld, self._dump(ox.RdfFormat.JSON_LD, INFERRED))


def _turtle_after(first: bytes, second: bytes) -> bytes:
    """Two Turtle documents as one; the second's @prefix lines go when the
    first declares the same ones (the same prefixes were given to both)."""
    body = _turtle_body(second)
    if first and first[:len(first) - len(_turtle_body(first))] == second[:len(second) - len(body)]:
        second = body
    return first + second


def _json_arrays(first: bytes, second: bytes) -> bytes:
    """Two JSON arrays' items as one array."""
    first, second = first.strip(), second.strip()
    if not (first.startswith(b"[") and first.endswith(b"]") and second.startswith(b"[") and second.endswith(b"]")):
        raise ValueError("Oxigraph's JSON-LD was expected to be an array of node objects")
    if first == b"[]":
        return second
    if second == b"[]":
        return first
    return first[:-1] + b"," + second[1:]
