"""The question library: headers, expected answers, what reasoning adds,
quality checks, and safe parameter binding."""

from __future__ import annotations

import pytest

from goinglocal import answers
from goinglocal.errors import ParameterError, UnknownQuestion
from goinglocal.questions import find_question, load_questions, parse_param_args

ROOT_QUESTIONS = None


def all_questions(layout):
    return load_questions(layout)


def csv_answer(kg, question, params=None, reasoning=True) -> str:
    columns, rows = answers.records(kg, answers.run(kg, question, params or {}, reasoning=reasoning))
    return answers.to_csv(columns, rows)


def test_library_is_large_enough(layout):
    questions = all_questions(layout)
    assert len(questions) >= 40
    assert sum(q.needs_reasoning for q in questions.values()) >= 15


def test_every_question_has_header_order_and_expected_file(layout):
    for q in all_questions(layout).values():
        assert q.summary and q.family and q.sources, q.name
        assert "ORDER BY" in q.text.upper(), f"{q.name}: answers must be sorted"
        assert q.expected_csv.is_file(), f"{q.name}: no {q.expected_csv}"


@pytest.fixture(scope="module")
def questions(layout):
    return all_questions(layout)


def pytest_generate_tests(metafunc):
    if "question_name" in metafunc.fixturenames:
        from goinglocal.paths import Layout
        from pathlib import Path
        names = sorted(load_questions(Layout(Path(__file__).resolve().parents[1])))
        metafunc.parametrize("question_name", names)


def test_answer_equals_expected_file(kg, questions, question_name):
    q = questions[question_name]
    assert csv_answer(kg, q) == q.expected_csv.read_text(encoding="utf-8")


def test_reasoning_questions_need_the_closure(kg, questions, question_name):
    q = questions[question_name]
    if not q.needs_reasoning:
        pytest.skip("asserted-only question")
    closure = csv_answer(kg, q)
    assert closure == q.expected_csv.read_text(encoding="utf-8")
    if closure.count("\n") <= 1:
        pytest.skip("the data has nothing yet for this question, so reasoning has nothing to add")
    assert csv_answer(kg, q, reasoning=False) != closure, f"{q.name} gives the same answer without reasoning"


def test_quality_checks_return_no_rows(kg, layout):
    from goinglocal.checks import checks_text, run_checks
    results = run_checks(kg, layout)
    assert len(results) >= 8
    assert [r.question.name for r in results if r.rows] == [], checks_text(results)


def test_parameter_by_label_equals_parameter_by_iri(kg, questions):
    q = questions["place-engagements"]
    by_label = csv_answer(kg, q, {"place": "jujuy"})
    by_iri = csv_answer(kg, q, {"place": "https://w3id.org/goinglocal/id/place/ar/jujuy"})
    by_path = csv_answer(kg, q, {"place": "place/ar/jujuy"})
    assert by_label == by_iri == by_path
    assert by_label.count("\n") > 3


def test_place_profile_rolls_up_from_city_to_lac(kg, questions):
    q = questions["place-engagements"]
    sizes = {p: csv_answer(kg, q, {"place": p}).count("\n") for p in
             ("Jujuy", "Argentina", "Latin America and the Caribbean")}
    assert sizes["Jujuy"] < sizes["Argentina"] < sizes["Latin America and the Caribbean"]


def test_ambiguous_label_lists_the_candidates(kg, questions):
    with pytest.raises(ParameterError) as err:
        answers.run(kg, questions["place-engagements"], {"place": "Coquimbo"})
    assert "ambiguous" in str(err.value)
    assert "place/cl/coquimbo>" in str(err.value) and "place/cl/coquimbo/coquimbo>" in str(err.value)


@pytest.mark.parametrize("evil", ['x" } UNION { ?s ?p ?o } #', "Jujuy'} ; DROP ALL", "}}}{{{"])
def test_label_parameters_cannot_inject_sparql(kg, questions, evil):
    with pytest.raises(ParameterError) as err:
        answers.run(kg, questions["place-engagements"], {"place": evil})
    assert "nothing of type" in str(err.value)


def test_iri_parameters_cannot_inject_sparql(kg, questions):
    with pytest.raises(ParameterError):
        answers.run(kg, questions["place-engagements"], {"place": "https://w3id.org/x> } UNION { ?s ?p ?o"})


def test_unknown_and_malformed_parameters_are_refused(kg, questions):
    with pytest.raises(ParameterError, match="has no parameter"):
        answers.run(kg, questions["place-engagements"], {"country": "Chile"})
    with pytest.raises(ParameterError, match="name=value"):
        parse_param_args(["place"])


def test_unknown_question_suggests_the_closest(questions):
    with pytest.raises(UnknownQuestion, match="place-engagements"):
        find_question(questions, "place-engagement")
