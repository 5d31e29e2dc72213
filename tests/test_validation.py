"""Validation: the repository conforms, and every shape fires on a crafted
bad example whose report names that shape."""

from pathlib import Path

import pytest
from rdflib.namespace import RDF, RDFS, SH

from goinglocal.load import load_dataset
from goinglocal.validate import load_shapes, validate_dataset

CASES = Path(__file__).parent / "shape_cases"
BASE = CASES / "_base.ttl"
SHAPES_NS = "https://w3id.org/goinglocal/shapes#"


def shape_names(layout) -> list[str]:
    shapes = load_shapes(layout)
    return sorted(str(s)[len(SHAPES_NS):] for s in shapes.subjects(RDF.type, SH.NodeShape)
                  if str(s).startswith(SHAPES_NS))


def validate_files(layout, *files):
    dataset = load_dataset(layout, extra=list(files), include_repository=False)
    return validate_dataset(dataset, layout, closure_errors=[])


def test_every_shape_has_a_bad_example(layout):
    missing = [n for n in shape_names(layout) if not (CASES / f"{n}.ttl").exists()]
    assert missing == []


def test_every_shape_explains_itself(layout):
    shapes = load_shapes(layout)
    for name in shape_names(layout):
        node = next(s for s in shapes.subjects(RDF.type, SH.NodeShape) if str(s).endswith("#" + name))
        assert shapes.value(node, RDFS.label) is not None, f"{name} has no rdfs:label"
        messages = list(shapes.objects(node, SH.message)) + [
            m for p in shapes.objects(node, SH.property) for m in shapes.objects(p, SH.message)]
        assert messages, f"{name} has no sh:message"


def test_base_example_conforms(layout):
    report = validate_files(layout, BASE)
    assert [p for p in report.problems] == []


@pytest.mark.parametrize("case", sorted(p.stem for p in CASES.glob("[A-Z]*.ttl")))
def test_shape_fires_on_its_bad_example(layout, case):
    report = validate_files(layout, BASE, CASES / f"{case}.ttl")
    fired = {p.shape for p in report.problems}
    assert f"gls:{case}" in fired, f"expected gls:{case} in {fired}"
    named = [p for p in report.problems if p.shape == f"gls:{case}"]
    assert all(p.message for p in named)
    assert all(p.file.endswith(f"{case}.ttl") or p.file.endswith("_base.ttl") or p.file == "" for p in named)


def test_repository_data_conforms(layout, kg):
    dataset = load_dataset(layout)
    report = validate_dataset(dataset, layout, closure_errors=kg.closure.errors)
    violations = [f"{p.file} {p.node_iri} {p.property}: {p.message}" for p in report.violations]
    assert violations == []


def test_not_recorded_with_a_note_clears_the_warning(layout, tmp_path):
    """A gap the sources leave open is acknowledged with gl:notRecorded and
    an editorial note, and then no longer warned about."""
    case = (CASES / "NotRecordedExplained.ttl").read_text(encoding="utf-8")
    explained = tmp_path / "explained.ttl"
    explained.write_text(case.replace("gl:notRecorded gl:heldIn ;",
                                      'gl:notRecorded gl:heldIn ; gl:editorialNote "No place in the source."@en ;'),
                         encoding="utf-8")
    assert validate_files(layout, BASE, explained).problems == []
    unexplained = validate_files(layout, BASE, CASES / "EngagementWhere.ttl")
    assert [p.shape for p in unexplained.problems] == ["gls:EngagementWhere"]


def test_validating_one_repository_file_reports_what_the_whole_validation_reports_for_it(tmp_path):
    """`validate FILE` on a file of instances/ judges its nodes on the whole
    asserted graph (narrowed to them), so it reports exactly the rows the
    whole repository's validation reports for those nodes."""
    import json
    import shutil
    from conftest import ROOT, run_main
    from conftest_serve import copy_cache
    for name in ("ontology", "shapes", "instances", "queries"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    copy_cache(ROOT, tmp_path)
    edited = tmp_path / "instances" / "actors" / "academia.ttl"
    edited.write_text(edited.read_text() + '\n<org/cn/test-no-evidence> a gl:Organization ; '
                      'rdfs:label "Test body without evidence"@en ; gl:basedIn <place/cn> .\n')
    one = run_main("validate", "instances/actors/academia.ttl", "--format", "json", cwd=tmp_path)
    whole = run_main("validate", "--format", "json", cwd=tmp_path)
    assert (one.returncode, whole.returncode) == (1, 1), one.stderr + whole.stderr
    mine = json.loads(one.stdout)["problems"]
    assert {p["shape"] for p in mine} >= {"gls:CitesEvidence"}
    ours = [p for p in json.loads(whole.stdout)["problems"] if p["file"] == "instances/actors/academia.ttl"]
    assert sorted(map(json.dumps, mine)) == sorted(map(json.dumps, ours))
