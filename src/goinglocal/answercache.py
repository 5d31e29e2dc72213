"""Answers kept from the previous build: a question no triple changed since
then can take part in, asked with the same parameters, has the same
solutions (goinglocal.querydelta.reaches), and its table the same labels
unless one of the IRIs in it was relabelled. Such answers are taken
from build/cache/answers.json instead of being asked again; every other
question is asked. The cache holds the previous build's answers and the
sha256 of its graph; it is trusted only when the change since the previous
build is known (goinglocal.graphdelta) and this code wrote it."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from rdflib import URIRef

from goinglocal import answers, querydelta
from goinglocal.graphdelta import Change, KeptFromGraph, with_removed
from goinglocal.questions import Question
from goinglocal.store import KnowledgeGraph
from goinglocal.versions import code_key

FORMAT = "goinglocal-answers-1"


QUESTION_PROBES = "question-probes.pickle"
PROFILE_PROBES = "profile-probes.pickle"


def question_probes(questions: dict[str, Question], cache_dir: Path, warm_only: bool = False) -> dict:
    return querydelta.cached_probes([q.text for q in questions.values()], cache_dir / QUESTION_PROBES, per_node=False,
                                    warm_only=warm_only)


def warm_probes(questions: dict[str, Question], cache_dir: Path) -> None:
    """Make the probes of the questions and of the profile queries
    (goinglocal.querydelta) before a build needs them: rdflib's parser takes
    about 50 ms a query, 5 s for the library. The build does this in its
    validation child, which has time to spare while the closure is computed;
    once kept, they cost a read."""
    from goinglocal.profile import QUERIES
    from goinglocal.searchcache import search_probes
    question_probes(questions, cache_dir, warm_only=True)
    querydelta.cached_probes(QUERIES.values(), cache_dir / PROFILE_PROBES, warm_only=True)
    search_probes(cache_dir, warm_only=True)


def _text_sha(question: Question) -> str:
    return hashlib.sha256(question.text.encode("utf-8")).hexdigest()


LABELS = {"http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#altLabel"}
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _names_changed(store, change: Change) -> set[tuple[str, str]]:
    """The (normalised, compact) forms of every label or alternative label
    added or removed, and of every label of a node whose types changed: a
    parameter given as a label names the same node unless one of these
    matches it."""
    import pyoxigraph as ox
    from goinglocal.search import compact, normalise
    texts: set[str] = set()
    for q in change.removed + change.added:
        if q.predicate.value in LABELS and isinstance(q.object, ox.Literal):
            texts.add(q.object.value)
        elif q.predicate.value == RDF_TYPE and isinstance(q.subject, ox.NamedNode):
            texts.update(found.object.value for p in LABELS
                         for found in store.quads_for_pattern(q.subject, ox.NamedNode(p), None)
                         if isinstance(found.object, ox.Literal))
    return {(normalise(t), compact(t)) for t in texts}


def _intact(path: Path, sha: str) -> bytes | None:
    """The file's bytes, if it has this sha256."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == sha else None


def _link(source: Path, target: Path) -> bool:
    """A second name for the file (each build writes new files and renames,
    never writes into one in place); False where links cannot be made."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(source, target)
        return True
    except OSError:
        return False


class AnswerCache:
    def __init__(self, cache_dir: Path, kg: KnowledgeGraph, questions: dict[str, Question], before: str | None,
                 change: Change | None):
        """before: the sha256 of the previous build's graph; change: what
        changed since (None if unknown: every question is asked)."""
        self.file = KeptFromGraph(cache_dir / "answers.json", code_key(FORMAT, answers, querydelta))
        self.entries: dict[str, dict] = {}
        self.previous: dict = {}
        self.reached: set[str] = set()
        self.relabelled: set[str] = set()
        self.names_changed: set[tuple[str, str]] = set()  # (normalised, compact) forms of labels added or removed
        self.kept = 0
        previous = self.file.read(before) if change is not None else None
        if not isinstance(previous, dict):
            return
        self.previous = previous
        probes = question_probes(questions, cache_dir)
        changed = querydelta.ChangedTriples(change.triples)  # indexed once for every question
        with with_removed(kg.store, change) as store:
            self.reached = {name for name, q in questions.items()
                            if name in self.previous and querydelta.reaches(store, probes[q.text], changed)}
            self.names_changed = _names_changed(store, change)
        self.relabelled = change.relabelled()

    def answer(self, kg: KnowledgeGraph, question: Question) -> tuple[answers.Answer, list[str], list[dict]]:
        """The question's answer, columns and rows (answers.run, answers.records)."""
        old = self.previous.get(question.name)
        bindings = answers.resolve(kg, question, {}, before=lambda name, label: self._resolved(old, name, label))
        shown = {k: v.n3() for k, v in bindings.items()}
        if (isinstance(old, dict) and question.name not in self.reached and old.get("text") == _text_sha(question)
                and old.get("bindings") == shown and self.relabelled.isdisjoint(old.get("iris", ()))):
            self.entries[question.name] = old
            self.kept += 1
            return answers.Answer(question, bindings, old["variables"], []), old["columns"], old["rows"]
        answer = answers.Answer(question, bindings, *kg.select(question.text, bindings))  # as answers.run asks it
        columns, rows = answers.records(kg, answer)
        iris = sorted({str(t) for row in answer.rows for t in row.values() if isinstance(t, URIRef)})
        self.entries[question.name] = {"text": _text_sha(question), "bindings": shown, "variables": answer.variables,
                                       "columns": columns, "rows": rows, "iris": iris}
        return answer, columns, rows

    def write_files(self, question: Question, answer: answers.Answer, columns: list[str], rows: list[dict],
                    folder: Path, previous: Path) -> None:
        """The answer's CSV and JSON into `folder`. A kept answer's files
        are the previous build's (in `previous`), the same bytes: they are a
        function of the rows, columns, parameters and question text the
        answer was kept for. They are linked when intact (their sha256 is
        kept with the answer), else written."""
        entry = self.entries[question.name]
        kept = entry is self.previous.get(question.name)
        made = {"csv": lambda: answers.to_csv(columns, rows), "json": lambda: answers.to_json(answer, columns, rows)}
        shas = {}
        for ext, make in made.items():
            target = folder / f"{question.name}.{ext}"
            want = (entry.get("files") or {}).get(ext) if kept else None
            data = _intact(previous / target.name, want) if isinstance(want, str) else None
            if data is not None and _link(previous / target.name, target):
                shas[ext] = want
                continue
            data = data if data is not None else make().encode("utf-8")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            shas[ext] = hashlib.sha256(data).hexdigest()
        entry["files"] = shas

    def _resolved(self, old: dict | None, name: str, label: str) -> URIRef | None:
        """The node the label named in the previous build, when no label or
        type that could change what it names has changed (search.exact_matches
        compares normalised, then compact forms)."""
        from goinglocal.search import compact, normalise
        before = (old or {}).get("bindings", {}).get(name) if isinstance(old, dict) else None
        if not isinstance(before, str) or not before.startswith("<") or not before.endswith(">"):
            return None
        key, tight = normalise(label), compact(label)
        if any(key == n or tight == c for n, c in self.names_changed):
            return None
        return URIRef(before[1:-1])

    def save(self, graph: str) -> None:
        """Keep this build's answers, made on the graph with this sha256."""
        self.file.save(graph, self.entries)
