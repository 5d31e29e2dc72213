"""A build loads the cached closure into its store on a thread
(goinglocal.reason.PreviousClosure): from the N-Quads the last build wrote
of it when their sha256 is the one the cache kept, else made from the
cached N-Triples."""

import pytest

import conftest_serve as cs
from goinglocal import store as store_module
from goinglocal.graphdelta import sha
from goinglocal.paths import Layout
from goinglocal.reason import ClosureCache, PreviousClosure
from goinglocal.serve import to_nquads


@pytest.fixture()
def cached(tmp_path):
    closure = cs.repository_closure()
    layout = Layout(tmp_path)
    nquads = to_nquads(closure)
    ClosureCache(layout).write("a key", closure, graph=sha(nquads))
    graph = tmp_path / "goinglocal.nq"
    graph.write_bytes(nquads)
    return closure, layout, graph


def _never(*args):
    raise AssertionError("the N-Quads were made again from the cached N-Triples")


def test_the_last_builds_nquads_are_loaded_when_the_cache_vouches_for_them(cached, monkeypatch):
    closure, layout, graph = cached
    monkeypatch.setattr(store_module, "_in_graph", _never)
    key, old, store = PreviousClosure(layout, graph).take()
    assert key == "a key" and old.graph == sha(graph.read_bytes())
    assert len(store) == closure.closure_triples


def test_nquads_changed_since_are_not_loaded(cached, monkeypatch):
    closure, layout, graph = cached
    graph.write_bytes(graph.read_bytes() + b'<urn:x> <urn:y> "not in the closure" <urn:g> .\n')
    assert PreviousClosure(layout, graph).take()[2] is not None  # made from the N-Triples instead
    monkeypatch.setattr(store_module, "_in_graph", _never)
    assert PreviousClosure(layout, graph).take() is None  # so: no store without that


def test_the_cache_notes_a_graph_only_for_the_closure_it_holds(tmp_path):
    import json
    from goinglocal.reason import Closure
    closure = cs.repository_closure()
    cache = ClosureCache(Layout(tmp_path))
    cache.write("a key", closure)
    graph = lambda: json.loads(cache.meta.read_text())["graph"]  # noqa: E731
    assert graph() is None
    other = Closure(closure.asserted_nt, closure.closure_nt + b"<urn:x> <urn:y> <urn:z> .\n", 0, 0, [], from_cache=False)
    cache.note_graph("a key", other, "written from another closure")  # the cache was written again meanwhile
    cache.note_graph("another key", closure, "for other files")
    assert graph() is None
    cache.note_graph("a key", closure, "its graph")
    assert graph() == "its graph" and cache.read("a key").graph == "its graph"
