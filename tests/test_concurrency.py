"""Concurrent commands never leave a half-written build/: two builds at once
wait for each other on the build lock (goinglocal.buildlock), and a build
while `goinglocal serve` answers leaves both the endpoint and build/ whole."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

from conftest_serve import knowledge_graph, private_copy, start_server, wait_until
from goinglocal.buildlock import build_lock
from goinglocal.questions import load_questions
from goinglocal.reason import ClosureCache, default_reasoner, input_key

GOINGLOCAL = Path(sys.executable).parent / "goinglocal"


def assert_complete(out: Path, layout) -> None:
    """Every output of a build, consistent with itself and with the closure
    cache, and no staging folder left."""
    import csv
    questions = load_questions(layout)
    for name in questions:
        rows = list(csv.DictReader(open(out / "answers" / f"{name}.csv", encoding="utf-8")))
        data = json.loads((out / "answers" / f"{name}.json").read_text(encoding="utf-8"))
        assert data["rows"] == rows, name
    index = (out / "answers" / "index.md").read_text(encoding="utf-8")
    assert all(f"[{name}]({name}.csv)" in index for name in questions)
    for path in ("graph/asserted.ttl", "graph/asserted.nt", "graph/closure.nt", "graph/inferred.nt",
                 "reports/validation.txt", "reports/validation.json", "reports/checks.txt", "stats.txt"):
        assert (out / path).stat().st_size > 0, path
    json.loads((out / "stats.json").read_text(encoding="utf-8"))
    cached = ClosureCache(layout).read(input_key(layout, default_reasoner()))
    assert cached is not None, "the closure cache is not whole"
    assert (out / "graph" / "closure.nt").read_bytes() == cached.closure_nt
    leftovers = [p.name for p in out.parent.glob(f".{out.name}.*-*")]
    assert leftovers == []


def test_two_builds_at_once_wait_for_each_other_and_leave_a_complete_build(layout, tmp_path):
    out = tmp_path / "out"
    logs = [tmp_path / "first.err", tmp_path / "second.err"]
    env = dict(os.environ, GOINGLOCAL_HOME=str(layout.root))
    with build_lock(out):  # both builds start while the output is locked, so they surely overlap
        builds = []
        for log in logs:
            with open(log, "wb") as err:
                builds.append(subprocess.Popen([str(GOINGLOCAL), "build", "--out", str(out)], env=env,
                                               stdout=subprocess.DEVNULL, stderr=err))
        assert wait_until(lambda: all("waiting for goinglocal pid" in log.read_text() for log in logs), 600), \
            [log.read_text() for log in logs]
    for build, log in zip(builds, logs):
        assert build.wait(900) == 0, log.read_text()
        assert "Traceback" not in log.read_text()
    assert_complete(out, layout)


def count(endpoint: str, query: str) -> int:
    url = endpoint + "?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=120) as resp:
        return int(json.loads(resp.read())["results"]["bindings"][0]["n"]["value"])


def test_a_build_while_serve_answers_leaves_both_whole(tmp_path):
    from goinglocal.paths import Layout
    home = private_copy(tmp_path)  # the build rewrites build/: not the snapshot other tests read
    running = start_server(home)
    try:
        total = knowledge_graph().closure.closure_triples
        build = subprocess.Popen([str(GOINGLOCAL), "build"], env=dict(os.environ, GOINGLOCAL_HOME=str(home)),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        answered = 0
        while build.poll() is None:  # the endpoint keeps answering, exactly, during the build and its swap
            assert count(running.endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == total
            answered += 1
        assert build.returncode == 0, build.stderr.read().decode()
        assert answered > 0
        assert count(running.endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == total
        with urllib.request.urlopen(running.base + "/answers/index.md", timeout=60) as resp:
            assert resp.read().startswith(b"# Answers")
        assert_complete(home / "build", Layout(home))
    finally:
        running.stop()
