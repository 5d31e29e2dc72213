"""The fast SHACL engine (rudof, with its routing) gives exactly pySHACL's
results: every shape's bad example and the repository's data, compared on
severity, shape, focus node, path, value, constraint component and message."""

from collections import Counter
from pathlib import Path

import pytest
from pyshacl import validate as pyshacl_validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH, XSD

from goinglocal import shacl_engines as se
from goinglocal.load import load_dataset
from goinglocal.reason import closure_for
from goinglocal.validate import load_shapes

CASES = Path(__file__).parent / "shape_cases"


@pytest.fixture(scope="module")
def shapes(layout) -> Graph:
    return load_shapes(layout)


@pytest.fixture(scope="module")
def every_case(layout) -> Graph:
    """The base example with every shape's defect at once (some mask others)."""
    files = [CASES / "_base.ttl"] + sorted(CASES.glob("[A-Z]*.ttl"))
    return load_dataset(layout, extra=files, include_repository=False).asserted()


def rows(results) -> Counter:
    """Results as a multiset (a repeated result would show as a count of 2)."""
    return Counter((*r.key(), r.message) for r in results)


def case_groups() -> list[list[Path]]:
    """The bad examples in groups that describe no node in common, so that a
    group's defects do not mask each other and few runs cover them all."""
    groups: list[tuple[list[Path], set]] = []
    for case in sorted(CASES.glob("[A-Z]*.ttl")):
        subjects = set(Graph().parse(case, format="turtle").subjects())
        group = next((g for g in groups if not g[1] & subjects), None)
        if group is None:
            groups.append(([case], subjects))
        else:
            group[0].append(case)
            group[1].update(subjects)
    return [cases for cases, _ in groups]


FAST = ["store", "rudof"]


@pytest.fixture(scope="module")
def case_data(layout) -> list[tuple[str, se.Data, Counter]]:
    """Each group of bad examples, with pySHACL's results on it."""
    out = []
    for cases in case_groups():
        data = se.Data(graph=load_dataset(layout, extra=[CASES / "_base.ttl", *cases],
                                          include_repository=False).asserted())
        out.append((" ".join(c.stem for c in cases), data, rows(se.validate(load_shapes(layout), data, "pyshacl"))))
    return out


@pytest.mark.parametrize("engine", FAST)
def test_every_shape_case_gives_pyshacls_results(shapes, case_data, engine):
    differences, fired = {}, set()
    for name, data, reference in case_data:
        fast = rows(se.validate(shapes, data, engine))
        if fast != reference:
            differences[name] = (reference - fast, fast - reference)
        fired |= {str(r[1]).rsplit("#", 1)[-1] for r in reference}
    assert differences == {}
    assert {p.stem for p in CASES.glob("[A-Z]*.ttl")} <= fired  # every shape's bad example was compared


@pytest.fixture(scope="module")
def repository_data(layout, shapes) -> tuple[se.Data, Counter]:
    # the repository conforms with no warnings, so one bad example is added: every engine must see it
    bad = Graph().parse(CASES / "AgreementParties.ttl").serialize(format="nt", encoding="utf-8")
    data = se.Data(nt=closure_for(layout).asserted_nt + bad)
    return data, rows(se.validate(shapes, data, "pyshacl"))


@pytest.mark.parametrize("engine", FAST)
def test_repository_data_gives_pyshacls_results(shapes, repository_data, engine):
    data, reference = repository_data
    assert rows(se.validate(shapes, data, engine)) == reference
    assert sum(reference.values()) > 0


@pytest.mark.parametrize("engine", FAST)
def test_messages_are_the_ones_pyshacl_reports(shapes, every_case, engine):
    _, report, _ = pyshacl_validate(every_case, shacl_graph=shapes, inference="none", advanced=True,
                                    allow_warnings=True)
    theirs = Counter((report.value(r, SH.focusNode), str(report.value(r, SH.resultMessage)))
                     for r in report.subjects(RDF.type, SH.ValidationResult))
    ours = Counter((r.focus, r.message) for r in se.validate(shapes, se.Data(graph=every_case), engine))
    assert ours == theirs


def test_shapes_rudof_cannot_run_stay_on_pyshacl(shapes):
    routes = {r.shape: r for r in se.route(shapes)}
    for shape, r in routes.items():
        used = {p for _, p, _ in r.triples} - se.NEUTRAL
        outside = used - se.RUDOF_FEATURES - {SH.target, SH.datatype}
        assert (r.engine == "pyshacl") == bool(outside) or (r.engine == "pyshacl" and r.datatypes), shape
    assert all(r.engine == "pyshacl" for r in se.route(shapes, "pyshacl"))


def test_an_unknown_constraint_sends_its_shape_to_pyshacl():
    shapes = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix : <http://e/> .
        :A a sh:NodeShape ; sh:targetClass :C ; sh:property [ sh:path :p ; sh:nodeKind sh:IRI ] .
        :B a sh:NodeShape ; sh:targetClass :C ; sh:property [ sh:path :p ; sh:minCount 1 ] .""")
    engines = {str(r.shape): (r.engine, r.why) for r in se.route(shapes)}
    assert engines["http://e/A"] == ("pyshacl", "uses sh:nodeKind")
    assert engines["http://e/B"] == ("rudof", "")


def test_literals_the_engines_read_differently_are_found():
    import pyoxigraph as ox
    literals = [ox.Literal(lexical, datatype=ox.NamedNode(str(datatype))) for lexical, datatype in (
        ("2017-13-01", XSD.date), ("2017-11-24", XSD.date), ("1e3", XSD.decimal), ("12", XSD.integer),
        ("2017", XSD.gYear))]
    contested = {(l.value, l.datatype.value) for l in se._probe(literals)}
    assert contested == {("2017-13-01", str(XSD.date)), ("1e3", str(XSD.decimal))}


@pytest.mark.parametrize("engine", FAST)
def test_an_ill_formed_date_is_reported_as_pyshacl_reports_it(shapes, layout, tmp_path, engine):
    bad = tmp_path / "bad-date.ttl"
    bad.write_text('<https://w3id.org/goinglocal/id/event/2017-meeting-with-ana> '
                   '<https://w3id.org/goinglocal/ontology#date> "2017-13-01"^^<http://www.w3.org/2001/XMLSchema#date> .\n')
    data = load_dataset(layout, extra=[CASES / "_base.ttl", bad], include_repository=False).asserted()
    results = se.validate(shapes, se.Data(graph=data), engine)
    bad = [r for r in results if r.value == Literal("2017-13-01", datatype=XSD.date)]
    assert [(r.severity, str(r.shape).rsplit("#", 1)[1], r.component) for r in bad] == [
        ("Violation", "DateFormat", SH.OrConstraintComponent)]


def test_every_project_shape_runs_on_the_store_engine(shapes):
    assert [(str(r.shape), r.why) for r in se.route(shapes, "store") if r.engine != "store"] == []


def test_a_shape_the_store_engine_cannot_run_goes_to_pyshacl():
    shapes = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix : <http://e/> .
        :A a sh:NodeShape ; sh:targetClass :C ; sh:property [ sh:path :p ; sh:nodeKind sh:IRI ] .
        :B a sh:NodeShape ; sh:targetClass :C ; sh:property [ sh:path [ sh:zeroOrMorePath :p ] ; sh:minCount 2 ] .
        :D a sh:NodeShape ; sh:targetClass :C ; sh:property [ sh:path :p ; sh:minCount 2 ] .
        :E a sh:NodeShape ; sh:targetClass :C ; sh:sparql [ sh:select
            "SELECT $this ?value WHERE { OPTIONAL { $this <http://e/p> ?value } FILTER(!BOUND(?value)) }" ] .""")
    engines = {str(r.shape): (r.engine, r.why) for r in se.route(shapes, "store")}
    assert engines == {"http://e/A": ("pyshacl", "uses sh:nodeKind"),
                       "http://e/B": ("pyshacl", "a path other than an IRI, an inverse IRI or an alternative of those"),
                       "http://e/D": ("store", ""),
                       "http://e/E": ("pyshacl", "a SPARQL constraint whose outer group does not begin with a triple "
                                                 "pattern on $this")}
    data = se.Data(nt=b"<http://e/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://e/C> .\n"
                      b"<http://e/x> <http://e/p> <http://e/y> .\n<http://e/x> <http://e/p> \"1\" .\n")
    assert {(str(r.shape), r.component.rsplit("#")[-1]) for r in se.validate(shapes, data, "store")} == {
        ("http://e/A", "NodeKindConstraintComponent")}


REWRITTEN = """
@base <https://w3id.org/goinglocal/id/> .
@prefix gl: <https://w3id.org/goinglocal/ontology#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<event/2020-east-donation#masks> gl:quantity "1e3"^^xsd:decimal .
<event/2019-east-forum> gl:alternativeDate "Nov 2017"^^xsd:gYear, "2017-13-01"^^xsd:date, "2017-01-01+00:00"^^xsd:date .
<event/2021-north-power-stake> gl:sharePercent "150.0"^^xsd:decimal, "0.00"^^xsd:decimal .
<place/tt> rdfs:label "Testlandia"@ES .
<project/tt/north-solar> gl:value "0100"^^xsd:integer ; gl:currency "012"^^xsd:integer .
"""


def test_literals_a_store_rewrites_are_judged_and_reported_as_written(layout, shapes, tmp_path):
    """Oxigraph holds "150.0"^^xsd:decimal as "150" and @ES as @es; pySHACL
    reads the literals as written, and so must the store engine."""
    extra = tmp_path / "rewritten.ttl"
    extra.write_text(REWRITTEN)
    data = se.Data(graph=load_dataset(layout, extra=[CASES / "_base.ttl", extra], include_repository=False).asserted())
    assert data.rewritten.written and not data.rewritten.merged
    reference = rows(se.validate(shapes, data, "pyshacl"))
    assert rows(se.validate(shapes, data, "store")) == reference
    values = {r[4] for r in reference}
    assert {Literal("150.0", datatype=XSD.decimal), Literal("Testlandia", lang="ES"),
            Literal("012", datatype=XSD.integer), Literal("2017-13-01", datatype=XSD.date)} <= values


def test_literals_a_store_would_merge_send_the_shapes_to_pyshacl(layout, shapes, tmp_path):
    extra = tmp_path / "merged.ttl"
    extra.write_text('@prefix gl: <https://w3id.org/goinglocal/ontology#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n'
                     '<https://w3id.org/goinglocal/id/event/2020-east-donation#masks> gl:quantity "1000.0"^^xsd:decimal, '
                     '"1000"^^xsd:decimal .\n')
    data = se.Data(graph=load_dataset(layout, extra=[CASES / "_base.ttl", extra], include_repository=False).asserted())
    assert data.rewritten.merged
    reference = rows(se.validate(shapes, data, "pyshacl"))
    assert rows(se.validate(shapes, data, "store")) == reference
    assert any(r[5] == SH.MaxCountConstraintComponent for r in reference)  # three values as written, two in a store


def test_the_store_engine_reads_only_the_asserted_graph_of_a_build_store(shapes, repository_data):
    """`goinglocal build` hands the store engine its KnowledgeGraph's store:
    the shapes must see the asserted graph, not the inferred one beside it."""
    import pyoxigraph as ox
    from goinglocal.store import ASSERTED, INFERRED, _in_graph
    data, reference = repository_data
    inferred = b"<https://w3id.org/goinglocal/id/agreement/x> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> " \
               b"<https://w3id.org/goinglocal/ontology#Agreement> .\n"  # would be a focus node with no party
    store = ox.Store()
    store.load(_in_graph(data.nt, ASSERTED) + _in_graph(inferred, INFERRED), format=ox.RdfFormat.N_QUADS)
    on_store = se.Data(nt=data.nt, store=store, graph_name=ASSERTED)
    assert rows(se.validate(shapes, on_store, "store")) == reference


def test_literals_a_store_rewrites_are_found_in_ntriples_text():
    from goinglocal.shacl_store import literals_of, rewritten
    nt = (b'<http://e/a> <http://e/p> "20.0"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n'
          b'<http://e/b> <http://e/p> "20"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n'
          b'<http://e/a> <http://e/q> "x \\" y"@EN .\n<http://e/b> <http://e/q> "x \\" y"@en .\n'
          b'<http://e/a> <http://e/r> "007"^^<http://www.w3.org/2001/XMLSchema#string> .\n'
          b'<http://e/a> <http://e/r> "2017-13-01"^^<http://www.w3.org/2001/XMLSchema#date> .\n')
    found = rewritten(literals_of(se.Data(nt=nt)))
    assert {(l.value, l.datatype.value, l.language) for l in found.merged} == {
        ("20", str(XSD.decimal), None), ('x " y', str(RDF.langString), "en")}


def test_the_store_engine_narrowed_to_some_focus_nodes_gives_pyshacls_results(shapes, every_case):
    """An incremental build validates only the nodes an edit can affect (`focus`)."""
    focus = set(Graph().parse(CASES / "StakeTransactionComplete.ttl").subjects()) | \
        set(Graph().parse(CASES / "OneEnglishLabel.ttl").subjects())
    data = se.Data(graph=every_case)
    reference = rows(se.validate(shapes, data, "pyshacl", focus=focus))
    assert rows(se.validate(shapes, data, "store", focus=focus)) == reference
    assert reference and {r[2] for r in reference} <= focus
