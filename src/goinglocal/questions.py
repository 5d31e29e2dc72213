"""The question library: one SPARQL SELECT per .rq file under queries/, with a
header of `#+ key: value` lines:

    #+ summary: what the question answers, in one line
    #+ family: place-profile
    #+ param: place gl:Locality = Jujuy | the locality to profile (label or IRI)
    #+ needs: reasoning            (or: asserted)
    #+ sources: which seeds the answer rests on
    #+ lists: parties              (GROUP_CONCAT columns, "; "-separated; sorted
                                    here because SPARQL leaves their order open)

Parameters are bound as typed RDF terms, in a VALUES block serialised from
rdflib terms (the same for Oxigraph, rdflib and remote endpoints; Oxigraph's
own substitutions only reach projected variables), never by pasting user
text into the query."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from goinglocal.errors import ParameterError, QuestionFileError, UnknownQuestion
from goinglocal.namespaces import ID_BASE, ONTOLOGY_BASE
from goinglocal.paths import Layout

HEADER = re.compile(r"^#\+\s*([a-z]+)\s*:\s*(.*?)\s*$")
PARAM = re.compile(r"^(?P<name>[A-Za-z_]\w*)\s+(?P<kind>\S+)(?:\s*=\s*(?P<default>[^|]*?))?\s*(?:\|\s*(?P<doc>.*))?$")
IRI_UNSAFE = re.compile(r'[\s<>"{}|^`\\]')
LITERAL_KINDS = {"xsd:string": XSD.string, "xsd:integer": XSD.integer, "xsd:gYear": XSD.gYear,
                 "xsd:date": XSD.date, "xsd:decimal": XSD.decimal}
PREFIXES = {"gl:": ONTOLOGY_BASE, "skos:": "http://www.w3.org/2004/02/skos/core#",
            "owl:": "http://www.w3.org/2002/07/owl#"}


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    default: str | None
    doc: str

    @property
    def is_resource(self) -> bool:
        return self.kind not in LITERAL_KINDS

    @property
    def class_iri(self) -> URIRef:
        for prefix, base in PREFIXES.items():
            if self.kind.startswith(prefix):
                return URIRef(base + self.kind[len(prefix):])
        return URIRef(self.kind)


@dataclass
class Question:
    name: str
    path: Path
    text: str
    summary: str
    family: str
    needs_reasoning: bool
    sources: str
    params: list[Param] = field(default_factory=list)
    lists: list[str] = field(default_factory=list)

    @property
    def expected_csv(self) -> Path:
        return self.path.parent / "expected" / f"{self.name}.csv"


def parse_question(path: Path) -> Question:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, list[str]] = {}
    for line in text.splitlines():
        if m := HEADER.match(line):
            meta.setdefault(m[1], []).append(m[2])
    name = path.stem
    for key in ("summary", "needs"):
        if key not in meta:
            raise QuestionFileError(f"{path}: header line '#+ {key}:' is missing",
                                    "every question starts with #+ summary, #+ needs (and #+ param lines)")
    needs = meta["needs"][0].lower()
    if needs not in ("reasoning", "asserted"):
        raise QuestionFileError(f"{path}: '#+ needs:' must be 'reasoning' or 'asserted', not {needs!r}")
    params = []
    for spec in meta.get("param", []):
        m = PARAM.match(spec)
        if not m:
            raise QuestionFileError(f"{path}: cannot read parameter line {spec!r}",
                                    "write '#+ param: name gl:Class = default | description'")
        params.append(Param(m["name"], m["kind"], (m["default"] or "").strip() or None, (m["doc"] or "").strip()))
    return Question(name=name, path=path, text=text, summary=meta["summary"][0],
                    family=(meta.get("family") or ["other"])[0], needs_reasoning=needs == "reasoning",
                    sources=(meta.get("sources") or [""])[0], params=params,
                    lists=" ".join(meta.get("lists", [])).split())


def load_questions(layout: Layout, checks: bool = False) -> dict[str, Question]:
    files = layout.check_files() if checks else layout.question_files()
    return {q.name: q for q in map(parse_question, files)}


def find_question(questions: dict[str, Question], name: str) -> Question:
    if name in questions:
        return questions[name]
    close = difflib.get_close_matches(name, list(questions), n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else "run 'goinglocal questions' to list them"
    raise UnknownQuestion(f"no question named {name!r}", hint)


def parse_param_args(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        if "=" not in pair:
            raise ParameterError(f"parameter {pair!r} is not of the form name=value",
                                 "write --param place=Jujuy")
        key, value = pair.split("=", 1)
        values[key.strip()] = value.strip()
    return values


def literal_value(param: Param, raw: str) -> Literal:
    datatype = LITERAL_KINDS[param.kind]
    checks = {XSD.integer: r"-?\d+", XSD.gYear: r"-?\d{4}", XSD.date: r"\d{4}-\d{2}-\d{2}",
              XSD.decimal: r"-?\d+(\.\d+)?"}
    if datatype in checks and not re.fullmatch(checks[datatype], raw):
        raise ParameterError(f"parameter {param.name}={raw!r} is not a valid {param.kind}",
                             {XSD.gYear: "give a four-digit year, e.g. 2017"}.get(datatype, f"give a {param.kind} value"))
    return Literal(raw, datatype=None if datatype == XSD.string else datatype)


def as_iri(raw: str) -> URIRef | None:
    """An IRI written as <...>, http(s)://..., prefixed (gl:Delegation), or
    relative to the id base (place/ar/jujuy); None when the text is meant as
    a label."""
    text = raw[1:-1] if raw.startswith("<") and raw.endswith(">") else raw
    prefix = next((p for p in PREFIXES if text.startswith(p) and re.fullmatch(r"[A-Za-z][\w-]*", text[len(p):])), None)
    if prefix:  # gl:Delegation, skos:Concept
        iri = PREFIXES[prefix] + text[len(prefix):]
    elif text.startswith(("http://", "https://", "urn:")):
        iri = text
    elif re.fullmatch(r"[a-z]+(/[a-z0-9-]+)+", text):
        iri = ID_BASE + text
    else:
        return None
    if IRI_UNSAFE.search(iri):
        raise ParameterError(f"{raw!r} is not a valid IRI (it contains spaces, quotes or brackets)",
                             "give the IRI exactly, or give the label instead")
    return URIRef(iri)


WHERE_OPEN = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def bind_values(query: str, bindings: dict[str, Node]) -> str:
    """Bind parameters by a VALUES block at the top of the outermost WHERE.
    Each value is serialised from a typed rdflib term (URIRef checked for
    unsafe characters, Literal escaped by n3()), so user text cannot change
    the query's structure."""
    if not bindings:
        return query
    for term in bindings.values():
        if isinstance(term, URIRef) and IRI_UNSAFE.search(str(term)):
            raise ParameterError(f"{str(term)!r} is not a valid IRI")
    names = list(bindings)
    return _with_block(query, "VALUES (" + " ".join(f"?{n}" for n in names) + ") { ("
                       + " ".join(bindings[n].n3() for n in names) + ") }")


def bind_nodes(query: str, iris: list[str]) -> str:
    """The query with ?node bound to each of these IRIs (one VALUES block,
    each IRI checked as bind_values checks one)."""
    for iri in iris:
        if IRI_UNSAFE.search(iri):
            raise ParameterError(f"{iri!r} is not a valid IRI")
    return _with_block(query, "VALUES ?node { " + " ".join(f"<{i}>" for i in iris) + " }")


def _with_block(query: str, block: str) -> str:
    """The block at the top of the outermost WHERE (after any comment lines)."""
    lines = query.split("\n")
    offset = 0
    for line in lines:
        if not line.lstrip().startswith("#"):
            match = WHERE_OPEN.search(query, offset)
            if match:
                return query[: match.end()] + "\n  " + block + query[match.end():]
            break
        offset += len(line) + 1
    raise QuestionFileError("the question has no WHERE { ... } to bind parameters in")
