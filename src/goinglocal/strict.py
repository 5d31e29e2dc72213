"""Strict checks that SHACL shapes cannot make, run on the instance data
before the shapes' results are read:

- a term in the project's namespaces (gl: and the vocabulary schemes such
  as sector:, status:, direction:) that the ontology does not define;
- a typed literal outside its datatype's lexical space (lexical.py);
- a reference to an IRI in the project's id space that no file describes,
  and a gl:evidence pointing at a citation node that does not exist.

Each problem names the closest defined terms or IRIs. A problem about an
undefined IRI or an ill-formed literal overrules what a shape says about the
same node and value (`overrule`): "participants are actors" is misleading
when the participant's IRI is only misspelt."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

from goinglocal import lexical
from goinglocal.load import Dataset
from goinglocal.lookup import Lookup
from goinglocal.namespaces import GL, ID_BASE, ONTOLOGY_BASE
from goinglocal.paths import Layout
from goinglocal.validate import Problem, _short, _where

UNDEFINED_TERM = "undefined-term"
UNDEFINED_IRI = "undefined-iri"
MISSING_CITATION = "missing-citation"
LEXICAL = "lexical"
OVERRULING = {UNDEFINED_IRI, MISSING_CITATION, LEXICAL}

PROPERTY_TYPES = {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property,
                  OWL.TransitiveProperty, OWL.SymmetricProperty, OWL.FunctionalProperty}


def _relative(iri: Node) -> str:
    text = str(iri)
    return f"<{text[len(ID_BASE):]}>" if text.startswith(ID_BASE) else f"<{text}>"


def vocabulary_namespaces(ontology: Graph) -> set[str]:
    """The concept-scheme namespaces under the id space that the ontology
    defines terms in (sector/, status/, direction/, level/ ...)."""
    return {ID_BASE + str(s)[len(ID_BASE):].split("/")[0] + "/" for s in ontology.subjects()
            if isinstance(s, URIRef) and str(s).startswith(ID_BASE) and "/" in str(s)[len(ID_BASE):]}


def _in_vocabulary(term: Node, namespaces: set[str]) -> str | None:
    text = str(term)
    return next((ns for ns in namespaces if text.startswith(ns)), None)


def _prefix_for(ontology: Graph, namespace: str) -> str:
    for prefix, ns in ontology.namespaces():
        if str(ns) == namespace and prefix:
            return prefix + ":"
    return ""


def _closest(name: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    return difflib.get_close_matches(name, list(candidates), n=n, cutoff=0.6)


def _with_label(instances: Lookup, relative: str) -> str:
    label = instances.label(URIRef(ID_BASE + relative))
    return f"<{relative}>" if label == ID_BASE + relative else f"<{relative}> ({label})"


def _triples(dataset: Dataset, focus: set[Node] | None) -> Iterable[tuple[Node, Node, Node]]:
    """The instance triples the checks read: all, or (with focus, the nodes
    of the files a user named) those whose subject is a focus node, which
    are the only ones whose problems are reported then."""
    lookup = dataset.lookup
    if focus is None:
        return lookup
    return [t for node in focus for t in lookup.about(node)]


def term_problems(dataset: Dataset, layout: Layout, focus: set[Node] | None = None) -> list[Problem]:
    """gl: terms and vocabulary concepts the ontology does not define, in any
    position of the instance data. A typo in a property is a violation, not a
    warning: the fact it carries would silently drop out of every answer."""
    ontology = dataset.ontology
    defined = {t for t in ontology.subjects() if isinstance(t, URIRef)}
    classes = sorted(str(t)[len(ONTOLOGY_BASE):] for t in ontology.subjects(RDF.type, OWL.Class)
                     if str(t).startswith(ONTOLOGY_BASE))
    properties = sorted({str(t)[len(ONTOLOGY_BASE):] for kind in PROPERTY_TYPES
                         for t in ontology.subjects(RDF.type, kind) if str(t).startswith(ONTOLOGY_BASE)})
    others = sorted(str(t)[len(ONTOLOGY_BASE):] for t in defined if str(t).startswith(ONTOLOGY_BASE))
    schemes = vocabulary_namespaces(ontology)
    problems: list[Problem] = []
    seen: set[tuple[Node, Node]] = set()
    suspect: dict[Node, bool] = {}  # per distinct term: in the ontology's or a scheme's namespace, yet undefined

    def undefined(term: Node) -> bool:
        found = suspect.get(term)
        if found is None:
            found = suspect[term] = (isinstance(term, URIRef) and term not in defined
                                     and (str(term).startswith(ONTOLOGY_BASE) or _in_vocabulary(term, schemes) is not None))
        return found
    for s, p, o in _triples(dataset, focus):
        if not (undefined(s) or undefined(p) or undefined(o)):
            continue
        for term, role in ((s, "subject"), (p, "property"), (o, "class" if p == RDF.type else "value")):
            if not undefined(term) or (s, term) in seen:
                continue
            text = str(term)
            if text.startswith(ONTOLOGY_BASE):
                local = text[len(ONTOLOGY_BASE):]
                kind = {"property": "property", "class": "class"}.get(role, "term")
                pool = {"property": properties, "class": classes}.get(role, others)
                close = [f"gl:{c}" for c in _closest(local, pool)]
                shown, where = f"gl:{local}", "the ontology (ontology/*.ttl)"
            else:
                namespace = _in_vocabulary(term, schemes)
                if namespace is None:
                    continue
                prefix = _prefix_for(ontology, namespace)
                local = text[len(namespace):]
                pool = [str(t)[len(namespace):] for t in defined if str(t).startswith(namespace)]
                close = [f"{prefix}{c}" if prefix else f"<{namespace}{c}>" for c in _closest(local, pool)]
                shown = f"{prefix}{local}" if prefix else f"<{text}>"
                kind, where = "concept", f"the {namespace[len(ID_BASE):-1]} scheme (ontology/vocabularies.ttl)"
            seen.add((s, term))
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            problems.append(Problem(
                severity="Violation", file=_where(dataset, layout, s), node=dataset.lookup.label(s),
                node_iri=str(s), property="rdf:type" if role == "class" else _short(p),
                message=f"{shown} is not a {kind} of {where}.{hint} Fix the spelling; a new term goes into "
                        f"the ontology first, with a label and a definition.",
                shape=UNDEFINED_TERM, value=shown))
    return problems


def reference_problems(dataset: Dataset, layout: Layout, focus: set[Node] | None = None) -> list[Problem]:
    """Objects in the id space that no file describes (no triple has them as
    subject): a misspelt IRI of an existing node, or a footnote that has no
    citation node."""
    instances = dataset.lookup
    schemes = vocabulary_namespaces(dataset.ontology)
    defined = {s for s in instances.subjects() if isinstance(s, URIRef)}
    defined |= {s for s in dataset.ontology.subjects() if isinstance(s, URIRef)}
    by_kind: dict[str, list[str]] = {}
    for node in defined:
        text = str(node)
        if text.startswith(ID_BASE) and _in_vocabulary(node, schemes) is None:
            by_kind.setdefault(text[len(ID_BASE):].split("/")[0], []).append(text[len(ID_BASE):])
    everything = sorted(r for names in by_kind.values() for r in names)
    problems: list[Problem] = []
    # an undefined concept is term_problems' to report
    dangling = [(s, p, o) for s, p, o in _triples(dataset, focus)
                if isinstance(o, URIRef) and o not in defined and str(o).startswith(ID_BASE)
                and _in_vocabulary(o, schemes) is None]
    for s, p, o in sorted(dangling, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))):
        relative = str(o)[len(ID_BASE):]
        pool = sorted(by_kind.get(relative.split("/")[0], [])) or everything
        close = _closest(relative, pool) or _closest(relative, everything)
        shown = ", ".join(_with_label(instances, c) for c in close)
        if p == GL.evidence:
            message = (f"cites {_relative(o)} which does not exist; closest: {shown or '(none)'}. Check the footnote "
                       f"or passage number; a new citation node goes into instances/sources/ (gl:inSource, "
                       f"gl:footnote or gl:locator).")
            shape = MISSING_CITATION
        else:
            message = (f"this IRI names nothing: no file describes {_relative(o)} (no rdf:type, no triple with it "
                       f"as subject). Closest existing IRIs: {shown or '(none)'}. Fix the spelling, or add the "
                       f"node with its type, label and evidence.")
            shape = UNDEFINED_IRI
        problems.append(Problem(
            severity="Violation", file=_where(dataset, layout, s), node=instances.label(s), node_iri=str(s),
            property=_short(p), message=message, shape=shape, value=str(o)))
    return problems


def literal_problems(dataset: Dataset, layout: Layout, focus: set[Node] | None = None) -> list[Problem]:
    """Typed literals outside their datatype's lexical space."""
    problems: list[Problem] = []
    for s, p, o in _triples(dataset, focus):
        if not isinstance(o, Literal) or o.datatype is None:
            continue
        error = lexical.check(o)
        if error is None:
            continue
        problems.append(Problem(
            severity="Violation", file=_where(dataset, layout, s), node=dataset.lookup.label(s),
            node_iri=str(s), property=_short(p), message=error.message(str(o)), shape=LEXICAL, value=str(o)))
    return problems


def strict_problems(dataset: Dataset, layout: Layout, focus: set[Node] | None = None) -> list[Problem]:
    return (term_problems(dataset, layout, focus) + reference_problems(dataset, layout, focus)
            + literal_problems(dataset, layout, focus))


def overrule(problems: list[Problem]) -> list[Problem]:
    """Drop shape results about a node and value that a strict check already
    explains better (an undefined IRI, a missing citation, an ill-formed
    literal)."""
    explained = {(p.node_iri, p.value) for p in problems if p.shape in OVERRULING}
    return [p for p in problems if p.shape in OVERRULING or (p.node_iri, p.value) not in explained]
