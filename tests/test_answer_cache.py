"""A build keeps the previous build's answer to a question no changed triple
can reach (goinglocal.answercache), and every answer is still the one
asking again gives."""

from __future__ import annotations

import pytest

import conftest_serve as cs
from goinglocal import answers
from goinglocal.answercache import AnswerCache
from goinglocal.graphdelta import GraphSteps, sha
from goinglocal.questions import load_questions
from goinglocal.reason import Closure
from goinglocal.serve import to_nquads
from goinglocal.store import KnowledgeGraph

ID = "https://w3id.org/goinglocal/id/"
GL = "https://w3id.org/goinglocal/ontology#"


def _kg(closure: Closure, remove: list[bytes] = (), add: list[bytes] = ()) -> KnowledgeGraph:
    def apply(nt: bytes) -> bytes:
        return b"\n".join([line for line in nt.splitlines() if line not in set(remove)] + list(add)) + b"\n"
    return KnowledgeGraph(Closure(apply(closure.asserted_nt), apply(closure.closure_nt), 0, 0, [], from_cache=False))


def _answers_through_cache(tmp_path, before: KnowledgeGraph, after: KnowledgeGraph, questions):
    first = AnswerCache(tmp_path, before, questions, None, None)
    for q in questions.values():
        first.answer(before, q)
    old, new = to_nquads(before.closure), to_nquads(after.closure)
    first.save(sha(old))
    steps = GraphSteps(tmp_path)
    step = steps.record(old, new)
    cache = AnswerCache(tmp_path, after, questions, step.before, steps.since(step.before, step))
    got = {name: cache.answer(after, q)[1:] for name, q in sorted(questions.items())}
    return cache, got


@pytest.fixture(scope="module")
def setup():
    closure = cs.repository_closure()
    return closure, load_questions(cs.layout())


def test_answers_kept_or_asked_again_equal_fresh_answers_after_an_edit(tmp_path, setup):
    closure, questions = setup
    label = next(line for line in closure.asserted_nt.splitlines() if line.startswith(f"<{ID}org/cn/alibaba> ".encode())
                 and b"rdf-schema#label" in line)
    added = [f'<{ID}org/cn/test-office> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{GL}Organization> .'.encode(),
             f'<{ID}org/cn/test-office> <{GL}partOfOrganization> <{ID}org/cn/ccpit> .'.encode(),
             f'<{ID}org/cn/alibaba> <http://www.w3.org/2000/01/rdf-schema#label> "Alibaba (renamed)"@en .'.encode()]
    before, after = _kg(closure), _kg(closure, [label], added)
    cache, got = _answers_through_cache(tmp_path, before, after, questions)
    fresh = {name: answers.records(after, answers.run(after, q)) for name, q in sorted(questions.items())}
    assert got == fresh
    assert 0 < cache.kept < len(questions)  # some kept, the ones showing Alibaba asked again
    assert any("Alibaba (renamed)" in str(rows) for _, rows in got.values())


def test_with_no_change_every_answer_is_kept(tmp_path, setup):
    closure, questions = setup
    cache, got = _answers_through_cache(tmp_path, _kg(closure), _kg(closure), questions)
    assert cache.kept == len(questions)


def test_an_unknown_change_asks_every_question(tmp_path, setup):
    closure, questions = setup
    kg = _kg(closure)
    cache = AnswerCache(tmp_path, kg, questions, sha(b"x"), None)
    for q in questions.values():
        cache.answer(kg, q)
    assert cache.kept == 0


def test_a_label_that_could_change_what_a_default_names_is_resolved_again(tmp_path, setup, monkeypatch):
    from goinglocal.errors import ParameterError
    closure, questions = setup
    question = next(q for q in questions.values() if any(p.default == "CCPIT" for p in q.params))
    clash = [f'<{ID}org/cn/second-ccpit> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{GL}Organization> .'.encode(),
             f'<{ID}org/cn/second-ccpit> <http://www.w3.org/2000/01/rdf-schema#label> "ccpit"@en .'.encode()]
    unrelated = [f'<{ID}org/cn/test-office> <http://www.w3.org/2000/01/rdf-schema#label> "Test office"@en .'.encode()]
    calls = []
    real = answers.resolve_label
    monkeypatch.setattr(answers, "resolve_label", lambda *a: calls.append(a[3]) or real(*a))
    before = _kg(closure)
    cache, _ = _answers_through_cache(tmp_path / "a", before, _kg(closure, [], unrelated), {question.name: question})
    assert calls.count("CCPIT") == 1  # the first build's; the second reused it
    with pytest.raises(ParameterError, match="ambiguous"):
        answers.run(_kg(closure, [], clash), question)
    with pytest.raises(ParameterError, match="ambiguous"):
        _answers_through_cache(tmp_path / "b", before, _kg(closure, [], clash), {question.name: question})


def test_a_kept_answers_files_are_the_previous_builds_linked_and_a_damaged_one_is_written_again(tmp_path, setup):
    closure, questions = setup
    kg = _kg(closure)
    first = AnswerCache(tmp_path, kg, questions, None, None)
    previous = tmp_path / "previous"
    for q in questions.values():
        first.write_files(q, *first.answer(kg, q), previous, tmp_path / "none")
    first.save(sha(to_nquads(kg.closure)))
    name = sorted(questions)[0]
    (previous / f"{name}.csv").write_bytes(b"edited by hand\n")  # replaced, as an editor saves
    steps = GraphSteps(tmp_path)
    step = steps.record(to_nquads(kg.closure), to_nquads(kg.closure))
    cache = AnswerCache(tmp_path, kg, questions, step.before, steps.since(step.before, step))
    now = tmp_path / "now"
    for q in questions.values():
        cache.write_files(q, *cache.answer(kg, q), now, previous)
    assert cache.kept == len(questions)
    for q in questions.values():
        answer, columns, rows = cache.answer(kg, q)
        fresh = {"csv": answers.to_csv(columns, rows), "json": answers.to_json(answer, columns, rows)}
        for ext, text in fresh.items():
            assert (now / f"{q.name}.{ext}").read_text(encoding="utf-8") == text
            linked = (now / f"{q.name}.{ext}").stat().st_ino == (previous / f"{q.name}.{ext}").stat().st_ino
            assert linked == (not (q.name == name and ext == "csv"))


def test_the_step_an_extension_tells_is_the_one_comparing_the_graphs_finds(tmp_path, setup):
    """A build after an edit that only adds triples takes the step from the
    closure's extension (goinglocal.reason.Extension) instead of comparing
    the two graphs' N-Quads: the same quads either way."""
    from pathlib import Path
    from goinglocal.graphdelta import _skeleton
    from goinglocal.incremental import extend_closure
    from goinglocal.load import Dataset
    from goinglocal.parsecache import Parsed
    closure, _ = setup
    added = (f'<{ID}org/cn/test-office> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{GL}Organization> .\n'
             f'<{ID}org/cn/test-office> <{GL}partOfOrganization> <{ID}org/cn/ccpit> .\n'
             # asserted now, inferred before: it moves from the inferred graph to the asserted one
             f'<{ID}org/cn/ccpit> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{GL}Actor> .\n').encode()
    assert added.splitlines()[2] in closure.closure_nt.splitlines()
    dataset = Dataset(ontology_parts=[Parsed(Path("before.nt"), closure.asserted_nt, ())],
                      instance_parts=[Parsed(Path("added.nt"), added, ())])
    extended = extend_closure(closure, dataset, closure.asserted_nt)
    old, new = to_nquads(closure), to_nquads(extended)
    told = GraphSteps(tmp_path).record(old, new, (sha(to_nquads(extended.extended.before)), extended.extended.removed,
                                                  extended.extended.added))
    found = GraphSteps(tmp_path).record(old, new)
    quads = lambda lines: sorted(_skeleton(line) or line for line in lines.splitlines())  # noqa: E731
    assert (told.before, told.after) == (found.before, found.after)
    assert quads(told.removed) == quads(found.removed) and len(quads(told.removed)) == 1
    assert quads(told.added) == quads(found.added) and len(quads(told.added)) > 3
