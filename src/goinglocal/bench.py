"""`make bench` (python -m goinglocal.bench): time the naive pipeline and the
project's side by side on the real graph scaled 1x, 10x, 100x.

Scaling copies every instance node (subject or object under
https://w3id.org/goinglocal/id/) k times with renamed IRIs (copy 0 keeps the
original IRIs, so question defaults still resolve), and keeps the ontology.

Each pipeline x scale runs in its own subprocess with a wall-clock limit; its
peak memory is the child's ru_maxrss (os.wait4). Stages:

  naive    parse (rdflib) -> closure (owlrl) -> validation (pyshacl) -> all questions (rdflib SPARQL)
           ask = parse + owlrl + one question on rdflib (reason-then-query)
  project  parse (pyoxigraph) -> closure (the project's default reasoner: goinglocal.materialise, OWL 2 RL rules
           run as SPARQL on Oxigraph; owlrl if GOINGLOCAL_BENCH_PROJECT_REASONER=owlrl) -> validation (pyshacl) -> all questions (Oxigraph)
           ask = warm: cached closure N-Triples into Oxigraph + one question, rendered
  reasonable  as project, closure by `reasonable` (reported, not adopted: see fastreason.py)

Results: build/bench/results.md and results.json."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ID_BASE = "https://w3id.org/goinglocal/id/"
PIPELINES = ("naive", "project", "reasonable")
STAGES = ("parse", "closure", "validation", "questions", "ask")
PROJECT_REASONER = os.environ.get("GOINGLOCAL_BENCH_PROJECT_REASONER") or "rules"
QUESTION_LIMIT = int(os.environ.get("GOINGLOCAL_BENCH_QUESTION_SECONDS", "60"))  # naive, per question


# --- data ------------------------------------------------------------------

def scaled_ntriples(asserted_nt: bytes, k: int) -> bytes:
    """Lines that mention no instance IRI (the ontology) once; the others k times, renamed."""
    pattern = re.compile(rb"<" + re.escape(ID_BASE.encode()) + rb"([^>]*)>")
    lines = [l for l in asserted_nt.splitlines() if l.strip()]
    shared = [l for l in lines if not pattern.search(l)]
    instance = [l for l in lines if pattern.search(l)]
    out = shared + instance
    for copy in range(1, k):
        suffix = f"-x{copy}".encode()
        out.extend(pattern.sub(lambda m: b"<" + ID_BASE.encode() + m[1] + suffix + b">", l) for l in instance)
    return b"\n".join(out) + b"\n"


def prepare(layout, out: Path, scales: list[int]) -> dict:
    from goinglocal import answers
    from goinglocal.questions import load_questions
    from goinglocal.reason import closure_for
    from goinglocal.store import KnowledgeGraph
    closure = closure_for(layout)
    files = {}
    for k in scales:
        path = out / f"data-{k}x.nt"
        path.write_bytes(scaled_ntriples(closure.asserted_nt, k))
        files[k] = str(path)
    kg = KnowledgeGraph(closure)
    bindings = {}
    for name, q in sorted(load_questions(layout).items()):
        bindings[name] = {k: v.n3() for k, v in answers.resolve(kg, q, {}).items()}
    (out / "bindings.json").write_text(json.dumps(bindings, indent=1))
    return files


# --- worker ----------------------------------------------------------------

def worker(pipeline: str, data: Path, out: Path, root: Path) -> None:
    from rdflib import Graph
    from rdflib.util import from_n3
    from goinglocal.paths import Layout
    from goinglocal.questions import load_questions
    layout = Layout(root)
    questions = load_questions(layout)
    bindings = {q: {k: from_n3(v) for k, v in b.items()}
                for q, b in json.loads((out / "bindings.json").read_text()).items()}
    # a parameterised question both engines can run (rdflib fails GROUP_CONCAT over unbound values)
    ask_name = next((n for n in ("actor-engagements", "evidence-for", "place-engagements") if n in questions),
                    sorted(questions)[0])
    times: dict[str, float] = {}
    answers_out: dict[str, list] = {}
    status_file = out / f"stage-{pipeline}-{data.stem}.json"

    def record(stage: str, started: float) -> None:
        times[stage] = time.perf_counter() - started
        status_file.write_text(json.dumps(times))

    nt = data.read_bytes()
    t = time.perf_counter()
    asserted = Graph().parse(data=nt.decode("utf-8"), format="nt")
    if pipeline != "naive":
        import pyoxigraph as ox
        ox.Store().load(nt, format=ox.RdfFormat.N_TRIPLES)
    record("parse", t)

    t = time.perf_counter()
    closure = None
    if pipeline == "reasonable":
        from goinglocal.fastreason import reasonable_closure
        closure, _ = reasonable_closure(asserted)
    elif pipeline == "project" and PROJECT_REASONER == "rules":
        from goinglocal.materialise import materialise  # the project's default reasoner
        asserted_nt, closure_nt, _, _ = materialise(nt)
    else:
        from goinglocal.reason import owlrl_closure
        closure, _ = owlrl_closure(asserted)
    record("closure", t)
    if closure is not None:
        closure_nt = closure.serialize(format="nt", encoding="utf-8")
        asserted_nt = asserted.serialize(format="nt", encoding="utf-8")
    closure_size = sum(1 for l in closure_nt.splitlines() if l.strip())

    t = time.perf_counter()
    from pyshacl import validate
    from goinglocal.validate import load_shapes
    conforms, _, _ = validate(asserted, shacl_graph=load_shapes(layout), inference="none", advanced=True,
                              allow_warnings=True)
    record("validation", t)
    extra = {"conforms": bool(conforms), "closure_triples": closure_size}
    t = time.perf_counter()
    q = questions[ask_name]
    if pipeline == "naive":  # reason-then-query, from the file
        g = Graph().parse(data=nt.decode("utf-8"), format="nt")
        from goinglocal.reason import owlrl_closure
        c, _ = owlrl_closure(g)
        list(c.query(q.text, initBindings=bindings.get(ask_name, {})))
    else:  # warm: the closure cache exists; load it and ask
        from goinglocal import answers
        from goinglocal.reason import Closure
        from goinglocal.store import KnowledgeGraph
        kg = KnowledgeGraph(Closure(asserted_nt, closure_nt, len(asserted), closure_size, [], True))
        raw = {k: str(v) for k, v in bindings.get(ask_name, {}).items()}  # IRIs: labels repeat in copies
        answers.render(kg, answers.run(kg, q, raw), "csv")
    record("ask", t)
    t = time.perf_counter()
    if pipeline == "naive":
        import signal

        def too_slow(signum, frame):
            raise TimeoutError
        signal.signal(signal.SIGALRM, too_slow)
        for name, q in sorted(questions.items()):
            signal.alarm(QUESTION_LIMIT)
            try:
                result = closure.query(q.text, initBindings=bindings.get(name, {}))
                answers_out[name] = sorted(repr(tuple(str(x) if x is not None else "" for x in row)) for row in result)
            except TimeoutError:
                extra["timed_out"] = extra.get("timed_out", []) + [name]
            except Exception as exc:  # rdflib engine bugs
                extra["errors"] = extra.get("errors", []) + [f"{name}: {exc!r}"[:200]]
            finally:
                signal.alarm(0)
    else:
        from goinglocal.reason import Closure
        from goinglocal.store import KnowledgeGraph
        kg = KnowledgeGraph(Closure(asserted_nt, closure_nt, len(asserted), closure_size, [], False))
        for name, q in sorted(questions.items()):
            _, rows = kg.select(q.text, bindings.get(name, {}))
            answers_out[name] = sorted(repr(tuple(str(r[v]) if r[v] is not None else "" for v in r)) for r in rows)
    record("questions", t)
    (out / f"answers-{pipeline}-{data.stem}.json").write_text(json.dumps(answers_out))
    status_file.write_text(json.dumps({**times, **extra, "done": True}))


# --- driver ----------------------------------------------------------------

def run_one(pipeline: str, data: str, out: Path, root: Path, limit: float) -> dict:
    status = out / f"stage-{pipeline}-{Path(data).stem}.json"
    status.unlink(missing_ok=True)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "goinglocal.bench", "--worker", pipeline, "--data", data,
                             "--out", str(out), "--root", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    killed = False
    while True:
        pid, wstatus, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - started > limit:
            proc.kill()
            killed = True
            pid, wstatus, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.2)
    proc.returncode = os.waitstatus_to_exitcode(wstatus)
    err = proc.stderr.read().decode("utf-8", "replace")[-1500:] if proc.stderr else ""
    result = json.loads(status.read_text()) if status.exists() else {}
    result.update(peak_mb=usage.ru_maxrss / 1024, wall=time.perf_counter() - started,
                  finished=bool(result.get("done")) and not killed,
                  note="killed at time limit" if killed else ("" if proc.returncode == 0 else f"failed: {err}"))
    return result


def fmt(v) -> str:
    return "—" if v is None else f"{v:.2f}" if v < 100 else f"{v:.0f}"


def table(results: dict, scales: list[int], limit: float) -> str:
    lines = ["# goinglocal bench", "",
             f"Seconds per stage; '—' = not reached (each pipeline x scale limited to {limit:.0f} s wall clock).", "",
             "| scale | pipeline | parse | closure | validation | questions | ask | cold build* | peak MB | status |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for k in scales:
        for p in PIPELINES:
            r = results.get(f"{k}x", {}).get(p)
            if not r:
                continue
            cold = (sum(r[s] for s in ("parse", "closure", "validation", "questions"))
                    if all(s in r for s in ("parse", "closure", "validation", "questions")) else None)
            status = "ok" if r["finished"] else (r.get("note") or "did not finish")[:80]
            if r.get("timed_out"):
                status += f"; {len(r['timed_out'])} question(s) cut at {QUESTION_LIMIT} s: {', '.join(r['timed_out'])}"
            if r.get("errors"):
                status += f"; {len(r['errors'])} question(s) failed on rdflib"
            lines.append(f"| {k}x | {p} | " + " | ".join(fmt(r.get(s)) for s in STAGES)
                         + f" | {fmt(cold)} | {r['peak_mb']:.0f} | {status} |")
    lines += ["", "*cold build = parse + closure + validation + questions.",
              "naive ask = parse + owlrl + one question on rdflib; project ask = cached closure into Oxigraph + one question.", ""]
    lines += ratios(results, scales)
    return "\n".join(lines) + "\n"


def ratios(results: dict, scales: list[int]) -> list[str]:
    out = ["## Ratios", ""]
    for k in scales:
        n, p = results.get(f"{k}x", {}).get("naive", {}), results.get(f"{k}x", {}).get("project", {})
        if n.get("ask") and p.get("ask"):
            out.append(f"- {k}x warm ask vs naive reason-then-query: {n['ask'] / p['ask']:.0f}x")
        stages = ("parse", "closure", "validation", "questions")
        if all(s in n for s in stages) and all(s in p for s in stages):
            out.append(f"- {k}x cold build naive/project: {sum(n[s] for s in stages) / sum(p[s] for s in stages):.2f}x")
        if "same_answers" in results.get(f"{k}x", {}):
            out.append(f"- {k}x answers identical naive vs project: {results[f'{k}x']['same_answers']}")
    return out + [""]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m goinglocal.bench")
    ap.add_argument("--scales", default="1,10,100")
    ap.add_argument("--limit", type=float, default=600, help="seconds per pipeline x scale")
    ap.add_argument("--pipelines", default=",".join(PIPELINES))
    ap.add_argument("--worker")
    ap.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--data")
    ap.add_argument("--out")
    ap.add_argument("--root")
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker, Path(args.data), Path(args.out), Path(args.root))
        return 0
    from goinglocal.paths import Layout  # stdlib only: the driver stays small, so that
    layout = Layout.discover()            # children's ru_maxrss (inherited across fork) is their own
    out = layout.build_dir / "bench"
    out.mkdir(parents=True, exist_ok=True)
    scales = [int(s) for s in args.scales.split(",")]
    if args.prepare:
        files = prepare(layout, out, scales)
        (out / "files.json").write_text(json.dumps(files))
        return 0
    print("bench: preparing scaled data (closure of the real graph, question parameters) ...", flush=True)
    subprocess.run([sys.executable, "-m", "goinglocal.bench", "--prepare", "--scales", args.scales], check=True)
    files = {int(k): v for k, v in json.loads((out / "files.json").read_text()).items()}
    results: dict = {}
    for k in scales:
        results[f"{k}x"] = {}
        for p in args.pipelines.split(","):
            print(f"bench: {k}x {p} ...", flush=True)
            r = run_one(p, files[k], out, layout.root, args.limit)
            results[f"{k}x"][p] = r
            print(f"  {json.dumps(r)[:300]}", flush=True)
        answer_files = {p: out / f"answers-{p}-data-{k}x.json" for p in ("naive", "project")}
        if all(results[f"{k}x"].get(p, {}).get("finished") for p in answer_files):
            a, b = (json.loads(answer_files[p].read_text()) for p in answer_files)
            common = sorted(set(a) & set(b))
            results[f"{k}x"]["different_questions"] = sorted(q for q in common if a[q] != b[q])
            results[f"{k}x"]["same_answers"] = (f"{len(common) - len(results[f'{k}x']['different_questions'])}"
                                                f"/{len(common)} questions both engines answered")
        (out / "results.json").write_text(json.dumps(results, indent=1))
        (out / "results.md").write_text(table(results, scales, args.limit))
    sys.stdout.write(table(results, scales, args.limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
