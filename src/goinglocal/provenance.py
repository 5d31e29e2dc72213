"""Where an asserted triple is written (file and line, found in the
Turtle text: the block of its subject, the line with its object) and what its
subject cites (gl:evidence: the citation's label, source, footnote, locator
and URLs)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef

from goinglocal.derivations import TYPE, Describer, Term, Triple, short
from goinglocal.paths import Layout


@dataclass
class Citation:
    iri: str
    label: str
    source: str
    footnote: str
    locator: str
    urls: list[str]

    def text(self) -> str:
        parts = [self.label or short(ox.NamedNode(self.iri))]
        if self.locator:
            parts.append(self.locator)
        parts += self.urls
        return " — ".join(parts)


CITATIONS = """
PREFIX gl: <https://w3id.org/goinglocal/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?c ?label ?sourceLabel ?footnote ?locator ?url WHERE {
  ?node gl:evidence ?c .
  OPTIONAL { ?c rdfs:label ?label }
  OPTIONAL { ?c gl:inSource ?source . OPTIONAL { ?source rdfs:label ?sourceLabel } }
  OPTIONAL { ?c gl:footnote ?footnote }
  OPTIONAL { ?c gl:locator ?locator }
  OPTIONAL { ?c gl:url ?url }
} ORDER BY ?c ?url"""


class Sources:
    """Where asserted triples are written (file and line) and what their
    subjects cite."""

    def __init__(self, layout: Layout, describer: Describer):
        self.layout = layout
        self.describer = describer
        self._texts: dict[Path, tuple[list[str], dict[str, str], str | None]] = {}
        self._citations: dict[Term, list[Citation]] = {}

    def _file(self, path: Path) -> tuple[list[str], dict[str, str], str | None]:
        if path not in self._texts:
            lines = path.read_text(encoding="utf-8").splitlines()
            prefixes, base = {}, None
            for line in lines:
                if m := re.match(r"\s*@prefix\s+([\w-]*):\s*<([^>]*)>", line):
                    prefixes[m[1]] = m[2]
                elif m := re.match(r"\s*@base\s+<([^>]*)>", line):
                    base = m[1]
            self._texts[path] = (lines, prefixes, base)
        return self._texts[path]

    @staticmethod
    def _forms(term: Term, prefixes: dict[str, str], base: str | None) -> list[str]:
        """How a term can be written in a Turtle file with these prefixes."""
        if isinstance(term, ox.NamedNode):
            forms = [f"<{term.value}>"]
            if base and term.value.startswith(base):
                forms.append(f"<{term.value[len(base):]}>")
            forms += [f"{p}:{term.value[len(ns):]}" for p, ns in prefixes.items()
                      if term.value.startswith(ns) and re.fullmatch(r"[\w.-]*", term.value[len(ns):])]
            if term == TYPE:
                forms.append("a")
            return forms
        if isinstance(term, ox.Literal):
            return [json.dumps(term.value, ensure_ascii=False), term.value]
        return []

    @staticmethod
    def _has(line: str, forms: list[str]) -> bool:
        for form in forms:
            for m in re.finditer(re.escape(form), line):
                after = line[m.end():m.end() + 1]
                if not (after and (after.isalnum() or after in "_-") and not form.endswith((">", '"'))):
                    return True
        return False

    def locate(self, triple: Triple) -> str | None:
        """'ontology/places.ttl:71' for an asserted triple, found in the
        files' text (the block of its subject, the line with its object)."""
        files = self.layout.ontology_files() + self.layout.instance_files()
        s, p, o = triple
        for path in files:
            lines, prefixes, base = self._file(path)
            line = self._line(lines, prefixes, base, s, p, o)
            if line:
                return f"{path.relative_to(self.layout.root)}:{line}"
        return None

    def _object_forms(self, o: Term, p: Term, prefixes, base) -> list[list[str]]:
        """Groups of forms that must all be on the line that writes the object."""
        if isinstance(o, ox.BlankNode):
            if (r := self.describer.restriction(o)) is not None:
                return [self._forms(r[0], prefixes, base), self._forms(r[2], prefixes, base)]
            items = self.describer.list_items(o) or []  # a list: the line with the property and every item
            return [self._forms(p, prefixes, base)] + [self._forms(i, prefixes, base) for i in items]
        return [self._forms(o, prefixes, base)]

    def _line(self, lines: list[str], prefixes, base, s: Term, p: Term, o: Term) -> int | None:
        object_groups = self._object_forms(o, p, prefixes, base)
        predicate = self._forms(p, prefixes, base)
        if isinstance(s, ox.BlankNode):
            r = self.describer.restriction(s)
            if r is None:
                return None
            groups = [["owl:onProperty " + f for f in self._forms(r[0], prefixes, base)],
                      self._forms(r[2], prefixes, base)] + object_groups
            for number, line in enumerate(lines, 1):
                if all(self._has(line, g) for g in groups):
                    return number
            return None
        subject = self._forms(s, prefixes, base)
        for start, line in enumerate(lines):
            if not any(line.startswith(f) and line[len(f):len(f) + 1] in (" ", "\t", "") for f in subject):
                continue
            block = []
            for number in range(start, len(lines)):
                block.append(number)
                if re.search(r"\s\.\s*(#.*)?$", lines[number]) or lines[number].rstrip().endswith(" ."):
                    break
            hits = [n for n in block if all(self._has(lines[n], g) for g in object_groups)]
            both = [n for n in hits if self._has(lines[n], predicate)]
            if both or hits:
                return (both or hits)[0] + 1
        return None

    def citations(self, node: Term) -> list[Citation]:
        if not isinstance(node, ox.NamedNode):
            return []
        if node not in self._citations:
            from goinglocal.questions import bind_values
            found: dict[str, Citation] = {}
            query = bind_values(CITATIONS, {"node": URIRef(node.value)})
            for row in self.describer.store.query(query, use_default_graph_as_union=True):
                iri = row["c"].value
                value = lambda name: row[name].value if row[name] is not None else ""  # noqa: E731
                citation = found.setdefault(iri, Citation(iri, value("label"), value("sourceLabel"),
                                                         value("footnote"), value("locator"), []))
                if row["url"] is not None and row["url"].value not in citation.urls:
                    citation.urls.append(row["url"].value)
            self._citations[node] = list(found.values())
        return self._citations[node]
