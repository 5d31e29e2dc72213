"""After an edit, the entity pages no changed triple can reach keep their
files without being profiled again (goinglocal.site.changes), and the site
is still the one a full write gives, byte for byte."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

import conftest_serve as cs
from goinglocal.reason import Closure
from goinglocal.serve import NQUADS_NAME, to_nquads
from goinglocal.graphdelta import GraphSteps, sha
from goinglocal.site import MANIFEST, SITE_DIR, spare_manifest, write_site
from goinglocal.stats import compute_stats
from goinglocal.store import KnowledgeGraph

ID = "https://w3id.org/goinglocal/id/"
GL = "https://w3id.org/goinglocal/ontology#"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
WHOLE_GRAPH = ("downloads/goinglocal-", "downloads/void.ttl")  # blank node labels differ between loads


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _lines(nt: bytes, predicate: str) -> list[bytes]:
    return [line for line in nt.splitlines() if line.split(b" ", 2)[1:2] == [f"<{predicate}>".encode()]]


def _edit(closure: Closure, remove: list[bytes], add: list[bytes]) -> KnowledgeGraph:
    def apply(nt: bytes, asserted: bool) -> bytes:
        kept = [line for line in nt.splitlines() if line not in set(remove)]
        return b"\n".join(kept + (add if asserted or nt is closure.closure_nt else [])) + b"\n"
    asserted, full = apply(closure.asserted_nt, True), apply(closure.closure_nt, False)
    return KnowledgeGraph(Closure(asserted, full, 0, 0, [], from_cache=False))


def _spare(tmp_path: Path) -> Path:
    """The shared build's site and manifest as a spare (its files linked, not moved)."""
    root, _ = cs.built()
    spare = tmp_path / "spare"
    shutil.copytree(root / "build" / SITE_DIR, spare, copy_function=os.link)
    shutil.copy(root / "build" / MANIFEST, spare_manifest(spare))
    return spare


def _since(tmp_path: Path, graph: bytes, previous: bytes | None = None):
    """What changed since the shared build's graph (or `previous`), as a build tells the site."""
    root, _ = cs.built()
    steps = GraphSteps(tmp_path)
    step = steps.record(previous or (root / "build" / "graph" / NQUADS_NAME).read_bytes(), graph)
    return lambda before: steps.since(before, step)


def _compare(tmp_path: Path, kg: KnowledgeGraph):
    stats, layout = compute_stats(kg), cs.layout()
    graph = to_nquads(kg.closure)
    updated = write_site(kg, layout, tmp_path / "updated", stats, [], spare=_spare(tmp_path), graph=sha(graph),
                         since=_since(tmp_path, graph))
    fresh = write_site(kg, layout, tmp_path / "fresh", stats, [])
    new, reference = _files(tmp_path / "updated" / SITE_DIR), _files(tmp_path / "fresh" / SITE_DIR)
    assert sorted(new) == sorted(reference)
    assert [rel for rel in reference if new[rel] != reference[rel] and not rel.startswith(WHOLE_GRAPH)] == []
    return updated, fresh, new


@pytest.fixture(scope="module")
def closure() -> Closure:
    return cs.repository_closure()


def test_many_edits_at_once_give_the_full_site_and_profile_few_entities(tmp_path, closure):
    nt = closure.closure_nt
    url = _lines(closure.asserted_nt, GL + "url")[0]              # a citation's link
    date = _lines(closure.asserted_nt, GL + "date")[0]            # an engagement's date
    located = _lines(closure.asserted_nt, GL + "locatedIn")[0]    # a place in the hierarchy
    concerns = _lines(nt, GL + "concernsPlace")[0]               # an inferred link
    gone = re.match(rb"<([^>]+)>", _lines(closure.asserted_nt, GL + "twinnedWith")[0]).group(1)
    person = next(line for line in _lines(closure.asserted_nt, RDFS_LABEL) if line.startswith(f"<{ID}person/".encode()))
    removed_entity = [line for line in nt.splitlines() if line.startswith(b"<" + gone + b">")
                      or line.endswith(b"<" + gone + b"> .")]
    added = [f'<{ID}org/cn/test-office> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{GL}Organization> .'.encode(),
             f'<{ID}org/cn/test-office> <http://www.w3.org/2000/01/rdf-schema#label> "Test office"@en .'.encode(),
             f'<{ID}org/cn/test-office> <{GL}partOfOrganization> <{ID}org/cn/ccpit> .'.encode(),
             url.rsplit(b" ", 2)[0] + b' "https://example.org/moved"^^<http://www.w3.org/2001/XMLSchema#anyURI> .',
             date.rsplit(b" ", 2)[0] + b' "1999-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .',
             b" ".join(person.split(b" ", 2)[:2]) + b' "Renamed Person"@en .']
    kg = _edit(closure, [url, date, located, concerns, person, *removed_entity], added)
    updated, fresh, new = _compare(tmp_path, kg)
    assert "Test office" in new["id/org/cn/ccpit/index.html"].decode()
    assert not any(rel.startswith("id/" + gone.decode()[len(ID):] + "/") for rel in new)
    assert fresh.profiled == fresh.entities
    assert 0 < updated.profiled < fresh.entities / 4  # the rest kept their files unprofiled
    # a class's CSV is kept (the spare's file, linked from the shared build) unless a member changed
    root, _ = cs.built()
    def inode(folder: Path, rel: str) -> int:
        return (folder / SITE_DIR / rel).stat().st_ino
    kept = {rel for rel in new if rel.startswith("downloads/csv/")
            and inode(tmp_path / "updated", rel) == inode(root / "build", rel)}
    assert "downloads/csv/Person.csv" not in kept and "Renamed Person" in new["downloads/csv/Person.csv"].decode()
    assert "downloads/csv/Organization.csv" not in kept  # the new office
    assert "downloads/csv/Bank.csv" in kept  # no member changed
    assert len(kept) > len([rel for rel in new if rel.startswith("downloads/csv/")]) / 2


def test_a_change_to_the_property_hierarchy_counts_for_every_entity(tmp_path, closure):
    import json
    from goinglocal.site import changes
    from goinglocal.site.urls import entity_dir
    from goinglocal.site.data import entities
    root, _ = cs.built()
    deps = json.loads((root / "build" / MANIFEST).read_text())["deps"]
    sub = f"<{GL}heldIn> <http://www.w3.org/2000/01/rdf-schema#subPropertyOf> <{GL}concernsPlace> .".encode()
    kg = _edit(closure, [] if sub not in closure.closure_nt else [sub], [] if sub in closure.closure_nt else [sub])
    change = _since(tmp_path, to_nquads(kg.closure))(sha((root / "build" / "graph" / NQUADS_NAME).read_bytes()))
    iris = [i for i in entities(kg) if entity_dir(i)]
    assert changes.affected_entities(kg, deps, change, iris, tmp_path / "probes.pickle") is None  # every page


def test_a_spare_made_from_another_graph_than_the_steps_lead_from_is_not_trusted(tmp_path, closure):
    import json
    from goinglocal.site import _since_spare, _unchanged, data, entity_dir
    root, _ = cs.built()
    previous = json.loads((root / "build" / MANIFEST).read_text())
    graph = to_nquads(closure)
    other = (root / "build" / "graph" / NQUADS_NAME).read_bytes() + b"\n"  # not the spare's graph
    kg = KnowledgeGraph(closure)  # only the choice of pages to keep, no site written
    iris = [i for i in data.entities(kg) if entity_dir(i)]
    assert _since_spare(previous, _since(tmp_path, graph, previous=other)) is None
    kept, _ = _unchanged(kg, iris, previous, None, tmp_path / "probes")
    assert kept == set()
    kept, _ = _unchanged(kg, iris, previous, _since_spare(previous, _since(tmp_path, graph)), tmp_path / "probes")
    assert len(kept) > len(iris) / 2  # the same graph, told apart only by the step's start
