"""goinglocal.querydelta finds every focus node whose rows a change of
triples can change: checked on the repository's closure with random edits
(each profile query run before and after, rows compared), and on small
graphs for the constructs it models (OPTIONAL, NOT EXISTS, UNION, paths)."""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from goinglocal import querydelta
from goinglocal.profile import QUERIES

G = ox.NamedNode("urn:test:g")
EX = "http://example.org/"
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _store(triples) -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(s, p, o, G) for s, p, o in triples)
    return store


def _rows(store: ox.Store, query: str) -> dict[str, set]:
    """Rows by focus node (?node), blank nodes as one term (their labels differ between stores)."""
    out: dict[str, set] = {}
    for solution in store.query(query, use_default_graph_as_union=True):
        node = solution["node"]
        if isinstance(node, ox.NamedNode):
            out.setdefault(node.value, set()).add(
                tuple("_:" if isinstance(t, ox.BlankNode) else str(t) for t in solution))
    return out


def _changed_nodes(before: ox.Store, after: ox.Store, query: str) -> set[str]:
    old, new = _rows(before, query), _rows(after, query)
    return {n for n in old.keys() | new.keys() if old.get(n) != new.get(n)}


def _check(triples: list, removed: list, added: list, query: str) -> set[str]:
    """The affected set, after asserting it holds every node whose rows changed."""
    before = _store(triples)
    after = _store([t for t in triples if t not in set(removed)] + added)
    union = _store(triples + added)  # the graph after plus what was removed
    found = querydelta.affected(union, query, "node", removed + added)
    assert found is not None
    assert _changed_nodes(before, after, query) <= found
    return found


@pytest.fixture(scope="module")
def closure_triples() -> list:
    from conftest_serve import repository_closure
    store = ox.Store()
    store.load(repository_closure().closure_nt, format=ox.RdfFormat.N_TRIPLES)
    return [(q.subject, q.predicate, q.object) for q in store]


@pytest.mark.parametrize("seed", range(6))
def test_random_edits_of_the_repository_miss_no_changed_profile_row(closure_triples, seed):
    rng = random.Random(seed)
    triples = closure_triples
    subjects = sorted({t[0] for t in triples if isinstance(t[0], ox.NamedNode)}, key=str)
    removed = rng.sample(triples, 3)
    added = []
    for _ in range(4):  # new triples made of existing terms, like existing triples
        s, p, o = rng.choice(triples)
        which = rng.randrange(3)
        added.append((rng.choice(subjects) if which == 0 else s, rng.choice(triples)[1] if which == 1 else p,
                      rng.choice(triples)[2] if which == 2 else o))
    before = _store(triples)
    after = _store([t for t in triples if t not in set(removed)] + added)
    union = _store(triples + added)
    for name, query in QUERIES.items():
        found = querydelta.affected(union, query, "node", removed + added)
        assert found is not None, name
        missed = _changed_nodes(before, after, query) - found
        assert missed == set(), f"{name}: {sorted(missed)[:3]}"


def _iri(name: str) -> ox.NamedNode:
    return ox.NamedNode(EX + name)


OPTIONAL_NOT_EXISTS = f"""SELECT ?node ?v WHERE {{
  ?node <{EX}kind> ?k . OPTIONAL {{ ?node <{EX}value> ?v }}
  FILTER NOT EXISTS {{ ?node <{EX}hidden> ?h }}
}}"""
PATH = f"SELECT ?node ?x WHERE {{ ?x <{EX}in>* ?node . ?x <{EX}kind> ?k }}"
UNION = f"SELECT ?node WHERE {{ {{ ?node <{EX}a> ?x }} UNION {{ ?x <{EX}b> ?node }} }}"


def test_an_optional_value_and_a_not_exists_change_the_rows_of_their_node():
    a, b, kind, value, hidden = _iri("a"), _iri("b"), _iri("kind"), _iri("value"), _iri("hidden")
    one = ox.Literal("1")
    triples = [(a, kind, one), (b, kind, one)]
    assert _check(triples, [], [(a, value, one)], OPTIONAL_NOT_EXISTS) == {EX + "a"}
    assert _check(triples, [], [(b, hidden, one)], OPTIONAL_NOT_EXISTS) == {EX + "b"}
    assert _check(triples, [(a, kind, one)], [], OPTIONAL_NOT_EXISTS) == {EX + "a"}


def test_a_link_in_a_chain_changes_every_place_above_it():
    town, region, country, other = _iri("town"), _iri("region"), _iri("country"), _iri("other")
    in_, kind, one = _iri("in"), _iri("kind"), ox.Literal("1")
    triples = [(town, kind, one), (region, in_, country), (other, kind, one)]
    found = _check(triples, [], [(town, in_, region)], PATH)
    assert found == {EX + "region", EX + "country"}  # the town was already its own row; others untouched
    assert _check(triples + [(town, in_, region)], [(region, in_, country)], [], PATH) == {EX + "country"}


def test_each_branch_of_a_union_is_probed():
    x, y, a, b = _iri("x"), _iri("y"), _iri("a"), _iri("b")
    assert _check([], [], [(x, a, y)], UNION) == {EX + "x"}
    assert _check([], [], [(x, b, y)], UNION) == {EX + "y"}


def test_a_changed_triple_no_pattern_matches_affects_nothing():
    assert _check([], [], [(_iri("x"), _iri("unrelated"), _iri("y"))], UNION) == set()


def test_a_blank_node_stands_for_any_term():
    x, a = _iri("x"), _iri("a")
    triples = [(x, a, ox.BlankNode())]
    found = querydelta.affected(_store(triples), f"SELECT ?node WHERE {{ ?y <{EX}a> ?node . ?node <{EX}b> ?z }}",
                                "node", [(x, a, ox.BlankNode())])
    assert found == set()  # the blank node stands for any node, but no node has <b>
    assert querydelta.affected(_store(triples), UNION, "node", [(ox.BlankNode(), a, x)]) == set()  # not an IRI


def test_a_query_beyond_the_analysis_means_every_node():
    sub = f"SELECT ?node WHERE {{ {{ SELECT ?node WHERE {{ ?node <{EX}a> ?x }} LIMIT 1 }} }}"
    negated = f"SELECT ?node WHERE {{ ?node !<{EX}a> ?x }}"
    for query in (sub, negated):
        assert querydelta.affected(_store([]), query, "node", [(_iri("x"), _iri("a"), _iri("y"))]) is None


def test_a_sequence_path_and_a_sub_query_are_followed():
    x, y, z, a, b = _iri("x"), _iri("y"), _iri("z"), _iri("a"), _iri("b")
    seq = f"SELECT ?node ?z WHERE {{ ?node <{EX}a>/<{EX}b> ?z }}"
    assert _check([(y, b, z)], [], [(x, a, y)], seq) == {EX + "x"}
    assert _check([(x, a, y)], [], [(y, b, z)], seq) == {EX + "x"}
    sub = f"""SELECT ?node ?n WHERE {{ ?node <{EX}a> ?y .
      {{ SELECT ?y (COUNT(?w) AS ?n) WHERE {{ ?w <{EX}b> ?y }} GROUP BY ?y }} }}"""
    assert _check([(x, a, y), (z, a, z)], [], [(_iri("w"), b, y)], sub) == {EX + "x"}


@pytest.mark.parametrize("seed", range(4))
def test_a_question_no_changed_triple_reaches_keeps_its_answer(closure_triples, seed):
    """Random edits of the repository: every library question reaches() says
    is not reached gives the same rows before and after."""
    import conftest_serve as cs
    from goinglocal.questions import load_questions
    rng = random.Random(100 + seed)
    triples = closure_triples
    gl = "https://w3id.org/goinglocal/ontology#"
    # triples the questions read: the ontology's properties and classes
    ours = [t for t in triples if t[1].value.startswith(gl) or str(t[2]).startswith("<" + gl)]
    removed = rng.sample(ours, 3)
    added = [(rng.choice(ours)[0], p, o) for _, p, o in rng.sample(ours, 3)]
    before = _store(triples)
    after = _store([t for t in triples if t not in set(removed)] + added)
    union = _store(triples + added)
    kept = 0
    for name, question in sorted(load_questions(cs.layout()).items()):
        if question.params:
            continue  # asked with their defaults by the build; unbound here they are other queries
        if not querydelta.reaches(union, querydelta.probes(question.text, per_node=False), removed + added):
            kept += 1
            rows = lambda store: sorted(tuple("_:" if isinstance(t, ox.BlankNode) else str(t) for t in s)  # noqa: E731
                                        for s in store.query(question.text, use_default_graph_as_union=True))
            assert rows(before) == rows(after), name
    assert kept > 0


def test_a_query_rdflib_cannot_read_means_every_node(tmp_path):
    broken = "SELECT ?node WHERE { ?node <http://example.org/a> ?x "  # no closing brace
    assert querydelta.affected(_store([]), broken, "node", [(_iri("x"), _iri("a"), _iri("y"))]) is None
    assert querydelta.cached_probes([broken], tmp_path / "probes.pickle") == {broken: None}


def test_unions_on_both_sides_of_a_join_and_a_bind_are_followed():
    query = f"""SELECT ?node ?c WHERE {{
      {{ ?node a <{EX}Loc> BIND(?node AS ?place) }} UNION {{ ?node <{EX}home> ?place }}
      {{ ?place a <{EX}Country> BIND(?place AS ?c) }} UNION {{ ?place <{EX}in> ?c . ?c a <{EX}Country> }} }}"""
    town, actor, country, other = _iri("town"), _iri("actor"), _iri("country"), _iri("other")
    triples = [(town, TYPE, _iri("Loc")), (actor, _iri("home"), town), (country, TYPE, _iri("Country")),
               (other, TYPE, _iri("Loc"))]
    assert _check(triples, [], [(town, _iri("in"), country)], query) == {EX + "town", EX + "actor"}
    assert _check(triples, [], [(other, TYPE, _iri("Country"))], query) == {EX + "other"}


def test_warming_probes_reads_only_their_listing_when_none_is_missing(tmp_path, monkeypatch):
    cache = tmp_path / "probes.pickle"
    first, second = f"SELECT ?node WHERE {{ ?node <{EX}a> ?x }}", f"SELECT ?node WHERE {{ ?node <{EX}b> ?x }}"
    assert querydelta.cached_probes([first], cache, warm_only=True) == {}  # made and listed
    made = querydelta.cached_probes([first], cache)
    assert made[first] is not None
    import pickle
    real = pickle.loads
    monkeypatch.setattr(pickle, "loads", lambda data: pytest.fail("the probes were read"))
    assert querydelta.cached_probes([first], cache, warm_only=True) == {}
    monkeypatch.setattr(pickle, "loads", real)
    querydelta.cached_probes([first, second], cache, warm_only=True)  # one missing: made, and both listed
    monkeypatch.setattr(pickle, "loads", lambda data: pytest.fail("the probes were read"))
    querydelta.cached_probes([second, first], cache, warm_only=True)
    monkeypatch.setattr(pickle, "loads", real)
    both = querydelta.cached_probes([first, second], cache)
    assert both[first] == made[first] and both[second] is not None
