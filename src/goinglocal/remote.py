"""`goinglocal ask NAME --endpoint URL`: answer a library question on a remote
SPARQL 1.1 endpoint (for instance `goinglocal serve`) with SPARQLWrapper.

RemoteGraph has the two methods of store.KnowledgeGraph that answers.py uses
(`select` and `label`), so label parameters are resolved by the very same
answers.resolve (label or IRI; an ambiguous label lists its candidates) and the
answer is rendered by the same answers.records/to_csv/to_json/to_table: a
remote answer is byte for byte the local one when the data is the same.

Parameters are bound with a VALUES block serialised from rdflib terms
(`term.n3()`) and inserted at the start of the query's outermost group
pattern; user text never becomes query syntax."""

from __future__ import annotations

import json
import re
import socket
import urllib.error

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from goinglocal import answers
from goinglocal.errors import EndpointError, QuestionFileError
from goinglocal.namespaces import GRAPH_ASSERTED
from goinglocal.paths import Layout
from goinglocal.questions import Question

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LABELS_OF = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?label WHERE { ?s rdfs:label ?label }"""
LABEL_BATCH = 200


# --- binding parameters ----------------------------------------------------

def outermost_group_start(query: str) -> int:
    """Index just after the '{' that opens the query's outermost group pattern
    (its WHERE clause), skipping comments, strings and IRIs."""
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c == "#":
            end = query.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if c in "\"'":
            long = query.startswith(c * 3, i)
            quote = c * 3 if long else c
            j = i + len(quote)
            while j < n and not query.startswith(quote, j):
                j += 2 if query[j] == "\\" else 1
            i = j + len(quote)
            continue
        if c == "<":  # an IRI (no spaces inside), or the less-than operator
            m = re.match(r"<[^<>\"{}|^`\\\s]*>", query[i:])
            i += m.end() if m else 1
            continue
        if c == "{":
            return i + 1
        i += 1
    raise QuestionFileError("the query has no WHERE { ... } group pattern to bind parameters in")


def values_block(bindings: dict[str, Node]) -> str:
    if not bindings:
        return ""
    names = sorted(bindings)
    for name in names:
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise QuestionFileError(f"parameter name {name!r} is not a SPARQL variable name")
    terms = []
    for name in names:
        term = bindings[name]
        if not isinstance(term, (URIRef, Literal)):
            raise TypeError(f"cannot bind {term!r}")
        if isinstance(term, URIRef) and re.search(r'[\s<>"{}|^`\\]', str(term)):
            raise ValueError(f"unsafe IRI {str(term)!r}")
        terms.append(term.n3())
    return f"\n  VALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(terms)}) }}\n"


def bind(query: str, bindings: dict[str, Node] | None) -> str:
    """The query with a VALUES block for the bindings at the start of its outermost WHERE."""
    if not bindings:
        return query
    at = outermost_group_start(query)
    return query[:at] + values_block(bindings) + query[at:]


# --- results ---------------------------------------------------------------

def term_from_json(value: dict | None) -> Node | None:
    """A SPARQL 1.1 JSON results term as the rdflib term store.from_ox gives."""
    if value is None:
        return None
    kind = value.get("type")
    text = value.get("value", "")
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(text)
    if kind in ("literal", "typed-literal"):
        if value.get("xml:lang"):
            return Literal(text, lang=value["xml:lang"])
        datatype = value.get("datatype")
        if not datatype or datatype == XSD_STRING:
            return Literal(text)
        return Literal(text, datatype=URIRef(datatype))
    raise EndpointError(f"the endpoint returned a term of unknown type {kind!r}")


class RemoteGraph:
    """The parts of store.KnowledgeGraph that answers.py needs, over HTTP."""

    def __init__(self, endpoint: str, timeout: int = 120):
        from SPARQLWrapper import JSON, POST, SPARQLWrapper
        self.endpoint = endpoint
        self.timeout = timeout
        self._wrapper_args = (SPARQLWrapper, JSON, POST)
        self._labels: dict[Node, str] = {}
        self._looked_up: set[Node] = set()

    def _wrapper(self, reasoning: bool):
        SPARQLWrapper, JSON, POST = self._wrapper_args
        sparql = SPARQLWrapper(self.endpoint, agent="goinglocal")
        sparql.setReturnFormat(JSON)
        sparql.setMethod(POST)
        sparql.setTimeout(self.timeout)
        if not reasoning:
            sparql.addDefaultGraph(GRAPH_ASSERTED)
        return sparql

    def raw_select(self, query: str, reasoning: bool = True) -> tuple[list[str], list[dict[str, Node | None]]]:
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException
        sparql = self._wrapper(reasoning)
        sparql.setQuery(query)
        where = f"the SPARQL endpoint {self.endpoint}"
        hint = "check the URL (e.g. http://127.0.0.1:7878/query) and that the server runs (goinglocal serve)"
        try:
            response = sparql.query()
            body = response.response.read()
        except SPARQLWrapperException as exc:
            detail = str(exc).strip().splitlines()
            raise EndpointError(f"{where} refused the query: {' '.join(detail)[:1500]}", hint) from None
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace").strip()[:1500]
            raise EndpointError(f"{where} answered HTTP {exc.code} {exc.reason}: {detail}", hint) from None
        except urllib.error.URLError as exc:
            raise EndpointError(f"cannot reach {where}: {exc.reason}", hint) from None
        except (socket.timeout, TimeoutError):
            raise EndpointError(f"{where} did not answer within {self.timeout} s", hint) from None
        except (OSError, ValueError) as exc:
            raise EndpointError(f"cannot talk to {where}: {exc}", hint) from None
        try:
            data = json.loads(body)
            variables = list(data["head"]["vars"])
            rows = [{v: term_from_json(b.get(v)) for v in variables} for b in data["results"]["bindings"]]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise EndpointError(f"{where} did not return SPARQL JSON results "
                                f"(got {body[:200]!r})", hint) from None
        return variables, rows

    def select(self, query: str, bindings: dict[str, Node] | None = None,
               reasoning: bool = True) -> tuple[list[str], list[dict[str, Node | None]]]:
        return self.raw_select(bind(query, bindings), reasoning)

    def fetch_labels(self, nodes) -> None:
        """Look up the labels of these IRIs (in batches), choosing as store.KnowledgeGraph.labels does."""
        todo = sorted({n for n in nodes if isinstance(n, URIRef)} - self._looked_up)
        for start in range(0, len(todo), LABEL_BATCH):
            batch = todo[start:start + LABEL_BATCH]
            self._looked_up.update(batch)
            values = " ".join(n.n3() for n in batch)
            query = bind(LABELS_OF, None)
            at = outermost_group_start(query)
            query = query[:at] + f" VALUES ?s {{ {values} }} " + query[at:]
            best: dict[Node, tuple[int, str]] = {}
            for row in self.raw_select(query)[1]:
                node, label = row["s"], row["label"]
                if not isinstance(label, Literal):
                    continue
                rank = 0 if label.language == "en" else 1 if not label.language else 2
                if node not in best or (rank, str(label)) < best[node]:
                    best[node] = (rank, str(label))
            self._labels.update({node: text for node, (_, text) in best.items()})

    def label(self, node: Node) -> str:
        if isinstance(node, URIRef):
            if node not in self._looked_up:
                self.fetch_labels([node])
            return self._labels.get(node) or _short(node)
        return str(node)


def _short(iri: URIRef) -> str:
    from goinglocal.store import _short as short
    return short(iri)


def run_remote(endpoint: str, question: Question, raw_params: dict[str, str] | None = None,
               reasoning: bool = True) -> tuple[RemoteGraph, answers.Answer]:
    graph = RemoteGraph(endpoint)
    answer = answers.run(graph, question, raw_params or {}, reasoning=reasoning)  # type: ignore[arg-type]
    graph.fetch_labels(term for row in answer.rows for term in row.values())
    return graph, answer


def ask_remote(endpoint: str, question: Question, raw_params: dict[str, str], fmt: str,
               layout: Layout | None = None, width: int = 60) -> str:
    if not re.match(r"https?://", endpoint):
        raise EndpointError(f"{endpoint!r} is not an http(s) URL",
                            "give the endpoint's URL, e.g. --endpoint http://127.0.0.1:7878/query")
    graph, answer = run_remote(endpoint, question, raw_params)
    return answers.render(graph, answer, fmt, width=width)  # type: ignore[arg-type]
