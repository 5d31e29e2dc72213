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

def vocabulary_iris(layout) -> set[bytes]:
    """IRIs in the id namespace that the ontology's files define (the SKOS
    concepts of the controlled vocabularies: statuses, roles, bid outcomes ...)
    or that a shape names (sh:in ( <place/cn> <place/tw> ))."""
    import pyoxigraph as ox
    found = set()
    for path in layout.ontology_files() + layout.shape_files():
        for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            terms = (t.subject,) if path in layout.ontology_files() else (t.subject, t.object)
            found.update(term.value[len(ID_BASE):].encode() for term in terms
                         if isinstance(term, ox.NamedNode) and term.value.startswith(ID_BASE))
    return found


DEFECT_EVERY = 60  # one node in this many of each copy gets one defect (see defective)
LABEL = b"<http://www.w3.org/2000/01/rdf-schema#label>"
EVIDENCE = b"<https://w3id.org/goinglocal/ontology#evidence>"


def defective(line: bytes) -> bytes | None:
    """The line as a careless contributor might have left it, for one node
    in DEFECT_EVERY (chosen by a hash of the subject): its label or its
    evidence left out (None). The copies then give both engines real
    results to agree on. (Literals the engines read differently, such as a
    date in month 13, are compared by tests/test_shacl_engines.py; here they
    would make pySHACL redo those nodes, a cost the clean data never pays.)"""
    import zlib
    subject, predicate, _ = line.split(b" ", 2)
    pick = zlib.crc32(subject) % DEFECT_EVERY
    if (pick == 0 and predicate == LABEL) or (pick == 1 and predicate == EVIDENCE):
        return None
    return line


def scaled_ntriples(asserted_nt: bytes, k: int, only_copies: bool = False, keep: set[bytes] = frozenset(),
                    defects: bool = False) -> bytes:
    """Lines whose subject is not an instance IRI (the ontology, including its
    restrictions' owl:hasValue individuals and the vocabularies' concepts,
    `keep`) once; the others k times, renamed, except the IRIs in `keep`.
    (Copying every line that mentions an instance IRI gave each ontology
    restriction k values, and the closure grew as k squared; renaming the
    vocabularies' concepts made every copy fail the shapes' sh:in lists.)
    With `defects`, the copies (never the real graph, copy 0) carry a few
    defects (`defective`), so that validation has results to compare."""
    pattern = re.compile(rb"<" + re.escape(ID_BASE.encode()) + rb"([^>]*)>")
    subject = b"<" + ID_BASE.encode()
    lines = [l for l in asserted_nt.splitlines() if l.strip()]
    own = lambda l: l.startswith(subject) and l[len(subject):l.index(b">")] not in keep  # noqa: E731
    shared = [l for l in lines if not own(l)]
    instance = [l for l in lines if own(l)]
    out = [] if only_copies else shared + instance
    rename = lambda m: m[0] if m[1] in keep else b"<" + ID_BASE.encode() + m[1] + suffix + b">"  # noqa: E731
    for copy in range(1, k):
        suffix = f"-x{copy}".encode()
        copied = (_relabel(pattern.sub(rename, l), copy) for l in instance)
        out.extend(l for l in (map(defective, copied) if defects else copied) if l is not None)
    return b"\n".join(out) + b"\n"


LABELS = (b"<http://www.w3.org/2000/01/rdf-schema#label> ", b"<http://www.w3.org/2004/02/skos/core#altLabel> ")


def _relabel(line: bytes, copy: int) -> bytes:
    """A copy's label or alternative label says which copy it is, as a
    bigger dataset would not hold ten nodes named alike: a question's
    default parameter ("Gerardo Morales") still names one node."""
    if any(p in line for p in LABELS) and (end := line.rfind(b'"')) > 0:
        return line[:end] + f" (copy {copy})".encode() + line[end:]
    return line


def prepare(layout, out: Path, scales: list[int]) -> dict:
    from goinglocal import answers
    from goinglocal.questions import load_questions
    from goinglocal.reason import closure_for
    from goinglocal.store import KnowledgeGraph
    closure = closure_for(layout)
    files = {}
    for k in scales:
        path = out / f"data-{k}x.nt"
        data = scaled_ntriples(closure.asserted_nt, k, keep=vocabulary_iris(layout), defects=True)
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

def shacl_results(data, layout, engine: str) -> tuple[bool, list[list[str]]]:
    """The shapes over the asserted graph (N-Triples bytes or an rdflib graph)
    on one engine of goinglocal.shacl_engines, as `goinglocal validate` runs
    them; the results as sorted (severity, shape, focus node, path, value,
    component, message) rows."""
    from rdflib import Graph
    from goinglocal import shacl_engines as se
    from goinglocal.validate import load_shapes
    source = se.Data(graph=data) if isinstance(data, Graph) else se.Data(path=data) if isinstance(data, Path) else se.Data(nt=data)
    results = se.validate(load_shapes(layout), source, engine)
    rows = {tuple(_text(x) for x in (*r.key(), r.message)) for r in results}
    conforms = not any(r.severity == "Violation" for r in results)
    return conforms, [list(r) for r in sorted(rows)]


def _text(term) -> str:
    from rdflib import BNode
    from goinglocal.shacl_engines import Inverse
    if term is None:
        return ""
    if isinstance(term, BNode):
        return "(blank)"
    if isinstance(term, tuple):
        return "|".join(_text(t) for t in term)
    if isinstance(term, Inverse):
        return "^" + str(term.iri)
    return str(term)


def record_validation(out: Path, name: str, data: Path, conforms: bool, rows: list) -> dict:
    (out / f"validation-{name}-{data.stem}.json").write_text(json.dumps(rows))
    shapes: dict[str, int] = {}
    for row in rows:
        shapes[row[1]] = shapes.get(row[1], 0) + 1
    return {"conforms": conforms, "validation_results": len(rows), "shapes_firing": shapes}


def validation_worker(pipeline: str, data: Path, out: Path, layout, engine: str) -> None:
    """The validation stage of the project pipeline in its own process, with
    its own limit: the project's default engine (the store engine, reading the N-Triples
    as they are), or the reference (pySHACL on an rdflib parse, stage
    "validation-reference") whose results the bench compares."""
    status_file = out / f"{'validation' if engine != 'pyshacl' else 'reference'}-stage-{pipeline}-{data.stem}.json"
    t = time.perf_counter()
    if engine == "pyshacl":
        from rdflib import Graph
        source = Graph().parse(data=data.read_bytes().decode("utf-8"), format="nt")
    else:
        source = data
    parsed = time.perf_counter() - t
    status_file.write_text(json.dumps({"validation_parse": parsed}))
    conforms, rows = shacl_results(source, layout, engine)
    name = pipeline if engine != "pyshacl" else f"{pipeline}-pyshacl"
    status_file.write_text(json.dumps({"validation_parse": parsed, "validation": time.perf_counter() - t,
                                       **record_validation(out, name, data, conforms, rows), "done": True}))


def edit_worker(data: Path, out: Path, layout) -> None:
    """A repository at this scale (the real files, plus the scaled copies as
    one N-Triples file under instances/), built cold with `goinglocal build`
    (run_build), then one instance file gains a node and it is built again:
    the one-file edit the incremental closure and validation are for."""
    import shutil
    from goinglocal.build import run_build
    from goinglocal.paths import Layout
    k = int(data.stem.split("-")[1].rstrip("x"))
    home = out / f"repo-{k}x"
    shutil.rmtree(home, ignore_errors=True)
    for name in ("ontology", "shapes", "instances", "queries"):
        shutil.copytree(layout.root / name, home / name)
    shutil.copy(layout.root / "pyproject.toml", home / "pyproject.toml")
    if k > 1:
        from goinglocal.reason import closure_for
        copies = scaled_ntriples(closure_for(layout).asserted_nt, k, only_copies=True, keep=vocabulary_iris(layout))
        (home / "instances" / "bench-copies.nt").write_bytes(copies)
    repo = Layout(home)
    status_file = out / f"edit-stage-project-{data.stem}.json"
    times: dict = {}
    cpu = lambda: sum(os.times()[:4])  # noqa: E731 - CPU seconds, the build's child included: the machine is shared, wall time is noisy
    t, c = time.perf_counter(), cpu()
    cold = run_build(repo, home / "build")
    times.update(cli_cold_build=time.perf_counter() - t, cli_cold_build_cpu=cpu() - c)
    status_file.write_text(json.dumps(times))
    target = home / "instances" / "cases" / "jujuy.ttl"
    target.write_text(target.read_text() + "\n<org/cn/bench-edit-office> a gl:Organization ; "
                      "rdfs:label \"Bench edit office\"@en ; gl:partOfOrganization <org/cn/ccpit> ; "
                      "gl:evidence <source/myers-2020/fn/1> .\n")
    t, c = time.perf_counter(), cpu()
    edited = run_build(repo, home / "build")
    times.update(edit_build=time.perf_counter() - t, edit_build_cpu=cpu() - c)
    times.update(edit_incremental=edited.incremental, edit_revalidated=edited.revalidated,
                 edit_site_seconds=edited.site_seconds, edit_site_written=edited.site_written,
                 edit_site_files=edited.site_files, cold_triples=cold.asserted + cold.inferred, done=True)
    status_file.write_text(json.dumps(times))
    shutil.rmtree(home, ignore_errors=True)


def worker(pipeline: str, data: Path, out: Path, root: Path, stage: str | None = None) -> None:
    from rdflib.util import from_n3
    from goinglocal.paths import Layout
    from goinglocal.questions import load_questions
    layout = Layout(root)
    if stage == "validation":
        from goinglocal.shacl_engines import default_engine
        return validation_worker(pipeline, data, out, layout, default_engine())
    if stage == "reference":
        return validation_worker(pipeline, data, out, layout, "pyshacl")
    if stage == "edit":
        return edit_worker(data, out, layout)
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
    conforms, rows = shacl_results(asserted, layout, "pyshacl")
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
    """parse -> closure (and its cache, N-Triples on disk) -> questions (every
    one, on the materialised store) -> warm ask (the cache into a fresh store +
    one question). Validation runs at the same time in a process of its own
    (validation_worker), as `goinglocal build` runs it."""
    import gc
    from goinglocal import answers
    from goinglocal.reason import Closure
    from goinglocal.store import KnowledgeGraph
    started = time.perf_counter()
    cache_asserted = out / f"cache-{pipeline}-{data.stem}-asserted.nt"
    cache_closure = out / f"cache-{pipeline}-{data.stem}-closure.nt"
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
        record("closure", t)
        extra.update(closure_triples=asserted_triples + sum(stats.derived), rounds=stats.rounds,
                     rule_seconds={k: round(v, 2) for k, v in sorted(stats.seconds.items(), key=lambda kv: -kv[1])[:6]})
        t = time.perf_counter()
        kg = KnowledgeGraph.from_store(store)  # questions run where the closure was made
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
        del asserted, closure
        gc.collect()
        t = time.perf_counter()
        kg = KnowledgeGraph(Closure(asserted_nt, closure_nt, asserted_triples, 0, [], False))
        del asserted_nt, closure_nt
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
    record("main_done", started)  # parse + closure + questions: the cold build's main process
    del kg
    gc.collect()

    t = time.perf_counter()  # warm: the closure cache exists; load it and ask, as `goinglocal ask` does
    closure = Closure(cache_asserted.read_bytes(), cache_closure.read_bytes(), asserted_triples,
                      extra["closure_triples"], [], True)
    kg = KnowledgeGraph(closure)
    raw = {k: str(v) for k, v in bindings.get(ask_name, {}).items()}  # IRIs: labels repeat in copies
    answers.render(kg, answers.run(kg, questions[ask_name], raw), "csv")
    record("ask", t)


