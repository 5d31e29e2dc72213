"""Faults: an interrupted build, a corrupt or stale closure cache, and the
promise that nothing rewrites the author's files under instances/.

All of it runs on one session-scoped copy of the repository's snapshot
(tests/conftest_serve.py: its data, its closure cache and, as the previous
build's output, a copy of the build made once per run), so no test reasons
from scratch or builds in full; the real build/ is never touched. `link`
with the endpoint down is covered by tests/test_link_endpoint.py::
test_endpoint_down (existing links and cache kept)."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import conftest_serve as cs
from conftest import run_main

from goinglocal.paths import Layout
from goinglocal import reason

COPIED = ("ontology", "shapes", "instances", "queries", "reference")


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def home(tmp_path_factory) -> Path:
    source, _ = cs.built()
    home = tmp_path_factory.mktemp("repo-copy")
    for name in COPIED:
        shutil.copytree(source / name, home / name)
    shutil.copy2(source / "pyproject.toml", home / "pyproject.toml")
    cs.copy_cache(source, home)
    return home


@pytest.fixture(scope="session")
def instances_before(home) -> dict[str, str]:
    return snapshot(home / "instances")


@pytest.fixture(scope="session")
def built(home, instances_before) -> Path:
    """A complete previous build in home/out: the snapshot's (same data), copied."""
    source, _ = cs.built()
    shutil.copytree(source / "build", home / "out", ignore=shutil.ignore_patterns("cache"))
    assert snapshot(home / "out").keys() >= {"answers/index.md", "graph/closure.nt", "site/index.html"}
    return home / "out"


def test_interrupted_build_leaves_previous_output_intact(home, built):
    before = snapshot(built)
    assert "answers/index.md" in before and "graph/closure.nt" in before
    env = {**os.environ, "GOINGLOCAL_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "goinglocal", "build", "--out", str(built)], cwd=home,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    assert proc.poll() is None, "the build finished before it could be interrupted"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert snapshot(built) == before
    # the next build cleans up what the killed one left behind
    leftovers = list(built.parent.glob(f".{built.name}.staging-*"))
    from goinglocal.build import recover_interrupted
    recover_interrupted(built)
    assert not list(built.parent.glob(f".{built.name}.staging-*")), leftovers
    assert snapshot(built) == before


def test_build_killed_between_renames_is_recovered(tmp_path):
    """The one moment a kill could leave no output: out/ moved aside, staging
    not yet renamed. The next build moves the previous output back."""
    from goinglocal.build import recover_interrupted
    out = tmp_path / "out"
    old = tmp_path / ".out.old-999999999"
    (old / "answers").mkdir(parents=True)
    (old / "answers" / "index.md").write_text("# Answers\n")
    (tmp_path / ".out.staging-999999999").mkdir()
    recover_interrupted(out)
    assert (out / "answers" / "index.md").read_text() == "# Answers\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("damage", ["closure edited", "meta key changed", "meta not JSON", "closure missing"])
def test_corrupt_or_stale_cache_is_detected_and_rebuilt(home, built, damage, monkeypatch):
    layout = Layout(home)
    good = reason.closure_for(layout)  # the cache of the copy is valid after the build
    assert good.from_cache
    cache = reason.ClosureCache(layout)
    saved = {p: p.read_bytes() for p in (cache.meta, cache.asserted, cache.closure)}
    try:
        if damage == "closure edited":
            cache.closure.write_bytes(cache.closure.read_bytes().replace(b"Jujuy", b"Jujuj", 1))
        elif damage == "meta key changed":  # as if the ontology changed: no increment from this cache
            cache.meta.write_text(cache.meta.read_text().replace('"key": "', '"key": "0', 1)
                                  .replace('"ontology_key": "', '"ontology_key": "0', 1))
        elif damage == "meta not JSON":
            cache.meta.write_text("{ not json")
        else:
            cache.closure.unlink()
        key = reason.input_key(*([layout] if reason.input_key.__code__.co_argcount == 1
                                 else [layout, reason.default_reasoner()]))
        assert cache.read(key) is None  # detected: the hashes or the key do not match
        computed = []

        def fake_compute(dataset, *args):  # reasoning from scratch takes a minute; the test needs the path, not the work
            computed.append(dataset)
            return reason.Closure(good.asserted_nt, good.closure_nt, good.asserted_triples,
                                  good.closure_triples, good.errors, from_cache=False)

        monkeypatch.setattr(reason, "compute", fake_compute)
        monkeypatch.setattr(reason, "load_dataset", lambda layout: None)
        rebuilt = reason.closure_for(layout)
        assert computed and not rebuilt.from_cache
        again = reason.closure_for(layout)
        assert again.from_cache and again.closure_nt == good.closure_nt
    finally:
        for path, data in saved.items():
            path.write_bytes(data)


def test_nothing_rewrites_instance_files(home, built, instances_before, monkeypatch):
    """validate, ask, stats and build read instances/ and never write it
    (only `goinglocal link` writes instances/links/)."""
    monkeypatch.setenv("GOINGLOCAL_HOME", str(home))
    for args in (("validate",), ("ask", "place-engagements"), ("stats",)):
        result = run_main(*args, cwd=home)
        assert result.returncode in (0, 1), (args, result.stderr[-2000:])
    assert snapshot(home / "instances") == instances_before
