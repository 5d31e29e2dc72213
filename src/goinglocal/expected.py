"""Expected answers (queries/expected/NAME.csv): compare every question's
current answer with its file, show the rows added and removed, and rewrite
the files a contributor names, atomically, after showing the change.

    goinglocal expected check                 which files are out of date (exit 1 if any)
    goinglocal expected update NAME ... [--yes]
    goinglocal expected update --all [--yes]

The row format is the expected files' own: one CSV line per row, labels in
the named columns and IRIs in <column>_iri."""

from __future__ import annotations

import csv
import io
import sys
from collections import Counter
from dataclasses import dataclass, field

from goinglocal import answers
from goinglocal.errors import GoinglocalError
from goinglocal.questions import Question, find_question, load_questions
from goinglocal.reason import write_atomic
from goinglocal.store import KnowledgeGraph


@dataclass
class RowChanges:
    """How one question's rows differ between an old and a new CSV text."""

    name: str
    old_columns: list[str]
    new_columns: list[str]
    added: list[str] = field(default_factory=list)     # CSV lines, without the header
    removed: list[str] = field(default_factory=list)
    old_rows: int = 0
    new_rows: int = 0
    note: str = ""                                      # e.g. "new question", "no expected file"

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.old_columns != self.new_columns or self.note)

    def as_json(self) -> dict:
        return {"question": self.name, "rows_before": self.old_rows, "rows_after": self.new_rows,
                "columns_before": self.old_columns, "columns_after": self.new_columns,
                "added": self.added, "removed": self.removed, "note": self.note}

    def text(self, indent: str = "  ") -> str:
        head = f"{indent}{self.name}: +{len(self.added)} -{len(self.removed)} rows ({self.old_rows} -> {self.new_rows})"
        lines = [head + (f"  [{self.note}]" if self.note else "")]
        if self.old_columns != self.new_columns and self.old_columns and self.new_columns:
            lines.append(f"{indent}  columns were: {','.join(self.old_columns)}")
        lines.append(f"{indent}  columns: {','.join(self.new_columns or self.old_columns)}")
        lines += [f"{indent}  - {row}" for row in self.removed]
        lines += [f"{indent}  + {row}" for row in self.added]
        return "\n".join(lines)


def _split(csv_text: str) -> tuple[list[str], list[str]]:
    """(columns, row lines) of a CSV text; a row with a newline inside a field stays one row."""
    if not csv_text.strip():
        return [], []
    records = list(csv.reader(io.StringIO(csv_text)))
    columns, rows = records[0], records[1:]
    lines = []
    for record in rows:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(record)
        lines.append(buf.getvalue())
    return columns, lines


def row_changes(name: str, old_csv: str | None, new_csv: str | None) -> RowChanges:
    old_columns, old_rows = _split(old_csv or "")
    new_columns, new_rows = _split(new_csv or "")
    if old_columns != new_columns and old_columns and new_columns:
        added, removed = list(new_rows), list(old_rows)  # different columns: every row changed
    else:
        old_count, new_count = Counter(old_rows), Counter(new_rows)
        added = [r for r in dict.fromkeys(new_rows) for _ in range(new_count[r] - old_count[r])]
        removed = [r for r in dict.fromkeys(old_rows) for _ in range(old_count[r] - new_count[r])]
    note = "new question" if old_csv is None else "question removed" if new_csv is None else ""
    return RowChanges(name, old_columns, new_columns, added, removed, len(old_rows), len(new_rows), note)


def answer_csv(kg: KnowledgeGraph, question: Question) -> str:
    """The question's answer with its default parameters, as the expected file holds it."""
    columns, rows = answers.records(kg, answers.run(kg, question))
    return answers.to_csv(columns, rows)


def expected_text(question: Question) -> str | None:
    try:
        return question.expected_csv.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def compare(kg: KnowledgeGraph, questions: dict[str, Question]) -> list[RowChanges]:
    """Every question's current answer against its expected file."""
    out = []
    for name, question in sorted(questions.items()):
        changes = row_changes(name, expected_text(question), answer_csv(kg, question))
        if changes.note == "new question":
            changes.note = "no expected file yet"
        out.append(changes)
    return out


def _chosen(questions: dict[str, Question], names: list[str]) -> dict[str, Question]:
    """The named questions; an unknown name is refused with the closest names (exit 2)."""
    chosen = {}
    for name in names:
        question = find_question(questions, name)  # raises UnknownQuestion with the closest names
        chosen[question.name] = question
    return chosen


def run_check(kg: KnowledgeGraph, questions: dict[str, Question], out=None) -> int:
    out = sys.stdout if out is None else out  # looked up at call time: main() may run with its stdout redirected
    stale = [c for c in compare(kg, questions) if c.changed]
    if not stale:
        out.write(f"expected answers: all {len(questions)} up to date\n")
        return 0
    out.write(f"expected answers: {len(stale)} of {len(questions)} out of date (nothing written)\n")
    for c in stale:
        note = f"  [{c.note}]" if c.note else ""
        out.write(f"  {c.name:<44} +{len(c.added)} -{len(c.removed)} rows{note}\n")
    names = " ".join(c.name for c in stale)
    out.write(f"  see the rows: goinglocal diff; rewrite them: goinglocal expected update {names}\n")
    return 1


def run_update(kg: KnowledgeGraph, questions: dict[str, Question], names: list[str], every: bool,
               yes: bool, out=None, ask=input, interactive: bool | None = None) -> int:
    out = sys.stdout if out is None else out
    if names and every:
        raise GoinglocalError("give question names or --all, not both", "e.g. goinglocal expected update twinning-pairs")
    if not names and not every:
        out.write("no question named: nothing is written. Name the questions whose answers you changed on purpose, "
                  "or use --all.\n")
        return run_check(kg, questions, out)
    chosen = questions if every else _chosen(questions, names)
    changes = [c for c in compare(kg, chosen) if c.changed]
    unchanged = sorted(set(chosen) - {c.name for c in changes})
    if unchanged and not every:
        out.write(f"already up to date: {', '.join(unchanged)}\n")
    if not changes:
        out.write("nothing to write\n")
        return 0
    out.write(f"expected answers to rewrite ({len(changes)}):\n")
    for c in changes:
        out.write(c.text() + "\n")
    interactive = sys.stdin.isatty() if interactive is None else interactive
    if not yes:
        if not interactive:
            out.write("not written: run again with --yes to write these files\n")
            return 1
        reply = ask(f"write {len(changes)} file(s) under queries/expected/? [y/N] ").strip().lower()
        if reply not in ("y", "yes"):
            out.write("not written\n")
            return 1
    for c in changes:
        question = chosen[c.name]
        write_atomic(question.expected_csv, answer_csv(kg, question).encode("utf-8"))
        out.write(f"wrote {question.expected_csv.relative_to(question.path.parent.parent)}\n")
    return 0


def load(layout) -> tuple[KnowledgeGraph, dict[str, Question]]:
    from goinglocal.reason import closure_for
    return KnowledgeGraph(closure_for(layout)), load_questions(layout)

