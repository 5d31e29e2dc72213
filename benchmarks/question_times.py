"""Every question's seconds on Oxigraph at one scale, without the whole bench.

    python benchmarks/question_times.py build/bench/cache-project-data-10x.nq \
        [--bindings build/bench/bindings.json] [--only NAME,NAME] [--repeat 1]
        [--answers OUT.json] [--compare build/bench/answers-project-data-10x.json]
        [--limit 2.0]

Reads a closure as N-Quads (asserted and inferred named graphs: the cache
`make bench` writes per scale) into a fresh in-memory store and asks each
question as the bench's project worker does (KnowledgeGraph.select with the
bench's parameter bindings, union default graph), printing seconds and rows,
slowest first. --answers writes the answers in the bench's form (question ->
sorted repr rows); --compare checks them against such a file. Exit status 1
when a question is slower than --limit or an answer differs from --compare."""

from __future__ import annotations

import argparse
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
    answers: dict[str, list[str]] = {}
    for name, q in sorted(questions.items()):
        best = float("inf")
        for _ in range(args.repeat):
            t = time.perf_counter()
            _, rows = kg.select(q.text, bindings.get(name, {}))
            best = min(best, time.perf_counter() - t)
        seconds[name] = best
        answers[name] = sorted(repr(tuple(str(r[v]) if r[v] is not None else "" for v in r)) for r in rows)

    expected = json.loads(args.compare.read_text()) if args.compare else {}
    failed = False
    for name in sorted(seconds, key=lambda n: -seconds[n]):
        notes = []
        if seconds[name] > args.limit:
            notes.append(f"over {args.limit:g} s")
            failed = True
        if name in expected and expected[name] != answers[name]:
            notes.append("ANSWER DIFFERS")
            failed = True
        print(f"{seconds[name]:8.3f} s  {len(answers[name]):6d} rows  {name}"
              + (f"  <- {', '.join(notes)}" if notes else ""))
    print(f"total {sum(seconds.values()):.2f} s over {len(seconds)} questions", file=sys.stderr)
    if args.answers:
        args.answers.write_text(json.dumps(answers))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
