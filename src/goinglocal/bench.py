"""`make bench` (python -m goinglocal.bench): time the naive pipeline and the
project's side by side on the real graph scaled 1x, 10x, 100x.

Scaling copies every triple whose subject is an instance node (an IRI under
https://w3id.org/goinglocal/id/) k times with renamed IRIs (copy 0 keeps the
original IRIs, so question defaults still resolve), and keeps the ontology,
including its restrictions' owl:hasValue individuals, once.

Each pipeline x scale runs in its own subprocess with a wall-clock limit; its
peak memory is the child's ru_maxrss (os.wait4). Stages:

  naive    parse (rdflib) -> closure (owlrl) -> validation (pyshacl) -> all questions (rdflib SPARQL)
           ask = reason-then-query: parse + owlrl + one question on rdflib (the stages' own times)
  project  parse (pyoxigraph only) -> closure (the project's default reasoner, goinglocal.materialise:
           OWL 2 RL rules as semi-naive SPARQL updates on Oxigraph, plus writing the closure cache;
           owlrl if GOINGLOCAL_BENCH_PROJECT_REASONER=owlrl) -> all questions (Oxigraph, on the
           materialised store) -> ask = warm: the cached closure N-Triples into Oxigraph + one question, rendered;
           validation (pyshacl, which needs an rdflib parse) in a second process with its own limit,
           so that the other stages are measured at scales where validation cannot finish
  reasonable  as project, closure by `reasonable` (reported, not adopted: see fastreason.py)

Both pipelines' answers (every question, with the same parameters) and
validation results (severity, shape, focus node, path, constraint) are
compared when both finish.

Flags:
  --scales 1,10,100         scale factors
  --limit 1200              seconds per pipeline x scale (the project's validation excepted)
  --validation-limit 1800   seconds for the project's validation process
  --pipelines naive,project,reasonable
  --skip 100x:naive,100x:reasonable
                            scale:pipeline pairs not run (owlrl needs hours at 100x, reasonable
                            over 20 GB); --skip '' runs everything
  --merge                   keep results of pairs not run now from the out folder's results.json
                            (e.g. a long naive 10x run: --scales 10 --pipelines naive --limit 3600)
  --reuse-data              the out folder's scaled data and bindings as they are (no re-preparing)
  --out DIR                 output folder (default build/bench)
Environment: GOINGLOCAL_BENCH_QUESTION_SECONDS (default 60), the naive
pipeline's limit per question (rdflib); GOINGLOCAL_BENCH_PROJECT_REASONER.

`make bench` runs the defaults (about an hour: naive 10x is cut at the limit,
the project's 100x validation may run to its own); pass flags with
`make bench BENCH_ARGS="--scales 1,10"`.

Results: DIR/results.md and results.json; per run stage-*.json,
validation-*.json, answers-*.json and stderr-*.txt."""

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
STAGES = ("parse", "closure", "questions", "ask", "validation")
COLD = ("parse", "closure", "validation", "questions")
DEFAULT_SKIP = "100x:naive,100x:reasonable"  # owlrl and reasonable cannot finish at 100x (hours; 24 GB)
PROJECT_REASONER = os.environ.get("GOINGLOCAL_BENCH_PROJECT_REASONER") or "rules"
QUESTION_LIMIT = int(os.environ.get("GOINGLOCAL_BENCH_QUESTION_SECONDS", "60"))  # naive, per question


# --- data ------------------------------------------------------------------

def scaled_ntriples(asserted_nt: bytes, k: int) -> bytes:
    """Lines whose subject is not an instance IRI (the ontology, including its
    restrictions' owl:hasValue individuals) once; the others k times, renamed.
    (Copying every line that mentions an instance IRI gave each ontology
    restriction k values, and the closure grew as k squared.)"""
    pattern = re.compile(rb"<" + re.escape(ID_BASE.encode()) + rb"([^>]*)>")
    subject = b"<" + ID_BASE.encode()
    lines = [l for l in asserted_nt.splitlines() if l.strip()]
    shared = [l for l in lines if not l.startswith(subject)]
    instance = [l for l in lines if l.startswith(subject)]
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
        data = scaled_ntriples(closure.asserted_nt, k)
        if not path.exists() or path.read_bytes() != data:  # a run reading it meanwhile keeps its data
            path.write_bytes(data)
        files[k] = str(path)
    kg = KnowledgeGraph(closure)
    bindings = {}
    for name, q in sorted(load_questions(layout).items()):
        bindings[name] = {k: v.n3() for k, v in answers.resolve(kg, q, {}).items()}
    (out / "bindings.json").write_text(json.dumps(bindings, indent=1))
    return files


# --- worker ----------------------------------------------------------------

def shacl_results(asserted, layout) -> tuple[bool, list[list[str]]]:
    """pyshacl over the asserted graph, as the project validates; the results
    as sorted (severity, shape, focus node, path, constraint) rows, with a
    property shape named by the node shape that holds it."""
    from pyshacl import validate
    from rdflib import URIRef
    from rdflib.namespace import RDF, SH
    from goinglocal.validate import load_shapes
    shapes = load_shapes(layout)
    conforms, results, _ = validate(asserted, shacl_graph=shapes, inference="none", advanced=True,
                                    allow_warnings=True)
    rows = set()
    for r in results.subjects(RDF.type, SH.ValidationResult):
        shape = results.value(r, SH.sourceShape)
        owner = next(iter(shapes.subjects(SH.property, shape)), None) if shape is not None else None
        named = owner if isinstance(owner, URIRef) else shape
        path = results.value(r, SH.resultPath)
        rows.add(tuple(str(x) if isinstance(x, URIRef) else "(blank)" for x in (
            results.value(r, SH.resultSeverity), named, results.value(r, SH.focusNode),
            path, results.value(r, SH.sourceConstraintComponent))))
    return bool(conforms), [list(r) for r in sorted(rows)]


def record_validation(out: Path, pipeline: str, data: Path, conforms: bool, rows: list) -> dict:
    (out / f"validation-{pipeline}-{data.stem}.json").write_text(json.dumps(rows))
    shapes: dict[str, int] = {}
    for row in rows:
        shapes[row[1]] = shapes.get(row[1], 0) + 1
    return {"conforms": conforms, "validation_results": len(rows), "shapes_firing": shapes}


def validation_worker(pipeline: str, data: Path, out: Path, layout) -> None:
    """The validation stage of the project (and reasonable) pipeline, in its own
    process with its own time limit: pyshacl needs an rdflib graph, which the
    rest of the project pipeline no longer builds."""
    from rdflib import Graph
    status_file = out / f"validation-stage-{pipeline}-{data.stem}.json"
    t = time.perf_counter()
    asserted = Graph().parse(data=data.read_bytes().decode("utf-8"), format="nt")
    parsed = time.perf_counter() - t
    status_file.write_text(json.dumps({"validation_parse": parsed}))
    conforms, rows = shacl_results(asserted, layout)
    status_file.write_text(json.dumps({"validation_parse": parsed, "validation": time.perf_counter() - t,
                                       **record_validation(out, pipeline, data, conforms, rows), "done": True}))


def worker(pipeline: str, data: Path, out: Path, root: Path, stage: str | None = None) -> None:
    from rdflib.util import from_n3
    from goinglocal.paths import Layout
    from goinglocal.questions import load_questions
    layout = Layout(root)
    if stage == "validation":
        return validation_worker(pipeline, data, out, layout)
    questions = load_questions(layout)
    bindings = {q: {k: from_n3(v) for k, v in b.items()}
                for q, b in json.loads((out / "bindings.json").read_text()).items()}
    # a parameterised question both engines can run (rdflib fails GROUP_CONCAT over unbound values)
    ask_name = next((n for n in ("actor-engagements", "evidence-for", "place-engagements") if n in questions),
                    sorted(questions)[0])
    times: dict[str, float] = {}
    extra: dict = {}
    answers_out: dict[str, list] = {}
    status_file = out / f"stage-{pipeline}-{data.stem}.json"

    def record(stage: str, started: float) -> None:
        times[stage] = time.perf_counter() - started
        status_file.write_text(json.dumps({**times, **extra}))

    if pipeline == "naive":
        naive_worker(data, out, layout, questions, bindings, ask_name, times, extra, answers_out, record)
    else:
        project_worker(pipeline, data, out, questions, bindings, ask_name, extra, answers_out, record)
    (out / f"answers-{pipeline}-{data.stem}.json").write_text(json.dumps(answers_out))
    status_file.write_text(json.dumps({**times, **extra, "done": True}))


def naive_worker(data, out, layout, questions, bindings, ask_name, times, extra, answers_out, record) -> None:
    """parse (rdflib) -> closure (owlrl) -> validation (pyshacl) -> questions (rdflib SPARQL).
    ask (reason-then-query) = parse + closure + the ask question's own time in the
    questions loop: the same work as parsing, reasoning and asking again, not repeated."""
    import signal
    from rdflib import Graph
    from goinglocal.reason import owlrl_closure
    t = time.perf_counter()
    asserted = Graph().parse(data=data.read_bytes().decode("utf-8"), format="nt")
    record("parse", t)
    t = time.perf_counter()
    closure, _ = owlrl_closure(asserted)
    record("closure", t)
    extra["closure_triples"] = len(closure)
    t = time.perf_counter()
    conforms, rows = shacl_results(asserted, layout)
    extra.update(record_validation(out, "naive", data, conforms, rows))
    record("validation", t)

    def too_slow(signum, frame):
        raise TimeoutError
    signal.signal(signal.SIGALRM, too_slow)
    extra["question_limit"] = QUESTION_LIMIT
    t = time.perf_counter()
    for n, (name, q) in enumerate(sorted(questions.items())):
        extra["questions_running"] = f"{n + 1}/{len(questions)}: {name}"
        record("questions_so_far", t)  # a run cut at its limit still shows how far it got
        (out / f"answers-naive-{data.stem}.json").write_text(json.dumps(answers_out))
        signal.alarm(QUESTION_LIMIT)
        asked = time.perf_counter()
        try:
            result = closure.query(q.text, initBindings=bindings.get(name, {}))
            answers_out[name] = sorted(repr(tuple(str(x) if x is not None else "" for x in row)) for row in result)
            if name == ask_name:
                extra["ask_question"] = time.perf_counter() - asked
        except TimeoutError:
            extra["timed_out"] = extra.get("timed_out", []) + [name]
        except Exception as exc:  # rdflib engine bugs
            extra["errors"] = extra.get("errors", []) + [f"{name}: {exc!r}"[:200]]
        finally:
            signal.alarm(0)
    del extra["questions_running"]
    record("questions", t)
    if "ask_question" in extra:
        times["ask"] = times["parse"] + times["closure"] + extra["ask_question"]


def project_worker(pipeline, data, out, questions, bindings, ask_name, extra, answers_out, record) -> None:
    """parse -> closure (and its cache, N-Triples on disk) -> warm ask (the cache
    into a fresh store + one question) -> questions (every one, on a fresh store
    of the closure). Validation runs in a process of its own (validation_worker)."""
    import gc
    import pyoxigraph as ox
    from goinglocal import answers
    from goinglocal.reason import Closure
    from goinglocal.store import KnowledgeGraph
    cache_asserted = out / f"cache-{pipeline}-{data.stem}-asserted.nt"
    cache_closure = out / f"cache-{pipeline}-{data.stem}-closure.nt"
    nquads = out / f"cache-{pipeline}-{data.stem}.nq"  # both graphs in one file: one load, one set of blank nodes
    asserted_triples = sum(1 for line in data.read_bytes().splitlines() if line.strip())
    if pipeline == "project" and PROJECT_REASONER == "rules":
        from goinglocal import materialise as m
        t = time.perf_counter()
        store = m.load_asserted(path=data)  # pyoxigraph only: no rdflib copy of the graph
        record("parse", t)
        t = time.perf_counter()
        stats = m.Stats()
        m.materialise_store(store, stats)
        m.dump(store, (m.ASSERTED,), output=cache_asserted)
        m.dump(store, (m.ASSERTED, m.INFERRED), output=cache_closure)
        store.dump(str(nquads), format=ox.RdfFormat.N_QUADS)
        record("closure", t)
        extra.update(closure_triples=asserted_triples + sum(stats.derived), rounds=stats.rounds,
                     rule_seconds={k: round(v, 2) for k, v in sorted(stats.seconds.items(), key=lambda kv: -kv[1])[:6]})
        # questions run on a fresh store: reasoning leaves the removed delta
        # copies in this one's indexes, and questions ran 1.7x slower on it
        del store
    else:
        from rdflib import Graph
        t = time.perf_counter()
        asserted = Graph().parse(data=data.read_bytes().decode("utf-8"), format="nt")
        record("parse", t)
        t = time.perf_counter()
        if pipeline == "reasonable":
            from goinglocal.fastreason import reasonable_closure
            closure, _ = reasonable_closure(asserted)
        else:
            from goinglocal.reason import owlrl_closure
            closure, _ = owlrl_closure(asserted)
        closure_nt = closure.serialize(format="nt", encoding="utf-8")
        asserted_nt = asserted.serialize(format="nt", encoding="utf-8")
        cache_asserted.write_bytes(asserted_nt)
        cache_closure.write_bytes(closure_nt)
        record("closure", t)
        extra["closure_triples"] = len(closure)
        kg = KnowledgeGraph(Closure(asserted_nt, closure_nt, asserted_triples, 0, [], False))
        kg.store.dump(str(nquads), format=ox.RdfFormat.N_QUADS)
        del asserted, closure, asserted_nt, closure_nt, kg
    gc.collect()

    t = time.perf_counter()  # warm: the closure cache exists; load it and ask, as `goinglocal ask` does
    closure = Closure(cache_asserted.read_bytes(), cache_closure.read_bytes(), asserted_triples,
                      extra["closure_triples"], [], True)
    kg = KnowledgeGraph(closure)
    raw = {k: str(v) for k, v in bindings.get(ask_name, {}).items()}  # IRIs: labels repeat in copies
    answers.render(kg, answers.run(kg, questions[ask_name], raw), "csv")
    record("ask", t)
    del kg, closure
    gc.collect()

    t = time.perf_counter()
    store = ox.Store()
    store.load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    kg = KnowledgeGraph.from_store(store)
    extra["questions_load"] = time.perf_counter() - t
    slowest: dict[str, float] = {}
    for n, (name, q) in enumerate(sorted(questions.items())):
        extra["questions_running"] = f"{n + 1}/{len(questions)}: {name}"
        record("questions_so_far", t)
        asked = time.perf_counter()
        _, rows = kg.select(q.text, bindings.get(name, {}))
        answers_out[name] = sorted(repr(tuple(str(r[v]) if r[v] is not None else "" for v in r)) for r in rows)
        slowest[name] = round(time.perf_counter() - asked, 2)
        extra["slowest_questions"] = dict(sorted(slowest.items(), key=lambda kv: -kv[1])[:5])
    del extra["questions_running"]
    record("questions", t)


# --- driver ----------------------------------------------------------------

def run_one(pipeline: str, data: str, out: Path, root: Path, limit: float, stage: str | None = None) -> dict:
    prefix = "validation-stage" if stage else "stage"
    status = out / f"{prefix}-{pipeline}-{Path(data).stem}.json"
    status.unlink(missing_ok=True)
    started = time.perf_counter()
    err_path = out / f"stderr-{prefix}-{pipeline}-{Path(data).stem}.txt"
    err_file = err_path.open("wb")  # a file, not a pipe: a chatty child must not block on a full pipe
    proc = subprocess.Popen([sys.executable, "-m", "goinglocal.bench", "--worker", pipeline, "--data", data,
                             "--out", str(out), "--root", str(root)] + (["--stage", stage] if stage else []),
                            stdout=subprocess.DEVNULL, stderr=err_file)
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
    err_file.close()
    err = err_path.read_bytes().decode("utf-8", "replace")[-1500:]
    result = json.loads(status.read_text()) if status.exists() else {}
    result.update(peak_mb=usage.ru_maxrss / 1024, wall=time.perf_counter() - started,
                  finished=bool(result.get("done")) and not killed,
                  note=f"killed at time limit ({limit:.0f} s)" if killed else ("" if proc.returncode == 0 else f"failed: {err}"))
    return result


def run_pipeline(pipeline: str, data: str, out: Path, root: Path, limit: float, validation_limit: float) -> dict:
    r = run_one(pipeline, data, out, root, limit)
    if pipeline != "naive":
        v = run_one(pipeline, data, out, root, validation_limit, stage="validation")
        r.update({k: v[k] for k in ("validation", "validation_parse", "conforms", "validation_results",
                                    "shapes_firing") if k in v})
        r.update(validation_peak_mb=v["peak_mb"], validation_finished=v["finished"], validation_note=v["note"])
    return r


def fmt(v) -> str:
    return "—" if v is None else f"{v:.2f}" if v < 100 else f"{v:.0f}"


def table(results: dict, scales: list[int], limit: float) -> str:
    lines = ["# goinglocal bench", "",
             f"Seconds per stage; '—' = not reached (each pipeline x scale limited to {limit:.0f} s wall clock, "
             "the project's validation stage to its own limit, in its own process).", "",
             "| scale | pipeline | parse | closure | questions | ask | validation | cold build* | peak MB | validation peak MB | status |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for k in scales:
        for p in PIPELINES:
            r = results.get(f"{k}x", {}).get(p)
            if not r:
                continue
            if r.get("skipped"):
                lines.append(f"| {k}x | {p} | " + " | ".join("—" for _ in range(8)) + f" | skipped ({r['skipped']}) |")
                continue
            cold = (sum(r[s] for s in COLD) if all(s in r for s in COLD) else None)
            status = "ok" if r["finished"] else (r.get("note") or "did not finish")[:80]
            if r.get("validation_note") or (p != "naive" and not r.get("validation_finished", True)):
                status += f"; validation: {r.get('validation_note') or 'did not finish'}"[:120]
            if "conforms" in r:
                status += f"; conforms={r['conforms']} ({r.get('validation_results', 0)} results)"
            if r.get("timed_out"):
                status += (f"; {len(r['timed_out'])} question(s) cut at {r.get('question_limit', QUESTION_LIMIT)} s: "
                           f"{', '.join(r['timed_out'])}")
            if r.get("errors"):
                status += f"; {len(r['errors'])} question(s) failed on rdflib"
            vpeak = f"{r['validation_peak_mb']:.0f}" if "validation_peak_mb" in r else "(in peak MB)"
            lines.append(f"| {k}x | {p} | " + " | ".join(fmt(r.get(s)) for s in STAGES)
                         + f" | {fmt(cold)} | {r['peak_mb']:.0f} | {vpeak} | {status} |")
    lines += ["", "*cold build = parse + closure + validation + questions. The project's validation "
              "time includes its own rdflib parse (pyshacl needs an rdflib graph).",
              "naive ask = parse + owlrl + the one question on rdflib (from the stages above, not run twice); "
              "project ask = warm: the cached closure N-Triples into Oxigraph + one question, rendered.", ""]
    lines += ratios(results, scales)
    return "\n".join(lines) + "\n"


def ratios(results: dict, scales: list[int]) -> list[str]:
    out = ["## Ratios", ""]
    for k in scales:
        n, p = results.get(f"{k}x", {}).get("naive", {}), results.get(f"{k}x", {}).get("project", {})
        if n.get("ask") and p.get("ask"):
            out.append(f"- {k}x warm ask vs naive reason-then-query: {n['ask'] / p['ask']:.0f}x")
        if all(s in n for s in COLD) and all(s in p for s in COLD):
            out.append(f"- {k}x cold build naive/project: {sum(n[s] for s in COLD) / sum(p[s] for s in COLD):.2f}x")
        if "same_answers" in results.get(f"{k}x", {}):
            out.append(f"- {k}x answers identical naive vs project: {results[f'{k}x']['same_answers']}")
        if "same_validation" in results.get(f"{k}x", {}):
            out.append(f"- {k}x validation results identical naive vs project: {results[f'{k}x']['same_validation']}")
        if p.get("finished"):
            peak = max(p["peak_mb"], p.get("validation_peak_mb", 0))
            out.append(f"- {k}x project peak memory: {p['peak_mb']:.0f} MB (parse, closure, questions, ask); "
                       f"validation {p.get('validation_peak_mb', 0):.0f} MB; max {peak:.0f} MB")
    return out + [""]


def unordered(rows: list[str]) -> list:
    """Rows with each '; '-joined cell as a sorted list: GROUP_CONCAT's order is
    not defined, and rdflib and Oxigraph concatenate in different orders."""
    import ast
    return sorted(repr(tuple(sorted(c.split("; ")) if "; " in c else c for c in ast.literal_eval(row)))
                  for row in rows)


def compare(out: Path, k: int, results: dict) -> None:
    """Answers and validation results of naive and project, when both finished."""
    entry = results[f"{k}x"]
    if not all(entry.get(p, {}).get("finished") for p in ("naive", "project")):
        return
    a, b = (json.loads((out / f"answers-{p}-data-{k}x.json").read_text()) for p in ("naive", "project"))
    common = sorted(set(a) & set(b))
    entry["different_questions"] = sorted(q for q in common if unordered(a[q]) != unordered(b[q]))
    entry["same_answers"] = (f"{len(common) - len(entry['different_questions'])}"
                             f"/{len(common)} questions both engines answered (GROUP_CONCAT order ignored)")
    files = [out / f"validation-{p}-data-{k}x.json" for p in ("naive", "project")]
    if all(f.exists() for f in files):
        va, vb = (json.loads(f.read_text()) for f in files)
        entry["same_validation"] = (va == vb) and f"{va == vb} ({len(va)} results each)" or \
            f"False ({len(va)} naive, {len(vb)} project results)"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m goinglocal.bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", default="1,10,100", help="comma-separated scale factors (default 1,10,100)")
    ap.add_argument("--limit", type=float, default=1200,
                    help="wall-clock seconds per pipeline x scale, validation of the project excepted (default 1200)")
    ap.add_argument("--validation-limit", type=float, default=1800,
                    help="wall-clock seconds for the project's validation stage, its own process (default 1800)")
    ap.add_argument("--pipelines", default=",".join(PIPELINES), help="comma-separated (default naive,project,reasonable)")
    ap.add_argument("--skip", default=DEFAULT_SKIP,
                    help=f"scale:pipeline pairs not to run (default {DEFAULT_SKIP}; '' runs all)")
    ap.add_argument("--merge", action="store_true",
                    help="keep the results of runs not repeated now from the out folder's results.json")
    ap.add_argument("--reuse-data", action="store_true",
                    help="use the out folder's scaled data and bindings as they are (same input as an earlier run)")
    ap.add_argument("--out", help="output folder (default build/bench)")
    ap.add_argument("--worker")
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    ap.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--root", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args.worker, Path(args.data), Path(args.out), Path(args.root), args.stage)
        return 0
    from goinglocal.paths import Layout  # stdlib only: the driver stays small, so that
    layout = Layout.discover()            # children's ru_maxrss (inherited across fork) is their own
    out = Path(args.out).resolve() if args.out else layout.build_dir / "bench"
    out.mkdir(parents=True, exist_ok=True)
    scales = [int(s) for s in args.scales.split(",")]
    if args.prepare:
        files = prepare(layout, out, scales)
        (out / "files.json").write_text(json.dumps(files))
        return 0
    files = {}
    if args.reuse_data and (out / "files.json").exists():
        files = {int(k): v for k, v in json.loads((out / "files.json").read_text()).items()}
    if not all(k in files and Path(files[k]).exists() for k in scales):
        print("bench: preparing scaled data (closure of the real graph, question parameters) ...", flush=True)
        subprocess.run([sys.executable, "-m", "goinglocal.bench", "--prepare", "--scales", args.scales,
                        "--out", str(out)], check=True)
        files = {int(k): v for k, v in json.loads((out / "files.json").read_text()).items()}
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    results: dict = {}
    if args.merge and (out / "results.json").exists():
        results = json.loads((out / "results.json").read_text())
    shown = sorted({*scales, *(int(k[:-1]) for k in results)})
    for k in scales:
        results.setdefault(f"{k}x", {})
        for p in [p for p in args.pipelines.split(",") if p]:
            if f"{k}x:{p}" in skip:
                results[f"{k}x"].setdefault(p, {"skipped": "--skip"})
                continue
            print(f"bench: {k}x {p} ...", flush=True)
            r = run_pipeline(p, files[k], out, layout.root, args.limit, args.validation_limit)
            results[f"{k}x"][p] = r
            print(f"  {json.dumps(r)[:400]}", flush=True)
        compare(out, k, results)
        (out / "results.json").write_text(json.dumps(results, indent=1))
        (out / "results.md").write_text(table(results, shown, args.limit))
    sys.stdout.write(table(results, shown, args.limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
