"""`goinglocal ask NAME --endpoint URL`: the same answers over HTTP as in
process, parameters bound as RDF terms (never pasted), clear endpoint errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from conftest_serve import (csv_rows, knowledge_graph, layout, question_names, questions, separators,
                            server, snapshot)
from goinglocal import answers
from goinglocal.errors import EndpointError, ParameterError
from goinglocal.remote import RemoteGraph, ask_remote, bind, outermost_group_start

INJECTION = 'x" } UNION { ?s ?p ?o } #'


def test_the_library_is_not_empty():
    assert questions()


@pytest.mark.parametrize("name", question_names())
def test_remote_answer_equals_local(name):
    question = questions().get(name)
    if question is None:
        pytest.skip(f"{name} appeared after the snapshot was taken")
    kg = knowledge_graph()
    local = answers.render(kg, answers.run(kg, question), "csv")
    remote = ask_remote(server().endpoint, question, {}, "csv", layout())
    if remote != local:  # equal up to row order and GROUP_CONCAT order, which SPARQL leaves open
        seps = separators(question.text)
        assert csv_rows(remote, seps) == csv_rows(local, seps)
        assert remote.splitlines()[0] == local.splitlines()[0]


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_other_formats_match(fmt):
    question = next(q for q in questions().values() if q.params) if any(q.params for q in questions().values()) \
        else next(iter(questions().values()))
    kg = knowledge_graph()
    local = answers.render(kg, answers.run(kg, question), fmt)
    remote = ask_remote(server().endpoint, question, {}, fmt, layout())
    assert sorted(remote.splitlines()) == sorted(local.splitlines())


def resource_questions():
    found = [(q, p) for q in questions().values() for p in q.params if p.is_resource]
    if not found:
        pytest.skip("no question takes a resource parameter")
    return found


def test_injection_is_bound_not_pasted():
    kg = knowledge_graph()
    for question, param in resource_questions():
        with pytest.raises(ParameterError, match="has that label") as remote_error:
            ask_remote(server().endpoint, question, {param.name: INJECTION}, "csv", layout())
        with pytest.raises(ParameterError) as local_error:
            answers.run(kg, question, {param.name: INJECTION})
        assert str(remote_error.value) == str(local_error.value)


def test_injection_in_a_literal_parameter_gives_the_local_answer():
    """A string parameter bound to hostile text answers as the in-process
    (Oxigraph substitution) run does: no extra rows."""
    literal_params = [(q, p) for q in questions().values() for p in q.params
                      if not p.is_resource and p.kind == "xsd:string"]
    if not literal_params:
        pytest.skip("no question takes a string parameter")
    kg = knowledge_graph()
    for question, param in literal_params:
        remote = ask_remote(server().endpoint, question, {param.name: INJECTION}, "csv", layout())
        local = answers.render(kg, answers.run(kg, question, {param.name: INJECTION}), "csv")
        seps = separators(question.text)
        assert csv_rows(remote, seps) == csv_rows(local, seps)


def test_the_cli_reports_injection_as_a_parameter_error():
    question, param = resource_questions()[0]
    proc = subprocess.run([str(Path(sys.executable).parent / "goinglocal"), "ask", question.name, "--endpoint",
                           server().endpoint, "--format", "csv", "--param", f"{param.name}={INJECTION}"],
                          env=dict(os.environ, GOINGLOCAL_HOME=str(snapshot())), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "has that label" in proc.stderr and proc.stdout == "" and "Traceback" not in proc.stderr


def test_labels_and_iris_resolve_remotely_as_locally():
    kg = knowledge_graph()
    remote = RemoteGraph(server().endpoint)
    for question, param in resource_questions():
        if not param.default:
            continue
        assert answers.resolve(remote, question, {}) == answers.resolve(kg, question, {})
        iri = answers.resolve(kg, question, {})[param.name]
        assert answers.resolve(remote, question, {param.name: str(iri)})[param.name] == iri


def test_ambiguous_label_lists_candidates_remotely():
    kg = knowledge_graph()
    query = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    SELECT ?label (COUNT(DISTINCT ?node) AS ?n) WHERE { ?node a ?class ; rdfs:label ?l .
      FILTER(isIRI(?node)) BIND(LCASE(STR(?l)) AS ?label) } GROUP BY ?label HAVING (COUNT(DISTINCT ?node) > 1)
    ORDER BY ?label LIMIT 1"""
    for question, param in resource_questions():
        _, rows = kg.select(query, {"class": param.class_iri})
        if rows:
            label = str(rows[0]["label"])
            with pytest.raises(ParameterError) as local_error:
                answers.run(kg, question, {param.name: label})
            with pytest.raises(ParameterError) as remote_error:
                ask_remote(server().endpoint, question, {param.name: label}, "csv", layout())
            assert "ambiguous" in str(remote_error.value)
            assert str(remote_error.value) == str(local_error.value)
            return
    pytest.skip("no parameter class has two nodes with the same label")


def test_unreachable_endpoint_is_exit_3_without_traceback():
    question = next(iter(questions().values()))
    with pytest.raises(EndpointError, match="cannot reach"):
        ask_remote("http://127.0.0.1:9/query", question, {}, "csv", layout())
    proc = subprocess.run([str(Path(sys.executable).parent / "goinglocal"), "ask", question.name,
                           "--endpoint", "http://127.0.0.1:9/query"],
                          env=dict(os.environ, GOINGLOCAL_HOME=str(snapshot())), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 3 and "Traceback" not in proc.stderr and "cannot reach" in proc.stderr


def test_endpoint_that_is_not_sparql_is_a_clear_error():
    question = next(iter(questions().values()))
    with pytest.raises(EndpointError):
        ask_remote(server().base + "/answers/index.md", question, {}, "csv", layout())
    with pytest.raises(EndpointError, match="http"):
        ask_remote("ftp://example.org/sparql", question, {}, "csv", layout())


# --- binding by VALUES -------------------------------------------------------

def test_values_block_goes_into_the_outermost_where():
    query = ('PREFIX ex: <http://example.org/>\n# a { brace in a comment\n'
             'SELECT ?a WHERE { ?a ex:p "{ not a group" . { SELECT ?a WHERE { ?a ?q ?r } } }')
    bound = bind(query, {"place": URIRef("http://example.org/x"), "text": Literal(INJECTION)})
    at = outermost_group_start(query)
    assert query[at - 1] == "{" and query[:at].rstrip().endswith("WHERE {")
    assert bound.startswith(query[:at])
    assert 'VALUES (?place ?text) { (<http://example.org/x> "x\\" } UNION { ?s ?p ?o } #") }' in bound
    from rdflib.plugins.sparql import prepareQuery
    prepareQuery(bound)  # still one valid query


def test_bind_rejects_unsafe_iris():
    with pytest.raises(ValueError):
        bind("SELECT * WHERE { ?s ?p ?o }", {"s": URIRef('http://x> } UNION { ?s ?p ?o } <http://y')})
