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


def test_every_shape_case_gives_pyshacls_results(layout, shapes):
    differences, fired = {}, set()
    for cases in case_groups():
        data = se.Data(graph=load_dataset(layout, extra=[CASES / "_base.ttl", *cases],
                                          include_repository=False).asserted())
        reference, fast = rows(se.validate(shapes, data, "pyshacl")), rows(se.validate(shapes, data, "rudof"))
        if fast != reference:
            differences[" ".join(c.stem for c in cases)] = (reference - fast, fast - reference)
        fired |= {str(r[1]).rsplit("#", 1)[-1] for r in reference}
    assert differences == {}
    assert {p.stem for p in CASES.glob("[A-Z]*.ttl")} <= fired  # every shape's bad example was compared


def test_repository_data_gives_pyshacls_results(layout, shapes):
    # the repository conforms with no warnings, so one bad example is added: both engines must see it
    bad = Graph().parse(CASES / "AgreementParties.ttl").serialize(format="nt", encoding="utf-8")
    data = se.Data(nt=closure_for(layout).asserted_nt + bad)
    reference = rows(se.validate(shapes, data, "pyshacl"))
    assert rows(se.validate(shapes, data, "rudof")) == reference
    assert sum(reference.values()) > 0


def test_messages_are_the_ones_pyshacl_reports(shapes, every_case):
    _, report, _ = pyshacl_validate(every_case, shacl_graph=shapes, inference="none", advanced=True,
                                    allow_warnings=True)
    theirs = Counter((report.value(r, SH.focusNode), str(report.value(r, SH.resultMessage)))
                     for r in report.subjects(RDF.type, SH.ValidationResult))
    ours = Counter((r.focus, r.message) for r in se.validate(shapes, se.Data(graph=every_case), "rudof"))
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


def test_an_ill_formed_date_is_reported_as_pyshacl_reports_it(shapes, layout, tmp_path):
    bad = tmp_path / "bad-date.ttl"
    bad.write_text('<https://w3id.org/goinglocal/id/event/2017-meeting-with-ana> '
                   '<https://w3id.org/goinglocal/ontology#date> "2017-13-01"^^<http://www.w3.org/2001/XMLSchema#date> .\n')
    data = load_dataset(layout, extra=[CASES / "_base.ttl", bad], include_repository=False).asserted()
    results = se.validate(shapes, se.Data(graph=data), "rudof")
    bad = [r for r in results if r.value == Literal("2017-13-01", datatype=XSD.date)]
    assert [(r.severity, str(r.shape).rsplit("#", 1)[1], r.component) for r in bad] == [
        ("Violation", "DateFormat", SH.OrConstraintComponent)]
