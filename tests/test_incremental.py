"""After an edit under instances/, the closure is extended from the cached
one when triples were only added, and recomputed when one was removed; both
ways give the closure a full recompute gives. A build after an edit validates
again only the nodes the edit can affect and reports what a full validation
reports."""

import shutil
from pathlib import Path

import pytest

from goinglocal import reason
from goinglocal.build import run_build
from goinglocal.incremental import _ground
from goinglocal.load import load_dataset
from goinglocal.paths import Layout
from goinglocal.store import KnowledgeGraph
from goinglocal.validate import validate_dataset

ROOT = Path(__file__).resolve().parents[1]
NEW_NODE = """
<org/cn/incremental-test-office> a gl:Organization ; rdfs:label "Incremental test office"@en ;
    gl:partOfOrganization <org/cn/ccpit> ; gl:evidence <source/myers-2020/fn/1> .
"""


@pytest.fixture
def home(tmp_path_factory) -> Layout:
    """A copy of the repository for each test: under xdist the tests of this
    module run on different workers, so none may depend on another's edit."""
    home = tmp_path_factory.mktemp("incremental-repo")
    for name in ("ontology", "shapes", "instances", "queries"):
        shutil.copytree(ROOT / name, home / name)
    shutil.copy(ROOT / "pyproject.toml", home / "pyproject.toml")
    return Layout(home)


def same_closure(a: reason.Closure, b: reason.Closure) -> bool:
    """Same triples; blank nodes (ontology restrictions) are relabelled by
    every load, so those are compared by count."""
    blank = lambda nt: sum(1 for line in nt.splitlines() if b"_:" in line)  # noqa: E731
    return _ground(a.closure_nt) == _ground(b.closure_nt) and blank(a.closure_nt) == blank(b.closure_nt)


@pytest.mark.parametrize("preloaded", [False, True], ids=["cache-read-then-loaded", "cache-preloaded-on-a-thread"])
def test_added_triples_extend_the_closure_as_a_full_recompute_would(home, preloaded):
    reason.closure_for(home)
    target = home.instances_dir / "cases" / "jujuy.ttl"
    target.write_text(target.read_text() + NEW_NODE)
    extended = reason.closure_for(home, previous=reason.PreviousClosure(home) if preloaded else None)
    assert extended.incremental and not extended.from_cache
    full = reason.compute(load_dataset(home))
    assert same_closure(extended, full)
    assert extended.closure_triples == full.closure_triples > extended.asserted_triples
    assert extended.errors == full.errors
    # the new office is Chinese through partOf CCPIT: an inference the extension made
    assert b"<https://w3id.org/goinglocal/id/org/cn/incremental-test-office> " \
           b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/goinglocal/ontology#ChineseActor>" \
           in extended.closure_nt
    assert reason.closure_for(home).from_cache  # and it was cached


def test_an_unchanged_repository_gets_the_preloaded_closure_with_its_store(home):
    made = reason.closure_for(home)
    again = reason.closure_for(home, previous=reason.PreviousClosure(home))
    assert again.from_cache and again.closure_nt == made.closure_nt
    kg = KnowledgeGraph(again)  # takes the store the thread loaded
    assert again.store is None and len(kg.store) == made.closure_triples


def test_a_removed_triple_recomputes_the_closure(home):
    target = home.instances_dir / "cases" / "jujuy.ttl"
    target.write_text(target.read_text() + NEW_NODE)
    reason.closure_for(home)
    target.write_text(target.read_text().replace(NEW_NODE, "\n"))
    recomputed = reason.closure_for(home)
    assert not recomputed.incremental and not recomputed.from_cache
    assert same_closure(recomputed, reason.compute(load_dataset(home)))
    assert b"incremental-test-office" not in recomputed.closure_nt


def test_build_after_an_edit_validates_the_affected_nodes_only(home):
    run_build(home, home.build_dir)  # caches the validation
    target = home.instances_dir / "cases" / "jujuy.ttl"
    target.write_text(target.read_text() + NEW_NODE.replace("gl:evidence <source/myers-2020/fn/1> ", ""))
    summary = run_build(home, home.build_dir)
    assert summary.incremental and summary.revalidated is not None
    assert 0 < summary.revalidated < 1000
    dataset = load_dataset(home)
    full = validate_dataset(dataset, home, closure_errors=reason.closure_for(home).errors)
    built = (home.build_dir / "reports" / "validation.json").read_text()
    from goinglocal.validate import report_json
    assert built == report_json(full)
    assert "Incremental test office" in built  # the missing evidence is reported


def test_the_closures_inconsistencies_join_the_early_validation_report(home):
    target = home.instances_dir / "cases" / "jujuy.ttl"
    # an organization typed as a person too: disjoint classes in the ontology
    target.write_text(target.read_text() + NEW_NODE + "\n<org/cn/incremental-test-office> a gl:Person .\n")
    summary = run_build(home, home.build_dir)
    closure = reason.closure_for(home)
    assert closure.errors and not summary.conforms
    full = validate_dataset(load_dataset(home), home, closure_errors=closure.errors)
    from goinglocal.validate import report_json
    assert (home.build_dir / "reports" / "validation.json").read_text() == report_json(full)
    assert "contradicts the ontology" in report_json(full)
