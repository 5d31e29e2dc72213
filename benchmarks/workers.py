"""The bench's data preparation and the workers that run one pipeline at one
scale, each in its own process (started by bench.py with --worker)."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

ID_BASE = "https://w3id.org/goinglocal/id/"
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
            from fastreason import reasonable_closure  # benchmarks/, beside this file
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


