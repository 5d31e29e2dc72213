"""`goinglocal build` writes every answer, the reports, the graph files and
the stats, and lists each question with its row count. The build checked is
the one run once per test run on the snapshot of the repository
(tests/conftest_serve.py built(), which the server tests serve)."""

import csv
import json

import conftest_serve as cs
from goinglocal.questions import load_questions


def test_build_writes_every_output(layout, kg):
    root, summary = cs.built()
    out = root / "build"
    questions = load_questions(layout)
    assert summary.out == out.resolve()
    assert summary.questions == len(questions)
    assert summary.conforms and summary.failed_checks == 0
    assert summary.asserted == kg.closure.asserted_triples
    for name, question in questions.items():
        rows = list(csv.DictReader(open(out / "answers" / f"{name}.csv", encoding="utf-8")))
        data = json.loads((out / "answers" / f"{name}.json").read_text(encoding="utf-8"))
        assert data["rows"] == rows
        assert (out / "answers" / f"{name}.csv").read_text(encoding="utf-8") == question.expected_csv.read_text(encoding="utf-8")
    index = (out / "answers" / "index.md").read_text(encoding="utf-8")
    assert all(f"[{name}]({name}.csv)" in index for name in questions)
    assert "| [place-partners](place-partners.csv) | place = Jujuy <https://w3id.org/goinglocal/id/place/ar/jujuy> |" in index
    for path in ("graph/asserted.ttl", "graph/closure.nt", "graph/inferred.nt", "reports/validation.txt",
                 "reports/validation.json", "reports/checks.txt", "stats.json", "graph/goinglocal.nq",
                 "site/index.html", "site/id/place/ar/jujuy/index.html", "site/downloads/void.ttl"):
        assert (out / path).stat().st_size > 0, path
    inferred = (out / "graph/inferred.nt").read_text(encoding="utf-8").strip().splitlines()
    assert len(inferred) == kg.closure.inferred_triples
