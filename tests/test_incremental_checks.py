"""After an edit under instances/, the checks a build runs in its child
process (the shapes' problems, redone only for the nodes the edit can
affect; the strict checks; the mention report) report exactly what they
report on a copy of the same files with no cache: after an addition, a
removal, a changed note and a changed label; a blank node in the instance
data makes the shapes run on every node again, with the same result."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from goinglocal.incremental import shacl_problems_after_edit, shapes_reach
from goinglocal.load import load_dataset
from goinglocal.mentions import find_mentions, report_text
from goinglocal.paths import Layout
from goinglocal.reason import closure_for
from goinglocal.shacl_engines import route
from goinglocal.store import KnowledgeGraph
from goinglocal.validate import load_shapes, report_json, validate_dataset

ROOT = Path(__file__).resolve().parents[1]
BASE = (ROOT / "tests" / "shape_cases" / "_base.ttl").read_text()
NOTES = """@base <https://w3id.org/goinglocal/id/> .
@prefix gl:   <https://w3id.org/goinglocal/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<org/tt/north-power> a gl:Company ; rdfs:label "North power"@en ; gl:homePlace <place/tt/north> ;
    gl:evidence <source/t/fn/1> ;
    rdfs:comment "Sold a share to East Bank; talks with the East government went nowhere."@en ;
    gl:editorialNote "The Testland source also names the East forum 2019."@en ;
    gl:unlinkedMention "East government" .
<org/cn/east-government> gl:editorialNote "Gave masks to the North government in 2020."@en .
"""
# one new node with a defect of every kind: no evidence (a shape), a misspelt
# property, an IRI that names nothing, an ill-formed date, a label another
# bank has, and a note naming an entity it has no triple to
ADDED = """
<org/cn/east-bank-2> a gl:Bank ; rdfs:label "East bank"@en ; gl:homePlace <place/cn/eastt> ;
    gl:homePlaec <place/cn/east> ; gl:date "2019-13-01"^^xsd:date ;
    rdfs:comment "Lent to the North power company alongside the North government."@en .
"""


def _write(home: Path, files: dict[str, str]) -> Layout:
    for name in ("ontology", "shapes"):
        shutil.copytree(ROOT / name, home / name)
    for name, text in files.items():
        (home / "instances" / name).parent.mkdir(parents=True, exist_ok=True)
        (home / "instances" / name).write_text(text)
    return Layout(home)


def child_checks(layout: Layout) -> tuple[str, str, int | None]:
    """What a build's child reports (goinglocal.build._checks): the
    validation report, the mention report, and how many nodes were validated
    again (None: all of them)."""
    dataset = load_dataset(layout)
    closure = closure_for(layout, dataset=dataset)
    kg = KnowledgeGraph(closure)
    shacl, revalidated = shacl_problems_after_edit(dataset, layout, closure.asserted_nt, kg.store)
    report = validate_dataset(dataset, layout, closure_errors=closure.errors, shacl=shacl)
    return report_json(report), report_text(kg, find_mentions(kg)), revalidated


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> Path:
    """A small repository whose checks ran once (its build/cache is filled)."""
    home = tmp_path_factory.mktemp("checked")
    child_checks(_write(home, {"base.ttl": BASE, "notes.ttl": NOTES}))
    return home


def after_edit(checked: Path, tmp_path: Path, edit) -> tuple[tuple, tuple]:
    """The checks after `edit` (a function of the instances folder) with the
    previous run's cache, and on a copy of the edited files with none."""
    edited = tmp_path / "edited"
    shutil.copytree(checked, edited)
    edit(edited / "instances")
    fresh = tmp_path / "fresh"
    _write(fresh, {str(p.relative_to(edited / "instances")): p.read_text()
                   for p in (edited / "instances").rglob("*.ttl")})
    return child_checks(Layout(edited)), child_checks(Layout(fresh))


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_an_added_node_with_defects_is_reported_as_from_scratch(checked, tmp_path):
    (incremental, fresh) = after_edit(checked, tmp_path, lambda i: (i / "added.ttl").write_text(
        BASE.split("\n\n")[0] + "\n" + ADDED))
    assert incremental[:2] == fresh[:2]
    assert incremental[2] is not None and fresh[2] is None  # validated again: only the nodes near the edit
    for shape in ("undefined-term", "undefined-iri", "lexical", "duplicate-label", "gls:CitesEvidence"):
        assert f'"shape": "{shape}"' in incremental[0]
    assert "east-bank-2> mentions 'north power'" in incremental[1]


def test_a_removed_node_is_reported_as_from_scratch(checked, tmp_path):
    removed = ('<org/cn/east-bank> a gl:Bank ; rdfs:label "East bank"@en ; gl:homePlace <place/cn/east> ; '
               'gl:evidence <source/t/fn/1> .\n')
    incremental, fresh = after_edit(checked, tmp_path, lambda i: _replace(i / "base.ttl", removed, ""))
    assert incremental[:2] == fresh[:2]
    assert incremental[2] is not None
    assert '"shape": "gls:BidComplete"' in incremental[0]  # the bank's bid names no actor now


def test_a_changed_note_is_reported_as_from_scratch(checked, tmp_path):
    incremental, fresh = after_edit(checked, tmp_path, lambda i: _replace(
        i / "notes.ttl", "Gave masks to the North government", "Gave masks to the North government and North power"))
    assert incremental[:2] == fresh[:2]
    assert "east-government> mentions 'north power'" in incremental[1]


def test_a_changed_label_is_reported_as_from_scratch(checked, tmp_path):
    incremental, fresh = after_edit(checked, tmp_path, lambda i: _replace(
        i / "base.ttl", 'rdfs:label "East bank"@en', 'rdfs:label "Eastern lender"@en'))
    assert incremental[:2] == fresh[:2]
    assert incremental[2] is not None
    assert "'east bank'" not in incremental[1]


def test_a_blank_node_in_the_instance_data_validates_every_node_again(checked, tmp_path):
    incremental, fresh = after_edit(checked, tmp_path, lambda i: (i / "blank.ttl").write_text(
        BASE.split("\n\n")[0] + '\n<org/cn/east-bank> rdfs:seeAlso [ rdfs:comment "a note"@en ] .\n'))
    assert incremental == fresh  # both validated everything (revalidated None)
    assert incremental[2] is None


def test_the_project_shapes_read_no_further_than_a_value_nodes_triples():
    assert shapes_reach(route(load_shapes(Layout(ROOT)), "store")) == 2
