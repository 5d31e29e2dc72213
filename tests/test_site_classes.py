"""A class's CSV is kept from the site folder's earlier build when no
changed triple reaches a member of the class (goinglocal.site.classes), and
is otherwise made again; either way it is the CSV a site written from
scratch has."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from goinglocal.graphdelta import Change
from goinglocal.reason import Closure
from goinglocal.site import classes as class_lists
from goinglocal.site.data import classes
from goinglocal.site.output import SiteOutput
from goinglocal.store import ASSERTED, KnowledgeGraph

ID = "https://w3id.org/goinglocal/id/"
GL = "https://w3id.org/goinglocal/ontology#"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
BASE = [
    f'<{ID}person/ana> <{TYPE}> <{GL}Person> .',
    f'<{ID}person/ana> <{LABEL}> "Ana"@en .',
    f'<{ID}person/ana> <{GL}roleName> "governor" .',
    f'<{ID}person/bo> <{TYPE}> <{GL}Person> .',
    f'<{ID}person/bo> <{LABEL}> "Bo"@en .',
    f'<{ID}org/bank> <{TYPE}> <{GL}Bank> .',
    f'<{ID}org/bank> <{LABEL}> "A bank"@en .',
    f'<{ID}org/bank> <{GL}basedIn> <{ID}place/cn> .',
    f'<{ID}org/bank> <{GL}note> _:b1 .',  # a blank node value: left out of the cell
]


def _kg(lines: list[str]) -> KnowledgeGraph:
    nt = ("\n".join(lines) + "\n").encode()
    return KnowledgeGraph(Closure(nt, nt, 0, 0, [], from_cache=False))


def _quad(line: str) -> ox.Quad:
    t = next(iter(ox.parse(line.encode(), format=ox.RdfFormat.N_TRIPLES)))
    return ox.Quad(t.subject, t.predicate, t.object, ASSERTED)


def _write(kg: KnowledgeGraph, folder: Path, previous: dict | None, change: Change | None) -> tuple[dict, SiteOutput]:
    site = SiteOutput(folder, previous)
    listing = class_lists.write_csvs(kg, site, classes(kg), change)
    return {item["name"]: item for item in listing}, site


@pytest.fixture
def first(tmp_path):
    """A folder with the CSVs of BASE, and its manifest."""
    _, site = _write(_kg(BASE), tmp_path / "site", None, None)
    return tmp_path / "site", site.finish()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.csv")}


def test_a_class_no_change_reaches_keeps_its_csv_unread_and_a_relabelled_members_class_is_made_again(
        tmp_path, first, monkeypatch):
    folder, manifest = first
    relabel = (f'<{ID}person/bo> <{LABEL}> "Bo"@en .', f'<{ID}person/bo> <{LABEL}> "Zoe"@en .')
    edited = [line for line in BASE if line != relabel[0]] + [relabel[1]]
    kg = _kg(edited)
    read = []
    cells = class_lists.asserted_cells
    monkeypatch.setattr(class_lists, "asserted_cells",
                        lambda kg, subjects: read.extend(subjects) or cells(kg, subjects))
    listing, site = _write(kg, folder, manifest, Change([_quad(relabel[0])], [_quad(relabel[1])]))
    assert sorted(read) == [f"{ID}person/ana", f"{ID}person/bo"]  # the bank's triples were not read
    assert site.written == 1 and listing["Bank"]["size"] == manifest["files"]["downloads/csv/Bank.csv"][2]
    monkeypatch.undo()
    _write(kg, tmp_path / "fresh", None, None)
    assert _files(folder) == _files(tmp_path / "fresh")
    assert _files(folder)["downloads/csv/Person.csv"].decode().splitlines() == [
        "iri,label,rdfs:label,rdf:type,gl:roleName", f"{ID}person/ana,Ana,Ana,{GL}Person,governor",
        f"{ID}person/bo,Zoe,Zoe,{GL}Person,"]
    assert "_:" not in _files(folder)["downloads/csv/Bank.csv"].decode()


def test_a_new_member_or_a_lost_type_makes_its_classes_csv_again(first):
    folder, manifest = first
    kg = _kg(BASE)
    typed = _quad(f'<{ID}person/cy> <{TYPE}> <{GL}Bank> .')  # cy was a bank, and is no longer anything
    assert class_lists.stale(classes(kg), Change([typed], [])) == {GL + "Bank"}
    assert class_lists.stale(classes(kg), Change([], [_quad(f'<{ID}org/bank> <{GL}url> "x" .')])) == {GL + "Bank"}
    assert class_lists.stale(classes(kg), None) == {GL + "Bank", GL + "Person"}


def test_a_csv_cut_by_hand_is_made_again_though_no_change_reaches_it(first):
    folder, manifest = first
    (folder / "downloads/csv/Bank.csv").write_text("cut")
    listing, site = _write(_kg(BASE), folder, manifest, Change([], []))
    assert site.written == 1 and (folder / "downloads/csv/Bank.csv").read_text().startswith("iri,label,")
