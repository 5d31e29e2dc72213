"""What changed in the graph between builds, kept as steps.

Each build compares its graph (the N-Quads it writes to graph/) with the
previous build's and records the step: the quads removed and added, and
the sha256 of the graph before and after. The last two steps are kept in
build/cache/graph-steps.json, so a build can tell what changed since the
previous build (the answers it may keep, goinglocal.answercache) and since
the build before that (the spare site's pages, goinglocal.site.changes)
without keeping or comparing whole graphs twice. A chain of steps that does
not lead from the graph asked for to the new one gives None: everything is
made again.

Quads with blank nodes (the ontology's anonymous classes, whose labels
change with every load) are compared with their labels left out, and only
those whose count differs are reported; as changed triples their blank
nodes stand for any node (goinglocal.querydelta.ANY)."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox

STEPS_FORMAT = "goinglocal-graph-steps-1"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def sha(nquads: bytes) -> str:
    return hashlib.sha256(nquads).hexdigest()


_BLANK_LABEL = re.compile(rb"(?:^|(?<= ))_:\S+")


def _skeleton(line: bytes) -> bytes | str | None:
    """The quad of an N-Quads line with its blank node labels left out, to
    compare quads across loads; None when it has no blank node. A line
    without a literal holds only IRIs and blank nodes, each token a term, so
    its text does; a line with a literal (a quoted "_:" could be its text) is
    parsed."""
    if b"_:" not in line:
        return None
    if b'"' not in line:
        return _BLANK_LABEL.sub(b"_:", line)
    quad = next(iter(ox.parse(line + b"\n", format=ox.RdfFormat.N_QUADS)))
    if not (isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)):
        return None
    return " ".join("_:" if isinstance(t, ox.BlankNode) else str(t)
                    for t in (quad.subject, quad.predicate, quad.object, quad.graph_name))


def changed_lines(before: bytes, after: bytes) -> tuple[bytes, bytes]:
    """(removed, added) N-Quads lines between two graphs written the same
    way; lines with blank nodes only where the count of their skeletons
    (_skeleton) differs."""
    old, new = set(before.splitlines()), set(after.splitlines())
    old.discard(b"")
    new.discard(b"")
    gone, came = sorted(old - new), sorted(new - old)
    gone_s, came_s = [_skeleton(line) for line in gone], [_skeleton(line) for line in came]
    counts = Counter(s for s in gone_s if s is not None)
    counts.subtract(s for s in came_s if s is not None)
    differs = {k for k, n in counts.items() if n}
    keep = lambda lines, skeletons: b"".join(line + b"\n" for line, s in zip(lines, skeletons)  # noqa: E731
                                             if s is None or s in differs)
    return keep(gone, gone_s), keep(came, came_s)


@dataclass
class Step:
    before: str      # sha256 of the graph before
    after: str       # and after
    removed: bytes   # N-Quads lines
    added: bytes

    def to_json(self) -> dict:
        return {"before": self.before, "after": self.after,
                "removed": self.removed.decode("utf-8"), "added": self.added.decode("utf-8")}

    @staticmethod
    def from_json(data: dict) -> "Step":
        return Step(data["before"], data["after"], data["removed"].encode("utf-8"), data["added"].encode("utf-8"))


@dataclass
class Change:
    """Quads removed and added between two graphs (over one or more steps:
    a quad changed in any step counts as changed)."""
    removed: list[ox.Quad]
    added: list[ox.Quad]

    @property
    def triples(self) -> list[tuple]:
        return [(q.subject, q.predicate, q.object) for q in self.removed + self.added]

    def relabelled(self) -> set[str]:
        """IRIs whose rdfs:label triples changed."""
        return {q.subject.value for q in self.removed + self.added
                if isinstance(q.subject, ox.NamedNode) and q.predicate.value == RDFS_LABEL}


REMOVED = ox.NamedNode("urn:goinglocal:removed-since")


@contextmanager
def with_removed(store: ox.Store, change: Change) -> Iterator[ox.Store]:
    """The store with the removed triples back, in a graph of their own, for
    as long as the block runs: the graph after the change plus what was
    removed holds every solution of both graphs (goinglocal.querydelta)."""
    store.extend(ox.Quad(q.subject, q.predicate, q.object, REMOVED) for q in change.removed
                 if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode))
    try:
        yield store
    finally:
        store.remove_graph(REMOVED)


def _quads(lines: bytes) -> list[ox.Quad]:
    return list(ox.parse(lines, format=ox.RdfFormat.N_QUADS)) if lines.strip() else []


class KeptFromGraph:
    """A JSON file of what a build made from its graph, for the next build
    to keep where no change reaches it: trusted only for the graph with the
    sha256 it names, and for code with the same key (versions.code_key)."""

    def __init__(self, path: Path, code: str):
        self.path, self.code = path, code

    def read(self, graph: str | None):
        """What was kept for the graph with this sha256 (None if nothing, or not for it)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("graph") != graph or data.get("code") != self.code:
            return None
        return data.get("kept")

    def save(self, graph: str, kept) -> None:
        from goinglocal.reason import write_atomic
        write_atomic(self.path, json.dumps({"graph": graph, "code": self.code, "kept": kept},
                                           ensure_ascii=False).encode("utf-8"))


class GraphSteps:
    """The last two steps, in build/cache/graph-steps.json."""

    def __init__(self, cache_dir: Path):
        self.path = cache_dir / "graph-steps.json"
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.steps = [Step.from_json(s) for s in data["steps"]] if data.get("format") == STEPS_FORMAT else []
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.steps = []

    def record(self, previous: bytes | None, graph: bytes, known: tuple[str, bytes, bytes] | None = None) -> Step | None:
        """The step from the previous build's graph to this one (None if there
        was none). known: (the sha256 of a graph, the N-Quads lines removed
        from it, those added) that lead to this one, as extending a closure
        tells (goinglocal.reason.Extension): used when the previous graph is
        that one, instead of comparing the two graphs."""
        if previous is None:
            return None
        if known is not None and known[0] == (before := sha(previous)):
            return Step(before, sha(graph), known[1], known[2])
        removed, added = changed_lines(previous, graph)
        return Step(sha(previous), sha(graph), removed, added)

    def save(self, step: Step | None) -> None:
        """Keep this step and the one before it (if they chain), after the build succeeded."""
        from goinglocal.reason import write_atomic
        chain = [s for s in self.steps[-1:] if step is not None and s.after == step.before] + ([step] if step else [])
        write_atomic(self.path, json.dumps({"format": STEPS_FORMAT, "steps": [s.to_json() for s in chain]}).encode())

    def since(self, before: str, step: Step | None) -> Change | None:
        """What changed from the graph with sha `before` to the graph `step`
        leads to: this step alone, or the last recorded step and this one."""
        if step is None:
            return None
        chain = [step] if step.before == before else \
            [self.steps[-1], step] if self.steps and self.steps[-1].before == before and self.steps[-1].after == step.before \
            else None
        if chain is None:
            return None
        removed, added = [], []
        for s in chain:
            removed += _quads(s.removed)
            added += _quads(s.added)
        return Change(removed, added)
