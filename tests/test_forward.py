"""Forward chaining (goinglocal.forward, the default) derives exactly what
the rules as SPARQL updates (goinglocal.materialise_store_sparql, their
reference statement) derive: on the repository, on a small graph that uses
every construct the rules cover, after an edit (incremental insertion), and
when reasoning would change the schema it compiled (it hands over to the
SPARQL evaluation then)."""

import pyoxigraph as ox
import pytest

from goinglocal import materialise as m
from goinglocal.forward import Terms, run
from goinglocal.reason import closure_for

EX = "http://example.org/"
PREFIXES = f"""@prefix : <{EX}> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""
# one or more triples per rule: scm-*, cax-sco, prp-spo1, prp-dom, prp-rng,
# prp-inv1/2, prp-symp, prp-trp, cls-hv1/2, cls-svf1 (both orders), prp-spo2 (length 3)
EVERY_CONSTRUCT = PREFIXES + """
:A a owl:Class ; rdfs:subClassOf :B . :B a owl:Class ; rdfs:subClassOf :C . :C owl:equivalentClass :D .
:p rdfs:subPropertyOf :q . :q rdfs:subPropertyOf :r . :r owl:equivalentProperty :r2 .
:p rdfs:domain :A ; rdfs:range :B .
:parentOf owl:inverseOf :childOf .
:near a owl:SymmetricProperty .
:within a owl:TransitiveProperty .
:Red owl:onProperty :colour ; owl:hasValue :red . :Painted rdfs:subClassOf :Red .
:HasPlace owl:onProperty :site ; owl:someValuesFrom :Place .
:grand owl:propertyChainAxiom ( :parentOf :parentOf :livesIn ) .
:x :p :y . :x :p "a literal" . :a :parentOf :b . :b :parentOf :c . :c :livesIn :town .
:d :childOf :e . :m :near :n . :n :near "not a subject" .
:t1 :within :t2 . :t2 :within :t3 . :t3 :within :t4 .
:s1 a :Painted . :s2 :colour :red .
:h1 :site :town . :town a :Place . :h2 :site :village . :village2 a :Place . :h3 :site :village2 .
"""


def closures(turtle: bytes, reasoner) -> set:
    store = ox.Store()
    store.load(turtle, format=ox.RdfFormat.TURTLE, to_graph=m.ASSERTED)
    errors = reasoner(store)
    return set(store.quads_for_pattern(None, None, None, m.INFERRED)), errors


def both(turtle: str):
    forward, errors = closures(turtle.encode(), m.materialise_store)
    reference, reference_errors = closures(turtle.encode(), m.materialise_store_sparql)
    return forward, reference, errors, reference_errors


def test_forward_chaining_equals_the_sparql_rules_on_every_construct():
    forward, reference, errors, reference_errors = both(EVERY_CONSTRUCT)
    assert forward == reference
    assert errors == reference_errors == []
    q = lambda s, p, o: ox.Quad(ox.NamedNode(EX + s), ox.NamedNode(p if ":" in p else EX + p),  # noqa: E731
                                ox.NamedNode(EX + o), m.INFERRED)
    typ = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    expected = {q("x", typ, "D"), q("y", typ, "B"), q("x", "r2", "y"), q("b", "childOf", "a"),
                q("e", "parentOf", "d"), q("n", "near", "m"), q("t1", "within", "t4"), q("s1", "colour", "red"),
                q("s2", typ, "Red"), q("h1", typ, "HasPlace"), q("h3", typ, "HasPlace"), q("a", "grand", "town")}
    assert expected <= forward
    assert q("h2", typ, "HasPlace") not in forward


def test_forward_chaining_equals_the_sparql_rules_on_the_repository(layout):
    asserted = closure_for(layout).asserted_nt
    a = m.load_asserted(asserted)
    b = ox.Store()
    b.bulk_extend(list(a))  # the same blank nodes in both stores
    assert m.materialise_store(a) == m.materialise_store_sparql(b) == []
    inferred = lambda s: set(s.quads_for_pattern(None, None, None, m.INFERRED))  # noqa: E731
    assert len(inferred(a)) > 15000
    assert inferred(a) == inferred(b)


# statements of EVERY_CONSTRUCT that complete a chain, a transitive path and a someValuesFrom
LATER = [":c :livesIn :town .", ":t3 :within :t4 .", ":h3 :site :village2 .", ":village2 a :Place ."]


def split_later(turtle: str = EVERY_CONSTRUCT) -> tuple[str, list[ox.Quad]]:
    """The graph without LATER, and LATER's triples."""
    first = turtle
    for statement in LATER:
        assert statement in first
        first = first.replace(statement, "")
    return first, list(ox.parse((PREFIXES + "\n".join(LATER)).encode(), format=ox.RdfFormat.TURTLE))


def test_extending_a_closure_by_forward_chaining_equals_a_full_run():
    first, added = split_later()
    store = ox.Store()
    store.load(first.encode(), format=ox.RdfFormat.TURTLE, to_graph=m.ASSERTED)
    m.materialise_store(store)
    m.extend_store(store, added)
    full, _ = closures(EVERY_CONSTRUCT.encode(), m.materialise_store)
    assert set(store.quads_for_pattern(None, None, None, m.INFERRED)) == full


def test_extensions_by_random_parts_of_every_construct_equal_a_full_run():
    """Any of the graph's triples taken out and added back by an extension,
    axioms included: a new axiom would need the old closure's triples taken
    again under it, so forward chaining hands it to the SPARQL rules
    (before, such an extension missed what the axiom derives from old
    triples)."""
    import random
    triples = list(ox.parse(EVERY_CONSTRUCT.encode(), format=ox.RdfFormat.TURTLE))
    ground = [t for t in triples if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)]

    def store_of(kept) -> ox.Store:  # the same blank nodes in every store: the triples' own terms
        store = ox.Store()
        store.extend(ox.Quad(t.subject, t.predicate, t.object, m.ASSERTED) for t in kept)
        return store
    full = store_of(triples)
    m.materialise_store(full)
    expected = set(full.quads_for_pattern(None, None, None, m.INFERRED))
    rng = random.Random(7)
    for _ in range(60):
        later = rng.sample(ground, rng.randint(1, 6))
        store = store_of([t for t in triples if t not in later])
        m.materialise_store(store)
        m.extend_store(store, later)
        assert set(store.quads_for_pattern(None, None, None, m.INFERRED)) == expected, [str(t) for t in later]


def test_an_extension_tells_exactly_which_quads_left_and_joined_the_graphs():
    """What goinglocal.graphdelta would find comparing the two closures,
    told by the extension itself: new asserted triples, new inferred ones,
    and an inferred triple now asserted (it moves between the graphs)."""
    first, added = split_later()
    store = ox.Store()
    store.load(first.encode(), format=ox.RdfFormat.TURTLE, to_graph=m.ASSERTED)
    m.materialise_store(store)
    before = set(store)
    moved = ox.Quad(ox.NamedNode(EX + "y"), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                    ox.NamedNode(EX + "B"), m.INFERRED)
    assert moved in before  # :p's range
    stats = m.Stats()
    m.extend_store(store, added + [ox.Quad(moved.subject, moved.predicate, moved.object)], stats)
    after = set(store)
    assert set(stats.removed) == before - after == {moved}
    assert set(stats.added) == after - before
    assert len(stats.added) > len(added) + 1  # inferred ones too


def test_a_derivation_that_changes_the_schema_hands_over_to_the_sparql_rules():
    # :kind's range makes :Gadget a class, so scm-cls must run on a derived
    # triple; the compiled tables do not know it and forward.run says so
    turtle = PREFIXES + """
    :kind rdfs:range owl:Class . :thing :kind :Gadget . :g a :Gadget .
    owl:Class a owl:Class .
    """
    store = ox.Store()
    store.load(turtle.encode(), format=ox.RdfFormat.TURTLE, to_graph=m.ASSERTED)
    terms = Terms()
    assert run(terms, m._asserted_ids(store, terms)) is None
    forward, reference, _, _ = both(turtle)
    assert forward == reference
    sub = ox.Quad(ox.NamedNode(EX + "Gadget"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf"),
                  ox.NamedNode("http://www.w3.org/2002/07/owl#Thing"), m.INFERRED)
    assert sub in forward


@pytest.mark.parametrize("chain_at", [0, 1, 2])
def test_a_chain_is_completed_whichever_link_comes_last(chain_at):
    links = [":a :parentOf :b .", ":b :parentOf :c .", ":c :livesIn :town ."]
    schema = PREFIXES + ":grand owl:propertyChainAxiom ( :parentOf :parentOf :livesIn ) .\n"
    store = ox.Store()
    store.load((schema + "\n".join(l for i, l in enumerate(links) if i != chain_at)).encode(),
               format=ox.RdfFormat.TURTLE, to_graph=m.ASSERTED)
    m.materialise_store(store)
    m.extend_store(store, list(ox.parse((PREFIXES + links[chain_at]).encode(), format=ox.RdfFormat.TURTLE)))
    grand = ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "grand"), ox.NamedNode(EX + "town"), m.INFERRED)
    assert grand in store
