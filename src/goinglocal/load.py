"""Read RDF files into rdflib graphs, turning every way a file can be wrong
into a clear UnreadableInput or SyntaxProblem that names the file, the line
and the column, and shows the offending line."""

from __future__ import annotations

import json
import re
import xml.sax
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.exceptions import ParserError
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from goinglocal.errors import GoinglocalError, SyntaxProblem, UnreadableInput
from goinglocal.guards import check_terms, locate, position, refuse_remote_contexts, refuse_xml_entities, show_line as _show
from goinglocal.parsecache import ParseCache, Parsed
from goinglocal.paths import RDF_SUFFIXES, Layout

ACCEPTED = "Turtle (.ttl), N-Triples (.nt), N3 (.n3), TriG (.trig), JSON-LD (.jsonld, .json) and RDF/XML (.rdf, .owl, .xml)"


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files named directly, plus the RDF files inside named directories."""
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise UnreadableInput(f"{path}: no such file or directory",
                                  "check the path; give Turtle files or folders that contain them")
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in RDF_SUFFIXES)
            if not found:
                raise UnreadableInput(f"{path}: the directory holds no RDF files",
                                      f"give files or folders with one of: {ACCEPTED}")
            files.extend(found)
        else:
            files.append(path)
    return files


def read_text(path: Path, data: bytes | None = None) -> str:
    """The file's text, after the checks every reader needs (it exists, is a
    file of an RDF syntax, UTF-8, not empty); `data`: its bytes, when read already."""
    if not path.exists():
        raise UnreadableInput(f"{path}: no such file", "check the path")
    if path.is_dir():
        raise UnreadableInput(f"{path}: is a directory, not a file", "name the Turtle files inside it")
    if path.suffix not in RDF_SUFFIXES:
        raise UnreadableInput(f"{path}: unknown RDF format '{path.suffix or '(no extension)'}'",
                              f"rename the file with the extension of its syntax; accepted: {ACCEPTED}")
    data = path.read_bytes() if data is None else data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise UnreadableInput(f"{path}:{line}:{column}: not UTF-8 (byte 0x{data[exc.start]:02x})",
                              "save the file as UTF-8") from None
    if not text.strip():
        raise UnreadableInput(f"{path}: the file is empty", "add triples, or remove the file")
    return text


def parse_text(text: str, path: Path, graph: Graph | None = None) -> Graph:
    graph = graph if graph is not None else Graph()
    fmt = RDF_SUFFIXES[path.suffix]
    try:
        data: object = text
        if fmt == "xml":
            refuse_xml_entities(text, path)
        elif fmt == "json-ld":
            data = json.loads(text)
            refuse_remote_contexts(data, text, path)
        graph.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except GoinglocalError:
        raise
    except BadSyntax as exc:
        line = exc.lines + 1
        buffer = exc._str.decode("utf-8", "replace") if isinstance(exc._str, bytes) else exc._str
        start = buffer.rfind("\n", 0, exc._i) + 1
        column = exc._i - start + 1
        raise SyntaxProblem(f"{path}:{line}:{column}: {fmt} syntax error: {exc._why}{_show(text, line, column)}",
                            "fix the Turtle at that line (a missing '.', ';' or quote is the usual cause)") from None
    except json.JSONDecodeError as exc:
        raise SyntaxProblem(f"{path}:{exc.lineno}:{exc.colno}: JSON-LD syntax error: {exc.msg}"
                            f"{_show(text, exc.lineno, exc.colno)}", "fix the JSON at that line") from None
    except xml.sax.SAXParseException as exc:
        line, column = exc.getLineNumber(), exc.getColumnNumber() + 1
        raise SyntaxProblem(f"{path}:{line}:{column}: RDF/XML syntax error: {exc.getMessage()}"
                            f"{_show(text, line, column)}", "fix the XML at that line") from None
    except ParserError as exc:
        message = str(exc)
        line = next((i for i, l in enumerate(text.splitlines(), 1)
                     if l.strip() and l.strip() in message), 0)
        if not line and fmt == "nt":  # the parser does not say which line: find it
            for number, one in enumerate(text.splitlines(), 1):
                try:
                    Graph().parse(data=one + "\n", format="nt")
                except Exception as each:  # noqa: BLE001 - any failure marks the line
                    line, message = number, str(each).strip().rstrip(":").strip() or "invalid line"
                    break
            if "." not in text.splitlines()[line - 1].rstrip()[-1:] if line else False:
                message += " (each line must end with ' .')"
        raise SyntaxProblem(f"{path}:{line}: {fmt} syntax error: {message}{_show(text, line, None)}",
                            "fix the line; each N-Triples line is subject predicate object ." ) from None
    except Exception as exc:  # other parser plugins raise their own types
        line, column = _where_in(text, str(exc))
        where = f"{path}:{line}:{column}" if line else str(path)
        raise SyntaxProblem(f"{where}: {fmt} could not be parsed: {exc}{_show(text, line, column)}",
                            f"check the file is valid {fmt}") from None
    check_terms(graph, text, path)
    return graph


def _where_in(text: str, message: str) -> tuple[int, int]:
    """Line and column a parser's free-form message points at: rdflib's
    "Quote expected in string at ^ in <before>^<after>", or a quoted token
    ("'en_AR' is not a valid language tag!"); (0, 0) when it says nothing usable."""
    caret = re.search(r" at \^ in (.*)\^(.*)$", message, re.S)
    if caret and (at := text.find(caret.group(1) + caret.group(2))) >= 0:
        return position(text, at + len(caret.group(1)))
    quoted = re.search(r"'([^'\n]+)'", message)
    return locate(text, quoted.group(1)) if quoted else (0, 0)


def parse_file(path: Path, graph: Graph | None = None) -> Graph:
    return parse_text(read_text(path), path, graph)


def parse_part(path: Path, cache: ParseCache) -> Parsed:
    """The file's triples and prefixes, from the parse cache when its bytes
    were parsed before (goinglocal.parsecache), else parsed and checked."""
    data = path.read_bytes() if path.is_file() and path.suffix in RDF_SUFFIXES else None
    if data is not None and (hit := cache.get(path, data)) is not None:
        return hit
    graph = parse_text(read_text(path, data), path)
    parsed = Parsed(path, graph.serialize(format="nt", encoding="utf-8"),
                    tuple((prefix, str(ns)) for prefix, ns in graph.namespaces()))
    if data is not None:
        cache.put(path, data, parsed)
    return parsed


def graph_of(parts: list[Parsed]) -> Graph:
    """One rdflib graph of these files' triples, with their prefixes."""
    from goinglocal.store import term_converter
    graph = Graph()
    for part in parts:
        for prefix, ns in part.namespaces:
            graph.bind(prefix, ns, override=False)
    term = term_converter()
    for part in parts:
        graph.addN((term(t.subject), term(t.predicate), term(t.object), graph)
                   for t in ox.parse(part.nt, format=ox.RdfFormat.N_TRIPLES))
    return graph


@dataclass
class Dataset:
    """The repository's files, each parsed (or read from the parse cache) to
    N-Triples; the rdflib graphs and the map of where each subject was
    written are made when first asked for (a build's main process never
    needs them: it reasons on the N-Triples)."""

    ontology_parts: list[Parsed]
    instance_parts: list[Parsed]          # the named files first, then the repository's
    named_count: int = 0                  # how many of instance_parts the user named
    files: list[Path] = field(default_factory=list)

    @cached_property
    def ontology(self) -> Graph:
        return graph_of(self.ontology_parts)

    @cached_property
    def instances(self) -> Graph:
        return graph_of(self.instance_parts)

    @cached_property
    def named(self) -> Graph | None:
        """The triples of the files the user named (None: the repository itself)."""
        return graph_of(self.instance_parts[:self.named_count]) if self.named_count else None

    @cached_property
    def lookup(self) -> "Lookup":
        """The instance data indexed by subject and object (goinglocal.lookup)."""
        from goinglocal.lookup import Lookup
        return Lookup((part.path, part.nt) for part in self.instance_parts)

    @cached_property
    def ontology_triples(self) -> list[ox.Triple]:
        """The ontology's triples as Oxigraph terms (lexical forms as written)."""
        return [t for part in self.ontology_parts for t in ox.parse(part.nt, format=ox.RdfFormat.N_TRIPLES)]

    def triple_count(self) -> int:
        """Distinct triples of the ontology and the instance data together."""
        return len({line for part in self.ontology_parts + self.instance_parts
                    for line in part.nt.splitlines() if line.strip()})

    @property
    def origin(self) -> dict[Node, Path]:
        """Where each subject was first written (named files first)."""
        return self.lookup.origin

    def namespaces(self) -> list[tuple[str, str]]:
        """The instance files' prefixes, the first declaration of each winning."""
        found: dict[str, str] = {}
        for part in self.instance_parts:
            for prefix, ns in part.namespaces:
                found.setdefault(prefix, ns)
        return list(found.items())

    def asserted_nt(self) -> bytes:
        """Ontology plus instance data as N-Triples (a triple written in two
        files appears twice): what the reasoner starts from."""
        return b"".join(part.nt if part.nt.endswith(b"\n") or not part.nt else part.nt + b"\n"
                        for part in self.ontology_parts + self.instance_parts)

    def mentioned(self) -> set[Node]:
        """IRIs the named files write about (as subject or object), ontology terms aside."""
        if self.named is None:
            return set()
        from goinglocal.namespaces import ONTOLOGY_BASE
        return {n for triple in self.named for n in (triple[0], triple[2])
                if isinstance(n, URIRef) and not str(n).startswith(ONTOLOGY_BASE)}

    def asserted(self) -> Graph:
        """Ontology plus instance data: the graph the reasoner starts from."""
        merged = Graph()
        for prefix, ns in self.instances.namespaces():
            merged.bind(prefix, ns, override=False)
        merged += self.ontology
        merged += self.instances
        return merged


def load_graphs(files: list[Path], origin: dict[Node, Path] | None = None) -> Graph:
    graph = Graph()
    for path in files:
        part = parse_file(path)
        if origin is not None:
            for subject in part.subjects(unique=True):
                origin.setdefault(subject, path)
        graph += part
        for prefix, ns in part.namespaces():
            graph.bind(prefix, ns, override=False)
    return graph


def _ontology_files(layout: Layout) -> list[Path]:
    files = layout.ontology_files()
    if not files:
        raise UnreadableInput(f"{layout.ontology_dir}: no ontology files", "run from the repository root")
    return files


def load_ontology(layout: Layout) -> Graph:
    return load_graphs(_ontology_files(layout))


def parse_cache(layout: Layout) -> ParseCache:
    return ParseCache(layout.build_dir / "cache" / "parsed")


def load_dataset(layout: Layout, extra: list[Path] | None = None, include_repository: bool = True) -> Dataset:
    """Ontology plus instance data. Files given in `extra` are read first, so
    that a problem in a node they describe is reported against them."""
    cache = parse_cache(layout)
    ontology = [parse_part(p, cache) for p in _ontology_files(layout)]
    extra_files = expand_paths(extra or [])
    chosen = {p.resolve() for p in extra_files}
    repository = [p for p in layout.instance_files() if p.resolve() not in chosen] if include_repository else []
    named = [parse_part(p, cache) for p in extra_files]
    parts = named + [parse_part(p, cache) for p in repository]
    if include_repository and not extra_files:
        cache.prune()
    return Dataset(ontology_parts=ontology, instance_parts=parts, named_count=len(named),
                   files=extra_files + repository)
