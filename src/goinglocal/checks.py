"""Quality checks (ODK style): SPARQL queries in queries/qc/ that must return
zero rows on the repository's data. Each row names an offending node."""

from __future__ import annotations

from dataclasses import dataclass

from goinglocal import answers
from goinglocal.paths import Layout
from goinglocal.questions import Question, load_questions
from goinglocal.store import KnowledgeGraph


@dataclass
class CheckResult:
    question: Question
    columns: list[str]
    rows: list[dict[str, str]]


def run_checks(kg: KnowledgeGraph, layout: Layout) -> list[CheckResult]:
    results = []
    for name, question in sorted(load_questions(layout, checks=True).items()):
        answer = answers.run(kg, question, reasoning=question.needs_reasoning)
        columns, rows = answers.records(kg, answer)
        results.append(CheckResult(question, columns, rows))
    return results


def checks_text(results: list[CheckResult]) -> str:
    lines = []
    for r in results:
        mark = "ok  " if not r.rows else "FAIL"
        lines.append(f"{mark} {r.question.name}: {r.question.summary} ({len(r.rows)} rows)")
        if r.rows:
            lines.append(answers.to_table(r.columns, r.rows).rstrip().replace("\n", "\n      "))
    return "\n".join(lines) + "\n"
