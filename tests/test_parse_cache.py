"""Each file's parse is kept (goinglocal.parsecache), so a load after a
one-file edit parses only that file, and gives the graphs a fresh parse gives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib.compare import isomorphic

from goinglocal import load
from goinglocal.errors import SyntaxProblem
from goinglocal.paths import Layout

ROOT = Path(__file__).resolve().parents[1]
FILES = ("instances/actors/academia.ttl", "instances/places/ag.ttl")


@pytest.fixture
def repo(tmp_path) -> Layout:
    shutil.copytree(ROOT / "ontology", tmp_path / "ontology")
    for rel in FILES:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    return Layout(tmp_path)


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The files rdflib parses, by name."""
    seen: list[str] = []
    real = load.parse_text

    def counting(text, path, graph=None):
        seen.append(Path(path).name)
        return real(text, path, graph)
    monkeypatch.setattr(load, "parse_text", counting)
    return seen


def _fresh(layout: Layout):
    """The graphs with no cache at all."""
    ontology = load.load_graphs(layout.ontology_files())
    instances = load.load_graphs(layout.instance_files())
    return ontology, instances


def test_a_second_load_parses_nothing_and_gives_the_same_graphs(repo, parsed):
    load.load_dataset(repo)
    assert sorted(parsed) == sorted(p.name for p in repo.ontology_files() + repo.instance_files())
    parsed.clear()
    again = load.load_dataset(repo)
    assert parsed == []
    ontology, instances = _fresh(repo)
    assert isomorphic(again.ontology, ontology) and isomorphic(again.instances, instances)
    assert set(again.instances) == set(instances)  # no blank nodes there: the very same triples
    assert dict(again.namespaces())["gl"] == "https://w3id.org/goinglocal/ontology#"
    assert again.origin[next(iter(instances.subjects()))].name in {Path(f).name for f in FILES}


def test_an_edited_file_is_parsed_again_and_only_it(repo, parsed):
    load.load_dataset(repo)
    parsed.clear()
    edited = repo.root / FILES[0]
    edited.write_text(edited.read_text() + '\n<org/cn/test-only> <http://www.w3.org/2000/01/rdf-schema#label> "T"@en .\n')
    dataset = load.load_dataset(repo)
    assert parsed == ["academia.ttl"]
    assert any(str(o) == "T" for o in dataset.instances.objects())


def test_a_syntax_error_is_reported_though_the_file_parsed_before(repo):
    load.load_dataset(repo)
    edited = repo.root / FILES[0]
    edited.write_text(edited.read_text() + "\n<a> <b> \n")
    with pytest.raises(SyntaxProblem, match="academia.ttl"):
        load.load_dataset(repo)


def test_a_damaged_cache_entry_is_parsed_again(repo, parsed):
    load.load_dataset(repo)
    for entry in (repo.build_dir / "cache" / "parsed").glob("*.nt"):
        entry.write_bytes(entry.read_bytes()[:-40])  # cut short
    parsed.clear()
    dataset = load.load_dataset(repo)
    assert len(parsed) == len(repo.ontology_files()) + len(FILES)
    assert set(dataset.instances) == set(_fresh(repo)[1])


def test_a_cache_entry_with_a_damaged_header_is_parsed_again(repo, parsed):
    load.load_dataset(repo)
    for entry in (repo.build_dir / "cache" / "parsed").glob("*.nt"):
        header, _, nt = entry.read_bytes().partition(b"\n")
        meta = json.loads(header)
        del meta["namespaces"]
        entry.write_bytes(json.dumps(meta).encode() + b"\n" + nt)
    parsed.clear()
    load.load_dataset(repo)
    assert len(parsed) == len(repo.ontology_files()) + len(FILES)
