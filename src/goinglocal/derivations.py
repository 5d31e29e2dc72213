"""Why a triple is in the closure, re-derived backwards from it: the
derivations `goinglocal why` shows.

Derivations are never recorded in the reasoner's hot loop: `Derivations` runs
the rules of goinglocal.materialise (RULES and chain_rules, the same SPARQL
updates) once more, semi-naively from the asserted triples, and notes the
round in which each inferred triple first appears (its rank). Because each
round only sees the triples of earlier rounds, a triple of rank r has a rule
instance whose body triples all have ranks below r, and the rank is the
height of its shortest derivation. `prove` picks, for a target, the rule
instance with the lowest highest-ranked body triple (then the fewest inferred
ones), and recurses; ranks fall at every step, so there are no cycles and the
depth is at most the number of rounds.

Body atoms about the ontology (subclass, subproperty, domain, range, inverse,
characteristics, restrictions, chains) become the axioms of a step, shown as
what the rule applied; when such an axiom is itself inferred (a subclass of a
subclass), it is a premise like any other. `Describer` writes terms and
triples as the project does, restrictions and lists included."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Iterator

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.term import Node

from goinglocal.materialise import (ASSERTED, DELTA, INFERRED, NEW, RULES, chain_rules, load_asserted,
                                    rule_updates)
from goinglocal.namespaces import ID_BASE, ONTOLOGY_BASE
from goinglocal.store import KnowledgeGraph

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


def is_schema(atom: tuple[Token, Token, Token]) -> bool:
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
            if is_schema(atom) and fact_rank == 0:
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
