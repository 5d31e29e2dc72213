"""`make bench` (python benchmarks/bench.py): time the naive pipeline and the
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
           OWL 2 RL rules by forward chaining (goinglocal.forward), plus writing the closure cache;
           owlrl if GOINGLOCAL_BENCH_PROJECT_REASONER=owlrl) -> all questions (Oxigraph, on the
           materialised store) -> ask = warm: the cached closure N-Triples into Oxigraph + one question, rendered;
           validation (goinglocal.shacl_engines' default engine, "store"; pySHACL as the reference at
           --reference-scales) in a second process started at the same time, with its own limit
  reasonable  as project, closure by `reasonable` (reported, not adopted: see benchmarks/fastreason.py)

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
import subprocess
import sys
import time
from pathlib import Path

ID_BASE = "https://w3id.org/goinglocal/id/"
PIPELINES = ("naive", "project", "reasonable")
STAGES = ("parse", "closure", "questions", "ask", "validation")
ENGINE = os.environ.get("GOINGLOCAL_VALIDATOR") or "store"  # the project's validation engine (shacl_engines.default_engine)
COLD = ("parse", "closure", "validation", "questions")
DEFAULT_SKIP = "100x:naive,100x:reasonable"  # owlrl and reasonable cannot finish at 100x (hours; 24 GB)
QUESTION_LIMIT = int(os.environ.get("GOINGLOCAL_BENCH_QUESTION_SECONDS", "60"))  # naive, per question
SELF = str(Path(__file__).resolve())  # workers are this script run again with --worker / --prepare


# --- driver ----------------------------------------------------------------

STAGE_FILES = {None: "stage", "validation": "validation-stage", "reference": "reference-stage", "edit": "edit-stage"}
QUESTION_TARGET = 2.0  # seconds: no question may take longer at 10x


class Child:
    """One worker process with a wall-clock limit; its peak memory is its ru_maxrss (os.wait4)."""

    def __init__(self, pipeline: str, data: str, out: Path, root: Path, limit: float, stage: str | None = None):
        prefix = STAGE_FILES[stage]
        self.status = out / f"{prefix}-{pipeline}-{Path(data).stem}.json"
        self.status.unlink(missing_ok=True)
        self.limit, self.started = limit, time.perf_counter()
        self.err_path = out / f"stderr-{prefix}-{pipeline}-{Path(data).stem}.txt"
        self.err_file = self.err_path.open("wb")  # a file, not a pipe: a chatty child must not block on a full pipe
        self.proc = subprocess.Popen([sys.executable, SELF, "--worker", pipeline, "--data", data,
                                      "--out", str(out), "--root", str(root)] + (["--stage", stage] if stage else []),
                                     stdout=subprocess.DEVNULL, stderr=self.err_file)
        self.result: dict | None = None

    def poll(self) -> bool:
        """True once the child has ended (or was killed at its limit)."""
        if self.result is not None:
            return True
        pid, wstatus, usage = os.wait4(self.proc.pid, os.WNOHANG)
        killed = False
        if not pid and time.perf_counter() - self.started > self.limit:
            self.proc.kill()
            killed = True
            pid, wstatus, usage = os.wait4(self.proc.pid, 0)
        if not pid:
            return False
        wall = time.perf_counter() - self.started
        returncode = os.waitstatus_to_exitcode(wstatus)
        self.err_file.close()
        err = self.err_path.read_bytes().decode("utf-8", "replace")[-1500:]
        result = json.loads(self.status.read_text()) if self.status.exists() else {}
        result.update(peak_mb=usage.ru_maxrss / 1024, wall=wall, finished=bool(result.get("done")) and not killed,
                      note=f"killed at time limit ({self.limit:.0f} s)" if killed
                      else ("" if returncode == 0 else f"failed: {err}"))
        self.result = result
        return True


def run_together(children: list[Child]) -> list[dict]:
    while not all([c.poll() for c in children]):
        time.sleep(0.1)
    return [c.result for c in children]


def run_one(pipeline: str, data: str, out: Path, root: Path, limit: float, stage: str | None = None) -> dict:
    return run_together([Child(pipeline, data, out, root, limit, stage)])[0]


def run_pipeline(pipeline: str, data: str, out: Path, root: Path, limit: float, validation_limit: float,
                 reference: bool = False, edit: bool = False) -> dict:
    """The project's validation runs at the same time as its parse, closure and
    questions, in a process of its own, as `goinglocal build` runs it; its
    cold build is the wall time until both are done."""
    if pipeline == "naive":
        r = run_one(pipeline, data, out, root, limit)
    else:
        r, v = run_together([Child(pipeline, data, out, root, limit),
                             Child(pipeline, data, out, root, validation_limit, stage="validation")])
        r.update({k: v[k] for k in ("validation", "validation_parse", "conforms", "validation_results",
                                    "shapes_firing") if k in v})
        r.update(validation_peak_mb=v["peak_mb"], validation_finished=v["finished"], validation_note=v["note"])
        if "main_done" in r and "validation" in v:
            r["cold_wall"] = max(r["main_done"], v["validation"])  # "validation" includes its parse
    if pipeline == "project" and reference:  # pySHACL on the same data, to compare results
        v = run_one(pipeline, data, out, root, validation_limit, stage="reference")
        r.update(reference_validation=v.get("validation"), reference_peak_mb=v["peak_mb"],
                 reference_finished=v["finished"], reference_note=v["note"])
    if pipeline == "project" and edit:  # goinglocal build cold, one file edited, build again
        v = run_one(pipeline, data, out, root, limit, stage="edit")
        r.update({k: v[k] for k in ("cli_cold_build", "edit_build", "cli_cold_build_cpu", "edit_build_cpu",
                                    "edit_incremental", "edit_revalidated", "edit_site_seconds",
                                    "edit_site_written", "edit_site_files") if k in v})
        r.update(edit_peak_mb=v["peak_mb"], edit_note=v["note"])
    return r


def cold_build(r: dict) -> float | None:
    """The project's: wall time of its two concurrent processes; the naive
    pipeline's: the sum of its stages, run one after the other."""
    if "cold_wall" in r:
        return r["cold_wall"]
    return sum(r[s] for s in COLD) if all(s in r for s in COLD) else None


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
            cold = cold_build(r)
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
    lines += ["", "*cold build: naive = parse + closure + validation + questions, one after the other; "
              "project = wall time of two processes started together, as `goinglocal build` runs them: "
              "parse + closure + questions in one, validation in the other (each stage's own seconds above "
              "were measured while the other process ran). The project's validation "
              f"is goinglocal.shacl_engines ({ENGINE}, the default engine; shapes it cannot run on pySHACL) reading the N-Triples; "
              "the naive pipeline's is pySHACL on its rdflib graph.",
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
        if cold_build(n) and cold_build(p):
            out.append(f"- {k}x cold build naive/project: {cold_build(n) / cold_build(p):.2f}x")
        if cold_build(p):
            target = {10: 10, 100: 180}.get(k)
            verdict = f" (target <= {target} s: {'met' if cold_build(p) <= target else 'NOT met'})" if target else ""
            out.append(f"- {k}x project cold build: {cold_build(p):.2f} s wall{verdict}; "
                       f"stages one after the other would take {sum(p.get(s, 0) for s in COLD):.2f} s")
        if "same_answers" in results.get(f"{k}x", {}):
            out.append(f"- {k}x answers identical naive vs project: {results[f'{k}x']['same_answers']}")
        if "same_validation" in results.get(f"{k}x", {}):
            out.append(f"- {k}x validation results identical naive vs project: {results[f'{k}x']['same_validation']}")
        entry = results.get(f"{k}x", {})
        if "validation_identical_to_pyshacl" in entry:
            out.append(f"- {k}x project validation ({ENGINE}) identical to pySHACL on the same data: "
                       f"{entry['validation_identical_to_pyshacl']} ({entry['validation_compared']}; pySHACL took "
                       f"{fmt(p.get('reference_validation'))} s, {fmt(p.get('reference_peak_mb'))} MB)")
        if "slowest_question" in entry:
            name, seconds = entry["slowest_question"]
            verdict = ("" if k != 10 else f" (target <= {QUESTION_TARGET:.0f} s: "
                       f"{'met' if seconds <= QUESTION_TARGET else 'NOT met'})")
            out.append(f"- {k}x slowest project question: {name} {seconds:.2f} s{verdict}")
        if "edit_build" in p:
            out.append(f"- {k}x `goinglocal build`: cold {fmt(p.get('cli_cold_build'))} s "
                       f"({fmt(p.get('cli_cold_build_cpu'))} s CPU); after a one-file edit {fmt(p['edit_build'])} s "
                       f"({fmt(p.get('edit_build_cpu'))} s CPU; closure extended: {p.get('edit_incremental')}, "
                       f"nodes validated again: {p.get('edit_revalidated')}; site {fmt(p.get('edit_site_seconds'))} s, "
                       f"{p.get('edit_site_written')} of {p.get('edit_site_files')} files written)")
        elif p.get("edit_note"):
            out.append(f"- {k}x one-file edit: {p['edit_note'][:200]}")
        if p.get("finished"):
            peak = max(p["peak_mb"], p.get("validation_peak_mb", 0))
            out.append(f"- {k}x project peak memory: {p['peak_mb']:.0f} MB (parse, closure, questions, ask); "
                       f"validation {p.get('validation_peak_mb', 0):.0f} MB; max {peak:.0f} MB")
    return out + [""]


def summary(results: dict, load: tuple[float, float, float]) -> dict:
    """build/bench/summary.json: per scale and pipeline, each stage's seconds
    and the peak memory, then the ratios and the targets' checks, so that runs
    can be compared."""
    out: dict = {"load_average_at_start": load, "cpus": os.cpu_count(), "scales": {}}
    for scale, entry in results.items():
        s: dict = {}
        for pipeline in PIPELINES:
            r = entry.get(pipeline)
            if not r or r.get("skipped"):
                continue
            stages = {k: round(r[k], 3) for k in (*STAGES, "questions_load", "validation_parse", "reference_validation",
                                                 "cli_cold_build", "edit_build", "cli_cold_build_cpu", "edit_build_cpu")
                      if isinstance(r.get(k), (int, float))}
            cold = cold_build(r)
            s[pipeline] = {
                "seconds": stages, "cold_build_seconds": round(cold, 3) if cold is not None else None,
                "peak_mb": {k: round(r[k]) for k in ("peak_mb", "validation_peak_mb", "reference_peak_mb", "edit_peak_mb")
                            if k in r},
                "finished": r.get("finished"), "note": r.get("note", ""),
                "closure_triples": r.get("closure_triples"), "validation_results": r.get("validation_results"),
                "slowest_questions": r.get("slowest_questions", {}),
                "edit": {k: r[k] for k in ("edit_incremental", "edit_revalidated", "edit_site_seconds",
                                           "edit_site_written", "edit_site_files") if k in r},
                "timed_out": r.get("timed_out", []), "errors": r.get("errors", [])}
        n, p = entry.get("naive", {}), entry.get("project", {})
        ratios = {}
        if n.get("ask") and p.get("ask"):
            ratios["warm_ask_naive_over_project"] = round(n["ask"] / p["ask"], 1)
        if cold_build(n) and cold_build(p):
            ratios["cold_build_naive_over_project"] = round(cold_build(n) / cold_build(p), 2)
        if p.get("reference_validation") and p.get("validation"):
            ratios["validation_pyshacl_over_project"] = round(p["reference_validation"] / p["validation"], 1)
        s["ratios"] = ratios
        s["checks"] = {k: entry[k] for k in ("validation_identical_to_pyshacl", "validation_compared", "same_answers",
                                             "different_questions", "same_validation", "slowest_question") if k in entry}
        if scale == "10x" and p.get("slowest_questions"):
            s["checks"]["no_question_over_2s"] = max(p["slowest_questions"].values()) <= QUESTION_TARGET
        if p.get("finished"):
            cold = cold_build(p)
            s["checks"]["project_cold_build_seconds"] = round(cold, 2) if cold is not None else None
            s["checks"]["project_peak_mb"] = round(max(p.get(k, 0) for k in ("peak_mb", "validation_peak_mb")))
        out["scales"][scale] = s
    return out


def unordered(rows: list[str]) -> list:
    """Rows with each '; '-joined cell as a sorted list: GROUP_CONCAT's order is
    not defined, and rdflib and Oxigraph concatenate in different orders."""
    import ast
    return sorted(repr(tuple(sorted(c.split("; ")) if "; " in c else c for c in ast.literal_eval(row)))
                  for row in rows)


def compare(out: Path, k: int, results: dict) -> None:
    """Answers and validation results of naive and project, when both finished;
    the project's validation (the default engine) against pySHACL's on the same data."""
    entry = results[f"{k}x"]
    files = [out / f"validation-{name}-data-{k}x.json" for name in ("project", "project-pyshacl")]
    if all(f.exists() for f in files) and entry.get("project", {}).get("reference_finished"):
        fast, reference = (json.loads(f.read_text()) for f in files)
        entry["validation_identical_to_pyshacl"] = fast == reference
        entry["validation_compared"] = f"{len(fast)} {ENGINE}, {len(reference)} pySHACL results"
    slowest = entry.get("project", {}).get("slowest_questions", {})
    if slowest:
        entry["slowest_question"] = max(slowest.items(), key=lambda kv: kv[1])
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
    ap = argparse.ArgumentParser(prog="python benchmarks/bench.py", description=__doc__,
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
    ap.add_argument("--reference-scales", default="1,10",
                    help="scales at which pySHACL also validates the project's data, to compare (default 1,10)")
    ap.add_argument("--edit-scales", default="1,10",
                    help="scales at which `goinglocal build` runs cold, then after a one-file edit (default 1,10)")
    ap.add_argument("--out", help="output folder (default build/bench)")
    ap.add_argument("--worker")
    ap.add_argument("--stage", help=argparse.SUPPRESS)
    ap.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--root", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        from workers import worker
        worker(args.worker, Path(args.data), Path(args.out), Path(args.root), args.stage)
        return 0
    from goinglocal.paths import Layout  # stdlib only: the driver stays small, so that
    layout = Layout.discover()            # children's ru_maxrss (inherited across fork) is their own
    out = Path(args.out).resolve() if args.out else layout.build_dir / "bench"
    out.mkdir(parents=True, exist_ok=True)
    scales = [int(s) for s in args.scales.split(",")]
    if args.prepare:
        from workers import prepare
        files = prepare(layout, out, scales)
        (out / "files.json").write_text(json.dumps(files))
        return 0
    files = {}
    if args.reuse_data and (out / "files.json").exists():
        files = {int(k): v for k, v in json.loads((out / "files.json").read_text()).items()}
    if not all(k in files and Path(files[k]).exists() for k in scales):
        print("bench: preparing scaled data (closure of the real graph, question parameters) ...", flush=True)
        subprocess.run([sys.executable, SELF, "--prepare", "--scales", args.scales,
                        "--out", str(out)], check=True)
        files = {int(k): v for k, v in json.loads((out / "files.json").read_text()).items()}
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    load = os.getloadavg()  # the machine is shared: the load is part of the result
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
            r = run_pipeline(p, files[k], out, layout.root, args.limit, args.validation_limit,
                             reference=str(k) in args.reference_scales.split(","),
                             edit=str(k) in args.edit_scales.split(","))
            results[f"{k}x"][p] = r
            print(f"  {json.dumps(r)[:400]}", flush=True)
        compare(out, k, results)
        (out / "results.json").write_text(json.dumps(results, indent=1))
        (out / "results.md").write_text(table(results, shown, args.limit))
        (out / "summary.json").write_text(json.dumps(summary(results, load), indent=1))
    sys.stdout.write(table(results, shown, args.limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
