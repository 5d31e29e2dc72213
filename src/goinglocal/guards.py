"""Refusals around parsing, for files that would make a parser hang, fetch
from the network or hand later stages terms they cannot hold:

- RDF/XML with DTD entity declarations (nested entities expand to gigabytes)
  or external entity references: refused before rdflib sees the file, by a
  first pass with defusedxml's hardened expat parser;
- JSON-LD that names a @context (or @import) by URL or file name instead of
  writing it inline: refused before rdflib sees the document; and rdflib's
  context loader is replaced for good by one that refuses, so nothing in
  goinglocal can fetch a context during parsing;
- IRIs, language tags and blank node labels that rdflib accepts with a
  warning but that are not valid RDF (e.g. `<place/ar/ju{juy>`): every term
  of a parsed file is checked with pyoxigraph, the store every later stage
  uses, and the first bad one is reported with its line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from xml.sax.handler import ContentHandler

import pyoxigraph as ox
from defusedxml import DefusedXmlException, EntitiesForbidden
from defusedxml import sax as defused_sax
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.plugins.shared.jsonld import context as jsonld_context

from goinglocal.errors import RefusedInput, SyntaxProblem

CONTEXT_KEYS = ("@context", "@import")


def position(text: str, offset: int) -> tuple[int, int]:
    """Line and column (1-based) of a character offset."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def locate(text: str, needle: str) -> tuple[int, int]:
    """Line and column of the first occurrence of needle; (0, 0) if absent."""
    at = text.find(needle) if needle else -1
    return position(text, at) if at >= 0 else (0, 0)


def show_line(text: str, line: int, column: int | None) -> str:
    """The line of the file, indented, with a caret under the column."""
    lines = text.splitlines()
    if not 1 <= line <= len(lines):
        return ""
    shown = f"\n  {line:>5} | {lines[line - 1]}"
    if column:
        shown += "\n        | " + " " * (column - 1) + "^"
    return shown


def _where(path: Path, text: str, needle: str) -> str:
    """path:line:column of the needle, for the start of a message."""
    line, column = locate(text, needle)
    return f"{path}:{line}:{column}" if line else str(path)


def _shown(text: str, needle: str) -> str:
    line, column = locate(text, needle)
    return show_line(text, line, column) if line else ""


# --- RDF/XML --------------------------------------------------------------

def refuse_xml_entities(text: str, path: Path) -> None:
    """Raise RefusedInput if the XML declares entities or references external
    ones. XML syntax errors propagate as xml.sax.SAXParseException."""
    try:
        defused_sax.parseString(text.encode("utf-8"), ContentHandler(),
                                forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except EntitiesForbidden as exc:
        where = _where(path, text, f"<!ENTITY {exc.name}") if exc.name else _where(path, text, "<!ENTITY")
        raise RefusedInput(
            f"{where}: RDF/XML declares the DTD entity '{exc.name}'; goinglocal refuses entity declarations "
            "(nested entities expand without bound, external ones read other files)"
            + _shown(text, f"<!ENTITY {exc.name}" if exc.name else "<!ENTITY"),
            "remove the <!DOCTYPE ...> block and write the text or IRI in place of each &name; reference") from None
    except DefusedXmlException as exc:
        named = getattr(exc, "sysid", None) or str(exc)
        raise RefusedInput(f"{_where(path, text, '<!DOCTYPE')}: RDF/XML refers to the external DTD or entity "
                           f"'{named}'; goinglocal reads nothing outside the file" + _shown(text, "<!DOCTYPE"),
                           "remove the <!DOCTYPE ...> block: RDF/XML needs no DTD") from None


# --- JSON-LD --------------------------------------------------------------

def _context_references(value: Any) -> list[str]:
    """Strings that a @context value names instead of defining inline."""
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str)]


def refuse_remote_contexts(document: Any, text: str, path: Path) -> None:
    """Raise RefusedInput if the parsed JSON-LD document names a context by
    URL or file (in @context or @import, at any depth)."""
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in CONTEXT_KEYS and (names := _context_references(value)):
                    raise RefusedInput(
                        f"{_where(path, text, names[0])}: JSON-LD {key} refers to '{names[0]}'; goinglocal does not "
                        "fetch contexts (no network access while reading data)" + _shown(text, names[0]),
                        "write the context inline: " + (
                            f"replace \"@context\": \"{names[0]}\" by \"@context\": {{ ... }} with the prefixes "
                            "and terms the document uses" if key == "@context" else
                            f"remove \"@import\": \"{names[0]}\" and copy the terms the document uses into this context"))
                stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)


def _no_fetching(source: Any, *args: Any, **kwargs: Any) -> Any:
    raise RefusedInput(f"JSON-LD asked to load the context '{source}'; goinglocal does not fetch contexts",
                       "write the context inline in the document")


# rdflib's JSON-LD context loader goes to the network (or the disk) for a
# context named by URL. refuse_remote_contexts stops such documents first;
# this makes sure no other path through rdflib can fetch one.
jsonld_context.source_to_json = _no_fetching


# --- terms ----------------------------------------------------------------

def _term_error(term: Any) -> str | None:
    """Why pyoxigraph refuses the term, or None if it is valid RDF."""
    try:
        if isinstance(term, URIRef):
            ox.NamedNode(str(term))
        elif isinstance(term, Literal):
            if term.language:
                ox.Literal(str(term), language=term.language)
            elif term.datatype:
                ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        elif isinstance(term, BNode):
            ox.BlankNode(str(term))
    except ValueError as exc:
        return str(exc)
    return None


IRI_HINT = ("IRIs may not contain spaces, quotes, braces, '|', '^', '`' or '\\'; "
            "percent-encode them (space = %20) or choose another IRI")


def _describe(term: Any) -> tuple[str, str, str]:
    """What is wrong (for the message), how to fix it, and the IRI or tag as written."""
    if isinstance(term, Literal) and term.language:
        return f"the language tag '{term.language}'", "use a BCP 47 language tag such as en, es or pt-BR", \
            f"@{term.language}"
    if isinstance(term, Literal):
        return f"the datatype IRI <{term.datatype}>", "use a full datatype IRI, e.g. xsd:date", str(term.datatype)
    if isinstance(term, BNode):
        return f"the blank node label '_:{term}'", "use letters, digits, '_' and '-' in blank node labels", str(term)
    return f"the IRI <{term}>", IRI_HINT, str(term)


def _find(text: str, written: str, problem: str) -> tuple[int, int]:
    """Where the bad term is written: at the characters pyoxigraph names if
    they can be found with some of their surroundings (prefixed names and
    relative IRIs are written shorter than they are), else at the term's
    last segment."""
    quoted = re.search(r"'([^']+)'", problem)
    bad = written.find(quoted.group(1)) if quoted else -1
    if bad >= 0:
        for width in (40, 16, 8, 4):
            window = written[max(0, bad - width):bad + len(quoted.group(1)) + width]
            if (at := text.find(window)) >= 0:
                return position(text, at + (bad - max(0, bad - width)))
    for opening in ("<", '"', "'", ""):  # the whole term as an IRI or attribute, then anywhere
        if (at := text.find(opening + written)) >= 0:
            return position(text, at + len(opening))
    return locate(text, re.split(r"[/#:]", written)[-1] or written)


def check_terms(graph: Graph, text: str, path: Path) -> None:
    """Raise SyntaxProblem at the first term that is not valid RDF."""
    seen: set[Any] = set()
    for triple in graph:
        for term in triple:
            if term in seen:
                continue
            seen.add(term)
            problem = _term_error(term)
            if problem is None:
                continue
            what, hint, written = _describe(term)
            line, column = _find(text, written, problem)
            where = f"{path}:{line}:{column}" if line else str(path)
            raise SyntaxProblem(f"{where}: {what} is not valid RDF: {problem}{show_line(text, line, column)}", hint)
