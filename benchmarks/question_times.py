"""Every question's seconds on Oxigraph at one scale, without the whole bench.

    python benchmarks/question_times.py build/bench/cache-project-data-10x.nq \
        [--bindings build/bench/bindings.json] [--only NAME,NAME] [--repeat 1]
        [--answers OUT.json] [--compare build/bench/answers-project-data-10x.json]
        [--limit 2.0]

Reads a closure as N-Quads (asserted and inferred named graphs: the cache
`make bench` writes per scale) into a fresh in-memory store and asks each
question as the bench's project worker does (KnowledgeGraph.select with the
bench's parameter bindings, union default graph), printing seconds and rows,
slowest first (wall clock, and the process's CPU seconds, steadier on a shared
machine; with --repeat N, the fastest of N runs). --answers writes the
answers in the bench's form (question -> sorted repr rows); --compare checks them against such a file, with each
`#+ lists:` column compared as goinglocal renders it (items sorted, empty
items dropped: SPARQL leaves GROUP_CONCAT's order open). Exit status 1 when a
question is slower than --limit or an answer differs from --compare."""

from __future__ import annotations

import argparse
import ast
import json
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    import pyoxigraph as ox
    from rdflib.util import from_n3
    from goinglocal.paths import Layout
    from goinglocal.questions import load_questions
    from goinglocal.store import KnowledgeGraph

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("nquads", type=Path)
    p.add_argument("--bindings", type=Path, help="default: bindings.json beside the N-Quads")
    p.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    p.add_argument("--only", default="", help="comma-separated question names")
    p.add_argument("--repeat", type=int, default=1, help="runs per question; the fastest is reported")
    p.add_argument("--answers", type=Path)
    p.add_argument("--compare", type=Path)
    p.add_argument("--limit", type=float, default=2.0, help="seconds a question may take (default 2)")
    args = p.parse_args(argv)

    questions = load_questions(Layout(args.root))
    if args.only:
        questions = {n: questions[n] for n in args.only.split(",")}
    raw = json.loads((args.bindings or args.nquads.parent / "bindings.json").read_text())
    bindings = {q: {k: from_n3(v) for k, v in b.items()} for q, b in raw.items()}

    t = time.perf_counter()
    store = ox.Store()
    store.load(path=str(args.nquads), format=ox.RdfFormat.N_QUADS)
    kg = KnowledgeGraph.from_store(store)
    print(f"loaded {args.nquads.name} in {time.perf_counter() - t:.2f} s", file=sys.stderr)

    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    answers: dict[str, list[str]] = {}
    columns: dict[str, list[str]] = {}
    for name, q in sorted(questions.items()):
        seconds[name] = cpu[name] = float("inf")
        for _ in range(args.repeat):
            t, c = time.perf_counter(), time.process_time()
            columns[name], rows = kg.select(q.text, bindings.get(name, {}))
            seconds[name] = min(seconds[name], time.perf_counter() - t)
            cpu[name] = min(cpu[name], time.process_time() - c)
        answers[name] = sorted(repr(tuple(str(r[v]) if r[v] is not None else "" for v in r)) for r in rows)

    expected = json.loads(args.compare.read_text()) if args.compare else {}
    failed = False
    for name in sorted(seconds, key=lambda n: -seconds[n]):
        notes = []
        if seconds[name] > args.limit:
            notes.append(f"over {args.limit:g} s")
            failed = True
        lists = [i for i, v in enumerate(columns[name]) if v in questions[name].lists]
        if name in expected and _as_rendered(expected[name], lists) != _as_rendered(answers[name], lists):
            notes.append("ANSWER DIFFERS")
            failed = True
        print(f"{seconds[name]:8.3f} s {cpu[name]:8.3f} s cpu {len(answers[name]):6d} rows  {name}"
              + (f"  <- {', '.join(notes)}" if notes else ""))
    print(f"total {sum(seconds.values()):.2f} s over {len(seconds)} questions", file=sys.stderr)
    if args.answers:
        args.answers.write_text(json.dumps(answers))
    return 1 if failed else 0


def _as_rendered(rows: list[str], lists: list[int]) -> list[tuple[str, ...]]:
    """Rows in the bench's repr form, list columns as goinglocal.answers renders them."""
    out = []
    for row in map(ast.literal_eval, rows):
        out.append(tuple("; ".join(sorted(item for item in cell.split("; ") if item)) if i in lists else cell
                         for i, cell in enumerate(row)))
    return sorted(out)


if __name__ == "__main__":
    sys.exit(main())
