"""The whole-graph files (goinglocal.site.graph_files): every download
parses back to exactly the asserted graph or the closure the build holds,
void.ttl counts them right, the build's graph/ files are the downloads'
bytes, and the assumption the closure's files rest on, that no triple is in
both the asserted and the inferred graph, holds after reasoning from
scratch and after an edit turned an inferred triple into an asserted one."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

import conftest_serve as cs
from goinglocal import materialise as m
from goinglocal.reason import Closure
from goinglocal.site.graph_files import GraphFiles
from goinglocal.store import ASSERTED, INFERRED, KnowledgeGraph, _in_graph

FORMATS = {"ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS,
           "jsonld": ox.RdfFormat.JSON_LD}
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
ID = "https://w3id.org/goinglocal/id/"
EX = "http://example.org/"
# a blank node (the restriction) in an asserted and in an inferred triple
SMALL = f"""
<{EX}A> <http://www.w3.org/2000/01/rdf-schema#subClassOf> <{EX}B> .
<{EX}A> <http://www.w3.org/2000/01/rdf-schema#subClassOf> _:r .
_:r <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2002/07/owl#Restriction> .
_:r <http://www.w3.org/2002/07/owl#onProperty> <{EX}p> .
_:r <http://www.w3.org/2002/07/owl#hasValue> <{EX}v> .
<{EX}x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}A> .
<{EX}x> <http://www.w3.org/2000/01/rdf-schema#label> "x, with a line feed\\n and a dot ." .
""".encode()


def canonical(quads) -> set[ox.Quad]:
    """The quads with blank nodes labelled canonically (RDFC-1.0)."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(dataset)


def parsed(data: bytes, ext: str) -> set[ox.Quad]:
    return canonical(q if isinstance(q, ox.Quad) else ox.Quad(q.subject, q.predicate, q.object)
                     for q in ox.parse(data, format=FORMATS[ext]))


def held(kg: KnowledgeGraph, graphs, keep_graph: bool = False) -> set[ox.Quad]:
    """What the store holds in these named graphs (as triples, unless keep_graph)."""
    return canonical(q if keep_graph else ox.Quad(q.subject, q.predicate, q.object)
                     for g in graphs for q in kg.store.quads_for_pattern(None, None, None, g))


def overlap(store: ox.Store) -> int:
    return sum(1 for q in store.quads_for_pattern(None, None, None, ASSERTED)
               if ox.Quad(q.subject, q.predicate, q.object, INFERRED) in store)


@pytest.fixture(scope="module")
def build():
    root, _ = cs.built()
    return root / "build", cs.knowledge_graph()


def test_downloads_parse_back_to_the_graphs_the_build_holds(build):
    out, kg = build
    downloads = out / "site" / "downloads"
    asserted, inferred = held(kg, [ASSERTED]), held(kg, [INFERRED])
    assert overlap(kg.store) == 0
    expected = {"asserted": asserted, "closure": held(kg, [ASSERTED, INFERRED])}
    for which in ("asserted", "closure"):
        for ext in ("ttl", "nt", "jsonld"):
            assert parsed((downloads / f"goinglocal-{which}.{ext}").read_bytes(), ext) == expected[which], (which, ext)
    graphs = [ASSERTED, INFERRED]
    assert parsed((downloads / "goinglocal-asserted.nq").read_bytes(), "nq") == held(kg, [ASSERTED], keep_graph=True)
    assert parsed((downloads / "goinglocal-closure.nq").read_bytes(), "nq") == held(kg, graphs, keep_graph=True)

    void = ox.Store()
    void.load(path=str(downloads / "void.ttl"), format=ox.RdfFormat.TURTLE, base_iri=downloads.as_uri() + "/")
    triples = {str(q.subject.value): int(q.object.value)
               for q in void.quads_for_pattern(None, ox.NamedNode(VOID + "triples"), None)}
    assert triples == {ID + "dataset": len(asserted) + len(inferred), ID + "graph/asserted": len(asserted),
                       ID + "graph/inferred": len(inferred)}
    sizes = {}
    for q in void.quads_for_pattern(None, ox.NamedNode(DCAT + "downloadURL"), None):
        size = next(void.quads_for_pattern(q.subject, ox.NamedNode(DCAT + "byteSize"), None)).object
        sizes[q.object.value.rsplit("/", 1)[-1]] = int(size.value)
    assert len(sizes) == 8
    assert sizes == {name: (downloads / name).stat().st_size for name in sizes}


def test_the_builds_graph_files_are_the_downloads_bytes(build):
    out, _ = build
    downloads = out / "site" / "downloads"
    for graph_file, download in (("asserted.ttl", "goinglocal-asserted.ttl"), ("asserted.nt", "goinglocal-asserted.nt"),
                                 ("closure.nt", "goinglocal-closure.nt"), ("goinglocal.nq", "goinglocal-closure.nq")):
        assert (out / "graph" / graph_file).read_bytes() == (downloads / download).read_bytes(), graph_file
    assert (out / "graph" / "closure.nt").read_bytes() == \
        (out / "graph" / "asserted.nt").read_bytes() + (out / "graph" / "inferred.nt").read_bytes()


@pytest.fixture(scope="module")
def small() -> Closure:
    asserted, closure, errors, _ = m.materialise(SMALL)
    return Closure(asserted, closure, 0, 0, errors, from_cache=False)


def _files(kg: KnowledgeGraph) -> dict[tuple[str, str], set[ox.Quad]]:
    return {(which, ext): parsed(data, ext) for which, ext, data in GraphFiles(kg).files()}


def test_a_closure_laid_out_otherwise_gives_the_same_files(small):
    kg = KnowledgeGraph(small)
    inferred = small.closure_nt[len(small.asserted_nt):]
    assert inferred and b"_:" in inferred  # the restriction's blank node is in both graphs
    files = _files(kg)
    expected = {"asserted": held(kg, [ASSERTED]), "closure": held(kg, [ASSERTED, INFERRED])}
    for (which, ext), quads in files.items():
        assert quads == (held(kg, [ASSERTED] if which == "asserted" else [ASSERTED, INFERRED], keep_graph=True)
                         if ext == "nq" else expected[which]), (which, ext)
    # inferred lines first (as rdflib's closure may be written): the store's graphs are dumped instead
    other = KnowledgeGraph(Closure(small.asserted_nt, inferred + small.asserted_nt, 0, 0, [], from_cache=False))
    whole = GraphFiles(other)
    assert whole.closure_nt != other.closure.closure_nt  # the store's two graphs, dumped
    assert _files(other) == files
    assert (whole.asserted_triples, whole.inferred_triples) == (len(held(kg, [ASSERTED])), len(held(kg, [INFERRED])))


def test_an_inferred_triple_that_becomes_asserted_leaves_the_inferred_graph(small):
    store = m.load_asserted(SMALL)
    m.materialise_store(store)
    x_is_b = ox.Triple(ox.NamedNode(EX + "x"), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                       ox.NamedNode(EX + "B"))
    assert ox.Quad(*x_is_b, INFERRED) in store and overlap(store) == 0
    m.extend_store(store, [x_is_b])
    assert ox.Quad(*x_is_b, ASSERTED) in store and ox.Quad(*x_is_b, INFERRED) not in store
    assert overlap(store) == 0


def test_ntriples_become_nquads_line_by_line_where_one_replace_cannot_do():
    def reference(ntriples: bytes) -> bytes:
        return b"".join(line.rstrip()[:-1].rstrip() + f" <{ASSERTED.value}> .\n".encode()
                        for line in ntriples.splitlines() if line.strip())
    for text in (SMALL.lstrip(), b'<a:s> <a:p> "o" .\n\n<a:s> <a:p> "q".\n', b'<a:s> <a:p> "o" .',
                 b'<a:s> <a:p> "o" .\r\n', b""):
        assert _in_graph(text, ASSERTED) == reference(text), text
