"""Where the project's files are: found from GOINGLOCAL_HOME, the current
directory or the installed package; never from the shared seed folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

RDF_SUFFIXES = {".ttl": "turtle", ".nt": "nt", ".n3": "n3", ".trig": "trig",
                ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".owl": "xml", ".xml": "xml"}


def _is_root(path: Path) -> bool:
    return (path / "ontology").is_dir() and (path / "pyproject.toml").is_file()


def find_root() -> Path:
    env = os.environ.get("GOINGLOCAL_HOME")
    if env:
        return Path(env).resolve()
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if _is_root(candidate):
            return candidate
    package_root = Path(__file__).resolve().parents[2]
    if _is_root(package_root):
        return package_root
    return here


@dataclass(frozen=True)
class Layout:
    root: Path

    @classmethod
    def discover(cls) -> "Layout":
        return cls(find_root())

    @property
    def ontology_dir(self) -> Path: return self.root / "ontology"
    @property
    def shapes_dir(self) -> Path: return self.root / "shapes"
    @property
    def instances_dir(self) -> Path: return self.root / "instances"
    @property
    def queries_dir(self) -> Path: return self.root / "queries"
    @property
    def reference_dir(self) -> Path: return self.root / "reference"
    @property
    def build_dir(self) -> Path: return self.root / "build"
    @property
    def links_file(self) -> Path: return self.instances_dir / "links" / "wikidata.ttl"
    @property
    def facts_file(self) -> Path: return self.instances_dir / "links" / "wikidata-facts.ttl"

    def ontology_files(self) -> list[Path]:
        return sorted(self.ontology_dir.glob("*.ttl"))

    def shape_files(self) -> list[Path]:
        return sorted(self.shapes_dir.glob("*.ttl"))

    def instance_files(self) -> list[Path]:
        return sorted(p for p in self.instances_dir.rglob("*")
                      if p.is_file() and p.suffix in RDF_SUFFIXES)

    def question_files(self) -> list[Path]:
        return sorted(self.queries_dir.glob("*.rq"))

    def check_files(self) -> list[Path]:
        return sorted((self.queries_dir / "qc").glob("*.rq"))
