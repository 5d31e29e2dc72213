"""`goinglocal build`: validate, reason, answer every question and write the
outputs. Everything is written into a staging folder first and swapped in by
renames at the end, so an interrupted build leaves the previous output intact;
one build at a time holds the build lock (goinglocal.buildlock)."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from goinglocal import answers, graphdelta
from goinglocal.answercache import AnswerCache, warm_probes
from goinglocal.search import index_entries, keep_entries
from goinglocal.searchcache import SearchCache
from goinglocal.background import Background
from goinglocal.buildlock import build_lock
from goinglocal.checks import run_checks, checks_text
from goinglocal.graphdelta import GraphSteps
from goinglocal.incremental import shacl_problems_after_edit
from goinglocal.load import load_dataset
from goinglocal.paths import Layout
from goinglocal.questions import load_questions
from goinglocal.serve import NQUADS_NAME, to_nquads
from goinglocal.site import MANIFEST, SITE_DIR, SiteWriter, spare_manifest
from goinglocal.site.downloads import file_name
from goinglocal.site.graph_files import graph_files
from goinglocal.site.render import cache_compiled_templates
from goinglocal.reason import PreviousClosure, closure_for
from goinglocal.mentions import find_mentions, report_text
from goinglocal.stats import compute_stats, stats_json, stats_text
from goinglocal.store import KnowledgeGraph, inferred_only
from goinglocal.validate import report_json, report_table, validate_dataset


@dataclass
class BuildSummary:
    out: Path
    asserted: int
    inferred: int
    conforms: bool
    violations: int
    warnings: int
    questions: int
    failed_checks: int
    notes: str
    seconds: float
    from_cache: bool
    incremental: bool = False
    revalidated: int | None = None  # focus nodes validated again after an edit (None: all)
    site_pages: int = 0
    site_seconds: float = 0.0
    site_files: int = 0
    site_written: int = 0      # files whose bytes changed since the spare site (the rest were kept)
    site_profiled: int = 0     # entities profiled again (the others' pages were kept: goinglocal.site.changes)

    def text(self) -> str:
        verdict = "conforms" if self.conforms else f"does NOT conform ({self.violations} violations)"
        checks = "all quality checks empty" if not self.failed_checks else f"{self.failed_checks} quality checks returned rows"
        return (f"goinglocal build: {self.asserted} triples asserted, {self.inferred} inferred"
                f"{' (closure from cache)' if self.from_cache else ''}"
                f"{' (closure extended from the previous one)' if self.incremental else ''}\n"
                f"  validation: {verdict}, {self.warnings} warnings"
                f"{'' if self.revalidated is None else f' ({self.revalidated} nodes validated again after the edit)'}; {checks}\n"
                f"  questions answered: {self.questions}\n"
                f"  notes: {self.notes} (reports/mentions.txt)\n"
                f"  site: {self.out}/site/index.html ({self.site_pages} pages, {self.site_profiled} entities profiled, "
                f"{self.site_written} of {self.site_files} files written, {self.site_seconds:.1f} s)\n"
                f"  output: {self.out}/ (answers/index.md, reports/, graph/, site/, stats.json) in {self.seconds:.1f} s\n")


def _write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)


def swap_in(staging: Path, out: Path) -> None:
    """Replace out/ by staging/ with renames; out/cache (the closure cache)
    and out/screenshots (the browser tests') are kept."""
    for kept in ("cache", "screenshots"):
        if (out / kept).is_dir() and not (staging / kept).exists():
            os.replace(out / kept, staging / kept)
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    if out.exists():
        os.replace(out, old)
    os.replace(staging, out)
    _recycle_site(old, out)
    shutil.rmtree(old, ignore_errors=True)


def _recycle_site(old: Path, out: Path) -> None:
    """Keep the replaced build's site as out/cache/site-spare (with its
    manifest): the next build brings it up to date instead of writing
    thousands of unchanged files again (goinglocal.site.output,
    goinglocal.site.changes). With no replaced site (a first build), the
    spare is the new site's files linked under a second name: the next
    build replaces a changed file by a new one, so the served site keeps its
    bytes."""
    spare = site_spare(out)
    manifest = spare_manifest(spare)
    spare.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(spare, ignore_errors=True)
    manifest.unlink(missing_ok=True)
    if (old / SITE_DIR).is_dir() and (old / MANIFEST).is_file():
        os.replace(old / SITE_DIR, spare)
        os.replace(old / MANIFEST, manifest)
    elif (out / SITE_DIR).is_dir() and (out / MANIFEST).is_file():
        try:
            shutil.copytree(out / SITE_DIR, spare, copy_function=os.link)
            shutil.copyfile(out / MANIFEST, manifest)  # last: it vouches for the files
        except OSError:  # no hard links here: the next build writes the whole site
            shutil.rmtree(spare, ignore_errors=True)


def _same_bytes(path: Path, twin: Path, make) -> None:
    """Write path as a second name of twin, a file of the same bytes the site
    wrote (its download of the asserted graph as Turtle); if that cannot be,
    write make()."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(twin, path)
    except OSError:
        _write(path, make())


def _previous_graph(out: Path) -> bytes | None:
    try:
        return (out / "graph" / NQUADS_NAME).read_bytes()
    except OSError:
        return None


def _extension(closure) -> tuple[str, bytes, bytes] | None:
    """What the closure's extension changed, as GraphSteps.record takes it:
    the sha256 of the graph it started from as the build writes graphs (the
    cache keeps it), and the lines."""
    if (extended := closure.extended) is None:
        return None
    before = extended.before.graph or graphdelta.sha(to_nquads(extended.before))
    return before, extended.removed, extended.added


def site_spare(out: Path) -> Path:
    return out / "cache" / "site-spare"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_interrupted(out: Path) -> None:
    """Clean up after a build that was killed: a staging folder of a process
    that is gone is removed; if the kill came between the two renames of
    swap_in (out/ moved aside, staging not yet in place), the previous output
    is moved back."""
    for leftover in sorted(out.parent.glob(f".{out.name}.*-*")):
        kind, _, pid = leftover.name[len(out.name) + 2:].rpartition("-")
        if not pid.isdigit() or kind not in ("staging", "old") or _alive(int(pid)):
            continue
        if kind == "old" and not out.exists():
            os.replace(leftover, out)
        else:
            shutil.rmtree(leftover, ignore_errors=True)


def run_build(layout: Layout, out: Path) -> BuildSummary:
    """Build into out/, holding the build lock (another build waits)."""
    out = out.resolve()
    with build_lock(out):
        return _build(layout, out)


def _validation(layout: Layout, dataset, cache_dir: Path):
    """The repository validated as its files are: the shapes (only the nodes
    an edit can affect, when a previous validation is cached) and the checks
    of the parsed files. None of it needs the closure, so a build runs it in
    a child forked once the files are parsed, on the core the reasoning
    leaves idle; the report is final unless the closure finds the data
    inconsistent (then the caller adds those problems with validate_dataset).
    Returns the shapes' problems, how many nodes were validated again, and
    the report."""
    import pyoxigraph as ox
    from goinglocal.store import ASSERTED
    store = ox.Store()  # the asserted graph, as the build's store holds it
    store.load(dataset.asserted_nt(), format=ox.RdfFormat.N_TRIPLES, to_graph=ASSERTED)
    asserted_nt = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ASSERTED)
    shacl, revalidated = shacl_problems_after_edit(dataset, layout, asserted_nt, store)
    report = validate_dataset(dataset, layout, closure_errors=[], shacl=shacl)
    # the probes of the questions and the profile queries, for the next build's answers and pages: seconds
    # when none is kept yet, which this child has to spare while the closure is computed
    warm_probes(load_questions(layout), cache_dir)
    return shacl, revalidated, report


def _validation_of(validating: Background, dataset, layout: Layout, closure):
    """The report and how many nodes were validated again: the child's
    (_validation), with the closure's inconsistencies added if it found any."""
    shacl, revalidated, report = validating.result()
    if not closure.errors:
        return report, revalidated
    return validate_dataset(dataset, layout, closure_errors=closure.errors, shacl=shacl), revalidated


def _checks(layout: Layout, kg: KnowledgeGraph):
    """The quality checks and the mention report: work on the closure the
    build does while its site child writes the pages."""
    checks = run_checks(kg, layout)
    notes = find_mentions(kg)
    return checks, notes, report_text(kg, notes)


def _build(layout: Layout, out: Path) -> BuildSummary:
    started = time.perf_counter()
    recover_interrupted(out)
    previous = PreviousClosure(layout, out / "graph" / NQUADS_NAME)  # loads the cached closure on a thread while the files are parsed
    dataset = load_dataset(layout)
    previous.wait()  # no thread may run when the build forks
    validating = Background(_validation, layout, dataset, out / "cache")
    try:
        closure = closure_for(layout, dataset=dataset, previous=previous, save_later=True)
    except BaseException:
        validating.cancel()
        raise
    kg = KnowledgeGraph(closure)

    staging = out.with_name(f".{out.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    site_writer = None
    try:
        cache_compiled_templates(out / "cache" / "templates")
        nquads = to_nquads(closure)
        steps = GraphSteps(out / "cache")
        step = steps.record(_previous_graph(out), nquads, _extension(closure))  # what changed since the last build
        graph_sha, last_sha = (step.after, step.before) if step else (graphdelta.sha(nquads), None)
        since_last = steps.since(last_sha, step) if step else None
        search = SearchCache(out / "cache")  # the search entries, kept where no change reaches them
        keep_entries(kg, search.entries(kg, last_sha, since_last))
        site_writer = SiteWriter(kg, layout, staging, spare=site_spare(out), graph=graph_sha,
                                 since=lambda before: steps.since(before, step))  # its entity pages start now, on the other core
        whole = graph_files(kg)  # the site's downloads are the same bytes (goinglocal.site.graph_files)
        _write(staging / "graph" / "asserted.nt", closure.asserted_nt)
        _write(staging / "graph" / "closure.nt", closure.closure_nt)
        _write(staging / "graph" / "inferred.nt", inferred_only(closure))
        stats = compute_stats(kg)
        _write(staging / "stats.json", stats_json(stats))
        _write(staging / "stats.txt", stats_text(stats))
        questions = load_questions(layout)
        cache = AnswerCache(out / "cache", kg, questions, last_sha, since_last)
        answered = []
        index = ["# Answers", "", "Every question of the library, answered on the OWL 2 RL closure with its default parameters.", "",
                 "| question | parameters used | family | needs | rows | summary |",
                 "| --- | --- | --- | --- | ---: | --- |"]
        for name, question in sorted(questions.items()):
            answer, columns, rows = cache.answer(kg, question)  # kept from the last build if no change reaches it
            cache.write_files(question, answer, columns, rows, staging / "answers", out / "answers")
            answered.append((answer, columns, rows))
            needs = "reasoning" if question.needs_reasoning else "asserted"
            used = answers.parameters_text(kg, answer).replace("|", "\\|") or "none"
            index.append(f"| [{name}]({name}.csv) | {used} | {question.family} | {needs} | {len(rows)} | {question.summary} |")
        _write(staging / "answers" / "index.md", "\n".join(index) + "\n")
        _write(staging / "graph" / NQUADS_NAME, nquads)
        checks, notes, notes_text = _checks(layout, kg)
        if closure.save is not None:  # kept for the next build, while the site child finishes
            closure.save(graph_sha)
        site = site_writer.finish(stats, answered)
        _same_bytes(staging / "graph" / "asserted.ttl", staging / SITE_DIR / "downloads" / file_name("asserted", "ttl"),
                    lambda: whole.asserted_turtle)
        report, revalidated = _validation_of(validating, dataset, layout, closure)
        _write(staging / "reports" / "validation.txt", report_table(report))
        _write(staging / "reports" / "validation.json", report_json(report))
        _write(staging / "reports" / "checks.txt", checks_text(checks))
        _write(staging / "reports" / "mentions.txt", notes_text)
        swap_in(staging, out)
        steps.save(step)
        cache.save(graph_sha)
        search.save(graph_sha, index_entries(kg))
    except BaseException:
        validating.cancel()
        if site_writer is not None:
            site_writer.cancel()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    failed = sum(1 for c in checks if c.rows)
    return BuildSummary(out=out, asserted=closure.asserted_triples, inferred=closure.inferred_triples,
                        conforms=report.conforms, violations=len(report.violations),
                        warnings=len(report.problems) - len(report.violations), questions=len(questions),
                        failed_checks=failed, notes=notes.headline(), seconds=time.perf_counter() - started,
                        from_cache=closure.from_cache, incremental=closure.incremental, revalidated=revalidated,
                        site_pages=site.pages, site_seconds=site.seconds,
                        site_files=site.files, site_written=site.files_written, site_profiled=site.profiled)
