"""Run library questions on the knowledge graph and render the answers as a
table, CSV or JSON with readable labels (IRIs kept in *_iri columns)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Callable

from rdflib import URIRef
from rdflib.term import Node

from goinglocal.errors import ParameterError
from goinglocal.questions import Question, as_iri, literal_value
from goinglocal.search import close_labels, exact_matches
from goinglocal.store import KnowledgeGraph

EXISTS = "SELECT ?p WHERE { ?node ?p ?o } LIMIT 1"


@dataclass
class Answer:
    question: Question
    bindings: dict[str, Node]
    variables: list[str]
    rows: list[dict[str, Node | None]]


def resolve_label(kg: KnowledgeGraph, param_name: str, cls: URIRef, text: str) -> URIRef:
    """The one node of class cls whose label or alternative label matches
    text, case-, accent- and punctuation-insensitive (goinglocal.search)."""
    nodes = exact_matches(kg, cls, text)
    if len(nodes) == 1:
        return nodes[0]
    if not nodes:
        close = close_labels(kg, cls, text)
        hint = ("did you mean: " + "; ".join(close)) if close else "give an IRI, or run the question with no parameter to see its default"
        raise ParameterError(f"{param_name}={text!r}: nothing of type {kg.label(cls)} has that label", hint)
    listing = "\n".join(f"    {kg.label(n)}  <{n}>" for n in nodes)
    raise ParameterError(f"{param_name}={text!r} is ambiguous; it names {len(nodes)} things:\n{listing}",
                         f"give one of the IRIs instead, e.g. --param {param_name}={nodes[0]}")


def resolve(kg: KnowledgeGraph, question: Question, raw: dict[str, str],
            before: "Callable[[str, str], URIRef | None] | None" = None) -> dict[str, Node]:
    """The question's parameters bound: raw values, else the defaults.
    before(name, label): the node a label resolved to before, when that
    resolution cannot have changed (goinglocal.answercache); else it is
    resolved again."""
    known = {p.name for p in question.params}
    extra = sorted(set(raw) - known)
    if extra:
        accepted = ", ".join(sorted(known)) or "none"
        raise ParameterError(f"question {question.name!r} has no parameter {', '.join(extra)}",
                             f"its parameters are: {accepted}")
    bindings: dict[str, Node] = {}
    for param in question.params:
        value = raw.get(param.name, param.default)
        if value is None or value == "":
            raise ParameterError(f"question {question.name!r} needs --param {param.name}=...",
                                 param.doc or f"give a {param.kind}")
        if not param.is_resource:
            bindings[param.name] = literal_value(param, value)
            continue
        iri = as_iri(value)
        if iri is None:
            node = before(param.name, value) if before is not None else None
            bindings[param.name] = node if node is not None else resolve_label(kg, param.name, param.class_iri, value)
            continue
        _, found = kg.select(EXISTS, {"node": iri})
        if not found:
            raise ParameterError(f"{param.name}: no node <{iri}> in the graph",
                                 "check the IRI, or give the label instead")
        bindings[param.name] = iri
    return bindings


def run(kg: KnowledgeGraph, question: Question, raw: dict[str, str] | None = None,
        reasoning: bool = True) -> Answer:
    bindings = resolve(kg, question, raw or {})
    variables, rows = kg.select(question.text, bindings, reasoning=reasoning)
    return Answer(question, bindings, variables, rows)


def parameters_text(kg: KnowledgeGraph, answer: Answer) -> str:
    """The parameters an answer was computed with, as 'name = label <iri>'
    (or 'name = value' for literals), separated by '; '."""
    parts = []
    for name, term in answer.bindings.items():
        parts.append(f"{name} = {kg.label(term)} <{term}>" if isinstance(term, URIRef) else f"{name} = {term}")
    return "; ".join(parts)


def records(kg: KnowledgeGraph, answer: Answer) -> tuple[list[str], list[dict[str, str]]]:
    """Flatten an answer: labels in the named column, IRIs in <name>_iri."""
    iri_vars = {v for v in answer.variables if any(isinstance(r.get(v), URIRef) for r in answer.rows)}
    columns: list[str] = []
    for v in answer.variables:
        columns.append(v)
        if v in iri_vars:
            columns.append(f"{v}_iri")
    out = []
    for row in answer.rows:
        rec: dict[str, str] = {}
        for v in answer.variables:
            term = row.get(v)
            if isinstance(term, URIRef):
                rec[v], rec[f"{v}_iri"] = kg.label(term), str(term)
            else:
                rec[v] = "" if term is None else str(term)
                if v in answer.question.lists and rec[v]:
                    # sorted, and without the empty items that COALESCE(?x, "") leaves where an OPTIONAL
                    # value is unbound (an unbound value would make GROUP_CONCAT unbound on Oxigraph)
                    rec[v] = "; ".join(sorted(item for item in rec[v].split("; ") if item))
                if v in iri_vars:
                    rec[f"{v}_iri"] = ""
        out.append(rec)
    return columns, out


def to_csv(columns: list[str], rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def to_json(answer: Answer, columns: list[str], rows: list[dict[str, str]]) -> str:
    return json.dumps({"question": answer.question.name, "summary": answer.question.summary,
                       "params": {k: str(v) for k, v in answer.bindings.items()},
                       "columns": columns, "rows": rows}, ensure_ascii=False, indent=1) + "\n"


def to_table(columns: list[str], rows: list[dict[str, str]], max_width: int = 60,
             uncut: set[str] | frozenset[str] = frozenset()) -> str:
    """A plain-text table; cells longer than max_width end in '…' (0 or less:
    never cut; columns in uncut are never cut either)."""
    shown = [c for c in columns if not c.endswith("_iri")]
    def cut(text: str, column: str) -> str:
        if max_width <= 0 or column in uncut or len(text) <= max_width:
            return text
        return text[: max_width - 1] + "…"
    widths = {c: max([len(c)] + [len(cut(r[c], c)) for r in rows]) for c in shown}
    lines = ["  ".join(c.ljust(widths[c]) for c in shown).rstrip(),
             "  ".join("-" * widths[c] for c in shown)]
    lines += ["  ".join(cut(r[c], c).ljust(widths[c]) for c in shown).rstrip() for r in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def render(kg: KnowledgeGraph, answer: Answer, fmt: str, width: int = 60) -> str:
    columns, rows = records(kg, answer)
    if fmt == "csv":
        return to_csv(columns, rows)
    if fmt == "json":
        return to_json(answer, columns, rows)
    return to_table(columns, rows, max_width=width)
