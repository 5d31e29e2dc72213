"""`goinglocal why`: why a triple is in the closure, as a tree of rule
applications down to asserted triples, each asserted triple with the file and
line it is written on and the citations of its subject.

Derivations are re-derived backwards from the closure, never recorded in the
reasoner's hot loop: `Derivations` runs the rules of goinglocal.materialise
(RULES and chain_rules, the same SPARQL updates) once more, semi-naively from
the asserted triples, and notes the round in which each inferred triple first
appears (its rank). Because each round only sees the triples of earlier
rounds, a triple of rank r has a rule instance whose body triples all have
ranks below r, and the rank is the height of its shortest derivation. `prove`
picks, for a target, the rule instance with the lowest highest-ranked body
triple (then the fewest inferred ones), and recurses; ranks fall at every step,
so there are no cycles and the depth is at most the number of rounds.

Body atoms about the ontology (subclass, subproperty, domain, range, inverse,
characteristics, restrictions, chains) are shown as the axiom the rule
applied, with its ontology module and line; when such an axiom is itself
inferred (a subclass of a subclass), it is explained like any other premise.

`explain_row` explains an answer row of a question: it re-runs the question's
WHERE clause with the row's values bound, takes the triples one solution
matched (`matched`: the clause's patterns, UNION branches, OPTIONALs and
FILTER EXISTS instantiated with it), and explains those that hold only in the
inferred graph."""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef, Variable
from rdflib.term import Node

from goinglocal.errors import QuestionFileError, TermError
from goinglocal.materialise import (DELTA, INFERRED, NEW, RULES, ASSERTED, chain_rules, load_asserted,
                                    rule_updates)
from goinglocal.namespaces import ID_BASE, ONTOLOGY_BASE
from goinglocal.paths import Layout
from goinglocal.store import KnowledgeGraph, from_ox, to_ox

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
TYPE = ox.NamedNode(RDF + "type")
PREFIXES = {"gl": ONTOLOGY_BASE, "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD,
            "skos": "http://www.w3.org/2004/02/skos/core#", "dcterms": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/", "org": "http://www.w3.org/ns/org#",
            "prov": "http://www.w3.org/ns/prov#", "schema": "https://schema.org/",
            "time": "http://www.w3.org/2006/time#"}
SCHEMA_PREDICATES = {RDFS + n for n in ("subClassOf", "subPropertyOf", "domain", "range")} | {
    OWL + n for n in ("inverseOf", "hasValue", "onProperty", "someValuesFrom", "equivalentClass",
                      "equivalentProperty", "propertyChainAxiom")}
RESTRICTION_KEYS = {OWL + "onProperty", OWL + "someValuesFrom", OWL + "hasValue"}
MAX_CITATIONS = 4    # citations shown per asserted triple in text (JSON lists them all)
MAX_INSTANCES = 5000  # rule instances looked at per rule and target, a guard against huge joins

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Token = str | Term  # "?var" or a constant
Triple = tuple[Term, Term, Term]


# --------------------------------------------------------------------------
# the rules, parsed from goinglocal.materialise's SPARQL atoms
# --------------------------------------------------------------------------

def _token(text: str) -> Token:
    if text.startswith("?"):
        return text
    if text == "a":
        return TYPE
    if text.startswith("<") and text.endswith(">"):
        return ox.NamedNode(text[1:-1])
    prefix, _, local = text.partition(":")
    if prefix in PREFIXES:
        return ox.NamedNode(PREFIXES[prefix] + local)
    raise ValueError(f"cannot read rule token {text!r}")


def _atom(text: str) -> tuple[Token, Token, Token]:
    parts = text.split()
    if len(parts) != 3:
        raise ValueError(f"cannot read rule atom {text!r}")
    return tuple(_token(p) for p in parts)  # type: ignore[return-value]


def _is_schema(atom: tuple[Token, Token, Token]) -> bool:
    """An atom about the ontology: its predicate is an RDFS/OWL axiom
    property, or it types something with an OWL class (owl:TransitiveProperty)."""
    _, p, o = atom
    if isinstance(p, ox.NamedNode) and p.value in SCHEMA_PREDICATES:
        return True
    return p == TYPE and isinstance(o, ox.NamedNode) and o.value.startswith(OWL)


@dataclass(frozen=True)
class Rule:
    name: str
    head: tuple[Token, Token, Token]
    body: tuple[tuple[Token, Token, Token], ...]
    chain_property: ox.NamedNode | None = None

    @property
    def title(self) -> str:
        if self.chain_property is not None:
            return f"prp-spo2 chain of {short(self.chain_property)}"
        return self.name


def parse_rules(rules: dict[str, tuple[str, list[str], str]]) -> list[Rule]:
    parsed = []
    for name, (head, atoms, _condition) in rules.items():
        head_atom = _atom(head)
        chain = head_atom[1] if name.startswith("prp-spo2") else None  # the head is ?v0 <property> ?vN
        parsed.append(Rule(name, head_atom, tuple(_atom(a) for a in atoms), chain))
    return parsed


def _unify(pattern: tuple[Token, ...], triple: tuple[Term, ...], binding: dict[str, Term]) -> dict[str, Term] | None:
    out = dict(binding)
    for token, term in zip(pattern, triple):
        if isinstance(token, str):
            if token in out and out[token] != term:
                return None
            out[token] = term
        elif token != term:
            return None
    return out


# --------------------------------------------------------------------------
# ranks and proofs
# --------------------------------------------------------------------------

@dataclass
class Step:
    """One triple of a derivation: asserted (a leaf), or inferred by `rule`
    from the asserted ontology `axioms` and the `premises`."""
    triple: Triple
    rank: int
    rule: Rule | None = None
    axioms: list[Triple] = field(default_factory=list)
    premises: list["Step"] = field(default_factory=list)

    @property
    def asserted(self) -> bool:
        return self.rule is None

    def leaves(self) -> list[Triple]:
        """The asserted triples the derivation rests on (premises only, not
        the ontology axioms of the rules), in order, without repeats."""
        if self.asserted:
            return [self.triple]
        seen: dict[Triple, None] = {}
        for premise in self.premises:
            for leaf in premise.leaves():
                seen.setdefault(leaf, None)
        return list(seen)

    def rules(self) -> list[str]:
        names: dict[str, None] = {}
        if self.rule is not None:
            names[self.rule.title] = None
        for premise in self.premises:
            for name in premise.rules():
                names.setdefault(name, None)
        return list(names)


class Derivations:
    """The closure of the asserted triples under goinglocal.materialise's
    rules, with the round each inferred triple first appeared in."""

    def __init__(self, asserted_nt: bytes):
        self.store = load_asserted(asserted_nt)
        rules = {**RULES, **chain_rules(self.store)}
        self.rules = parse_rules(rules)
        self.rank: dict[ox.Triple, int] = {}
        self.rounds = self._materialise({name: rule_updates(*rule) for name, rule in rules.items()})
        self._proofs: dict[Triple, Step] = {}

    def _materialise(self, updates: dict[str, tuple[str, list[str]]]) -> int:
        """Semi-naive evaluation as in goinglocal.materialise, without its
        schema-first phase (so that a rank is a shortest derivation's height),
        noting the round of every new triple."""
        first, round_no = True, 0
        while True:
            round_no += 1
            for full, variants in updates.values():
                for update in [full] if first else variants:
                    self.store.update(update)
            first = False
            self.store.update(f"DROP SILENT GRAPH <{DELTA.value}>")
            new = [quad.triple for quad in self.store.quads_for_pattern(None, None, None, NEW)]
            if not new:
                break
            for triple in new:
                self.rank.setdefault(triple, round_no)
            self.store.update(f"ADD <{NEW.value}> TO <{INFERRED.value}> ; MOVE <{NEW.value}> TO <{DELTA.value}>")
        self.store.update(f"DROP SILENT GRAPH <{NEW.value}> ; DROP SILENT GRAPH <{DELTA.value}>")
        return round_no

    def knowledge_graph(self) -> KnowledgeGraph:
        return KnowledgeGraph.from_store(self.store)

    def rank_of(self, triple: Triple) -> int | None:
        """0 for an asserted triple, its round for an inferred one, None if not in the closure."""
        if next(self.store.quads_for_pattern(*triple, ASSERTED), None) is not None:
            return 0
        return self.rank.get(ox.Triple(*triple))

    def holds(self, triple: Triple) -> bool:
        return self.rank_of(triple) is not None

    def match(self, s: Term | None, p: Term | None, o: Term | None) -> Iterator[tuple[Triple, int]]:
        for quad in self.store.quads_for_pattern(s, p, o, None):
            if quad.graph_name == ASSERTED:
                yield (quad.subject, quad.predicate, quad.object), 0
            elif quad.graph_name == INFERRED:
                yield (quad.subject, quad.predicate, quad.object), self.rank[quad.triple]

    def _instances(self, atoms: list[tuple[Token, Token, Token]], binding: dict[str, Term],
                   below: int) -> Iterator[dict[str, Term]]:
        """Bindings of the atoms in the closure using only triples of rank <
        below. The rules' FILTERs are not evaluated: all they exclude (a body
        triple equal to the head, a literal subject) cannot rank below the head."""
        if not atoms:
            yield binding
            return
        def bound(atom) -> int:
            return sum(1 for t in atom if not isinstance(t, str) or t in binding)
        index = max(range(len(atoms)), key=lambda i: bound(atoms[i]))
        atom, rest = atoms[index], atoms[:index] + atoms[index + 1:]
        values = [binding.get(t) if isinstance(t, str) else t for t in atom]
        if isinstance(values[0], ox.Literal) or not isinstance(values[1], (ox.NamedNode, type(None))):
            return
        for triple, rank in self.match(*values):
            if rank < below and (extended := _unify(atom, triple, binding)) is not None:
                yield from self._instances(rest, extended, below)

    def prove(self, triple: Triple) -> Step:
        """A shortest derivation of a triple of the closure (KeyError if it is not in it)."""
        if triple in self._proofs:
            return self._proofs[triple]
        rank = self.rank_of(triple)
        if rank is None:
            raise KeyError(triple)
        if rank == 0:
            step = Step(triple, 0)
        else:
            step = self._derive(triple, rank)
        self._proofs[triple] = step
        return step

    def _derive(self, triple: Triple, rank: int) -> Step:
        best = None
        for order, rule in enumerate(self.rules):
            start = _unify(rule.head, triple, {})
            if start is None:
                continue
            for count, binding in enumerate(self._instances(list(rule.body), start, rank)):
                if count >= MAX_INSTANCES:
                    break
                body = [tuple(binding[t] if isinstance(t, str) else t for t in atom) for atom in rule.body]
                ranks = [self.rank_of(b) or 0 for b in body]
                key = (max(ranks), sum(1 for r in ranks if r), sum(ranks), order,
                       [" ".join(str(t) for t in b) for b in body])
                if best is None or key < best[0]:
                    best = (key, rule, body, ranks)
        if best is None:  # cannot happen for a triple the rules derived
            raise RuntimeError(f"no derivation found for {' '.join(map(str, triple))}")
        _, rule, body, ranks = best
        axioms, premises = [], []
        for atom, fact, fact_rank in zip(rule.body, body, ranks):
            if _is_schema(atom) and fact_rank == 0:
                axioms.append(fact)
            else:
                premises.append(self.prove(fact))
        if rule.chain_property is not None:
            axioms = [self._chain_axiom(rule)]
        return Step(triple, rank, rule, axioms, premises)

    def _chain_axiom(self, rule: Rule) -> Triple:
        """The owl:propertyChainAxiom triple a prp-spo2 rule comes from (a
        property may have several chains: the one whose steps are the body's)."""
        steps = [atom[1] for atom in rule.body]
        axiom = ox.NamedNode(OWL + "propertyChainAxiom")
        describe = Describer(self.store)
        for quad in self.store.quads_for_pattern(rule.chain_property, axiom, None, ASSERTED):
            if describe.list_items(quad.object) == steps:
                return quad.subject, quad.predicate, quad.object
        raise RuntimeError(f"no chain axiom of {rule.chain_property} for rule {rule.name}")


# --------------------------------------------------------------------------
# showing terms, finding where a triple is written, citations
# --------------------------------------------------------------------------

def short(term: Term | Node) -> str:
    """A term as the project writes it: <place/ar/jujuy>, gl:locatedIn, "AR-Y"."""
    if isinstance(term, (ox.NamedNode, URIRef)):
        value = term.value if isinstance(term, ox.NamedNode) else str(term)
        if value.startswith(ID_BASE):
            return f"<{value[len(ID_BASE):]}>"
        for prefix, base in PREFIXES.items():
            if value.startswith(base) and re.fullmatch(r"[A-Za-z_][\w.-]*", value[len(base):]):
                return f"{prefix}:{value[len(base):]}"
        return f"<{value}>"
    if isinstance(term, ox.Literal):
        text = json.dumps(term.value, ensure_ascii=False)
        if term.language:
            return f"{text}@{term.language}"
        return text if term.datatype.value == XSD + "string" else f"{text}^^{short(term.datatype)}"
    return str(term)


class Describer:
    """Readable text for terms and triples of a store, including the
    restriction and list blank nodes of the ontology."""

    def __init__(self, store: ox.Store):
        self.store = store

    def _one(self, s: Term, p: str) -> Term | None:
        quad = next(self.store.quads_for_pattern(s, ox.NamedNode(p), None), None)
        return quad.object if quad else None

    def list_items(self, head: Term) -> list[Term] | None:
        items, node = [], head
        for _ in range(100):
            if node == ox.NamedNode(RDF + "nil"):
                return items
            first, rest = self._one(node, RDF + "first"), self._one(node, RDF + "rest")
            if first is None or rest is None:
                return None
            items.append(first)
            node = rest
        return None

    def restriction(self, node: Term) -> tuple[Term, str, Term] | None:
        prop = self._one(node, OWL + "onProperty")
        for key, word in ((OWL + "someValuesFrom", "some"), (OWL + "hasValue", "value")):
            value = self._one(node, key)
            if prop is not None and value is not None:
                return prop, word, value
        return None

    def term(self, term: Term) -> str:
        if isinstance(term, ox.BlankNode):
            if (r := self.restriction(term)) is not None:
                return f"[{short(r[0])} {r[1]} {short(r[2])}]"
            if (items := self.list_items(term)) is not None:
                return "( " + " ".join(self.term(i) for i in items) + " )"
        return short(term)

    def triple(self, triple: Triple) -> str:
        s, p, o = triple
        return f"{self.term(s)} {'a' if p == TYPE else short(p)} {self.term(o)}"

    def axioms(self, axioms: list[Triple]) -> list[Triple]:
        """The axioms to show: the onProperty/someValuesFrom/hasValue triples
        of one restriction are shown once, as the restriction."""
        shown, seen = [], set()
        for s, p, o in axioms:
            if isinstance(s, ox.BlankNode) and p.value in RESTRICTION_KEYS:
                if s in seen:
                    continue
                seen.add(s)
            shown.append((s, p, o))
        return shown

    def axiom(self, triple: Triple) -> str:
        s, p, _ = triple
        if isinstance(s, ox.BlankNode) and p.value in RESTRICTION_KEYS:
            return self.term(s)
        return self.triple(triple)


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


# --------------------------------------------------------------------------
# reading S P O from the command line
# --------------------------------------------------------------------------

ROLES = {0: "subject", 1: "property", 2: "object"}


class Resolver:
    """Turns what the user typed for S, P or O into a term of the graph:
    an IRI (<...>, https://..., place/ar/jujuy), a prefixed name (gl:locatedIn,
    or `a`), a quoted literal ("AR-Y") or a label (Jujuy, any case), refusing
    unknown terms and labels that name several things."""

    def __init__(self, kg: KnowledgeGraph):
        self.kg = kg
        self.store = kg.store

    def known(self, term: ox.NamedNode) -> bool:
        return any(next(self.store.quads_for_pattern(*pattern), None) is not None
                   for pattern in ((term, None, None), (None, term, None), (None, None, term)))

    def resolve(self, text: str, role: int) -> Term:
        from goinglocal.questions import as_iri
        from goinglocal.errors import ParameterError
        name = ROLES[role]
        if role == 1 and text == "a":
            return TYPE
        if role == 2 and len(text) >= 2 and text.startswith('"') and text.endswith('"'):
            return ox.Literal(text[1:-1])
        prefix, colon, local = text.partition(":")
        if colon and prefix in PREFIXES and not local.startswith("//"):
            iri = ox.NamedNode(PREFIXES[prefix] + local)
        else:
            try:
                found = as_iri(text)
            except ParameterError as exc:
                raise TermError(f"{name} {text!r}: {exc.message}", exc.hint) from None
            iri = ox.NamedNode(str(found)) if found is not None else None
        if iri is not None:
            if not self.known(iri):
                raise TermError(f"{name} {text!r}: no node <{iri.value}> in the graph",
                                self._close_iris(iri.value))
            return iri
        return self._by_label(text, name)

    def _close_iris(self, iri: str) -> str:
        namespace = iri.rsplit("#", 1)[0] + "#" if "#" in iri else iri.rsplit("/", 1)[0] + "/"
        candidates = {t.value for quad in self.store.quads_for_pattern(None, None, None)
                      for t in (quad.subject, quad.predicate, quad.object)
                      if isinstance(t, ox.NamedNode) and t.value.startswith(namespace)}
        close = difflib.get_close_matches(iri, sorted(candidates), n=5, cutoff=0.6)
        if close:
            return "did you mean: " + "; ".join(short(ox.NamedNode(c)) for c in close)
        return "check the IRI, or give the label instead"

    def _by_label(self, text: str, name: str) -> Term:
        """Labels match as for `ask` parameters: case, accents and punctuation aside."""
        from goinglocal.search import close_labels, exact_matches
        nodes = exact_matches(self.kg, None, text)
        if len(nodes) == 1:
            return to_ox(nodes[0])
        if not nodes:
            close = close_labels(self.kg, None, text)
            hint = ("did you mean: " + "; ".join(close)) if close else \
                "give an IRI (place/ar/jujuy), a prefixed name (gl:locatedIn) or an exact label"
            raise TermError(f"{name} {text!r}: nothing in the graph has that label", hint)
        listing = "\n".join(f"    {self.kg.label(n)}  <{n}>" for n in nodes)
        raise TermError(f"{name} {text!r} is ambiguous; it names {len(nodes)} things:\n{listing}",
                        f"give one of the IRIs instead, e.g. {short(to_ox(nodes[0]))[1:-1]}")


# --------------------------------------------------------------------------
# explanations: a triple, an answer row
# --------------------------------------------------------------------------

@dataclass
class Explanation:
    """What `why S P O` found: the triple, whether it holds, its derivation
    (or, when it does not hold, triples of the closure close to it)."""
    triple: Triple
    step: Step | None
    suggestions: list[Triple] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return self.step is not None


class Why:
    """The explainer: derivations, term resolution, locations and citations."""

    def __init__(self, layout: Layout, asserted_nt: bytes):
        self.layout = layout
        self.derivations = Derivations(asserted_nt)
        self.kg = self.derivations.knowledge_graph()
        self.describe = Describer(self.derivations.store)
        self.sources = Sources(layout, self.describe)
        self.resolver = Resolver(self.kg)

    @classmethod
    def for_layout(cls, layout: Layout) -> "Why":
        from goinglocal.reason import closure_for
        return cls(layout, closure_for(layout).asserted_nt)

    def resolve(self, s: str, p: str, o: str) -> Triple:
        subject, predicate, obj = (self.resolver.resolve(text, i) for i, text in enumerate((s, p, o)))
        if isinstance(subject, ox.Literal):
            raise TermError(f"subject {s!r} is a literal; a triple's subject is a node")
        if isinstance(obj, ox.Literal) and obj.datatype.value == XSD + "string":
            # a quoted string: the literal of that text, whatever its datatype or language
            for (triple, _) in self.derivations.match(subject, predicate, None):
                if isinstance(triple[2], ox.Literal) and triple[2].value == obj.value:
                    obj = triple[2]
                    break
        return subject, predicate, obj

    def explain(self, triple: Triple) -> Explanation:
        if not self.derivations.holds(triple):
            return Explanation(triple, None, self.suggest(triple))
        return Explanation(triple, self.derivations.prove(triple))

    def suggest(self, triple: Triple, limit: int = 8) -> list[Triple]:
        """Triples of the closure that share two of the three terms, the reversed one first."""
        s, p, o = triple
        found: dict[Triple, None] = {}
        patterns = [(o, p, s)] if not isinstance(o, ox.Literal) else []
        patterns += [(s, p, None), (s, None, o), (None, p, o)]
        for pattern in patterns:
            if isinstance(pattern[0], ox.Literal):
                continue
            for t, _ in self.derivations.match(*pattern):
                if len(found) >= limit:
                    break
                found.setdefault(t, None)
        return list(found)

    def label(self, term: Term) -> str:
        if isinstance(term, ox.NamedNode):
            return self.kg.labels.get(from_ox(term)) or short(term)
        return self.describe.term(term)


@dataclass
class RowExplanation:
    question: str
    params: dict[str, str]
    row_number: int
    row: dict[str, str]
    solutions: int
    binding: dict[str, Term]
    asserted: list[Triple]
    inferred: list[Step]


def _strip_parentheses(text: str) -> str:
    out, depth = [], 0
    for ch in text:
        depth += ch == "("
        if not depth:
            out.append(ch)
        depth -= ch == ")" and depth > 0
    return "".join(out)


def _where_body(query: str) -> tuple[str, str, str]:
    """(prologue, projection, body) of a SELECT query: the text before
    SELECT, between SELECT and WHERE, and inside the outermost WHERE braces."""
    code = "\n".join(line for line in query.splitlines() if not line.lstrip().startswith("#"))
    select = re.search(r"\bSELECT\b", code, re.IGNORECASE)
    where = re.search(r"\bWHERE\s*\{", code[select.end():], re.IGNORECASE) if select else None
    if select is None or where is None:
        raise QuestionFileError("the question is not a SELECT ... WHERE { ... } query")
    start = select.end() + where.end()
    depth, i, in_string = 1, start, None
    while i < len(code) and depth:
        ch = code[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == in_string:
                in_string = None
        elif ch in "\"'":
            in_string = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        i += 1
    return code[:select.start()], code[select.end():select.end() + where.start()], code[start:i - 1]


def _algebra(prologue: str, body: str):
    from rdflib.plugins.sparql import prepareQuery
    return prepareQuery(f"{prologue}\nSELECT * WHERE {{ {body} }}").algebra


def _exists(expr) -> list:
    """The graph patterns of the positive EXISTS of a filter (alone or and-ed)."""
    from rdflib.plugins.sparql.parserutils import CompValue
    if not isinstance(expr, CompValue):
        return []
    if expr.name == "Builtin_EXISTS":  # rdflib leaves it in parse form until evaluation
        from rdflib.plugins.sparql.algebra import translateGroupGraphPattern
        graph = expr["graph"]
        return [translateGroupGraphPattern(graph) if graph.name == "GroupGraphPatternSub" else graph]
    if expr.name == "ConditionalAndExpression":
        return [g for part in [expr["expr"], *(expr.get("other") or [])] for g in _exists(part)]
    return []


def matched(node, solution: dict[str, Node], holds) -> list[Triple] | None:
    """The triples a solution matched in a WHERE clause's algebra (rdflib's):
    the triple patterns it instantiates fully, of every group, of the first
    UNION branch it matches, of the OPTIONALs it matches and of positive
    FILTER EXISTS; not of NOT EXISTS or MINUS. Patterns with a variable the
    solution leaves unbound, and property paths, are left out. None when a
    required pattern does not hold."""
    from rdflib.plugins.sparql.parserutils import CompValue
    if isinstance(node, (list, tuple)):
        out: list[Triple] = []
        for item in node:
            if (found := matched(item, solution, holds)) is None:
                return None
            out += found
        return out
    if not isinstance(node, CompValue):
        return []
    if node.name == "BGP":
        out = []
        for pattern in node["triples"]:
            if not isinstance(pattern[1], (URIRef, Variable)):
                continue  # a property path
            terms = [solution.get(str(t)) if isinstance(t, Variable) else t for t in pattern]
            if any(t is None or isinstance(t, BNode) for t in terms):
                continue
            triple = tuple(to_ox(t) for t in terms)
            if not holds(triple):
                return None
            out.append(triple)
        return out
    if node.name == "Union":
        branches = [found for b in (node["p1"], node["p2"]) if (found := matched(b, solution, holds)) is not None]
        return next((b for b in branches if b), branches[0] if branches else None)
    if node.name in ("LeftJoin", "Minus"):
        required = matched(node["p1"], solution, holds)
        optional = matched(node["p2"], solution, holds) if node.name == "LeftJoin" and required is not None else None
        return None if required is None else required + (optional or [])
    if node.name == "Filter":
        required = matched(node["p"], solution, holds)
        if required is None:
            return None
        for graph in _exists(node["expr"]):
            required += matched(graph, solution, holds) or []
        return required
    return matched([value for key, value in node.items() if key != "expr"], solution, holds)


def _values(bindings: dict[str, Node]) -> str:
    """A VALUES block of typed terms (see goinglocal.questions.bind_values)."""
    if not bindings:
        return ""
    return ("VALUES (" + " ".join(f"?{n}" for n in bindings) + ") { ("
            + " ".join(term.n3() for term in bindings.values()) + ") }")


def explain_row(why: Why, name: str, raw_params: dict[str, str], row_number: int) -> RowExplanation:
    from goinglocal import answers
    from goinglocal.questions import bind_values, find_question, load_questions
    question = find_question(load_questions(why.layout), name)
    answer = answers.run(why.kg, question, raw_params)
    columns, records = answers.records(why.kg, answer)
    if not 1 <= row_number <= len(answer.rows):
        raise TermError(f"--row {row_number}: the answer of {name!r} has {len(answer.rows)} row(s)",
                        f"give a row number from 1 to {len(answer.rows)} (as `goinglocal ask {name}` lists them)"
                        if answer.rows else "the answer is empty, so there is nothing to explain")
    row = answer.rows[row_number - 1]
    prologue, projection, body = _where_body(question.text)
    plain = (set(answer.variables) if "*" in _strip_parentheses(projection)
             else set(re.findall(r"\?(\w+)", _strip_parentheses(projection))))
    # the parameters as the question binds them (inside its WHERE clause, where
    # its filters see them), the row's values after it (a variable the clause
    # BINDs cannot be bound before)
    row_values = {v: value for v, value in row.items() if v in plain and v not in answer.bindings
                  and isinstance(value, (URIRef, Literal))}
    query = (f"{prologue}\nSELECT * WHERE {{\n{{ {_values(answer.bindings)}\n{body} }}\n"
             f"{_values(row_values)}\n}} LIMIT 500")
    _, solutions = why.kg.select(query)
    algebra = _algebra(prologue, f"{_values(answer.bindings)}\n{body}")
    candidates = []
    for solution in solutions:
        found = matched(algebra, solution, why.derivations.holds)
        if found is None:
            continue
        triples = list(dict.fromkeys(found))
        inferred = [t for t in triples if why.derivations.rank_of(t)]
        asserted = [t for t in triples if not why.derivations.rank_of(t)]
        key = (len(inferred), sorted(f"{k}={v.n3()}" for k, v in solution.items() if v is not None))
        candidates.append((key, solution, asserted, inferred))
    if not candidates:  # cannot happen: the row came from this query
        raise RuntimeError(f"row {row_number} of {name!r} has no solution when its values are bound")
    _, solution, asserted, inferred = min(candidates, key=lambda c: c[0])
    return RowExplanation(
        question=name, params={k: str(v) for k, v in answer.bindings.items()}, row_number=row_number,
        row={c: records[row_number - 1][c] for c in columns}, solutions=len(candidates),
        binding={k: to_ox(v) for k, v in solution.items() if v is not None and not isinstance(v, BNode)},
        asserted=asserted, inferred=sorted((why.derivations.prove(t) for t in inferred),
                                           key=lambda step: -step.rank))  # the deepest first: it may explain the others


# --------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------

def _tree(why: Why, step: Step, prefix: str, lines: list[str], shown: set[Triple], last: bool, root: bool) -> None:
    d = why.describe
    branch = "" if root else ("└─ " if last else "├─ ")
    inner = prefix + ("" if root else ("   " if last else "│  "))
    text = d.triple(step.triple)
    if step.asserted:
        where = why.sources.locate(step.triple)
        lines.append(f"{prefix}{branch}{text}  asserted" + (f"  [{where}]" if where else ""))
        citations = why.sources.citations(step.triple[0])
        for citation in citations[:MAX_CITATIONS]:
            lines.append(f"{inner}   cited: {citation.text()}")
        if len(citations) > MAX_CITATIONS:
            more = len(citations) - MAX_CITATIONS
            lines.append(f"{inner}   … and {more} more citation{'s' if more != 1 else ''} (--format json lists them all)")
        return
    if step.triple in shown:
        lines.append(f"{prefix}{branch}{text}  (derived above)")
        return
    shown.add(step.triple)
    lines.append(f"{prefix}{branch}{text}")
    axioms = [f"{d.axiom(a)}" + (f"  [{loc}]" if (loc := why.sources.locate(a)) else "")
              for a in d.axioms(step.axioms)]
    bar = "│ " if step.premises else "  "
    inferred_axioms = any(_is_schema(atom) for atom in step.rule.body) and len(step.axioms) < sum(
        1 for atom in step.rule.body if _is_schema(atom)) and step.rule.chain_property is None
    note = " (its ontology axiom is itself inferred, below)" if inferred_axioms and not axioms else ""
    lines.append(f"{inner}{bar}by {step.rule.title}" + (f": {axioms[0]}" if axioms else "") + note)
    for more in axioms[1:]:
        lines.append(f"{inner}{bar}   and {more}")
    for i, premise in enumerate(step.premises):
        _tree(why, premise, inner, lines, shown, i == len(step.premises) - 1, False)


def tree_text(why: Why, step: Step, shown: set[Triple] | None = None) -> str:
    """The derivation as an indented tree; a triple already in `shown` (derived
    earlier in the same output) is named, not derived again."""
    lines: list[str] = []
    _tree(why, step, "", lines, shown if shown is not None else set(), True, True)
    return "\n".join(lines) + "\n"


def _labels(why: Why, triple: Triple) -> str:
    s, p, o = triple
    return f"{why.label(s)} — {why.label(p) if p != TYPE else 'is a'} — {why.label(o)}"


def explanation_text(why: Why, explanation: Explanation) -> str:
    d, triple = why.describe, explanation.triple
    head = f"{d.triple(triple)}\n  ({_labels(why, triple)})\n"
    step = explanation.step
    if step is None:
        out = head + "is not in the closure: it is neither asserted nor inferred.\n"
        if explanation.suggestions:
            out += "triples of the closure close to it:\n"
            out += "".join(f"    {d.triple(t)}\n" for t in explanation.suggestions)
        return out
    if step.asserted:
        where = why.sources.locate(triple)
        out = head + "is asserted" + (f" in {where}" if where else "") + "; nothing was inferred.\n"
        citations = why.sources.citations(triple[0])
        out += "".join(f"  cited: {c.text()}\n" for c in citations) or "  (its subject cites no evidence)\n"
        return out
    leaves = step.leaves()
    out = head + (f"is inferred, in {step.rank} step{'s' if step.rank != 1 else ''} "
                  f"({', '.join(step.rules())}), from {len(leaves)} asserted triple{'s' if len(leaves) != 1 else ''}:\n\n")
    return out + tree_text(why, step)


def row_text(why: Why, row: RowExplanation) -> str:
    d = why.describe
    params = ", ".join(f"{k}={short(ox.NamedNode(v)) if v.startswith('http') else v}" for k, v in row.params.items())
    out = [f"question {row.question}" + (f" ({params})" if params else "")]
    out.append(f"row {row.row_number}: " + "; ".join(f"{c}={v}" for c, v in row.row.items()
                                                      if not c.endswith("_iri") and v))
    out.append(f"the WHERE clause has {row.solutions} solution{'s' if row.solutions != 1 else ''} for this row; "
               f"explaining {'it' if row.solutions == 1 else 'the one with the fewest inferred triples'}:")
    out.append("  " + "  ".join(f"?{k}={d.term(v)}" for k, v in sorted(row.binding.items())))
    out.append("")
    out.append(f"asserted triples it matched ({len(row.asserted)}):")
    out += [f"  {d.triple(t)}" + (f"  [{loc}]" if (loc := why.sources.locate(t)) else "") for t in row.asserted]
    out.append("")
    if not row.inferred:
        out.append("it needed no inferred triple: the row holds on the asserted triples alone.")
    else:
        out.append(f"inferred triples it needed ({len(row.inferred)}):")
    shown: set[Triple] = set()
    for step in row.inferred:
        out.append("")
        out.append(tree_text(why, step, shown).rstrip("\n"))
    return "\n".join(out) + "\n"


def _term_json(why: Why, term: Term) -> dict:
    if isinstance(term, ox.Literal):
        out = {"value": term.value, "datatype": term.datatype.value}
        if term.language:
            out["language"] = term.language
        return out
    out = {"text": why.describe.term(term)}
    if isinstance(term, ox.NamedNode):
        out["iri"] = term.value
        out["label"] = why.label(term)
    return out


def _triple_json(why: Why, triple: Triple) -> dict:
    return {"text": why.describe.triple(triple),
            **{k: _term_json(why, t) for k, t in zip(("subject", "predicate", "object"), triple)}}


def step_json(why: Why, step: Step) -> dict:
    out = {"triple": _triple_json(why, step.triple), "status": "asserted" if step.asserted else "inferred",
           "depth": step.rank}
    if step.asserted:
        out["location"] = why.sources.locate(step.triple)
        out["citations"] = [c.__dict__ for c in why.sources.citations(step.triple[0])]
        return out
    out["rule"] = step.rule.title
    out["axioms"] = [{"text": why.describe.axiom(a), "location": why.sources.locate(a)}
                     for a in why.describe.axioms(step.axioms)]
    out["premises"] = [step_json(why, p) for p in step.premises]
    return out


def explanation_json(why: Why, explanation: Explanation) -> str:
    out: dict = {"triple": _triple_json(why, explanation.triple)}
    if explanation.step is None:
        out["status"] = "absent"
        out["suggestions"] = [_triple_json(why, t) for t in explanation.suggestions]
    else:
        out["status"] = "asserted" if explanation.step.asserted else "inferred"
        out["rules"] = explanation.step.rules()
        out["leaves"] = [_triple_json(why, t) for t in explanation.step.leaves()]
        out["derivation"] = step_json(why, explanation.step)
    return json.dumps(out, ensure_ascii=False, indent=1) + "\n"


def row_json(why: Why, row: RowExplanation) -> str:
    out = {"question": row.question, "params": row.params, "row_number": row.row_number, "row": row.row,
           "solutions": row.solutions,
           "binding": {k: _term_json(why, v) for k, v in sorted(row.binding.items())},
           "asserted": [{**_triple_json(why, t), "location": why.sources.locate(t)} for t in row.asserted],
           "inferred": [{"rules": s.rules(), "leaves": [_triple_json(why, t) for t in s.leaves()],
                         "derivation": step_json(why, s)} for s in row.inferred]}
    return json.dumps(out, ensure_ascii=False, indent=1) + "\n"
