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
from functools import cached_property

import pyoxigraph as ox

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

from goinglocal import lexical
from goinglocal.load import Dataset
from goinglocal.lookup import Lookup
from goinglocal.namespaces import GL, ID_BASE, ONTOLOGY_BASE
from goinglocal.paths import Layout
from goinglocal.validate import XSD_STRING, Problem, _short, _where

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


def vocabulary_namespaces(iris: Iterable[str]) -> set[str]:
    """The concept-scheme namespaces under the id space that the ontology
    defines terms in (sector/, status/, direction/, level/ ...), from the
    IRIs it describes."""
    return {ID_BASE + iri[len(ID_BASE):].split("/")[0] + "/" for iri in iris
            if iri.startswith(ID_BASE) and "/" in iri[len(ID_BASE):]}


def _in_vocabulary(term: Node | str, namespaces: set[str]) -> str | None:
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


class OntologyTerms:
    """What the checks need of the ontology, read from its triples as
    Oxigraph terms (no rdflib graph of it is built)."""

    def __init__(self, dataset: Dataset):
        self.triples = dataset.ontology_triples
        self.defined = {t.subject.value for t in self.triples if isinstance(t.subject, ox.NamedNode)}
        self.schemes = vocabulary_namespaces(self.defined)

    def _of_types(self, types) -> set[str]:
        wanted = {ox.NamedNode(str(t)) for t in types}
        return {t.subject.value for t in self.triples if t.predicate == TYPE and t.object in wanted
                and isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(ONTOLOGY_BASE)}

    @cached_property
    def classes(self) -> list[str]:
        return sorted(iri[len(ONTOLOGY_BASE):] for iri in self._of_types([OWL.Class]))

    @cached_property
    def properties(self) -> list[str]:
        return sorted(iri[len(ONTOLOGY_BASE):] for iri in self._of_types(PROPERTY_TYPES))

    @cached_property
    def others(self) -> list[str]:
        return sorted(iri[len(ONTOLOGY_BASE):] for iri in self.defined if iri.startswith(ONTOLOGY_BASE))


TYPE = ox.NamedNode(str(RDF.type))


def _raw_triples(dataset: Dataset, focus: set[Node] | None) -> Iterable[ox.Triple]:
    """The instance triples the checks read, as Oxigraph terms: all, or
    (with focus, the nodes of the files a user named) those whose subject is
    a focus node, which are the only ones whose problems are reported then."""
    lookup = dataset.lookup
    if focus is None:
        return lookup.raw()
    return [t for node in focus for t in lookup.out.get(Lookup._ox(node), ())]


def term_problems(dataset: Dataset, layout: Layout, focus: set[Node] | None = None,
                  ontology: OntologyTerms | None = None) -> list[Problem]:
    """gl: terms and vocabulary concepts the ontology does not define, in any
    position of the instance data. A typo in a property is a violation, not a
    warning: the fact it carries would silently drop out of every answer."""
    ontology = ontology or OntologyTerms(dataset)
    defined, schemes = ontology.defined, ontology.schemes
    lookup = dataset.lookup
    problems: list[Problem] = []
    seen: set[tuple[Node, Node]] = set()
    suspect: dict = {}  # per distinct Oxigraph term: in the ontology's or a scheme's namespace, yet undefined

    def undefined(term) -> bool:
        found = suspect.get(term)
        if found is None:
            found = suspect[term] = (isinstance(term, ox.NamedNode) and term.value not in defined
                                     and (term.value.startswith(ONTOLOGY_BASE)
                                          or _in_vocabulary(term.value, schemes) is not None))
        return found
    if focus is None and not any(undefined(term) for term in lookup.terms):
        return []  # the usual case, told from the distinct terms
    for t in _raw_triples(dataset, focus):
        if not (undefined(t.subject) or undefined(t.predicate) or undefined(t.object)):
            continue
        s, p, o = lookup.rdflib(t)
        for term, raw, role in ((s, t.subject, "subject"), (p, t.predicate, "property"),
                                (o, t.object, "class" if p == RDF.type else "value")):
            if not undefined(raw) or (s, term) in seen:
                continue
            text = str(term)
            if text.startswith(ONTOLOGY_BASE):
                local = text[len(ONTOLOGY_BASE):]
                kind = {"property": "property", "class": "class"}.get(role, "term")
                pool = {"property": ontology.properties, "class": ontology.classes}.get(role, ontology.others)
                close = [f"gl:{c}" for c in _closest(local, pool)]
                shown, where = f"gl:{local}", "the ontology (ontology/*.ttl)"
            else:
                namespace = _in_vocabulary(term, schemes)
                if namespace is None:
                    continue
                prefix = _prefix_for(dataset.ontology, namespace)
                local = text[len(namespace):]
                pool = [iri[len(namespace):] for iri in defined if iri.startswith(namespace)]
                close = [f"{prefix}{c}" if prefix else f"<{namespace}{c}>" for c in _closest(local, pool)]
                shown = f"{prefix}{local}" if prefix else f"<{text}>"
                kind, where = "concept", f"the {namespace[len(ID_BASE):-1]} scheme (ontology/vocabularies.ttl)"
            seen.add((s, term))
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            problems.append(Problem(
                severity="Violation", file=_where(dataset, layout, s), node=lookup.label(s),
                node_iri=str(s), property="rdf:type" if role == "class" else _short(p),
                message=f"{shown} is not a {kind} of {where}.{hint} Fix the spelling; a new term goes into "
                        f"the ontology first, with a label and a definition.",
                shape=UNDEFINED_TERM, value=shown))
    return problems


def reference_problems(dataset: Dataset, layout: Layout, focus: set[Node] | None = None,
                       ontology: OntologyTerms | None = None) -> list[Problem]:
    """Objects in the id space that no file describes (no triple has them as
    subject): a misspelt IRI of an existing node, or a footnote that has no
    citation node."""
    ontology = ontology or OntologyTerms(dataset)
    instances = dataset.lookup
    schemes = ontology.schemes
    defined = {s.value for s in instances.out if isinstance(s, ox.NamedNode)} | ontology.defined
    if focus is None and not any(isinstance(o, ox.NamedNode) and o.value not in defined and o.value.startswith(ID_BASE)
                                 and _in_vocabulary(o.value, schemes) is None for o in instances.distinct_objects):
        return []  # the usual case, told from the distinct objects
    # an undefined concept is term_problems' to report
    dangling = [instances.rdflib(t) for t in _raw_triples(dataset, focus)
                if isinstance(t.object, ox.NamedNode) and t.object.value not in defined
                and t.object.value.startswith(ID_BASE) and _in_vocabulary(t.object.value, schemes) is None]
    if not dangling:
        return []
    by_kind: dict[str, list[str]] = {}
    for iri in defined:
        if iri.startswith(ID_BASE) and _in_vocabulary(iri, schemes) is None:
            by_kind.setdefault(iri[len(ID_BASE):].split("/")[0], []).append(iri[len(ID_BASE):])
    everything = sorted(r for names in by_kind.values() for r in names)
    problems: list[Problem] = []
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
    """Typed literals outside their datatype's lexical space (as rdflib reads
    them: only literals of an XSD datatype other than xsd:string are read
    into rdflib terms, the only ones lexical.check can find wrong)."""
    problems: list[Problem] = []
    lookup = dataset.lookup
    errors: dict = {}  # per distinct Oxigraph literal: lexical.check of it as rdflib reads it

    def error_of(raw):
        if raw not in errors:
            errors[raw] = None if (not isinstance(raw, ox.Literal) or raw.language or raw.datatype.value == XSD_STRING
                                   or not raw.datatype.value.startswith(lexical.XSD)) else lexical.check(lookup.term(raw))
        return errors[raw]
    if focus is None and not any(error_of(o) is not None for o in lookup.distinct_objects):
        return []  # the usual case, told from the distinct objects
    for t in _raw_triples(dataset, focus):
        error = error_of(t.object)
        if error is None:
            continue
        o = lookup.term(t.object)
        s, p, _ = lookup.rdflib(t)
        problems.append(Problem(
            severity="Violation", file=_where(dataset, layout, s), node=lookup.label(s),
            node_iri=str(s), property=_short(p), message=error.message(str(o)), shape=LEXICAL, value=str(o)))
    return problems


def strict_problems(dataset: Dataset, layout: Layout, focus: set[Node] | None = None) -> list[Problem]:
    ontology = OntologyTerms(dataset)
    return (term_problems(dataset, layout, focus, ontology) + reference_problems(dataset, layout, focus, ontology)
            + literal_problems(dataset, layout, focus))


def overrule(problems: list[Problem]) -> list[Problem]:
    """Drop shape results about a node and value that a strict check already
    explains better (an undefined IRI, a missing citation, an ill-formed
    literal)."""
    explained = {(p.node_iri, p.value) for p in problems if p.shape in OVERRULING}
    return [p for p in problems if p.shape in OVERRULING or (p.node_iri, p.value) not in explained]
