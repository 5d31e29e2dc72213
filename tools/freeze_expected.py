"""Write queries/expected/<name>.csv from the current answers (a maintainer's tool).

Run after data changes that are meant to change answers, then read the diff
(`git diff queries/expected`) before committing: the expected files are what
the tests protect."""

import sys

from goinglocal import answers
from goinglocal.paths import Layout
from goinglocal.questions import load_questions
from goinglocal.reason import closure_for
from goinglocal.store import KnowledgeGraph


def main(names: list[str]) -> None:
    layout = Layout.discover()
    kg = KnowledgeGraph(closure_for(layout))
    questions = load_questions(layout)
    for name, question in sorted(questions.items()):
        if names and name not in names:
            continue
        columns, rows = answers.records(kg, answers.run(kg, question))
        question.expected_csv.parent.mkdir(exist_ok=True)
        question.expected_csv.write_text(answers.to_csv(columns, rows), encoding="utf-8")
        print(f"{name}: {len(rows)} rows")


if __name__ == "__main__":
    main(sys.argv[1:])
