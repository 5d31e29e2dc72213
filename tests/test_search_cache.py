"""Search entries kept from the previous build where no change reaches them
(goinglocal.searchcache) equal the entries made from scratch, after random
edits of the repository's closure."""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from goinglocal import search
from goinglocal.graphdelta import Change
from goinglocal.searchcache import SearchCache
from goinglocal.store import KnowledgeGraph

G = ox.NamedNode("https://w3id.org/goinglocal/id/graph/asserted")
GL = "https://w3id.org/goinglocal/ontology#"
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _kg(triples) -> KnowledgeGraph:
    store = ox.Store()
    store.extend(ox.Quad(s, p, o, G) for s, p, o in triples)
    return KnowledgeGraph.from_store(store)


@pytest.fixture(scope="module")
def triples() -> list:
    from conftest_serve import repository_closure
    store = ox.Store()
    store.load(repository_closure().closure_nt, format=ox.RdfFormat.N_TRIPLES)
    return [(q.subject, q.predicate, q.object) for q in store if not isinstance(q.subject, ox.BlankNode)
            and not isinstance(q.object, ox.BlankNode)]


@pytest.mark.parametrize("seed", range(4))
def test_entries_kept_or_made_again_equal_entries_made_from_scratch(tmp_path, triples, seed):
    rng = random.Random(seed)
    ours = [t for t in triples if t[1].value.startswith(GL) or t[1] in (LABEL, TYPE)]
    entities = sorted({e["iri"] for e in search.entries_of(_kg(triples))})
    removed = rng.sample(ours, 4) + rng.sample([t for t in triples if t[1] == LABEL], 1)
    added = [(rng.choice(ours)[0], p, o) for _, p, o in rng.sample(ours, 3)]
    added.append((ox.NamedNode(rng.choice(entities)), LABEL, ox.Literal("A new name", language="en")))
    added.append((ox.NamedNode(rng.choice(entities)), TYPE, ox.NamedNode(GL + "Country")))
    before = _kg(triples)
    after = _kg([t for t in triples if t not in set(removed)] + added)
    cache = SearchCache(tmp_path)
    cache.save("before", search.entries_of(before))
    change = Change([ox.Quad(*t, G) for t in removed], [ox.Quad(*t, G) for t in added])
    assert cache.entries(after, "before", change) == search.entries_of(after)
    assert cache.remade is not None and cache.remade < len(entities) / 4  # most were kept


def test_entries_from_another_graph_are_not_used(tmp_path, triples):
    kg = _kg(triples)
    cache = SearchCache(tmp_path)
    cache.save("other", [{"iri": "stale"}])
    assert cache.entries(kg, "before", Change([], [])) == search.entries_of(kg)
    assert cache.remade is None
