"""`goinglocal diff [--against REF]`: what the working tree changes compared
with a git ref (default HEAD). Both sides are built the same way (asserted
graph, OWL-RL closure, every question with its default parameters); the
report lists the asserted and the inferred triples added and removed, and
each question's rows added and removed, in the expected files' row format.

The ref is read with `git archive` into a temporary folder that is always
removed; the user's working tree, index and build/ are not touched (the
working tree's own closure cache under build/cache is reused or refreshed,
as `ask` does)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from goinglocal.errors import GoinglocalError
from goinglocal.expected import RowChanges, answer_csv, row_changes
from goinglocal.namespaces import ID_BASE, ONTOLOGY_BASE
from goinglocal.paths import Layout

INPUT_DIRS = ("ontology", "shapes", "instances", "queries")
PREFIXES = {ONTOLOGY_BASE: "gl:", "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
            "http://www.w3.org/2000/01/rdf-schema#": "rdfs:", "http://www.w3.org/2002/07/owl#": "owl:",
            "http://www.w3.org/2004/02/skos/core#": "skos:", "http://www.w3.org/2001/XMLSchema#": "xsd:"}


class GitError(GoinglocalError):
    """A ref that git does not know, or a folder that is not a git repository."""


@dataclass
class Snapshot:
    """One side of the diff: triples as canonical N-Triples lines, and each question's answer as CSV."""

    asserted: set[str]
    inferred: set[str]
    answers: dict[str, str | None]   # None: the question failed on this side
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class Diff:
    ref: str
    commit: str
    asserted_added: list[str]
    asserted_removed: list[str]
    inferred_added: list[str]
    inferred_removed: list[str]
    questions: list[RowChanges]
    unchanged: int
    errors: dict[str, str]


def _git(root: Path, *args: str) -> bytes:
    try:
        result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed", "install git, or compare two builds by hand") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {' '.join(args[:2])}: {message[-1] if message else 'failed'}",
                       "give a commit, branch or tag the repository has (e.g. --against HEAD~1 or --against main)")
    return result.stdout


def export_ref(root: Path, ref: str, into: Path) -> str:
    """Write the input folders of `ref` into `into`; return the commit's short hash."""
    _git(root, "rev-parse", "--git-dir")  # "not a git repository" comes from here
    try:
        commit = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").decode().strip()
    except GitError:
        raise GitError(f"unknown git ref {ref!r}: no commit of that name",
                       "give a commit, branch or tag (e.g. --against HEAD~1 or --against main); "
                       "`git log --oneline` lists commits") from None
    present = set(_git(root, "ls-tree", "--name-only", commit).decode().split())
    paths = [d for d in INPUT_DIRS if d in present]
    if "ontology" not in paths:
        raise GitError(f"{ref} has no ontology/ folder", "give a ref of this repository's history that has the data")
    archive = _git(root, "archive", "--format=tar", commit, "--", *paths)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    (into / "pyproject.toml").write_text("# exported by goinglocal diff\n", encoding="utf-8")
    return commit[:12]


def _canonical(closure_nt: bytes):
    """A function from an N-Triples line of this closure to the same line with
    blank nodes renamed by what they say (their outgoing triples anywhere in
    the closure, recursively), so the same ontology restriction gets the same
    name on both sides however the parser labelled it."""
    import pyoxigraph as ox
    with_blank = b"\n".join(line for line in closure_nt.splitlines() if b"_:" in line) + b"\n"
    outgoing: dict[str, list[tuple[str, object]]] = {}
    for t in ox.parse(with_blank, format=ox.RdfFormat.N_TRIPLES):
        if isinstance(t.subject, ox.BlankNode):
            outgoing.setdefault(t.subject.value, []).append((str(t.predicate), t.object))
    # colour refinement (Weisfeiler-Leman): a blank node's name is a hash of its
    # outgoing triples, with blank objects by their previous round's name;
    # three rounds tell apart restrictions and the cells of property-chain lists
    names = {blank: "" for blank in outgoing}
    for _ in range(3):
        names = {blank: "b" + hashlib.sha1("\n".join(sorted(
                    f"{p} {names.get(o.value, '') if isinstance(o, ox.BlankNode) else o}" for p, o in edges)
                 ).encode()).hexdigest()[:12] for blank, edges in outgoing.items()}

    def name(blank: str) -> str:
        return names.get(blank, "bleaf")  # no outgoing triples: nothing to tell it by

    def term(node) -> str:
        return f"_:{name(node.value)}" if isinstance(node, ox.BlankNode) else str(node)

    def canonical(lines: bytes) -> set[str]:
        text = [line.strip() for line in lines.decode("utf-8").splitlines() if line.strip()]
        plain = {line for line in text if "_:" not in line}
        blank = "\n".join(line for line in text if "_:" in line).encode() + b"\n"
        return plain | {f"{term(t.subject)} {t.predicate} {term(t.object)} ."
                        for t in ox.parse(blank, format=ox.RdfFormat.N_TRIPLES)}
    return canonical


def snapshot(layout: Layout, use_cache: bool) -> Snapshot:
    from goinglocal.questions import load_questions
    from goinglocal.reason import closure_for
    from goinglocal.store import KnowledgeGraph, inferred_only
    closure = closure_for(layout, use_cache=use_cache)
    kg = KnowledgeGraph(closure)
    answers: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    for name, question in sorted(load_questions(layout).items()):
        try:
            answers[name] = answer_csv(kg, question)
        except GoinglocalError as exc:  # e.g. a default parameter that no longer names anything
            answers[name], errors[name] = None, exc.message
    canonical = _canonical(closure.closure_nt)
    return Snapshot(canonical(closure.asserted_nt), canonical(inferred_only(closure)), answers, errors)


def compute_diff(layout: Layout, ref: str = "HEAD") -> Diff:
    work = snapshot(layout, use_cache=True)
    tmp = Path(tempfile.mkdtemp(prefix="goinglocal-diff-"))
    try:
        commit = export_ref(layout.root, ref, tmp)
        old = snapshot(Layout(tmp), use_cache=False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    changes = []
    for name in sorted(set(old.answers) | set(work.answers)):
        before = old.answers.get(name) if name in old.answers else None
        after = work.answers.get(name) if name in work.answers else None
        if before is None and after is None:
            continue
        c = row_changes(name, before, after)
        if name in old.answers and name not in work.answers:
            c.note = "question removed"
        elif name not in old.answers:
            c.note = "new question"
        elif before is None or after is None:
            c.note = "fails " + ("before" if before is None else "now")
        if c.changed:
            changes.append(c)
    errors = {f"{name} (at {ref})": e for name, e in old.errors.items()}
    errors.update({f"{name} (working tree)": e for name, e in work.errors.items()})
    return Diff(ref, commit, sorted(work.asserted - old.asserted), sorted(old.asserted - work.asserted),
                sorted(work.inferred - old.inferred), sorted(old.inferred - work.inferred),
                changes, len(set(old.answers) | set(work.answers)) - len(changes), errors)


def turtle_ish(line: str) -> str:
    """An N-Triples line with the project's prefixes and id-space IRIs relative, as in the instance files."""
    def shorten(token: str) -> str:
        if token.startswith("<") and token.endswith(">"):
            iri = token[1:-1]
            if iri.startswith(ID_BASE):
                return f"<{iri[len(ID_BASE):]}>"
            for base, prefix in PREFIXES.items():
                if iri.startswith(base) and all(ch.isalnum() or ch in "-_" for ch in iri[len(base):]):
                    return prefix + iri[len(base):]
        return token
    tokens = re.findall(r'"(?:[^"\\]|\\.)*"(?:\^\^<[^>]*>|@[\w-]+)?|<[^>]*>|_:\S+|\.', line)
    out = []
    for token in tokens[:-1] if tokens and tokens[-1] == "." else tokens:
        if token.startswith('"') and "^^<" in token:
            value, datatype = token.rsplit("^^", 1)
            token = value + "^^" + shorten(datatype)
        out.append(shorten(token))
    return " ".join(out) + " ."


def report_text(diff: Diff, limit: int = 50) -> str:
    lines = [f"goinglocal diff: the working tree against {diff.ref} ({diff.commit})", ""]

    def section(title: str, added: list[str], removed: list[str]) -> None:
        lines.append(f"{title}: +{len(added)} -{len(removed)}")
        shown = 0
        for sign, triples in (("-", removed), ("+", added)):
            for t in triples:
                if limit and shown >= limit:
                    break
                lines.append(f"  {sign} {turtle_ish(t)}")
                shown += 1
        hidden = len(added) + len(removed) - shown
        if hidden > 0:
            lines.append(f"  ... and {hidden} more (--limit 0 shows all; --format json lists all)")

    section("asserted triples (ontology and instances)", diff.asserted_added, diff.asserted_removed)
    section("inferred triples (the OWL-RL closure adds)", diff.inferred_added, diff.inferred_removed)
    lines.append("")
    total = diff.unchanged + len(diff.questions)
    lines.append(f"questions: {len(diff.questions)} of {total} answer differently")
    for c in diff.questions:
        lines.append(c.text())
    for where, message in sorted(diff.errors.items()):
        lines.append(f"  ! {where}: {message}")
    if diff.questions:
        names = " ".join(c.name for c in diff.questions if c.note != "question removed")
        lines += ["", f"if these answers change on purpose: goinglocal expected update {names}"]
    return "\n".join(lines) + "\n"


def report_json(diff: Diff) -> str:
    return json.dumps({
        "against": diff.ref, "commit": diff.commit,
        "asserted": {"added": [turtle_ish(t) for t in diff.asserted_added],
                     "removed": [turtle_ish(t) for t in diff.asserted_removed]},
        "inferred": {"added": [turtle_ish(t) for t in diff.inferred_added],
                     "removed": [turtle_ish(t) for t in diff.inferred_removed]},
        "questions": [c.as_json() for c in diff.questions],
        "questions_unchanged": diff.unchanged, "errors": diff.errors}, ensure_ascii=False, indent=1) + "\n"
